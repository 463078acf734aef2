#!/usr/bin/env python3
"""Synthetic job history for the due-decision benchmark: a git fast-import stream on stdout.

What `tma run --due` records for SITES sites over DAYS days up to END_HOUR (exclusive): each hour a
runner's run file with a `job.claimed` and a `job.finished` per site's hourly health check; at 02:30
the nightly backups of prod and preprod; Tuesdays at 22:00 the weekly updates; on the 1st at 08:00
the monthly reports of 5 clients. The layout and line format tma writes (journal/YYYY/MM/DD/
<utc time>-<run id>.jsonl, compact JSON, keys sorted), one commit per run.

usage: generate.py END_HOUR DAYS SITES [--only-last]   (END_HOUR: YYYY-MM-DDTHH, UTC)
  --only-last: only the last hour's run, on top of the ref (an incremental step)
"""
import datetime as dt
import json
import random
import sys

END = dt.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H")
DAYS = int(sys.argv[2])
SITES = int(sys.argv[3])
ONLY_LAST = "--only-last" in sys.argv
ACTOR = "Runner A <a@agency.example>"
rng = random.Random(DAYS * 1000 + SITES)
out = sys.stdout.buffer
mark = 0


def stamp(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def emit_run(started, jobs):
    """jobs: list of (job key, kind, site, client, schedule text, slot)."""
    global mark
    run = "%011x%05x" % (int(started.replace(tzinfo=dt.timezone.utc).timestamp() * 1000), rng.getrandbits(20))
    lines = []

    def add(type_, site, client, data):
        lines.append(json.dumps({"actor": ACTOR, "at": stamp(started), "client": client, "data": data,
                                 "env": None, "id": "%s-%d" % (run, len(lines) + 1), "run": run,
                                 "site": site, "type": type_}, sort_keys=True, separators=(",", ":")))
        return "%s-%d" % (run, len(lines))

    add("run.started", None, None, {"command": "run --due"})
    claims = []
    for key, kind, site, client, schedule, slot in jobs:
        data = {"job": key, "kind": kind, "missed": 0, "schedule": schedule, "slot": stamp(slot)}
        claims.append((add("job.claimed", site, client, data), data, site, client))
    for claim, data, site, client in claims:
        add("job.finished", site, client, dict(data, claim=claim, exit_code=0))
    add("run.finished", None, None, {"command": "run --due", "duration_s": 0, "exit_code": 0})
    body = ("\n".join(lines) + "\n").encode()
    path = started.strftime("journal/%Y/%m/%d/%Y%m%dT%H%M%SZ-" + run + ".jsonl")
    message = ("journal: run %s (%d events)\n" % (run, len(lines))).encode()
    mark += 1
    out.write(b"commit refs/heads/tma-journal\n")
    out.write(("mark :%d\ncommitter tma <tma@agency.example> %d +0000\n"
               % (mark, int(started.replace(tzinfo=dt.timezone.utc).timestamp()))).encode())
    out.write(b"data %d\n" % len(message) + message)
    if mark > 1:
        out.write(b"from :%d\n" % (mark - 1))
    elif ONLY_LAST:
        out.write(b"from refs/heads/tma-journal^0\n")
    out.write(b"M 100644 inline " + path.encode() + b"\ndata %d\n" % len(body) + body + b"\n")


def site(i):
    return "site-%03d" % i, "client-%d" % (i % 5)


hour = END - dt.timedelta(hours=1) if ONLY_LAST else END - dt.timedelta(days=DAYS)
while hour < END:
    jobs = [("health:%s" % s, "health", s, c, "every 1h", hour) for s, c in map(site, range(SITES))]
    emit_run(hour, jobs)
    if hour.hour == 2:
        slot = hour + dt.timedelta(minutes=30)
        emit_run(slot, [("backup:%s:%s" % (s, env), "backup", s, c, "daily 02:30", slot)
                        for s, c in map(site, range(SITES)) for env in ("prod", "preprod")])
    if hour.weekday() == 1 and hour.hour == 22:
        emit_run(hour + dt.timedelta(minutes=1), [("update:%s" % s, "update", s, c, "weekly tue 22:00", hour)
                                                  for s, c in map(site, range(SITES))])
    if hour.day == 1 and hour.hour == 8:
        emit_run(hour, [("report:client-%d" % c, "report", None, "client-%d" % c, "monthly 1 08:00", hour)
                        for c in range(5)])
    hour += dt.timedelta(hours=1)
