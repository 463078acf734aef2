#!/usr/bin/env python3
"""Benchmark: `tma health` of a portfolio where one server has stopped answering, against
`xargs -P J curl` of the same URLs (docs/performance.md, "Health: a silent server").

All on 127.0.0.1, in a temp dir removed at the end:

- a *silent* server: a TCP listener that accepts every connection, reads the request and never
  answers (what a SIGSTOPped or hung web server does; the kernel completes the handshakes), hosting
  --silent sites;
- an *answering* server (Python's http.server, 200 for every path) hosting --answering sites;
- an inventory of both, every environment `prod` only, `defaults.http.timeout` = --timeout.

Contenders, one after the other:
  1. `tma health --all --jobs J --per-host J --format json`;
  2. `xargs -P J -n 1 curl -s -o /dev/null -m TIMEOUT -w '%{http_code} %{url_effective}\\n'`, the same
     URLs in the inventory's order (the shell one-liner an agency would write).
Each run is checked to have a verdict for every URL (tma: one result per target, the silent ones
unreachable; curl: one line per URL, 000 for the silent ones). Printed: wall time, CPU (user+sys of
the process tree, from getrusage of the reaped children), the number of answers, and the floor `timeout x ceil(silent / J)`
that waiting J at a time costs.
"""
import argparse
import http.server
import json
import math
import os
import resource
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time


class SilentServer:
    """Accepts and reads, never answers; closes a connection when the client does."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1024)
        self.port = self.listener.getsockname()[1]
        self.stop = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        conns = []
        while not self.stop:
            readable, _, _ = select.select([self.listener] + conns, [], [], 0.05)
            for s in readable:
                if s is self.listener:
                    c, _ = self.listener.accept()
                    conns.append(c)
                    continue
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    s.close()
                    conns.remove(s)
        for c in conns:
            c.close()

    def close(self):
        self.stop = True
        self.thread.join()
        self.listener.close()


class Quiet(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = b"<html><body>ok</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def timed(argv, stdin=None, cwd=None):
    """(wall s, rusage of all reaped children so far, stdout) of one command."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=cwd)
    out, _ = proc.communicate(stdin.encode() if stdin is not None else None)
    wall = time.monotonic() - start
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, ru, out.decode(errors="replace")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tma", required=True)
    p.add_argument("--silent", type=int, default=100, help="sites on the server that stopped answering")
    p.add_argument("--answering", type=int, default=100, help="sites on the server that answers")
    p.add_argument("--jobs", type=int, default=8)
    p.add_argument("--timeout", type=int, default=5, help="seconds (tma's defaults.http.timeout, curl -m)")
    a = p.parse_args()
    tma = os.path.abspath(a.tma)
    tmp = tempfile.mkdtemp(prefix="tma-bench-health-")
    silent = SilentServer()
    answering = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=answering.serve_forever, daemon=True).start()
    try:
        urls = []
        sites = []
        for i in range(a.silent + a.answering):
            port = silent.port if i < a.silent else answering.server_address[1]
            url = "http://127.0.0.1:%d/s%04d/" % (port, i)
            urls.append(url)
            sites.append("  s%04d:\n    client: c\n    cms: static\n    environments:\n"
                         "      prod: {url: \"%s\", transport: local, path: \"%s\"}\n" % (i, url, tmp))
        inventory = os.path.join(tmp, "sites.yaml")
        with open(inventory, "w") as f:
            f.write("defaults:\n  http: {timeout: %ds}\nclients:\n  c: {contract: {model: on_demand, rate: 90}}\n"
                    "sites:\n%s" % (a.timeout, "".join(sites)))
        env_note = "N = %d silent + %d answering, --jobs %d, time-out %d s" % (a.silent, a.answering, a.jobs,
                                                                            a.timeout)
        floor = a.timeout * math.ceil(a.silent / a.jobs)
        print("# %s; waiting %d at a time on the silent server costs at least %d s" % (env_note, a.jobs, floor))
        print("| contender | wall (s) | CPU (s) | answered | unreachable |")
        print("| --- | --- | --- | --- | --- |")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)

        def cpu_since(prev, now):
            return (now.ru_utime - prev.ru_utime) + (now.ru_stime - prev.ru_stime)

        wall, ru, out = timed([tma, "-i", inventory, "health", "--all", "--jobs", str(a.jobs), "--per-host",
                               str(a.jobs), "--format", "json"])
        results = json.loads(out)["results"]
        down = sum(1 for r in results if r["unreachable"])
        ok = sum(1 for r in results if r["status"] == 200)
        if len(results) != len(urls) or down != a.silent or ok != a.answering:
            print("WARNING: tma: %d results, %d unreachable, %d 200" % (len(results), down, ok))
        print("| `tma health --all --jobs %d --per-host %d` | %.1f | %.2f | %d | %d |"
              % (a.jobs, a.jobs, wall, cpu_since(before, ru), ok, down))
        before = ru

        wall, ru, out = timed(["xargs", "-P", str(a.jobs), "-n", "1", "curl", "-s", "-o", "/dev/null", "-m",
                               str(a.timeout), "-w", "%{http_code} %{url_effective}\\n"], stdin="\n".join(urls) + "\n")
        lines = [line.split() for line in out.splitlines() if line.strip()]
        down = sum(1 for line in lines if line[0] == "000")
        ok = sum(1 for line in lines if line[0] == "200")
        if len(lines) != len(urls) or down != a.silent or ok != a.answering:
            print("WARNING: xargs: %d lines, %d 000, %d 200" % (len(lines), down, ok))
        print("| `xargs -P %d curl -m %d` | %.1f | %.2f | %d | %d |"
              % (a.jobs, a.timeout, wall, cpu_since(before, ru), ok, down))
    finally:
        answering.shutdown()
        silent.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
