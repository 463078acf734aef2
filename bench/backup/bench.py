#!/usr/bin/env python3
"""Benchmark of `tma backup` (ssh method, database dump) against `ssh host cat dump > file`.

Sets up, in a temp dir on 127.0.0.1, one real sshd (throwaway keys, as in the test lab) and a site
whose `wp` is a stand-in that streams a pre-generated SQL dump of --sizes MiB (ending with the
`-- Dump completed` trailer) for `wp db export -`. Compression is off (`compression: none`) and
`paths: []`, so both sides move exactly the same bytes over the same sshd; tma additionally hashes
the stream, fsyncs, re-reads the file for the trailer check and writes the manifest.

For each size, in the same session, alternating:
  1. ssh -T ... user@127.0.0.1 cat dump.sql > out.sql          (the obvious alternative)
  2. tma -i sites.yaml backup --site bench-<size>              (a fresh backup each time)
Prints a markdown row per run: wall time, MiB/s, peak RSS of the root process and of the tree.

Usage: bench/backup/bench.py --tma build/tma [--sizes 100,1024] [--repeat 2]
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tma", required=True)
    parser.add_argument("--sizes", default="100,1024", help="dump sizes in MiB")
    parser.add_argument("--repeat", type=int, default=2)
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
        subprocess.run([tma, "init", tmp], check=True, stdout=subprocess.DEVNULL)
        inventory = os.path.join(tmp, "sites.yaml")
        open(inventory, "w").write("\n".join(lines) + "\n")
        print("| run | dump (MiB) | wall (s) | MiB/s | peak RSS root (MiB) | peak RSS tree (MiB) |")
        print("| --- | --- | --- | --- | --- | --- |")
        summary = {}
        for mib in sizes:
            dump = os.path.join(tmp, "site-%d" % mib, "dump.sql")
            size_mib = os.path.getsize(dump) / 1048576.0
            for _ in range(args.repeat):
                out = os.path.join(tmp, "out.sql")
                with open(out, "wb") as f:
                    wall, cpu, rss, tree, code, err = measure(["ssh"] + ssh_opts + ["%s@127.0.0.1" % user, "cat", dump],
                                                              stdout=f)
                    os.fsync(f.fileno())
                if code != 0 or os.path.getsize(out) != os.path.getsize(dump):
                    print("warning: ssh cat failed: %s" % err[-300:], file=sys.stderr)
                os.remove(out)
                print("| `ssh cat > file` | %d | %.2f | %.1f | %.1f | %.1f |" % (mib, wall, size_mib / wall, rss, tree))
                summary.setdefault(("ssh", mib), []).append(size_mib / wall)
                wall, cpu, rss, tree, code, err = measure([tma, "-q", "-i", inventory, "backup", "--site",
                                                           "bench-%d" % mib, "--format", "json"],
                                                          stdout=subprocess.DEVNULL)
                if code != 0:
                    print("warning: tma backup failed (%d): %s" % (code, err[-500:]), file=sys.stderr)
                print("| `tma backup` | %d | %.2f | %.1f | %.1f | %.1f |" % (mib, wall, size_mib / wall, rss, tree))
                summary.setdefault(("tma", mib), []).append(size_mib / wall)
        for mib in sizes:
            ssh = max(summary[("ssh", mib)])
            tma_best = max(summary[("tma", mib)])
            print("\n%d MiB: best tma %.1f MiB/s vs best ssh cat %.1f MiB/s = %.0f %%" % (mib, tma_best, ssh,
                                                                                     100 * tma_best / ssh))
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, 15)
            except OSError:
                pass
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
