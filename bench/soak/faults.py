"""The soak's fault injector: seeded (the soak's random.Random), about `rate` of the steps.

Each step either runs its runner normally or injects one fault, chosen from the classes below. Every
fault is recorded (what, simulated time, wall time, target, detail) in `log`, written to faults.json
and read by the end checks.

Classes:
- kill9:         `tma run --due` killed with SIGKILL (its whole process group, as systemd stops a unit)
                 after a random delay.
- ssh_cut:       while a runner works, every SSH connection of one server is killed (the per-connection
                 sshd processes): connections cut mid-stream.
- server_down:   one server stops answering (its sshd and web server SIGSTOPped) for 2-4 steps.
- bad_release:   (on a weekly release) the new plugin version answers 500 on some WordPress sites,
                 the new module version on some Drupal sites and, the weeks one is offered, the new
                 Drupal core version on some Drupal sites (prod and preprod: .tma-lab/breaks);
                 preprod must reject it, prod must never get it.
- push_race:     the step's runner pauses between its journal fetch and its push
                 ($TMA_SIMULATED_PAUSE_BEFORE_PUSH, honoured by the soak's build only); the other runner
                 starts when it pauses to push its claims, and pushes the same claims meanwhile: the
                 first one's push is rejected, it must fetch, merge, give the claims back and push again.
- clock_jump:    the simulated clock jumps 3-9 hours ahead (a suspended VM, NTP).
- store_full:    the store's tmpfs is filled up to a few KiB for 2-4 steps (only on a tmpfs).
"""
import datetime
import os
import signal
import time

import agency as agency_mod
import lab as lab_mod

# How long runner A waits between its journal fetch and its push in a push_race (ms): room for
# runner B to start, decide, claim and push meanwhile.
RACE_PAUSE_MS = 5000
CLASSES = ["kill9", "ssh_cut", "server_down", "push_race", "clock_jump", "store_full"]
# Faults that matter most while data moves: half of them (all of store_full) wait for the next
# step that runs the nightly backups (the 03:00 step runs the 02:30 slot) or the weekly update.
ARMABLE = ("kill9", "ssh_cut", "store_full")


class Injector:
    def __init__(self, soak, rate):
        self.soak = soak
        self.rng = soak.rng
        self.rate = rate
        self.log = []
        self.down = {}         # server -> steps left
        self.filler = None     # path of the file filling the store
        self.full_left = 0
        self.armed = []        # fault classes waiting for the next busy step
        # The classes drawn from (--faults: a subset, to study one class; bad_release has its own draw,
        # on every release, so `--faults bad_release` draws none of these).
        self.classes = [c for c in CLASSES if not soak.args.faults or c in soak.args.faults.split(",")]

    def note(self, what, target="", detail="", **extra):
        entry = {"what": what, "at": self.soak.clock.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "wall": round(time.monotonic(), 1), "target": target, "detail": detail}
        entry.update(extra)
        self.log.append(entry)
        print("fault %s at %s: %s %s" % (what, entry["at"], target, detail), flush=True)
        return entry

    # -- the step -----------------------------------------------------------------------------

    def busy_step(self):
        now = self.soak.clock.now
        return now.hour == 3 or (now.weekday() == 1 and now.hour == 22)

    def step(self, runner, other):
        self.heal()
        if self.armed and self.busy_step():
            getattr(self, self.armed.pop(0))(runner, other)
            return
        if self.rng.random() >= self.rate or not self.classes:
            self.soak.run_due(runner)
            return
        kind = self.rng.choice(self.classes)
        if kind == "store_full" and not self.soak.lab.store_is_tmpfs:
            kind = "server_down"
        if kind in ARMABLE and not self.busy_step() and (kind == "store_full" or self.rng.random() < 0.5):
            self.armed.append(kind)
            self.note("armed", kind, "for the next backup or update step")
            self.soak.run_due(runner)
            return
        getattr(self, kind)(runner, other)

    def heal(self):
        """Ends the faults whose time is over (servers answer again, the store is freed)."""
        for server, left in list(self.down.items()):
            if left <= 1:
                server.answer_again()
                del self.down[server]
                self.note("server_up", server.name)
            else:
                self.down[server] = left - 1
        if self.filler:
            self.full_left -= 1
            if self.full_left <= 0:
                os.unlink(self.filler)
                self.filler = None
                self.note("store_freed", "store")

    def end(self):
        for server in list(self.down):
            server.answer_again()
            self.note("server_up", server.name)
        self.down.clear()
        if self.filler:
            os.unlink(self.filler)
            self.filler = None

    # -- the classes --------------------------------------------------------------------------

    def start_runner(self, runner, what, env=None, verbose=False):
        tag = self.soak.tag("run-%s-%s" % (runner.name, what))
        out, err = os.path.join(self.soak.logs, tag + ".out"), os.path.join(self.soak.logs, tag + ".err")
        args = (["-v"] if verbose else []) + ["run", "--due", "--sync", "--jobs", str(self.soak.args.jobs),
                                              "--per-host", "4"]
        return runner.start(args, out, err, env), runner.argv(args), time.monotonic(), out, err

    def kill9(self, runner, _other):
        delay = round(self.rng.uniform(0.2, 6.0), 2)
        p, argv, start, out, err = self.start_runner(runner, "kill9")
        deadline = start + delay
        while time.monotonic() < deadline and agency_mod.running(p):
            time.sleep(0.02)
        alive = agency_mod.running(p)
        if alive:
            os.killpg(p.pid, signal.SIGKILL)
        run = self.soak.record(agency_mod.finish(p, argv, start, out, err, killed=alive))
        self.note("kill9", "runner " + runner.name, "after %.2f s%s" % (delay, "" if alive else " (had already exited)"),
                  killed=alive)
        return run

    def ssh_cut(self, runner, _other):
        server = self.rng.choice(self.soak.lab.servers)
        delay = round(self.rng.uniform(0.3, 4.0), 2)
        p, argv, start, out, err = self.start_runner(runner, "sshcut")
        cut = 0
        while time.monotonic() < start + delay and agency_mod.running(p):
            time.sleep(0.02)
        # Cut for a second: every connection open meanwhile is killed.
        until = time.monotonic() + 1.0
        while time.monotonic() < until and agency_mod.running(p):
            for pid in server.session_pids():
                try:
                    os.kill(pid, signal.SIGKILL)
                    cut += 1
                except ProcessLookupError:
                    pass
            time.sleep(0.05)
        self.soak.record(agency_mod.finish(p, argv, start, out, err))
        self.note("ssh_cut", server.name, "after %.2f s, %d connection(s) killed" % (delay, cut),
                  sites=[s.name for s in server.sites], connections=cut)

    def server_down(self, runner, _other):
        candidates = [s for s in self.soak.lab.servers if s not in self.down]
        if not candidates:
            self.soak.run_due(runner)
            return
        server = self.rng.choice(candidates)
        steps = self.rng.randint(2, 4)
        server.stop_answering()
        self.down[server] = steps
        self.note("server_down", server.name, "for %d step(s)" % steps, sites=[s.name for s in server.sites],
                  steps=steps)
        self.soak.run_due(runner)

    def push_race(self, runner, other):
        """The step's runner (A here) pauses between its journal fetch and its push in each of its
        syncs; the other (B) starts once A pauses at its second, the push of its claims (its first
        pushes the end of its previous run before it decides): B decides without A's claims, claims
        the same jobs and pushes while A waits, so A's push is rejected (the remote moved). A must
        fetch, merge, give back the claims B holds (job.released) and push again. -v: A's stderr
        says where it paused and that its push was refused."""
        env = {"TMA_SIMULATED_PAUSE_BEFORE_PUSH": str(RACE_PAUSE_MS)}
        first = self.start_runner(runner, "race-paused", env=env, verbose=True)
        deadline = time.monotonic() + 120
        pauses = 0
        while time.monotonic() < deadline and agency_mod.running(first[0]):
            with open(first[4]) as f:
                pauses = f.read().count("TMA_SIMULATED_PAUSE_BEFORE_PUSH: pausing")
            if pauses >= 2:
                break
            time.sleep(0.02)
        second = self.start_runner(other, "race")
        runs = [self.soak.record(agency_mod.finish(*proc)) for proc in (first, second)]
        err = runs[0].err
        rejected = "moved during the sync; fetching again" in err
        claimed_pause = pauses >= 2
        self.note("push_race", "runners %s+%s" % (runner.name, other.name),
                  "%s paused %d ms before pushing its claims%s; %s ran meanwhile; %s's push %s, exits %d/%d"
                  % (runner.name, RACE_PAUSE_MS, "" if claimed_pause else " (never: %d pause(s))" % pauses,
                     other.name, runner.name, "rejected and retried" if rejected else "NOT rejected",
                     runs[0].code, runs[1].code),
                  paused=claimed_pause, rejected=rejected, codes=[runs[0].code, runs[1].code],
                  runners=[runner.name, other.name])

    def clock_jump(self, runner, _other):
        hours = self.rng.randint(3, 9)
        before = self.soak.clock.now
        self.soak.clock.advance(datetime.timedelta(hours=hours))
        self.note("clock_jump", "clock", "+%d h from %s" % (hours, before.strftime("%Y-%m-%dT%H:%MZ")), hours=hours)
        self.soak.run_due(runner)

    def store_full(self, runner, _other):
        if self.filler:
            self.soak.run_due(runner)
            return
        st = os.statvfs(self.soak.lab.store)
        free = st.f_bavail * st.f_frsize
        self.filler = os.path.join(self.soak.lab.store, ".soak-filler")
        left = 16 * 1024
        with open(self.filler, "wb") as f:
            chunk = b"\0" * (1 << 20)
            todo = max(0, free - left)
            try:
                while todo > 0:
                    todo -= f.write(chunk[:min(todo, len(chunk))])
            except OSError:
                pass
        self.full_left = self.rng.randint(2, 4)
        self.note("store_full", "store", "%d KiB left for %d step(s)" % (left // 1024, self.full_left),
                  steps=self.full_left)
        self.soak.run_due(runner)

    def maybe_bad_release(self, version, drupal_version=None):
        """A bad release: on a few sites of each CMS (about the fault rate, at least one) the new version
        answers 500: the WordPress plugin's on WordPress sites, the Drupal module's on Drupal sites, and
        Drupal core's on some Drupal sites (a draw of its own) the weeks a core release is offered."""
        self.break_sites(self.soak.lab.wordpress_sites(), "plugin:%s=%s" % (lab_mod.WEEKLY_PLUGIN, version),
                         version, self.soak.bad_versions)
        if drupal_version and self.soak.lab.drupal_sites():
            self.break_sites(self.soak.lab.drupal_sites(), "package:%s=%s" % (lab_mod.DRUPAL_MODULE, drupal_version),
                             drupal_version, self.soak.bad_drupal_versions)
        # A core release offered at this same step (every other week): some Drupal sites answer 500 with
        # it, read from web/core/lib/Drupal.php as the lab's drupal_root route does ("core=10.3.3").
        for core_version, at in self.soak.core_offered.items():
            if at == self.soak.clock.now and self.soak.lab.drupal_sites():
                self.break_sites(self.soak.lab.drupal_sites(), "core=%s" % core_version, core_version,
                                 self.soak.bad_core_versions)

    def break_sites(self, candidates, rule, version, bad):
        sites = [s for s in candidates if self.rng.random() < max(self.rate, 0.02)]
        if not sites:
            sites = [self.rng.choice(candidates)]
        for site in sites:
            for root in (site.prod, site.pre):
                lab_mod.add_break(root, rule)
            bad.setdefault(site.name, set()).add(version)
        self.note("bad_release", ",".join(s.name for s in sites), rule, sites=[s.name for s in sites],
                  version=version, cms=sites[0].cms)

    def advance_clock(self, step):
        self.soak.clock.advance(step)
