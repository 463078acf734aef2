"""Fake Zendesk, reading changes: incremental exports, search and export search.

  GET /api/v2/incremental/tickets/cursor?start_time=S | cursor=C   (admins only)
      {tickets (with generated_timestamp), after_cursor, after_url, before_cursor: null,
      before_url: null, end_of_stream}; ordered by (generated_timestamp, id); start_time must be at
      least one minute in the past (correction 10); tickets changed in the last minute are left
      out until a later call; per_page up to 1000 [U]; include=users,organizations,groups;
      exclude_deleted=true [U]. Compared with generated_timestamp, so updated_at may be earlier
      than start_time. Persist after_cursor.
  GET /api/v2/incremental/tickets?start_time=S   (admins only) {tickets, next_page, count,
      end_time, end_of_stream}; next_page restarts AT end_time, so the last tickets come again
  GET /api/v2/search?query=...   offset only (page, per_page <= 100; any page[...] is a 400
      "Invalid attribute"); at most 1000 results (beyond: 422 [U: body]); count is the true total;
      results carry result_type "ticket". Terms: type:ticket, status, priority (with : < > <= >=),
      ticket_type, organization, requester, assignee, tags/tag, external_id, subject, description,
      created, updated (YYYY-MM-DD by whole UTC days, ISO date-times [U], or 2hours/3days...);
      "-" negates; other words are full text over subject, description and comments. Without
      sort_by the order is ticket id (Zendesk: relevance); sort_order defaults to desc.
  GET /api/v2/search/export?query=...&filter[type]=ticket&page[size]=..   cursor only
      (meta.has_more, meta.after_cursor, links.next); filter[type] required; page[size] <= 100.
"""

import re
from urllib.parse import quote

from fake_zendesk import JSON, fail, invalid_attribute
from fake_zendesk_tickets import STATUSES, PRIORITIES, render_ticket
from ticketing_common import b64, json_reply, parse_time, unb64

UNITS = {"minutes": 60000, "hours": 3600000, "days": 86400000, "weeks": 604800000, "months": 2592000000,
         "years": 31536000000}


def gts(t):
    return t["generated"] // 1000


def encode(pos):
    return b64("%d.0||%d|" % pos)


def decode(text):
    try:
        m = re.fullmatch(r"(\d+)\.0\|\|(\d+)\|", unb64(text))
        return int(m.group(1)), int(m.group(2))
    except (ValueError, AttributeError):
        invalid_attribute("You passed an invalid value for the cursor attribute.")


def start_time(api, req):
    raw = req.arg("start_time")
    if raw is None or not re.fullmatch(r"\d+", raw):
        invalid_attribute("You passed an invalid value for the start_time attribute. It must be a UNIX time in seconds")
    if int(raw) > api.now() // 1000 - 60:  # [U] body; the refusal itself is correction 10
        fail(400, "InvalidValue", "Too recent start_time. Use a start_time older than 1 minute")
    return int(raw)


def sideloads(api, req, tickets, out):
    include = [x for x in (req.arg("include") or "").split(",") if x]
    for name in include:
        if name not in ("users", "organizations", "groups"):
            invalid_attribute("You passed an invalid value for the include attribute: %s (lab fixture: users, "
                              "organizations, groups)" % name)
    if "users" in include:
        ids = {t[k] for t in tickets for k in ("requester_id", "submitter_id", "assignee_id") if t[k]}
        out["users"] = [{"id": u["id"], "name": u["name"], "email": u["email"], "role": u["role"]}
                        for u in api.state["users"] if u["id"] in ids]
    if "organizations" in include:
        ids = {t["organization_id"] for t in tickets}
        out["organizations"] = [dict(o) for o in api.state["organizations"] if o["id"] in ids]
    if "groups" in include:
        out["groups"] = []


def export_rows(api, req, lower):
    cutoff = api.now() // 1000 - 60
    drop_deleted = req.arg("exclude_deleted") == "true"
    return sorted((t for t in api.state["tickets"] if lower((gts(t), t["id"])) and gts(t) <= cutoff
                   and not (drop_deleted and t["deleted"])), key=lambda t: (gts(t), t["id"]))


def incremental_cursor(api, req):
    api.require_admin()
    per = api.int_arg(req, "per_page", int(api.config.get("export_per_page", 1000)), 1, 1000)
    if req.arg("cursor"):
        pos = decode(req.arg("cursor"))
        rows = export_rows(api, req, lambda p: p > pos)
    else:
        st = start_time(api, req)
        pos = (st, 0)
        rows = export_rows(api, req, lambda p: p[0] >= st)
    page = rows[:per]
    after = encode((gts(page[-1]), page[-1]["id"]) if page else pos)
    out = {"tickets": [dict(render_ticket(api, t), generated_timestamp=gts(t)) for t in page],
           "after_url": "%s%s?cursor=%s" % (req.base, req.path, quote(after, safe="")),
           "after_cursor": after, "before_cursor": None, "before_url": None, "end_of_stream": len(rows) <= per}
    sideloads(api, req, page, out)
    return json_reply(200, out, content_type=JSON)


def incremental_time(api, req):
    api.require_admin()
    per = api.int_arg(req, "per_page", int(api.config.get("export_per_page", 1000)), 1, 1000)
    st = start_time(api, req)
    page = export_rows(api, req, lambda p: p[0] >= st)[:per]
    end = gts(page[-1]) if page else st
    out = {"tickets": [dict(render_ticket(api, t), generated_timestamp=gts(t)) for t in page],
           "next_page": api.page_url(req, start_time=end), "count": len(page), "end_time": end,
           "end_of_stream": len(page) < per}
    sideloads(api, req, page, out)
    return json_reply(200, out, content_type=JSON)


# --- the search language ---------------------------------------------------------------------------

def when(api, value):
    """(low, high) in ms: a whole UTC day, an instant (low == high), or "2hours" ago."""
    m = re.fullmatch(r"(\d+)(minutes|hours|days|weeks|months|years)", value)
    if m:
        t = api.now() - int(m.group(1)) * UNITS[m.group(2)]
        return t, t
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        t = parse_time(value)
        return t, t + 86400000
    t = parse_time(value)  # [U] ISO date-times
    return t, t


def compare(op, x, low, high):
    if x is None:
        return False
    if low == high:
        return {":": x == low, ">": x > low, ">=": x >= low, "<": x < low, "<=": x <= low}[op]
    return {":": low <= x < high, ">": x >= high, ">=": x >= low, "<": x < low, "<=": x < high}[op]


def ordered(op, x, value, scale):
    if value not in scale or x not in scale:
        return False
    a, b = scale.index(x), scale.index(value)
    return {":": a == b, ">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[op]


def user_ids(api, value):
    if value == "me":
        return {api.user["id"]}
    if value == "none":
        return {None}
    return {u["id"] for u in api.state["users"] if value.lower() in (str(u["id"]), u["email"].lower(), u["name"].lower())}


def text_of(api, t):
    comments = [e["body"] for a in api.state["audits"] if a["ticket_id"] == t["id"] for e in a["events"]
                if e["type"] == "Comment"]
    return "\n".join([t["subject"] or "", t["description"] or ""] + comments).lower()


def term(api, key, op, value):
    """A predicate over tickets for one key/op/value term."""
    key = key.lower()
    if key == "type":
        return lambda t: value == "ticket"
    if key in ("status", "priority"):
        return lambda t: ordered(op, t[key], value.lower(), STATUSES if key == "status" else PRIORITIES)
    if key in ("created", "updated"):
        try:
            low, high = when(api, value)
        except ValueError:
            invalid_attribute("You passed an invalid date: %s" % value)
        return lambda t: compare(op, t[key], low, high)
    if op != ":":
        invalid_attribute("The %s keyword only takes ':'" % key)
    if key == "ticket_type":
        return lambda t: t["type"] == value.lower()
    if key == "organization":
        ids = {None} if value == "none" else {o["id"] for o in api.state["organizations"]
                                              if value.lower() in (str(o["id"]), o["name"].lower())}
        return lambda t: t["organization_id"] in ids
    if key in ("requester", "assignee", "submitter"):
        ids = user_ids(api, value)
        return lambda t: t[key + "_id"] in ids
    if key in ("tags", "tag"):
        return lambda t: (not t["tags"]) if value == "none" else value.lower() in t["tags"]
    if key == "external_id":
        return lambda t: t["external_id"] == value
    if key in ("subject", "description"):
        return lambda t: value.lower() in (t[key] or "").lower()
    return None


KEYS = {"type", "status", "priority", "created", "updated", "ticket_type", "organization", "requester", "assignee",
        "submitter", "tags", "tag", "external_id", "subject", "description"}


def matcher(api, query):
    preds = []
    for neg, key, op, value in re.findall(r'(-?)(?:(\w+)(>=|<=|:|>|<))?("[^"]*"|\S+)', query):
        value = value.strip('"')
        if key and key.lower() in KEYS:
            pred = term(api, key, op, value)
        else:  # full text (an unknown keyword is searched as text, as Zendesk does)
            needle = ((key + op) if key else "") + value
            pred = (lambda n: lambda t: n.lower() in text_of(api, t))(needle)
        preds.append((lambda p: lambda t: not p(t))(pred) if neg else pred)
    return lambda t: all(p(t) for p in preds)


def searchable(api, req):
    query = req.arg("query")
    if not query:
        invalid_attribute("You passed an invalid value for the query attribute. It is required")
    lag = int(api.config.get("search_lag_seconds") or 0) * 1000
    match = matcher(api, query)
    now = api.now()
    return [t for t in api.state["tickets"] if not t["deleted"] and t["created"] <= now - lag and match(t)]


def search(api, req):
    api.require_agent()
    for k in req.query:
        if k.startswith("page["):  # offset pagination only
            invalid_attribute("You passed an invalid value for the %s attribute. Search supports offset pagination "
                              "only: use page and per_page, or the search export endpoint" % k)
    page = api.int_arg(req, "page", 1, 1, 10 ** 6)
    per = api.int_arg(req, "per_page", 100, 1, 100)
    if (page - 1) * per >= 1000:  # [U] body; 1,000 results at most
        fail(422, "Insufficient Resource Error", "Search results are limited to the first 1000; use the search export")
    rows = sorted(searchable(api, req), key=lambda t: t["id"])
    sort_by, order = req.arg("sort_by"), req.arg("sort_order", "desc")
    keys = {"created_at": "created", "updated_at": "updated", "priority": "priority", "status": "status",
            "ticket_type": "type"}
    if sort_by is not None and sort_by not in keys or order not in ("asc", "desc"):
        invalid_attribute("You passed an invalid value for the sort_by or sort_order attribute.")
    if sort_by:
        scale = {"priority": PRIORITIES, "status": STATUSES}.get(sort_by)
        rows.sort(key=lambda t: (scale.index(t[keys[sort_by]]) if scale and t[keys[sort_by]] in scale
                                 else (t[keys[sort_by]] or 0) if not scale else -1), reverse=order == "desc")
    shown = rows[(page - 1) * per:page * per]
    more = page * per < min(len(rows), 1000)
    out = {"results": [dict(render_ticket(api, t), result_type="ticket") for t in shown], "count": len(rows),
           "next_page": api.page_url(req, page=page + 1) if more else None,
           "previous_page": api.page_url(req, page=page - 1) if page > 1 else None, "facets": None}
    api.list_headers = "list"
    return json_reply(200, out, content_type=JSON)


def export_search(api, req):
    api.require_agent()
    kind = req.arg("filter[type]")
    if kind not in ("ticket", "organization", "user", "group"):
        invalid_attribute("You passed an invalid value for the filter[type] attribute. It is required: ticket, "
                          "organization, user or group")
    rows = sorted(searchable(api, req), key=lambda t: t["id"]) if kind == "ticket" else []
    out = api.paged(req, rows, "results", cursor_only=True)
    out["results"] = [dict(render_ticket(api, t), result_type="ticket") for t in out["results"]]
    out["facets"] = None
    api.list_headers = "list"
    return json_reply(200, out, content_type=JSON)


def routes():
    return [
        ("GET", r"/incremental/tickets/cursor", incremental_cursor,
         ["start_time", "cursor", "per_page", "include", "exclude_deleted"]),
        ("GET", r"/incremental/tickets", incremental_time, ["start_time", "per_page", "include", "exclude_deleted"]),
        ("GET", r"/search", search, ["query", "page", "per_page", "sort_by", "sort_order", "page[size]", "page[after]",
                                      "page[before]"]),
        ("GET", r"/search/export", export_search, ["query", "filter[type]", "page[size]", "page[after]"]),
    ]
