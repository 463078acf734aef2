"""Fake Jira, the search endpoints (the JQL they take is in fake_jira_jql.py).

Cloud: GET|POST /rest/api/{2,3}/search/jql, the enhanced search: `nextPageToken` until the last
page, where it is absent (not null) and `isLast` is true; no total, startAt or maxResults in the
answer; `fields` defaults to id only (then an issue is just {"id"}); `expand` is a comma-separated
string, also in a POST body; the JQL must be bounded; maxResults defaults to 50, capped at
config.search_page_cap (100) when fields are asked, config.search_id_page_cap (5000) for ids only;
the index is eventually consistent: issues created in the last config.index_lag_seconds are not
found unless their ids are in reconcileIssues. A JQL value that does not exist is a 400
{"errorMessages": [...], "warningMessages": []} without "errors" (correction 4); other JQL errors
are ErrorCollections. POST /search/approximate-count {"jql"} -> {"count"}.
Cloud GET|POST /rest/api/{2,3}/search (the removed classic search): 410 (correction 2).
DC: GET|POST /rest/api/2/search, the classic search: startAt, maxResults (capped at
config.classic_page_cap, 1000), total; `fields` default *navigable; `expand` an array in a POST
body; validateQuery strict (unknown values are errors), warn (warningMessages) or none.
"""

import hashlib
import re

from fake_jira import JSON, err, fail
from fake_jira_jql import JqlError, Compiler, Parser, sort_issues
from ticketing_common import b64, is_int, json_reply, unb64


def run(api, text, bounded, lenient=None, reconcile=()):
    """Issues matching `text` (browsable ones only), sorted."""
    where, order = Parser(text or "").query()
    if bounded and where is None:
        raise JqlError("Unbounded JQL queries are not allowed here. Please add a search restriction to your query.")
    pred = Compiler(api, lenient).compile(where) if where is not None else (lambda i: True)
    lag = int(api.config.get("index_lag_seconds") or 0) * 1000
    now = api.now()
    visible = [i for i in api.state["issues"] if api.can_browse(i["project"])
               and (i["created"] <= now - lag or int(i["id"]) in reconcile)]  # eventually consistent index
    return sort_issues(api, [i for i in visible if pred(i)], order)


def jql_error(e, enhanced):
    if enhanced and e.kind == "value":  # correction 4: no "errors" key
        return json_reply(400, {"errorMessages": [str(e)], "warningMessages": []}, content_type=JSON)
    return err(400, [str(e)])


def removed_search():
    return err(410, ["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
                     "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"])


def search_params(api, req, spec):
    """The search parameters from the query string (GET) or the JSON body (POST), type-checked.
    spec: {name: "str" | "int" | "bool" | "strs" | "ints"}."""
    if req.method == "POST":
        if req.query:
            fail(400, ["Send the search parameters in the JSON body of a POST, not in the query string."])
        body = api.body(req, set(spec))
        for name, value in body.items():
            kind = spec[name]
            ok = {"str": isinstance(value, str), "int": is_int(value), "bool": isinstance(value, bool),
                  "strs": isinstance(value, list) and all(isinstance(v, str) for v in value),
                  "ints": isinstance(value, list) and all(is_int(v) for v in value)}[kind]
            if not ok and value is not None:
                fail(400, ["Cannot deserialize value of type `%s` for field '%s'" % (kind, name)])
        return body
    out = {}
    for name in req.query:
        raw = ",".join(req.query[name])
        kind = spec[name]
        if kind == "int":
            if not re.fullmatch(r"-?\d+", raw):
                fail(400, ["The value '%s' for the '%s' parameter is not an integer." % (raw, name)])
            out[name] = int(raw)
        elif kind == "bool":
            out[name] = raw == "true"
        elif kind in ("strs", "ints"):
            parts = [p for p in raw.split(",") if p]
            if kind == "ints" and not all(p.isdigit() for p in parts):
                fail(400, ["The value '%s' for the '%s' parameter is not a list of integers." % (raw, name)])
            out[name] = [int(p) for p in parts] if kind == "ints" else parts
        else:
            out[name] = raw
    return out


ENHANCED = {"jql": "str", "nextPageToken": "str", "maxResults": "int", "fields": "strs", "expand": "str",
            "properties": "strs", "fieldsByKeys": "bool", "failFast": "bool", "reconcileIssues": "ints"}
CLASSIC = {"jql": "str", "startAt": "int", "maxResults": "int", "fields": "strs", "expand": "strs",
           "validateQuery": "str", "properties": "strs", "fieldsByKeys": "bool"}


def search_jql(api, req):
    p = search_params(api, req, ENHANCED)
    if len(p.get("properties") or []) > 5 or len(p.get("reconcileIssues") or []) > 50:
        fail(400, ["At most 5 properties and 50 reconcileIssues are allowed."])
    text = p.get("jql") or ""
    names = api.wanted(p.get("fields") or ["id"])  # default: id only
    cap = api.config["search_id_page_cap"] if names == ["id"] else api.config["search_page_cap"]
    size = p.get("maxResults", 50)
    if size < 0:
        fail(400, ["The maxResults parameter must be a positive number."])
    size = min(size, cap)
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    start = 0
    if p.get("nextPageToken"):
        try:
            tag, offset, token_digest = unb64(p["nextPageToken"]).split(":")
            start = int(offset)
            if tag != "p" or token_digest != digest:
                raise ValueError
        except ValueError:
            fail(400, ["The provided next page token is invalid or expired."])  # [U] wording
    try:
        found = run(api, text, True, reconcile=set(p.get("reconcileIssues") or []))
    except JqlError as e:
        return jql_error(e, True)
    expand = [e.strip() for e in (p.get("expand") or "").split(",")]
    page = found[start:start + size]
    out = {"issues": [api.render_issue(i, names, [e for e in expand if e != "names"]) for i in page]}
    if start + len(page) < len(found):
        out["nextPageToken"] = b64("p:%d:%s" % (start + len(page), digest)).rstrip("=")
        out["isLast"] = False
    else:
        out["isLast"] = True  # nextPageToken absent (not null) on the last page
    if "names" in expand:
        out["names"] = {n: n.capitalize() for n in names if n != "id"}
    return json_reply(200, out, content_type=JSON)


def approximate_count(api, req):
    body = api.body(req, {"jql"})
    if not isinstance(body.get("jql"), str):
        fail(400, ["Cannot deserialize value of type `str` for field 'jql'"])
    try:
        return json_reply(200, {"count": len(run(api, body["jql"], True))}, content_type=JSON)
    except JqlError as e:
        return jql_error(e, True)


def classic_search(api, req):
    """DC: GET|POST /rest/api/2/search, offset pagination with total."""
    p = search_params(api, req, CLASSIC)
    mode = (p.get("validateQuery") or "strict").lower()
    if mode not in ("strict", "warn", "none", "true", "false"):
        fail(400, ["The validateQuery parameter must be strict, warn or none."])
    warnings = [] if mode in ("warn", "none", "false") else None
    start, size = p.get("startAt", 0), p.get("maxResults", 50)
    if start < 0 or size < 0:
        fail(400, ["startAt and maxResults must be positive numbers."])
    size = min(size, api.config["classic_page_cap"])
    names = api.wanted(p.get("fields") or ["*navigable"])
    expand = p.get("expand") or []
    if req.method == "GET":
        expand = ",".join(expand).split(",")
    try:
        found = run(api, p.get("jql") or "", False, warnings)
    except JqlError as e:
        return jql_error(e, False)
    issues = []
    for i in found[start:start + size]:
        rendered = api.render_issue(i, [n for n in names if n != "id"] or ["key"], expand)
        rendered.setdefault("fields", {})
        issues.append(dict(expand="operations,versionedRepresentations,editmeta,changelog,renderedFields", **rendered))
    out = {"expand": "schema,names", "startAt": start, "maxResults": size, "total": len(found), "issues": issues}
    if warnings and mode == "warn":
        out["warningMessages"] = warnings
    return json_reply(200, out, content_type=JSON)


def routes(cloud):
    if cloud:
        return [("GET", r"/search/jql", search_jql, list(ENHANCED)), ("POST", r"/search/jql", search_jql, []),
                ("POST", r"/search/approximate-count", approximate_count, [])]
    return [("GET", r"/search", classic_search, list(CLASSIC)), ("POST", r"/search", classic_search, [])]

