#!/usr/bin/env python3
"""Benchmark of `tma backup` (ssh method, database dump) against `ssh host cat dump > file`.

Sets up, in a temp dir on 127.0.0.1, one real sshd (throwaway keys, as in the test lab) and a site
whose `wp` is a stand-in that streams a pre-generated SQL dump of --sizes MiB (ending with the
`-- Dump completed` trailer) for `wp db export -`. Compression is off (`compression: none`) and
`paths: []`, so both sides move exactly the same bytes over the same sshd; tma additionally hashes
the stream, fsyncs, re-reads the file for the trailer check and writes the manifest.

For each size, in the same session, alternating:
  1. dd if=/dev/zero of=out bs=1M count=<size> conv=fsync      (what the disk takes durably)
  2. ssh -T ... user@127.0.0.1 cat dump.sql > out.sql          (the obvious alternative)
  3. ssh ... cat dump.sql > out.sql && sync out.sql            (the same, made durable like tma's)
  4. ssh -c aes128-gcm@openssh.com ... cat dump.sql > out.sql  (the cipher tma asks for first when the
                                                                CPU has AES instructions: like for like)
  5. tma -i sites.yaml backup --site bench-<size>              (a fresh backup each time; the previous
                                                                one is deleted before, untimed)
Prints a markdown row per run: wall time, MiB/s, CPU time of the waited processes, peak RSS of the
root process and of the tree.

With --restic, the same dumps go into a restic repository instead (Debian's restic, a local
repository in the temp dir, a fresh one before every run so that restic's deduplication never
helps a later run), alternating:
  6. ssh -c aes128-gcm ... cat dump.sql | restic backup --stdin --stdin-filename database.sql
                                                               (the plain pipeline, same cipher)
  7. tma -i sites.yaml backup --site restic-<size>             (a site whose only storage is that
                                                               repository: streamed, checked on the way)
tma's run also lists the repository (leftovers; retention reuses that listing) and sends the
manifest as a snapshot of its own: two more restic starts, part of its cost (they start with the
artifact's, so their repository openings overlap the stream).

Usage: bench/backup/bench.py --tma build/tma [--sizes 100,1024] [--repeat 2] [--restic]
"""
import argparse
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ping"))
from bench import measure, wait_port, free_port  # noqa: E402  (shared helpers of bench/ping)


def make_dump(path, mib):
    line = ("INSERT INTO `wp_posts` VALUES (" + ",".join(["'lorem ipsum dolor sit amet'"] * 6) + ");\n").encode()
    block = line * (1024 * 1024 // len(line) + 1)
    block = block[:1024 * 1024]
    with open(path, "wb") as f:
        f.write(b"-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB\n")
        for _ in range(mib):
            f.write(block)
        f.write(b"\n-- Dump completed on 2026-11-29  1:00:00\n")


def restic_runs(tma, inventory, tmp, sizes, repeat, ssh_opts, user):
    """The restic comparison (docstring, runs 6 and 7)."""
    repo = os.path.join(tmp, "repo")
    env = dict(os.environ, RESTIC_REPOSITORY=repo, RESTIC_PASSWORD="bench-restic-password")

    def fresh_repository():
        shutil.rmtree(repo, ignore_errors=True)
        shutil.rmtree(os.path.join(tmp, ".tma-staging"), ignore_errors=True)
        subprocess.run(["restic", "init", "-q"], env=env, check=True, stdout=subprocess.DEVNULL)

    def stored_bytes():
        out = subprocess.run(["restic", "snapshots", "--json"], env=env, check=True, capture_output=True).stdout
        total = 0
        for snapshot in json.loads(out) or []:
            if snapshot["paths"][0].endswith(".sql"):
                stats = subprocess.run(["restic", "stats", "--json", snapshot["id"]], env=env, check=True,
                                       capture_output=True).stdout
                total += json.loads(stats)["total_size"]
        return total

    print("| run | dump (MiB) | wall (s) | MiB/s | CPU waited (s) | peak RSS root (MiB) | peak RSS tree (MiB) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    best = {}
    for mib in sizes:
        dump = os.path.join(tmp, "site-%d" % mib, "dump.sql")
        size = os.path.getsize(dump)
        for _ in range(repeat):
            fresh_repository()
            ssh_line = " ".join(["ssh", "-c", "aes128-gcm@openssh.com"] + ssh_opts + ["%s@127.0.0.1" % user, "cat", dump])
            wall, cpu, rss, tree, code, err = measure(
                ["sh", "-c", "%s | restic backup -q --stdin --stdin-filename database.sql" % ssh_line], env=env)
            if code != 0 or stored_bytes() != size:
                print("warning: the pipeline failed: %s" % err[-300:], file=sys.stderr)
            print("| `ssh -c aes128-gcm cat | restic backup --stdin` | %d | %.2f | %.1f | %.2f | %.1f | %.1f |"
                  % (mib, wall, size / 1048576.0 / wall, cpu, rss, tree))
            best.setdefault(("pipe", mib), []).append(size / 1048576.0 / wall)
            fresh_repository()
            wall, cpu, rss, tree, code, err = measure([tma, "-q", "-i", inventory, "backup", "--site", "restic-%d" % mib,
                                                       "--format", "json"], stdout=subprocess.DEVNULL)
            if code != 0 or stored_bytes() != size:
                print("warning: tma backup failed (%d): %s" % (code, err[-500:]), file=sys.stderr)
            print("| `tma backup` (restic storage) | %d | %.2f | %.1f | %.2f | %.1f | %.1f |"
                  % (mib, wall, size / 1048576.0 / wall, cpu, rss, tree))
            best.setdefault(("tma", mib), []).append(size / 1048576.0 / wall)
    for mib in sizes:
        print("\n%d MiB, best of each: tma %.1f MiB/s = %.0f %% of the pipeline (%.1f MiB/s)"
              % (mib, max(best[("tma", mib)]), 100 * max(best[("tma", mib)]) / max(best[("pipe", mib)]),
                 max(best[("pipe", mib)])))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tma", required=True)
    parser.add_argument("--sizes", default="100,1024", help="dump sizes in MiB")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--restic", action="store_true", help="compare with `ssh cat | restic backup --stdin`")
    parser.add_argument("--hold", action="store_true",
                        help="set the lab up, print the commands to run by hand (for perf), wait for Enter")
    args = parser.parse_args()
    tma = os.path.abspath(args.tma)
    user = pwd.getpwuid(os.geteuid()).pw_name
    tmp = tempfile.mkdtemp(prefix="tma-bench-backup-")
    procs = []
    try:
        for name in ("host_key", "id_ed25519"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(tmp, name)], check=True)
        shutil.copy(os.path.join(tmp, "id_ed25519.pub"), os.path.join(tmp, "authorized_keys"))
        host_pub = " ".join(open(os.path.join(tmp, "host_key.pub")).read().split()[:2])
        port = free_port()
        with open(os.path.join(tmp, "known_hosts"), "w") as f:
            f.write("[127.0.0.1]:%d %s\n" % (port, host_pub))
        config = ("Port %d\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\n"
                  "AuthorizedKeysFile {d}/authorized_keys\nPermitRootLogin prohibit-password\n"
                  "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
                  "PrintMotd no\nLogLevel ERROR\n" % port).format(d=tmp)
        open(os.path.join(tmp, "sshd_config"), "w").write(config)
        os.makedirs("/run/sshd", exist_ok=True)
        log = open(os.path.join(tmp, "lab.log"), "a")
        procs.append(subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", os.path.join(tmp, "sshd_config")],
                                      stdout=log, stderr=log, start_new_session=True))
        if not wait_port(port):
            sys.exit("sshd did not start: " + open(os.path.join(tmp, "lab.log")).read())
        sizes = [int(s) for s in args.sizes.split(",")]
        lines = ["version: 1", "agency: {name: Bench}", "clients:",
                 "  bench: {name: Bench, contract: {model: on_demand, rate: 90}}",
                 "storage:", "  local: {type: local, path: backups}",
                 "  offsite: {type: restic, repository: %s, password_command: [cat, %s]}"
                 % (os.path.join(tmp, "repo"), os.path.join(tmp, "restic-password")),
                 "defaults:", "  backup: {storage: local, compression: none, paths: [], keep: {last: 1}}", "sites:"]
        ssh_opts = ["-T", "-p", str(port), "-i", os.path.join(tmp, "id_ed25519"), "-o", "BatchMode=yes",
                    "-o", "UserKnownHostsFile=" + os.path.join(tmp, "known_hosts"), "-o", "StrictHostKeyChecking=yes"]
        for mib in sizes:
            root = os.path.join(tmp, "site-%d" % mib)
            os.makedirs(root)
            make_dump(os.path.join(root, "dump.sql"), mib)
            wp = os.path.join(root, "wp")
            open(wp, "w").write("#!/bin/sh\ncase \"$*\" in\n  *\"db export\"*) exec cat %s/dump.sql ;;\n"
                                "  *\"core version\"*) echo 6.4.3 ;;\nesac\n" % root)
            os.chmod(wp, 0o755)
            lines += ["  bench-%d:" % mib, "    client: bench", "    cms: wordpress", "    environments:",
                      "      prod: {url: \"http://127.0.0.1:9/\", path: \"%s\", wp: \"%s\", ssh: {target: %s@127.0.0.1:%d, "
                      "identity_file: %s, known_hosts: %s, connect_timeout: 10s}}"
                      % (root, wp, user, port, os.path.join(tmp, "id_ed25519"), os.path.join(tmp, "known_hosts"))]
            lines += ["  restic-%d:" % mib, "    client: bench", "    cms: wordpress",
                      "    backup: {storage: offsite}", "    environments:",
                      "      prod: {url: \"http://127.0.0.1:9/\", path: \"%s\", wp: \"%s\", ssh: {target: %s@127.0.0.1:%d, "
                      "identity_file: %s, known_hosts: %s, connect_timeout: 10s}}"
                      % (root, wp, user, port, os.path.join(tmp, "id_ed25519"), os.path.join(tmp, "known_hosts"))]
        open(os.path.join(tmp, "restic-password"), "w").write("bench-restic-password\n")
        subprocess.run([tma, "init", tmp], check=True, stdout=subprocess.DEVNULL)
        inventory = os.path.join(tmp, "sites.yaml")
        open(inventory, "w").write("\n".join(lines) + "\n")
        if args.hold:
            for mib in sizes:
                print("ssh %s %s@127.0.0.1 cat %s/site-%d/dump.sql > out.sql" % (" ".join(ssh_opts), user, tmp, mib))
                print("%s -q -i %s backup --site bench-%d" % (tma, inventory, mib))
            sys.stdout.flush()
            sys.stdin.readline()
            return
        if args.restic:
            restic_runs(tma, inventory, tmp, sizes, args.repeat, ssh_opts, user)
            return
        print("| run | dump (MiB) | wall (s) | MiB/s | CPU waited (s) | peak RSS root (MiB) | peak RSS tree (MiB) |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        summary = {}
        for mib in sizes:
            dump = os.path.join(tmp, "site-%d" % mib, "dump.sql")
            size_mib = os.path.getsize(dump) / 1048576.0
            out = os.path.join(tmp, "out.sql")

            def row(label, wall, cpu, rss, tree, key):
                print("| %s | %d | %.2f | %.1f | %.2f | %.1f | %.1f |" % (label, mib, wall, size_mib / wall, cpu, rss,
                                                                      tree))
                summary.setdefault((key, mib), []).append(size_mib / wall)

            for _ in range(args.repeat):
                # The disk alone: how fast this file system takes the same amount of data durably.
                wall, cpu, rss, tree, code, err = measure(["dd", "if=/dev/zero", "of=" + out, "bs=1M",
                                                           "count=%d" % mib, "conv=fsync", "status=none"])
                os.remove(out)
                row("`dd conv=fsync` (disk only)", wall, cpu, rss, tree, "disk")
                # The obvious alternative, as a shell script would write it: in the page cache only...
                with open(out, "wb") as f:
                    wall, cpu, rss, tree, code, err = measure(["ssh"] + ssh_opts + ["%s@127.0.0.1" % user, "cat", dump],
                                                              stdout=f)
                if code != 0 or os.path.getsize(out) != os.path.getsize(dump):
                    print("warning: ssh cat failed: %s" % err[-300:], file=sys.stderr)
                os.remove(out)
                row("`ssh cat > file`", wall, cpu, rss, tree, "ssh")
                # ... and durable like tma's artifact (`sync FILE` fsyncs that file: coreutils >= 8.24).
                ssh_line = " ".join(["ssh"] + ssh_opts + ["%s@127.0.0.1" % user, "cat", dump])
                wall, cpu, rss, tree, code, err = measure(["sh", "-c", "%s > %s && sync %s" % (ssh_line, out, out)])
                if code != 0 or os.path.getsize(out) != os.path.getsize(dump):
                    print("warning: ssh cat + sync failed: %s" % err[-300:], file=sys.stderr)
                os.remove(out)
                row("`ssh cat > file && sync file`", wall, cpu, rss, tree, "ssh+sync")
                # The same cipher as tma's (docs/transport.md): what is left is tma's own cost.
                with open(out, "wb") as f:
                    wall, cpu, rss, tree, code, err = measure(["ssh", "-c", "aes128-gcm@openssh.com"] + ssh_opts +
                                                              ["%s@127.0.0.1" % user, "cat", dump], stdout=f)
                if code != 0 or os.path.getsize(out) != os.path.getsize(dump):
                    print("warning: ssh -c aes128-gcm cat failed: %s" % err[-300:], file=sys.stderr)
                os.remove(out)
                row("`ssh -c aes128-gcm cat > file`", wall, cpu, rss, tree, "ssh-gcm")
                # Older backups are deleted outside the timed run: retention is not part of the copy.
                shutil.rmtree(os.path.join(tmp, "backups", "bench-%d" % mib), ignore_errors=True)
                wall, cpu, rss, tree, code, err = measure([tma, "-q", "-i", inventory, "backup", "--site",
                                                           "bench-%d" % mib, "--format", "json"],
                                                          stdout=subprocess.DEVNULL)
                if code != 0:
                    print("warning: tma backup failed (%d): %s" % (code, err[-500:]), file=sys.stderr)
                row("`tma backup`", wall, cpu, rss, tree, "tma")
        for mib in sizes:
            tma_best = max(summary[("tma", mib)])
            print("\n%d MiB, best of each: tma %.1f MiB/s = %.0f %% of `ssh cat > file` (%.1f), %.0f %% of "
                  "`ssh cat > file && sync file` (%.1f), %.0f %% of `ssh -c aes128-gcm cat > file` (%.1f); "
                  "the disk alone takes %.1f MiB/s durably"
                  % (mib, tma_best, 100 * tma_best / max(summary[("ssh", mib)]), max(summary[("ssh", mib)]),
                     100 * tma_best / max(summary[("ssh+sync", mib)]), max(summary[("ssh+sync", mib)]),
                     100 * tma_best / max(summary[("ssh-gcm", mib)]), max(summary[("ssh-gcm", mib)]),
                     max(summary[("disk", mib)])))
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, 15)
            except OSError:
                pass
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
