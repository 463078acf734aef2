"""Fake Jira for the lab: Jira Cloud REST v3 (and v2 on Cloud), or Jira Data Center REST v2
(reference: Jira sections 1.1-1.8 and corrections 1-6; TICKETING.md lists every endpoint).

Auth: Cloud takes `Authorization: Basic base64(email:api_token)`; DC takes `Bearer {PAT}` or
Basic user:password (a PAT sent as a Basic password fails). A wrong credential is a text/plain 401
"Client must be authenticated to access this resource." with X-Seraph-LoginReason:
AUTHENTICATED_FAILED (correction 1); no Authorization header at all is anonymous access: readable
endpoints answer as for a user who can browse only config.public_projects (empty searches, 404
issues, JQL naming a project gives "does not exist"), while /myself and writes answer 401. A user
with browse limited to some projects sees only those; a user with write false gets 403 on writes.
Errors are ErrorCollection {"errorMessages": [...], "errors": {field: message}}; a body member
outside the documented ones is a 400 "Unrecognized field"; a non-JSON Content-Type on a write 415;
a query parameter not documented for the endpoint a 400 naming the fixture (the real Jira ignores
it; a client relying on it would silently get unfiltered data).
Times: 2025-06-03T16:30:00.000+0200, in the requesting user's time zone (its offset changes with
daylight saving time). v3 rich text (description, environment, comment and worklog bodies) is ADF,
v2 rich text a plain string. Ids are strings of digits, keys PROJECT-N. No idempotency key: a
retried POST /issue makes a second issue. Transition ids belong to each project's workflow.
429 (with --rate-limit): Retry-After (seconds), X-RateLimit-Limit, X-RateLimit-Remaining: 0,
X-RateLimit-Reset (Cloud, yyyy-MM-ddTHH:mmZ), RateLimit-Reason: jira-burst-based; an empty body.

This module: state, auth, request plumbing, rendering. Endpoints: fake_jira_issues.py (issues,
transitions, comments, remote links, properties, /myself, /priority), fake_jira_search.py (search,
with the JQL of fake_jira_jql.py), fake_jira_worklog.py (worklogs). Built-in data:
fake_jira_default.py.
"""

import re

from fake_jira_default import default_state
from ticketing_common import ApiError, FakeApi, Reply, fill, fmt_jira, json_reply, seed_time, text_reply, unb64

JSON = "application/json;charset=UTF-8"
CATEGORIES = {
    "undefined": {"id": 1, "key": "undefined", "colorName": "medium-gray", "name": "No Category"},
    "new": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    "done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
    "indeterminate": {"id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"},
}
ALL_FIELDS = ["summary", "status", "priority", "issuetype", "project", "created", "updated", "resolutiondate",
              "resolution", "labels", "components", "duedate", "timespent", "timetracking", "description",
              "environment", "reporter", "assignee", "comment", "worklog"]
NAVIGABLE = [f for f in ALL_FIELDS if f not in ("comment", "worklog")]
SETTABLE = ["summary", "description", "environment", "priority", "labels", "components", "assignee", "duedate",
            "issuetype", "project", "reporter"]
CANNOT_SET = "Field '%s' cannot be set. It is not on the appropriate screen, or unknown."
ABSENT = object()


def err(status, messages=(), errors=None, **extra):
    body = {"errorMessages": list(messages), "errors": errors or {}}
    body.update(extra)
    return json_reply(status, body, content_type=JSON)


def fail(status, messages=(), errors=None):
    raise ApiError(err(status, messages, errors))


def is_adf(value):
    """An Atlassian Document: {"type": "doc", "version": 1, "content": [nodes]}, every node an object
    with a string "type", text nodes with a string "text"."""
    def node_ok(n):
        if not isinstance(n, dict) or not isinstance(n.get("type"), str):
            return False
        if n["type"] == "text" and not isinstance(n.get("text"), str):
            return False
        return all(node_ok(c) for c in n.get("content", [])) if isinstance(n.get("content", []), list) else False
    return (isinstance(value, dict) and value.get("type") == "doc" and value.get("version") == 1
            and isinstance(value.get("content"), list) and all(node_ok(c) for c in value["content"]))


def adf_text(value):
    if value is None or isinstance(value, str):
        return value
    blocks = []
    for block in value.get("content", []):
        parts = []

        def walk(n):
            if n.get("type") == "text":
                parts.append(n.get("text", ""))
            for c in n.get("content", []):
                walk(c)
        walk(block)
        blocks.append("".join(parts))
    return "\n".join(blocks)


def text_adf(text):
    if text is None or isinstance(text, dict):
        return text
    return {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": line}] if line else []}
        for line in text.split("\n")]}


class JiraApi(FakeApi):
    rate_window = 2.0  # burst limits are per second; the reference's checklist uses Retry-After: 2

    def __init__(self, clock, deployment):
        self.cloud = deployment == "cloud"
        self.name = "jira-" + deployment
        super().__init__(clock)
        self.user = None
        self.ver = 3
        self.req = None

    # --- state ----------------------------------------------------------------------------------
    def default_state(self):
        return default_state()

    def normalize(self, state):
        now = self.now()
        for key in ("comments", "worklogs", "deleted_worklogs", "issues"):
            state.setdefault(key, [])
        for u in state["users"]:
            u.setdefault("accountId", u.get("name"))  # DC seeds may name users only
        ref = {}
        for u in state["users"]:
            for k in ("key", "name", "accountId"):
                if u.get(k):
                    ref[u[k]] = u["accountId"]  # every stored user reference becomes an accountId
        first_user = state["users"][0]["accountId"] if state["users"] else None
        ids = state.setdefault("next_ids", {})
        for kind, start in (("issue", 10000), ("comment", 10000), ("worklog", 20000), ("remotelink", 10000)):
            used = [int(x["id"]) for x in state.get(kind + "s", []) if str(x.get("id", "")).isdigit()]
            used += [d["worklogId"] for d in state["deleted_worklogs"]] if kind == "worklog" else []
            ids[kind] = max([int(ids.get(kind, start))] + [int(u) + 1 for u in used])
        by_key = {p["key"]: p for p in state["projects"]}
        for p in state["projects"]:
            p.setdefault("priority", True)
            p.setdefault("components", [])
            p.setdefault("fields", [f for f in SETTABLE if f != "priority" or p["priority"]])
            p.setdefault("issuetypes", [t["id"] for t in state["issuetypes"]])
            for t in p["transitions"]:
                t.setdefault("from", [])
                t.setdefault("fields", [])
        numbers = {}
        for i in state["issues"]:
            if "key" in i and "project" not in i:
                i["project"] = i["key"].rsplit("-", 1)[0]
            p = by_key[i["project"]]
            fill(i, "id", lambda: str(self.next_id(state, "issue", 10000)))
            if "key" not in i:
                n = max([int(x["key"].rsplit("-", 1)[1]) for x in state["issues"]
                         if x.get("key", "").startswith(p["key"] + "-")] + [0]) + 1
                i["key"] = "%s-%d" % (p["key"], n)
            numbers[p["key"]] = max(numbers.get(p["key"], 0), int(i["key"].rsplit("-", 1)[1]))
            i.setdefault("issuetype", p["issuetypes"][0])
            i.setdefault("status", p["statuses"][0]["id"])
            i.setdefault("priority", "3" if p["priority"] else None)
            for k, v in (("labels", []), ("components", []), ("properties", {}), ("remotelinks", []),
                         ("description", None), ("environment", None), ("duedate", None), ("resolution", None),
                         ("assignee", None), ("reporter", first_user)):
                i.setdefault(k, v)
            i["assignee"], i["reporter"] = ref.get(i["assignee"], i["assignee"]), ref.get(i["reporter"], i["reporter"])
            i["created"] = seed_time(i.get("created", now), now)
            i["updated"] = seed_time(i.get("updated", i["created"]), now)
            i["resolutiondate"] = seed_time(i.get("resolutiondate"), now)
        for p in state["projects"]:
            p["next"] = max(int(p.get("next", 1)), numbers.get(p["key"], 0) + 1)
        issue_ids = {i["key"]: i["id"] for i in state["issues"]}
        for c in state["comments"]:
            c["issueId"] = issue_ids.get(c["issueId"], c["issueId"])
            fill(c, "id", lambda: str(self.next_id(state, "comment", 10000)))
            c["author"] = ref.get(c.get("author", first_user), c.get("author"))
            c.setdefault("visibility", None)
            c["created"] = seed_time(c.get("created", now), now)
            c["updated"] = seed_time(c.get("updated", c["created"]), now)
        for w in state["worklogs"]:
            w["issueId"] = issue_ids.get(w["issueId"], w["issueId"])
            fill(w, "id", lambda: str(self.next_id(state, "worklog", 20000)))
            w["author"] = ref.get(w.get("author", first_user), w.get("author"))
            w["updateAuthor"] = ref.get(w.get("updateAuthor", w["author"]), w.get("updateAuthor"))
            w.setdefault("comment", None)
            w.setdefault("visibility", None)
            if "timeSpentSeconds" not in w:
                w["timeSpentSeconds"] = wl.parse_duration(w["timeSpent"])
            w.pop("timeSpent", None)
            w["started"] = seed_time(w["started"], now)
            w["created"] = seed_time(w.get("created", now), now)
            w["updated"] = seed_time(w.get("updated", w["created"]), now)
        for d in state["deleted_worklogs"]:
            d["worklogId"] = int(d["worklogId"])
            d["updatedTime"] = seed_time(d["updatedTime"], now)
        return state

    # --- lookups --------------------------------------------------------------------------------
    @property
    def config(self):
        return self.state["config"]

    def find_user(self, ref):
        """The user of a stored reference (an accountId)."""
        return next((u for u in self.state["users"] if ref is not None and ref == u["accountId"]), None)

    def user_by_input(self, value):
        """The user a client names: by accountId on Cloud, by name or key on DC."""
        for u in self.state["users"]:
            if value is not None and value in ((u["accountId"],) if self.cloud else (u.get("name"), u.get("key"))):
                return u
        return None

    def user_ref(self):
        return self.user["accountId"]

    def project(self, ref):
        for p in self.state["projects"]:
            if ref is not None and str(ref).upper() in (p["key"].upper(), p["id"]):
                return p
        return None

    def can_browse(self, project_key):
        if self.user is None:
            return project_key in self.config.get("public_projects", [])
        return self.user.get("browse") is None or project_key in self.user["browse"]

    def status(self, project, sid):
        return next(s for s in project["statuses"] if s["id"] == sid)

    def find_issue(self, ref):
        for i in self.state["issues"]:
            if ref == i["id"] or str(ref).upper() == i["key"]:
                if self.can_browse(i["project"]):
                    return i
        fail(404, ["Issue does not exist or you do not have permission to see it."])

    def tz(self):
        return (self.user or {}).get("timeZone") or self.config["timezone"]

    def time(self, ms):
        return None if ms is None else fmt_jira(ms, self.tz())

    def url(self, rest):
        return "%s/rest/api/%d/%s" % (self.req.base, self.ver, rest)

    # --- auth -----------------------------------------------------------------------------------
    def authenticate(self, req):
        """None for anonymous (no Authorization header); the user; or ApiError 401."""
        header = req.header("Authorization")
        if header is None:
            return None
        scheme, _, cred = header.strip().partition(" ")
        name = secret = None
        if scheme.lower() == "basic":
            try:
                name, _, secret = unb64(cred.strip()).partition(":")
            except ValueError:
                pass
        for u in self.state["users"]:
            if not u.get("active", True):
                continue
            if scheme.lower() == "basic" and self.cloud:
                ok = name == u.get("emailAddress") and secret == u.get("apiToken")
            elif scheme.lower() == "basic":
                ok = self.config.get("basic_auth", True) and name == u.get("name") and secret == u.get("password")
            else:  # a PAT is a Bearer token on DC only (sent as a Basic password it fails)
                ok = (not self.cloud and scheme.lower() == "bearer" and cred.strip() != ""
                      and cred.strip() == u.get("pat"))
            if ok:
                return u
        # Correction 1: a wrong credential gets a text/plain 401, never JSON.
        raise ApiError(text_reply(401, "Client must be authenticated to access this resource.",
                                  {"X-Seraph-LoginReason": "AUTHENTICATED_FAILED"}))

    def require_user(self):
        if self.user is None:
            # [U] wording: the reference only says 401 for missing credentials.
            fail(401, ["You are not authenticated. Authentication required to perform this operation."])

    def require_write(self, project_key):
        self.require_user()
        if not self.user.get("write", True):
            # [U] wording: the reference lists 403 without a body for Jira.
            fail(403, ["You do not have permission to edit issues in project '%s'." % project_key])

    # --- request plumbing -----------------------------------------------------------------------
    def body(self, req, allowed):
        """The JSON object body; 415 without a JSON Content-Type; 400 on bad JSON or a member outside
        `allowed` (Jackson's "Unrecognized field")."""
        if req.content_type() != "application/json":
            raise ApiError(Reply(415, b""))
        try:
            body = req.json_body()
        except ValueError as e:
            fail(400, ["Unexpected character in JSON body: %s" % e])
        if not isinstance(body, dict):
            fail(400, ["Cannot deserialize instance of object out of %s token" % type(body).__name__])
        for key in body:
            if key not in allowed:
                fail(400, ['Unrecognized field "%s", not marked as ignorable' % key])
        return body

    def int_arg(self, req, name, default, minimum=0):
        value = req.arg(name)
        if value is None or value == "":
            return default
        if not re.fullmatch(r"-?\d+", value) or int(value) < minimum:
            fail(400, ["The '%s' parameter must be an integer >= %d, not '%s'." % (name, minimum, value)])
        return int(value)

    def routes(self):
        return issues.routes() + wl.routes() + search.routes(self.cloud)

    def handle(self, req):
        self.req = req
        m = re.fullmatch(r"/rest/api/(2|3)(/.*)", req.path)
        if not m or (not self.cloud and m.group(1) == "3"):
            return text_reply(404, "Not Found")
        self.ver = int(m.group(1))
        sub = m.group(2).rstrip("/") or "/"
        if self.cloud and sub == "/search":
            return search.removed_search()  # correction 2: 410 for GET and POST, before anything else
        self.user = self.authenticate(req)
        entry, groups = self.route(req.method, sub, self.routes())
        if entry is None:
            return Reply(405, b"") if groups == "method" else text_reply(404, "Not Found")
        for name in req.query:
            if name not in entry[3]:
                # Stricter than Jira, which ignores unknown parameters: a client relying on a
                # parameter the reference does not document would silently get unfiltered data.
                return err(400, ["Unsupported query parameter '%s' (lab fixture: not a documented parameter "
                                 "of %s %s)" % (name, req.method, entry[1])])
        reply = entry[2](self, req, **groups)
        if self.user is not None and self.cloud:
            reply.header("X-AAccountId", self.user["accountId"])
        return reply

    def rate_limited(self, req, bucket, retry_after, limit):
        now = self.now()
        headers = {"Retry-After": str(retry_after), "X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": "0"}
        if self.cloud:
            reset = fmt_jira(now + retry_after * 1000, "UTC")
            headers["X-RateLimit-Reset"] = reset[:16] + "Z"  # yyyy-MM-ddTHH:mmZ, request time + Retry-After
            headers["RateLimit-Reason"] = "jira-burst-based"
        else:  # [U] DC header set, taken by the reference from Confluence DC
            headers["X-RateLimit-Interval-Seconds"] = str(int(self.faults.rate_window))
            headers["X-RateLimit-FillRate"] = str(limit)
        # [U] The 429 body is not pinned by the docs: an empty body, so a client cannot depend on one.
        return Reply(429, b"", None, headers)

    # --- rendering ------------------------------------------------------------------------------
    def render_user(self, ref):
        u = self.find_user(ref)
        if u is None:
            return None
        avatars = {s: "https://avatar.lab.invalid/%s/%s" % (u.get("accountId") or u.get("name"), s)
                   for s in ("48x48", "24x24", "16x16", "32x32")}
        if self.cloud:
            out = {"self": self.url("user?accountId=" + u["accountId"]), "accountId": u["accountId"],
                   "accountType": "atlassian", "emailAddress": u.get("emailAddress"), "avatarUrls": avatars,
                   "displayName": u["displayName"], "active": u.get("active", True), "timeZone": u.get("timeZone")}
            if u.get("hideEmail"):
                out.pop("emailAddress")
            return out
        return {"self": self.url("user?username=" + u["name"]), "name": u["name"], "key": u.get("key", u["name"]),
                "emailAddress": u.get("emailAddress"), "avatarUrls": avatars, "displayName": u["displayName"],
                "active": u.get("active", True), "timeZone": u.get("timeZone")}

    def rich(self, value):
        return text_adf(value) if self.ver == 3 else adf_text(value)

    def render_status(self, project, sid):
        s = self.status(project, sid)
        cat = CATEGORIES[s["category"]]
        return {"self": self.url("status/" + s["id"]), "description": "", "name": s["name"], "id": s["id"],
                "statusCategory": dict(cat, self=self.url("statuscategory/%d" % cat["id"]))}

    def render_priority(self, pid):
        p = next((p for p in self.state["priorities"] if p["id"] == pid), None)
        return None if p is None else {"self": self.url("priority/" + p["id"]), "name": p["name"], "id": p["id"]}

    def field_value(self, issue, name):
        p = self.project(issue["project"])
        if name == "summary":
            return issue["summary"]
        if name == "status":
            return self.render_status(p, issue["status"])
        if name == "priority":
            return self.render_priority(issue["priority"]) if p["priority"] else ABSENT
        if name == "issuetype":
            t = next(t for t in self.state["issuetypes"] if t["id"] == issue["issuetype"])
            return {"self": self.url("issuetype/" + t["id"]), "id": t["id"], "name": t["name"], "subtask": False}
        if name == "project":
            return {"self": self.url("project/" + p["id"]), "id": p["id"], "key": p["key"], "name": p["name"]}
        if name in ("created", "updated", "resolutiondate"):
            return self.time(issue[name])
        if name == "resolution":
            r = next((r for r in self.state["resolutions"] if r["id"] == issue["resolution"]), None)
            return None if r is None else {"self": self.url("resolution/" + r["id"]), "id": r["id"], "name": r["name"]}
        if name in ("labels", "duedate"):
            return issue[name]
        if name == "components":
            return [{"self": self.url("component/" + c["id"]), "id": c["id"], "name": c["name"]}
                    for c in p["components"] if c["id"] in issue["components"]]
        if name in ("timespent", "timetracking"):
            spent = sum(w["timeSpentSeconds"] for w in self.state["worklogs"] if w["issueId"] == issue["id"])
            if name == "timespent":
                return spent or None
            return {"timeSpent": wl.format_duration(spent), "timeSpentSeconds": spent} if spent else {}
        if name in ("description", "environment"):
            return self.rich(issue[name])
        if name in ("reporter", "assignee"):
            return self.render_user(issue[name])
        if name == "comment":
            cs = [self.render_comment(c) for c in self.state["comments"] if c["issueId"] == issue["id"]]
            return {"comments": cs, "self": self.url("issue/%s/comment" % issue["id"]), "maxResults": len(cs),
                    "total": len(cs), "startAt": 0}
        if name == "worklog":  # [U] truncated to 20 entries, as reported
            ws = [w for w in self.state["worklogs"] if w["issueId"] == issue["id"]]
            return {"startAt": 0, "maxResults": 20, "total": len(ws), "worklogs": [wl.render(self, w) for w in ws[:20]]}
        return ABSENT

    @staticmethod
    def wanted(specs):
        """Field names asked by a `fields` list: names, *all, *navigable, -name to exclude."""
        out, excluded = [], set()
        for spec in specs:
            spec = spec.strip()
            if spec == "*all":
                out += ALL_FIELDS
            elif spec == "*navigable":
                out += NAVIGABLE
            elif spec.startswith("-"):
                excluded.add(spec[1:])
            elif spec:
                out.append(spec)
        return [f for f in dict.fromkeys(out) if f not in excluded]

    def render_issue(self, issue, names, expand=()):
        out = {"id": issue["id"]}
        if [n for n in names if n != "id"]:
            out["self"] = self.url("issue/" + issue["id"])
            out["key"] = issue["key"]
            fields = {}
            for n in names:
                if n not in ("id", "key"):
                    value = self.field_value(issue, n)
                    if value is not ABSENT:
                        fields[n] = value
            out["fields"] = fields
        if "names" in expand:
            out["names"] = {n: n.capitalize() for n in names if n not in ("id", "key")}
        if "transitions" in expand:
            out["transitions"] = [self.render_transition(t, issue, False) for t in self.transitions_of(issue)]
        return out

    def render_comment(self, c):
        out = {"self": self.url("issue/%s/comment/%s" % (c["issueId"], c["id"])), "id": c["id"],
               "author": self.render_user(c["author"]), "body": self.rich(c["body"]),
               "updateAuthor": self.render_user(c["author"]), "created": self.time(c["created"]),
               "updated": self.time(c["updated"]), "jsdPublic": True}
        if c.get("visibility"):
            out["visibility"] = c["visibility"]
        return out

    def transitions_of(self, issue):
        project = self.project(issue["project"])
        return [t for t in project["transitions"]
                if (not t["from"] or issue["status"] in t["from"]) and t["to"] != issue["status"]]

    def render_transition(self, t, issue, with_fields):
        project = self.project(issue["project"])
        out = {"id": t["id"], "name": t["name"], "to": self.render_status(project, t["to"]),
               "hasScreen": bool(t["fields"]), "isGlobal": not t["from"], "isInitial": False,
               "isAvailable": True, "isConditional": False, "isLooped": False}
        if with_fields:
            out["fields"] = {f: {"required": False, "name": f.capitalize(), "key": f, "operations": ["set"],
                                 "allowedValues": [dict(r) for r in self.state["resolutions"]]} for f in t["fields"]}
        return out

def make(clock, api):
    return JiraApi(clock, "cloud" if api == "jira-cloud" else "dc")


# The endpoint modules import this one's helpers: imported last, once those are defined.
import fake_jira_issues as issues  # noqa: E402
import fake_jira_search as search  # noqa: E402
import fake_jira_worklog as wl  # noqa: E402
