"""The soak's Drupal update checks (bench/soak/checks.py calls them): the weekly module release
(lab.DRUPAL_MODULE, tma's step `package:drupal/token`) went to preprod then prod, a bad release never
reached prod, each bad release has its rejected step in the journal and is held back in the client
report, and every Drupal site answers over HTTP as Drupal does (200, not its 503 maintenance page).

The WordPress counterparts are in fault_checks.py (plugin `forms`); these read the same journal and
the same reports (fault_checks.render_reports), for the Drupal component.
"""
import datetime

import fault_checks
import lab as lab_mod

COMPONENT = "package:" + lab_mod.DRUPAL_MODULE
TYPES = ["update.finished", "update.install"]


def parse_at(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def steps_to(run, version):
    return [s for s in run["data"].get("steps") or [] if isinstance(s, dict) and s.get("component") == COMPONENT
            and s.get("to") == version]


def check_prod_versions(soak, res):
    """No prod Drupal site on a version that failed preprod; how many moved, and preprod first."""
    on_bad, moved = [], 0
    for site in soak.lab.drupal_sites():
        version = lab_mod.installed_drupal_version(site.prod)
        if version in soak.bad_drupal_versions.get(site.name, set()):
            on_bad.append("%s prod on %s %s" % (site.name, lab_mod.DRUPAL_MODULE, version))
        if version != lab_mod.DRUPAL_MODULE_FIRST:
            moved += 1
    pairs = sum(len(v) for v in soak.bad_drupal_versions.values())
    res.check(not on_bad, "no prod Drupal site on a version that failed preprod",
              "%d bad (site, version) pairs injected, %d prod on one%s"
              % (pairs, len(on_bad), (": " + ", ".join(on_bad[:6])) if on_bad else ""))
    return moved


def check_preprod_first(soak, res, events, moved):
    """Every `update.install` of the module on a Drupal prod has the same version installed on the
    site's preprod before it (tma's order: preprod, smoke test, then prod)."""
    drupal = {s.name for s in soak.lab.drupal_sites()}
    installs = [e for e in events if e["type"] == "update.install" and e["site"] in drupal
                and (e["data"].get("component") == COMPONENT)]
    bad = []
    prod = [e for e in installs if e["env"] == "prod"]
    for e in prod:
        v = e["data"].get("to")
        if not any(p["env"] == "preprod" and p["site"] == e["site"] and p["data"].get("to") == v
                   and p["at"] <= e["at"] for p in installs):
            bad.append("%s %s" % (e["site"], v))
    if not soak.drupal_offered:
        res.add("SKIP", "Drupal updates: preprod then prod", "no Drupal release offered in this run")
        return
    latest = max(soak.drupal_offered, key=lambda v: [int(x) for x in v.split(".")])
    # Some Drupal prod must have moved when a site had no bad version, the weekly update step (Tuesday
    # 22:00) passed after the first offer, and no fault could have kept every update from running.
    first = min(soak.drupal_offered.values())
    step = first + datetime.timedelta(days=(1 - first.weekday()) % 7)
    step = step.replace(hour=22, minute=0) + datetime.timedelta(hours=2)
    good = [s for s in soak.lab.drupal_sites() if not soak.bad_drupal_versions.get(s.name)]
    stoppers = [f for f in soak.faults.log
                if f["what"] in ("kill9", "ssh_cut", "server_down", "store_full", "clock_jump")]
    required = bool(good) and soak.clock.now >= step and not stoppers
    res.check(not bad and (moved > 0 or not required), "Drupal updates: preprod then prod",
              "%d/%d Drupal prod sites moved off %s %s (latest offered %s%s); %d prod installs of %s, %d without the "
              "same version installed on preprod first%s"
              % (moved, len(soak.lab.drupal_sites()), lab_mod.DRUPAL_MODULE, lab_mod.DRUPAL_MODULE_FIRST, latest,
                 "" if required else "; none required: no good site, no update step yet or a fault that stops updates",
                 len(prod), COMPONENT, len(bad), (": " + ", ".join(bad[:6])) if bad else ""))


def check_rejections(soak, res, events):
    """Each (Drupal site, bad version): the site's prod update run while that version was the newest
    offered has the step to it `rejected`. Returns [(site, version, at)] of the rejections found."""
    pairs = [(site, v) for site, vs in sorted(soak.bad_drupal_versions.items()) for v in sorted(vs)]
    name = "journal: a rejected step for each bad Drupal release"
    if not pairs:
        res.add("SKIP", name, "no bad Drupal release in this run")
        return []
    offered = soak.drupal_offered
    ok, not_run, wrong, found = 0, [], [], []
    for site, v in pairs:
        start = offered[v]
        later = [t for t in offered.values() if t > start]
        end = min(later) if later else soak.clock.now + datetime.timedelta(hours=1)
        runs = fault_checks.update_runs(events, site, start, end)
        hits = [r for r in runs if any(s.get("status") == "rejected" for s in steps_to(r, v))]
        if hits:
            ok += 1
            found.append((site, v, parse_at(hits[0]["at"])))
        elif any(steps_to(r, v) for r in runs):
            wrong.append("%s %s: stepped without rejection" % (site, v))
        else:
            # No run planned it: only a fault that cut the update step may explain that.
            server = next(s.server.name for s in soak.lab.sites if s.name == site)
            hit = any(f["what"] in ("kill9", "server_down", "ssh_cut", "clock_jump", "store_full")
                      and start <= parse_at(f["at"]) < end
                      and (f["what"] in ("kill9", "clock_jump", "store_full") or f["target"] == server)
                      for f in soak.faults.log)
            if not hit and (runs or soak.clock.now - start > datetime.timedelta(days=2)):
                wrong.append("%s %s: %d update run(s), none planned the version" % (site, v, len(runs)))
            else:
                not_run.append("%s %s" % (site, v))
    res.check(not wrong, name,
              "%d bad (site, version) pairs: %d rejected on preprod (update.finished step %s status rejected), "
              "%d not updated yet or kept from it by a fault, %d otherwise%s"
              % (len(pairs), ok, COMPONENT, len(not_run), len(wrong), (": " + ", ".join(wrong[:6])) if wrong else ""))
    return found


def check_held_back(soak, res, rejections):
    name = "reports: bad Drupal releases held back"
    if not rejections:
        res.add("SKIP", name, "no Drupal version rejected on preprod in this run")
        return
    docs, problems = fault_checks.render_reports(soak)
    client_of = {s.name: s.client for s in soak.lab.sites}
    missing = []
    for site, v, at in rejections:
        doc = docs.get((client_of[site], at.strftime("%Y-%m")))
        if doc is None:
            missing.append("%s %s (no report)" % (site, v))
            continue
        held = any(h.get("site") == site and h.get("component") == COMPONENT and h.get("to") == v
                   and h.get("status") == "rejected" for h in doc["updates"]["held_back"])
        later = any(u.get("site") == site and u.get("component") == COMPONENT
                    and u.get("date", "") >= at.strftime("%Y-%m-%d") for u in doc["updates"]["applied"])
        if not held and not later:
            missing.append("%s %s" % (site, v))
    res.check(not missing and not problems, name,
              "%d rejected (Drupal site, version): %d missing from updates.held_back (status rejected)%s"
              % (len(rejections), len(missing), (": " + ", ".join((problems + missing)[:6])) if missing or problems else ""))


def check_http(soak, res):
    """Each Drupal tree over HTTP, as the health checks see it: 200, never the maintenance page."""
    answers = {}
    wrong = []
    for site in soak.lab.drupal_sites():
        for env in ("prod", "pre"):
            code, body = lab_mod.http_get(site.url(env))
            answers[code] = answers.get(code, 0) + 1
            if code != 200:
                wrong.append("%s/%s %d%s" % (site.name, env, code,
                                             " (maintenance page)" if "currently under maintenance" in body else ""))
    res.check(not wrong, "Drupal sites over HTTP (none in maintenance)",
              "%s%s" % (", ".join("%d x %d" % (n, c) for c, n in sorted(answers.items())),
                        ("; " + ", ".join(wrong[:6])) if wrong else ""))


def run(soak, res, journal):
    if not soak.lab.drupal_sites():
        res.add("SKIP", "Drupal updates", "no Drupal site in this run (--drupal-every 0)")
        return
    events = journal(soak, TYPES)
    moved = check_prod_versions(soak, res)
    check_preprod_first(soak, res, events, moved)
    rejections = check_rejections(soak, res, events)
    check_held_back(soak, res, rejections)
    check_http(soak, res)
