#!/usr/bin/env python3
"""HTTP(S) server of the tma test lab (docs/lab.md).

Serves on 127.0.0.1, port 0 (the port it got is written to --port-file), with behaviour configured
per path by a JSON file of routes:

  {"/": {"status": 200, "body": "ok"},
   "/slow": {"delay": 0.05},
   "/flaky": {"fail_times": 2, "fail_status": 503, "retry_after": 1},
   "/big": {"size": 10485760},
   "/moved": {"status": 302, "headers": {"Location": "/"}},
   "/echo": {"echo": true},
   "*": {...}}                                         # any other path

Keys: status (200), body (""), delay (seconds before answering), headers ({}), fail_times and
fail_status (answer fail_status the first fail_times requests, with Retry-After when retry_after is
set), size (stream that many bytes of 'x'; with drip, drip bytes every 0.1 s), repeat (the body that many times), gzip (compress the
body with gzip, Content-Encoding: gzip, when the request's Accept-Encoding allows it), echo (answer the request as JSON), wp_root (answer like
the lab WordPress site in that directory, see wp_answer), drupal_root (answer like the lab Drupal
project in that directory, see drupal_answer), root (serve the files of that directory as they
are at each request: `index.html` for a path ending in `/`, 404 when missing). Every request is appended to --requests as
one JSON line {method, path, headers, body}.
"""
import argparse
import gzip
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
COUNTS = {}

CRITICAL = ("<!DOCTYPE html><html><head><title>WordPress &rsaquo; Error</title></head><body id=\"error-page\">"
            "<div class=\"wp-die-message\"><p>There has been a critical error on this website.</p></div></body></html>")
MAINTENANCE = ("<!DOCTYPE html><html><head><title>Maintenance</title></head><body>"
               "<h1>Briefly unavailable for scheduled maintenance. Check back in a minute.</h1></body></html>")


# Drupal 10's own pages: the maintenance page (503, "Site under maintenance") and the error page of an
# uncaught exception (500), as core's MaintenanceModeSubscriber and FinalExceptionSubscriber send them.
DRUPAL_MAINTENANCE = ("<!DOCTYPE html><html lang=\"en\"><head><title>Site under maintenance | Lab Drupal</title></head>"
                      "<body class=\"maintenance-page\"><main><h1>Site under maintenance</h1><div>Lab Drupal is "
                      "currently under maintenance. We should be back shortly. Thank you for your patience.</div>"
                      "</main></body></html>")
DRUPAL_ERROR = "The website encountered an unexpected error. Try again later."
DRUPAL_PAGE = ("<!DOCTYPE html><html lang=\"en\"><head><meta name=\"Generator\" content=\"Drupal 10 "
               "(https://www.drupal.org)\"><title>Welcome | Lab Drupal</title></head><body><main><h1>Lab Drupal</h1>"
               "</main></body></html>")


TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css", ".xml": "application/xml",
         ".png": "image/png", ".js": "text/javascript", ".txt": "text/plain; charset=utf-8"}


def file_answer(root, path):
    """(status, body, content type) of `path` under the directory `root`, read now (tests change the
    files between requests); `..` and absolute tricks are refused."""
    relative = path.lstrip("/")
    if path.endswith("/"):
        relative += "index.html"
    full = os.path.realpath(os.path.join(root, relative))
    if not full.startswith(os.path.realpath(root) + os.sep) or not os.path.isfile(full):
        return 404, b"<html><body>Not found</body></html>", "text/html; charset=utf-8"
    with open(full, "rb") as f:
        return 200, f.read(), TYPES.get(os.path.splitext(full)[1], "application/octet-stream")


def break_rules(path):
    """The lines of a site's .tma-lab/breaks (`key=version[:flag]`), comments and blanks left out."""
    try:
        with open(path, encoding="utf-8") as f:
            return [line.strip() for line in f if line.strip() and not line.startswith("#")]
    except FileNotFoundError:
        return []


def wp_answer(root):
    """(status, body) of the home page of the lab WordPress site in `root`: 503 while .maintenance is
    active; 500 (WordPress' critical error page) when an installed version is listed in
    .tma-lab/breaks ("plugin:akismet=5.1", "theme:x=2.0", "core=6.5"; a ":sticky" suffix also writes
    .tma-lab/damaged, as a plugin whose upgrade routine broke the database: the site stays down after
    a downgrade until the files are restored); 500 while .tma-lab/damaged exists; else 200."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "lib"))
    import labcommon as lab
    import wpsite
    damaged = lab.lab_file(root, "damaged")
    if os.path.exists(damaged):
        return 500, CRITICAL
    site = wpsite.Site(root, lab.Misbehave(None, ""))
    if site.maintenance_active():
        return 503, MAINTENANCE
    installed = {"core": site.core_version()}
    for row in site.plugins():
        installed["plugin:" + row["name"]] = row["version"]
    for row in site.themes():
        installed["theme:" + row["name"]] = row["version"]
    for rule in break_rules(lab.lab_file(root, "breaks")):
        key, _, rest = rule.partition("=")
        version, _, flag = rest.partition(":")
        if installed.get(key) == version:
            if flag == "sticky":
                with open(damaged, "w", encoding="utf-8") as f:
                    f.write(rule + "\n")
            return 500, CRITICAL
    styles = version_styles(lab.lab_file(root, "styles"), installed)
    if styles is not None:
        return 200, STYLED_PAGE.replace("/*STYLES*/", styles)
    return 200, "<!DOCTYPE html><html><head><title>Lab Site</title></head><body><p>Lab Site</p></body></html>"


def drupal_answer(root):
    """(status, body) of the home page of the lab Drupal project in `root`, read at each request from
    what the lab `drush` and `composer` keep: 503 (Drupal's maintenance page) while the drush state
    says maintenance_mode; 500 (Drupal's error page) when an installed version is listed in
    .tma-lab/breaks ("package:drupal/token=1.16.0" from composer.lock, "core=10.3.3" from
    web/core/lib/Drupal.php); else 200."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "lib"))
    import drupalsite
    import labcommon as lab
    project = drupalsite.Project(root, lab.Misbehave(None, ""))
    if int(project.state.get("maintenance_mode", 0) or 0):
        return 503, DRUPAL_MAINTENANCE
    installed = {"core": project.drupal_version()}
    for row in project.packages():
        installed["package:" + row["name"]] = row["version"]
    for rule in break_rules(lab.lab_file(root, "breaks")):
        key, _, version = rule.partition("=")
        if installed.get(key) == version:
            return 500, DRUPAL_ERROR
    return 200, DRUPAL_PAGE


# The lab site's page when .tma-lab/styles exists (visual comparison in tma update): a header, the
# main content and a sidebar, plus the CSS rules of the installed versions the styles file lists.
STYLED_PAGE = """<!DOCTYPE html><html><head><title>Lab Site</title><style>
body{margin:0;min-height:600px;font:16px/1.5 sans-serif;background:#fff;color:#222}
header{position:relative;background:#1d3557;color:#fff;padding:16px 24px;height:64px}
.wrap{display:flex;padding:24px}
main{flex:3;padding-right:24px}
aside{flex:1;background:#f1faee;padding:16px}
/*STYLES*/
</style></head><body><header><h1 style="margin:0">Lab Site</h1></header><div class="wrap"><main>
<h2>Welcome to the lab bakery</h2>
<p>We bake bread every morning from flour milled in the valley, with a sourdough starter kept alive
since our grandparents opened the shop, and we deliver to the villages around before breakfast.</p>
<p>Our cakes are made to order for weddings, birthdays and every celebration in between; ask for the
seasonal fruit tarts, which change with what the orchards give each week.</p>
</main><aside><h3>Opening hours</h3><p>Monday to Saturday, 7 to 19.</p></aside></div></body></html>"""


def version_styles(path, installed):
    """The CSS of the lines `key=version RULES` of `path` whose version is installed; None without the file."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    except FileNotFoundError:
        return None
    rules = []
    for line in lines:
        key_version, _, css = line.partition(" ")
        key, _, version = key_version.partition("=")
        if installed.get(key) == version:
            rules.append(css)
    return "\n".join(rules)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--routes", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--requests", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with open(args.routes) as f:
        routes = json.load(f)
    log = open(args.requests, "a", buffering=1)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):  # quiet: the request log is the record
            pass

        def handle_any(self):
            path = self.path.split("?", 1)[0]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with LOCK:
                COUNTS[path] = COUNTS.get(path, 0) + 1
                count = COUNTS[path]
                log.write(json.dumps({"method": self.command, "path": path,
                                      "headers": {k: v for k, v in self.headers.items()},
                                      "body": body.decode("utf-8", "replace")}) + "\n")
            route = routes.get(path, routes.get("*", {}))
            if route.get("delay"):
                time.sleep(float(route["delay"]))
            status = int(route.get("status", 200))
            headers = dict(route.get("headers", {}))
            payload = route.get("body", "").encode() * int(route.get("repeat", 1))
            if count <= int(route.get("fail_times", 0)):
                status = int(route.get("fail_status", 503))
                payload = b"failing on purpose\n"
                if "retry_after" in route:
                    headers["Retry-After"] = str(route["retry_after"])
            elif route.get("root"):
                status, payload, kind = file_answer(route["root"], path)
                headers.setdefault("Content-Type", kind)
            elif route.get("wp_root"):
                status, text = wp_answer(route["wp_root"])
                payload = text.encode()
                headers.setdefault("Content-Type", "text/html; charset=UTF-8")
            elif route.get("drupal_root"):
                status, text = drupal_answer(route["drupal_root"])
                payload = text.encode()
                headers.setdefault("Content-Type", "text/html; charset=UTF-8")
            elif route.get("echo"):
                payload = json.dumps({"method": self.command, "path": self.path,
                                      "headers": {k: v for k, v in self.headers.items()},
                                      "body": body.decode("utf-8", "replace")}).encode()
                headers.setdefault("Content-Type", "application/json")
            size = int(route.get("size", 0)) if status < 300 or "fail_times" not in route else 0
            accepted = [e.split(";")[0].strip() for e in self.headers.get("Accept-Encoding", "").split(",")]
            if route.get("gzip") and not size and "gzip" in accepted:
                payload = gzip.compress(payload)
                headers["Content-Encoding"] = "gzip"
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(size if size else len(payload)))
            self.end_headers()
            if self.command == "HEAD":
                return
            try:
                if size and route.get("drip"):
                    # A slow drip: `drip` bytes every 0.1 s, the total announced up front.
                    left = size
                    while left > 0:
                        n = min(left, int(route["drip"]))
                        self.wfile.write(b"x" * n)
                        self.wfile.flush()
                        left -= n
                        time.sleep(0.1)
                elif size:
                    chunk = b"x" * 65536
                    left = size
                    while left > 0:
                        n = min(left, len(chunk))
                        self.wfile.write(chunk[:n])
                        left -= n
                else:
                    self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                pass

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

    server = Server(("127.0.0.1", args.port), Handler)
    if args.cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)
        # Handshake in the handler thread, not in the accept loop, so one slow client blocks no one.
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
