"""Shared HTTP plumbing of the lab's fake ticketing servers (tests/lab/ticketing_server.py).

One process serves one API (fake_jira, fake_trello, fake_zendesk). This module holds what they share:

  Reply, json_reply, text_reply   an answer: status, headers, body
  Request                         a parsed request: method, path, query, headers, body, base URL
  ApiError                        raise it with a Reply to answer at once from deep inside a handler
  Clock                           the server's time: real time plus an offset the tests can move
  Faults                          fault injection: fixed-window rate limit, next K answers 5xx,
                                  next K successful writes answered 5xx after they took effect
  FakeApi                         base class of the APIs (state, clock, faults, routing helpers)
  serve(api, args)                the ThreadingHTTPServer: 127.0.0.1, port 0 (written to --port-file),
                                  optional TLS, one JSON line per request in --requests, the
                                  /__lab/ control endpoint when --control is given
  time helpers                    parse_time, fmt_jira, fmt_trello, fmt_zendesk, seed_time

Every API request is handled under one lock, so the state (a dict saved to <state dir>/state.json
after each change) needs no finer locking. Control requests are neither counted nor logged.
"""

import base64
import json
import math
import os
import re
import ssl
import sys
import threading
import time
import traceback
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

LOCK = threading.Lock()


# --- answers ---------------------------------------------------------------------------------------

class Reply:
    def __init__(self, status, body=b"", content_type=None, headers=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.headers = list((headers or {}).items()) if isinstance(headers, dict) else list(headers or [])
        if content_type and self.body:
            self.headers.insert(0, ("Content-Type", content_type))

    def header(self, name, value):
        self.headers.append((name, str(value)))
        return self


def json_reply(status, value, headers=None, content_type="application/json; charset=utf-8"):
    return Reply(status, json.dumps(value, separators=(",", ":")), content_type, headers)


def text_reply(status, text, headers=None):
    return Reply(status, text, "text/plain; charset=utf-8", headers)


class ApiError(Exception):
    """Raised with the Reply to send."""

    def __init__(self, reply):
        super().__init__(reply.status)
        self.reply = reply


# --- requests --------------------------------------------------------------------------------------

class Request:
    def __init__(self, method, target, headers, body, base):
        parts = urlsplit(target)
        self.method = method
        self.target = target
        self.path = unquote(parts.path)
        self.raw_query = parts.query
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self.headers = headers
        self.body = body
        self.base = base  # scheme://host:port as the client addressed us

    def arg(self, name, default=None):
        values = self.query.get(name)
        return values[0] if values else default

    def has(self, name):
        return name in self.query

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def content_type(self):
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def json_body(self):
        """The body parsed as JSON; ValueError when it is not JSON."""
        return json.loads(self.body.decode("utf-8"))


# --- time ------------------------------------------------------------------------------------------

class Clock:
    """Real time plus `offset` seconds (POST /__lab/clock moves it)."""

    def __init__(self):
        self.offset = 0.0

    def now_ms(self):
        return int((time.time() + self.offset) * 1000)


_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?"
                  r"\s*(Z|[+-]\d{2}:?\d{2})?$")


def parse_time(text, default_tz=timezone.utc):
    """Milliseconds since the epoch of an ISO-8601 text: date, date-time, optional fraction, and
    `Z`, `+02:00` or `+0200`. A text without offset is in `default_tz`. ValueError otherwise."""
    m = _ISO.match(text.strip())
    if not m:
        raise ValueError("not an ISO-8601 time: %r" % text)
    y, mo, d, h, mi, s, frac, off = m.groups()
    tz = default_tz
    if off == "Z":
        tz = timezone.utc
    elif off:
        sign = -1 if off[0] == "-" else 1
        digits = off[1:].replace(":", "")
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    micro = int((frac or "0").ljust(6, "0"))
    dt = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), micro, tzinfo=tz)
    return int(dt.timestamp() * 1000)


def tzinfo_of(name):
    """A tzinfo for "UTC", a fixed offset ("+0200", "-05:30") or an IANA name ("Europe/Paris")."""
    if not name or name in ("UTC", "Z"):
        return timezone.utc
    m = re.match(r"^([+-])(\d{2}):?(\d{2})$", name)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        return timezone(sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3))))
    import zoneinfo
    return zoneinfo.ZoneInfo(name)


def to_datetime(ms, tz=timezone.utc):
    return datetime.fromtimestamp(ms / 1000.0, tz=timezone.utc).astimezone(tz)


def fmt_jira(ms, tzname):
    """Jira: 2025-06-03T16:30:00.000+0200 (milliseconds, offset without colon)."""
    dt = to_datetime(ms, tzinfo_of(tzname))
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % (ms % 1000) + dt.strftime("%z")


def fmt_trello(ms):
    """Trello: 2025-06-03T14:30:00.000Z (UTC, milliseconds)."""
    return to_datetime(ms).strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % (ms % 1000) + "Z"


def fmt_zendesk(ms):
    """Zendesk: 2025-06-03T14:30:00Z (UTC, no milliseconds)."""
    return to_datetime(ms).strftime("%Y-%m-%dT%H:%M:%SZ")


_REL = re.compile(r"^now(?:\s*([+-])\s*(\d+)\s*(ms|s|m|h|d|w))?$")


def seed_time(value, now_ms):
    """A time in a seed: milliseconds since the epoch (int), an ISO-8601 text, or "now", "now-90s",
    "now-2d", "now+1h" (units ms, s, m, h, d, w) relative to the server's clock at start."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("a time cannot be a boolean")
    if isinstance(value, (int, float)):
        return int(value)
    m = _REL.match(str(value).strip())
    if m:
        if not m.group(1):
            return now_ms
        unit = {"ms": 1, "s": 1000, "m": 60000, "h": 3600000, "d": 86400000, "w": 604800000}[m.group(3)]
        return now_ms + (1 if m.group(1) == "+" else -1) * int(m.group(2)) * unit
    return parse_time(str(value))


def b64(text):
    return base64.b64encode(text.encode()).decode()


def unb64(text):
    """Decoded base64 (standard or URL-safe, padding optional); ValueError when it is not."""
    try:
        padded = text + "=" * (-len(text) % 4)
        return base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True).decode()
    except Exception as e:  # binascii.Error, UnicodeDecodeError
        raise ValueError(str(e))


def fill(row, key, make):
    """row[key], set to make() first when missing (setdefault would call make() every time)."""
    if row.get(key) is None:
        row[key] = make()
    return row[key]


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


# --- faults ----------------------------------------------------------------------------------------

class Faults:
    """Fault injection shared by every API.

    rate_limit N   with a window of rate_window seconds: requests beyond N in a window are refused
                   (fixed windows, starting at the first request; refused requests count too)
    fail_5xx K     the next K requests answer fail_status (503), with Retry-After when retry_after
    fail_after_write K   the next K successful writes (POST/PUT/DELETE) take effect and then
                   answer fail_status: the ambiguous failure a client must recover from
    """

    def __init__(self, rate_window):
        self.rate_limit = None
        self.rate_window = float(rate_window)
        self.fail_5xx = 0
        self.fail_after_write = 0
        self.fail_status = 503
        self.retry_after = None
        self.windows = {}  # bucket -> [window start (s), count]

    def as_json(self):
        return {"rate_limit": self.rate_limit, "rate_window": self.rate_window, "fail_5xx": self.fail_5xx,
                "fail_after_write": self.fail_after_write, "fail_status": self.fail_status,
                "retry_after": self.retry_after,
                "windows": {k: {"start": v[0], "count": v[1]} for k, v in self.windows.items()}}

    def update(self, body):
        known = {"rate_limit", "rate_window", "fail_5xx", "fail_after_write", "fail_status", "retry_after",
                 "reset_counters"}
        unknown = set(body) - known
        if unknown:
            raise ValueError("unknown fault keys: %s" % ", ".join(sorted(unknown)))
        for key in known - {"reset_counters"}:
            if key in body:
                setattr(self, key, body[key])
        if body.get("reset_counters") or "rate_limit" in body or "rate_window" in body:
            self.windows = {}

    def take_5xx(self):
        if self.fail_5xx > 0:
            self.fail_5xx -= 1
            return True
        return False

    def count(self, bucket, limit, window, now_s):
        """Count a request in `bucket`; (refused, remaining, seconds until the window resets)."""
        start, n = self.windows.get(bucket, (now_s, 0))
        if now_s >= start + window:
            start, n = now_s, 0
        n += 1
        self.windows[bucket] = [start, n]
        left = max(1, int(math.ceil(start + window - now_s)))
        return n > limit, max(0, limit - n), left


# --- the API base class ----------------------------------------------------------------------------

class FakeApi:
    """What serve() needs from an API module. Subclasses set `name`, `rate_window` (default
    seconds of the rate-limit window) and implement default_state, build_state, handle,
    rate_limited and unavailable."""

    name = "?"
    rate_window = 10.0

    def __init__(self, clock):
        self.clock = clock
        self.faults = Faults(self.rate_window)
        self.state = None
        self.dirty = False

    # To implement ------------------------------------------------------------------------------
    def default_state(self):
        raise NotImplementedError

    def normalize(self, state):
        """Fill ids, keys and times a seed left out; convert seed times to milliseconds."""
        raise NotImplementedError

    def handle(self, req):
        raise NotImplementedError

    def rate_limited(self, req, bucket, retry_after, limit):
        raise NotImplementedError

    def unavailable(self, req, status, retry_after):
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return text_reply(status, "Service Unavailable\n", headers)

    def buckets(self, req):
        """[(bucket, limit, window)] the request counts against; by default one global bucket."""
        if self.faults.rate_limit is None:
            return []
        return [("all", int(self.faults.rate_limit), self.faults.rate_window)]

    def decorate(self, req, reply):
        """Headers every answer carries (e.g. Zendesk's X-Rate-Limit)."""

    # Helpers -------------------------------------------------------------------------------------
    def build_state(self, seed):
        """The default state with the seed's top-level keys replacing the default's, normalized.
        A "config" key is merged key by key instead."""
        state = self.default_state()
        for key, value in (seed or {}).items():
            if key == "config":
                state.setdefault("config", {}).update(value)
            else:
                state[key] = value
        return self.normalize(state)

    def now(self):
        return self.clock.now_ms()

    def changed(self):
        self.dirty = True

    @staticmethod
    def next_id(state, kind, start):
        ids = state.setdefault("next_ids", {})
        value = int(ids.get(kind, start))
        ids[kind] = value + 1
        return value

    @staticmethod
    def route(method, path, table):
        """Match `path` against [("GET POST", regex, handler, ...)] entries; (entry, groups) or
        (None, why) where why is "method" when the path exists with another method, else "path"."""
        path_seen = False
        for entry in table:
            m = re.fullmatch(entry[1], path)
            if m:
                if method in entry[0].split():
                    return entry, m.groupdict()
                path_seen = True
        return None, ("method" if path_seen else "path")


# --- the server ------------------------------------------------------------------------------------

def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def save_json(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def control(api, req, state_path):
    """The /__lab/ endpoint (only with --control)."""
    try:
        body = req.json_body() if req.body else {}
    except ValueError as e:
        return json_reply(400, {"error": "body is not JSON: %s" % e})
    if req.path == "/__lab/state" and req.method == "GET":
        return json_reply(200, api.state)
    if req.path == "/__lab/state" and req.method == "PUT":
        try:
            api.state = api.build_state(body)
        except (ValueError, KeyError, TypeError) as e:
            return json_reply(400, {"error": "bad state: %s" % e})
        save_json(state_path, api.state)
        return json_reply(200, api.state)
    if req.path == "/__lab/faults" and req.method in ("GET", "POST"):
        if req.method == "POST":
            try:
                api.faults.update(body)
            except ValueError as e:
                return json_reply(400, {"error": str(e)})
        return json_reply(200, api.faults.as_json())
    if req.path == "/__lab/clock" and req.method in ("GET", "POST"):
        if req.method == "POST":
            if "advance" in body:
                api.clock.offset += float(body["advance"])
            if "offset" in body:
                api.clock.offset = float(body["offset"])
        return json_reply(200, {"now_ms": api.clock.now_ms(), "offset": api.clock.offset})
    return json_reply(404, {"error": "control endpoints: GET|PUT /__lab/state, GET|POST /__lab/faults, "
                                     "GET|POST /__lab/clock"})


def answer(api, req, state_path):
    """The API's answer to one request, faults first."""
    faults = api.faults
    now_s = api.clock.now_ms() / 1000.0
    for bucket, limit, window in api.buckets(req):  # every request counts, failed ones too
        refused, _remaining, left = faults.count(bucket, limit, window, now_s)
        if refused:
            return api.rate_limited(req, bucket, left, limit)
    if faults.take_5xx():
        return api.unavailable(req, int(faults.fail_status), faults.retry_after)
    try:
        reply = api.handle(req)
    except ApiError as e:
        reply = e.reply
    if api.dirty:
        save_json(state_path, api.state)
        api.dirty = False
    if (req.method in ("POST", "PUT", "DELETE", "PATCH") and reply.status < 300
            and faults.fail_after_write > 0):
        faults.fail_after_write -= 1
        return api.unavailable(req, int(faults.fail_status), faults.retry_after)
    return reply


def serve(api, args):
    """Run the server until interrupted. args: port_file, requests, state, tls_cert, tls_key,
    control, port."""
    state_path = os.path.join(args.state, "state.json")
    log = open(args.requests, "a", buffering=1, encoding="utf-8")
    scheme = "https" if args.tls_cert else "http"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "tma-lab-" + api.name
        sys_version = ""

        def log_message(self, fmt, *a):  # quiet: the request log is the record
            pass

        def version_string(self):
            return self.server_version

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            host = self.headers.get("Host") or "127.0.0.1:%d" % self.server.server_address[1]
            req = Request(self.command, self.path, self.headers, body, "%s://%s" % (scheme, host))
            with LOCK:
                if args.control and req.path.startswith("/__lab/"):
                    reply = control(api, req, state_path)
                else:
                    try:
                        reply = answer(api, req, state_path)
                    except Exception:
                        traceback.print_exc()
                        reply = text_reply(500, "lab fixture crashed:\n" + traceback.format_exc())
                    api.decorate(req, reply)
                    log.write(json.dumps({"method": req.method, "path": req.path, "query": req.raw_query,
                                          "headers": {k: v for k, v in self.headers.items()},
                                          "body": body.decode("utf-8", "replace"),
                                          "status": reply.status}) + "\n")
            self.send_response(reply.status)
            for k, v in reply.headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if self.command != "HEAD":
                try:
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    pass

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

    server = Server(("127.0.0.1", args.port), Handler)
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
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


def start_state(api, args):
    """The state at start: --seed over the built-in default; else an existing <state>/state.json
    as it is; else the built-in default. Written back to <state>/state.json."""
    os.makedirs(args.state, exist_ok=True)
    path = os.path.join(args.state, "state.json")
    if args.seed:
        state = api.build_state(load_json(args.seed))
    elif os.path.exists(path):
        state = api.normalize(load_json(path))
    else:
        state = api.build_state({})
    api.state = state
    save_json(path, state)


def die(message):
    sys.stderr.write("ticketing_server: %s\n" % message)
    sys.exit(2)
