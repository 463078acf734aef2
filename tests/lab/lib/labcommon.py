"""Shared helpers for the lab stand-ins (tests/lab/bin/wp, drush, composer).

The stand-ins read and change REAL files in a site tree and print exactly the formats documented in
docs/check.md (from WP-CLI 2.12, Drush 11/12 and Composer 2 sources and captures). Lab state that a
real server would keep in a database or fetch from the network lives in <site>/.tma-lab/:

  updates.json   the local "update server": newest versions, installable versions, advisories
  state.json     active plugins/theme, auto-updates, db version, Drupal state (maintenance mode...)
  misbehave      one directive per line, optionally scoped: "plugin list: malformed-json"
  db.sql         the "database" used by db export/import when no real database is configured

Misbehaviour directives (also from env TMA_LAB_MISBEHAVE, separated by ';'):
  malformed-json   JSON outputs are cut in half
  garbage          print an HTML error page instead of the normal output
  exit=N           print "Error: lab-induced failure" on stderr and exit N
  fatal            PHP fatal error on stderr, exit 255 (WP-CLI's behaviour)
  hang             sleep for an hour (the caller's timeout must fire)
  delay=MS         answer normally after MS milliseconds (benchmarks)
  notice           a "PHP Deprecated:" line on stdout before the output
  update-server-down   no update information (WP-CLI then says "none")
"""

import json
import os
import re
import sys
import time

LAB_DIR = ".tma-lab"


def php_json(value):
    """PHP json_encode() with default flags: compact, escaped slashes, \\uXXXX for non-ASCII."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/")


def drush_json(value):
    """Drush: JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES, newline at the end."""
    return json.dumps(value, indent=4, ensure_ascii=True) + "\n"


def composer_json(value):
    """Composer's JsonFile::encode: pretty, unescaped slashes and unicode."""
    return json.dumps(value, indent=4, ensure_ascii=False) + "\n"


def load_json(path, default):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return default


def save_json(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def lab_file(root, name):
    return os.path.join(root, LAB_DIR, name)


def updates(root):
    """The update server's view; a shared file can be named by env TMA_LAB_UPDATES."""
    data = load_json(lab_file(root, "updates.json"), None)
    if data is None and os.environ.get("TMA_LAB_UPDATES"):
        data = load_json(os.environ["TMA_LAB_UPDATES"], None)
    return data or {}


class Misbehave:
    def __init__(self, root, command):
        self.modes = {}
        lines = []
        path = lab_file(root, "misbehave") if root else None
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                lines += f.read().splitlines()
        lines += os.environ.get("TMA_LAB_MISBEHAVE", "").split(";")
        for line in lines:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            scope, _, directive = line.rpartition(":")
            scope = scope.strip()
            if scope and not command.startswith(scope):
                continue
            name, _, value = directive.strip().partition("=")
            self.modes[name.strip()] = value.strip()

    def has(self, name):
        return name in self.modes

    def before(self):
        """Directives that act before the command runs."""
        if self.has("delay"):
            time.sleep(int(self.modes["delay"] or "100") / 1000.0)
        if self.has("hang"):
            time.sleep(3600)
        if self.has("fatal"):
            sys.stderr.write("PHP Fatal error:  Uncaught Error: Call to undefined function lab_broken() in "
                             "/srv/www/wp-content/plugins/lab-broken/lab-broken.php:3\n")
            sys.stderr.write("Error: There has been a critical error on this website.Learn more about "
                             "troubleshooting WordPress. There has been a critical error on this website.\n")
            sys.exit(255)
        if self.has("exit"):
            sys.stderr.write("Error: lab-induced failure\n")
            sys.exit(int(self.modes["exit"] or "1"))
        if self.has("garbage"):
            sys.stdout.write("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>\n")
            sys.exit(0)
        if self.has("notice"):
            sys.stdout.write("PHP Deprecated:  Creation of dynamic property Lab::$x is deprecated in "
                             "/srv/www/wp-content/plugins/lab/lab.php on line 12\n")

    def json_text(self, text):
        if self.has("malformed-json"):
            return text[: max(1, len(text) // 2)]
        return text


# --- PHP version_compare() -------------------------------------------------------------------------

_SPECIAL = [("dev", 0), ("alpha", 1), ("a", 1), ("beta", 2), ("b", 2), ("RC", 3), ("rc", 3), ("#", 4),
            ("pl", 5), ("p", 5)]


def _canon(v):
    if not v:
        return v
    out = [v[0]]
    lp = v[0]
    for c in v[1:]:
        isd = c.isdigit()
        lpd = lp.isdigit()
        if c in "-_+":
            if out[-1] != ".":
                out.append(".")
        elif (not lpd and lp != "." and isd) or (lpd and not isd and c != "."):
            if out[-1] != ".":
                out.append(".")
            out.append(c)
        elif not c.isalnum():
            if out[-1] != ".":
                out.append(".")
        else:
            out.append(c)
        lp = c
    return "".join(out)


def _form(s):
    for name, order in _SPECIAL:
        if s.startswith(name):
            return order
    return -6


def version_compare(a, b):
    """PHP's version_compare($a, $b): -1, 0 or 1."""
    if not a or not b:
        return 0 if a == b else (1 if a else -1)
    pa = (a if a.startswith("#") else _canon(a)).split(".")
    pb = (b if b.startswith("#") else _canon(b)).split(".")
    n = min(len(pa), len(pb))
    for i in range(n):
        x, y = pa[i], pb[i]
        if x[:1].isdigit() and y[:1].isdigit():
            c = (int(re.match(r"\d+", x).group()) > int(re.match(r"\d+", y).group())) - \
                (int(re.match(r"\d+", x).group()) < int(re.match(r"\d+", y).group()))
        elif not x[:1].isdigit() and not y[:1].isdigit():
            c = (_form(x) > _form(y)) - (_form(x) < _form(y))
        elif x[:1].isdigit():
            c = (_form("#N#") > _form(y)) - (_form("#N#") < _form(y))
        else:
            c = (_form(x) > _form("#N#")) - (_form(x) < _form("#N#"))
        if c:
            return c
    if len(pa) > n:
        return 1 if pa[n][:1].isdigit() else version_compare(".".join(pa[n:]), "#N#")
    if len(pb) > n:
        return -1 if pb[n][:1].isdigit() else version_compare("#N#", ".".join(pb[n:]))
    return 0


def composer_normalize(v):
    v = v.strip()
    if v[:1] in "vV":
        v = v[1:]
    m = re.match(r"^\d+\.x-(.+)$", v)
    if m:
        v = m.group(1)
    m = re.match(r"^(\d+(?:\.\d+){0,3})(.*)$", v)
    if not m:
        return v
    parts = m.group(1).split(".")
    parts += ["0"] * (4 - len(parts))
    rest = m.group(2).lstrip("-._")
    return ".".join(parts) + ("-" + rest if rest else "")


def composer_compare(a, b):
    return version_compare(composer_normalize(a), composer_normalize(b))


def constraint_matches(constraint, version):
    """Composer constraint as used in advisories: `|`/`||` or, `,`/space and."""
    for branch in re.split(r"\|\|?", constraint):
        terms = [t for t in re.split(r"[ ,]+", re.sub(r"([<>=!]+)\s+", r"\1", branch.strip())) if t]
        ok = bool(terms)
        for t in terms:
            m = re.match(r"^(>=|<=|>|<|==|=|!=)?(.+)$", t)
            op, ver = m.group(1) or "==", m.group(2)
            c = composer_compare(version, ver)
            ok = ok and {">=": c >= 0, "<=": c <= 0, ">": c > 0, "<": c < 0, "!=": c != 0}.get(op, c == 0)
        if ok:
            return True
    return False


# --- file headers ----------------------------------------------------------------------------------

def read_headers(path, names):
    """WordPress get_file_data(): `^[ \\t/*#@]*Name:(.*)$` in the first 8 KiB, case-insensitive."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read(8192)
    except OSError:
        return {}
    found = {}
    for name in names:
        m = re.search(r"^(?:[ \t]*<\?php)?[ \t/*#@]*" + re.escape(name) + r":(.*)$", text, re.M | re.I)
        if m:
            value = m.group(1).strip()
            if value.endswith("*/"):
                value = value[:-2].strip()
            found[name] = value
    return found


def set_header(path, name, value):
    """Rewrite the `name:` header line of a plugin file or style.css, keeping its prefix."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    new, count = re.subn(r"^([ \t/*#@]*" + re.escape(name) + r":)[ \t]*.*$", lambda m: m.group(1) + " " + value,
                         text, count=1, flags=re.M | re.I)
    if count == 0:
        raise SystemExit("lab: no %s header in %s" % (name, path))
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)


def ascii_table(fields, rows):
    """WP-CLI's table format."""
    widths = [max([len(f)] + [len(str(r.get(f, ""))) for r in rows]) for f in fields]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [line, "| " + " | ".join(f.ljust(w) for f, w in zip(fields, widths)) + " |", line]
    for r in rows:
        out.append("| " + " | ".join(str(r.get(f, "")).ljust(w) for f, w in zip(fields, widths)) + " |")
    out.append(line)
    return "\n".join(out) + "\n"
