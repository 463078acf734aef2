#!/usr/bin/env python3
"""Self-test of the lab's fake ticketing servers (tests/lab/ticketing_server.py, TICKETING.md).

Starts each fake (jira-cloud, jira-dc, trello, zendesk) on 127.0.0.1, port 0, in a temporary
directory, and checks what a connector depends on: auth failures in each API's own shape, strict
validation errors, paging through more than one page, incremental listing by updated time or
cursor, idempotent creates where the real API has them (Zendesk) and duplicates where it has not
(Jira, Trello), comments, transitions, 429 with Retry-After, 5xx injection, ids over 2^32,
UTC offsets in Jira times. Standard library only; runs in a few seconds; exits non-zero on any
failure:

    python3 tests/lab/ticketing_selftest.py [-v] [TestClass.test_name ...]
"""
import base64
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.realpath(__file__))
SERVER = os.path.join(HERE, "ticketing_server.py")
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def basic(user, secret):
    return "Basic " + base64.b64encode(("%s:%s" % (user, secret)).encode()).decode()


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def json(self):
        return json.loads(self.body.decode())

    @property
    def text(self):
        return self.body.decode()

    def header(self, name):
        return self.headers.get(name)


class Server:
    """One fake, started in a temporary directory; stopped by stop()."""

    def __init__(self, api, *extra, seed=None, tls=None):
        self.api = api
        self.dir = tempfile.mkdtemp(prefix="tma-ticketing-")
        self.port_file = os.path.join(self.dir, "port")
        self.log = os.path.join(self.dir, "requests.jsonl")
        argv = [sys.executable, SERVER, "--api", api, "--port-file", self.port_file, "--requests", self.log,
                "--state", os.path.join(self.dir, "state"), "--control"] + list(extra)
        if seed is not None:
            path = os.path.join(self.dir, "seed.json")
            with open(path, "w") as f:
                json.dump(seed, f)
            argv += ["--seed", path]
        self.scheme = "http"
        if tls:
            argv += ["--tls-cert", tls[0], "--tls-key", tls[1]]
            self.scheme = "https"
        self.stderr = open(os.path.join(self.dir, "stderr"), "w")
        self.proc = subprocess.Popen(argv, stderr=self.stderr)
        deadline = time.time() + 10
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("%s did not start: %s" % (api, open(os.path.join(self.dir, "stderr")).read()))
            time.sleep(0.02)
        with open(self.port_file) as f:
            self.port = int(f.read())
        self.base = "%s://127.0.0.1:%d" % (self.scheme, self.port)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(5)
        self.stderr.close()
        with open(os.path.join(self.dir, "stderr")) as f:
            errors = f.read()
        shutil.rmtree(self.dir, ignore_errors=True)
        if "Traceback" in errors:
            raise AssertionError("the %s fake crashed:\n%s" % (self.api, errors))

    def call(self, method, path, body=None, headers=None, ctype="application/json"):
        headers = dict(headers or {})
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            if ctype:
                headers.setdefault("Content-Type", ctype)
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        opener = OPENER
        if self.scheme == "https":
            ctx = ssl.create_default_context()
            ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=ctx))
        try:
            with opener.open(req, timeout=10) as r:
                return Answer(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Answer(e.code, e.headers, e.read())

    def control(self, method, path, body=None):
        a = self.call(method, "/__lab/" + path, body)
        assert a.status == 200, a.text
        return a.json

    def reset(self, seed=None):
        self.control("PUT", "state", seed or {})
        self.control("POST", "faults", {"rate_limit": None, "fail_5xx": 0, "fail_after_write": 0, "retry_after": None,
                                        "fail_status": 503, "reset_counters": True})
        self.control("POST", "clock", {"offset": 0})

    def advance(self, seconds):
        self.control("POST", "clock", {"advance": seconds})

    def requests(self):
        with open(self.log) as f:
            return [json.loads(line) for line in f]


class Case(unittest.TestCase):
    API = None
    EXTRA = ()

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(cls.API, *cls.EXTRA)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.srv.reset()

    def ok(self, answer, status=200):
        self.assertEqual(answer.status, status, answer.text[:500])
        return answer


# --- Jira -----------------------------------------------------------------------------------------

NADIA = basic("nadia@agency.example", "jira-token-nadia")
BOB = basic("bob@agency.example", "jira-token-bob")
OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$")


def adf(text):
    return {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}]}


class JiraCloud(Case):
    API = "jira-cloud"

    def jira(self, method, path, body=None, auth=NADIA, ver=3, **kw):
        headers = {"Authorization": auth} if auth else {}
        return self.srv.call(method, "/rest/api/%d/%s" % (ver, path), body, headers, **kw)

    def search(self, jql, auth=NADIA, **body):
        return self.jira("POST", "search/jql", dict(body, jql=jql), auth=auth)

    def test_auth_failures(self):
        a = self.jira("GET", "myself", auth=basic("nadia@agency.example", "wrong"))
        self.assertEqual(a.status, 401)
        self.assertTrue(a.header("Content-Type").startswith("text/plain"))
        self.assertEqual(a.header("X-Seraph-LoginReason"), "AUTHENTICATED_FAILED")
        self.assertRaises(ValueError, lambda: a.json)  # never JSON-parse a 401 body
        self.assertEqual(self.jira("GET", "myself", auth="Bearer jira-pat-nadia").status, 401)  # PATs are DC only
        me = self.ok(self.jira("GET", "myself"))
        self.assertEqual(me.header("X-AAccountId"), me.json["accountId"])
        # No header at all: anonymous. /myself is 401, searches see nothing, a project is unknown.
        self.assertEqual(self.jira("GET", "myself", auth=None).status, 401)
        a = self.ok(self.search("updated >= -3650d", auth=None))
        self.assertEqual(a.json, {"issues": [], "isLast": True})
        a = self.search("project = ACME", auth=None)
        self.assertEqual(a.status, 400)
        self.assertEqual(a.json, {"errorMessages": ["The value 'ACME' does not exist for the field 'project'."],
                                  "warningMessages": []})
        self.assertEqual(self.jira("GET", "issue/ACME-77", auth=None).status, 404)
        # Bob browses BETA only and cannot write.
        self.assertEqual(self.search("project = ACME", auth=BOB).status, 400)
        a = self.jira("POST", "issue", {"fields": {"project": {"key": "BETA"}, "issuetype": {"name": "Task"},
                                                   "summary": "x"}}, auth=BOB)
        self.assertEqual(a.status, 403)
        self.assertIn("errorMessages", a.json)

    def test_removed_search_is_gone(self):
        for ver in (2, 3):
            for method in ("GET", "POST"):
                a = self.jira(method, "search", {"jql": "project = ACME"} if method == "POST" else None, ver=ver)
                self.assertEqual(a.status, 410)
                self.assertIn("/rest/api/3/search/jql", a.json["errorMessages"][0])
                self.assertEqual(a.json["errors"], {})

    def seed_issues(self, n):
        issues = [{"project": "ACME", "summary": "issue %d" % i, "created": "2025-06-01T08:00:00.000+0200",
                   "updated": "2025-06-%02dT10:%02d:00.000+0200" % (2 + i // 3, i)} for i in range(n)]
        self.srv.reset({"issues": issues, "worklogs": [], "deleted_worklogs": []})

    def test_search_pages_and_fields(self):
        self.seed_issues(7)
        jql = "project = ACME AND updated >= \"2025-06-01 00:00\" ORDER BY updated ASC, key ASC"
        seen, token, pages = [], None, 0
        while True:
            body = {"fields": ["summary", "updated", "status"], "maxResults": 3}
            if token:
                body["nextPageToken"] = token
            page = self.ok(self.search(jql, **body)).json
            pages += 1
            seen += page["issues"]
            if page["isLast"]:
                self.assertNotIn("nextPageToken", page)  # absent, not null, on the last page
                break
            token = page["nextPageToken"]
        self.assertEqual(pages, 3)
        self.assertEqual([i["fields"]["summary"] for i in seen], ["issue %d" % i for i in range(7)])
        for i in seen:
            self.assertRegex(i["fields"]["updated"], OFFSET)
            self.assertTrue(i["fields"]["updated"].endswith("+0200"))
            self.assertIn(i["fields"]["status"]["statusCategory"]["key"], ("new", "indeterminate", "done"))
        # Default fields: id only.
        page = self.ok(self.search(jql, maxResults=2)).json
        self.assertEqual(page["issues"][0], {"id": page["issues"][0]["id"]})
        # Incremental: the boundary minute is included (minute precision).
        since = self.ok(self.search('project = ACME AND updated >= "2025-06-04 10:06" ORDER BY updated ASC',
                                    fields=["summary"])).json
        self.assertEqual([i["fields"]["summary"] for i in since["issues"]], ["issue 6"])
        # GET form: fields and expand are comma-separated.
        q = urllib.parse.urlencode({"jql": jql, "fields": "summary,updated", "maxResults": 100})
        self.assertEqual(len(self.ok(self.jira("GET", "search/jql?" + q)).json["issues"]), 7)
        count = self.ok(self.jira("POST", "search/approximate-count", {"jql": "project = ACME"})).json
        self.assertEqual(count, {"count": 7})

    def test_search_strictness(self):
        a = self.search("ORDER BY key")
        self.assertEqual((a.status, a.json["errorMessages"]), (400, [
            "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."]))
        a = self.search("project = ACME", expand=["names"])  # a comma-separated string, not an array
        self.assertEqual(a.status, 400)
        a = self.search("project = ACME AND")
        self.assertEqual(a.status, 400)
        self.assertTrue(a.json["errorMessages"][0].startswith("Error in the JQL Query"), a.text)
        self.assertEqual(self.search("projekt = ACME").status, 400)
        self.assertEqual(self.search('project = ACME AND updated >= "June 1st"').status, 400)
        self.assertEqual(self.search("project = ACME AND status = Nonexistent").status, 400)
        self.assertEqual(self.jira("POST", "search/jql", {"jql": "project = ACME", "startAt": 5}).status, 400)
        self.assertEqual(self.jira("GET", "search/jql?jql=project%3DACME&startAt=5").status, 400)
        token = self.ok(self.search("project = ACME", maxResults=1)).json["nextPageToken"]
        self.assertEqual(self.search("project = BETA", nextPageToken=token).status, 400)

    def create_body(self, label="tma-incident-inc-1", **fields):
        return {"fields": dict({"project": {"key": "ACME"}, "issuetype": {"name": "Bug"}, "summary": "[tma] site down",
                                "description": adf("probe failed"), "priority": {"name": "Highest"},
                                "labels": ["tma", label]}, **fields)}

    def test_create_has_no_idempotency(self):
        first = self.ok(self.jira("POST", "issue", self.create_body()), 201).json
        second = self.ok(self.jira("POST", "issue", self.create_body()), 201).json  # a retry after a timeout
        self.assertNotEqual(first["key"], second["key"])
        self.assertEqual(set(first), {"id", "key", "self"})
        found = self.ok(self.search('project = ACME AND labels = "tma-incident-inc-1"', fields=["key"])).json
        self.assertEqual(sorted(i["key"] for i in found["issues"]), sorted([first["key"], second["key"]]))
        issue = self.ok(self.jira("GET", "issue/" + first["key"] + "?fields=description,priority,created")).json
        self.assertEqual(issue["fields"]["description"], adf("probe failed"))
        self.assertEqual(issue["fields"]["priority"]["name"], "Highest")
        self.assertRegex(issue["fields"]["created"], OFFSET)

    def test_search_is_eventually_consistent(self):
        self.srv.reset({"config": {"index_lag_seconds": 30}})
        created = self.ok(self.jira("POST", "issue", self.create_body(label="tma-incident-lag")), 201).json
        jql = 'project = ACME AND labels = "tma-incident-lag"'
        self.assertEqual(self.ok(self.search(jql, fields=["key"])).json["issues"], [])  # not indexed yet
        found = self.ok(self.search(jql, fields=["key"], reconcileIssues=[int(created["id"])])).json["issues"]
        self.assertEqual([i["key"] for i in found], [created["key"]])
        self.srv.advance(31)
        self.assertEqual(len(self.ok(self.search(jql, fields=["key"])).json["issues"]), 1)

    def test_create_validation(self):
        def errors(body, ver=3):
            a = self.jira("POST", "issue", body, ver=ver)
            self.assertEqual(a.status, 400, a.text)
            return a.json
        self.assertEqual(errors(self.create_body(description="plain"))["errors"]["description"],
                         "Operation value must be an Atlassian Document (see the Atlassian Document Format)")
        self.assertIn("foo", errors(self.create_body(foo="bar"))["errors"])
        body = self.create_body()
        del body["fields"]["summary"]
        self.assertEqual(errors(body)["errors"]["summary"], "You must specify a summary of the issue.")
        self.assertIn("Unrecognized field", errors(dict(self.create_body(), fieldz={}))["errorMessages"][0])
        self.assertIn("labels", errors(self.create_body(label="has space"))["errors"])
        self.assertIn("components", errors(self.create_body(components=["Backend"]))["errors"])
        beta = self.create_body(project={"key": "BETA"}, issuetype={"name": "Task"})
        self.assertIn("priority", errors(beta)["errors"])  # not on team-managed screens
        self.assertEqual(self.jira("POST", "issue", self.create_body(), ctype="text/plain").status, 415)
        self.assertIn("description", errors(self.create_body(description=adf("x")), ver=2)["errors"])
        v2 = self.ok(self.jira("POST", "issue", self.create_body(description="plain text"), ver=2), 201).json
        got = self.ok(self.jira("GET", "issue/%s?fields=description" % v2["key"], ver=2)).json
        self.assertEqual(got["fields"]["description"], "plain text")

    def test_transitions_are_discovered(self):
        t = self.ok(self.jira("GET", "issue/ACME-77/transitions")).json
        self.assertEqual(t["expand"], "transitions")
        done = [x for x in t["transitions"] if x["to"]["statusCategory"]["key"] == "done"]
        self.assertEqual([x["id"] for x in done], ["31"])
        beta = self.ok(self.jira("GET", "issue/BETA-1/transitions")).json["transitions"]
        beta_done = [x["id"] for x in beta if x["to"]["statusCategory"]["key"] == "done"]
        self.assertEqual(beta_done, ["3"])  # another workflow, another id
        a = self.jira("POST", "issue/BETA-1/transitions", {"transition": {"id": "31"}})
        self.assertEqual(a.json["errorMessages"], ["Transition id '31' is not valid for this issue."])
        a = self.jira("POST", "issue/BETA-1/transitions", {"transition": {"id": "done"}})
        self.assertEqual(a.json["errorMessages"], ["'transition' identifier must be an integer"])
        a = self.jira("POST", "issue/BETA-1/transitions", {"transition": {"id": "3"}, "fields": {"resolution": {"name": "Done"}}})
        self.assertIn("resolution", a.json["errors"])  # not on that transition's screen
        body = {"transition": {"id": "31"}, "fields": {"resolution": {"name": "Done"}},
                "update": {"comment": [{"add": {"body": adf("Site back up; resolved by tma.")}}]}}
        self.ok(self.jira("POST", "issue/ACME-77/transitions", body), 204)
        issue = self.ok(self.jira("GET", "issue/ACME-77?fields=status,resolution,resolutiondate,comment")).json["fields"]
        self.assertEqual((issue["status"]["name"], issue["resolution"]["name"]), ("Done", "Done"))
        self.assertRegex(issue["resolutiondate"], OFFSET)
        self.assertEqual(issue["comment"]["comments"][-1]["body"], adf("Site back up; resolved by tma."))
        a = self.jira("PUT", "issue/ACME-77", {"fields": {"status": {"name": "To Do"}}})
        self.assertIn("status", a.json["errors"])  # status changes go through transitions
        self.ok(self.jira("PUT", "issue/ACME-77", {"fields": {"priority": {"name": "Low"}},
                                                   "update": {"labels": [{"add": "tma-done"}]}}), 204)

    def test_comments(self):
        c = self.ok(self.jira("POST", "issue/ACME-77/comment", {"body": adf("Restarted PHP-FPM")}), 201).json
        self.assertEqual(c["body"], adf("Restarted PHP-FPM"))
        self.assertRegex(c["created"], OFFSET)
        a = self.jira("POST", "issue/ACME-77/comment", {"body": "plain"})
        self.assertEqual((a.status, a.json["errors"]), (400, {"comment": "Comment body is not valid!"}))
        self.ok(self.jira("POST", "issue/ACME-77/comment", {"body": "plain"}, ver=2), 201)
        listing = self.ok(self.jira("GET", "issue/ACME-77/comment?startAt=0&maxResults=1")).json
        self.assertEqual((listing["total"], len(listing["comments"])), (2, 1))
        self.assertEqual(self.jira("POST", "issue/ACME-77/comment", {"body": adf("x"), "bogus": 1}).status, 400)

    def test_worklogs(self):
        body = {"started": "2025-06-10T09:00:00.000+0200", "timeSpentSeconds": 3600, "comment": adf("plugin updates")}
        w = self.ok(self.jira("POST", "issue/ACME-77/worklog?adjustEstimate=auto", body), 201).json
        self.assertIsInstance(w["id"], str)
        self.assertEqual((w["started"], w["timeSpent"], w["issueId"]), ("2025-06-10T09:00:00.000+0200", "1h", "10451"))
        for bad in ({"started": "2025-06-10T07:00:00Z", "timeSpentSeconds": 60},
                    {"started": "2025-06-10T09:00:00.000+02:00", "timeSpentSeconds": 60},
                    {"started": "2025-06-10T09:00:00.000+0200", "timeSpentSeconds": 60, "timeSpent": "1m"},
                    {"started": "2025-06-10T09:00:00.000+0200"}, {"timeSpent": "1h"},
                    {"started": "2025-06-10T09:00:00.000+0200", "timeSpent": "an hour"}):
            self.assertEqual(self.jira("POST", "issue/ACME-77/worklog", bad).status, 400, bad)
        ms = lambda s: int(time.mktime(time.strptime(s, "%Y-%m-%d")) * 1000)  # noqa: E731 (local, a day's margin)
        page = self.ok(self.jira("GET", "issue/ACME-77/worklog?startedAfter=%d" % ms("2025-06-08"))).json
        self.assertEqual([x["id"] for x in page["worklogs"]], [w["id"]])
        self.assertEqual(set(page), {"startAt", "maxResults", "total", "worklogs"})
        # The change feed leaves out the last minute.
        feed = self.ok(self.jira("GET", "worklog/updated?since=0")).json
        self.assertNotIn(int(w["id"]), [v["worklogId"] for v in feed["values"]])
        self.srv.advance(61)
        feed = self.ok(self.jira("GET", "worklog/updated?since=0")).json
        self.assertIn(int(w["id"]), [v["worklogId"] for v in feed["values"]])
        listed = self.ok(self.jira("POST", "worklog/list", {"ids": [v["worklogId"] for v in feed["values"]]})).json
        self.assertEqual(sorted(x["id"] for x in listed), sorted(str(v["worklogId"]) for v in feed["values"]))
        self.assertEqual(self.jira("POST", "worklog/list", {"ids": []}).status, 400)
        self.ok(self.jira("DELETE", "issue/ACME-77/worklog/" + w["id"]), 204)
        self.srv.advance(61)
        gone = self.ok(self.jira("GET", "worklog/deleted?since=0")).json["values"]
        self.assertIn(int(w["id"]), [v["worklogId"] for v in gone])

    def test_worklog_feed_pages_with_inclusive_since(self):
        worklogs = [{"issueId": "ACME-77", "started": "2025-06-0%dT09:00:00.000+0200" % (i + 1), "timeSpent": "30m",
                     "updated": 1749000000000 + i * 1000} for i in range(5)]
        self.srv.reset({"worklogs": worklogs, "deleted_worklogs": [], "config": {"worklog_page": 2}})
        url, seen, pages = "worklog/updated?since=1749000000000", [], 0
        while True:
            page = self.ok(self.jira("GET", url)).json
            pages += 1
            for v in page["values"]:
                self.assertIsInstance(v["worklogId"], int)
            seen += [v["worklogId"] for v in page["values"]]
            self.assertIn("nextPage", page)  # present even on the last page
            if page["lastPage"]:
                break
            url = page["nextPage"].split("/rest/api/3/", 1)[1]
        self.assertEqual(len(set(seen)), 5)
        self.assertGreater(len(seen), 5)  # the boundary worklog comes again: dedupe by worklogId
        self.assertEqual(pages, 4)

    def test_rate_limit_and_faults(self):
        self.srv.control("POST", "faults", {"rate_limit": 2, "rate_window": 1})
        self.ok(self.jira("GET", "myself"))
        self.ok(self.jira("GET", "myself"))
        a = self.jira("GET", "myself")
        self.assertEqual(a.status, 429)
        retry = int(a.header("Retry-After"))
        self.assertTrue(1 <= retry <= 2)
        self.assertRegex(a.header("X-RateLimit-Reset"), r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$")
        time.sleep(retry)
        self.ok(self.jira("GET", "myself"))
        self.srv.control("POST", "faults", {"rate_limit": None, "fail_5xx": 1})
        self.assertEqual(self.jira("GET", "myself").status, 503)
        self.ok(self.jira("GET", "myself"))
        # A write that succeeds and then answers 503: the client must search before creating again.
        self.srv.control("POST", "faults", {"fail_after_write": 1})
        self.assertEqual(self.jira("POST", "issue", self.create_body(label="tma-incident-lost")).status, 503)
        found = self.ok(self.search('labels = "tma-incident-lost"', fields=["key"])).json["issues"]
        self.assertEqual(len(found), 1)


class JiraDC(Case):
    API = "jira-dc"

    def jira(self, method, path, body=None, auth="Bearer jira-pat-nadia"):
        return self.srv.call(method, "/rest/api/2/" + path, body, {"Authorization": auth})

    def test_auth(self):
        me = self.ok(self.jira("GET", "myself")).json
        self.assertEqual((me["name"], me["key"]), ("nortiz", "JIRAUSER10000"))
        self.assertNotIn("accountId", me)
        self.ok(self.jira("GET", "myself", auth=basic("nortiz", "nadia-password")))
        a = self.jira("GET", "myself", auth=basic("nortiz", "jira-pat-nadia"))  # a PAT is not a password
        self.assertEqual((a.status, a.header("X-Seraph-LoginReason")), (401, "AUTHENTICATED_FAILED"))
        self.assertEqual(self.srv.call("GET", "/rest/api/3/myself", None, {"Authorization": "Bearer jira-pat-nadia"}).status, 404)
        self.assertEqual(self.jira("GET", "search/jql?jql=project%3DACME").status, 404)

    def test_classic_search(self):
        issues = [{"project": "ACME", "summary": "dc %d" % i, "updated": "2025-06-03T10:%02d:00.000+0200" % i}
                  for i in range(5)]
        self.srv.reset({"issues": issues})
        q = {"jql": "project = ACME ORDER BY updated ASC", "maxResults": 2, "fields": "summary,updated"}
        seen, start = [], 0
        while True:
            page = self.ok(self.jira("GET", "search?" + urllib.parse.urlencode(dict(q, startAt=start)))).json
            self.assertEqual((page["total"], page["startAt"], page["maxResults"]), (5, start, 2))
            seen += page["issues"]
            start += len(page["issues"])
            if start >= page["total"]:
                break
        self.assertEqual([i["fields"]["summary"] for i in seen], ["dc %d" % i for i in range(5)])
        self.assertRegex(seen[0]["fields"]["updated"], OFFSET)
        self.assertEqual(self.jira("POST", "search", {"jql": "project = ACME", "expand": "names"}).status, 400)
        self.ok(self.jira("POST", "search", {"jql": "project = ACME", "expand": ["names"]}))
        a = self.jira("GET", "search?jql=project%3DNOPE")
        self.assertEqual((a.status, a.json["errors"]), (400, {}))
        warn = self.ok(self.jira("GET", "search?jql=project%3DNOPE&validateQuery=warn")).json
        self.assertEqual((warn["total"], len(warn["warningMessages"])), (0, 1))

    def test_dc_comment_is_plain_text(self):
        c = self.ok(self.jira("POST", "issue/ACME-77/comment", {"body": "plain text"}), 201).json
        self.assertEqual((c["body"], c["author"]["name"]), ("plain text", "nortiz"))


# --- Trello ---------------------------------------------------------------------------------------

KEY = "0123456789abcdef0123456789abcdef"
TOKEN = "ATTA" + "0" * 52 + "c0ffee01"
BOARD, TODO, DONE = "665f0bff9b1e4a00123aa000", "665f0bff9b1e4a00123aa001", "665f0bff9b1e4a00123aa003"
TRELLO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


class Trello(Case):
    API = "trello"

    def trello(self, method, path, body=None, token=TOKEN, key=KEY, **params):
        if key is not None:
            params["key"] = key
        if token is not None:
            params["token"] = token
        return self.srv.call(method, "/1/%s?%s" % (path, urllib.parse.urlencode(params)), body)

    def test_auth_failures(self):
        self.ok(self.trello("GET", "members/me"))
        self.ok(self.srv.call("GET", "/1/members/me", None, {
            "Authorization": 'OAuth oauth_consumer_key="%s", oauth_token="%s"' % (KEY, TOKEN)}))
        for kw, text in (({"key": "0" * 32}, "invalid key"), ({"key": None}, "invalid key"),
                         ({"token": "ATTA" + "0" * 52 + "c0ffee03"}, "invalid token"),
                         ({"token": None}, "unauthorized permission requested")):
            a = self.trello("GET", "boards/%s/cards" % BOARD, **kw)
            self.assertEqual((a.status, a.text), (401, text))
            self.assertTrue(a.header("Content-Type").startswith("text/plain"))
        a = self.trello("POST", "cards", {"idList": TODO, "name": "x"}, token="ATTA" + "0" * 52 + "c0ffee02")
        self.assertEqual((a.status, a.text), (401, "unauthorized permission requested"))  # a read-only token
        self.assertEqual(self.trello("GET", "boards/665f0bff9b1e4a00123ab000/cards").status, 401)  # not a member
        self.assertEqual((lambda a: (a.status, a.text))(self.trello("GET", "cards/42")), (400, "invalid id"))
        self.assertEqual(self.trello("GET", "cards/665f0bff9b1e4a00123affff").status, 404)

    def test_lists_and_cards_are_bare_arrays(self):
        lists = self.ok(self.trello("GET", "boards/%s/lists" % BOARD, filter="open")).json
        self.assertEqual([x["name"] for x in lists], ["To Do", "Doing", "Done"])
        cards = self.ok(self.trello("GET", "boards/%s/cards" % BOARD, fields="name,idList,dateLastActivity",
                                    customFieldItems="true")).json
        self.assertIsInstance(cards, list)
        self.assertRegex(cards[0]["dateLastActivity"], TRELLO_TIME)
        item = [c for c in cards if c["customFieldItems"]][0]["customFieldItems"][0]
        self.assertEqual(item["value"], {"number": "1.5"})
        self.assertEqual(self.trello("GET", "boards/%s/cards/bogus" % BOARD).text, "invalid value for filter")
        self.assertEqual(self.trello("GET", "boards/%s/cards" % BOARD, fields="nope").text, "invalid value for fields")
        self.assertEqual(self.trello("GET", "boards/%s/cards" % BOARD, updated_since="2025-01-01").status, 400)

    def test_create_is_not_idempotent_and_marker_lookup(self):
        a = self.trello("POST", "cards", {"name": "no list"})
        self.assertEqual((a.status, a.text), (400, "invalid value for idList"))
        body = {"idList": TODO, "name": "[tma] acme.example down", "desc": "Detected\n\ntma-incident: inc-7", "pos": "top"}
        first = self.ok(self.trello("POST", "cards", body)).json  # 200, not 201
        second = self.ok(self.trello("POST", "cards", body)).json
        self.assertNotEqual(first["id"], second["id"])
        self.assertRegex(first["id"], r"^[0-9a-f]{24}$")
        found = self.ok(self.trello("GET", "lists/%s/cards" % TODO, fields="name,desc,closed")).json
        self.assertEqual(len([c for c in found if "tma-incident: inc-7" in c["desc"]]), 2)
        form = urllib.parse.urlencode({"idList": TODO, "name": "form", "key": KEY, "token": TOKEN}).encode()
        self.ok(self.srv.call("POST", "/1/cards", form, ctype="application/x-www-form-urlencoded"))
        self.assertEqual(self.trello("POST", "cards", dict(body, priority="high")).status, 400)
        self.assertEqual(self.trello("POST", "cards", dict(body, due="tomorrow")).text, "invalid value for due")

    def test_move_comment_and_actions_feed(self):
        card = self.ok(self.trello("POST", "cards", {"idList": TODO, "name": "incident"})).json
        c = self.ok(self.trello("POST", "cards/%s/actions/comments" % card["id"], text="Site back up")).json
        self.assertEqual((c["type"], c["data"]["text"]), ("commentCard", "Site back up"))
        self.assertEqual(self.trello("POST", "cards/%s/actions/comments" % card["id"]).text, "invalid value for text")
        moved = self.ok(self.trello("PUT", "cards/" + card["id"], idList=DONE, dueComplete="true")).json
        self.assertEqual(moved["idList"], DONE)
        feed = self.ok(self.trello("GET", "boards/%s/actions" % BOARD, filter="updateCard", limit=10)).json
        move = [a for a in feed if "listAfter" in a["data"]][0]
        self.assertEqual((move["data"]["listBefore"]["name"], move["data"]["listAfter"]["name"]), ("To Do", "Done"))
        self.assertEqual(move["data"]["old"], {"idList": TODO})
        everything = self.ok(self.trello("GET", "boards/%s/actions" % BOARD, limit=1000)).json
        self.assertEqual([a["id"] for a in everything], sorted((a["id"] for a in everything), reverse=True))  # newest first
        older = self.ok(self.trello("GET", "boards/%s/actions" % BOARD, before=everything[1]["id"], limit=1)).json
        self.assertEqual([a["id"] for a in older], [everything[2]["id"]])
        newer = self.ok(self.trello("GET", "boards/%s/actions" % BOARD, since=everything[2]["id"])).json
        self.assertEqual([a["id"] for a in newer], [a["id"] for a in everything[:2]])
        self.assertEqual(self.trello("GET", "boards/%s/actions" % BOARD, limit=1001).text, "invalid value for limit")
        self.ok(self.trello("PUT", "cards/" + card["id"], closed="true"))
        self.assertNotIn(card["id"], [x["id"] for x in self.trello("GET", "boards/%s/cards" % BOARD).json])

    def test_custom_field_item(self):
        card = "665f0c2a9b1e4a00123abc01"
        field = self.ok(self.trello("GET", "boards/%s/customFields" % BOARD)).json[0]
        self.assertEqual((field["name"], field["type"]), ("Hours spent", "number"))
        path = "cards/%s/customField/%s/item" % (card, field["id"])
        self.ok(self.trello("PUT", path, {"value": {"number": "2.25"}}))
        a = self.trello("PUT", path, {"value": {"number": 2.25}})  # values are strings inside typed keys
        self.assertEqual(a.status, 400)
        items = self.ok(self.trello("GET", "cards/%s/customFieldItems" % card)).json
        self.assertEqual(items[0]["value"], {"number": "2.25"})

    def test_rate_limit_has_no_retry_after(self):
        self.srv.control("POST", "faults", {"rate_limit": 1, "rate_window": 1})
        self.ok(self.trello("GET", "members/me"))
        a = self.trello("GET", "members/me")
        self.assertEqual((a.status, a.json), (429, {"error": "API_TOKEN_LIMIT_EXCEEDED", "message": "Rate limit exceeded"}))
        self.assertIsNone(a.header("Retry-After"))
        self.srv.control("POST", "faults", {"rate_limit": None, "fail_5xx": 2})
        self.assertEqual([self.trello("GET", "members/me").status for _ in range(3)], [503, 503, 200])


# --- Zendesk --------------------------------------------------------------------------------------

ADMIN = basic("admin@agency.example/token", "zd-token-admin")
AGENT = basic("agent@agency.example/token", "zd-token-agent")
ZD_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


class Zendesk(Case):
    API = "zendesk"

    def zd(self, method, path, body=None, auth=ADMIN, headers=None, **kw):
        h = dict(headers or {})
        if auth:
            h["Authorization"] = auth
        return self.srv.call(method, "/api/v2/" + path, body, h, **kw)

    def ticket(self, **fields):
        return {"ticket": dict({"subject": "[tma] acme.example down", "comment": {"body": "probe failed", "public": False},
                                "priority": "urgent", "type": "incident", "organization_id": 509974,
                                "external_id": "tma:inc-1"}, **fields)}

    def test_auth_failures(self):
        a = self.zd("GET", "tickets.json", auth=basic("admin@agency.example", "zd-token-admin"))  # no "/token"
        self.assertEqual((a.status, a.json), (401, {"error": "Couldn't authenticate you"}))
        self.assertEqual(a.header("WWW-Authenticate"), 'Basic realm="Web Password"')
        self.assertEqual(self.zd("GET", "tickets.json", auth=None).status, 401)
        a = self.zd("GET", "tickets.json", auth="Bearer nope")
        self.assertEqual((a.status, a.json["error"]), (401, "invalid_token"))
        self.ok(self.zd("GET", "tickets", auth="Bearer zd-oauth-admin"))  # ".json" is optional
        a = self.zd("GET", "tickets.json", auth=basic("contact@acme.example/token", "zd-token-enduser"))
        self.assertEqual((a.status, a.json["error"]), (403, "Forbidden"))
        a = self.zd("GET", "incremental/tickets/cursor.json?start_time=0", auth=AGENT)  # admins only
        self.assertEqual(a.status, 403)
        self.assertEqual(self.zd("GET", "nothing.json").json["error"], "InvalidEndpoint")

    def test_ids_above_2_32(self):
        ids = [t["id"] for t in self.ok(self.zd("GET", "tickets.json")).json["tickets"]]
        self.assertIn(4294967297, ids)
        t = self.ok(self.zd("GET", "tickets/4294967297.json")).json["ticket"]
        self.assertEqual((t["organization_id"], t["requester_id"]), (360001234567, 5000000000123))
        self.assertRegex(t["updated_at"], ZD_TIME)
        self.assertEqual(self.zd("GET", "tickets/4294967296.json").json, {"error": "RecordNotFound", "description": "Not found"})
        me = self.ok(self.zd("GET", "users/me.json", auth=AGENT)).json["user"]
        self.assertEqual(me["id"], 4294967311)

    def test_cursor_and_offset_paging(self):
        url, seen, pages = "tickets.json?page%5Bsize%5D=2", [], 0
        while True:
            a = self.ok(self.zd("GET", url))
            self.assertIsNotNone(a.header("zendesk-ratelimit-tickets-index"))
            page = a.json
            pages += 1
            seen += [t["id"] for t in page["tickets"]]
            if not page["meta"]["has_more"]:
                break
            url = page["links"]["next"].split("/api/v2/", 1)[1]
        self.assertEqual((pages, seen), (2, sorted(seen)))
        self.assertEqual(len(seen), 4)
        a = self.zd("GET", "tickets.json?page%5Bsize%5D=101")
        self.assertEqual((a.status, a.json["error"]["title"]), (400, "Invalid attribute"))  # error is an object
        page = self.ok(self.zd("GET", "tickets.json?per_page=3")).json
        self.assertEqual((page["count"], len(page["tickets"])), (4, 3))
        self.assertIn("page=2", page["next_page"])
        self.assertEqual(self.zd("GET", "tickets.json?per_page=100&page=101").status, 400)  # 10,000 records max
        self.assertEqual(self.zd("GET", "tickets.json?updated_since=2025-01-01").status, 400)  # no such filter

    def test_incremental_cursor_export(self):
        a = self.zd("GET", "incremental/tickets/cursor.json?start_time=%d" % int(time.time()))
        self.assertEqual(a.status, 400)  # start_time must be at least a minute old
        url, seen = "incremental/tickets/cursor.json?start_time=0&per_page=3", []
        while True:
            page = self.ok(self.zd("GET", url)).json
            seen += [(t["generated_timestamp"], t["id"]) for t in page["tickets"]]
            cursor = page["after_cursor"]
            if page["end_of_stream"]:
                break
            url = page["after_url"].split("/api/v2/", 1)[1]
        self.assertEqual(seen, sorted(seen))
        self.assertEqual(len(seen), 4)
        new = self.ok(self.zd("POST", "tickets.json", self.ticket()), 201).json["ticket"]
        later = self.ok(self.zd("GET", "incremental/tickets/cursor.json?cursor=" + urllib.parse.quote(cursor, safe=""))).json
        self.assertEqual((later["tickets"], later["end_of_stream"]), ([], True))  # changed in the last minute
        self.srv.advance(61)
        later = self.ok(self.zd("GET", "incremental/tickets/cursor.json?cursor=" + urllib.parse.quote(cursor, safe=""))).json
        self.assertEqual([t["id"] for t in later["tickets"]], [new["id"]])

    def test_search(self):
        page = self.ok(self.zd("GET", "search.json?query=" + urllib.parse.quote("type:ticket organization:509974 updated>2025-06-03"))).json
        self.assertEqual(sorted(r["id"] for r in page["results"]), [35437])
        self.assertEqual(page["results"][0]["result_type"], "ticket")
        page = self.ok(self.zd("GET", "search.json?per_page=1&query=" + urllib.parse.quote("type:ticket status<solved"))).json
        self.assertEqual((page["count"], len(page["results"])), (2, 1))
        self.assertIsNotNone(page["next_page"])
        a = self.zd("GET", "search.json?query=type:ticket&page%5Bsize%5D=10")
        self.assertEqual((a.status, a.json["error"]["title"]), (400, "Invalid attribute"))
        self.assertEqual(self.zd("GET", "search.json?query=type:ticket&page=11").status, 422)  # 1,000 results max
        self.assertEqual(self.zd("GET", "search/export.json?query=type:ticket").status, 400)  # filter[type] required
        url, seen = "search/export.json?query=status%3Csolved&filter%5Btype%5D=ticket&page%5Bsize%5D=1", []
        while True:
            exp = self.ok(self.zd("GET", url)).json
            seen += [r["id"] for r in exp["results"]]
            if not exp["meta"]["has_more"]:
                break
            url = exp["links"]["next"].split("/api/v2/", 1)[1]
        self.assertEqual(seen, [35436, 4294967297])

    def test_idempotent_create(self):
        key = {"Idempotency-Key": "tma-inc-1-create"}
        first = self.ok(self.zd("POST", "tickets.json", self.ticket(), headers=key), 201)
        self.assertEqual(first.header("x-idempotency-lookup"), "miss")
        t = first.json["ticket"]
        self.assertTrue(first.header("Location").endswith("/api/v2/tickets/%d.json" % t["id"]))
        self.assertGreater(t["id"], 2 ** 32)
        replay = self.ok(self.zd("POST", "tickets.json", self.ticket(), headers=key), 201)
        self.assertEqual((replay.header("x-idempotency-lookup"), replay.json["ticket"]["id"]), ("hit", t["id"]))
        a = self.zd("POST", "tickets.json", self.ticket(subject="other"), headers=key)
        self.assertEqual((a.status, a.json), (400, {"error": "IdempotentRequestError",
                                                    "description": "Request parameters don't match the given idempotency key"}))
        self.srv.advance(7201)  # keys expire after about two hours
        self.assertEqual(self.zd("POST", "tickets.json", self.ticket(), headers=key).header("x-idempotency-lookup"), "miss")
        found = self.ok(self.zd("GET", "tickets.json?external_id=tma%3Ainc-1")).json["tickets"]
        self.assertEqual(len(found), 2)  # external_id is not unique

    def test_create_validation(self):
        def details(body):
            a = self.zd("POST", "tickets.json", body)
            self.assertEqual((a.status, a.json["error"]), (422, "RecordInvalid"), a.text)
            return a.json["details"]
        body = self.ticket()
        del body["ticket"]["comment"]
        self.assertEqual(details(body)["base"][0]["description"], "Description: cannot be blank")
        self.assertIn("priority", details(self.ticket(priority="critical")))
        self.assertIn("colour", details(self.ticket(colour="red")))
        self.assertIn("organization_id", details(self.ticket(organization_id="509974")))
        self.assertEqual(details(self.ticket(custom_fields=[{"id": 360028226391, "value": "lots"}]))["base"][0]["field_key"],
                         360028226391)
        self.assertEqual(self.zd("POST", "tickets.json", {"subject": "no root"}).status, 400)

    def test_update_comment_audits_and_closed(self):
        body = {"ticket": {"status": "solved", "comment": {"body": "Site back up at 14:37 UTC.", "public": True},
                           "custom_fields": [{"id": 360028226391, "value": 2700}, {"id": 360028226411, "value": "900"}]}}
        a = self.ok(self.zd("PUT", "tickets/35436.json", body)).json
        self.assertEqual(a["ticket"]["status"], "solved")
        self.assertIn({"id": 360028226391, "value": "2700"}, a["ticket"]["custom_fields"])
        changes = {e["field_name"]: e for e in a["audit"]["events"] if e["type"] == "Change"}
        self.assertEqual((changes["360028226391"]["value"], changes["360028226391"]["previous_value"]), ("2700", "1800"))
        self.assertNotIn("360028226411", changes)  # the same value again: no change event
        audits = self.ok(self.zd("GET", "tickets/35436/audits.json?page%5Bsize%5D=1")).json
        self.assertTrue(audits["meta"]["has_more"])
        comments = self.ok(self.zd("GET", "tickets/35436/comments.json")).json["comments"]
        self.assertEqual(comments[-1]["body"], "Site back up at 14:37 UTC.")
        a = self.zd("PUT", "tickets/35438.json", {"ticket": {"comment": {"body": "again"}}})
        self.assertEqual(a.status, 422)
        self.assertIn("status", a.json["details"])  # match on details.status, not on the wording
        fields = self.ok(self.zd("GET", "ticket_fields.json")).json["ticket_fields"]
        self.assertIn("Total time spent (sec)", [f["title"] for f in fields])

    def test_rate_limit_and_faults(self):
        a = self.ok(self.zd("GET", "users/me.json"))
        self.assertEqual(a.header("X-Rate-Limit"), "700")
        self.srv.control("POST", "faults", {"rate_limit": 1, "rate_window": 1})
        self.ok(self.zd("GET", "users/me.json"))
        a = self.zd("GET", "users/me.json")
        self.assertEqual((a.status, a.header("X-Rate-Limit-Remaining")), (429, "0"))
        self.assertTrue(a.header("Content-Type").startswith("text/plain"))
        time.sleep(int(a.header("Retry-After")))
        self.ok(self.zd("GET", "users/me.json"))
        self.srv.control("POST", "faults", {"rate_limit": None, "fail_5xx": 1, "retry_after": 1})
        a = self.zd("GET", "users/me.json")
        self.assertEqual((a.status, a.header("Retry-After")), (503, "1"))


class CommandLine(unittest.TestCase):
    """The --seed, --rate-limit, --fail-5xx and TLS options, and the request log."""

    def test_seed_rate_limit_and_fail_5xx(self):
        seed = {"tickets": [{"id": 2 ** 40 + 7, "subject": "seeded", "description": "d", "organization_id": 509974,
                             "updated": "now-2d"}], "audits": []}
        srv = Server("zendesk", "--rate-limit", "3", "--rate-window", "30", "--fail-5xx", "1", seed=seed)
        try:
            statuses = [srv.call("GET", "/api/v2/tickets.json", None, {"Authorization": ADMIN}) for _ in range(4)]
            self.assertEqual([a.status for a in statuses], [503, 200, 200, 429])
            self.assertEqual([t["id"] for t in statuses[1].json["tickets"]], [2 ** 40 + 7])
            self.assertGreater(int(statuses[3].header("Retry-After")), 1)
            log = srv.requests()
            self.assertEqual([r["status"] for r in log], [503, 200, 200, 429])
            self.assertEqual(log[0]["path"], "/api/v2/tickets.json")
            with open(os.path.join(srv.dir, "state", "state.json")) as f:
                self.assertEqual(json.load(f)["tickets"][0]["id"], 2 ** 40 + 7)
        finally:
            srv.stop()

    @unittest.skipUnless(shutil.which("openssl"), "openssl is needed to make a certificate")
    def test_tls(self):
        d = tempfile.mkdtemp(prefix="tma-ticketing-tls-")
        try:
            cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                            "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1"],
                           check=True, capture_output=True)
            srv = Server("trello", tls=(cert, key))
            try:
                a = srv.call("GET", "/1/members/me?key=%s&token=%s" % (KEY, TOKEN))
                self.assertEqual(a.status, 200)
            finally:
                srv.stop()
        finally:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    started = time.time()
    program = unittest.main(exit=False, verbosity=2 if "-v" in sys.argv else 1)
    print("ticketing selftest: %d tests in %.1f s" % (program.result.testsRun, time.time() - started))
    sys.exit(0 if program.result.wasSuccessful() else 1)
