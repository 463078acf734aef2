"""A WordPress site tree as the lab's `wp` stand-in sees it (real files, see labcommon.py)."""

import datetime
import os
import re
import shutil
import subprocess
import sys
import time

import labcommon as lab

DROPINS = ("advanced-cache.php", "db.php", "db-error.php", "install.php", "maintenance.php", "object-cache.php",
           "php-error.php", "fatal-error-handler.php", "sunrise.php", "blog-deleted.php", "blog-inactive.php",
           "blog-suspended.php")


class Site:
    def __init__(self, root, misbehave):
        self.root = root
        self.mb = misbehave
        self.state = lab.load_json(lab.lab_file(root, "state.json"), {})
        self.updates = lab.updates(root)
        if misbehave.has("update-server-down") or self.updates.get("down"):
            self.updates = {}

    def save_state(self):
        lab.save_json(lab.lab_file(self.root, "state.json"), self.state)

    def is_wordpress(self):
        return os.path.isfile(self.version_file())

    def version_file(self):
        return os.path.join(self.root, "wp-includes", "version.php")

    def _version_var(self, name):
        with open(self.version_file(), encoding="utf-8") as f:
            m = re.search(r"^\$" + name + r"\s*=\s*'?([^';]*)'?\s*;", f.read(), re.M)
        return m.group(1) if m else ""

    def core_version(self):
        return self._version_var("wp_version")

    def db_version(self):
        return self._version_var("wp_db_version")

    def set_core_version(self, version, db_version=None):
        path = self.version_file()
        with open(path, encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r"^\$wp_version\s*=.*$", "$wp_version = '%s';" % version, text, count=1, flags=re.M)
        if db_version:
            text = re.sub(r"^\$wp_db_version\s*=.*$", "$wp_db_version = %s;" % db_version, text, count=1, flags=re.M)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        self.render_html()

    def core_offers(self):
        installed = self.core_version()
        core = self.updates.get("core", {})
        candidates = [v for v in set(core.get("versions", []) + [core.get("version", "")])
                      if v and lab.version_compare(v, installed) > 0]
        branch = ".".join(installed.split(".")[:2])
        minor = [v for v in candidates if ".".join(v.split(".")[:2]) == branch]
        major = [v for v in candidates if ".".join(v.split(".")[:2]) != branch]
        offers = []
        for kind, versions in (("minor", minor), ("major", major)):
            if versions:
                best = versions[0]
                for v in versions[1:]:
                    if lab.version_compare(v, best) > 0:
                        best = v
                offers.append({"version": best, "update_type": kind,
                               "package_url": self.core_package_url(installed, best)})
        return offers

    def core_package_url(self, installed, target):
        same_branch = installed.split(".")[:2] == target.split(".")[:2]
        if same_branch:
            patch = installed.split(".")[2] if len(installed.split(".")) > 2 else "0"
            return "https://downloads.wordpress.org/release/wordpress-%s-partial-%s.zip" % (target, patch)
        return "https://downloads.wordpress.org/release/wordpress-%s.zip" % target

    # --- plugins and themes -------------------------------------------------------------------------

    def _plugin_files(self):
        base = os.path.join(self.root, "wp-content", "plugins")
        found = []
        for entry in sorted(os.listdir(base)) if os.path.isdir(base) else []:
            path = os.path.join(base, entry)
            if os.path.isdir(path):
                for name in sorted(os.listdir(path)):
                    file = os.path.join(path, name)
                    if name.endswith(".php") and lab.read_headers(file, ["Plugin Name"]):
                        found.append((entry, file, entry + "/" + name))
                        break
            elif entry.endswith(".php") and lab.read_headers(path, ["Plugin Name"]):
                found.append((entry[:-4], path, entry))
        return found

    def _update_row(self, kind, name, version):
        server = self.updates.get(kind + "s", {}).get(name)
        row = {"update": "none", "update_version": "", "update_package": None, "requires": "", "requires_php": ""}
        if not server or not server.get("version"):
            return row
        c = lab.version_compare(server["version"], version)
        if c > 0:
            installable = server.get("package", True) and not server.get("unavailable_reason")
            row["update"] = "available" if installable else "unavailable"
            row["update_version"] = server["version"]
            row["update_package"] = ("https://downloads.wordpress.org/%s/%s.%s.zip" % (kind, name, server["version"])
                                     if installable else None)
            row["requires"] = server.get("requires", "")
            row["requires_php"] = server.get("requires_php", "")
        elif c < 0:
            row["update"] = "version higher than expected"
        return row

    def plugins(self):
        active = self.state.get("active_plugins", [])
        auto = self.state.get("auto_updates", [])
        rows = []
        for slug, path, file in self._plugin_files():
            h = lab.read_headers(path, ["Plugin Name", "Version"])
            row = {"name": slug, "status": "active" if slug in active else "inactive", "version": h.get("Version", ""),
                   "auto_update": "on" if slug in auto else "off", "title": h.get("Plugin Name", ""), "file": file}
            row.update(self._update_row("plugin", slug, row["version"]))
            rows.append(row)
        mu = os.path.join(self.root, "wp-content", "mu-plugins")
        for name in sorted(os.listdir(mu)) if os.path.isdir(mu) else []:
            if name.endswith(".php"):
                h = lab.read_headers(os.path.join(mu, name), ["Plugin Name", "Version"])
                rows.append({"name": name[:-4], "status": "must-use", "update": False, "version": h.get("Version", ""),
                             "update_version": "", "auto_update": "off", "title": h.get("Plugin Name", ""),
                             "file": name, "update_package": None, "requires": "", "requires_php": ""})
        for name in DROPINS:
            if os.path.isfile(os.path.join(self.root, "wp-content", name)):
                rows.append({"name": name, "status": "dropin", "update": False, "version": "", "update_version": "",
                             "auto_update": "off", "title": "", "file": name, "update_package": None,
                             "requires": "", "requires_php": ""})
        return rows

    def themes(self):
        base = os.path.join(self.root, "wp-content", "themes")
        active = self.state.get("active_theme", "")
        auto = self.state.get("auto_updates", [])
        parent = ""
        if active:
            parent = lab.read_headers(os.path.join(base, active, "style.css"), ["Template"]).get("Template", "")
        rows = []
        for slug in sorted(os.listdir(base)) if os.path.isdir(base) else []:
            h = lab.read_headers(os.path.join(base, slug, "style.css"), ["Theme Name", "Version"])
            if "Theme Name" not in h:
                continue
            status = "active" if slug == active else ("parent" if slug == parent else "inactive")
            row = {"name": slug, "status": status, "version": h.get("Version", ""),
                   "auto_update": "on" if slug in auto else "off", "title": h["Theme Name"]}
            row.update(self._update_row("theme", slug, row["version"]))
            rows.append(row)
        return rows

    def set_component_version(self, kind, name, version):
        if kind == "plugin":
            for slug, path, _ in self._plugin_files():
                if slug == name:
                    lab.set_header(path, "Version", version)
                    readme = os.path.join(os.path.dirname(path), "readme.txt")
                    if os.path.dirname(path) != os.path.join(self.root, "wp-content", "plugins") and os.path.exists(readme):
                        lab.set_header(readme, "Stable tag", version)
                    self.render_html()
                    return
        else:
            lab.set_header(os.path.join(self.root, "wp-content", "themes", name, "style.css"), "Version", version)
            self.render_html()
            return
        raise SystemExit("lab: %s %s not found" % (kind, name))

    # --- public pages (HTTP fingerprinting) ------------------------------------------------------------

    def render_html(self):
        """Static pages a plain HTTP server can serve, shaped like WordPress 6.1's (see
        tests/fixtures/wordpress/): home with generator meta, core assets with ?ver=, the active theme's
        and active plugins' assets; the RSS2 feed at /feed/; readme.html without a version."""
        if not self.state.get("html"):
            return
        version = self.core_version()
        url = self.state.get("options", {}).get("siteurl", "http://127.0.0.1").rstrip("/")
        theme = self.state.get("active_theme", "")
        lines = ["<!DOCTYPE html>", "<html lang=\"en-US\">", "<head>", "<meta charset=\"UTF-8\" />",
                 "<title>%s</title>" % self.state.get("options", {}).get("blogname", "Lab Site"),
                 "<link rel='stylesheet' id='wp-block-library-css' href='%s/wp-includes/css/dist/block-library/"
                 "style.min.css?ver=%s' media='all' />" % (url, version),
                 "<script src='%s/wp-includes/js/jquery/jquery.min.js?ver=3.6.1' id='jquery-core-js'></script>" % url]
        if theme:
            tv = lab.read_headers(os.path.join(self.root, "wp-content", "themes", theme, "style.css"),
                                  ["Version"]).get("Version", "")
            lines.append("<link rel='stylesheet' id='%s-style-css' href='%s/wp-content/themes/%s/style.css?ver=%s' "
                         "media='all' />" % (theme, url, theme, tv))
        for row in self.plugins():
            if row["status"] == "active":
                lines.append("<link rel='stylesheet' id='%s-css' href='%s/wp-content/plugins/%s/assets/style.css?ver=%s'"
                             " media='all' />" % (row["name"], url, row["name"], row["version"]))
        lines += ["<meta name=\"generator\" content=\"WordPress %s\" />" % version, "</head>",
                  "<body class=\"home blog\"><p>%s</p></body>" % self.state.get("options", {}).get("blogname", "Lab Site"),
                  "</html>", ""]
        with open(os.path.join(self.root, "index.html"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        os.makedirs(os.path.join(self.root, "feed"), exist_ok=True)
        with open(os.path.join(self.root, "feed", "index.html"), "w", encoding="utf-8") as f:
            f.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\">\n<channel>\n"
                    "\t<title>Lab Site</title>\n\t<link>%s</link>\n\t<generator>https://wordpress.org/?v=%s</generator>\n"
                    "</channel>\n</rss>\n" % (url, version))
        with open(os.path.join(self.root, "readme.html"), "w", encoding="utf-8") as f:
            f.write("<!DOCTYPE html>\n<html><head><title>WordPress &#8250; ReadMe</title></head>\n<body>\n"
                    "<h1 id=\"logo\"><img alt=\"WordPress\" src=\"wp-admin/images/wordpress-logo.png\" /></h1>\n"
                    "<p>Semantic Personal Publishing Platform</p>\n<h2>System Requirements</h2>\n<ul>\n"
                    "<li><a href=\"https://www.php.net/\">PHP</a> version <strong>7.4</strong> or greater.</li>\n"
                    "</ul>\n</body>\n</html>\n")

    # --- maintenance and database --------------------------------------------------------------------

    def cache_type(self):
        """`wp cache type` (WP_CLI\\Utils\\wp_get_cache_type): `Default` without a persistent object cache;
        with the object-cache.php drop-in, the backend its object holds (Redis, Memcached), else `Unknown`."""
        path = os.path.join(self.root, "wp-content", "object-cache.php")
        if not os.path.isfile(path):
            return "Default"
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for backend in ("Redis", "Memcached"):
            if "new %s(" % backend in text:
                return backend
        return "Unknown"

    def option_rows(self):
        """The options table as `wp option list` sees it (size_bytes = strlen(option_value))."""
        off = set(self.state.get("autoload_off", []))
        rows = []
        for name, value in self.state.get("options", {}).items():
            value = str(value)
            rows.append({"option_name": name, "option_value": value, "size_bytes": len(value.encode("utf-8")),
                         "autoload": "off" if name in off else "on"})
        return rows

    def cron_rows(self):
        """`wp cron event list` rows from the `cron` option: next_run_gmt as Y-m-d H:i:s in UTC."""
        rows = []
        now = int(time.time())
        for event in sorted(self.state.get("cron", []), key=lambda e: e["timestamp"]):
            ts = int(event["timestamp"])
            gmt = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
            rows.append({"hook": event["hook"], "next_run_gmt": gmt, "next_run": gmt,
                         "next_run_relative": "now" if ts <= now else "%d seconds" % (ts - now),
                         "recurrence": event.get("recurrence", "Non-repeating")})
        return rows

    def maintenance_file(self):
        return os.path.join(self.root, ".maintenance")

    def maintenance_active(self):
        try:
            with open(self.maintenance_file(), encoding="utf-8") as f:
                m = re.search(r"\$upgrading\s*=\s*(\d+)", f.read())
        except FileNotFoundError:
            return False
        # WordPress ignores a .maintenance older than 10 minutes (formats.md 1.9).
        return bool(m) and time.time() - int(m.group(1)) < 600

    def _wp_config(self):
        try:
            with open(os.path.join(self.root, "wp-config.php"), encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            return {}
        return dict(re.findall(r"define\(\s*'(DB_\w+)'\s*,\s*'([^']*)'\s*\)", text))

    def db(self, sub, args, assoc, flags):
        config = self._wp_config()
        fake = lab.lab_file(self.root, "db.sql")
        real = bool(config.get("DB_NAME"))  # a wp-config.php with DB_NAME: delegate to the real tools
        if sub == "export":
            if args[:1] != ["-"]:
                raise SystemExit("lab: only `wp db export -` is supported")
            if real:
                sys.exit(self._run_db_tool(["mariadb-dump", "mysqldump"], config, ["--no-defaults", config["DB_NAME"],
                                            "--no-tablespaces"] + self._passthrough(assoc, flags), None))
            sys.stdout.write("-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n--\n"
                             "-- Host: localhost    Database: %s\n" % config.get("DB_NAME", "lab"))
            if os.path.exists(fake):
                with open(fake, encoding="utf-8") as f:
                    sys.stdout.write(f.read())
            sys.stdout.write("-- Dump completed on %s\n" % datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M:%S"))
        else:
            data = sys.stdin.read() if args[:1] == ["-"] else open(args[0], encoding="utf-8").read()
            if real:
                code = self._run_db_tool(["mariadb", "mysql"], config, ["--no-defaults", "--no-auto-rehash",
                                         "--database=" + config["DB_NAME"], "--binary-mode"], data)
                if code:
                    sys.exit(code)
            else:
                body = [line for line in data.splitlines(True)
                        if not line.startswith("-- MariaDB dump") and not line.startswith("-- Dump completed")
                        and not line.startswith("-- Host:") and line != "--\n"]
                os.makedirs(os.path.dirname(fake), exist_ok=True)
                with open(fake, "w", encoding="utf-8") as f:
                    f.write("".join(body))
            sys.stdout.write("Success: Imported from '%s'.\n" % ("STDIN" if args[:1] == ["-"] else args[0]))

    def db_query(self, args, assoc, flags):
        """`wp db query [<sql>] [--skip-column-names]`: the real client on a real database, else the lab's
        answer to `SELECT VERSION();` (state `db_server_version`), as mysql prints it in batch mode."""
        config = self._wp_config()
        sql = args[0] if args else sys.stdin.read()
        if config.get("DB_NAME"):
            sys.exit(self._run_db_tool(["mariadb", "mysql"], config, ["--no-defaults", "--database=" + config["DB_NAME"]]
                                       + ["--" + f for f in sorted(flags) if f == "skip-column-names"], sql))
        if sql.strip().rstrip(";").strip().upper() != "SELECT VERSION()":
            raise SystemExit("lab: only `wp db query 'SELECT VERSION();'` is supported without a real database")
        if "skip-column-names" not in flags:
            sys.stdout.write("VERSION()\n")
        sys.stdout.write("%s\n" % self.state.get("db_server_version", "10.11.19-MariaDB-0+deb12u1"))

    @staticmethod
    def _passthrough(assoc, flags):
        return ["--" + f for f in sorted(flags)] + ["--%s=%s" % kv for kv in sorted(assoc.items()) if kv[0] != "path"]

    @staticmethod
    def _run_db_tool(candidates, config, args, stdin_text):
        tool = next((t for t in candidates if shutil.which(t)), None)
        if not tool:
            sys.stderr.write("Error: no %s binary\n" % "/".join(candidates))
            return 1
        host = config.get("DB_HOST", "localhost")
        conn = []
        if ":/" in host:
            host, socket = host.split(":", 1)
            conn.append("--socket=" + socket)
        elif ":" in host:
            host, port = host.split(":", 1)
            conn.append("--port=" + port)
        conn += ["--host=" + host, "--user=" + config.get("DB_USER", "")]
        env = dict(os.environ, MYSQL_PWD=config.get("DB_PASSWORD", ""))
        argv = [tool] + args[:1] + conn + args[1:]
        return subprocess.run(argv, input=stdin_text, text=True, env=env).returncode
