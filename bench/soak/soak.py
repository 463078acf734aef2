#!/usr/bin/python3
"""A month of agency life in an hour, with faults (issue 23): the soak driver. See docs/reliability.md.

Starts a lab (bench/soak/lab.py: one real sshd and one lab HTTP server per simulated server, WordPress
and Drupal stand-in sites with prod and preprod, a real MariaDB for a sample of their databases, a local
store on a tmpfs, a restic repository, an SMTP server),
an agency of two clones sharing the journal through a bare remote (bench/soak/agency.py; --remote path, the
default: the bare repository's path; --remote ssh: over SSH, ssh://USER@127.0.0.1:PORT/<tmp>/remote.git on a
lab sshd of its own that no fault stops or cuts, with tma's OpenSSH client reading
$TMA_SSH_CONFIG=<tmp>/ssh_config, about 2.4 s more per tma run), then drives
tma's simulated clock ($TMA_SIMULATED_CLOCK, only honoured by a -DTMA_SIMULATED_CLOCK=ON build) step
by step: at each step one runner (A or B, alternating) runs `tma run --due --sync`; people log hours;
a new release of a plugin (WordPress) and of a module (Drupal) is offered every Monday, and of Drupal core
(drupal/core-recommended 10.3.3, 10.3.4, ...) every other Monday. A seeded fault injector (bench/soak/faults.py) hits
about 5 % of the steps. At the end, bench/soak/checks.py (with fault_checks.py: the journal and the
client reports for each fault, drupal_checks.py: the Drupal updates, and db_checks.py: the dumps)
checks what was kept and prints a table; the exit code is 1 when any check fails.

Usage: bench/soak/soak.py --tma build-soak/tma [--sites 200] [--days 31] [--seed S] [--quick] [--keep]
                          [--remote path|ssh]
"""
import argparse
import datetime
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import agency as agency_mod  # noqa: E402
import checks as checks_mod  # noqa: E402
import faults as faults_mod  # noqa: E402
import lab as lab_mod  # noqa: E402

# A Saturday: a 4-day quick run sees a report (the 1st), a release (Monday) and the weekly update (Tuesday).
START = datetime.datetime(2026, 10, 31, 0, 0, tzinfo=datetime.timezone.utc)
WORK_DONE = ["fixed contact form", "client call", "replaced hero image", "checked analytics", "DNS change",
             "menu update", "cache tuning", "new landing page"]


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Clock:
    """The simulated time file, replaced atomically (a tma starting mid-write reads an old or a new time)."""

    def __init__(self, path, now):
        self.path = path
        self.now = now
        self.write()

    def write(self):
        tmp = self.path + ".new"
        with open(tmp, "w") as f:
            f.write(rfc3339(self.now) + "\n")
        os.rename(tmp, self.path)

    def advance(self, delta):
        self.now += delta
        self.write()


class Soak:
    def __init__(self, args, tmp):
        self.args = args
        self.tmp = tmp
        self.rng = random.Random(args.seed)
        self.logs = os.path.join(tmp, "logs")
        os.makedirs(self.logs)
        self.runs = []            # every TmaRun
        self.hours_logged = 0     # seconds, what people logged (billable)
        self.hours_entries = 0
        self.day_walls = []       # (simulated day, wall seconds)
        self.offered = {}         # weekly plugin version -> simulated time offered
        self.bad_versions = {}    # site name -> set of versions that break it
        self.drupal_offered = {}  # Drupal module version -> simulated time offered
        self.bad_drupal_versions = {}  # Drupal site name -> set of module versions that break it
        self.core_offered = {}    # Drupal core version -> simulated time offered (every other week)
        self.bad_core_versions = {}  # Drupal site name -> set of core versions that break it
        self.counter = 0
        self.start = START

    def env(self):
        env = dict(os.environ)
        for k in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                  "TMA_INVENTORY", "TMA_LAB_MISBEHAVE", "NO_COLOR"):
            env.pop(k, None)
        env["TMA_SIMULATED_CLOCK"] = self.clock.path
        env["XDG_CACHE_HOME"] = os.path.join(self.tmp, "cache")
        env["TMA_CACHE_DIR"] = os.path.join(self.tmp, "cache", "tma")
        env["RESTIC_CACHE_DIR"] = os.path.join(self.tmp, "restic-cache")
        env["NO_COLOR"] = "1"
        if self.args.remote == "ssh":
            # The journal's ssh (docs/journal.md, "Sharing") reads the lab's ssh_config, not ~/.ssh.
            env["TMA_SSH_CONFIG"] = self.lab.ssh_config
        else:
            env.pop("TMA_SSH_CONFIG", None)
        return env

    def tag(self, what):
        self.counter += 1
        return "%05d-%s-%s" % (self.counter, self.clock.now.strftime("%m%dT%H%M"), what)

    def record(self, run):
        self.runs.append(run)
        return run

    def run_due(self, agency, extra=()):
        args = ["run", "--due", "--sync", "--jobs", str(self.args.jobs), "--per-host", "4"] + list(extra)
        return self.record(agency.run(args, self.logs, self.tag("run-" + agency.name)))

    def log_hours(self, agency):
        site = self.rng.choice(self.lab.sites)
        minutes = self.rng.choice([15, 30, 45, 60, 90, 120])
        what = self.rng.choice(WORK_DONE)
        run = self.record(agency.run(["hours", "log", "--site", site.name, "%dm" % minutes, what,
                                      "--format", "json"], self.logs, self.tag("hours-" + agency.name)))
        if run.code == 0:
            self.hours_logged += minutes * 60
            self.hours_entries += 1
        else:
            print("warning: tma hours log exited %d: %s" % (run.code, run.err.strip()[-300:]), file=sys.stderr)

    def offer_release(self, week):
        """A new release of the weekly plugin on every WordPress site's update server (prod and preprod)."""
        version = "1.%d" % week
        for site in self.lab.wordpress_sites():
            for root in (site.prod, site.pre):
                lab_mod.offer_plugin_version(root, version)
        self.offered[version] = self.clock.now
        # The Drupal sites: a new release of the module on their composer repository the same day.
        drupal_version = "1.%d.0" % (int(lab_mod.DRUPAL_MODULE_FIRST.split(".")[1]) + week)
        for site in self.lab.drupal_sites():
            for root in (site.prod, site.pre):
                lab_mod.offer_drupal_version(root, drupal_version)
        if self.lab.drupal_sites():
            self.drupal_offered[drupal_version] = self.clock.now
        # Every other week a Drupal core patch release too (lab.core_release), on the same repositories.
        core_version = lab_mod.core_release(week)
        if core_version and self.lab.drupal_sites():
            for site in self.lab.drupal_sites():
                for root in (site.prod, site.pre):
                    lab_mod.offer_core_version(root, core_version)
            self.core_offered[core_version] = self.clock.now
        return version, drupal_version

    def main(self):
        a = self.args
        print("soak: %d sites on %d servers, %d days from %s, step %d min, seed %d, tmp %s"
              % (a.sites, a.servers, a.days, rfc3339(START), a.step, a.seed, self.tmp), flush=True)
        self.lab = lab_mod.Lab(self.tmp, a.sites, a.servers)
        started = time.monotonic()
        self.lab.start(a.store_mib, a.restic_every, a.drupal_every, a.db_every, git_server=a.remote == "ssh")
        self.clock = Clock(os.path.join(self.tmp, "clock"), START)
        agency_mod.HEALTH_SCHEDULE = "every %dm" % a.health_every
        self.remote, self.a, self.b = agency_mod.make_agencies(self.lab, os.path.abspath(a.tma), self.env(), a.remote)
        self.remote_url = self.lab.git_url(self.remote) if a.remote == "ssh" else self.remote
        print("lab ready in %.0f s: journal remote %s, store %s (%s), restic %s, %d Drupal sites, %d sites on MariaDB" % (
            time.monotonic() - started, self.remote_url, self.lab.store, "tmpfs %d MiB" % a.store_mib if self.lab.store_is_tmpfs
            else "no tmpfs", self.lab.restic_repo or "none", sum(1 for s in self.lab.sites if s.cms == "drupal"),
            sum(1 for s in self.lab.sites if s.databases)), flush=True)
        self.faults = faults_mod.Injector(self, a.fault_rate)
        end = START + datetime.timedelta(days=a.days)
        step = datetime.timedelta(minutes=a.step)
        between = datetime.timedelta(minutes=a.health_every)
        day_start = time.monotonic()
        i = 0
        week = 0
        while self.clock.now < end:
            now = self.clock.now
            if now.weekday() == 0 and now.hour == 12 and now.minute < a.step:
                week += 1
                version, drupal_version = self.offer_release(week)
                self.faults.maybe_bad_release(version, drupal_version)
            if 8 <= now.hour < 19 and self.rng.random() < a.hours_rate:
                self.log_hours(self.a if self.rng.random() < 0.5 else self.b)
            runner = self.a if i % 2 == 0 else self.b
            self.faults.step(runner, self.b if runner is self.a else self.a)
            i += 1
            # Between two runner steps, the health checks that fall due every --health-every
            # minutes, on alternate runners; the other jobs and the faults keep the steps' pace.
            moved = datetime.timedelta(0)
            tick = 0
            while moved + between < step:
                self.faults.advance_clock(between)
                moved += between
                tick += 1
                self.run_due(self.b if (i + tick) % 2 else self.a, ["--job", "health"])
            self.faults.advance_clock(step - moved)
            if self.clock.now.date() != now.date():
                wall = time.monotonic() - day_start
                self.day_walls.append((now.date().isoformat(), wall))
                print("day %s: %.0f s wall, %d tma runs so far, %d faults" % (now.date(), wall, len(self.runs),
                                                                               len(self.faults.log)), flush=True)
                day_start = time.monotonic()
        self.faults.end()
        # Both clones push what they hold and take the other's: the end state every check reads.
        for agency in (self.a, self.b, self.a):
            self.record(agency.run(["sync"], self.logs, self.tag("sync-" + agency.name)))
        with open(os.path.join(self.tmp, "faults.json"), "w") as f:
            json.dump(self.faults.log, f, indent=1)
        with open(os.path.join(self.tmp, "runs.jsonl"), "w") as f:
            for r in self.runs:
                f.write(json.dumps({"argv": r.argv[3:], "code": r.code, "wall_s": round(r.wall, 2),
                                    "max_rss_kib": r.rss_kib, "killed": r.killed}) + "\n")
        return checks_mod.run_all(self)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tma", required=True, help="a tma built with -DTMA_SIMULATED_CLOCK=ON")
    p.add_argument("--sites", type=int, default=200)
    p.add_argument("--days", type=int, default=31)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--quick", action="store_true", help="50 sites, 4 days: a few minutes")
    p.add_argument("--keep", action="store_true", help="keep the temp dir for inspection")
    p.add_argument("--servers", type=int, default=4)
    p.add_argument("--step", type=int, default=60, help="simulated minutes between two runner ticks")
    p.add_argument("--health-every", type=int, default=15,
                   help="simulated minutes between two health checks (a divisor of --step): the steps in between run"
                        " only the health checks")
    p.add_argument("--remote", choices=("path", "ssh"), default="path",
                   help="how the two clones reach the journal's bare remote: path (default, the bare repository's path)"
                        " or ssh (as an agency's git server: ssh://USER@127.0.0.1:PORT/.../remote.git on the lab's git"
                        " sshd, which no fault stops or cuts; tma runs with TMA_SSH_CONFIG=<tmp>/ssh_config; one ssh"
                        " connection per fetch or push, about 2.4 s more per tma run here)")
    p.add_argument("--jobs", type=int, default=8)
    p.add_argument("--fault-rate", type=float, default=0.05)
    p.add_argument("--faults", default="", help="comma-separated classes to draw from (default: all): kill9,ssh_cut,"
                   "server_down,push_race,clock_jump,store_full; bad_release is drawn on every release whatever this"
                   " says, and --faults bad_release alone draws none of the others")
    p.add_argument("--hours-rate", type=float, default=0.3, help="chance per working-hour step that someone logs time")
    p.add_argument("--store-mib", type=int, default=0, help="tmpfs size for the store (0: from the site count)")
    p.add_argument("--restic-every", type=int, default=10, help="every Nth site also backs up to restic (0: none)")
    p.add_argument("--drupal-every", type=int, default=5, help="every Nth site is Drupal, dumped from MariaDB (0: none)")
    p.add_argument("--db-every", type=int, default=10,
                   help="every Nth WordPress site has real MariaDB databases (0: none; all use the stand-in's db.sql otherwise)")
    a = p.parse_args()
    if a.quick:
        a.sites, a.days = 50, 4
    if a.seed is None:
        a.seed = random.SystemRandom().randrange(1, 100000)
    unknown = [c for c in a.faults.split(",") if c and c not in faults_mod.CLASSES + ["bad_release"]]
    if unknown:
        p.error("--faults: unknown class %s (%s, bad_release)" % (", ".join(unknown), ", ".join(faults_mod.CLASSES)))
    if a.health_every <= 0 or a.step % a.health_every:
        p.error("--health-every must divide --step")
    if a.store_mib == 0:
        a.store_mib = max(64, a.sites * 2)
    return a


def kill_tma_runs(tmp):
    """After an interruption: the tma runs still going (a runner, an end check) hold the store busy."""
    mine = str(os.getpid())
    for _ in range(20):
        left = []
        for pid, argv in lab_mod.process_argvs():
            if pid != mine and argv and argv[0].endswith(b"/tma") and any(tmp.encode() in a for a in argv):
                left.append(int(pid))
        if not left:
            return
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.1)


def main():
    args = parse_args()
    tmp = tempfile.mkdtemp(prefix="tma-soak-", dir="/var/tmp")
    soak = Soak(args, tmp)
    code = 2

    def stop(signum, _frame):
        raise KeyboardInterrupt("signal %d" % signum)

    # `kill` (SIGTERM) cleans up as Ctrl-C does: servers stopped (a SIGSTOPped one resumed first),
    # the store unmounted, the temp dir removed unless --keep.
    signal.signal(signal.SIGTERM, stop)
    try:
        code = soak.main()
    except KeyboardInterrupt:
        print("soak: interrupted", flush=True)
        code = 130
    finally:
        if hasattr(soak, "faults"):
            soak.faults.end()
        if code == 130:
            kill_tma_runs(tmp)
        keep = args.keep or code not in (0, 130)
        if hasattr(soak, "lab"):
            soak.lab.stop(unmount=not keep)
        if keep:
            print("kept %s%s" % (tmp, " (the store is still mounted: umount %s when done)" % soak.lab.store
                                 if hasattr(soak, "lab") and soak.lab.store_is_tmpfs else ""))
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("seed %d" % args.seed)
    return code


if __name__ == "__main__":
    sys.exit(main())
