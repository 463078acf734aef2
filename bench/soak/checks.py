"""The soak's end checks: each prints PASS, FAIL, SKIP (not checked yet, with the reason) or INFO.

They read what an agency would: tma's own listings (backups, verify, prune --dry-run, hours summary,
journal), the site trees on the servers, the git repositories (fsck) and the directories tma writes.
Any FAIL makes the soak exit 1.
"""
import datetime
import fcntl
import json
import os
import subprocess

import agency as agency_mod
import db_checks
import drupal_checks
import fault_checks
import faults as faults_mod
import lab as lab_mod

ENVS = ("prod", "preprod")


class Results:
    def __init__(self):
        self.rows = []

    def add(self, status, name, detail):
        self.rows.append((status, name, detail))

    def check(self, ok, name, detail):
        self.add("PASS" if ok else "FAIL", name, detail)

    def print(self):
        width = max(len(r[1]) for r in self.rows)
        print("\n%-4s  %-*s  %s" % ("", width, "check", "detail"))
        for status, name, detail in self.rows:
            print("%-4s  %-*s  %s" % (status, width, name, detail))
        failed = sum(1 for r in self.rows if r[0] == "FAIL")
        print("\n%d checks: %d PASS, %d FAIL, %d SKIP" % (
            sum(1 for r in self.rows if r[0] != "INFO"), sum(1 for r in self.rows if r[0] == "PASS"), failed,
            sum(1 for r in self.rows if r[0] == "SKIP")))
        return 1 if failed else 0


def tma_json(soak, agency, args, what):
    run = soak.record(agency.run(args + ["--format", "json"], soak.logs, soak.tag("check-" + what)))
    try:
        return run, json.loads(run.out)
    except ValueError:
        return run, None


def journal(soak, types):
    args = ["journal", "--limit", "10000000"]
    for t in types:
        args += ["--type", t]
    run, doc = tma_json(soak, soak.a, args, "journal")
    if doc is None:
        raise SystemExit("tma journal failed (%d): %s" % (run.code, run.err[-500:]))
    return doc["events"]


def parse_at(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def backup_slot(t):
    """The daily 02:30 slot a scheduled backup taken at t belongs to."""
    slot = t.replace(hour=2, minute=30, second=0, microsecond=0)
    return slot if t >= slot else slot - datetime.timedelta(days=1)


def check_backups(soak, res):
    events = journal(soak, ["backup.finished", "backup.failed", "backup.pruned"])
    taken = {}       # (site, env) -> set of slots with a scheduled backup
    ids = set()      # (site, env, id) of every good backup
    failed = 0
    removed = set()
    for e in events:
        if e["type"] == "backup.finished":
            ids.add((e["site"], e["env"], e["data"]["id"]))
            if e["data"].get("kind") == "scheduled":
                taken.setdefault((e["site"], e["env"]), set()).add(backup_slot(parse_at(e["at"])))
        elif e["type"] == "backup.failed":
            failed += 1
        else:
            for i in e["data"].get("removed", []):
                removed.add((e["site"], e["env"], i))
    start, now = soak.start, soak.clock.now
    slots = []
    s = backup_slot(start)
    # A slot counts once a runner step came after it: a clock jump in the last step can carry the clock
    # past a slot that no run then had the chance to take (seed 41: 12-01 02:30, clock at 03:00 after
    # the month's last step).
    while s + datetime.timedelta(minutes=soak.args.step) <= now:
        slots.append(s)
        s += datetime.timedelta(days=1)
    # A slot may be missed only when a fault hit its night: its site's server down or cut, the store
    # full, a runner killed, or a clock jump across it (tma catches up once, it never runs a slot twice).
    faults = soak.faults.log
    missed, unexplained = 0, []
    soak.missed_slots = []   # (site, env, slot): the fault checks look for what the journal says of each
    for site in soak.lab.sites:
        for env in ENVS:
            have = taken.get((site.name, env), set())
            for slot in slots:
                if slot in have:
                    continue
                missed += 1
                soak.missed_slots.append((site.name, env, slot))
                window = (slot, slot + datetime.timedelta(days=1))
                explained = any(window[0] - datetime.timedelta(hours=4) <= parse_at(f["at"]) < window[1]
                                and (site.name in f.get("sites", [site.name]) or f["what"] == "store_full")
                                for f in faults if f["what"] in ("server_down", "ssh_cut", "store_full", "kill9"))
                if not explained:
                    unexplained.append("%s/%s %s" % (site.name, env, slot.strftime("%m-%d")))
    expected = len(slots) * len(soak.lab.sites) * len(ENVS)
    res.check(not unexplained, "scheduled backups taken",
              "%d of %d slots (%d missed during faults, %d failed attempts)%s"
              % (expected - missed, expected, missed - len(unexplained), failed,
                 "; missed without a fault: " + ", ".join(unexplained[:8]) if unexplained else ""))
    # Listed and verified: every backup the store lists re-reads right; none the journal recorded as
    # good is gone unless retention removed it.
    listed, bad, problems = set(), 0, []
    for env in ENVS:
        run, doc = tma_json(soak, soak.a, ["backup", "verify", "--all", "--env", env], "verify-" + env)
        if doc is None:
            problems.append("verify --env %s exited %d: %s" % (env, run.code, run.err.strip()[-200:]))
            continue
        for v in doc["verified"]:
            listed.add((v["site"], v["env"], v["backup"]))
            if not v["ok"]:
                bad += 1
                problems.append("%s/%s %s: %s" % (v["site"], v["env"], v["backup"], "; ".join(v["problems"])))
    res.check(bad == 0 and not problems and listed, "listed backups verify",
              "%d listed, %d do not verify%s" % (len(listed), bad, ("; " + "; ".join(problems[:4])) if problems else ""))
    lost = sorted(ids - removed - listed)
    res.check(not lost, "no good backup lost",
              "%d recorded good, %d removed by retention, %d lost%s"
              % (len(ids), len(removed & ids), len(lost), (": " + ", ".join("/".join(x) for x in lost[:6])) if lost else ""))
    unrecorded = sorted(listed - ids)
    res.check(not unrecorded, "no listed backup unrecorded",
              "%d listed without a backup.finished event%s" % (len(unrecorded), (": " + ", ".join("/".join(x) for x in unrecorded[:6])) if unrecorded else ""))
    check_retention(soak, res)


def check_retention(soak, res):
    prunes = []
    for env in ENVS:
        run, doc = tma_json(soak, soak.a, ["backup", "prune", "--all", "--env", env, "--dry-run"], "prune-" + env)
        if doc is None:
            res.check(False, "retention as the policy says", "prune --dry-run exited %d: %s" % (run.code, run.err[-300:]))
            return
        prunes += doc["prune"]
    would, errors, over = [], [], []
    bound = sum(agency_mod.KEEP.values())
    for p in prunes:
        if p.get("error"):
            errors.append("%s/%s: %s" % (p["site"], p["env"], p["error"]))
        would += ["%s/%s %s" % (p["site"], p["env"], d["id"]) for d in p["decisions"] if not d["keep"]]
        kept = [d for d in p["decisions"] if d["keep"] and "pre-update" not in " ".join(d["reasons"])]
        if len(kept) > bound:
            over.append("%s/%s %d" % (p["site"], p["env"], len(kept)))
    res.check(not would and not errors and not over, "retention as the policy says",
              "prune --dry-run over %d site/env/storage: %d would be removed, %d errors, %d over keep %s%s"
              % (len(prunes), len(would), len(errors), len(over), json.dumps(agency_mod.KEEP),
                 ("; " + "; ".join((would + errors + over)[:5])) if (would or errors or over) else ""))


def check_sites(soak, res):
    maintenance, locks, on_bad, updated = [], [], [], 0
    latest = max(soak.offered, key=lambda v: int(v.split(".")[1])) if soak.offered else None
    for site in soak.lab.sites:
        for env, root in (("prod", site.prod), ("preprod", site.pre)):
            if lab_mod.in_maintenance(site, root):
                maintenance.append("%s/%s" % (site.name, env))
            if os.path.exists(os.path.join(root, ".tma-update.lock")):
                locks.append("%s/%s" % (site.name, env))
        if site.cms != "wordpress":
            continue  # Drupal: drupal_checks.py
        version = lab_mod.installed_plugin_version(site.prod, lab_mod.WEEKLY_PLUGIN)
        if version in soak.bad_versions.get(site.name, set()):
            on_bad.append("%s prod on %s %s" % (site.name, lab_mod.WEEKLY_PLUGIN, version))
        if version != "1.0":
            updated += 1
    res.check(not maintenance, "sites in maintenance mode", "%d%s" % (len(maintenance), (": " + ", ".join(maintenance[:8])) if maintenance else ""))
    res.check(not locks, "update locks left on servers", "%d%s" % (len(locks), (": " + ", ".join(locks[:8])) if locks else ""))
    bad_sites = sum(len(v) for v in soak.bad_versions.values())
    res.check(not on_bad, "no prod on a version that failed preprod",
              "%d bad (site, version) pairs injected, %d prod on one%s" % (bad_sites, len(on_bad), (": " + ", ".join(on_bad[:6])) if on_bad else ""))
    if soak.offered:
        res.add("INFO", "updates applied", "%d/%d WordPress prod sites moved off %s 1.0 (latest offered %s)"
                % (updated, len(soak.lab.wordpress_sites()), lab_mod.WEEKLY_PLUGIN, latest))


def check_hours(soak, res):
    for agency in (soak.a, soak.b):
        run, doc = tma_json(soak, agency, ["hours", "summary", "--from", "2000-01-01", "--to", "2099-12-31"],
                            "hours-" + agency.name)
        if doc is None:
            res.check(False, "hours totals (%s)" % agency.name, "hours summary exited %d: %s" % (run.code, run.err[-300:]))
            continue
        seconds = sum(c["billable"]["seconds"] for c in doc["clients"])
        entries = sum(c["billable"]["entries"] for c in doc["clients"])
        res.check(seconds == soak.hours_logged and entries == soak.hours_entries, "hours totals (clone %s)" % agency.name,
                  "summary %d entries %.2f h; logged %d entries %.2f h" % (
                      entries, seconds / 3600.0, soak.hours_entries, soak.hours_logged / 3600.0))


def check_git(soak, res):
    tips = {}
    for name, git_dir in (("remote", soak.remote), ("A", soak.a.root), ("B", soak.b.root)):
        r = subprocess.run(["git", "fsck", "--no-progress", "--no-dangling"], cwd=git_dir, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        # `notice:` lines (an unborn HEAD) are not problems; anything else fsck prints is.
        said = "\n".join(l for l in r.stdout.splitlines() if l.strip() and not l.startswith("notice:"))
        res.check(r.returncode == 0 and not said, "git fsck (%s)" % name,
                  "clean" if r.returncode == 0 and not said else "exit %d: %s" % (r.returncode, said[-300:]))
        t = subprocess.run(["git", "rev-parse", "refs/heads/tma-journal"], cwd=git_dir, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
        tips[name] = t.stdout.strip()
    res.check(len(set(tips.values())) == 1 and all(tips.values()), "journal ref the same on remote, A, B",
              ", ".join("%s %s" % (k, v[:10]) for k, v in tips.items()))
    # The clones reached the remote the way --remote asked (ssh: the lab's git server, not the path).
    urls = {}
    for agency in (soak.a, soak.b):
        u = subprocess.run(["git", "remote", "get-url", "origin"], cwd=agency.root, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
        urls[agency.name] = u.stdout.strip()
    res.check(all(u == soak.remote_url for u in urls.values()), "journal remote of A and B (--remote %s)"
              % soak.args.remote, ", ".join("%s %s" % (k, v) for k, v in urls.items()))


def held(path):
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def check_leftovers(soak, res):
    left = []
    roots = [soak.a.root, soak.b.root, soak.remote, soak.lab.store]
    for root in roots:
        for d, dirs, files in os.walk(root):
            for f in files:
                p = os.path.join(d, f)
                rel = os.path.relpath(p, root)
                if f.endswith((".partial", ".tmp")) or (f.endswith(".lock") and "/.git/" in "/" + rel + "/"
                                                        or f.endswith(".lock") and root == soak.remote):
                    left.append(p)
                elif (f.endswith((".lock", ".flock")) or f == ".lock") and held(p):
                    left.append(p + " (held)")
    procs = []
    tma = os.path.realpath(soak.args.tma)
    # This soak's runs only: another soak may run the same binary meanwhile. Each of this soak's tma
    # processes, children included, has the soak's temp dir in its environment (TMA_SIMULATED_CLOCK)
    # or its command line (-i).
    mine = os.fsencode(soak.tmp)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.path.realpath("/proc/%s/exe" % pid) == tma:
                seen = b""
                for part in ("environ", "cmdline"):
                    with open("/proc/%s/%s" % (pid, part), "rb") as f:
                        seen += f.read()
                if mine in seen:
                    procs.append(pid)
        except OSError:
            pass
    res.check(not left, "no leftover lock or temp file", "%d%s" % (len(left), (": " + ", ".join(left[:6])) if left else ""))
    res.check(not procs, "no tma process left running", "%d%s" % (len(procs), (": pids " + " ".join(procs)) if procs else ""))
    if soak.lab.git_server is not None:
        # The journal's ssh clients (their argv names the lab's ssh_config: -F) and the git server's
        # sessions: tma waits for its ssh, and one a kill9 orphaned ends at its stdin's EOF.
        ssh = []
        for pid, argv in lab_mod.process_argvs():
            if os.path.basename(argv[0]) == b"ssh" and soak.lab.ssh_config.encode() in argv:
                ssh.append(pid)
        sessions = soak.lab.git_server.session_pids()
        res.check(not ssh and not sessions, "no journal ssh left running", "%d ssh client(s), %d git server session(s)%s"
                  % (len(ssh), len(sessions), (": pids " + " ".join(ssh + [str(p) for p in sessions])) if ssh or sessions else ""))


def check_reports(soak, res):
    firsts = sum(1 for d in range((soak.clock.now - soak.start).days + 1)
                 if (soak.start + datetime.timedelta(days=d)).day == 1
                 and soak.start + datetime.timedelta(days=d, hours=8) <= soak.clock.now)
    events = journal(soak, ["report.queued"])
    want = firsts * 5
    res.check(len(events) >= want, "monthly reports queued", "%d report.queued for %d month start(s) x 5 clients"
              % (len(events), firsts))


def check_incidents(soak, res):
    outages = [f for f in soak.faults.log if f["what"] == "server_down"]
    if not outages:
        res.add("SKIP", "incidents for each outage", "no server_down fault in this run")
        return
    events = journal(soak, ["incident.opened", "incident.resolved"])
    opened = {}
    resolved = set()
    for e in events:
        if e["type"] == "incident.opened":
            opened.setdefault(e["site"], []).append((parse_at(e["at"]), e["id"]))
        else:
            resolved.add(e["data"].get("opened_event"))
    missing, open_left = [], []
    for f in outages:
        at = parse_at(f["at"])
        until = at + datetime.timedelta(hours=f["steps"] + 2)
        for name in f["sites"]:
            hits = [i for t, i in opened.get(name, []) if at <= t <= until]
            if not hits:
                missing.append("%s@%s" % (name, f["at"][5:16]))
            elif not any(i in resolved for i in hits):
                open_left.append(name)
    res.check(not missing and not open_left, "incidents for each outage",
              "%d outage(s): %d site outages without an incident, %d left open%s"
              % (len(outages), len(missing), len(open_left), (": " + ", ".join((missing + open_left)[:6])) if missing or open_left else ""))


def check_push_races(soak, res):
    """Each push_race: runner A paused between its journal fetch and the push of its claims while B
    claimed the same jobs and pushed, so A's push was rejected; A then fetched, merged, gave back
    the claims B held and pushed again. In the journal, each (job, slot) claimed in that step has
    exactly one live claim (the other given back with job.released, at least one per race) and that
    claim its job.finished: no claim lost, none run twice."""
    races = [f for f in soak.faults.log if f["what"] == "push_race"]
    name = "journal: push race recovered"
    if not races:
        res.add("SKIP", name, "no push_race fault in this run")
        return
    events = journal(soak, ["job.claimed", "job.finished", "job.released"])
    finished = {e["data"].get("claim") for e in events if e["type"] == "job.finished"}
    released = {e["data"].get("claim") for e in events if e["type"] == "job.released"}
    bad, claims, gave_back = [], 0, 0
    for f in races:
        at = parse_at(f["at"]).replace(minute=0, second=0)
        if not f.get("paused") or not f.get("rejected"):
            bad.append("%s: A %s" % (f["at"][5:16], "never paused" if not f.get("paused") else "not rejected"))
        if any(not 0 <= c <= 7 for c in f.get("codes", [])):
            bad.append("%s: exit codes %s" % (f["at"][5:16], f.get("codes")))
        by_slot = {}
        for e in events:
            if e["type"] == "job.claimed" and parse_at(e["at"]).replace(minute=0, second=0) == at:
                by_slot.setdefault((e["data"].get("job"), e["data"].get("slot")), []).append(e)
        given = 0
        for (job, slot), es in sorted(by_slot.items()):
            claims += len(es)
            live = [e for e in es if e["id"] not in released]
            given += len(es) - len(live)
            if len(live) != 1:
                bad.append("%s %s: %d live claims" % (job, slot, len(live)))
            elif live[0]["id"] not in finished:
                bad.append("%s %s: live claim without job.finished" % (job, slot))
        # B claimed what A was about to push: A gave back at least one claim (its, as B's came first).
        if f.get("paused") and not given:
            bad.append("%s: no claim given back" % f["at"][5:16])
        gave_back += given
    res.check(not bad, name,
              "%d race(s): A paused %d ms before pushing its claims and its push was rejected then retried in %d; %d claims in those steps, "
              "%d given back (job.released), every (job, slot) with one live claim and its job.finished%s"
              % (len(races), faults_mod.RACE_PAUSE_MS, sum(1 for f in races if f.get("rejected")), claims, gave_back,
                 (": " + "; ".join(bad[:6])) if bad else ""))


def journal_lines(soak, needles):
    """The journal's lines (clone A's ref) that contain every one of `needles`, parsed: a streaming
    read for the checks that look at hundreds of thousands of events, where `tma journal --format
    json` would be one document of hundreds of MB."""
    root = soak.a.root
    ref = "refs/heads/tma-journal"
    tree = subprocess.run(["git", "-C", root, "ls-tree", "-r", ref, "journal/"], capture_output=True, text=True,
                          check=True).stdout.split("\n")
    blobs = [line.split()[2] for line in tree if line.endswith(".jsonl")]
    p = subprocess.Popen(["git", "-C", root, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    wanted = [n if isinstance(n, bytes) else n.encode() for n in needles]
    out = []

    def feed():
        for b in blobs:
            p.stdin.write(b.encode() + b"\n")
        p.stdin.close()

    import threading
    writer = threading.Thread(target=feed)
    writer.start()
    for _ in blobs:
        size = int(p.stdout.readline().split()[2])
        body = p.stdout.read(size + 1)
        for line in body.split(b"\n"):
            if all(n in line for n in wanted):
                out.append(json.loads(line))
    writer.join()
    p.wait()
    return out


def check_health_cadence(soak, res):
    """Every site's health was claimed for every slot (every --health-every minutes), once, but for
    the slots a clock jump skipped (caught up once, as docs/operations.md says) and a killed run's."""
    every = soak.args.health_every
    name = "health checks every %d min" % every
    released = {e["data"].get("claim") for e in journal_lines(soak, [b'"job.released"', b'"kind":"health"'])}
    claims = {}
    for e in journal_lines(soak, [b'"job.claimed"', b'"kind":"health"']):
        if e["id"] not in released:
            key = (e["site"], e["data"]["slot"])
            claims[key] = claims.get(key, 0) + 1
    step = datetime.timedelta(minutes=every)
    start = min((parse_at(slot) for _, slot in claims), default=None)
    if start is None:
        res.check(False, name, "no health claim in the journal")
        return
    end = parse_at(soak.clock.now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    excused = set()
    for f in soak.faults.log:
        at = parse_at(f["at"])
        if f["what"] == "clock_jump":
            t = at - datetime.timedelta(hours=f["hours"])  # the jump replaced the step at `t`
            while t < at:
                excused.add(t)
                t += step
        elif f["what"] == "kill9":
            excused.add(at)
    sites = sorted({site for site, _ in claims})
    expected = missing = skipped = 0
    examples = []
    t = start
    while t < end:
        slot = t.strftime("%Y-%m-%dT%H:%M:%SZ")
        for site in sites:
            expected += 1
            if (site, slot) in claims:
                continue
            if t in excused:
                skipped += 1
            else:
                missing += 1
                examples.append("%s %s" % (site, slot))
        t += step
    twice = sorted("%s %s" % k for k, n in claims.items() if n > 1)
    res.check(not missing and not twice, name, "%d sites x %d slots: %d claimed once, %d skipped by a clock jump or a "
              "kill, %d missing, %d claimed twice%s" % (
                  len(sites), expected // max(1, len(sites)), expected - missing - skipped, skipped, missing, len(twice),
                  (": " + ", ".join((examples + twice)[:4])) if examples or twice else ""))


def run_all(soak):
    res = Results()
    check_git(soak, res)  # first: the other checks' own commands write to clone A's journal
    check_backups(soak, res)
    check_sites(soak, res)
    check_hours(soak, res)
    check_incidents(soak, res)
    check_reports(soak, res)
    fault_checks.run(soak, res, journal)
    drupal_checks.run(soak, res, journal)
    check_push_races(soak, res)
    check_health_cadence(soak, res)
    if soak.lab.mariadb is not None:
        db_checks.run(soak, res)
    check_leftovers(soak, res)
    killed = sum(1 for r in soak.runs if r.killed)
    runs = [r for r in soak.runs if "run" in r.argv and "--due" in r.argv]
    # Exit bits only (1 findings, 2 a site failed, 4 unreachable, OR-ed): never 64, 70, 75, 78.
    failed = [r for r in runs if not r.killed and not 0 <= r.code <= 7]
    res.check(not failed, "tma run --due exit codes", "%d runs, %d killed, %d exited outside the bits 0-7%s"
              % (len(runs), killed, len(failed), (": " + ", ".join(str(r.code) for r in failed[:8])) if failed else ""))
    # GNU time's wait4 (agency.py): the largest process of the tree the run waited for, tma or a tool
    # it ran and waited for (restic, ssh, tar, mariadb-dump...), never the driver that started it.
    top = max(soak.runs, key=lambda r: r.rss_kib, default=None)
    peak = top.rss_kib if top else 0
    res.add("INFO", "peak memory of a tma run's tree (max RSS)", "%.1f MiB over %d tma processes (largest: tma %s)"
            % (peak / 1024.0, len(soak.runs), " ".join(a for a in top.argv[3:7]) if top else "-"))
    if soak.day_walls:
        walls = [w for _, w in soak.day_walls]
        res.add("INFO", "wall time per simulated day", "mean %.0f s, max %.0f s (%s)" % (
            sum(walls) / len(walls), max(walls), ", ".join("%s %.0f" % (d[5:], w) for d, w in soak.day_walls)))
    counts = {}
    for f in soak.faults.log:
        if f["what"] in ("armed", "server_up", "store_freed"):
            continue
        counts[f["what"]] = counts.get(f["what"], 0) + 1
    res.add("INFO", "faults injected", ", ".join("%s %d" % kv for kv in sorted(counts.items())) or "none")
    return res.print()
