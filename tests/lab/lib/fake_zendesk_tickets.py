"""Fake Zendesk, tickets and what hangs off them (see fake_zendesk.py for auth and error shapes).

  GET  /api/v2/users/me                          {"user"}
  GET  /api/v2/organizations                     cursor or offset pagination
  GET  /api/v2/tickets?external_id=              id ascending; page[size] (<= 100) -> meta/links,
       /api/v2/organizations/{id}/tickets        else page/per_page (offset, 10,000 records max)
  GET  /api/v2/tickets/{id}                      {"ticket"}
  POST /api/v2/tickets                           201, Location, {"ticket", "audit"}. Idempotency-Key:
       a replay with the same body answers the first answer with x-idempotency-lookup: hit (first
       call: miss); the same key with another body 400 IdempotentRequestError; keys expire after
       config.idempotency_ttl_seconds (7200). external_id is stored, never enforced unique.
  PUT  /api/v2/tickets/{id}                      200 {"ticket", "audit"}; a comment is added through
       an update; a closed ticket gives 422 details.status; safe_update + updated_stamp 409
  GET  /api/v2/tickets/{id}/comments             the Comment events of the audits
  GET  /api/v2/tickets/{id}/audits               {id, ticket_id, created_at, author_id, events}
  GET  /api/v2/ticket_fields                     the Time Tracking app's fields among others
Custom field values are strings (e.g. "5400"), in custom_fields and mirrored in fields; audit
events carry field_name (the custom field id as a string), value and previous_value as strings.
"""

import hashlib
import json
import re

from fake_zendesk import JSON, fail, invalid_attribute, record_invalid
from ticketing_common import Reply, is_int, json_reply, parse_time

PRIORITIES = ["low", "normal", "high", "urgent"]
TYPES = ["problem", "incident", "question", "task"]
STATUSES = ["new", "open", "pending", "hold", "solved", "closed"]
COMMON = {"subject", "comment", "priority", "type", "status", "assignee_id", "group_id", "organization_id", "tags",
          "external_id", "custom_fields", "due_at", "problem_id", "collaborator_ids", "follower_ids", "requester_id",
          "ticket_form_id", "brand_id"}
CREATE = COMMON | {"requester", "submitter_id", "via_followup_source_id"}
UPDATE = COMMON | {"additional_tags", "remove_tags", "safe_update", "updated_stamp"}
PAGING = ["page[size]", "page[after]", "page[before]", "page", "per_page"]


def render_ticket(api, t):
    cf = [{"id": f["id"], "value": t["custom_fields"].get(str(f["id"]))} for f in api.state["ticket_fields"] if f["active"]]
    return {"url": api.url("tickets/%d.json" % t["id"]), "id": t["id"], "external_id": t["external_id"],
            "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
            "created_at": api.time(t["created"]), "updated_at": api.time(t["updated"]), "type": t["type"],
            "subject": t["subject"], "raw_subject": t["subject"], "description": t["description"],
            "priority": t["priority"], "status": "deleted" if t["deleted"] else t["status"], "recipient": None,
            "requester_id": t["requester_id"], "submitter_id": t["submitter_id"], "assignee_id": t["assignee_id"],
            "organization_id": t["organization_id"], "group_id": t["group_id"],
            "collaborator_ids": t["collaborator_ids"], "follower_ids": t["follower_ids"], "email_cc_ids": [],
            "forum_topic_id": None, "problem_id": t["problem_id"],
            "has_incidents": any(x["problem_id"] == t["id"] for x in api.state["tickets"]), "is_public": t["is_public"],
            "due_at": api.time(t["due_at"]), "tags": t["tags"], "custom_fields": cf, "satisfaction_rating": None,
            "sharing_agreement_ids": [], "fields": cf, "followup_ids": [], "ticket_form_id": t["ticket_form_id"],
            "brand_id": t["brand_id"], "allow_channelback": False, "allow_attachments": True}


def render_event(e):
    if e["type"] == "Comment":
        html = "".join("<p dir=\"auto\">%s</p>" % line for line in e["body"].split("\n"))
        return {"id": e["id"], "type": "Comment", "author_id": e["author_id"], "body": e["body"],
                "html_body": "<div class=\"zd-comment\" dir=\"auto\">%s</div>" % html, "plain_body": e["body"],
                "public": e["public"], "attachments": []}
    out = {"id": e["id"], "type": e["type"], "field_name": e["field_name"], "value": e["value"]}
    if e["type"] == "Change":
        out["previous_value"] = e["previous_value"]
    return out


def render_audit(api, a):
    return {"id": a["id"], "ticket_id": a["ticket_id"], "created_at": api.time(a["created"]), "author_id": a["author_id"],
            "metadata": {"system": {}, "custom": {}}, "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
            "events": [render_event(e) for e in a["events"]]}


def shown(api, key, value):
    """Event values are strings (lists stay lists, times are formatted)."""
    if key == "due_at":
        return api.time(value)
    return value if value is None or isinstance(value, list) else str(value)


# --- validation ------------------------------------------------------------------------------------

def check(api, t, body, creating, details):
    """Validate `body` (a ticket object) into `t` (a draft); problems go to `details`."""
    def bad(field, description, error="InvalidValue", **extra):
        details.setdefault(field, []).append(dict({"description": description, "error": error}, **extra))
    allowed = CREATE if creating else UPDATE
    for key in body:
        if key not in allowed:
            bad(key, "%s: is not an attribute a ticket accepts here (lab fixture)" % key)
    for key, enum in (("priority", PRIORITIES), ("type", TYPES), ("status", STATUSES)):
        if key in body:
            if body[key] is not None and body[key] not in enum:
                bad(key, "%s: is not valid" % key.capitalize())
            else:
                t[key] = body[key]
    if "subject" in body:
        if body["subject"] is not None and not isinstance(body["subject"], str):
            bad("subject", "Subject: is not valid")
        else:
            t["subject"] = body["subject"]
    for key in ("assignee_id", "group_id", "organization_id", "requester_id", "submitter_id", "problem_id",
                "ticket_form_id", "brand_id", "via_followup_source_id"):
        if key not in body:
            continue
        value = body[key]
        if value is not None and not is_int(value):
            bad(key, "%s: is not valid" % key)
            continue
        if value is not None and key in ("assignee_id", "requester_id", "submitter_id"):
            u = api.find_user(value)
            if u is None or (key == "assignee_id" and u["role"] not in ("admin", "agent")):
                bad(key, "%s: is invalid" % key.split("_")[0].capitalize())
                continue
        if value is not None and key == "organization_id" and value not in [o["id"] for o in api.state["organizations"]]:
            bad(key, "Organization: is invalid")
            continue
        if value is not None and key == "problem_id":
            p = next((x for x in api.state["tickets"] if x["id"] == value), None)
            if p is None or p["type"] != "problem":
                bad(key, "Problem: is invalid")
                continue
        if value is not None and key == "via_followup_source_id":
            src = next((x for x in api.state["tickets"] if x["id"] == value), None)
            if src is None or src["status"] != "closed":
                bad("base", "Follow-up source: must be a closed ticket")
                continue
        t[key] = value
    if "requester" in body:
        r = body["requester"]
        if not isinstance(r, dict) or not isinstance(r.get("email"), str) or "@" not in r["email"]:
            bad("requester", "Requester: Email is invalid")
        else:
            u = next((u for u in api.state["users"] if u["email"] == r["email"]), None)
            if u is None:  # creates the end-user, as Zendesk does
                u = {"id": api.next_id(api.state, "user", 0), "name": r.get("name") or r["email"], "email": r["email"],
                     "role": "end-user", "api_tokens": [], "oauth_tokens": [], "password": None,
                     "organization_id": None, "active": True}
                t["_new_user"] = u
            t["requester_id"] = u["id"]
    for key in ("tags", "additional_tags", "remove_tags", "collaborator_ids", "follower_ids"):
        if key in body:
            value = body[key]
            ok = isinstance(value, list) and all(is_int(v) if key.endswith("_ids") else isinstance(v, str) for v in value)
            if not ok:
                bad(key, "%s: is not valid" % key)
                continue
            if key.endswith("tags"):  # tags are lower-cased; spaces separate tags
                value = list(dict.fromkeys(w.lower() for v in value for w in v.split()))
            if key == "additional_tags":
                t["tags"] = list(dict.fromkeys(t["tags"] + value))
            elif key == "remove_tags":
                t["tags"] = [x for x in t["tags"] if x not in value]
            else:
                t[key] = value
    if "external_id" in body:
        if body["external_id"] is not None and not isinstance(body["external_id"], str):
            bad("external_id", "External ID: is not valid")
        else:
            t["external_id"] = body["external_id"]
    if "due_at" in body:
        try:
            t["due_at"] = None if body["due_at"] is None else parse_time(body["due_at"])
        except (ValueError, AttributeError, TypeError):
            bad("due_at", "Due at: is not valid")
    if "custom_fields" in body:
        fields = {f["id"]: f for f in api.state["ticket_fields"] if f["active"]}
        items = body["custom_fields"]
        if not isinstance(items, list) or not all(isinstance(i, dict) and "id" in i for i in items):
            bad("custom_fields", "Custom fields: is not valid")
            items = []
        t["custom_fields"] = dict(t["custom_fields"])
        for item in items:
            f = fields.get(item["id"])
            value = item.get("value")
            if f is None:
                bad("base", "Custom field %s: does not exist" % item["id"], field_key=item["id"])
            elif value is not None and f["type"] in ("integer", "decimal") and not (
                    is_int(value) or isinstance(value, float) or (isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value))):
                bad("base", "%s: is not a number" % f["title"], field_key=f["id"])
            else:
                t["custom_fields"][str(f["id"])] = None if value is None else str(value)
    if "comment" in body:
        c = body["comment"]
        text = c.get("body", c.get("html_body")) if isinstance(c, dict) else None
        if not isinstance(text, str) or not text.strip() or not isinstance(c.get("public", True), bool) \
                or set(c) - {"body", "html_body", "public", "author_id", "uploads"}:
            bad("comment", "Comment: is not valid")
        else:
            t["_comment"] = {"body": re.sub(r"<[^>]+>", "", text), "public": c.get("public", True),
                             "author_id": c.get("author_id", api.user["id"])}
    if creating and "_comment" not in t and "comment" not in details:
        bad("base", "Description: cannot be blank", "BlankValue")
    if t.get("status") == "solved" and t.get("assignee_id") is None and api.user["role"] in ("admin", "agent"):
        t["assignee_id"] = api.user["id"]  # solving assigns the solver


def add_audit(api, t, events, comment, now):
    audit = {"id": api.next_id(api.state, "audit", 0), "ticket_id": t["id"], "author_id": api.user["id"],
             "created": now, "events": []}
    if comment:
        audit["events"].append({"id": api.next_id(api.state, "event", 0), "type": "Comment", "body": comment["body"],
                                "public": comment["public"], "author_id": comment["author_id"]})
    for e in events:
        audit["events"].append(dict(e, id=api.next_id(api.state, "event", 0)))
    api.state["audits"].append(audit)
    return audit


TRACKED = ["subject", "status", "priority", "type", "requester_id", "assignee_id", "group_id", "organization_id",
           "tags", "external_id", "problem_id", "due_at"]


# --- endpoints -------------------------------------------------------------------------------------

def create_ticket(api, req):
    api.require_agent()
    key = req.header("Idempotency-Key")
    try:  # the same parameters, whatever the JSON spacing or member order
        fingerprint = hashlib.sha256(json.dumps(req.json_body(), sort_keys=True).encode()).hexdigest()
    except ValueError:
        fingerprint = hashlib.sha256(req.body).hexdigest()
    now = api.now()
    ttl = int(api.config.get("idempotency_ttl_seconds", 7200)) * 1000
    api.state["idempotency"] = [r for r in api.state["idempotency"] if r["created"] + ttl > now]
    if key is not None:
        old = next((r for r in api.state["idempotency"] if r["key"] == key), None)
        if old is not None:
            if old["fingerprint"] != fingerprint:  # correction 7
                fail(400, "IdempotentRequestError", "Request parameters don't match the given idempotency key")
            return Reply(201, old["response"], JSON, {"Location": old["location"], "x-idempotency-lookup": "hit"})
    body = api.body(req, "ticket")
    details = {}
    t = {"external_id": None, "type": None, "subject": None, "priority": None, "status": None,
         "requester_id": api.user["id"], "submitter_id": api.user["id"], "assignee_id": None,
         "organization_id": None, "group_id": None, "tags": [], "custom_fields": {}, "due_at": None, "problem_id": None,
         "via_followup_source_id": None, "deleted": False, "ticket_form_id": None, "brand_id": None,
         "collaborator_ids": [], "follower_ids": []}
    check(api, t, body, True, details)
    if details:
        record_invalid(details)
    comment = t.pop("_comment")
    user = t.pop("_new_user", None)
    if user:
        api.state["users"].append(user)
    if t["organization_id"] is None:
        t["organization_id"] = (api.find_user(t["requester_id"]) or {}).get("organization_id")
    t["status"] = t["status"] or ("open" if t["assignee_id"] else "new")
    if t["type"] != "task":
        t["due_at"] = None  # due_at belongs to tasks
    t.update({"id": api.next_id(api.state, "ticket", 0), "description": comment["body"], "is_public": comment["public"],
              "created": now, "updated": now, "generated": now})
    events = [{"type": "Create", "field_name": k, "value": shown(api, k, t[k])} for k in TRACKED if t[k] not in (None, [])]
    events += [{"type": "Create", "field_name": k, "value": v} for k, v in t["custom_fields"].items() if v is not None]
    audit = add_audit(api, t, events, comment, now)
    api.state["tickets"].append(t)
    location = api.url("tickets/%d.json" % t["id"])
    response = json.dumps({"ticket": render_ticket(api, t), "audit": render_audit(api, audit)}, separators=(",", ":"))
    headers = {"Location": location}
    if key is not None:
        api.state["idempotency"].append({"key": key, "fingerprint": fingerprint, "created": now, "ticket_id": t["id"],
                                         "response": response, "location": location})
        headers["x-idempotency-lookup"] = "miss"
    api.changed()
    return Reply(201, response, JSON, headers)


def update_ticket(api, req, tid):
    api.require_agent()
    t = api.find_ticket(tid)
    body = api.body(req, "ticket")
    if t["status"] == "closed":  # correction 8: match on details.status, not on the wording
        record_invalid({"status": [{"description": "Status: closed prevents ticket update"}]})
    if body.get("safe_update") and body.get("updated_stamp") != api.time(t["updated"]):
        fail(409, "UpdateConflict", "Safe Update prevented the update due to outdated ticket data. "
                                    "Please fetch the latest ticket data and try again.")
    draft, details = dict(t), {}
    check(api, draft, body, False, details)
    if details:
        record_invalid(details)
    comment = draft.pop("_comment", None)
    draft.pop("_new_user", None)
    now = api.now()
    events = [{"type": "Change", "field_name": k, "value": shown(api, k, draft[k]),
               "previous_value": shown(api, k, t[k])}
              for k in TRACKED if draft[k] != t[k]]
    events += [{"type": "Change", "field_name": k, "value": v, "previous_value": t["custom_fields"].get(k)}
               for k, v in draft["custom_fields"].items() if t["custom_fields"].get(k) != v]
    audit = None
    if events or comment:
        t.update(draft)
        t["updated"] = t["generated"] = now
        audit = add_audit(api, t, events, comment, now)
        api.changed()
    out = {"ticket": render_ticket(api, t)}
    out["audit"] = render_audit(api, audit) if audit else {"id": None, "ticket_id": t["id"], "events": []}
    return json_reply(200, out, content_type=JSON)


def show_ticket(api, req, tid):
    api.require_agent()
    return json_reply(200, {"ticket": render_ticket(api, api.find_ticket(tid))}, content_type=JSON)


def list_tickets(api, req, org=None):
    api.require_agent()
    if org is not None and int(org) not in [o["id"] for o in api.state["organizations"]]:
        fail(404, "RecordNotFound", "Not found")
    rows = sorted((t for t in api.state["tickets"] if not t["deleted"] and (org is None or t["organization_id"] == int(org))
                   and req.arg("external_id") in (None, t["external_id"])), key=lambda t: t["id"])
    out = api.paged(req, rows, "tickets")
    out["tickets"] = [render_ticket(api, t) for t in out["tickets"]]
    api.list_headers = "tickets"
    return json_reply(200, out, content_type=JSON)


def ticket_audits(api, req, tid):
    api.require_agent()
    t = api.find_ticket(tid)
    rows = sorted((a for a in api.state["audits"] if a["ticket_id"] == t["id"]), key=lambda a: a["id"])
    out = api.paged(req, rows, "audits")
    out["audits"] = [render_audit(api, a) for a in out["audits"]]
    api.list_headers = "list"
    return json_reply(200, out, content_type=JSON)


def ticket_comments(api, req, tid):
    api.require_agent()
    t = api.find_ticket(tid)
    if req.arg("sort_order") not in (None, "asc", "desc"):
        invalid_attribute("You passed an invalid value for the sort_order attribute.")
    if req.arg("sort_order") == "desc" and any(k.startswith("page[") for k in req.query):
        invalid_attribute("sort_order=desc with cursor pagination (lab fixture: not modelled; use page/per_page)")
    rows = [dict(e, created=a["created"], audit_id=a["id"]) for a in api.state["audits"] if a["ticket_id"] == t["id"]
            for e in a["events"] if e["type"] == "Comment"]
    rows.sort(key=lambda e: e["id"], reverse=req.arg("sort_order") == "desc")
    out = api.paged(req, rows, "comments")
    out["comments"] = [dict(render_event(e), audit_id=e["audit_id"], created_at=api.time(e["created"]),
                            via={"channel": "api"}, metadata={}) for e in out["comments"]]
    api.list_headers = "list"
    return json_reply(200, out, content_type=JSON)


def ticket_fields(api, req):
    api.require_agent()
    rows = [{"url": api.url("ticket_fields/%d.json" % f["id"]), "id": f["id"], "type": f["type"], "title": f["title"],
             "raw_title": f["title"], "description": "", "position": n, "active": f["active"], "required": False,
             "title_in_portal": f["title"], "visible_in_portal": False, "editable_in_portal": False, "tag": None,
             "removable": True, "key": None} for n, f in enumerate(api.state["ticket_fields"])]
    api.list_headers = "list"
    return json_reply(200, {"ticket_fields": rows, "next_page": None, "previous_page": None, "count": len(rows)},
                      content_type=JSON)


def users_me(api, req):
    u = api.user
    return json_reply(200, {"user": {"id": u["id"], "url": api.url("users/%d.json" % u["id"]), "name": u["name"],
                                     "email": u["email"], "role": u["role"], "organization_id": u["organization_id"],
                                     "active": u["active"], "time_zone": "UTC"}}, content_type=JSON)


def organizations(api, req):
    api.require_agent()
    out = api.paged(req, sorted(api.state["organizations"], key=lambda o: o["id"]), "organizations")
    out["organizations"] = [{"id": o["id"], "url": api.url("organizations/%d.json" % o["id"]), "name": o["name"]}
                            for o in out["organizations"]]
    api.list_headers = "list"
    return json_reply(200, out, content_type=JSON)


def routes():
    return [
        ("GET", r"/users/me", users_me, []),
        ("GET", r"/organizations", organizations, PAGING),
        ("GET", r"/tickets", list_tickets, PAGING + ["external_id"]),
        ("POST", r"/tickets", create_ticket, []),
        ("GET", r"/organizations/(?P<org>\d+)/tickets", list_tickets, PAGING + ["external_id"]),
        ("GET", r"/tickets/(?P<tid>\d+)", show_ticket, []),
        ("PUT", r"/tickets/(?P<tid>\d+)", update_ticket, []),
        ("GET", r"/tickets/(?P<tid>\d+)/audits", ticket_audits, PAGING),
        ("GET", r"/tickets/(?P<tid>\d+)/comments", ticket_comments, PAGING + ["sort_order"]),
        ("GET", r"/ticket_fields", ticket_fields, []),
    ]
