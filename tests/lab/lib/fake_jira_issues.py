"""Fake Jira, issue endpoints: /myself, /priority, issue get/create/edit, transitions, comments,
remote links and issue properties (see fake_jira.py for the conventions, TICKETING.md for the
reference sections).

Create (POST /issue) has no idempotency key, as in Jira: the same body sent twice makes two issues.
A client dedupes with a label (e.g. tma-incident-ID) and a search before creating.
"""

import json
import re

from fake_jira import ALL_FIELDS, CANNOT_SET, JSON, fail, is_adf
from ticketing_common import ApiError, Reply, json_reply


def routes():
    """[(method, path under /rest/api/N, handler(api, req, **groups), allowed query parameters)]."""
    return [
        ("GET", r"/myself", get_myself, ["expand"]),
        ("GET", r"/priority", get_priorities, []),
        ("POST", r"/issue", create_issue, ["updateHistory"]),
        ("GET", r"/issue/(?P<ref>[^/]+)", get_issue,
         ["fields", "expand", "properties", "fieldsByKeys", "updateHistory", "failFast"]),
        ("PUT", r"/issue/(?P<ref>[^/]+)", edit_issue,
         ["notifyUsers", "overrideScreenSecurity", "overrideEditableFlag", "returnIssue", "expand"]),
        ("GET", r"/issue/(?P<ref>[^/]+)/transitions", get_transitions,
         ["expand", "transitionId", "skipRemoteOnlyCondition", "includeUnavailableTransitions",
          "sortByOpsBarAndStatus"]),
        ("POST", r"/issue/(?P<ref>[^/]+)/transitions", post_transition, []),
        ("GET", r"/issue/(?P<ref>[^/]+)/comment", get_comments, ["startAt", "maxResults", "orderBy", "expand"]),
        ("POST", r"/issue/(?P<ref>[^/]+)/comment", add_comment, ["expand"]),
        ("GET", r"/issue/(?P<ref>[^/]+)/comment/(?P<cid>\d+)", get_comment, ["expand"]),
        ("GET", r"/issue/(?P<ref>[^/]+)/remotelink", get_remotelinks, ["globalId"]),
        ("POST", r"/issue/(?P<ref>[^/]+)/remotelink", post_remotelink, []),
        ("GET", r"/issue/(?P<ref>[^/]+)/properties/(?P<pk>[^/]+)", get_property, []),
        ("PUT", r"/issue/(?P<ref>[^/]+)/properties/(?P<pk>[^/]+)", put_property, []),
    ]


def get_myself(api, req):
    api.require_user()
    return json_reply(200, api.render_user(api.user["accountId"]), content_type=JSON)


def get_priorities(api, req):
    return json_reply(200, [dict(api.render_priority(p["id"]), statusColor="#cccccc", description=p["name"])
                            for p in api.state["priorities"]], content_type=JSON)


def get_issue(api, req, ref):
    issue = api.find_issue(ref)
    names = api.wanted((req.arg("fields") or "*all").split(","))
    expand = (req.arg("expand") or "").split(",")
    return json_reply(200, api.render_issue(issue, names, expand), content_type=JSON)


def check_rich(api, value, field, errors):
    if value is not None and not (is_adf(value) if api.ver == 3 else isinstance(value, str)):
        errors[field] = ("Operation value must be an Atlassian Document (see the Atlassian Document Format)"
                         if api.ver == 3 else "Operation value must be a string")
        return False
    return True


def apply_fields(api, issue, project, fields, errors):
    """Validate and set `fields` on `issue` (a dict being built or edited); errors by field."""
    for name, value in fields.items():
        if name not in project["fields"]:
            errors[name] = CANNOT_SET % name
        elif name == "project":
            continue  # checked by the caller on create; on edit, moving issues is not supported
        elif name == "summary":
            if not isinstance(value, str) or not value.strip():
                errors[name] = "You must specify a summary of the issue."
            elif len(value) > 255:
                errors[name] = "Summary must be less than 255 characters."
            else:
                issue["summary"] = value
        elif name in ("description", "environment"):
            if check_rich(api, value, name, errors):
                issue[name] = value
        elif name == "priority":
            ref = value if isinstance(value, dict) else {}
            match = [p for p in api.state["priorities"] if p["id"] == ref.get("id") or p["name"] == ref.get("name")]
            if not match:
                errors[name] = "The priority selected is invalid."  # [U] wording
            else:
                issue["priority"] = match[0]["id"]
        elif name == "labels":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors[name] = "data was not an array"
            elif any(" " in v or not v for v in value):
                errors[name] = "The label '%s' contains spaces which is invalid." % next(
                    v for v in value if " " in v or not v)  # [U] wording; spaces are refused
            else:
                issue["labels"] = list(dict.fromkeys(value))
        elif name == "components":
            ok = isinstance(value, list) and all(isinstance(c, dict) for c in value)
            chosen = [c for c in project["components"] for v in (value if ok else [])
                      if v.get("id") == c["id"] or v.get("name") == c["name"]]
            if not ok:
                errors[name] = "expected Object containing 'id' or 'name'"  # objects, not strings
            elif len(chosen) != len(value):
                errors[name] = "Component name or id is not valid"
            else:
                issue["components"] = [c["id"] for c in chosen]
        elif name in ("assignee", "reporter"):
            member = "accountId" if api.cloud else "name"
            if value is None and name == "assignee":
                issue[name] = None
            elif not isinstance(value, dict) or api.find_user(value.get(member)) is None:
                errors[name] = "Specify a valid value for %s" % name
            else:
                issue[name] = value[member]
        elif name == "duedate":
            if value is not None and not (isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
                errors[name] = "Error parsing date string: %s" % value
            else:
                issue["duedate"] = value
        elif name == "issuetype":
            t = issuetype(api, project, value)
            if t is None:
                errors[name] = "The issue type selected is invalid."
            else:
                issue["issuetype"] = t


def issuetype(api, project, value):
    if not isinstance(value, dict):
        return None
    for t in api.state["issuetypes"]:
        if t["id"] in project["issuetypes"] and (value.get("id") == t["id"] or value.get("name") == t["name"]):
            return t["id"]
    return None


def apply_update(api, issue, project, update, errors):
    """The `update` verbs: labels add/remove/set, comment add, set on settable fields."""
    if not isinstance(update, dict):
        fail(400, ["Can not deserialize instance of update out of non-object"])
    for name, ops in update.items():
        if not isinstance(ops, list) or not all(isinstance(o, dict) and len(o) == 1 for o in ops):
            errors[name] = "Operations must be a list of single-verb objects"
            continue
        for op in ops:
            verb, arg = next(iter(op.items()))
            if name == "labels" and verb in ("add", "remove") and isinstance(arg, str) and " " not in arg:
                if verb == "add" and arg not in issue["labels"]:
                    issue["labels"] = issue["labels"] + [arg]
                elif verb == "remove":
                    issue["labels"] = [x for x in issue["labels"] if x != arg]
            elif name == "comment" and verb == "add" and isinstance(arg, dict):
                if arg.get("body") is None or not check_rich(api, arg.get("body"), "comment", {}):
                    errors["comment"] = "Comment body is not valid!"  # correction 5
                else:
                    issue.setdefault("_comments", []).append(arg)
            elif verb == "set":
                apply_fields(api, issue, project, {name: arg}, errors)
            else:
                errors[name] = "Operation '%s' is not supported on field '%s'" % (verb, name)


def add_comment_record(api, issue, body, visibility=None):
    now = api.now()
    c = {"id": str(api.next_id(api.state, "comment", 10000)), "issueId": issue["id"], "author": api.user_ref(),
         "body": body, "visibility": visibility, "created": now, "updated": now}
    api.state["comments"].append(c)
    issue["updated"] = now
    api.changed()
    return c


def create_issue(api, req):
    body = api.body(req, {"fields", "update", "properties", "historyMetadata", "transition"})
    api.require_user()
    fields = body.get("fields", {})
    if not isinstance(fields, dict):
        fail(400, ["Can not deserialize instance of fields out of non-object"])
    errors = {}
    ref = fields.get("project") if isinstance(fields.get("project"), dict) else {}
    project = api.project(ref.get("key") or ref.get("id"))
    if project is None or not api.can_browse(project["key"]):
        errors["project"] = "Specify a valid project ID or key"
        fail(400, [], errors)
    api.require_write(project["key"])
    now = api.now()
    issue = {"project": project["key"], "summary": None, "status": project["statuses"][0]["id"],
             "priority": "3" if project["priority"] else None, "labels": [], "components": [],
             "description": None, "environment": None, "duedate": None, "resolution": None,
             "assignee": None, "reporter": api.user_ref(), "properties": {}, "remotelinks": [],
             "created": now, "updated": now, "resolutiondate": None}
    if "issuetype" not in fields:
        errors["issuetype"] = "Specify an issue type"
    if "summary" not in fields:
        errors["summary"] = "You must specify a summary of the issue."
    apply_fields(api, issue, project, fields, errors)
    apply_update(api, issue, project, body.get("update", {}), errors)
    props = body.get("properties", [])
    if not isinstance(props, list) or not all(isinstance(p, dict) and isinstance(p.get("key"), str) for p in props):
        errors["properties"] = "Properties must be a list of {key, value}"
    if errors:
        fail(400, [], errors)
    issue["properties"] = {p["key"]: p.get("value") for p in props}
    issue["id"] = str(api.next_id(api.state, "issue", 10000))
    issue["key"] = "%s-%d" % (project["key"], project["next"])
    project["next"] += 1
    pending = issue.pop("_comments", [])
    api.state["issues"].append(issue)
    for c in pending:
        add_comment_record(api, issue, c["body"], c.get("visibility"))
    api.changed()
    out = {"id": issue["id"], "key": issue["key"], "self": api.url("issue/" + issue["id"])}
    if "transition" in body:  # applied after the create; reported, never fatal
        try:
            do_transition(api, issue, body)
            out["transition"] = {"status": 204, "errorCollection": {"errorMessages": [], "errors": {}}}
        except ApiError as e:
            out["transition"] = {"status": e.reply.status, "errorCollection": json.loads(e.reply.body)}
    return json_reply(201, out, content_type=JSON)


def edit_issue(api, req, ref):
    issue = api.find_issue(ref)
    body = api.body(req, {"fields", "update", "properties", "historyMetadata", "transition"})
    project = api.project(issue["project"])
    api.require_write(project["key"])
    # "issue transition is not supported and is ignored" here: a `transition` member is ignored;
    # fields.status is not on the edit screen, so it gets the usual "cannot be set" error.
    fields = body.get("fields", {})
    if not isinstance(fields, dict):
        fail(400, ["Can not deserialize instance of fields out of non-object"])
    errors = {}
    draft = dict(issue)
    if "project" in fields:
        errors["project"] = CANNOT_SET % "project"
    apply_fields(api, draft, project, {k: v for k, v in fields.items() if k != "project"}, errors)
    apply_update(api, draft, project, body.get("update", {}), errors)
    if errors:
        fail(400, [], errors)
    pending = draft.pop("_comments", [])
    draft["updated"] = api.now()
    issue.update(draft)
    for c in pending:
        add_comment_record(api, issue, c["body"], c.get("visibility"))
    api.changed()
    if req.arg("returnIssue") == "true":
        return json_reply(200, api.render_issue(issue, ALL_FIELDS), content_type=JSON)
    return Reply(204, b"")


def get_transitions(api, req, ref):
    issue = api.find_issue(ref)
    with_fields = "transitions.fields" in (req.arg("expand") or "").split(",")
    ts = [api.render_transition(t, issue, with_fields) for t in api.transitions_of(issue)
          if req.arg("transitionId") in (None, t["id"])]
    return json_reply(200, {"expand": "transitions", "transitions": ts}, content_type=JSON)  # correction 6


def do_transition(api, issue, body):
    tr = body.get("transition")
    if not isinstance(tr, dict) or "id" not in tr:
        fail(400, ["Missing 'transition' identifier"])
    if not re.fullmatch(r"\d+", str(tr["id"])):
        fail(400, ["'transition' identifier must be an integer"])
    t = next((t for t in api.transitions_of(issue) if t["id"] == str(tr["id"])), None)
    if t is None:
        fail(400, ["Transition id '%s' is not valid for this issue." % tr["id"]])
    project = api.project(issue["project"])
    errors, resolution = {}, None
    if not isinstance(body.get("fields") or {}, dict):
        fail(400, ["Can not deserialize instance of fields out of non-object"])
    for name, value in (body.get("fields") or {}).items():
        if name not in t["fields"]:
            errors[name] = CANNOT_SET % name
        elif name == "resolution":
            ref = value if isinstance(value, dict) else {}
            r = next((r for r in api.state["resolutions"]
                      if r["id"] == ref.get("id") or r["name"] == ref.get("name")), None)
            if r is None:
                errors[name] = "Could not find valid 'id' or 'name' in resolution object."
            resolution = r and r["id"]
    draft = dict(issue)
    apply_update(api, draft, project, body.get("update", {}), errors)
    if errors:
        fail(400, [], errors)
    now = api.now()
    issue["status"] = t["to"]
    if api.status(project, t["to"])["category"] == "done":
        issue["resolution"] = resolution or issue["resolution"] or api.state["resolutions"][0]["id"]
        issue["resolutiondate"] = issue["resolutiondate"] or now
    else:
        issue["resolution"] = issue["resolutiondate"] = None
    issue["updated"] = now
    for c in draft.get("_comments", []):
        add_comment_record(api, issue, c["body"], c.get("visibility"))
    api.changed()


def post_transition(api, req, ref):
    issue = api.find_issue(ref)
    body = api.body(req, {"transition", "fields", "update", "historyMetadata", "properties"})
    api.require_write(issue["project"])
    do_transition(api, issue, body)
    return Reply(204, b"")


def get_comments(api, req, ref):
    issue = api.find_issue(ref)
    start, size = api.int_arg(req, "startAt", 0), api.int_arg(req, "maxResults", 5000)
    cs = [c for c in api.state["comments"] if c["issueId"] == issue["id"]]
    cs.sort(key=lambda c: c["created"], reverse=req.arg("orderBy") == "-created")
    return json_reply(200, {"comments": [api.render_comment(c) for c in cs[start:start + size]],
                            "maxResults": size, "total": len(cs), "startAt": start}, content_type=JSON)


def get_comment(api, req, ref, cid):
    issue = api.find_issue(ref)
    c = next((c for c in api.state["comments"] if c["issueId"] == issue["id"] and c["id"] == cid), None)
    if c is None:
        fail(404, ["Can not find a comment for the id: %s." % cid])
    return json_reply(200, api.render_comment(c), content_type=JSON)


def add_comment(api, req, ref):
    issue = api.find_issue(ref)
    body = api.body(req, {"body", "visibility", "properties"})
    api.require_write(issue["project"])
    if body.get("body") in (None, ""):
        fail(400, [], {"comment": "Comment body can not be empty!"})
    if not check_rich(api, body["body"], "comment", {}):
        fail(400, [], {"comment": "Comment body is not valid!"})  # correction 5
    vis = body.get("visibility")
    if vis is not None and not (isinstance(vis, dict) and vis.get("type") in ("group", "role")
                                and isinstance(vis.get("value") or vis.get("identifier"), str)):
        fail(400, [], {"visibility": "Visibility must be {type: group|role, value|identifier}"})
    c = add_comment_record(api, issue, body["body"], vis)
    return json_reply(201, api.render_comment(c), content_type=JSON)


def get_remotelinks(api, req, ref):
    issue = api.find_issue(ref)
    links = [l for l in issue["remotelinks"] if req.arg("globalId") in (None, l.get("globalId"))]
    return json_reply(200, links, content_type=JSON)


def post_remotelink(api, req, ref):
    """An upsert by globalId: 201 when created, 200 when a link with that globalId was updated."""
    issue = api.find_issue(ref)
    body = api.body(req, {"globalId", "application", "relationship", "object"})
    api.require_write(issue["project"])
    obj = body.get("object")
    if not isinstance(obj, dict) or not isinstance(obj.get("url"), str) or not isinstance(obj.get("title"), str):
        fail(400, [], {"object": "'url' and 'title' are required in 'object'."})
    old = next((l for l in issue["remotelinks"] if body.get("globalId") and l.get("globalId") == body["globalId"]), None)
    if old:
        old.update({k: body[k] for k in body})
        link, status = old, 200
    else:
        lid = api.next_id(api.state, "remotelink", 10000)
        link = dict(body, id=lid, self=api.url("issue/%s/remotelink/%d" % (issue["id"], lid)))
        issue["remotelinks"].append(link)
        status = 201
    issue["updated"] = api.now()
    api.changed()
    return json_reply(status, {"id": link["id"], "self": link["self"]}, content_type=JSON)


def get_property(api, req, ref, pk):
    issue = api.find_issue(ref)
    if pk not in issue["properties"]:
        fail(404, ["The property with key '%s' does not exist." % pk])
    return json_reply(200, {"key": pk, "value": issue["properties"][pk]}, content_type=JSON)


def put_property(api, req, ref, pk):
    issue = api.find_issue(ref)
    if req.content_type() != "application/json":
        return Reply(415, b"")
    try:
        value = req.json_body()
    except ValueError:
        fail(400, ["The property value must be valid JSON."])
    api.require_write(issue["project"])
    status = 200 if pk in issue["properties"] else 201
    issue["properties"][pk] = value
    api.changed()
    return Reply(status, b"")
