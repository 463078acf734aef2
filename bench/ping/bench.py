#!/usr/bin/env python3
"""Benchmark of `tma ping` against the obvious alternative (xargs -P running ssh and curl).

Sets up, in a temp dir on 127.0.0.1, a lab like the tests' (tests/lab): one real sshd listening on
--hosts ports (each port plays one server, so --per-host applies as in real life) and one HTTP
server answering every path after 50 ms. Generates an inventory of N sites spread over those
"servers", then runs, in the same session and on the same targets:

  1. tma ping --all --jobs 1
  2. tma ping --all --jobs 32 (--per-host 2)
  3. xargs -P 32, each line running `ssh ... uname -sr; php version` then `curl` of the URL

and prints wall time, CPU time (user+sys of the whole local process tree, from wait4; sshd and
the daemonised ssh control masters are not children and are not counted), peak RSS of the root
process and of the whole tree (both sampled every 50 ms from /proc) and the ratio to the ideal
ceil(N/jobs) * 50 ms.

Usage: bench/ping/bench.py --tma build/tma [--sites 200] [--hosts 16] [--repeat 1]
"""
import argparse
import json
import math
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = os.path.join(HERE, "..", "..", "tests", "lab")
LATENCY = 0.05


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=15):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kib(root):
    """Sum of VmRSS of `root` and all its descendants (one /proc scan)."""
    parent = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/stat" % name) as f:
                    stat = f.read()
                parent[int(name)] = int(stat[stat.rfind(")") + 2:].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    tree, frontier = {root}, [root]
    while frontier:
        p = frontier.pop()
        for child, ppid in parent.items():
            if ppid == p and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(rss_kib(p) for p in tree)


def measure(argv, stdin=None, stdout=None, env=None):
    """Run argv; return (wall s, cpu s of the tree, peak RSS MiB of the root process (sampled),
    peak RSS MiB of the whole tree (sampled sum), exit code, stderr)."""
    import threading
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, env=env)
    peaks = {"root": 0, "tree": 0}
    done = threading.Event()

    def sample():
        while not done.is_set():
            peaks["root"] = max(peaks["root"], rss_kib(proc.pid))
            peaks["tree"] = max(peaks["tree"], tree_rss_kib(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    err = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, peaks["root"] / 1024.0, peaks["tree"] / 1024.0, proc.returncode, err


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tma", required=True)
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--hosts", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=32)
    args = parser.parse_args()
    tma = os.path.abspath(args.tma)
    user = pwd.getpwuid(os.geteuid()).pw_name
    tmp = tempfile.mkdtemp(prefix="tma-bench-")
    procs = []
    try:
        for name in ("host_key", "id_ed25519"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(tmp, name)], check=True)
        shutil.copy(os.path.join(tmp, "id_ed25519.pub"), os.path.join(tmp, "authorized_keys"))
        host_pub = " ".join(open(os.path.join(tmp, "host_key.pub")).read().split()[:2])
        ports = [free_port() for _ in range(args.hosts)]
        with open(os.path.join(tmp, "known_hosts"), "w") as f:
            for p in ports:
                f.write("[127.0.0.1]:%d %s\n" % (p, host_pub))
        config = "".join("Port %d\n" % p for p in ports) + (
            "ListenAddress 127.0.0.1\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\n"
            "AuthorizedKeysFile {d}/authorized_keys\nPermitRootLogin prohibit-password\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
            "PrintMotd no\nMaxSessions 64\nMaxStartups 512:30:1024\nLogLevel ERROR\n").format(d=tmp)
        open(os.path.join(tmp, "sshd_config"), "w").write(config)
        os.makedirs("/run/sshd", exist_ok=True)
        log = open(os.path.join(tmp, "lab.log"), "a")
        procs.append(subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", os.path.join(tmp, "sshd_config")],
                                      stdout=log, stderr=log, start_new_session=True))
        for p in ports:
            if not wait_port(p):
                sys.exit("sshd did not start: " + open(os.path.join(tmp, "lab.log")).read())
        json.dump({"*": {"delay": LATENCY, "body": "ok"}}, open(os.path.join(tmp, "routes.json"), "w"))
        python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"
        procs.append(subprocess.Popen([python, os.path.join(LAB, "http_server.py"), "--routes",
                                       os.path.join(tmp, "routes.json"), "--port-file", os.path.join(tmp, "port"),
                                       "--requests", os.path.join(tmp, "requests.jsonl")],
                                      stdout=log, stderr=log, start_new_session=True))
        for _ in range(200):
            if os.path.exists(os.path.join(tmp, "port")):
                break
            time.sleep(0.05)
        http_port = int(open(os.path.join(tmp, "port")).read())

        site_root = os.path.join(tmp, "site")
        os.makedirs(site_root)
        lines = ["version: 1", "agency: {name: Bench}", "clients:",
                 "  bench: {name: Bench, contract: {model: on_demand, rate: 90}}",
                 "defaults:", "  backup: {storage: local}", "sites:"]
        targets = []
        for i in range(args.sites):
            port = ports[i % len(ports)]
            url = "http://127.0.0.1:%d/site-%03d/" % (http_port, i)
            targets.append((port, url))
            lines += ["  site-%03d:" % i, "    client: bench", "    cms: static", "    environments:",
                      "      prod: {url: \"%s\", path: \"%s\", ssh: {target: %s@127.0.0.1:%d, identity_file: %s, "
                      "known_hosts: %s, connect_timeout: 10s}}" % (url, site_root, user, port,
                                                                   os.path.join(tmp, "id_ed25519"),
                                                                   os.path.join(tmp, "known_hosts"))]
        inventory = os.path.join(tmp, "sites.yaml")
        open(inventory, "w").write("\n".join(lines) + "\n")
        env = dict(os.environ)
        for k in ("http_proxy", "https_proxy", "all_proxy", "HTTPS_PROXY", "ALL_PROXY"):
            env.pop(k, None)

        results = []

        def run_tma(jobs):
            out = open(os.path.join(tmp, "tma-%d.json" % jobs), "w+")
            wall, cpu, rss, tree, code, err = measure([tma, "-i", inventory, "ping", "--all", "--format", "json",
                                                 "--jobs", str(jobs), "--per-host", "2"], stdout=out, env=env)
            out.seek(0)
            summary = json.load(out)["summary"]
            if summary["ok"] != args.sites:
                print("warning: tma --jobs %d: %s %s" % (jobs, summary, err[-500:]), file=sys.stderr)
            results.append(("tma ping --jobs %d --per-host 2" % jobs, jobs, wall, cpu, rss, tree, summary["ok"]))

        def run_xargs(jobs):
            script = ("ssh -T -o BatchMode=yes -o ConnectTimeout=10 -o StrictHostKeyChecking=yes "
                      "-o UserKnownHostsFile=%s -i %s -o IdentitiesOnly=yes -p \"$1\" %s@127.0.0.1 "
                      "'cd %s && uname -sr; if command -v php >/dev/null 2>&1; then php -r \"echo PHP_VERSION;\"; fi' "
                      "&& curl -sS -o /dev/null -w '%%{http_code} %%{time_total}\\n' --max-time 30 \"$2\""
                      % (os.path.join(tmp, "known_hosts"), os.path.join(tmp, "id_ed25519"), user, site_root))
            feed = os.path.join(tmp, "targets.txt")
            open(feed, "w").write("".join("%d %s\n" % t for t in targets))
            out = open(os.path.join(tmp, "xargs-%d.txt" % jobs), "w+")
            wall, cpu, rss, tree, code, err = measure(["xargs", "-P", str(jobs), "-n", "2", "sh", "-c", script, "sh"],
                                                stdin=open(feed), stdout=out, env=env)
            out.seek(0)
            ok = sum(1 for line in out if line.startswith("200 "))
            if ok != args.sites:
                print("warning: xargs: %d/%d ok: %s" % (ok, args.sites, err[-500:]), file=sys.stderr)
            results.append(("xargs -P %d (ssh + curl per site)" % jobs, jobs, wall, cpu, rss, tree, ok))

        run_tma(1)
        run_tma(args.jobs)
        run_xargs(args.jobs)

        print("N = %d sites on %d simulated servers (sshd ports), HTTP latency %d ms, %d CPUs, load %s"
              % (args.sites, args.hosts, LATENCY * 1000, os.cpu_count(), "%.1f %.1f %.1f" % os.getloadavg()))
        print()
        print("| run | ok | wall (s) | CPU user+sys (s) | peak RSS root process (MiB) | peak RSS whole tree (MiB) "
              "| ideal (s) | wall / ideal |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for name, jobs, wall, cpu, rss, tree, ok in results:
            ideal = math.ceil(args.sites / jobs) * LATENCY
            print("| %s | %d/%d | %.2f | %.2f | %.1f | %.1f | %.2f | %.1f |"
                  % (name, ok, args.sites, wall, cpu, rss, tree, ideal, wall / ideal))
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, 15)
                p.wait(timeout=10)
            except Exception:
                pass
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
