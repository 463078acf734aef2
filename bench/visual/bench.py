#!/usr/bin/env python3
"""Benchmark of `tma visual` (issue 25): 10 sites x 8 pages x 2 widths, wall time and peak memory with
the browser cap at 1, 2 and 4, against the capture loop a user would write without tma.

Lab (all on 127.0.0.1, in a temp dir removed at the end; nothing outside it and the repo is written):

- --sites (10) sites, each served by its own tests/lab/http_server.py (route `*` with `root`: the
  files of the site's directory). A site is real HTML and CSS: a home page and --posts (12) posts,
  each a header, a navigation bar, an article of a dozen paragraphs with a list and a table, an aside
  and a footer (2,442 px tall at 1280 px, about 4,700 at 390), one stylesheet per site (its own colours), and a
  `sitemap.xml` listing the 12 posts. `wp-sitemap.xml` is absent (404), so tma reads `sitemap.xml`.
- The inventory gives each site `visual: {sample: 7}` and the default widths [1280, 390]: 8 pages per
  site, `/` and 7 of the 12 posts sampled from the sitemap, so 160 captures per run.

Contenders, for each browser cap N in --caps (1, 2, 4), --repeat (2) times, in this order each round:

  1. `tma visual snapshot --all --browsers N --format json` on an empty `visual/` directory.
  2. `tma visual compare --all --browsers N --format json` right after: 160 captures again, the
     comparison of every page with the snapshot of step 1 (pixels, text, the HTML reports with their
     copies of the PNGs). Every page must come back `same`.
  3. The alternative: `xargs -P N -n 3 sh shot.sh` fed one line per page and width (the same 160 URLs
     and widths, taken from tma's first snapshot): shot.sh starts one `chromium --headless
     --screenshot=FILE --window-size=W,800 URL` per capture with its own throwaway profile and the
     flags tma gives Chromium (src/visual/chromium.cpp, docs/visual.md "The command line"; `--no-sandbox`
     when run as root, as tma does). This is a capture-cost floor, not the same work: one browser
     start per capture, the first 800 px only (tma captures the full page), no phone emulation at 390
     px, no visible text, no wait for network idle, no comparison and no report.

Before the rounds one untimed `tma visual snapshot` (--browsers 2) lists the pages and warms the disk
cache (Chromium's 200+ MB of files); its snapshots are removed.

Every run is checked: tma's JSON must hold 10 sites `ok` with 16 pages each and no page error
(snapshot) or every page `same` (compare); xargs's run must leave 160 PNG files. A run that did not
is printed FAILED.

Measured per run: wall time; CPU user+sys of the waited tree (wait4: tma and its browsers, xargs and its
shells and browsers); peak RSS of the root process (tma or xargs) and the peak sum of RSS over the
whole process tree (bench/ping's sampler, /proc every 50 ms); and the peak sum of PSS over the tree
(/proc/PID/smaps_rollup, every 100 ms): the sum of RSS counts the pages Chromium's processes share
(its binary, the zygote's memory) once per process, PSS splits them, so the tree's PSS is the memory
the run actually holds. Also how busy the machine's CPUs were during the run (/proc/stat) and the
1-minute load average before and after (the machine may be shared).

Printed: a markdown table per run, then per case the median and the minimum over the repeats.

The binary is copied into the temp dir first (a rebuild during the run changes nothing).

Usage: bench/visual/bench.py --tma build/tma [--caps 1,2,4] [--repeat 2] [--sites 10] [--posts 12]
       BENCH_KEEP=1 keeps the temp dir.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
LAB = os.path.join(ROOT, "tests", "lab")
sys.path.insert(0, os.path.join(ROOT, "bench", "ping"))
from bench import free_port, measure, wait_port  # noqa: E402  (shared helpers of bench/ping)

PAGES_PER_SITE = 8  # `/` + visual.sample 7
WIDTHS = (1280, 390)
PALETTES = ["#1f3a5f", "#5f1f3a", "#2f5f1f", "#5f4a1f", "#1f5f5a", "#3a1f5f", "#5f1f1f", "#1f1f5f", "#4a4a4a",
            "#6b3f00"]

# The flags src/visual/chromium.cpp gives Chromium (docs/visual.md, "The command line"), minus the
# DevTools pipe, plus --screenshot; --no-sandbox is added by the script when run as root.
CHROMIUM_FLAGS = ("--headless --disable-gpu --no-first-run --no-default-browser-check --hide-scrollbars --mute-audio "
                  "--disable-extensions --disable-background-networking --disable-component-update --disable-sync "
                  "--disable-default-apps --metrics-recording-only --password-store=basic --disable-dev-shm-usage "
                  "--force-color-profile=srgb")

# One capture: $1 = URL, $2 = width, $3 = output PNG. Its own profile, removed after.
SHOT_SCRIPT = r"""#!/bin/sh
profile=$(mktemp -d %(tmp)s/xargs-profile-XXXXXX)
sandbox=
[ "$(id -u)" = 0 ] && sandbox=--no-sandbox
chromium %(flags)s $sandbox --user-data-dir="$profile" --window-size="$2",800 --screenshot="$3" "$1" >/dev/null 2>&1
status=$?
rm -rf "$profile"
exit $status
"""

STYLE = """body {{ margin: 0; font: 16px/1.6 "DejaVu Sans", sans-serif; color: #222; background: #fafafa; }}
header {{ background: {colour}; color: #fff; padding: 16px 32px; }}
header strong {{ font-size: 24px; }}
nav {{ background: #eee; padding: 8px 32px; }}
nav a {{ margin-right: 16px; color: {colour}; }}
.wrap {{ display: flex; gap: 32px; max-width: 1100px; margin: 24px auto; padding: 0 16px; }}
main {{ flex: 3; }}
aside {{ flex: 1; background: #fff; border: 1px solid #ddd; padding: 12px; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: 4px 8px; }}
footer {{ background: #333; color: #ddd; padding: 24px 32px; }}
@media (max-width: 600px) {{ .wrap {{ flex-direction: column; }} }}
"""

WORDS = ("bakery opens seven morning closes last loaf sourdough sold bake rye spelt wheat breads flour mill "
         "river pastries sundays orders weddings birthdays counter telephone week ahead garden harbour market "
         "lantern orchard meadow").split()


def paragraph(seed, words=60):
    return " ".join(WORDS[(seed * 7 + i * 3) % len(WORDS)] for i in range(words)).capitalize() + "."


def page_html(site, title, seed):
    paragraphs = "".join("<p>%s</p>" % paragraph(seed + i) for i in range(12))
    items = "".join("<li>%s</li>" % paragraph(seed + i, 6) for i in range(5))
    rows = "".join("<tr><td>%d</td><td>%s</td><td>%d.%02d</td></tr>" % (i, WORDS[(seed + i) % len(WORDS)], i + 2, seed % 100)
                   for i in range(6))
    return ("<!DOCTYPE html><html><head><meta charset=utf-8><title>%(title)s - %(site)s</title>"
            "<meta name=viewport content='width=device-width, initial-scale=1'>"
            "<link rel=stylesheet href=/style.css></head><body>"
            "<header><strong>%(site)s</strong></header>"
            "<nav><a href=/>Home</a><a href=/post-01/>News</a><a href=/post-02/>Menu</a><a href=/post-03/>Contact</a></nav>"
            "<div class=wrap><main><article><h1>%(title)s</h1>%(paragraphs)s<ul>%(items)s</ul>"
            "<table><tr><th>#</th><th>Item</th><th>Price</th></tr>%(rows)s</table></article></main>"
            "<aside><h2>Opening hours</h2><p>Monday to Saturday, 7:00 to 19:00.</p><p>%(aside)s</p></aside></div>"
            "<footer>%(site)s, 1 Mill Lane. All rights reserved.</footer></body></html>"
            % {"title": title, "site": site, "paragraphs": paragraphs, "items": items, "rows": rows,
               "aside": paragraph(seed, 20)})


def make_site(root, name, index, posts):
    os.makedirs(root)
    with open(os.path.join(root, "style.css"), "w") as f:
        f.write(STYLE.format(colour=PALETTES[index % len(PALETTES)]))
    with open(os.path.join(root, "index.html"), "w") as f:
        f.write(page_html(name, "Welcome", index * 31))
    paths = []
    for p in range(1, posts + 1):
        path = "/post-%02d/" % p
        os.makedirs(os.path.join(root, path.strip("/")))
        with open(os.path.join(root, path.strip("/"), "index.html"), "w") as f:
            f.write(page_html(name, "Post %d" % p, index * 31 + p))
        paths.append(path)
    return paths


def write_sitemap(root, base, paths):
    with open(os.path.join(root, "sitemap.xml"), "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                + "".join("<url><loc>%s%s</loc></url>" % (base, p) for p in paths) + "</urlset>")


def pss_kib(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(root):
    parent = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/stat" % name) as f:
                    stat = f.read()
                parent[int(name)] = int(stat[stat.rfind(")") + 2:].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    children = {}
    for child, ppid in parent.items():
        children.setdefault(ppid, []).append(child)
    tree, frontier = {root}, [root]
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in tree:
                tree.add(child)
                frontier.append(child)
    return tree


def cpu_ticks():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


def measure_with_pss(argv, servers, **kw):
    """bench/ping's measure (wall, CPU, peak RSS root and tree), plus the tree's peak PSS sampled every
    100 ms beside it: measure() runs the command as a child of this process, so the tree is this
    process's descendants but the lab's servers (`servers`: their pids; they answer with threads)."""
    peak = {"pss": 0, "procs": 0}
    done = threading.Event()
    me = os.getpid()

    def sample():
        while not done.is_set():
            tree = descendants(me) - {me} - servers
            peak["procs"] = max(peak["procs"], len(tree))
            peak["pss"] = max(peak["pss"], sum(pss_kib(p) for p in tree))
            done.wait(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        result = measure(argv, **kw)
    except BaseException:
        # Interrupted: the run's processes (tma or xargs, the shells, the browsers) go with it.
        for pid in descendants(me) - {me} - servers:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        raise
    finally:
        done.set()
        sampler.join()
    return result + (peak["pss"] / 1024.0, peak["procs"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tma", required=True)
    parser.add_argument("--caps", default="1,2,4", help="browser caps N, comma-separated")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--sites", type=int, default=10)
    parser.add_argument("--posts", type=int, default=12, help="posts per site in its sitemap (7 are sampled)")
    parser.add_argument("--no-xargs", action="store_true", help="tma only")
    args = parser.parse_args()
    caps = [int(c) for c in args.caps.split(",") if c]
    if not shutil.which("chromium"):
        sys.exit("chromium not found: apt-get install -y chromium (scripts/setup does)")
    tmp = tempfile.mkdtemp(prefix="tma-bench-visual-")
    # A copy of the binary: rebuilding the tree during the run (it lasts most of an hour) does not change
    # what is measured. SIGTERM cleans up like Ctrl-C (servers stopped, temp dir removed).
    tma = os.path.join(tmp, "tma")
    shutil.copy2(os.path.abspath(args.tma), tma)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    procs = []
    interrupted = False
    try:
        names = ["site-%02d" % i for i in range(args.sites)]
        env = dict(os.environ)
        for k in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "TMA_INVENTORY"):
            env.pop(k, None)
        env["XDG_CACHE_HOME"] = os.path.join(tmp, "cache")
        env["TMPDIR"] = tmp  # Chromium's profiles (tma's and the alternative's) in the temp dir
        log = open(os.path.join(tmp, "lab.log"), "a")
        bases = {}
        for i, name in enumerate(names):
            root = os.path.join(tmp, "sites", name)
            paths = make_site(root, name, i, args.posts)
            routes = os.path.join(tmp, "routes-%s.json" % name)
            with open(routes, "w") as f:
                json.dump({"*": {"root": root}}, f)
            port = free_port()
            procs.append(subprocess.Popen(
                ["/usr/bin/python3", os.path.join(LAB, "http_server.py"), "--routes", routes, "--port", str(port),
                 "--port-file", os.path.join(tmp, "port-%s" % name), "--requests", os.devnull],
                stdout=log, stderr=log, start_new_session=True))
            if not wait_port(port):
                sys.exit("the lab HTTP server did not start: " + open(os.path.join(tmp, "lab.log")).read())
            bases[name] = "http://127.0.0.1:%d" % port
            write_sitemap(root, bases[name], paths)

        agency = os.path.join(tmp, "agency")
        os.makedirs(agency)
        inventory = os.path.join(agency, "sites.yaml")
        lines = ["version: 1", "agency: {name: Bench}", "clients:",
                 "  bench: {name: Bench, contract: {model: on_demand, rate: 90}}", "sites:"]
        for name in names:
            lines += ["  %s:" % name, "    client: bench", "    cms: static",
                      "    environments:", "      prod: {url: \"%s\"}" % bases[name],
                      "    visual: {sample: %d}" % (PAGES_PER_SITE - 1)]
        with open(inventory, "w") as f:
            f.write("\n".join(lines) + "\n")
        captures = args.sites * PAGES_PER_SITE * len(WIDTHS)

        def tma_argv(command, cap):
            return [tma, "-i", inventory, "--quiet", "visual", command, "--all", "--browsers", str(cap), "--format", "json"]

        # Untimed: the pages tma samples (the alternative captures the same URLs) and a warm disk cache.
        pilot = subprocess.run(tma_argv("snapshot", 2), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            doc = json.loads(pilot.stdout)
            targets = [(p["url"], p["width"]) for s in doc["sites"] for p in s["pages"]]
        except (ValueError, KeyError):
            sys.exit("the pilot snapshot failed (exit %d): %s" % (pilot.returncode, pilot.stderr.decode()[-2000:]))
        if len(targets) != captures:
            sys.exit("the pilot snapshot has %d captures, not %d: %s" % (len(targets), captures, pilot.stderr.decode()[-2000:]))
        shutil.rmtree(os.path.join(agency, "visual"))
        shot = os.path.join(tmp, "shot.sh")
        with open(shot, "w") as f:
            f.write(SHOT_SCRIPT % {"tmp": tmp, "flags": CHROMIUM_FLAGS})
        os.chmod(shot, 0o755)

        results = []  # (case, cap, round, ok, wall, cpu, rss root, rss tree, pss tree, procs, busy, load before, after)

        def timed(case, cap, rnd, argv, check, **kw):
            load_before = os.getloadavg()
            busy0, total0 = cpu_ticks()
            wall, cpu, rss, tree, code, err, pss, nprocs = measure_with_pss(argv, {p.pid for p in procs}, env=env, **kw)
            busy1, total1 = cpu_ticks()
            load_after = os.getloadavg()
            ok = check()
            busy = 100.0 * (busy1 - busy0) / max(1, total1 - total0)
            if not ok:
                print("warning: %s N=%d: FAILED, exit %d: %s" % (case, cap, code, err[-1500:]), file=sys.stderr)
            results.append((case, cap, rnd, ok, wall, cpu, rss, tree, pss, nprocs, busy, load_before[0], load_after[0]))
            print("  %s N=%d round %d: %s, %.1f s, CPU %.1f s, busy %.0f %%, root RSS %.1f MiB, tree RSS %.0f MiB, "
                  "PSS %.0f MiB, %d processes, load %.1f -> %.1f"
                  % (case, cap, rnd, "ok" if ok else "FAILED", wall, cpu, busy, rss, tree, pss, nprocs, load_before[0],
                     load_after[0]), file=sys.stderr)

        def tma_check(out_path, compare):
            def check():
                try:
                    doc = json.load(open(out_path))
                    sites = doc["sites"]
                except (OSError, ValueError, KeyError):
                    return False
                if len(sites) != args.sites:
                    return False
                for s in sites:
                    if s["status"] != "ok" or len(s["pages"]) != PAGES_PER_SITE * len(WIDTHS):
                        return False
                    for p in s["pages"]:
                        if p["error"] is not None or (compare and p["verdict"] != "same"):
                            return False
                return True
            return check

        try:
            for rnd in range(1, args.repeat + 1):
                for cap in caps:
                    shutil.rmtree(os.path.join(agency, "visual"), ignore_errors=True)
                    for command in ("snapshot", "compare"):
                        out_path = os.path.join(tmp, "tma-%s-%d-%d.json" % (command, cap, rnd))
                        with open(out_path, "w") as out:
                            timed("tma " + command, cap, rnd, tma_argv(command, cap), tma_check(out_path, command == "compare"),
                                  stdout=out)
                    if args.no_xargs:
                        continue
                    shots = os.path.join(tmp, "shots-%d-%d" % (cap, rnd))
                    os.makedirs(shots)
                    feed = os.path.join(tmp, "feed-%d-%d.txt" % (cap, rnd))
                    with open(feed, "w") as f:
                        for i, (url, width) in enumerate(targets):
                            f.write("%s %d %s/%03d-%d.png\n" % (url, width, shots, i, width))

                    def xargs_check(shots=shots):
                        files = os.listdir(shots)
                        return len(files) == captures and all(os.path.getsize(os.path.join(shots, n)) > 0 for n in files)
                    with open(feed) as stdin:
                        timed("xargs", cap, rnd, ["xargs", "-P", str(cap), "-n", "3", "sh", shot], xargs_check,
                              stdin=stdin, stdout=subprocess.DEVNULL)
                    shutil.rmtree(shots)

        except KeyboardInterrupt:
            # Ctrl-C or SIGTERM: the runs done so far are still printed.
            interrupted = True
            print("interrupted after %d runs" % len(results))
        print("%d sites x %d pages x %d widths = %d captures per run; %d CPUs; Chromium: %s"
              % (args.sites, PAGES_PER_SITE, len(WIDTHS), captures, os.cpu_count(),
                 subprocess.run(["chromium", "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True).stdout.strip()))
        labels = {"tma snapshot": "`tma visual snapshot --all --browsers N`",
                  "tma compare": "`tma visual compare --all --browsers N` (captures + comparison + reports)",
                  "xargs": "`xargs -P N` one `chromium --headless --screenshot` per capture (no comparison)"}
        print()
        print("Every run:")
        print()
        print("| run | N | round | ok | wall (s) | per capture (ms) | CPU user+sys (s) | CPUs busy | peak RSS root (MiB) "
              "| peak RSS sum, tree (MiB) | peak PSS, tree (MiB) | processes (peak) | load before → after |")
        print("| --- " * 13 + "|")
        for case, cap, rnd, ok, wall, cpu, rss, tree, pss, nprocs, busy, lb, la in results:
            print("| %s | %d | %d | %s | %.1f | %.0f | %.1f | %.0f %% | %.1f | %.0f | %.0f | %d | %.1f → %.1f |"
                  % (labels[case], cap, rnd, "ok" if ok else "FAILED", wall, wall * 1000 / captures, cpu, busy, rss,
                     tree, pss, nprocs, lb, la))
        print()
        print("Median (min) over the rounds:")
        print()
        print("| run | N | wall (s) | per capture (ms) | CPU user+sys (s) | peak RSS root (MiB) | peak RSS sum, tree (MiB) "
              "| peak PSS, tree (MiB) |")
        print("| --- " * 8 + "|")
        for case in labels:
            for cap in caps:
                rows = [r for r in results if r[0] == case and r[1] == cap]
                if not rows:
                    continue
                failed = "" if all(r[3] for r in rows) else " (FAILED runs included)"

                def fig(index, fmt):
                    values = [r[index] for r in rows]
                    return (fmt + " (" + fmt + ")") % (statistics.median(values), min(values))
                print("| %s%s | %d | %s | %s | %s | %s | %s | %s |"
                      % (labels[case], failed, cap, fig(4, "%.1f"), "%.0f" % (statistics.median(r[4] for r in rows) * 1000 / captures),
                         fig(5, "%.1f"), fig(6, "%.1f"), fig(7, "%.0f"), fig(8, "%.0f")))
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, 15)
                p.wait(timeout=10)
            except Exception:
                pass
        if os.environ.get("BENCH_KEEP"):
            print("kept " + tmp, file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if interrupted:
        # bench/ping's sampler thread of the interrupted run never stops: leave without joining it.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)


if __name__ == "__main__":
    main()
