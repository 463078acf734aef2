"""Fake Trello REST API v1 for the lab (reference: Trello sections 2.1-2.8; TICKETING.md).

Auth: `key` and `token` as query parameters, in the body of a POST/PUT (JSON or form), or in
`Authorization: OAuth oauth_consumer_key="KEY", oauth_token="TOKEN"`. Errors are text/plain:
401 "invalid key" (missing or unknown key), 401 "invalid token" (unknown, revoked, or another key's
token), 401 "unauthorized permission requested" ([U]: no token, a board the token's member is not
on, or a write with a read-only token); 400 "invalid id" (a path id that is neither a 24-hex
ObjectId nor, for boards and cards, a shortLink); 404 "The requested resource was not found." [U];
400 "invalid value for X" for a bad parameter value; 429 JSON {"error": "API_TOKEN_LIMIT_EXCEEDED",
"message": "Rate limit exceeded"} with no Retry-After and no rate-limit headers (none documented).
Parameters the reference does not list for a route are refused with a 400 naming the fixture
(the real Trello ignores them; a client relying on one would silently get unfiltered data).

Served (all bare JSON arrays or objects, no envelopes, times like 2025-06-03T14:30:00.000Z):
  GET  /1/members/me, /1/members/me/boards
  GET  /1/boards/{id}, /1/boards/{id}/lists, /1/boards/{id}/cards[/{filter}], /1/boards/{id}/labels,
       /1/boards/{id}/customFields, /1/boards/{id}/actions
  POST /1/boards/{id}/labels
  GET  /1/lists/{id}/cards, /1/lists/{id}/actions
  GET  /1/cards/{id}, /1/cards/{id}/actions, /1/cards/{id}/customFieldItems
  POST /1/cards (200, not 201 [U as documented]), PUT /1/cards/{id}, DELETE /1/cards/{id}
  POST /1/cards/{id}/actions/comments, PUT /1/cards/{id}/actions/{idAction}/comments
  POST /1/cards/{id}/idLabels
  PUT  /1/cards/{id}/customField/{idCustomField}/item
Actions are newest first; `since`/`before` take an ISO date or an action id (both exclusive);
`limit` 0..1000, default 50 [U]; `page` is an offset of `limit`. Card lists also take
`limit`/`before`/`since` by card id [U: reported, not in the per-route reference], newest first.
Trello has no idempotency: a retried POST /1/cards makes a second card (the client writes a marker
in `desc` and looks for it first).
"""

import re
from urllib.parse import parse_qs

import fake_trello_cards as cards
from fake_trello_cards import fail
from ticketing_common import FakeApi, fill, fmt_trello, json_reply, parse_time, seed_time, text_reply

JSON = "application/json; charset=utf-8"
OID = re.compile(r"^[0-9a-f]{24}$")
SHORT = re.compile(r"^[A-Za-z0-9]{8}$")
KEY = "0123456789abcdef0123456789abcdef"
TOKEN = "ATTA" + "0" * 52 + "c0ffee01"
READ_TOKEN = "ATTA" + "0" * 52 + "c0ffee02"
REVOKED = "ATTA" + "0" * 52 + "c0ffee03"
NADIA, OTHER = "5b02e7f4e1facdc393169f9d", "5b02e7f4e1facdc393169fa0"
BOARD, PRIVATE = "665f0bff9b1e4a00123aa000", "665f0bff9b1e4a00123ab000"


class TrelloApi(FakeApi):
    name = "trello"
    rate_window = 10.0  # 100 requests per 10 s per token

    def __init__(self, clock):
        super().__init__(clock)
        self.member = None
        self.token = None
        self.params = {}
        self.req = None

    def default_state(self):
        return {
            "config": {"actions_default_limit": 50},
            "keys": [KEY],
            "tokens": [{"token": TOKEN, "key": KEY, "member": NADIA, "scopes": ["read", "write"]},
                       {"token": READ_TOKEN, "key": KEY, "member": NADIA, "scopes": ["read"]},
                       {"token": REVOKED, "key": KEY, "member": NADIA, "scopes": ["read", "write"], "revoked": True}],
            "members": [{"id": NADIA, "username": "nadiaortiz", "fullName": "Nadia Ortiz", "initials": "NO"},
                        {"id": OTHER, "username": "someoneelse", "fullName": "Someone Else", "initials": "SE"}],
            "boards": [{"id": BOARD, "name": "ACME maintenance", "shortLink": "Bd9XyZ12", "members": [NADIA]},
                       {"id": PRIVATE, "name": "Not shared with tma", "shortLink": "Pr1vAte0", "members": [OTHER]}],
            "lists": [{"id": "665f0bff9b1e4a00123aa001", "idBoard": BOARD, "name": "To Do", "pos": 16384},
                      {"id": "665f0bff9b1e4a00123aa002", "idBoard": BOARD, "name": "Doing", "pos": 32768},
                      {"id": "665f0bff9b1e4a00123aa003", "idBoard": BOARD, "name": "Done", "pos": 49152},
                      {"id": "665f0bff9b1e4a00123ab001", "idBoard": PRIVATE, "name": "Inbox", "pos": 16384}],
            "labels": [{"id": "665f0bff9b1e4a00123aa101", "idBoard": BOARD, "name": "urgent", "color": "red"},
                       {"id": "665f0bff9b1e4a00123aa102", "idBoard": BOARD, "name": "low", "color": "green"}],
            "customFields": [{"id": "665f0d009b1e4a00123ac001", "idModel": BOARD, "name": "Hours spent",
                              "type": "number"}],
            "cards": [{"id": "665f0c2a9b1e4a00123abc01", "idList": "Doing", "name": "Update WordPress core to 6.5.4",
                       "desc": "Requested by client on 2025-06-02", "idLabels": ["urgent"],
                       "due": "2025-06-05T16:00:00.000Z", "dateLastActivity": "2025-06-03T15:42:10.512Z",
                       "customFieldItems": [{"idCustomField": "Hours spent", "value": {"number": "1.5"}}]},
                      {"id": "665f0c309b1e4a00123abc02", "idList": "To Do", "name": "Renew TLS certificate",
                       "dateLastActivity": "2025-06-03T16:00:00.000Z"}],
            "actions": [],
        }

    # --- state ----------------------------------------------------------------------------------
    def oid(self, ms=None):
        """A 24-hex ObjectId: creation time (UNIX seconds) in the first 8 hex digits."""
        n = self.next_id(self.state, "objectid", 1)
        return "%08x%016x" % (int((ms if ms is not None else self.now()) / 1000), 0x1ab0000000000000 + n)

    @staticmethod
    def created_ms(oid):
        return int(oid[:8], 16) * 1000

    def short(self, oid):
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
        n = int(oid, 16)
        return "".join(alphabet[(n >> (i * 5)) % len(alphabet)] for i in range(8))

    def normalize(self, state):
        self.state = state  # oid() counts in it
        now = self.now()
        for key in ("actions", "labels", "customFields", "cards", "lists"):
            state.setdefault(key, [])
        for b in state["boards"]:
            fill(b, "id", lambda: self.oid(seed_time(b.get("created", now), now)))
            b.pop("created", None)
            b.setdefault("shortLink", self.short(b["id"]))
            b.setdefault("desc", "")
            b.setdefault("closed", False)
            b.setdefault("members", [state["members"][0]["id"]])
        first_board = state["boards"][0]["id"]
        for n, lst in enumerate(state["lists"]):
            fill(lst, "id", lambda: self.oid(now))
            lst.setdefault("idBoard", first_board)
            lst.setdefault("closed", False)
            lst.setdefault("pos", 16384 * (n + 1))
        for lab in state["labels"]:
            fill(lab, "id", lambda: self.oid(now))
            lab.setdefault("idBoard", first_board)
            lab.setdefault("color", None)
        for cf in state["customFields"]:
            fill(cf, "id", lambda: self.oid(now))
            cf.setdefault("idModel", first_board)
            cf.setdefault("options", [])
            for o in cf["options"]:
                fill(o, "id", lambda: self.oid(now))

        def by_name(rows, value, board=None):
            for r in rows:
                if value in (r["id"], r.get("name")) and board in (None, r.get("idBoard", r.get("idModel"))):
                    return r["id"]
            raise ValueError("no such id or name: %s" % value)
        per_board = {}
        for c in state["cards"]:
            c["idList"] = by_name(state["lists"], c["idList"])
            c["idBoard"] = next(lst["idBoard"] for lst in state["lists"] if lst["id"] == c["idList"])
            fill(c, "id", lambda: self.oid(seed_time(c.get("created", now), now)))
            c.pop("created", None)
            c["idLabels"] = [by_name(state["labels"], x, c["idBoard"]) for x in c.get("idLabels", [])]
            for k, v in (("desc", ""), ("closed", False), ("due", None), ("start", None), ("dueComplete", False),
                         ("idMembers", []), ("customFieldItems", []), ("shortLink", self.short(c["id"]))):
                c.setdefault(k, v)
            c.setdefault("pos", 16384 * (1 + len([x for x in state["cards"] if x.get("pos") is not None])))
            for k in ("due", "start"):
                c[k] = seed_time(c[k], now)
            c["dateLastActivity"] = seed_time(c.get("dateLastActivity", self.created_ms(c["id"])), now)
            for item in c["customFieldItems"]:
                item["idCustomField"] = by_name(state["customFields"], item["idCustomField"], c["idBoard"])
                fill(item, "id", lambda: self.oid(now))
            per_board[c["idBoard"]] = max(per_board.get(c["idBoard"], 0), int(c.get("idShort", 0)))
        for c in state["cards"]:
            if "idShort" not in c:
                per_board[c["idBoard"]] += 1
                c["idShort"] = per_board[c["idBoard"]]
        for a in state["actions"]:
            a["date"] = seed_time(a.get("date", now), now)
            fill(a, "id", lambda: self.oid(a["date"]))
            a.setdefault("idMemberCreator", state["members"][0]["id"])
            a.setdefault("data", {})
        if not state["actions"]:  # the default data's history: one createCard per card
            for c in sorted(state["cards"], key=lambda c: c["id"]):
                cards.record(self, "createCard", c, {"list": cards.list_ref(self, c["idList"])}, self.created_ms(c["id"]))
        state["actions"].sort(key=lambda a: a["id"])
        return state

    # --- plumbing -------------------------------------------------------------------------------
    def gather(self, req):
        """Query parameters, then body parameters (JSON object or form) over them."""
        params = {k: v[0] for k, v in req.query.items()}
        if req.body and req.method in ("POST", "PUT"):
            ctype = req.content_type()
            if ctype == "application/json":
                try:
                    body = req.json_body()
                except ValueError:
                    fail(400, "invalid JSON")  # [U] wording
                if not isinstance(body, dict):
                    fail(400, "invalid JSON")
                params.update(body)
            elif ctype == "application/x-www-form-urlencoded":
                params.update({k: v[0] for k, v in parse_qs(req.body.decode("utf-8", "replace"),
                                                              keep_blank_values=True).items()})
            else:
                fail(400, "unsupported Content-Type %s (lab fixture: JSON or form)" % ctype)
        header = req.header("Authorization") or ""
        if header.startswith("OAuth "):
            found = dict(re.findall(r'(\w+)="([^"]*)"', header))
            params.setdefault("key", found.get("oauth_consumer_key"))
            params.setdefault("token", found.get("oauth_token"))
        return params

    def authenticate(self, params, write):
        key, token = params.pop("key", None), params.pop("token", None)
        if not key or key not in self.state["keys"]:
            fail(401, "invalid key")
        if not token:
            fail(401, "unauthorized permission requested")  # [U]
        t = next((t for t in self.state["tokens"] if t["token"] == token), None)
        if t is None or t.get("revoked") or t["key"] != key:
            fail(401, "invalid token")
        if write and "write" not in t.get("scopes", ["read", "write"]):
            fail(401, "unauthorized permission requested")  # [U]
        self.member = next(m for m in self.state["members"] if m["id"] == t["member"])

    def buckets(self, req):
        if self.faults.rate_limit is None:
            return []
        token = req.arg("token") or re.findall(r'oauth_token="([^"]*)"', req.header("Authorization") or "") or ["-"]
        return [("token:" + (token if isinstance(token, str) else token[0]), int(self.faults.rate_limit),
                 self.faults.rate_window)]

    def rate_limited(self, req, bucket, retry_after, limit):
        # No Retry-After and no rate-limit headers are documented: the client backs off on its own.
        return json_reply(429, {"error": "API_TOKEN_LIMIT_EXCEEDED", "message": "Rate limit exceeded"},
                          content_type=JSON)

    def routes(self):
        return cards.routes()

    def handle(self, req):
        self.req = req
        if not req.path.startswith("/1/"):
            return text_reply(404, "Cannot %s %s" % (req.method, req.path))
        entry, groups = self.route(req.method, req.path[2:].rstrip("/"), self.routes())
        if entry is None:
            return text_reply(404, "Cannot %s %s" % (req.method, req.path))
        params = self.gather(req)
        self.authenticate(params, req.method != "GET")
        for name in params:
            if name not in entry[3]:
                return text_reply(400, "unsupported parameter %s (lab fixture: not a documented parameter of %s %s)"
                                  % (name, req.method, entry[1]))
        self.params = params
        return entry[2](self, **groups)

    # --- lookups and values ---------------------------------------------------------------------
    def find(self, kind, ref, short=False):
        if not (OID.match(ref) or (short and SHORT.match(ref))):
            fail(400, "invalid id")
        row = next((r for r in self.state[kind] if ref in (r["id"], r.get("shortLink"))), None)
        if row is None:
            fail(404, "The requested resource was not found.")  # [U] wording
        board = row["id"] if kind == "boards" else row.get("idBoard", row.get("idModel"))
        if board and self.member["id"] not in self.board(board)["members"]:
            fail(401, "unauthorized permission requested")  # [U]
        return row

    def board(self, bid):
        return next(b for b in self.state["boards"] if b["id"] == bid)

    def p_bool(self, name, default=None):
        value = self.params.get(name, default)
        if value in (True, "true"):
            return True
        if value in (False, "false"):
            return False
        if value is None:
            return None
        fail(400, "invalid value for %s" % name)

    def p_int(self, name, default, low, high):
        value = self.params.get(name, default)
        try:
            value = int(value)
        except (TypeError, ValueError):
            fail(400, "invalid value for %s" % name)
        if not low <= value <= high:
            fail(400, "invalid value for %s" % name)
        return value

    def p_date(self, name):
        value = self.params.get(name)
        if value in (None, "", "null"):
            return None
        try:
            return parse_time(str(value))
        except ValueError:
            fail(400, "invalid value for %s" % name)

    def p_fields(self, allowed, default):
        value = self.params.get("fields", default)
        names = allowed if value == "all" else [f for f in str(value).split(",") if f]
        if any(f not in allowed for f in names):
            fail(400, "invalid value for fields")
        return names

    def ok(self, value):
        return json_reply(200, value, content_type=JSON)

    def time(self, ms):
        return None if ms is None else fmt_trello(ms)


def make(clock, api):
    return TrelloApi(clock)

