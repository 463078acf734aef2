#!/usr/bin/env python3
"""Synthetic tma journal for the benchmark: a git fast-import stream on stdout.

12 months x 500 sites by default, the layout and line format tma writes
(journal/YYYY/MM/DD/<utc time>-<run id>.jsonl, one compact JSON object per line, keys sorted),
one commit per run dated at the run's start. Per UTC day: a backup run (backup.started and
backup.finished per site), a check run, three health runs, ten `hours log` runs, and on Mondays an
update run: about 3,100 events a day, 1.1 million a year.

usage: generate.py END_DATE [MONTHS] [SITES]      (END_DATE: YYYY-MM-DD, exclusive)
"""
import datetime as dt
import json
import random
import sys

END = dt.date.fromisoformat(sys.argv[1])
MONTHS = int(sys.argv[2]) if len(sys.argv) > 2 else 12
SITES = int(sys.argv[3]) if len(sys.argv) > 3 else 500
START = END - dt.timedelta(days=round(MONTHS * 365 / 12))
ACTOR = "cron on tma-runner <ops@agency.example>"
rng = random.Random(42)
out = sys.stdout.buffer
mark = 0
total_events = 0


def sites():
    for i in range(SITES):
        yield f"site-{i:03}", f"client-{i % 100:02}"


def line(run, seq, at, type_, site, client, data):
    return json.dumps({"actor": ACTOR, "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "client": client,
                       "data": data, "env": "prod" if site else None, "id": f"{run}-{seq}", "run": run,
                       "site": site, "type": type_}, sort_keys=True, separators=(",", ":"))


def emit_run(started, command, events):
    """events: list of (seconds after start, type, site, client, data)."""
    global mark, total_events
    run = f"{rng.getrandbits(64):016x}"
    lines = [line(run, 1, started, "run.started", None, None, {"command": command})]
    last = 0
    for n, (offset, type_, site, client, data) in enumerate(events, start=2):
        lines.append(line(run, n, started + dt.timedelta(seconds=offset), type_, site, client, data))
        last = offset
    lines.append(line(run, len(lines) + 1, started + dt.timedelta(seconds=last + 1), "run.finished", None, None,
                      {"command": command, "duration_s": last + 1, "exit_code": 0}))
    total_events += len(lines)
    body = ("\n".join(lines) + "\n").encode()
    path = started.strftime(f"journal/%Y/%m/%d/%Y%m%dT%H%M%SZ-{run}.jsonl")
    message = f"journal: run {run} ({len(lines)} events)\n".encode()
    mark += 1
    stamp = int(started.replace(tzinfo=dt.timezone.utc).timestamp())
    out.write(b"commit refs/heads/tma-journal\n")
    out.write(f"mark :{mark}\ncommitter tma <tma@agency.example> {stamp} +0000\n".encode())
    out.write(f"data {len(message)}\n".encode() + message)
    if mark > 1:
        out.write(f"from :{mark - 1}\n".encode())
    out.write(f"M 100644 inline {path}\ndata {len(body)}\n".encode() + body + b"\n")


day = START
while day < END:
    base = dt.datetime.combine(day, dt.time())
    backup = []
    for i, (site, client) in enumerate(sites()):
        backup.append((2 * i, "backup.started", site, client, {"method": "ssh", "storage": ["local"]}))
        backup.append((2 * i + 1, "backup.finished", site, client,
                       {"bytes": rng.randrange(10**6, 10**9), "duration_s": rng.randrange(5, 600),
                        "artifacts": ["files.tar.gz", "db.sql.gz"], "verified": True}))
    emit_run(base + dt.timedelta(hours=2, minutes=30), "backup", backup)
    emit_run(base + dt.timedelta(hours=6), "check",
             [(i, "check.finished", s, c, {"core": "6.4.3", "updates": rng.randrange(0, 9),
                                           "security": rng.randrange(0, 2)}) for i, (s, c) in enumerate(sites())])
    for hour in (8, 14, 20):
        emit_run(base + dt.timedelta(hours=hour), "health",
                 [(i // 10, "health.checked", s, c, {"status": 200, "ms": rng.randrange(40, 900), "tls_days": 61})
                  for i, (s, c) in enumerate(sites())])
    if day.weekday() == 0:
        emit_run(base + dt.timedelta(hours=9), "update",
                 [(3 * i, "update.finished", s, c, {"components": rng.randrange(1, 6), "rolled_back": False})
                  for i, (s, c) in enumerate(sites())])
    for k in range(10):
        site, client = f"site-{rng.randrange(SITES):03}", None
        client = f"client-{int(site[5:]) % 100:02}"
        emit_run(base + dt.timedelta(hours=9 + k % 9, minutes=rng.randrange(60)), "hours log",
                 [(0, "hours.logged", site, client, {"minutes": rng.choice([15, 30, 45, 90]), "category": "support",
                                                      "billable": True, "note": "client request"})])
    day += dt.timedelta(days=1)

sys.stderr.write(f"generated {total_events} events in {mark} runs, {START} to {END}\n")
