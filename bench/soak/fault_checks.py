"""The soak's fault checks (bench/soak/checks.py calls them): for each injected fault that touched a
site, what tma wrote about it in the journal, and what the client report of the month says.

Journal (read with `tma journal --format json`):
- each scheduled backup slot a fault made miss has its `backup.failed` (site, env, in the slot's
  day) or, when a `kill -9` cut the run, the run's claim of that backup left without an outcome;
- each prod update a full store stopped has its pre-update `backup.failed`;
- each claim left without an outcome (`job.claimed`, no `job.finished`/`job.released`) is a killed
  run's, by its runner at its simulated time;
- each (site, version) of a bad release has a `rejected` step for that version on the site's next
  update run, unless a fault kept that run from reaching the site.

Client reports (`tma report --all --month M --format json`, every month the run touched; prod only):
- backups: each prod site's `failed` and `taken` equal the journal's prod `backup.failed` and
  `backup.finished` of the month, every prod site with a fault-broken backup has `failed` > 0 and a
  `backup_failed` recommendation;
- interrupted backups (`kill9`): each prod site's `interrupted` equals the journal's prod backup claims
  of the month left without an outcome, a day old at the report's time and not covered by a later
  backup (docs/report.md, "Backups"), each of them a killed run's, with a `backup_interrupted`
  recommendation;
- postponed updates (`store_full`): each prod update a full store stopped is in `updates.postponed`
  (reason `backup_failed`, an `error_kind`) for each component it would have applied, unless a later
  run of the month settled the component; and every postponed row has such a run in the journal;
- updates: each rejected bad version is in `held_back` (status `rejected`) unless the site applied a
  later version of the plugin in the month;
- incidents: each prod incident opened in the month (the outages') is in `incidents`, no preprod one
  is, `glance.incidents` is their count, and `availability.downtime_seconds` is not 0 when one was
  resolved.
"""
import datetime
import json
import os

import lab as lab_mod

COMPONENT = "plugin:" + lab_mod.WEEKLY_PLUGIN
TYPES = ["backup.finished", "backup.failed", "update.finished", "incident.opened", "incident.resolved",
         "job.claimed", "job.finished", "job.released"]


def parse_at(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def hour(t):
    return t.replace(minute=0, second=0, microsecond=0)


def fault_window(f):
    """[start, end) of simulated time a fault acted in: its step, or its steps for the lasting ones."""
    at = parse_at(f["at"])
    return at, at + datetime.timedelta(hours=max(1, f.get("steps", 1)))


def open_claims(events):
    """The `job.claimed` events without their `job.finished` or `job.released`."""
    closed = {e["data"].get("claim") for e in events if e["type"] in ("job.finished", "job.released")}
    return [e for e in events if e["type"] == "job.claimed" and e["id"] not in closed]


def killed_runs(soak):
    """(runner actor prefix, simulated hour) of every kill -9 that killed a run."""
    out = []
    for f in soak.faults.log:
        if f["what"] == "kill9" and f.get("killed"):
            out.append(("Runner " + f["target"].split()[-1], hour(parse_at(f["at"]))))
    return out


def check_claims(soak, res, events):
    """Every claim left open is a killed run's: a run that was not killed records each job's outcome."""
    kills = killed_runs(soak)
    unexplained, per_kill = [], {}
    for e in open_claims(events):
        key = next(((a, t) for a, t in kills if e.get("actor", "").startswith(a) and hour(parse_at(e["at"])) == t), None)
        if key is None:
            unexplained.append("%s by %s at %s" % (e["data"].get("job"), e.get("actor", "?").split(" <")[0], e["at"][5:16]))
        else:
            per_kill[key] = per_kill.get(key, 0) + 1
    res.check(not unexplained, "journal: claims left open are killed runs'",
              "%d killed run(s): %d left claims without an outcome (%d claims), %d were killed before claiming or "
              "after recording; %d open claim(s) without a kill%s"
              % (len(kills), len(per_kill), sum(per_kill.values()), len(kills) - len(per_kill), len(unexplained),
                 (": " + ", ".join(unexplained[:6])) if unexplained else ""))
    return open_claims(events)


def check_backup_failures(soak, res, events, claims):
    """Each missed slot that a fault explains has its failure or the killed run's open claim in the journal;
    each update a full store stopped has its pre-update backup's failure."""
    failed = {}
    for e in events:
        if e["type"] == "backup.failed":
            failed.setdefault((e["site"], e["env"]), []).append(e)
    claimed = {}
    for e in claims:
        job = e["data"].get("job", "")
        if job.startswith("backup:"):
            _, site, env = job.split(":", 2)
            claimed.setdefault((site, env), []).append(parse_at(e["at"]))
    by_failure, by_claim, silent = 0, 0, []
    for site, env, slot in soak.missed_slots:
        end = slot + datetime.timedelta(days=1)
        if any(slot <= parse_at(e["at"]) < end for e in failed.get((site, env), [])):
            by_failure += 1
        elif any(slot <= t < end for t in claimed.get((site, env), [])):
            by_claim += 1
        else:
            silent.append("%s/%s %s" % (site, env, slot.strftime("%m-%d")))
    # Per fault class: the backup failures recorded in its window on the sites it touched.
    per_class = {}
    for f in soak.faults.log:
        if f["what"] not in ("store_full", "ssh_cut", "server_down"):
            continue
        start, end = fault_window(f)
        sites = set(f.get("sites", [s.name for s in soak.lab.sites]))
        n = sum(1 for (site, _), es in failed.items() if site in sites for e in es if start <= parse_at(e["at"]) < end)
        per_class[f["what"]] = per_class.get(f["what"], 0) + n
    # A full store during the weekly update: prod untouched, the pre-update backup's failure recorded.
    stopped, without = 0, []
    for f in soak.faults.log:
        if f["what"] != "store_full":
            continue
        start, end = fault_window(f)
        for e in events:
            if e["type"] != "update.finished" or e["env"] != "prod" or not start <= parse_at(e["at"]) < end:
                continue
            if e["data"].get("backup") or e["data"].get("outcome") != "failed":
                continue
            stopped += 1
            if not any(x["data"].get("kind") == "pre-update" and start <= parse_at(x["at"]) < end
                       for x in failed.get((e["site"], "prod"), [])):
                without.append(e["site"])
    res.check(not silent and not without, "journal: a failed backup for each a fault broke",
              "%d slots missed: %d with their backup.failed, %d with a killed run's open claim, %d with nothing; "
              "backup.failed in fault windows: %s; %d prod updates stopped by a full store, %d without their "
              "pre-update backup.failed%s"
              % (len(soak.missed_slots), by_failure, by_claim, len(silent),
                 ", ".join("%s %d" % kv for kv in sorted(per_class.items())) or "no store_full/ssh_cut/server_down",
                 stopped, len(without), (": " + ", ".join((silent + without)[:6])) if silent or without else ""))


def update_runs(events, site, start, end):
    return [e for e in events if e["type"] == "update.finished" and e["env"] == "prod" and e["site"] == site
            and start <= parse_at(e["at"]) < end]


def rejected(run, version):
    return any(isinstance(s, dict) and s.get("component") == COMPONENT and s.get("to") == version
               and s.get("status") == "rejected" for s in run["data"].get("steps") or [])


def stopped_by_kill(run, version, kills, component=COMPONENT):
    """An update whose runner was killed: its job's tma stopped with it (SIGTERM from the kernel,
    docs/cli.md `tma run`), reverted preprod and recorded the run with the version's step still
    pending, an error 'interrupted by signal 15', in the hour of a kill of that runner."""
    pending = any(isinstance(s, dict) and s.get("component") == component and s.get("to") == version
                  and s.get("status") == "pending" for s in run["data"].get("steps") or [])
    interrupted = "interrupted by signal" in (run["data"].get("error") or "")
    killed = any(run.get("actor", "").startswith(a) and hour(parse_at(run["at"])) == t for a, t in kills)
    return pending and interrupted and killed


def check_bad_releases(soak, res, events):
    """Each (site, bad version): the site's update run while that version was the newest offered rejected it."""
    versions = sorted(soak.offered, key=lambda v: int(v.split(".")[1]))
    pairs = [(site, v) for site, vs in sorted(soak.bad_versions.items()) for v in sorted(vs)]
    if not pairs:
        res.add("SKIP", "journal: a rejected step for each bad release", "no bad_release in this run")
        return []
    ok, not_run, wrong, found = 0, [], [], []
    kills = killed_runs(soak)
    for site, v in pairs:
        start = soak.offered[v]
        later = [soak.offered[x] for x in versions if soak.offered[x] > start]
        end = min(later) if later else soak.clock.now + datetime.timedelta(hours=1)
        runs = update_runs(events, site, start, end)
        hits = [r for r in runs if rejected(r, v)]
        if hits:
            ok += 1
            found.append((site, v, parse_at(hits[0]["at"])))
        elif any(stopped_by_kill(r, v, kills) for r in runs):
            not_run.append("%s %s" % (site, v))
        elif any(any(isinstance(s, dict) and s.get("component") == COMPONENT and s.get("to") == v
                     for s in r["data"].get("steps") or []) for r in runs):
            wrong.append("%s %s: stepped without rejection" % (site, v))
        else:
            # No run planned the version on that site: only a fault that cut the update step may explain it.
            server = next(s.server.name for s in soak.lab.sites if s.name == site)
            hit = any(f["what"] in ("kill9", "server_down", "ssh_cut", "clock_jump") and start <= parse_at(f["at"]) < end
                      and (f["what"] in ("kill9", "clock_jump") or f["target"] == server) for f in soak.faults.log)
            if not hit and runs:
                wrong.append("%s %s: %d update run(s) without the version" % (site, v, len(runs)))
            elif not hit and soak.clock.now - start > datetime.timedelta(days=2):
                wrong.append("%s %s: no update run" % (site, v))
            else:
                not_run.append("%s %s" % (site, v))
    res.check(not wrong, "journal: a rejected step for each bad release",
              "%d bad (site, version) pairs: %d rejected on preprod (update.finished step %s status rejected), "
              "%d not updated yet or kept from it by a fault, %d otherwise%s"
              % (len(pairs), ok, COMPONENT, len(not_run), len(wrong), (": " + ", ".join(wrong[:6])) if wrong else ""))
    return found


def months(soak):
    out, d = [], soak.start.date().replace(day=1)
    while d <= soak.clock.now.date():
        out.append(d.strftime("%Y-%m"))
        d = (d + datetime.timedelta(days=32)).replace(day=1)
    return out


def render_reports(soak):
    """`tma report --all --month M --format json` in clone A: {(client, month): document}."""
    docs, problems = {}, []
    out_dir = os.path.join(soak.a.root, "reports")
    for month in months(soak):
        run = soak.record(soak.a.run(["report", "--all", "--month", month, "--format", "json"], soak.logs,
                                     soak.tag("check-report-" + month)))
        if run.code != 0:
            problems.append("report --month %s exited %d: %s" % (month, run.code, run.err.strip()[-200:]))
        for client in sorted({s.client for s in soak.lab.sites}):
            path = os.path.join(out_dir, "%s-%s.json" % (client, month))
            try:
                with open(path) as f:
                    docs[(client, month)] = json.load(f)
            except (OSError, ValueError) as e:
                problems.append("%s: %s" % (path, e))
    return docs, problems


SETTLED = 24 * 3600   # client_report::k_claim_settled: an open claim younger than this may still be running


def interrupted_claims(events, now):
    """The report's rule (docs/report.md, "Backups"), from the journal: prod backup claims without
    job.finished or job.released, SETTLED old at `now`, with no backup.finished/failed of the site's
    prod between the claim and the job's next unreleased claim. {(site, month): [claim]} and the open
    claims left out: (too recent, covered by a backup)."""
    finished, released, claims, outcomes = set(), set(), {}, {}
    for e in events:
        if e.get("env") != "prod":
            continue
        if e["type"] == "job.finished":
            finished.add(e["data"].get("claim"))
        elif e["type"] == "job.released":
            released.add(e["data"].get("claim"))
        elif e["type"] == "job.claimed" and e["data"].get("kind") == "backup":
            claims.setdefault(e["data"].get("job"), []).append(e)
        elif e["type"] in ("backup.finished", "backup.failed"):
            outcomes.setdefault(e["site"], []).append(parse_at(e["at"]))
    counted, recent, covered = {}, [], []
    for job, claimed in claims.items():
        claimed = sorted((c for c in claimed if c["id"] not in released), key=lambda c: c["at"])
        for i, c in enumerate(claimed):
            if c["id"] in finished:
                continue
            t = parse_at(c["at"])
            nxt = parse_at(claimed[i + 1]["at"]) if i + 1 < len(claimed) else None
            if any(t <= o and (nxt is None or o < nxt) for o in outcomes.get(c["site"], [])):
                covered.append(c)
            elif (now - t).total_seconds() < SETTLED:
                recent.append(c)
            else:
                counted.setdefault((c["site"], c["at"][:7]), []).append(c)
    return counted, recent, covered


def check_interrupted(soak, res, events, docs, client_of):
    """backups[].interrupted against the journal's open prod backup claims, each a killed run's."""
    # The report ran a little after the soak's clock (a tma's clock starts at the file's time and
    # flows): a claim that turned a day old in between may be counted or not.
    lo, _, _ = interrupted_claims(events, soak.clock.now)
    hi, recent, covered = interrupted_claims(events, soak.clock.now + datetime.timedelta(minutes=15))
    kills = killed_runs(soak)
    bad, shown, unexplained = [], 0, []
    for (client, month), doc in sorted(docs.items()):
        rec = {r.get("site") for r in doc.get("recommendations", []) if r.get("kind") == "backup_interrupted"}
        for row in doc.get("backups", []):
            site, n = row["site"], row.get("interrupted")
            want_lo, want_hi = len(lo.get((site, month), [])), len(hi.get((site, month), []))
            if not isinstance(n, int) or not want_lo <= n <= want_hi:
                bad.append("%s %s: report interrupted %s, journal %d" % (month, site, n, want_hi))
                continue
            shown += n
            if n and site not in rec:
                bad.append("%s %s: %d interrupted without a backup_interrupted recommendation" % (month, site, n))
    for claims in hi.values():
        for c in claims:
            if not any(c.get("actor", "").startswith(a) and hour(parse_at(c["at"])) == t for a, t in kills):
                unexplained.append("%s %s" % (c["site"], c["at"][5:16]))
    if not hi and not recent and not covered and not bad:
        res.add("SKIP", "reports: interrupted backups", "no prod backup claim left open (%d killed run(s) hit none); "
                "every report shows interrupted 0, as the journal says" % len(kills))
        return
    res.check(not bad and not unexplained, "reports: interrupted backups",
              "%d killed run(s); open prod backup claims: %d counted in backups[].interrupted (%d shown), %d too recent "
              "(their run may still be going), %d covered by a backup recorded before the next claim; %d counted "
              "that no kill explains%s"
              % (len(kills), sum(len(v) for v in hi.values()), shown, len(recent), len(covered), len(unexplained),
                 (": " + "; ".join((bad + unexplained)[:5])) if bad or unexplained else ""))


def check_postponed(soak, res, events, docs, client_of):
    """Each prod update a full store stopped is in updates.postponed, and each postponed row has its stopped run."""
    failed_pre = {(e["run"], e["site"]) for e in events
                  if e["type"] == "backup.failed" and e.get("env") == "prod" and e["data"].get("kind") == "pre-update"}
    runs = sorted((e for e in events if e["type"] == "update.finished" and e.get("env") == "prod"), key=lambda e: e["at"])

    def steps(run, statuses):
        return [s for s in run["data"].get("steps") or [] if isinstance(s, dict) and s.get("status") in statuses]

    def stopped_before_prod(run):
        return run["data"].get("outcome") == "failed" and not steps(run, ("applied", "rolled back"))

    missing, unjustified, listed, expected = [], [], 0, 0
    for i, run in enumerate(runs):
        if not stopped_before_prod(run) or (run["run"], run["site"]) not in failed_pre:
            continue
        month = run["at"][:7]
        doc = docs.get((client_of.get(run["site"]), month))
        if doc is None:
            continue
        later = [r for r in runs[i + 1:] if r["site"] == run["site"] and r["at"][:7] == month]
        for s in steps(run, ("validated", "pending")):
            comp = s.get("component")
            if any(x.get("component") == comp for r in later for x in steps(r, ("applied", "rejected", "rolled back"))):
                continue   # settled later in the month: applied or held back, not waiting
            expected += 1
            rows = [p for p in doc["updates"].get("postponed", []) if p.get("site") == run["site"] and p.get("component") == comp]
            relisted = any(x.get("component") == comp for r in later if stopped_before_prod(r) for x in steps(r, ("validated", "pending")))
            if not rows or (not relisted and (rows[0].get("reason") != "backup_failed" or not rows[0].get("error_kind"))):
                missing.append("%s %s %s %s" % (month, run["site"], comp, rows[0] if rows else "not listed"))
    for (client, month), doc in sorted(docs.items()):
        for p in doc["updates"].get("postponed", []):
            listed += 1
            if not any(r["site"] == p.get("site") and r["at"][:7] == month and stopped_before_prod(r)
                       and any(x.get("component") == p.get("component") for x in steps(r, ("validated", "pending")))
                       for r in runs):
                unjustified.append("%s %s %s" % (month, p.get("site"), p.get("component")))
    full = [f for f in soak.faults.log if f["what"] == "store_full"]
    if not expected and not listed:
        res.add("SKIP", "reports: updates postponed", "no prod update stopped by its pre-update backup (%d store_full "
                "fault(s)), and no report lists one" % len(full))
        return
    res.check(not missing and not unjustified, "reports: updates postponed",
              "%d store_full fault(s); %d components of prod updates stopped by their pre-update backup's failure "
              "expected in updates.postponed, %d missing or without reason backup_failed; %d rows listed, %d without a "
              "run stopped before prod in the journal%s"
              % (len(full), expected, len(missing), listed, len(unjustified),
                 (": " + "; ".join((missing + unjustified)[:5])) if missing or unjustified else ""))


def check_reports(soak, res, events, rejections):
    docs, problems = render_reports(soak)
    if problems:
        res.check(False, "reports: backups failed and taken", "; ".join(problems[:4]))
        return
    client_of = {s.name: s.client for s in soak.lab.sites}
    fault_broken = set()   # (site, month) whose prod backup a fault broke
    for f in soak.faults.log:
        if f["what"] in ("store_full", "ssh_cut", "server_down"):
            start, end = fault_window(f)
            sites = set(f.get("sites", list(client_of)))
            for e in events:
                if e["type"] == "backup.failed" and e["env"] == "prod" and e["site"] in sites \
                        and start <= parse_at(e["at"]) < end:
                    fault_broken.add((e["site"], e["at"][:7]))
    # Backups: the report's figures against the journal's prod events of the month.
    mismatch, no_rec, compared, failed_total = [], [], 0, 0
    for (client, month), doc in sorted(docs.items()):
        want = {}
        for e in events:
            if e["env"] == "prod" and e["at"][:7] == month and client_of.get(e["site"]) == client \
                    and e["type"] in ("backup.failed", "backup.finished"):
                w = want.setdefault(e["site"], [0, 0])
                w[0 if e["type"] == "backup.finished" else 1] += 1
        rec = {r.get("site") for r in doc.get("recommendations", []) if r.get("kind") == "backup_failed"}
        rows = {b["site"]: b for b in doc.get("backups", [])}
        for site in sorted(set(want) | set(rows)):
            taken, failed = want.get(site, [0, 0])
            row = rows.get(site, {})
            compared += 1
            failed_total += row.get("failed", 0)
            if row.get("taken") != taken or row.get("failed") != failed:
                mismatch.append("%s %s %s: report taken %s failed %s, journal %d/%d" % (
                    client, month, site, row.get("taken"), row.get("failed"), taken, failed))
            if (site, month) in fault_broken and (row.get("failed", 0) < 1 or site not in rec):
                no_rec.append("%s %s %s" % (client, month, site))
        if doc.get("glance", {}).get("backups") != sum(w[0] for w in want.values()):
            mismatch.append("%s %s glance.backups %s" % (client, month, doc.get("glance", {}).get("backups")))
    res.check(not mismatch and not no_rec, "reports: backups failed and taken",
              "%d reports, %d prod site-months: taken and failed equal the journal's prod events (%d failed in all); "
              "%d site-months with a fault-broken prod backup, %d not counted or not recommended%s"
              % (len(docs), compared, failed_total, len(fault_broken), len(no_rec),
                 (": " + "; ".join((mismatch + no_rec)[:5])) if mismatch or no_rec else ""))
    check_interrupted(soak, res, events, docs, client_of)
    check_postponed(soak, res, events, docs, client_of)
    # Updates held back: each rejected bad version, unless applied later in the month.
    if rejections:
        missing = []
        for site, v, at in rejections:
            doc = docs.get((client_of[site], at.strftime("%Y-%m")))
            held = any(h.get("site") == site and h.get("component") == COMPONENT and h.get("to") == v
                       and h.get("status") == "rejected" for h in doc["updates"]["held_back"])
            later = any(u.get("site") == site and u.get("component") == COMPONENT and u.get("date", "") >= at.strftime("%Y-%m-%d")
                        for u in doc["updates"]["applied"])
            if not held and not later:
                missing.append("%s %s" % (site, v))
        res.check(not missing, "reports: bad releases held back",
                  "%d rejected (site, version): %d missing from updates.held_back (status rejected)%s"
                  % (len(rejections), len(missing), (": " + ", ".join(missing[:6])) if missing else ""))
    else:
        res.add("SKIP", "reports: bad releases held back", "no version rejected on preprod in this run")
    # Incidents: prod only, each one of the month, counted in the glance, with downtime once resolved.
    # Keyed by (site, opened_at): the report's ids are display ids (a number, with a suffix on a clash).
    opened = {}
    resolved_ids = {e["data"].get("opened_event") for e in events if e["type"] == "incident.resolved"}
    resolved = set()
    for e in events:
        if e["type"] == "incident.opened":
            key = (e["site"], e["data"].get("opened_at") or e["at"])
            opened[key] = e
            if e["id"] in resolved_ids:
                resolved.add(key)
    outages = [f for f in soak.faults.log if f["what"] == "server_down"]
    if not outages and not opened:
        res.add("SKIP", "reports: incidents", "no outage and no incident in this run")
        return
    bad, listed = [], 0
    for (client, month), doc in sorted(docs.items()):
        ids = {(i.get("site"), i.get("opened_at")) for i in doc.get("incidents", [])}
        want = {k for k, e in opened.items() if e["env"] == "prod" and k[1][:7] == month
                and client_of.get(e["site"]) == client}
        n = len(doc.get("incidents", []))
        listed += n
        if not want <= ids:
            bad.append("%s %s: %d prod incident(s) missing" % (client, month, len(want - ids)))
        if n != len(want):
            # A preprod incident (or another client's) listed: the report is prod only.
            bad.append("%s %s: %d listed, %d prod incidents in the journal" % (client, month, n, len(want)))
        if doc.get("glance", {}).get("incidents") != n:
            bad.append("%s %s: glance.incidents %s, %d listed" % (client, month, doc["glance"].get("incidents"), n))
        if want & resolved and not doc.get("availability", {}).get("downtime_seconds"):
            bad.append("%s %s: downtime 0 with a resolved outage" % (client, month))
    prod_opened = sum(1 for e in opened.values() if e["env"] == "prod")
    res.check(not bad, "reports: incidents",
              "%d outage(s), %d prod incidents opened in the journal (%d on preprod, not in reports), %d listed in "
              "the reports, glance and downtime consistent%s"
              % (len(outages), prod_opened, len(opened) - prod_opened, listed, (": " + "; ".join(bad[:5])) if bad else ""))


def run(soak, res, journal):
    events = journal(soak, TYPES)
    claims = check_claims(soak, res, events)
    check_backup_failures(soak, res, events, claims)
    rejections = check_bad_releases(soak, res, events)
    check_reports(soak, res, events, rejections)
