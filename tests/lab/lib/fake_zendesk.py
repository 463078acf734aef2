"""Fake Zendesk Support (Ticketing) API v2 for the lab (reference: Zendesk sections 3.1-3.8 and
corrections 7-10; TICKETING.md).

Auth: `Authorization: Basic base64("{email}/token:{api_token}")`, or `Bearer {oauth_token}`;
password Basic only with config.password_access. Failures: 401 {"error": "Couldn't authenticate
you"} with `WWW-Authenticate: Basic realm="Web Password"` (also for "email:token" without the
"/token" suffix, and for no credentials); a bad Bearer token 401 {"error": "invalid_token",
"error_description": ...}; an end-user on agent endpoints, or an agent on the incremental exports
(admins only), 403 {"error": "Forbidden", "description": ...}.
Errors: 404 {"error": "RecordNotFound", "description": "Not found"}, unknown path 404
{"error": "InvalidEndpoint", ...}, bad parameter 400 {"error": {"title": "Invalid attribute",
"message": ...}} (error is an object), validation 422 {"error": "RecordInvalid", "description":
"Record validation errors", "details": {field: [{description, error?, field_key?}]}}.
Every answer has X-Rate-Limit and X-Rate-Limit-Remaining; list endpoints add ratelimit-limit,
ratelimit-remaining, ratelimit-reset, and the tickets index zendesk-ratelimit-tickets-index.
429: text/plain "Number of allowed API requests per minute exceeded" with Retry-After (seconds).
Ids are integers, several above 2^32 in the default data (users, organizations, fields, audits,
one ticket). Times like 2025-06-03T14:02:11Z (UTC, no milliseconds). ".json" is optional.

The endpoints are in fake_zendesk_tickets.py (tickets, comments, audits, fields, users,
organizations, idempotent create) and fake_zendesk_search.py (incremental exports, search, export
search). Parameters not documented for an endpoint are refused with a 400 naming the fixture
(the real Zendesk ignores most of them: a client relying on a filter that does not exist, like an
"updated since" on /tickets, would silently get everything).
"""

import re
from urllib.parse import quote

from ticketing_common import ApiError, FakeApi, Reply, b64, fill, fmt_zendesk, json_reply, seed_time, unb64

JSON = "application/json; charset=utf-8"
FORBIDDEN = "You do not have access to this page. Please contact the account owner of this help desk for further help."


def zerr(status, error, description=None, details=None, headers=None):
    body = {"error": error}
    if description is not None:
        body["description"] = description
    if details is not None:
        body["details"] = details
    return json_reply(status, body, headers, content_type=JSON)


def fail(status, error, description=None, details=None, headers=None):
    raise ApiError(zerr(status, error, description, details, headers))


def invalid_attribute(message):
    raise ApiError(json_reply(400, {"error": {"title": "Invalid attribute", "message": message}}, content_type=JSON))


def record_invalid(details):
    fail(422, "RecordInvalid", "Record validation errors", details)


class ZendeskApi(FakeApi):
    name = "zendesk"
    rate_window = 60.0  # account-wide limits are per minute

    def __init__(self, clock):
        super().__init__(clock)
        self.user = None
        self.req = None
        self.list_headers = None

    def default_state(self):
        return {
            "config": {"subdomain": "acme", "rate_limit": 700, "password_access": False, "search_lag_seconds": 0,
                       "idempotency_ttl_seconds": 7200, "export_per_page": 1000, "incremental_limit": None,
                       "export_search_limit": None},
            "users": [
                {"id": 387974337212, "name": "Admin Agent", "email": "admin@agency.example", "role": "admin",
                 "api_tokens": ["zd-token-admin"], "oauth_tokens": ["zd-oauth-admin"], "password": "admin-password"},
                {"id": 4294967311, "name": "Plain Agent", "email": "agent@agency.example", "role": "agent",
                 "api_tokens": ["zd-token-agent"]},
                {"id": 5000000000123, "name": "Client Contact", "email": "contact@acme.example", "role": "end-user",
                 "organization_id": 509974, "api_tokens": ["zd-token-enduser"]}],
            "organizations": [{"id": 509974, "name": "ACME"}, {"id": 360001234567, "name": "Bistro"}],
            "ticket_fields": [{"id": 360028226391, "title": "Total time spent (sec)", "type": "integer"},
                              {"id": 360028226411, "title": "Time spent last update (sec)", "type": "integer"},
                              {"id": 360099887766, "title": "Site", "type": "text"}],
            "tickets": [
                {"id": 35436, "subject": "acme.example checkout returns 500", "description": "Checkout broken since 14:00",
                 "status": "open", "priority": "high", "type": "incident", "requester_id": 5000000000123,
                 "assignee_id": 387974337212, "organization_id": 509974, "tags": ["acme"],
                 "custom_fields": {"360028226391": "1800", "360028226411": "900"},
                 "created": "2025-06-03T12:00:00Z", "updated": "2025-06-03T14:20:00Z"},
                {"id": 35437, "subject": "Renew domain", "description": "Renewal due", "status": "solved",
                 "priority": "normal", "type": "task", "requester_id": 5000000000123, "assignee_id": 387974337212,
                 "organization_id": 509974, "created": "2025-06-04T09:00:00Z", "updated": "2025-06-05T09:00:00Z"},
                {"id": 35438, "subject": "Old migration", "description": "Done long ago", "status": "closed",
                 "priority": "low", "type": "question", "requester_id": 5000000000123, "organization_id": 509974,
                 "created": "2025-01-10T09:00:00Z", "updated": "2025-02-01T09:00:00Z"},
                {"id": 4294967297, "subject": "Bistro menu page slow", "description": "Slow since the update",
                 "status": "pending", "priority": "urgent", "type": "problem", "requester_id": 5000000000123,
                 "organization_id": 360001234567, "created": "2025-06-06T08:00:00Z", "updated": "2025-06-06T10:00:00Z"}],
            "audits": [{"id": 9911223344, "ticket_id": 35436, "author_id": 387974337212, "created": "2025-06-03T14:20:00Z",
                        "events": [{"type": "Comment", "public": False, "body": "Restarted PHP-FPM"},
                                   {"type": "Change", "field_name": "360028226391", "value": "1800", "previous_value": "900"},
                                   {"type": "Change", "field_name": "360028226411", "value": "900", "previous_value": "600"}]}],
            "idempotency": [],
        }

    def normalize(self, state):
        now = self.now()
        for key in ("audits", "idempotency", "organizations", "ticket_fields"):
            state.setdefault(key, [])
        ids = state.setdefault("next_ids", {})
        for kind, rows, start in (("ticket", state["tickets"], 1), ("audit", state["audits"], 9000000000000),
                                  ("user", state["users"], 6000000000000)):
            ids[kind] = max([int(ids.get(kind, start))] + [int(r["id"]) + 1 for r in rows if "id" in r])
        events = [e for a in state["audits"] for e in a.get("events", []) if "id" in e]
        ids["event"] = max([int(ids.get("event", 9100000000000))] + [int(e["id"]) + 1 for e in events])
        for u in state["users"]:
            fill(u, "id", lambda: self.next_id(state, "user", 0))
            for k, v in (("api_tokens", []), ("oauth_tokens", []), ("password", None), ("organization_id", None),
                         ("active", True)):
                u.setdefault(k, v)
        for f in state["ticket_fields"]:
            f.setdefault("active", True)
        admin = next((u["id"] for u in state["users"] if u["role"] == "admin"), None)
        for t in state["tickets"]:
            fill(t, "id", lambda: self.next_id(state, "ticket", 0))
            for k, v in (("external_id", None), ("type", None), ("subject", None), ("description", ""),
                         ("priority", None), ("status", "open"), ("requester_id", admin), ("submitter_id", None),
                         ("assignee_id", None), ("organization_id", None), ("group_id", None), ("tags", []),
                         ("custom_fields", {}), ("due_at", None), ("problem_id", None), ("is_public", True),
                         ("via_followup_source_id", None), ("deleted", False), ("ticket_form_id", None),
                         ("brand_id", None), ("collaborator_ids", []), ("follower_ids", [])):
                t.setdefault(k, v)
            t["submitter_id"] = t["submitter_id"] or t["requester_id"]
            t["custom_fields"] = {str(k): (None if v is None else str(v)) for k, v in t["custom_fields"].items()}
            t["created"] = seed_time(t.get("created", now), now)
            t["updated"] = seed_time(t.get("updated", t["created"]), now)
            t["generated"] = seed_time(t.get("generated", t["updated"]), now)
            t["due_at"] = seed_time(t["due_at"], now)
        for a in state["audits"]:
            fill(a, "id", lambda: self.next_id(state, "audit", 0))
            a.setdefault("author_id", admin)
            a["created"] = seed_time(a.get("created", now), now)
            for e in a["events"]:
                fill(e, "id", lambda: self.next_id(state, "event", 0))
                if e["type"] == "Comment":
                    e.setdefault("public", True)
                    e.setdefault("author_id", a["author_id"])
        for r in state["idempotency"]:
            r["created"] = seed_time(r["created"], now)
        return state

    # --- lookups --------------------------------------------------------------------------------
    @property
    def config(self):
        return self.state["config"]

    def url(self, rest):
        return "%s/api/v2/%s" % (self.req.base, rest)

    def time(self, ms):
        return None if ms is None else fmt_zendesk(ms)

    def find_user(self, uid):
        return next((u for u in self.state["users"] if u["id"] == uid), None)

    def find_ticket(self, tid):
        t = next((t for t in self.state["tickets"] if str(t["id"]) == str(tid) and not t["deleted"]), None)
        if t is None:
            fail(404, "RecordNotFound", "Not found")
        return t

    # --- auth -----------------------------------------------------------------------------------
    def authenticate(self, req):
        header = (req.header("Authorization") or "").strip()
        scheme, _, cred = header.partition(" ")
        basic_fail = zerr(401, "Couldn't authenticate you", headers={"WWW-Authenticate": 'Basic realm="Web Password"'})
        if scheme.lower() == "bearer":
            u = next((u for u in self.state["users"] if cred.strip() and cred.strip() in u["oauth_tokens"]), None)
            if u is None or not u["active"]:  # correction 9: another shape for OAuth tokens
                raise ApiError(json_reply(401, {"error": "invalid_token", "error_description": "The access token "
                               "provided is expired, revoked, malformed or invalid for other reasons."}, content_type=JSON))
            return u
        if scheme.lower() != "basic":
            raise ApiError(basic_fail)
        try:
            name, _, secret = unb64(cred.strip()).partition(":")
        except ValueError:
            raise ApiError(basic_fail)
        for u in self.state["users"]:
            if not u["active"]:
                continue
            if name == u["email"] + "/token" and secret in u["api_tokens"]:
                return u
            if name == u["email"] and self.config.get("password_access") and u["password"] and secret == u["password"]:
                return u
        raise ApiError(basic_fail)

    def require_agent(self):
        if self.user["role"] not in ("admin", "agent"):
            fail(403, "Forbidden", FORBIDDEN)

    def require_admin(self):
        if self.user["role"] != "admin":
            fail(403, "Forbidden", FORBIDDEN)

    # --- plumbing -------------------------------------------------------------------------------
    def body(self, req, root):
        """The `root` object of a JSON body ({"ticket": {...}})."""
        if req.content_type() != "application/json":
            invalid_attribute("Send a JSON body with Content-Type: application/json.")  # [U] wording
        try:
            body = req.json_body()
        except ValueError:
            invalid_attribute("The request body is not valid JSON.")  # [U] wording
        if not isinstance(body, dict) or not isinstance(body.get(root), dict) or set(body) - {root}:
            invalid_attribute("You passed an invalid value for the %s attribute. The body must be {\"%s\": {...}}"
                              % (root, root))
        return body[root]

    def int_arg(self, req, name, default, low, high):
        value = req.arg(name)
        if value is None:
            return default
        if not re.fullmatch(r"\d+", value) or not low <= int(value) <= high:
            invalid_attribute("You passed an invalid value for the %s attribute. It must be an integer between %d and %d"
                              % (name, low, high))
        return int(value)

    def page_url(self, req, **changes):
        params = [(k, v[0]) for k, v in req.query.items() if k not in changes]
        params += [(k, str(v)) for k, v in changes.items()]
        return "%s%s?%s" % (req.base, req.path, "&".join("%s=%s" % (quote(k, safe=""), quote(v, safe="")) for k, v in params))

    @staticmethod
    def cursor(value):
        return b64('{"o":"id","v":%d}' % value)

    def uncursor(self, text, name):
        try:
            return int(re.fullmatch(r'\{"o":"id","v":(\d+)\}', unb64(text)).group(1))
        except (ValueError, AttributeError):
            invalid_attribute("You passed an invalid value for the %s attribute." % name)

    def paged(self, req, rows, name, key=lambda r: r["id"], cursor_only=False):
        """Cursor pagination with page[size] (1..100), else offset pagination (page, per_page <= 100,
        at most 10,000 records). `rows` are sorted by `key` ascending; returns the JSON answer."""
        if any(k.startswith("page[") for k in req.query) and "page[size]" not in req.query and "page[after]" not in req.query \
                and "page[before]" not in req.query:
            invalid_attribute("Unknown cursor pagination attribute.")
        if cursor_only or "page[size]" in req.query or "page[after]" in req.query or "page[before]" in req.query:
            size = self.int_arg(req, "page[size]", 100, 1, 100)
            after, before = req.arg("page[after]"), req.arg("page[before]")
            if after:
                rest = [r for r in rows if key(r) > self.uncursor(after, "page[after]")]
                page, more = rest[:size], len(rest) > size
            elif before:
                rest = [r for r in rows if key(r) < self.uncursor(before, "page[before]")]
                page, more = rest[-size:], len(rest) > size
            else:
                page, more = rows[:size], len(rows) > size
            first, last = (self.cursor(key(page[0])), self.cursor(key(page[-1]))) if page else (None, None)
            # links.next is given whenever there is a page: a client stops on meta.has_more, not on it.
            return {name: page, "meta": {"has_more": more, "after_cursor": last, "before_cursor": first},
                    "links": {"next": last and self.page_url(req, **{"page[after]": last, "page[size]": size}),
                              "prev": first and self.page_url(req, **{"page[before]": first, "page[size]": size})}}
        number = self.int_arg(req, "page", 1, 1, 10 ** 9)
        per = self.int_arg(req, "per_page", 100, 1, 100)
        if number * per > 10000:
            invalid_attribute("You passed an invalid value for the page attribute. Offset pagination is limited to the "
                              "first 10000 records; use cursor pagination (page[size])")
        page = rows[(number - 1) * per:number * per]
        return {name: page, "next_page": self.page_url(req, page=number + 1) if number * per < len(rows) else None,
                "previous_page": self.page_url(req, page=number - 1) if number > 1 else None, "count": len(rows)}

    def routes(self):
        return tickets.routes() + search.routes()

    def handle(self, req):
        self.req = req
        self.list_headers = None
        path = re.sub(r"\.json$", "", req.path.rstrip("/"))
        entry, groups = (None, "path")
        if path.startswith("/api/v2/"):
            entry, groups = self.route(req.method, path[len("/api/v2"):], self.routes())
        if entry is None:
            return zerr(404, "InvalidEndpoint", "Not found")
        self.user = self.authenticate(req)
        for name in req.query:
            if name not in entry[3]:
                invalid_attribute("You passed an unsupported parameter %s (lab fixture: not a documented parameter of "
                                  "%s %s)" % (name, req.method, entry[1]))
        return entry[2](self, req, **groups)

    def buckets(self, req):
        # The account bucket always counts (for X-Rate-Limit-Remaining); it refuses only with --rate-limit.
        limit = self.faults.rate_limit if self.faults.rate_limit is not None else 10 ** 9
        out = [("account", int(limit), self.faults.rate_window)]
        if "/incremental/" in req.path and self.config.get("incremental_limit"):
            out.append(("incremental", int(self.config["incremental_limit"]), 60.0))
        if "/search/export" in req.path and self.config.get("export_search_limit"):
            out.append(("export", int(self.config["export_search_limit"]), 60.0))
        return out

    def limit_info(self):
        limit = int(self.faults.rate_limit if self.faults.rate_limit is not None else self.config.get("rate_limit", 700))
        start, count = self.faults.windows.get("account", (self.now() / 1000.0, 1))
        reset = max(1, int(start + self.faults.rate_window - self.now() / 1000.0))
        return limit, max(0, limit - count), reset

    def rate_limited(self, req, bucket, retry_after, limit):
        return Reply(429, "Number of allowed API requests per minute exceeded", "text/plain",
                     {"Retry-After": str(retry_after), "X-Rate-Limit": str(limit), "X-Rate-Limit-Remaining": "0"})

    def decorate(self, req, reply):
        if reply.status == 429:
            return
        limit, remaining, reset = self.limit_info()
        reply.header("X-Rate-Limit", limit).header("X-Rate-Limit-Remaining", remaining)
        if self.list_headers and reply.status == 200:
            reply.header("ratelimit-limit", limit).header("ratelimit-remaining", remaining)
            reply.header("ratelimit-reset", reset)
            if self.list_headers == "tickets":
                reply.header("zendesk-ratelimit-tickets-index", "total=100; remaining=99; resets=%d" % reset)


def make(clock, api):
    return ZendeskApi(clock)


# The endpoint modules import this one's helpers: imported last, once those are defined.
import fake_zendesk_search as search  # noqa: E402
import fake_zendesk_tickets as tickets  # noqa: E402
