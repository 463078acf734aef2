"""The soak's Drupal update checks (bench/soak/checks.py calls them), for each of the two components the
soak offers releases of (Track): the weekly module release (lab.DRUPAL_MODULE, tma's step
`package:drupal/token`) and the core release of every other week (lab.DRUPAL_CORE, tma's step
`package:drupal/core-recommended`, the version `drush status` reports after it) went to preprod then
prod, a bad release never reached prod, each bad release has its rejected step in the journal and is
held back in the client report; and every Drupal site answers over HTTP as Drupal does (200, not its
503 maintenance page).

The WordPress counterparts are in fault_checks.py (plugin `forms`); these read the same journal and
the same reports (fault_checks.render_reports), for the Drupal component.
"""
import collections
import datetime

import fault_checks
import lab as lab_mod

TYPES = ["update.finished", "update.install"]

# One component the soak offers releases of: its journal step's component, what it is called in the
# check names, its version installed at the start, the version a site's prod holds now, and the soak's
# {version: time offered} and {site: bad versions}.
Track = collections.namedtuple("Track", "component label first installed offered bad")


def tracks(soak):
    return [Track("package:" + lab_mod.DRUPAL_MODULE, "Drupal", lab_mod.DRUPAL_MODULE_FIRST,
                  lab_mod.installed_drupal_version, soak.drupal_offered, soak.bad_drupal_versions),
            Track("package:" + lab_mod.DRUPAL_CORE, "Drupal core", lab_mod.DRUPAL_CORE_FIRST,
                  lab_mod.drupal_core_version, soak.core_offered, soak.bad_core_versions)]


def parse_at(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def steps_to(run, version, component):
    return [s for s in run["data"].get("steps") or [] if isinstance(s, dict) and s.get("component") == component
            and s.get("to") == version]


def check_prod_versions(soak, res, track):
    """No prod Drupal site on a version that failed preprod; how many moved (an INFO line of the
    versions prod holds)."""
    on_bad, moved, held = [], 0, {}
    for site in soak.lab.drupal_sites():
        version = track.installed(site.prod)
        held[version] = held.get(version, 0) + 1
        if version in track.bad.get(site.name, set()):
            on_bad.append("%s prod on %s" % (site.name, version))
        if version != track.first:
            moved += 1
    pairs = sum(len(v) for v in track.bad.values())
    core = "core " if track.label.endswith("core") else ""
    res.check(not on_bad, "no prod Drupal site on a %sversion that failed preprod" % core,
              "%d bad (site, version) pairs injected, %d prod on one%s"
              % (pairs, len(on_bad), (": " + ", ".join(on_bad[:6])) if on_bad else ""))
    res.add("INFO", "%s versions on prod" % track.label,
            "%d/%d Drupal prod sites moved off %s %s: %s"
            % (moved, len(soak.lab.drupal_sites()), track.component, track.first,
               ", ".join("%s x %d" % (v, n) for v, n in sorted(held.items(), key=lambda i: version_key(i[0])))))
    return moved


def version_key(v):
    return [int(x) for x in v.split(".")] if v else []


def check_preprod_first(soak, res, events, moved, track):
    """Every `update.install` of the component on a Drupal prod has the same version installed on the
    site's preprod before it (tma's order: preprod, smoke test, then prod)."""
    drupal = {s.name for s in soak.lab.drupal_sites()}
    installs = [e for e in events if e["type"] == "update.install" and e["site"] in drupal
                and (e["data"].get("component") == track.component)]
    bad = []
    prod = [e for e in installs if e["env"] == "prod"]
    for e in prod:
        v = e["data"].get("to")
        if not any(p["env"] == "preprod" and p["site"] == e["site"] and p["data"].get("to") == v
                   and p["at"] <= e["at"] for p in installs):
            bad.append("%s %s" % (e["site"], v))
    name = "%s updates: preprod then prod" % track.label
    if not track.offered:
        res.add("SKIP", name, "no %s release offered in this run" % track.label)
        return
    latest = max(track.offered, key=version_key)
    # Some Drupal prod must have moved when a site had no bad version, the weekly update step (Tuesday
    # 22:00) passed after the first offer, and no fault could have kept every update from running.
    first = min(track.offered.values())
    step = first + datetime.timedelta(days=(1 - first.weekday()) % 7)
    step = step.replace(hour=22, minute=0) + datetime.timedelta(hours=2)
    good = [s for s in soak.lab.drupal_sites() if not track.bad.get(s.name)]
    stoppers = [f for f in soak.faults.log
                if f["what"] in ("kill9", "ssh_cut", "server_down", "store_full", "clock_jump")]
    required = bool(good) and soak.clock.now >= step and not stoppers
    res.check(not bad and (moved > 0 or not required), name,
              "%d/%d Drupal prod sites moved off %s %s (latest offered %s%s); %d prod installs of %s, %d without the "
              "same version installed on preprod first%s"
              % (moved, len(soak.lab.drupal_sites()), track.component, track.first, latest,
                 "" if required else "; none required: no good site, no update step yet or a fault that stops updates",
                 len(prod), track.component, len(bad), (": " + ", ".join(bad[:6])) if bad else ""))


def check_rejections(soak, res, events, track):
    """Each (Drupal site, bad version): the site's prod update run while that version was the newest
    offered has the step to it `rejected`. Returns [(site, version, at)] of the rejections found."""
    pairs = [(site, v) for site, vs in sorted(track.bad.items()) for v in sorted(vs)]
    name = "journal: a rejected step for each bad %s release" % track.label
    if not pairs:
        res.add("SKIP", name, "no bad %s release in this run" % track.label)
        return []
    offered = track.offered
    kills = fault_checks.killed_runs(soak)
    ok, not_run, wrong, found = 0, [], [], []
    for site, v in pairs:
        start = offered[v]
        later = [t for t in offered.values() if t > start]
        end = min(later) if later else soak.clock.now + datetime.timedelta(hours=1)
        runs = fault_checks.update_runs(events, site, start, end)
        hits = [r for r in runs if any(s.get("status") == "rejected" for s in steps_to(r, v, track.component))]
        if hits:
            ok += 1
            found.append((site, v, parse_at(hits[0]["at"])))
        elif any(fault_checks.stopped_by_kill(r, v, kills, track.component) for r in runs):
            not_run.append("%s %s" % (site, v))
        elif any(steps_to(r, v, track.component) for r in runs):
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
              % (len(pairs), ok, track.component, len(not_run), len(wrong),
                 (": " + ", ".join(wrong[:6])) if wrong else ""))
    return found


def check_held_back(soak, res, rejections, track):
    name = "reports: bad %s releases held back" % track.label
    if not rejections:
        res.add("SKIP", name, "no %s version rejected on preprod in this run" % track.label)
        return
    docs, problems = fault_checks.render_reports(soak)
    client_of = {s.name: s.client for s in soak.lab.sites}
    missing = []
    for site, v, at in rejections:
        doc = docs.get((client_of[site], at.strftime("%Y-%m")))
        if doc is None:
            missing.append("%s %s (no report)" % (site, v))
            continue
        held = any(h.get("site") == site and h.get("component") == track.component and h.get("to") == v
                   and h.get("status") == "rejected" for h in doc["updates"]["held_back"])
        later = any(u.get("site") == site and u.get("component") == track.component
                    and u.get("date", "") >= at.strftime("%Y-%m-%d") for u in doc["updates"]["applied"])
        if not held and not later:
            missing.append("%s %s" % (site, v))
    res.check(not missing and not problems, name,
              "%d rejected (%s site, version): %d missing from updates.held_back (status rejected)%s"
              % (len(rejections), track.label, len(missing),
                 (": " + ", ".join((problems + missing)[:6])) if missing or problems else ""))


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
    for track in tracks(soak):
        moved = check_prod_versions(soak, res, track)
        check_preprod_first(soak, res, events, moved, track)
        rejections = check_rejections(soak, res, events, track)
        check_held_back(soak, res, rejections, track)
    check_http(soak, res)
