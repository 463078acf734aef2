#!/usr/bin/env python3
"""Benchmark of `tma perf` against the same fetches done by curl under `xargs -P`.

Starts tests/lab/http_server.py on 127.0.0.1 (every answer after --latency seconds) serving N sites
`/site-NNN/`, each an HTML page that references 9 assets: a gzip stylesheet (38 KB decoded), a
script (24 KB), 6 images (20 KB each) and a font (20 KB). Then runs, in the same session:

  1. tma perf --all --jobs J --per-host J --format json (all sites share one server, so --per-host
     is raised to J; each page's assets 8 at once, 6 per host)
  2. the same with --parallel 1 (a page's assets one after the other, as curl does below)
  3. xargs -P J, one curl per site fetching the page and its 9 asset URLs (given, not parsed) over one
     connection, with --compressed

and prints wall time, CPU time of the local process tree (wait4), peak RSS of the root process and
of the tree (sampled every 50 ms), and checks that both fetched N x 10 responses.

Usage: bench/perf/bench.py --tma build/tma [--sites 200] [--jobs 32] [--latency 0.02]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LAB = os.path.join(HERE, "..", "..", "tests", "lab")
sys.path.insert(0, os.path.join(HERE, "..", "ping"))
from bench import measure  # noqa: E402  (bench/ping/bench.py: wall, CPU, peak RSS)

ASSETS = ["site.css", "app.js", "i1.jpg", "i2.jpg", "i3.jpg", "i4.jpg", "i5.jpg", "i6.jpg", "font.woff2"]


def page(i):
    base = "/site-%03d/" % i
    return ("<!doctype html><html><head><link rel=stylesheet href=\"%ssite.css\"><script src=\"%sapp.js\"></script>"
            "<link rel=preload as=font href=\"%sfont.woff2\"></head><body>" % (base, base, base) +
            "".join("<img src=\"%si%d.jpg\" width=10 height=10>" % (base, k) for k in range(1, 7)) +
            "<p>site %d</p></body></html>" % i)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tma", required=True)
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=32)
    parser.add_argument("--latency", type=float, default=0.02)
    args = parser.parse_args()
    tma = os.path.abspath(args.tma)
    tmp = tempfile.mkdtemp(prefix="tma-bench-perf-")
    server = None
    try:
        lat = args.latency
        routes = {}
        for i in range(args.sites):
            base = "/site-%03d/" % i
            routes[base] = {"delay": lat, "body": page(i), "headers": {"Content-Type": "text/html"}}
            routes[base + "site.css"] = {"delay": lat, "body": "body { color: #333; margin: 0 auto; }\n", "repeat": 1000,
                                         "gzip": True, "headers": {"Content-Type": "text/css",
                                                                   "Cache-Control": "max-age=86400"}}
            routes[base + "app.js"] = {"delay": lat, "body": "console.log('tma lab');\n", "repeat": 1000,
                                       "headers": {"Content-Type": "application/javascript"}}
        routes["*"] = {"delay": lat, "size": 20000, "headers": {"Content-Type": "image/jpeg",
                                                                  "Cache-Control": "max-age=86400"}}
        json.dump(routes, open(os.path.join(tmp, "routes.json"), "w"))
        log = open(os.path.join(tmp, "lab.log"), "a")
        python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"
        server = subprocess.Popen([python, os.path.join(LAB, "http_server.py"), "--routes",
                                   os.path.join(tmp, "routes.json"), "--port-file", os.path.join(tmp, "port"),
                                   "--requests", "/dev/null"], stdout=log, stderr=log, start_new_session=True)
        for _ in range(200):
            if os.path.exists(os.path.join(tmp, "port")):
                break
            time.sleep(0.05)
        port = int(open(os.path.join(tmp, "port")).read())
        root = "http://127.0.0.1:%d" % port

        lines = ["version: 1", "agency: {name: Bench}", "clients:",
                 "  bench: {name: Bench, contract: {model: on_demand, rate: 90}}",
                 "defaults:", "  backup: {storage: local}", "sites:"]
        for i in range(args.sites):
            lines += ["  site-%03d:" % i, "    client: bench", "    cms: static", "    environments:",
                      "      prod: {url: \"%s/site-%03d\"}" % (root, i)]
        inventory = os.path.join(tmp, "sites.yaml")
        open(inventory, "w").write("\n".join(lines) + "\n")
        env = dict(os.environ)
        for k in ("http_proxy", "https_proxy", "all_proxy", "HTTPS_PROXY", "ALL_PROXY"):
            env.pop(k, None)
        expected = args.sites * (1 + len(ASSETS))
        rows = []

        for parallel in (8, 1):
            out = open(os.path.join(tmp, "tma-%d.json" % parallel), "w+")
            wall, cpu, rss, tree, code, err = measure([tma, "-i", inventory, "perf", "--all", "--format", "json",
                                                       "--jobs", str(args.jobs), "--per-host", str(args.jobs),
                                                       "--parallel", str(parallel), "--fail-on", "never"],
                                                      stdout=out, env=env)
            out.seek(0)
            doc = json.load(out)
            got = sum(p["weight"]["requests"] for t in doc["targets"] for p in t["pages"])
            if got != expected or code != 0:
                print("warning: tma: %d/%d responses, exit %d %s" % (got, expected, code, err[-500:]), file=sys.stderr)
            rows.append(("`tma perf --jobs %d --per-host %d --parallel %d`" % (args.jobs, args.jobs, parallel), got, wall,
                         cpu, rss, tree))

        feed = os.path.join(tmp, "targets.txt")
        with open(feed, "w") as f:
            for i in range(args.sites):
                base = "%s/site-%03d/" % (root, i)
                f.write(" ".join("-o /dev/null %s" % u for u in [base] + [base + a for a in ASSETS]) + "\n")
        out = open(os.path.join(tmp, "xargs.txt"), "w+")
        wall, cpu, rss, tree, code, err = measure(
            ["xargs", "-P", str(args.jobs), "-L", "1", "curl", "-sS", "--compressed", "--max-time", "30",
             "-w", "%{http_code} %{size_download}\\n"], stdin=open(feed), stdout=out, env=env)
        out.seek(0)
        got = sum(1 for line in out if line.startswith("200 "))
        if got != expected or code != 0:
            print("warning: xargs: %d/%d responses, exit %d %s" % (got, expected, code, err[-500:]), file=sys.stderr)
        rows.append(("`xargs -P %d curl` (page + 9 assets per site, one connection)" % args.jobs, got, wall, cpu, rss, tree))

        print("load average: %s" % open("/proc/loadavg").read().split()[:3])
        print("| run | responses | wall (s) | CPU user+sys (s) | peak RSS, root (MiB) | peak RSS, tree (MiB) |")
        print("| --- | --- | --- | --- | --- | --- |")
        for label, got, wall, cpu, rss, tree in rows:
            print("| %s | %d/%d | %.2f | %.2f | %.1f | %.1f |" % (label, got, expected, wall, cpu, rss, tree))
    finally:
        if server:
            server.terminate()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
