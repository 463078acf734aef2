#!/usr/bin/env python3
"""Benchmark of `tma check` against the obvious alternative: a shell loop (and `xargs -P`) running
`ssh host wp ...` for every site, the way WP-CLI alias groups (`wp @all plugin list`) run.

Sets up, in a temp dir on 127.0.0.1, a lab like the tests' (tests/lab): one real sshd listening on
--hosts ports (each port plays one server, so --per-host applies as in real life) and --sites
WordPress stand-in sites (tests/lab/make_wp_site, one tree copied per site) whose `wp` answers every
call after --delay-ms (the stand-in's `delay=MS` misbehaviour, written in each site's
.tma-lab/misbehave so it applies over SSH too). Then runs, in the same session, on the same sites:

  1. tma check --all --jobs 1 --format json
  2. tma check --all --jobs J --per-host 2 --format json
  3. a shell loop (`while read`), one site after the other
  4. xargs -P J, one site per line

The shell side does the same remote work as tma: per site the same five read-only WP-CLI calls
(`core version`, `core check-update --format=json`, `plugin list --format=json`,
`theme list --format=json`, `--info`), each its own `ssh` command, over ONE multiplexed connection
per server (ControlMaster=auto, ControlPersist), as tma does. Masters are closed between runs so every
run starts cold. tma additionally parses, computes findings and renders JSON; no vulnerability feed
and no journal are configured (the shell side has neither).

Printed per run: sites answered, wall time, CPU time (user+sys of the local process tree, from
wait4; sshd and daemonised ssh control masters are not children and are not counted), peak RSS of
the root process and of the whole local tree (sampled every 50 ms from /proc), and the ideal time
ceil(N/jobs) * 5 * delay.

Usage: bench/check/bench.py --tma build/tma [--sites 200] [--hosts 16] [--jobs 32] [--delay-ms 100]
"""
import argparse
import importlib.util
import json
import math
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
LAB = os.path.join(ROOT, "tests", "lab")
WP_CALLS = 5

# The sshd setup, free_port/wait_port and the measuring code are bench/ping's.
_spec = importlib.util.spec_from_file_location("ping_bench", os.path.join(ROOT, "bench", "ping", "bench.py"))
ping = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ping)

# One site's work for the shell alternative: $1 = port, $2 = site root. The five calls tma makes,
# same argv, same `cd root &&`, each its own ssh command over the server's master connection.
ALT_SCRIPT = r"""#!/bin/sh
port=$1 root=$2 out=%(out)s/$(basename "$2")
r() { ssh -n -T -o BatchMode=yes -o ConnectTimeout=10 -o StrictHostKeyChecking=yes \
  -o UserKnownHostsFile=%(known_hosts)s -i %(identity)s -o IdentitiesOnly=yes -o LogLevel=ERROR \
  -o ControlMaster=auto -o ControlPath=%(control)s/%%C -o ControlPersist=60 \
  -p "$port" %(user)s@127.0.0.1 "cd $root && $*"; }
wp="%(wp)s --path=$root --skip-plugins --skip-themes --no-color"
r $wp core version > $out.core &&
r $wp core check-update --format=json > $out.offers &&
r $wp plugin list --format=json > $out.plugins &&
r $wp theme list --format=json > $out.themes &&
r %(wp)s --info > $out.info &&
echo "ok $out"
"""


def make_sites(tmp, count, delay_ms):
    """One stand-in WordPress tree, copied `count` times (make_wp_site takes ~0.1 s per call)."""
    template = os.path.join(tmp, "template")
    subprocess.run([os.path.join(LAB, "make_wp_site"), template, "--core", "6.4.3",
                    "--plugin", "akismet=5.0.2:active", "--plugin", "contact-form-7=5.8:active",
                    "--plugin", "woocommerce=8.5.1:active", "--plugin", "wordpress-seo=21.9",
                    "--plugin", "classic-editor=1.6.3:active", "--theme", "twentytwentyfour=1.0:active",
                    "--theme", "twentytwentythree=1.3", "--update", "core=6.4.5,6.6.1",
                    "--update", "plugin:akismet=5.3", "--update", "plugin:woocommerce=8.9.3",
                    "--misbehave", "delay=%d" % delay_ms], check=True)
    roots = []
    for i in range(count):
        root = os.path.join(tmp, "sites", "site-%03d" % i)
        shutil.copytree(template, root, symlinks=True)
        roots.append(root)
    return roots


def stand_in_wp(tmp):
    """The lab's `wp`, run by /usr/bin/python3 directly: its `#!/usr/bin/env python3` would go through
    whatever PATH the remote login shell sets (here a pyenv shim costing ~0.3 s per call), and the
    benchmark is about tma and ssh, not about the stand-in's interpreter lookup."""
    python = "/usr/bin/python3"
    src = os.path.join(LAB, "bin", "wp")
    if not os.path.exists(python):
        return src
    os.makedirs(os.path.join(tmp, "lab", "bin"))
    os.symlink(os.path.join(LAB, "lib"), os.path.join(tmp, "lab", "lib"))
    dst = os.path.join(tmp, "lab", "bin", "wp")
    text = open(src).read().split("\n", 1)[1]
    open(dst, "w").write("#!" + python + "\n" + text)
    os.chmod(dst, 0o755)
    return dst


def ssh_command_cost(base, count=10):
    """Mean wall time of `ssh host true` over an open master (login shell start included)."""
    subprocess.run(base + ["true"], check=True)
    start = time.monotonic()
    for _ in range(count):
        subprocess.run(base + ["true"], check=True)
    cost = (time.monotonic() - start) / count
    subprocess.run(base[:-1] + ["-O", "exit", base[-1]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cost


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tma", required=True)
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--hosts", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=32)
    parser.add_argument("--delay-ms", type=int, default=100)
    parser.add_argument("--skip-sequential", action="store_true", help="only the --jobs J runs")
    args = parser.parse_args()
    tma = os.path.abspath(args.tma)
    user = pwd.getpwuid(os.geteuid()).pw_name
    tmp = tempfile.mkdtemp(prefix="tma-bench-check-")
    procs = []
    try:
        for name in ("host_key", "id_ed25519"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(tmp, name)], check=True)
        shutil.copy(os.path.join(tmp, "id_ed25519.pub"), os.path.join(tmp, "authorized_keys"))
        host_pub = " ".join(open(os.path.join(tmp, "host_key.pub")).read().split()[:2])
        ports = [ping.free_port() for _ in range(args.hosts)]
        known_hosts = os.path.join(tmp, "known_hosts")
        identity = os.path.join(tmp, "id_ed25519")
        with open(known_hosts, "w") as f:
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
            if not ping.wait_port(p):
                sys.exit("sshd did not start: " + open(os.path.join(tmp, "lab.log")).read())

        roots = make_sites(tmp, args.sites, args.delay_ms)
        wp = stand_in_wp(tmp)
        lines = ["version: 1", "agency: {name: Bench}", "clients:",
                 "  bench: {name: Bench, contract: {model: on_demand, rate: 90}}",
                 "defaults:", "  backup: {storage: local}", "sites:"]
        targets = []
        for i, root in enumerate(roots):
            port = ports[i % len(ports)]
            targets.append((port, root))
            lines += ["  site-%03d:" % i, "    client: bench", "    cms: wordpress", "    environments:",
                      "      prod: {url: \"http://site-%03d.invalid\", path: \"%s\", wp: \"%s\", "
                      "ssh: {target: %s@127.0.0.1:%d, identity_file: %s, known_hosts: %s, connect_timeout: 10s}}"
                      % (i, root, wp, user, port, identity, known_hosts)]
        inventory = os.path.join(tmp, "sites.yaml")
        open(inventory, "w").write("\n".join(lines) + "\n")
        feed = os.path.join(tmp, "targets.txt")
        open(feed, "w").write("".join("%d %s\n" % t for t in targets))
        control = os.path.join(tmp, "cm")
        os.makedirs(control)
        env = dict(os.environ)
        for k in ("http_proxy", "https_proxy", "all_proxy", "HTTPS_PROXY", "ALL_PROXY", "TMA_LAB_MISBEHAVE"):
            env.pop(k, None)
        env["XDG_CACHE_HOME"] = os.path.join(tmp, "cache")

        results = []
        base = ["ssh", "-n", "-T", "-o", "BatchMode=yes", "-o", "UserKnownHostsFile=" + known_hosts, "-i", identity,
                "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", "-o", "ControlMaster=auto",
                "-o", "ControlPath=%s/%%C" % control, "-o", "ControlPersist=60", "-p", str(ports[0]),
                "%s@127.0.0.1" % user]
        ssh_cost = ssh_command_cost(base)
        wp_start = time.monotonic()
        for _ in range(5):
            subprocess.run([wp, "--path=" + roots[0], "core", "version"], cwd=roots[0], check=True,
                           stdout=subprocess.DEVNULL)
        wp_cost = (time.monotonic() - wp_start) / 5

        def run_tma(jobs):
            out = open(os.path.join(tmp, "tma-%d.json" % jobs), "w+")
            argv = [tma, "-i", inventory, "check", "--all", "--format", "json", "--jobs", str(jobs), "--per-host", "2"]
            wall, cpu, rss, tree, code, err = ping.measure(argv, stdout=out, env=env)
            out.seek(0)
            doc = json.load(out)
            ok = sum(1 for s in doc["sites"] if s["status"] in ("ok", "findings") and len(s["components"]) == 8)
            if ok != args.sites:
                print("warning: tma --jobs %d: %d/%d ok, summary %s; %s"
                      % (jobs, ok, args.sites, doc["summary"], err[-500:]), file=sys.stderr)
            results.append(("`tma check --all --jobs %d --per-host 2 --format json`" % jobs, jobs, wall, cpu, rss, tree, ok))

        def close_masters():
            for p in ports:
                subprocess.run(["ssh", "-o", "ControlPath=%s/%%C" % control, "-O", "exit", "-p", str(p),
                                "%s@127.0.0.1" % user], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def run_shell(jobs):
            out_dir = os.path.join(tmp, "alt-%d" % jobs)
            os.makedirs(out_dir)
            script = os.path.join(tmp, "alt-%d.sh" % jobs)
            open(script, "w").write(ALT_SCRIPT % {"known_hosts": known_hosts, "identity": identity, "user": user,
                                                  "control": control, "wp": wp, "out": out_dir})
            os.chmod(script, 0o755)
            if jobs == 1:
                name = "shell loop: `while read port root; do sh site.sh $port $root; done`"
                argv = ["sh", "-c", 'while read port root; do sh "$0" "$port" "$root"; done', script]
            else:
                name = "`xargs -P %d -n 2 sh site.sh`" % jobs
                argv = ["xargs", "-P", str(jobs), "-n", "2", "sh", script]
            listing = open(os.path.join(tmp, "alt-%d.txt" % jobs), "w+")
            wall, cpu, rss, tree, code, err = ping.measure(argv, stdin=open(feed), stdout=listing, env=env)
            close_masters()
            ok = 0
            for root in roots:
                path = os.path.join(out_dir, os.path.basename(root))
                try:
                    plugins = json.load(open(path + ".plugins"))
                    themes = json.load(open(path + ".themes"))
                    if len(plugins) + len(themes) == 7 and open(path + ".core").read().strip():
                        ok += 1
                except (OSError, IndexError, ValueError):
                    pass
            if ok != args.sites:
                print("warning: %s: %d/%d ok: %s" % (name, ok, args.sites, err[-500:]), file=sys.stderr)
            results.append((name, jobs, wall, cpu, rss, tree, ok))

        if not args.skip_sequential:
            run_tma(1)
            run_shell(1)
        run_tma(args.jobs)
        run_shell(args.jobs)

        delay = args.delay_ms / 1000.0
        print("N = %d WordPress sites on %d simulated servers (sshd ports), wp answers after %d ms, %d CPUs, load %s"
              % (args.sites, args.hosts, args.delay_ms, os.cpu_count(), "%.1f %.1f %.1f" % os.getloadavg()))
        print("one `ssh host true` over an open master: %.0f ms; one local `wp core version` (delay included): %.0f ms"
              % (ssh_cost * 1000, wp_cost * 1000))
        print()
        print("| run | sites ok | wall (s) | CPU user+sys (s) | peak RSS root process (MiB) | peak RSS whole tree (MiB) "
              "| ideal (s) | wall / ideal |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for name, jobs, wall, cpu, rss, tree, ok in results:
            ideal = math.ceil(args.sites / jobs) * WP_CALLS * delay
            print("| %s | %d/%d | %.2f | %.2f | %.1f | %.1f | %.1f | %.2f |"
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
