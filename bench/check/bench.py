#!/usr/bin/env python3
"""Benchmark of `tma check` against what an agency would otherwise run: `xargs -P`, a sequential loop
and Ansible, each doing the same WP-CLI queries over ssh (issue 15, "How it is measured").

Lab (all on 127.0.0.1, in a temp dir removed at the end; nothing outside it and the repo is written):

- One real sshd (throwaway keys, as in tests/lab) listening on --hosts ports; each port plays one
  server, so tma's per-host limit groups by it. MaxSessions 1024 and MaxStartups 1024:30:2048 in the
  bench's sshd_config, so that neither caps the sessions multiplexed over one master (a stock sshd
  has MaxSessions 10), and tma runs with `--per-host J` so that its own limit does not cap either.
- **A login shell that costs --login-ms (300 ms) per session, the same for every contender.** The
  bench's sshd_config has `ForceCommand <tmp>/login-shell` and `SetEnv SHLVL=1`. sshd runs the
  ForceCommand through the user's shell; `login-shell` sleeps 0.3 s (the start-up work of a
  `.bashrc` that initialises a language manager), appends one line to <tmp>/sessions.log (so the
  bench counts the sessions each contender opened) and then runs the requested command with
  `exec "$SHELL" -c "$SSH_ORIGINAL_COMMAND"`. `SHLVL=1` makes bash see itself as nested (level 2),
  so it does not source the real ~/.bashrc of the bench user (on the build machine root's runs
  `pyenv init`, whose cost varies with the load): that file is neither read nor edited, and the
  login cost is exactly the sleep, whatever the user.
- WordPress stand-in sites: one tree made by tests/lab/make_wp_site (core 6.4.3 with two offers, five
  plugins, two themes), copied per site. Each copy's .tma-lab/misbehave says `delay=--delay-ms`, so the
  stand-in `wp` answers every call after 100 ms, over SSH too. It is run by /usr/bin/python3 directly
  (see stand_in_wp).

The remote work is the same for every contender, the four read-only calls `tma check` makes per site,
same argv: `wp --path=P --skip-plugins --skip-themes --no-color` + `core version`,
`core check-update --format=json`, `plugin list --format=json`, `theme list --format=json`.

Contenders, for each N in --sites (100 and 400), one after the other in the same run:

  1. `tma check --all --jobs J --per-host J --format json`: one session per site (transport/batch).
  2. `xargs -P J -n 2 sh site.sh`: site.sh is ONE `ssh host 'cd P && wp ...; wp ...; ...'` per site,
     each call's output followed by a marker line with its exit status (the outputs are told apart
     by that line; tma's framing also survives a marker inside an output, this does not need to).
  3. (N <= --loop-max-sites) the same site.sh in a sequential `while read` loop.
  4. (N <= --per-call-max-sites) the old way, `xargs -P J` with one ssh command per call (four
     sessions per site), as tma did before issue 15 (it made five, with `wp --info`).
  5. (N <= --ansible-max-sites) Ansible (Debian's ansible-core): an inventory of the N sites, each a
     host alias with ansible_host=127.0.0.1, ansible_port, the bench's key and known_hosts; forks=J,
     pipelining, ssh_args with ControlMaster=auto/ControlPersist=60s, gather_facts off, the Python
     interpreter given (no discovery). `--ansible tasks`: a play of four `command` tasks (argv, chdir),
     how one writes it, so four sessions per site; `--ansible shell`: one `shell` task running the four
     calls with the same markers as site.sh, one session per site (Ansible at its best). Results are
     recorded by a small stdout callback written here (bench_record) and checked per site. Ansible's
     files (ANSIBLE_HOME, local and remote tmp, control sockets) are in the temp dir.

All ssh-based contenders multiplex over one ControlMaster per server (tma does so itself); masters
are closed after each run so every run starts cold.

Then, unless --local-sites 0: 1,000 sites with `transport: local`: `tma check --all --jobs J` against
`xargs -P J -n 1 sh local.sh`, local.sh running the same four calls in `sh -c` with the same markers.

Every run is checked to have got every site (tma: status ok/findings with 8 components; the others:
four exit statuses 0, a core version, plugin and theme lists that parse as JSON with 7 entries); a
run that did not is printed as FAILED, not as a time to compare.

Printed per run: sites ok, SSH sessions opened (from sessions.log), wall time, CPU time (user+sys of the
local process tree, from wait4; sshd, remote shells, `wp` and daemonised ssh masters are not children
and are not counted), how busy the machine's CPUs were during the run (/proc/stat), peak RSS of the root
process and of the whole local tree (sampled every 50 ms from /proc), load average before and after,
and the ideal `ceil(N / J) x one session's cost`, where one session's cost is measured in the same run:
the median of 5 runs of site.sh for one site over an open master (login shell and four calls
included); for the local case, of local.sh for one site.

Usage: bench/check/bench.py --tma build/tma [--sites 100,400] [--hosts 4] [--jobs 25] [--delay-ms 100]
       [--login-ms 300] [--local-sites 1000] [--ansible tasks,shell] [--ansible-max-sites 400]
"""
import argparse
import importlib.util
import json
import math
import os
import pwd
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
LAB = os.path.join(ROOT, "tests", "lab")
QUERIES = ["core version", "core check-update --format=json", "plugin list --format=json",
           "theme list --format=json"]
MARKER = "@@bench-end"

# The sshd setup helpers (free_port/wait_port) and the measuring code are bench/ping's.
_spec = importlib.util.spec_from_file_location("ping_bench", os.path.join(ROOT, "bench", "ping", "bench.py"))
ping = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ping)

# sshd's ForceCommand: the login shell's cost, a session counter, then the command as the user's shell
# would have run it.
LOGIN_SHELL = """#!/bin/sh
sleep %(login)s
echo . >> %(sessions)s
exec "${SHELL:-/bin/sh}" -c "$SSH_ORIGINAL_COMMAND"
"""

SSH_OPTS = ("-n -T -o BatchMode=yes -o ConnectTimeout=10 -o StrictHostKeyChecking=yes "
            "-o UserKnownHostsFile=%(known_hosts)s -i %(identity)s -o IdentitiesOnly=yes -o LogLevel=ERROR "
            "-o ControlMaster=auto -o ControlPath=%(control)s/%%C -o ControlPersist=60")


def batch_body(wp, root):
    """The four calls, each followed by `MARKER <exit status>` on its own line."""
    return "; ".join("%s --path=%s --skip-plugins --skip-themes --no-color %s; printf '\\n%s %%s\\n' $?"
                     % (wp, root, q, MARKER) for q in QUERIES)


# One site, one session: $1 = port, $2 = site root. The remote command is built here with the site's
# root substituted locally (roots have no shell metacharacters), and `$?` escaped for the remote shell.
SITE_SCRIPT = r"""#!/bin/sh
port=$1 root=$2 out=%(out)s/$(basename "$2")
wp=%(wp)s
ssh """ + SSH_OPTS + r""" -p "$port" %(user)s@127.0.0.1 "cd $root && %(body)s" > "$out" && echo "ok $out"
"""

# The old way: one ssh command (so one session) per call.
PER_CALL_SCRIPT = r"""#!/bin/sh
port=$1 root=$2 out=%(out)s/$(basename "$2")
r() { ssh """ + SSH_OPTS + r""" -p "$port" %(user)s@127.0.0.1 "cd $root && $*"; }
wp="%(wp)s --path=$root --skip-plugins --skip-themes --no-color"
{ r $wp core version; printf '\n%(marker)s %%s\n' $?
  r $wp core check-update --format=json; printf '\n%(marker)s %%s\n' $?
  r $wp plugin list --format=json; printf '\n%(marker)s %%s\n' $?
  r $wp theme list --format=json; printf '\n%(marker)s %%s\n' $?; } > "$out"
"""

# transport: local, the same four calls in a local sh: $1 = site root.
LOCAL_SCRIPT = r"""#!/bin/sh
root=$1 out=%(out)s/$(basename "$1")
wp=%(wp)s
sh -c "cd $root && %(body)s" > "$out"
"""

# Ansible's results, one JSON line per host and task, for the checks (an Ansible stdout callback).
CALLBACK = '''
import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "bench_record"

    def __init__(self):
        super().__init__()
        self.out = open(os.environ["BENCH_ANSIBLE_RESULTS"], "w")

    def record(self, result, status):
        r = result._result
        self.out.write(json.dumps({"host": result._host.get_name(), "task": result._task.get_name(),
                                   "status": status, "rc": r.get("rc"), "stdout": r.get("stdout", ""),
                                   "msg": str(r.get("msg", ""))[:300]}) + "\\n")

    def v2_runner_on_ok(self, result):
        self.record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self.record(result, "failed")

    def v2_runner_on_unreachable(self, result):
        self.record(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        self.out.close()
'''


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
        root = os.path.join(tmp, "sites", "site-%04d" % i)
        shutil.copytree(template, root, symlinks=True)
        roots.append(root)
    return roots


def stand_in_wp(tmp):
    """The lab's `wp`, run by /usr/bin/python3 directly: its `#!/usr/bin/env python3` would go through
    whatever PATH the remote shell has (on the build machine a pyenv shim costing ~0.3 s per call), and
    the benchmark is about tma and ssh, not about the stand-in's interpreter lookup."""
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


def split_marked(text):
    """[(exit status, output)] of an output made of calls each followed by a MARKER line."""
    parts, cur = [], []
    for line in text.split("\n"):
        m = re.fullmatch(MARKER + r" (\d+)", line)
        if m:
            parts.append((int(m.group(1)), "\n".join(cur)))
            cur = []
        else:
            cur.append(line)
    return parts


def calls_ok(outputs):
    """outputs: [(status, stdout)] of the four calls, in QUERIES order. True when they are what the
    stand-in answers for the bench's site (a version, 5 plugins + 2 themes)."""
    try:
        if len(outputs) != 4 or any(s != 0 for s, _ in outputs) or not outputs[0][1].strip():
            return False
        json.loads(outputs[1][1])
        return len(json.loads(outputs[2][1])) + len(json.loads(outputs[3][1])) == 7
    except (ValueError, TypeError):
        return False


def cpu_ticks():
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


def median_time(argv, count=5, **kw):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, **kw)  # warm-up (opens the master)
    times = []
    for _ in range(count):
        start = time.monotonic()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, **kw)
        times.append(time.monotonic() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tma", required=True)
    parser.add_argument("--sites", default="100,400", help="comma-separated sizes N")
    parser.add_argument("--hosts", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=25)
    parser.add_argument("--delay-ms", type=int, default=100)
    parser.add_argument("--login-ms", type=int, default=300)
    parser.add_argument("--loop-max-sites", type=int, default=100, help="sequential loop only up to this N")
    parser.add_argument("--per-call-max-sites", type=int, default=100, help="one-session-per-call xargs up to this N")
    parser.add_argument("--ansible", default="tasks,shell", help="Ansible variants: tasks, shell, or none")
    parser.add_argument("--ansible-max-sites", type=int, default=400)
    parser.add_argument("--local-sites", type=int, default=1000, help="transport: local case; 0 to skip")
    parser.add_argument("--xargs-first", action="store_true",
                        help="run xargs before tma (a second run in the other order shows what the order costs)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sites.split(",") if s]
    jobs = args.jobs
    variants = [v for v in args.ansible.split(",") if v in ("tasks", "shell")]
    if variants and not shutil.which("ansible-playbook"):
        sys.exit("ansible-playbook not found: apt-get install -y ansible-core, or --ansible none")
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
        sessions_log = os.path.join(tmp, "sessions.log")
        open(sessions_log, "w").close()
        login_shell = os.path.join(tmp, "login-shell")
        open(login_shell, "w").write(LOGIN_SHELL % {"login": "%.3f" % (args.login_ms / 1000.0),
                                                    "sessions": sessions_log})
        os.chmod(login_shell, 0o755)
        config = "".join("Port %d\n" % p for p in ports) + (
            "ListenAddress 127.0.0.1\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\n"
            "AuthorizedKeysFile {d}/authorized_keys\nPermitRootLogin prohibit-password\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
            "PrintMotd no\nMaxSessions 1024\nMaxStartups 1024:30:2048\nLogLevel ERROR\n"
            "SetEnv SHLVL=1\nForceCommand {d}/login-shell\n").format(d=tmp)
        open(os.path.join(tmp, "sshd_config"), "w").write(config)
        os.makedirs("/run/sshd", exist_ok=True)
        log = open(os.path.join(tmp, "lab.log"), "a")
        procs.append(subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", os.path.join(tmp, "sshd_config")],
                                      stdout=log, stderr=log, start_new_session=True))
        for p in ports:
            if not ping.wait_port(p):
                sys.exit("sshd did not start: " + open(os.path.join(tmp, "lab.log")).read())

        roots = make_sites(tmp, max(sizes + [args.local_sites]), args.delay_ms)
        wp = stand_in_wp(tmp)
        control = os.path.join(tmp, "cm")
        os.makedirs(control)
        env = dict(os.environ)
        for k in ("http_proxy", "https_proxy", "all_proxy", "HTTPS_PROXY", "ALL_PROXY", "TMA_LAB_MISBEHAVE"):
            env.pop(k, None)
        env["XDG_CACHE_HOME"] = os.path.join(tmp, "cache")
        subst = {"known_hosts": known_hosts, "identity": identity, "user": user, "control": control, "wp": wp,
                 "marker": MARKER, "body": batch_body("$wp", "$root").replace("$?", "\\$?")}

        def script(name, template, out):
            path = os.path.join(tmp, name)
            open(path, "w").write(template % dict(subst, out=out))
            os.chmod(path, 0o755)
            return path

        def close_masters():
            for d in (control, os.path.join(tmp, "acp")):
                for sock in os.listdir(d) if os.path.isdir(d) else []:
                    subprocess.run(["ssh", "-o", "ControlPath=" + os.path.join(d, sock), "-O", "exit", "x"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def sessions():
            return os.path.getsize(sessions_log) // 2

        # One session's cost, measured here: site.sh for one site over an open master, and, for the
        # record, a bare `ssh host true` (the login shell alone).
        probe_dir = os.path.join(tmp, "probe")
        os.makedirs(probe_dir)
        probe = script("probe.sh", SITE_SCRIPT, probe_dir)
        session_cost = median_time(["sh", probe, str(ports[0]), roots[0]], env=env)
        true_cost = median_time(["ssh"] + (SSH_OPTS % subst).split()
                                + ["-p", str(ports[0]), "%s@127.0.0.1" % user, "true"], env=env)
        close_masters()
        if not calls_ok(split_marked(open(os.path.join(probe_dir, os.path.basename(roots[0]))).read())):
            sys.exit("the probe's outputs are not what the stand-in answers: see " + probe_dir)
        local_probe = script("probe-local.sh", LOCAL_SCRIPT, probe_dir)
        local_cost = median_time(["sh", local_probe, roots[0]], env=env)

        results = []  # (case, name, N, jobs, ok, sessions, wall, cpu, busy %, rss, tree, load before, after, ideal)

        def timed(case, name, n, run_jobs, argv, check, ideal_unit, **kw):
            before_sessions = sessions()
            load_before = os.getloadavg()
            busy0, total0 = cpu_ticks()
            wall, cpu, rss, tree, code, err = ping.measure(argv, env=kw.pop("env", env), **kw)
            busy1, total1 = cpu_ticks()
            load_after = os.getloadavg()
            close_masters()
            ok = check()
            opened = sessions() - before_sessions
            if ok != n:
                print("warning: %s: %d/%d ok, exit %d: %s" % (name, ok, n, code, err[-800:]), file=sys.stderr)
            busy = 100.0 * (busy1 - busy0) / max(1, total1 - total0)
            ideal = math.ceil(n / run_jobs) * ideal_unit
            results.append((case, name, n, run_jobs, ok, opened, wall, cpu, busy, rss, tree, load_before,
                            load_after, ideal))
            print("  %s N=%d: %d/%d ok, %.1f s, %d sessions, load %.1f -> %.1f"
                  % (name, n, ok, n, wall, opened, load_before[0], load_after[0]), file=sys.stderr)

        def check_dir(out_dir, sites):
            ok = 0
            for root in sites:
                try:
                    ok += calls_ok(split_marked(open(os.path.join(out_dir, os.path.basename(root))).read()))
                except OSError:
                    pass
            return ok

        def tma_inventory(sites, local):
            lines = ["version: 1", "agency: {name: Bench}", "clients:",
                     "  bench: {name: Bench, contract: {model: on_demand, rate: 90}}",
                     "defaults:", "  backup: {storage: local}", "sites:"]
            for i, root in enumerate(sites):
                where = ("transport: local" if local else
                         "ssh: {target: %s@127.0.0.1:%d, identity_file: %s, known_hosts: %s, connect_timeout: 10s}"
                         % (user, ports[i % len(ports)], identity, known_hosts))
                lines += ["  %s:" % os.path.basename(root), "    client: bench", "    cms: wordpress",
                          "    environments:",
                          "      prod: {url: \"http://%s.invalid\", path: \"%s\", wp: \"%s\", %s}"
                          % (os.path.basename(root), root, wp, where)]
            path = os.path.join(tmp, "sites-%s-%d.yaml" % ("local" if local else "ssh", len(sites)))
            open(path, "w").write("\n".join(lines) + "\n")
            return path

        def run_tma(case, n, local, unit):
            sites = roots[:n]
            inventory = tma_inventory(sites, local)
            out_path = os.path.join(tmp, "tma-%s-%d.json" % (case, n))
            per_host = min(64, jobs)  # --per-host takes 1-64; J or more means it never caps
            argv = [tma, "-i", inventory, "check", "--all", "--format", "json", "--jobs", str(jobs),
                    "--per-host", str(per_host)]

            def check():
                try:
                    doc = json.load(open(out_path))
                except (OSError, ValueError):
                    return 0
                return sum(1 for s in doc["sites"] if s["status"] in ("ok", "findings") and len(s["components"]) == 8)
            timed(case, "`tma check --all --jobs %d --per-host %d --format json`" % (jobs, per_host), n, jobs,
                  argv, check, unit, stdout=open(out_path, "w"))

        def feed_for(n):
            path = os.path.join(tmp, "targets-%d.txt" % n)
            open(path, "w").write("".join("%d %s\n" % (ports[i % len(ports)], r) for i, r in enumerate(roots[:n])))
            return path

        def run_site_sh(n, run_jobs, per_call=False):
            tag = "%s-%d-%d" % ("percall" if per_call else "site", n, run_jobs)
            out_dir = os.path.join(tmp, "out-" + tag)
            os.makedirs(out_dir)
            path = script(tag + ".sh", PER_CALL_SCRIPT if per_call else SITE_SCRIPT, out_dir)
            if run_jobs == 1:
                name = "sequential loop: `while read port root; do sh site.sh ...; done` (1 session per site)"
                argv = ["sh", "-c", 'while read port root; do sh "$0" "$port" "$root"; done', path]
            elif per_call:
                name = "`xargs -P %d -n 2 sh per-call.sh` (1 session per call, the old way)" % run_jobs
                argv = ["xargs", "-P", str(run_jobs), "-n", "2", "sh", path]
            else:
                name = "`xargs -P %d -n 2 sh site.sh` (1 session per site)" % run_jobs
                argv = ["xargs", "-P", str(run_jobs), "-n", "2", "sh", path]
            timed("ssh", name, n, run_jobs, argv, lambda: check_dir(out_dir, roots[:n]), session_cost,
                  stdin=open(feed_for(n)), stdout=subprocess.DEVNULL)

        def run_ansible(n, variant):
            adir = os.path.join(tmp, "ansible-%s-%d" % (variant, n))
            os.makedirs(os.path.join(adir, "callback_plugins"))
            os.makedirs(os.path.join(tmp, "acp"), exist_ok=True)
            open(os.path.join(adir, "callback_plugins", "bench_record.py"), "w").write(CALLBACK)
            with open(os.path.join(adir, "hosts.ini"), "w") as f:
                f.write("[sites]\n")
                for i, root in enumerate(roots[:n]):
                    f.write("%s ansible_host=127.0.0.1 ansible_port=%d root=%s\n"
                            % (os.path.basename(root), ports[i % len(ports)], root))
                f.write("[sites:vars]\nansible_user=%s\nansible_ssh_private_key_file=%s\n"
                        "ansible_python_interpreter=/usr/bin/python3\nwp=%s\n" % (user, identity, wp))
            open(os.path.join(adir, "ansible.cfg"), "w").write(
                "[defaults]\nforks = %d\ngathering = explicit\nhost_key_checking = True\nstdout_callback = bench_record\n"
                "callback_plugins = %s/callback_plugins\nretry_files_enabled = False\nlocal_tmp = %s/local-tmp\n"
                "remote_tmp = %s/remote-tmp\ninterpreter_python = /usr/bin/python3\n"
                "[ssh_connection]\npipelining = True\ncontrol_path_dir = %s/acp\n"
                "ssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=%s "
                "-o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o BatchMode=yes -o LogLevel=ERROR\n"
                % (jobs, adir, adir, adir, tmp, known_hosts))
            play = ["- hosts: sites", "  gather_facts: false", "  tasks:"]
            if variant == "tasks":
                for q in QUERIES:
                    argv = ["{{ wp }}", "--path={{ root }}", "--skip-plugins", "--skip-themes", "--no-color"] + q.split()
                    play += ["    - name: %s" % q, "      command:", "        argv: %s" % json.dumps(argv),
                             "        chdir: \"{{ root }}\""]
            else:
                play += ["    - name: four queries", "      shell: %s" % json.dumps(batch_body("{{ wp }}", "{{ root }}")),
                         "      args:", "        chdir: \"{{ root }}\""]
            open(os.path.join(adir, "check.yml"), "w").write("\n".join(play) + "\n")
            results_path = os.path.join(adir, "results.jsonl")
            aenv = dict(env, ANSIBLE_CONFIG=os.path.join(adir, "ansible.cfg"), ANSIBLE_HOME=os.path.join(adir, "home"),
                        BENCH_ANSIBLE_RESULTS=results_path, ANSIBLE_NOCOLOR="1")

            def check():
                per_host = {}
                try:
                    for line in open(results_path):
                        r = json.loads(line)
                        per_host.setdefault(r["host"], []).append(r)
                except (OSError, ValueError):
                    return 0
                ok = 0
                for root in roots[:n]:
                    rs = per_host.get(os.path.basename(root), [])
                    if any(r["status"] != "ok" for r in rs):
                        continue
                    if variant == "tasks":
                        by_task = {r["task"]: (r["rc"], r["stdout"]) for r in rs}
                        ok += calls_ok([by_task.get(q, (None, "")) for q in QUERIES])
                    elif len(rs) == 1:
                        ok += calls_ok(split_marked(rs[0]["stdout"]))
                if ok != n:
                    bad = [r for rs in per_host.values() for r in rs if r["status"] != "ok"][:3]
                    print("ansible: %d hosts recorded; first failures: %s" % (len(per_host), bad), file=sys.stderr)
                return ok
            label = ("four `command` tasks, 4 sessions per site" if variant == "tasks"
                     else "one `shell` task, 1 session per site")
            timed("ssh", "`ansible-playbook` forks=%d, pipelining, ControlPersist (%s)" % (jobs, label), n, jobs,
                  ["ansible-playbook", "-i", os.path.join(adir, "hosts.ini"), os.path.join(adir, "check.yml")],
                  check, session_cost, env=aenv, stdout=subprocess.DEVNULL)

        for n in sizes:
            if args.xargs_first:
                run_site_sh(n, jobs)
            run_tma("ssh", n, False, session_cost)
            if not args.xargs_first:
                run_site_sh(n, jobs)
            if n <= args.per_call_max_sites:
                run_site_sh(n, jobs, per_call=True)
            for variant in variants:
                if n <= args.ansible_max_sites:
                    run_ansible(n, variant)
            if n <= args.loop_max_sites:
                run_site_sh(n, 1)
        if args.local_sites:
            n = args.local_sites
            if not args.xargs_first:
                run_tma("local", n, True, local_cost)
            out_dir = os.path.join(tmp, "out-local-%d" % n)
            os.makedirs(out_dir)
            path = script("local-%d.sh" % n, LOCAL_SCRIPT, out_dir)
            feed = os.path.join(tmp, "local-%d.txt" % n)
            open(feed, "w").write("".join(r + "\n" for r in roots[:n]))
            timed("local", "`xargs -P %d -n 1 sh local.sh` (sh -c, the four calls)" % jobs, n, jobs,
                  ["xargs", "-P", str(jobs), "-n", "1", "sh", path], lambda: check_dir(out_dir, roots[:n]),
                  local_cost, stdin=open(feed), stdout=subprocess.DEVNULL)
            if args.xargs_first:
                run_tma("local", n, True, local_cost)

        print("%d simulated servers (sshd ports), login shell %d ms per session, wp answers after %d ms, "
              "--jobs %d, %d CPUs" % (args.hosts, args.login_ms, args.delay_ms, jobs, os.cpu_count()))
        print("one session's cost (site.sh for one site over an open master, median of 5): %.0f ms; "
              "`ssh host true` over an open master: %.0f ms; local.sh for one site: %.0f ms"
              % (session_cost * 1000, true_cost * 1000, local_cost * 1000))
        header = ("| run | sites ok | SSH sessions | wall (s) | ideal (s) | wall / ideal | CPU user+sys (s) "
                  "| CPUs busy | peak RSS root (MiB) | peak RSS tree (MiB) | load before → after |")
        for case, title in (("ssh", "over ssh"), ("local", "transport: local")):
            for n in sorted({r[2] for r in results if r[0] == case}):
                rows = [r for r in results if r[2] == n and r[0] == case]
                print()
                print("N = %d, %s" % (n, title))
                print()
                print(header)
                print("| --- " * 11 + "|")
                for _, name, _, _, ok, opened, wall, cpu, busy, rss, tree, lb, la, ideal in rows:
                    status = "%d/%d" % (ok, n) if ok == n else "%d/%d FAILED" % (ok, n)
                    print("| %s | %s | %s | %.1f | %.1f | %.2f | %.1f | %.0f %% | %.1f | %.1f | %.1f → %.1f |"
                          % (name, status, opened if case == "ssh" else "-", wall, ideal, wall / ideal, cpu, busy,
                             rss, tree, lb[0], la[0]))
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, 15)
                p.wait(timeout=10)
            except Exception:
                pass
        if os.environ.get("BENCH_KEEP"):
            print("kept " + tmp, file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
