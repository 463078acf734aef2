#!/usr/bin/env python3
"""Synthetic tma journal for the hours benchmark: 12 months x 500 sites, about one million events.

Writes DIR/ as an agency directory: a git repository whose ref refs/heads/tma-journal holds run files
in the journal's layout (journal/YYYY/MM/DD/<utc time>-<run id>.jsonl, one JSON event per line,
docs/journal.md), one commit per day through `git fast-import`, and DIR/sites.yaml with 100 clients
(subscription, on_demand and hour_bank in turn) owning 5 sites each.

Per day: a nightly backup run (500 backup.finished), two check runs (500 check.finished each), 400
`tma hours log` runs (one time.logged each, 15 % non-billable, 10 % dated 1-5 days back), and on
Mondays an update run (500 update.finished + 500 automatic time.logged). Deterministic (seeded).

With --measures (the report benchmark): also, per day, the `health.daily` event of each site's prod
for the day before (what `tma health --record` every 5 minutes journals: 288 checks) and a `tma perf
--record` run (one perf.measured per site, two pages), about 365,000 more events of each.
"""
import datetime as dt
import json
import random
import subprocess
import sys
from zoneinfo import ZoneInfo

SITES = 500
CLIENTS = 100
FIRST = dt.date(2025, 12, 1)
DAYS = 365
LOGS_PER_DAY = 400
PARIS = ZoneInfo("Europe/Paris")
ACTOR = "Bench <bench@tma.invalid>"


def site_name(i):
    return f"site-{i:03d}"


def client_of(i):
    return f"client-{i % CLIENTS:03d}"


def inventory():
    lines = ["version: 1", "agency:", "  name: Bench", "  timezone: Europe/Paris", "  currency: EUR", "clients:"]
    for c in range(CLIENTS):
        lines.append(f"  client-{c:03d}:")
        lines.append(f"    name: Client {c}")
        model = c % 3
        if model == 0:
            lines.append("    contract: {model: subscription, monthly_fee: 450.00, included_hours: 40h, overage_rate: 85.00}")
        elif model == 1:
            lines.append("    contract: {model: on_demand, rate: 95.00, increment: 15m, minimum: 30m}")
        else:
            lines += ["    contract:", "      model: hour_bank", "      packs:",
                      "        - {date: 2025-12-01, hours: 200h, price: 16000.00, expires: 2026-06-30}",
                      "        - {date: 2026-05-01, hours: 500h, price: 40000.00}",
                      "        - {date: 2026-10-01, hours: 300h, price: 24000.00, expires: 2027-09-30}",
                      "      low_balance: 20h", "      overage_rate: 90.00"]
    lines.append("sites:")
    for s in range(SITES):
        lines += [f"  {site_name(s)}:", f"    client: {client_of(s)}", "    cms: wordpress", "    environments:",
                  f"      prod: {{url: \"https://{site_name(s)}.example\"}}"]
    return "\n".join(lines) + "\n"


class Runs:
    def __init__(self, rng):
        self.rng = rng
        self.count = 0

    def run(self, at, command, events):
        """One run file: run.started, `events` (type, site, client, data), run.finished."""
        run_id = f"{self.rng.getrandbits(64):016x}"
        stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        out = []
        seq = 0

        def add(type_, site, client, data, env=None):
            nonlocal seq
            seq += 1
            out.append(json.dumps({"actor": ACTOR, "at": stamp, "client": client, "data": data, "env": env,
                                   "id": f"{run_id}-{seq}", "run": run_id, "site": site, "type": type_},
                                  sort_keys=True, separators=(",", ":")))

        add("run.started", None, None, {"argv": [], "command": command})
        for event in events:
            add(*event)
        add("run.finished", None, None, {"command": command, "duration_s": 0, "exit_code": 0})
        self.count += len(out)
        path = f"journal/{at:%Y/%m/%d}/{at:%Y%m%dT%H%M%S}Z-{run_id}.jsonl"
        return path, ("\n".join(out) + "\n").encode()


def entry(date, seconds, description, category, billable, automatic):
    return {"automatic": automatic, "billable": billable, "category": category, "date": date.isoformat(),
            "description": description, "duration_seconds": seconds, "ticket": None}


def measure_files(runs, rng, day, base):
    """The day's health.daily events (for the day before, as the first check after midnight writes
    them) and a perf --record run."""
    yesterday = (day - dt.timedelta(days=1)).isoformat()
    days = []
    for s in range(SITES):
        p50 = rng.randrange(120, 600)
        days.append(("health.daily", site_name(s), client_of(s),
                     {"date": yesterday, "probes": 288, "failures": 0 if rng.random() < 0.97 else rng.randrange(1, 20),
                      "p50_ms": p50, "p95_ms": p50 * 2, "max_ms": p50 * 4, "tls_expires_on": "2027-03-01"}, "prod"))
    audits = []
    for s in range(SITES):
        pages = [{"path": path, "url": f"https://{site_name(s)}.example{path}", "ttfb_ms": rng.randrange(80, 900),
                  "total_ms": rng.randrange(300, 4000), "bytes": rng.randrange(200_000, 5_000_000),
                  "requests": rng.randrange(10, 120), "findings": rng.randrange(0, 4), "http": "2"}
                 for path in ("/", "/contact")]
        audits.append(("perf.measured", site_name(s), client_of(s), {"status": "ok", "pages": pages}, "prod"))
    return [runs.run(base + dt.timedelta(minutes=5), "health --record", days),
            runs.run(base + dt.timedelta(hours=3), "perf --record", audits)]


def day_files(runs, rng, day, measures=False):
    utc = dt.timezone.utc
    base = dt.datetime(day.year, day.month, day.day, tzinfo=utc)
    files = measure_files(runs, rng, day, base) if measures else []
    backups = [("backup.finished", site_name(s), client_of(s), {"bytes": rng.randrange(10**6, 10**9), "storage": "local"})
               for s in range(SITES)]
    files.append(runs.run(base + dt.timedelta(hours=1, minutes=30), "backup", backups))
    for hour in (6, 14):
        checks = [("check.finished", site_name(s), client_of(s), {"status": "ok", "updates": rng.randrange(0, 4)})
                  for s in range(SITES)]
        files.append(runs.run(base + dt.timedelta(hours=hour), "check", checks))
    if day.weekday() == 0:
        at = base + dt.timedelta(hours=9)
        local = at.astimezone(PARIS).date()
        events = []
        for s in range(SITES):
            events.append(("update.finished", site_name(s), client_of(s), {"status": "ok"}))
            events.append(("time.logged", site_name(s), client_of(s),
                           entry(local, rng.randrange(120, 900), "update: plugins", "update", False, True)))
        files.append(runs.run(at, "update", events))
    for _ in range(LOGS_PER_DAY):
        at = base + dt.timedelta(seconds=rng.randrange(7 * 3600, 18 * 3600))
        local = at.astimezone(PARIS).date()
        if rng.random() < 0.10:
            local -= dt.timedelta(days=rng.randrange(1, 6))
        s = rng.randrange(SITES)
        data = entry(local, 300 * rng.randrange(3, 49), "work", rng.choice(["support", "bugfix", "feature", "security"]),
                     rng.random() >= 0.15, False)
        files.append(runs.run(at, "hours log", [("time.logged", site_name(s), client_of(s), data)]))
    return files


def main():
    args = sys.argv[1:]
    measures = "--measures" in args
    args = [a for a in args if a != "--measures"]
    if len(args) != 1:
        sys.exit("usage: generate.py [--measures] DIR")
    target = args[0]
    subprocess.run(["git", "init", "-q", target], check=True)
    with open(f"{target}/sites.yaml", "w") as f:
        f.write(inventory())
    rng = random.Random(20261129)
    runs = Runs(rng)
    importer = subprocess.Popen(["git", "-C", target, "fast-import", "--quiet"], stdin=subprocess.PIPE)
    out = importer.stdin
    for d in range(DAYS):
        day = FIRST + dt.timedelta(days=d)
        files = day_files(runs, rng, day, measures)
        when = int(dt.datetime(day.year, day.month, day.day, 23, 0, tzinfo=dt.timezone.utc).timestamp())
        message = f"journal: {day} ({len(files)} runs)".encode()
        out.write(b"commit refs/heads/tma-journal\n")
        out.write(f"mark :{d + 1}\n".encode())
        out.write(f"committer {ACTOR} {when} +0000\n".encode())
        out.write(b"data %d\n%s\n" % (len(message), message))
        if d > 0:
            out.write(f"from :{d}\n".encode())
        for path, content in files:
            out.write(f"M 100644 inline {path}\n".encode())
            out.write(b"data %d\n" % len(content))
            out.write(content)
            out.write(b"\n")
    out.close()
    if importer.wait() != 0:
        sys.exit("git fast-import failed")
    print(f"{target}: {runs.count} events over {DAYS} days, {SITES} sites, {CLIENTS} clients")


if __name__ == "__main__":
    main()
