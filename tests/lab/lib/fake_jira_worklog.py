"""Fake Jira, worklogs (time tracking).

  GET    /issue/{ref}/worklog?startAt&maxResults&startedAfter&startedBefore   PageOfWorklogs
         {startAt, maxResults, total, worklogs}; maxResults default 5000; startedAfter/Before are
         UNIX milliseconds (both exclusive: "after which" / "before which"); ordered by creation
  POST   /issue/{ref}/worklog   201 Worklog. `started` required, exactly yyyy-MM-dd'T'HH:mm:ss.SSSZ
         (e.g. 2025-06-03T09:00:00.000+0200; "Z" or "+02:00" refused, [U] as reported); one of
         timeSpentSeconds or timeSpent ("1h 30m"), not both. 413 beyond the per-issue limit
  GET|PUT|DELETE /issue/{ref}/worklog/{id}   200 / 200 / 204 (a deletion feeds /worklog/deleted)
  GET    /worklog/updated?since=ms   ChangedWorklogs {values:[{worklogId (int), updatedTime}], since,
         until, self, nextPage, lastPage}: oldest first, at most config.worklog_page (1000) a page,
         `since` INCLUSIVE (correction 3: the boundary worklog comes again on the next page),
         nextPage present even on the last page, worklogs updated in the minute before the request
         left out
  GET    /worklog/deleted?since=ms   the same shape for deleted worklogs
  POST   /worklog/list {"ids": [int, ...]}   an array of Worklog; empty or more than 1000 ids: 400
Worklog.id and issueId are strings, worklogId in the change feeds an integer. With
config.time_tracking false, every worklog endpoint answers 404 (reads) or 400 (writes).
"""

import re

import fake_jira_issues
from fake_jira import JSON, fail
from ticketing_common import Reply, is_int, json_reply, parse_time

STARTED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$")
UNITS = {"w": 5 * 8 * 3600, "d": 8 * 3600, "h": 3600, "m": 60}  # Jira's defaults: 8h days, 5d weeks


def parse_duration(text):
    """Seconds of a Jira duration ("1h 30m", "2d", "1w 4h", "90m"); ValueError otherwise."""
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([wdhm])", text or "")
    if not parts or re.sub(r"(\d+(?:\.\d+)?)\s*([wdhm])", "", text).strip():
        raise ValueError(text)
    return int(sum(float(n) * UNITS[u] for n, u in parts))


def format_duration(seconds):
    out, left = [], int(seconds)
    for unit in "wdhm":
        n, left = divmod(left, UNITS[unit])
        if n:
            out.append("%d%s" % (n, unit))
    return " ".join(out) or "0m"


def render(api, w, expand=()):
    out = {"self": api.url("issue/%s/worklog/%s" % (w["issueId"], w["id"])), "author": api.render_user(w["author"]),
           "updateAuthor": api.render_user(w["updateAuthor"]), "created": api.time(w["created"]),
           "updated": api.time(w["updated"]), "started": api.time(w["started"]),
           "timeSpent": format_duration(w["timeSpentSeconds"]), "timeSpentSeconds": w["timeSpentSeconds"],
           "id": w["id"], "issueId": w["issueId"]}
    if w.get("comment") is not None:
        out["comment"] = api.rich(w["comment"])
    if w.get("visibility"):
        out["visibility"] = w["visibility"]
    if "properties" in expand:
        out["properties"] = []
    return out


def enabled(api, req):
    if not api.config.get("time_tracking", True):
        fail(404 if req.method == "GET" else 400, ["Time tracking is not enabled on this site."])  # [U] wording


def expand_of(req):
    return (req.arg("expand") or "").split(",")


def issue_worklogs(api, issue):
    return sorted((w for w in api.state["worklogs"] if w["issueId"] == issue["id"]), key=lambda w: (w["created"], int(w["id"])))


def list_worklogs(api, req, ref):
    enabled(api, req)
    issue = api.find_issue(ref)
    start, size = api.int_arg(req, "startAt", 0), api.int_arg(req, "maxResults", 5000)
    after, before = api.int_arg(req, "startedAfter", None), api.int_arg(req, "startedBefore", None)
    ws = [w for w in issue_worklogs(api, issue)
          if (after is None or w["started"] > after) and (before is None or w["started"] < before)]
    return json_reply(200, {"startAt": start, "maxResults": size, "total": len(ws),
                            "worklogs": [render(api, w, expand_of(req)) for w in ws[start:start + size]]},
                      content_type=JSON)


def validate(api, body, creating, errors):
    """The worklog fields of a POST/PUT body, checked; {field: value} to store."""
    out = {}
    if "started" in body:
        if not isinstance(body["started"], str) or not STARTED.match(body["started"]):
            errors["started"] = ("Invalid date format for 'started': use yyyy-MM-dd'T'HH:mm:ss.SSSZ, "
                                 "e.g. 2025-06-03T09:00:00.000+0200")  # [U] wording
        else:
            out["started"] = parse_time(body["started"])
    elif creating:
        errors["started"] = "Started date is required."  # [U] wording
    if "timeSpent" in body and "timeSpentSeconds" in body:
        errors["timeLogged"] = "Send timeSpent or timeSpentSeconds, not both."  # [U] wording
    elif "timeSpentSeconds" in body:
        if not is_int(body["timeSpentSeconds"]) or body["timeSpentSeconds"] <= 0:
            errors["timeLogged"] = "You must indicate the time spent working."
        else:
            out["timeSpentSeconds"] = body["timeSpentSeconds"]
    elif "timeSpent" in body:
        try:
            out["timeSpentSeconds"] = parse_duration(body["timeSpent"] if isinstance(body["timeSpent"], str) else "")
        except ValueError:
            errors["timeLogged"] = "Invalid time duration entered."
    elif creating:
        errors["timeLogged"] = "You must indicate the time spent working."
    if "comment" in body:
        if fake_jira_issues.check_rich(api, body["comment"], "comment", errors):
            out["comment"] = body["comment"]
    if "visibility" in body:
        vis = body["visibility"]
        if vis is not None and not (isinstance(vis, dict) and vis.get("type") in ("group", "role")):
            errors["visibility"] = "Visibility must be {type: group|role, value|identifier}"
        out["visibility"] = vis
    return out


def check_estimate(req):
    if req.arg("adjustEstimate") not in (None, "auto", "new", "leave", "manual"):
        fail(400, ["adjustEstimate must be one of auto, new, leave or manual."])
    if req.arg("adjustEstimate") == "new" and not req.arg("newEstimate"):
        fail(400, ["You must supply a valid new estimate."])
    if req.arg("adjustEstimate") == "manual" and not (req.arg("reduceBy") or req.arg("increaseBy")):
        fail(400, ["You must supply a valid amount to reduce the estimate by."])


def add_worklog(api, req, ref):
    enabled(api, req)
    issue = api.find_issue(ref)
    body = api.body(req, {"comment", "started", "timeSpent", "timeSpentSeconds", "visibility", "properties"})
    api.require_write(issue["project"])
    check_estimate(req)
    errors = {}
    fields = validate(api, body, True, errors)
    if errors:
        fail(400, [], errors)
    limit = api.config.get("worklogs_per_issue_limit")
    if limit is not None and len(issue_worklogs(api, issue)) >= int(limit):
        fail(413, ["The issue has reached the maximum number of worklogs."])  # [U] wording
    now = api.now()
    w = dict({"comment": None, "visibility": None}, **fields)
    w.update({"id": str(api.next_id(api.state, "worklog", 20000)), "issueId": issue["id"], "author": api.user_ref(),
              "updateAuthor": api.user_ref(), "created": now, "updated": now})
    api.state["worklogs"].append(w)
    issue["updated"] = now
    api.changed()
    return json_reply(201, render(api, w, expand_of(req)), content_type=JSON)


def one(api, issue, wid):
    w = next((w for w in api.state["worklogs"] if w["issueId"] == issue["id"] and w["id"] == wid), None)
    if w is None:
        fail(404, ["Cannot find worklog with id: '%s'." % wid])
    return w


def get_worklog(api, req, ref, wid):
    enabled(api, req)
    return json_reply(200, render(api, one(api, api.find_issue(ref), wid), expand_of(req)), content_type=JSON)


def update_worklog(api, req, ref, wid):
    enabled(api, req)
    issue = api.find_issue(ref)
    w = one(api, issue, wid)
    body = api.body(req, {"comment", "started", "timeSpent", "timeSpentSeconds", "visibility", "properties"})
    api.require_write(issue["project"])
    check_estimate(req)
    errors = {}
    fields = validate(api, body, False, errors)
    if errors:
        fail(400, [], errors)
    w.update(fields)
    w["updated"] = issue["updated"] = api.now()
    w["updateAuthor"] = api.user_ref()
    api.changed()
    return json_reply(200, render(api, w, expand_of(req)), content_type=JSON)


def delete_worklog(api, req, ref, wid):
    enabled(api, req)
    issue = api.find_issue(ref)
    w = one(api, issue, wid)
    api.require_write(issue["project"])
    check_estimate(req)
    now = api.now()
    api.state["worklogs"].remove(w)
    api.state["deleted_worklogs"].append({"worklogId": int(w["id"]), "updatedTime": now})
    issue["updated"] = now
    api.changed()
    return Reply(204, b"")


def changed(api, req, deleted):
    enabled(api, req)
    since = api.int_arg(req, "since", 0)
    cutoff = api.now() - 60000  # the minute before the request is left out
    visible = {i["id"] for i in api.state["issues"] if api.can_browse(i["project"])}
    if deleted:
        rows = [(d["updatedTime"], d["worklogId"]) for d in api.state["deleted_worklogs"]]
    else:
        rows = [(w["updated"], int(w["id"])) for w in api.state["worklogs"] if w["issueId"] in visible]
    rows = sorted(r for r in rows if since <= r[0] <= cutoff)  # `since` is inclusive (correction 3)
    size = int(api.config.get("worklog_page") or 1000)
    page = rows[:size]
    until = page[-1][0] if page else since
    values = []
    for t, wid in page:
        v = {"worklogId": wid, "updatedTime": t}
        if "properties" in expand_of(req):
            v["properties"] = []
        values.append(v)
    path = "worklog/%s?since=" % ("deleted" if deleted else "updated")
    return json_reply(200, {"values": values, "since": since, "until": until, "self": api.url(path + str(since)),
                            "nextPage": api.url(path + str(until)), "lastPage": len(rows) <= size},
                      content_type=JSON)


def list_by_ids(api, req):
    enabled(api, req)
    body = api.body(req, {"ids"})
    ids = body.get("ids")
    if not isinstance(ids, list) or not all(is_int(i) for i in ids):
        fail(400, ["ids must be an array of worklog ids (integers)."])
    if not ids or len(ids) > 1000:
        fail(400, ["The number of worklog ids must be between 1 and 1000."])  # [U] wording
    visible = {i["id"] for i in api.state["issues"] if api.can_browse(i["project"])}
    by_id = {int(w["id"]): w for w in api.state["worklogs"] if w["issueId"] in visible}
    return json_reply(200, [render(api, by_id[i], expand_of(req)) for i in dict.fromkeys(ids) if i in by_id],
                      content_type=JSON)


def routes():
    write = ["notifyUsers", "adjustEstimate", "newEstimate", "reduceBy", "expand", "overrideEditableFlag"]
    return [
        ("GET", r"/issue/(?P<ref>[^/]+)/worklog", list_worklogs,
         ["startAt", "maxResults", "startedAfter", "startedBefore", "expand"]),
        ("POST", r"/issue/(?P<ref>[^/]+)/worklog", add_worklog, write),
        ("GET", r"/issue/(?P<ref>[^/]+)/worklog/(?P<wid>\d+)", get_worklog, ["expand"]),
        ("PUT", r"/issue/(?P<ref>[^/]+)/worklog/(?P<wid>\d+)", update_worklog, write),
        ("DELETE", r"/issue/(?P<ref>[^/]+)/worklog/(?P<wid>\d+)", delete_worklog, write + ["increaseBy"]),
        ("GET", r"/worklog/updated", lambda api, req: changed(api, req, False), ["since", "expand"]),
        ("GET", r"/worklog/deleted", lambda api, req: changed(api, req, True), ["since"]),
        ("POST", r"/worklog/list", list_by_ids, ["expand"]),
    ]
