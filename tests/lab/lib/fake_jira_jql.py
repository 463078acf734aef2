"""Fake Jira, the JQL subset used by the search endpoints (fake_jira_search.py): parsed, checked
against the state (unknown fields, operators, functions and values are errors, never guesses) and
evaluated over the issues the user may browse.

JQL understood (keywords case-insensitive, values quoted with " or ' or bare):
  fields     project, key/issuekey/issue, id, updated, created, resolutiondate/resolved, status,
             statusCategory, priority, issuetype/type, resolution, labels, summary, description,
             text, assignee, reporter, worklogDate, worklogAuthor
  operators  = != > >= < <= ~ !~ IN, NOT IN, IS [NOT] EMPTY|NULL; AND, OR, NOT, parentheses
  values     currentUser(), now(); dates "yyyy/MM/dd HH:mm", "yyyy-MM-dd HH:mm", "yyyy/MM/dd",
             "yyyy-MM-dd" in the user's time zone, or periods "-7d", "-1w 2d", "-4h", "-30m"
  ORDER BY   updated, created, resolutiondate, key, id, priority, status, summary, project
             (at most 7; default ASC). Without ORDER BY the fixture answers key DESC.
Anything else is refused (400) rather than guessed, including WAS/CHANGED (history is not kept).
Date literals have minute precision, so a resumed import must re-read its boundary minute.
"""

import re
from datetime import datetime

from ticketing_common import to_datetime, tzinfo_of

FIELDS = {"project": "project", "key": "key", "issuekey": "key", "issue": "key", "id": "id",
          "updated": "updated", "updateddate": "updated", "created": "created", "createddate": "created",
          "resolutiondate": "resolutiondate", "resolved": "resolutiondate", "status": "status",
          "statuscategory": "statusCategory", "priority": "priority", "issuetype": "issuetype", "type": "issuetype",
          "resolution": "resolution", "labels": "labels", "summary": "summary", "description": "description",
          "text": "text", "assignee": "assignee", "reporter": "reporter", "worklogdate": "worklogDate",
          "worklogauthor": "worklogAuthor"}
DATES = {"updated", "created", "resolutiondate", "worklogDate"}
TEXTS = {"summary", "description", "text"}
EMPTYABLE = {"priority", "resolution", "labels", "assignee", "reporter", "description", "resolutiondate"}
SORTABLE = {"updated", "created", "resolutiondate", "key", "id", "priority", "status", "summary", "project"}
KEYWORDS = {"AND", "OR", "NOT", "IN", "IS", "EMPTY", "NULL", "ORDER", "BY", "ASC", "DESC", "WAS", "CHANGED"}
TOKEN = re.compile(r"\s*(?:(?P<str>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')|(?P<op>!=|>=|<=|!~|=|>|<|~|\(|\)|,)"
                   r"|(?P<word>[^\s=!<>~(),\"']+))")
DATE_HELP = ("Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', "
             "or a period format e.g. '-5d', '4w 2d'.")


class JqlError(Exception):
    """kind "syntax" (always fatal) or "value" (a value that does not exist: a warning with
    validateQuery=warn on the classic search)."""

    def __init__(self, message, kind="syntax"):
        super().__init__(message)
        self.kind = kind


def tokenize(text):
    out, pos = [], 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip() == "":
                break
            raise JqlError("Error in the JQL Query: The character '%s' is a reserved JQL character." % text[pos])
        pos = m.end()
        if m.group("str") is not None:
            out.append(("str", re.sub(r"\\(.)", r"\1", m.group("str")[1:-1])))
        elif m.group("op"):
            out.append(("op", m.group("op")))
        else:
            word = m.group("word")
            out.append(("kw", word.upper()) if word.upper() in KEYWORDS else ("word", word))
    return out


class Parser:
    def __init__(self, text):
        self.toks = tokenize(text)
        self.i = 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def accept(self, kind, value):
        if self.peek() == (kind, value):
            self.i += 1
            return True
        return False

    def expected(self, what):
        kind, value = self.peek()
        got = "the end of the query" if kind is None else "'%s'" % value
        raise JqlError("Error in the JQL Query: Expecting %s but got %s." % (what, got))

    def query(self):
        where, order = None, []
        if self.peek() not in ((None, None), ("kw", "ORDER")):
            where = self.or_expr()
        if self.accept("kw", "ORDER"):
            if not self.accept("kw", "BY"):
                self.expected("'BY'")
            while True:
                kind, name = self.take()
                if kind not in ("word", "str"):
                    self.i -= 1
                    self.expected("a field name")
                direction = "ASC"
                if self.peek() in (("kw", "ASC"), ("kw", "DESC")):
                    direction = self.take()[1]
                order.append((name, direction))
                if not self.accept("op", ","):
                    break
        if self.peek() != (None, None):
            self.expected("either 'OR' or 'AND'")
        return where, order

    def or_expr(self):
        nodes = [self.and_expr()]
        while self.accept("kw", "OR"):
            nodes.append(self.and_expr())
        return nodes[0] if len(nodes) == 1 else ("or", nodes)

    def and_expr(self):
        nodes = [self.not_expr()]
        while self.accept("kw", "AND"):
            nodes.append(self.not_expr())
        return nodes[0] if len(nodes) == 1 else ("and", nodes)

    def not_expr(self):
        if self.accept("kw", "NOT"):
            return ("not", self.not_expr())
        if self.accept("op", "("):
            node = self.or_expr()
            if not self.accept("op", ")"):
                self.expected("')'")
            return node
        return self.clause()

    def clause(self):
        kind, field = self.take()
        if kind not in ("word", "str"):
            self.i -= 1
            self.expected("a field name")
        kind, op = self.take()
        if (kind, op) == ("kw", "NOT"):
            if not self.accept("kw", "IN"):
                self.expected("'IN'")
            op = "not in"
        elif (kind, op) == ("kw", "IN"):
            op = "in"
        elif (kind, op) == ("kw", "IS"):
            op = "is not" if self.accept("kw", "NOT") else "is"
            if self.take() not in (("kw", "EMPTY"), ("kw", "NULL")):
                self.i -= 1
                self.expected("EMPTY or NULL")
            return ("clause", field, op, ("empty",))
        elif (kind, op) in (("kw", "WAS"), ("kw", "CHANGED")):
            raise JqlError("Error in the JQL Query: the lab fixture does not keep history ('%s')." % op)
        elif kind != "op" or op in ("(", ")", ","):
            self.i -= 1
            self.expected("operator")
        if op in ("in", "not in"):
            if not self.accept("op", "("):
                self.expected("'('")
            values = [self.value()]
            while self.accept("op", ","):
                values.append(self.value())
            if not self.accept("op", ")"):
                self.expected("')'")
            return ("clause", field, op, ("list", values))
        return ("clause", field, op, self.value())

    def value(self):
        kind, value = self.take()
        if kind in ("kw",) and value in ("EMPTY", "NULL"):
            return ("empty",)
        if kind not in ("word", "str"):
            self.i -= 1
            self.expected("either a value, list or function")
        if kind == "word" and self.accept("op", "("):
            if not self.accept("op", ")"):
                self.expected("')'")
            return ("func", value)
        return ("str", value)


class Compiler:
    """Turns the parse tree into a predicate over issues, checking every field, operator and value
    against the state first (so errors do not depend on which issues exist)."""

    def __init__(self, api, lenient=None):
        self.api = api
        self.lenient = lenient  # None (strict) or a list collecting warnings
        self.tz = tzinfo_of(api.tz())

    def problem(self, message):
        if self.lenient is None:
            raise JqlError(message, "value")
        self.lenient.append(message)

    def compile(self, node):
        if node[0] in ("and", "or"):
            preds = [self.compile(n) for n in node[1]]
            return (lambda i: all(p(i) for p in preds)) if node[0] == "and" else (lambda i: any(p(i) for p in preds))
        if node[0] == "not":
            pred = self.compile(node[1])
            return lambda i: not pred(i)
        _, name, op, value = node
        field = FIELDS.get(name.lower())
        if field is None:
            raise JqlError("Field '%s' does not exist or you do not have permission to view it." % name)
        allowed = {"=", "!=", "in", "not in"}
        if field in DATES:
            allowed = {"=", "!=", ">", ">=", "<", "<="}
        elif field in TEXTS:
            allowed = {"~", "!~"}
        if field in EMPTYABLE:
            allowed |= {"is", "is not"}
        if op not in allowed:
            raise JqlError("The operator '%s' is not supported by the '%s' field." % (op, name))
        if op in ("is", "is not"):
            get = self.getter(field)
            return (lambda i: get(i) in (None, [], "")) if op == "is" else (lambda i: get(i) not in (None, [], ""))
        if field in TEXTS:
            needle = self.text(value).lower()
            get = self.getter(field)
            return (lambda i: needle in (get(i) or "").lower()) if op == "~" else (
                lambda i: needle not in (get(i) or "").lower())
        if field in DATES:
            return self.date_clause(field, name, op, value)
        values = value[1] if value[0] == "list" else [value]
        wanted = set()
        for v in values:
            wanted |= self.resolve(field, name, v)
        get = self.getter(field)
        if field == "labels":
            hit = lambda i: bool(wanted & set(i["labels"]))  # noqa: E731
        elif field == "worklogAuthor":
            hit = lambda i: bool(wanted & {w["author"] for w in self.worklogs(i)})  # noqa: E731
        else:
            hit = lambda i: get(i) in wanted  # noqa: E731
        return hit if op in ("=", "in") else (lambda i: not hit(i))

    def text(self, value):
        if value[0] != "str":
            raise JqlError("Error in the JQL Query: Expecting a string value.")
        return value[1]

    def worklogs(self, issue):
        return [w for w in self.api.state["worklogs"] if w["issueId"] == issue["id"]]

    def getter(self, field):
        api = self.api
        if field == "statusCategory":
            return lambda i: api.status(api.project(i["project"]), i["status"])["category"]
        if field == "text":
            return lambda i: "%s\n%s" % (i["summary"], api_text(i["description"]))
        if field == "description":
            return lambda i: api_text(i["description"])
        if field == "worklogDate":
            return lambda i: [w["started"] for w in self.worklogs(i)]
        if field == "id":
            return lambda i: i["id"]
        return lambda i: i[field]

    def resolve(self, field, name, value):
        """The stored values a JQL value stands for."""
        api = self.api
        if value[0] == "func":
            if value[1].lower() == "currentuser" and field in ("assignee", "reporter", "worklogAuthor"):
                return {api.user_ref()} if api.user else set()
            raise JqlError("Unable to find JQL function '%s()'." % value[1])
        if value[0] == "empty":
            return {None}
        v = value[1]
        found = set()
        if field == "project":
            found = {p["key"] for p in api.state["projects"]
                     if v.upper() in (p["key"].upper(), p["id"], p["name"].upper()) and api.can_browse(p["key"])}
        elif field == "key":
            found = {i["id"] for i in api.state["issues"] if v.upper() in (i["key"], i["id"])
                     and api.can_browse(i["project"])}
            if not found and not v.isdigit():
                self.problem("An issue with key '%s' does not exist for field '%s'." % (v, name))
                return set()
            if not found:
                return set()
        elif field == "id":
            return {v}
        elif field == "status":
            found = {s["id"] for p in api.state["projects"] for s in p["statuses"] if v.lower() in (s["name"].lower(), s["id"])}
        elif field == "statusCategory":
            from fake_jira import CATEGORIES
            found = {k for k, c in CATEGORIES.items() if v.lower() in (k, c["name"].lower(), str(c["id"]))}
        elif field in ("priority", "issuetype"):
            found = {x["id"] for x in api.state["priorities" if field == "priority" else "issuetypes"]
                     if v.lower() in (x["name"].lower(), x["id"])}
        elif field == "resolution":
            found = {None} if v.lower() == "unresolved" else {
                r["id"] for r in api.state["resolutions"] if v.lower() in (r["name"].lower(), r["id"])}
        elif field in ("assignee", "reporter", "worklogAuthor"):
            u = api.user_by_input(v)
            found = {u["accountId"]} if u else set()
        elif field == "labels":
            return {v}
        if not found:
            self.problem("The value '%s' does not exist for the field '%s'." % (v, name))
        return found

    def date(self, value, name):
        if value[0] == "func" and value[1].lower() == "now":
            return self.api.now()
        if value[0] != "str":
            raise JqlError("Date value for field '%s' is invalid. %s" % (name, DATE_HELP))
        v = value[1].strip()
        m = re.fullmatch(r"([+-]?)((?:\d+[wdhm]\s*)+)", v)
        if m:
            units = {"w": 604800000, "d": 86400000, "h": 3600000, "m": 60000}
            total = sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([wdhm])", m.group(2)))
            return self.api.now() + (-total if m.group(1) == "-" else total)
        for fmt in ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d"):
            try:
                return int(datetime.strptime(v, fmt).replace(tzinfo=self.tz).timestamp() * 1000)
            except ValueError:
                pass
        raise JqlError("Date value '%s' for field '%s' is invalid. %s" % (v, name, DATE_HELP))

    def date_clause(self, field, name, op, value):
        limit = self.date(value, name)
        cmp = {"=": lambda a, b: a == b, "!=": lambda a, b: a != b, ">": lambda a, b: a > b,
               ">=": lambda a, b: a >= b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b}[op]
        if field == "worklogDate":  # compared by day, in the user's time zone
            day = lambda ms: to_datetime(ms, self.tz).strftime("%Y-%m-%d")  # noqa: E731
            return lambda i: any(cmp(day(s), day(limit)) for s in self.getter(field)(i))
        return lambda i: i[field] is not None and cmp(i[field], limit)


def api_text(value):
    from fake_jira import adf_text
    return adf_text(value) or ""


def sort_issues(api, issues, order):
    if len(order) > 7:
        raise JqlError("The ORDER BY clause has more than 7 fields.")
    prio = {p["id"]: n for n, p in enumerate(api.state["priorities"])}
    keys = {"updated": lambda i: i["updated"], "created": lambda i: i["created"],
            "resolutiondate": lambda i: (i["resolutiondate"] is None, i["resolutiondate"] or 0),
            "key": lambda i: (i["project"], int(i["key"].rsplit("-", 1)[1])), "id": lambda i: int(i["id"]),
            "priority": lambda i: prio.get(i["priority"], 99), "summary": lambda i: i["summary"].lower(),
            "status": lambda i: api.status(api.project(i["project"]), i["status"])["name"],
            "project": lambda i: i["project"]}
    out = sorted(issues, key=lambda i: int(i["id"]))
    for name, direction in reversed(order or [("key", "DESC")]):
        field = FIELDS.get(name.lower())
        if field is None:
            raise JqlError("Field '%s' does not exist or you do not have permission to view it." % name)
        if field not in SORTABLE:
            raise JqlError("Field '%s' does not support sorting." % name)
        out.sort(key=keys[field], reverse=direction == "DESC")
    return out
