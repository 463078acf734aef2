"""The soak's lab (bench/soak/soak.py): servers, sites, store, journal remote, agency clones.

Everything lives under one temp dir and listens on 127.0.0.1. Each simulated server is one real
sshd (its own process, so that a fault can stop one server without the others) plus one lab HTTP
server (tests/lab/http_server.py) answering like WordPress for the prod and preprod trees of the
sites it hosts (`wp_root` routes for WordPress, `drupal_root` for Drupal: 503 with the CMS's own
maintenance page in maintenance, 500 when an installed version is listed in .tma-lab/breaks). One real MariaDB server holds the databases of
the Drupal sites (dumped by the inventory's plain mariadb-dump) and of a sample of WordPress sites
(their wp-config.php points the lab `wp` at it). With `git_server`, one more sshd, of its own and outside
`servers`, serves the agency's journal remote over SSH (soak.py --remote ssh).
"""
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
LAB = os.path.join(ROOT, "tests", "lab")
PYTHON = "/usr/bin/python3"

# The plugin whose new versions the soak offers every week (the one a bad release is injected into).
WEEKLY_PLUGIN = "forms"
# The Drupal module the soak offers a new release of every week (composer package, as `composer outdated`
# lists it; tma's step is `package:drupal/token`), from DRUPAL_MODULE_FIRST installed.
DRUPAL_MODULE = "drupal/token"
DRUPAL_MODULE_FIRST = "1.15.0"
# Drupal core: the package a core update requires (tma's src/cms/drupal_actions.cpp runs `composer
# require drupal/core-recommended:<version>`; `composer outdated --direct` lists it, not drupal/core, so
# tma's step is `package:drupal/core-recommended`), from DRUPAL_CORE_FIRST installed. The lab composer
# moves drupal/core and web/core/lib/Drupal.php (what `drush status` reports) with it.
DRUPAL_CORE = "drupal/core-recommended"
DRUPAL_CORE_FIRST = "10.3.2"


def core_release(week):
    """The Drupal core patch release offered on the Monday of `week` (1, 2, ...), or None: one every
    other week (10.3.3 in week 1, 10.3.4 in week 3, ...), as core's patch releases come, not weekly."""
    if week % 2 == 0:
        return None
    major, minor, patch = (int(x) for x in DRUPAL_CORE_FIRST.split("."))
    return "%d.%d.%d" % (major, minor, patch + (week + 1) // 2)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=15):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def run(argv, **kw):
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


class Server:
    """One simulated server: an sshd on its own port and an HTTP server for its sites."""

    def __init__(self, lab, index, name=None):
        self.index = index
        self.name = name or "srv%d" % index
        self.dir = os.path.join(lab.tmp, "servers", self.name)
        os.makedirs(self.dir)
        self.sites = []
        self.sshd = None
        self.http = None
        self.ssh_port = None
        self.http_port = None
        self.stopped = False

    def start_sshd(self, lab):
        for _ in range(5):
            self.ssh_port = free_port()
            config = os.path.join(self.dir, "sshd_config")
            with open(config, "w") as f:
                f.write(("Port {p}\nListenAddress 127.0.0.1\nHostKey {k}/host_key\nPidFile {d}/sshd.pid\n"
                         "AuthorizedKeysFile {k}/authorized_keys\nPermitRootLogin prohibit-password\n"
                         "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
                         "PrintMotd no\nMaxSessions 256\nMaxStartups 256:30:512\nLogLevel ERROR\n"
                         "SetEnv SHLVL=1\n").format(p=self.ssh_port, k=lab.tmp, d=self.dir))
            log = open(os.path.join(self.dir, "sshd.log"), "a")
            self.sshd = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", config], stdout=log, stderr=log,
                                         start_new_session=True)
            if wait_port(self.ssh_port, 10):
                return
            self.sshd.kill()
            self.sshd.wait()
        raise SystemExit("sshd of %s did not start: see %s/sshd.log" % (self.name, self.dir))

    def start_http(self):
        routes = {}
        for site in self.sites:
            key = "drupal_root" if site.cms == "drupal" else "wp_root"
            routes["/%s/prod/" % site.name] = {key: site.prod}
            routes["/%s/pre/" % site.name] = {key: site.pre}
        routes_file = os.path.join(self.dir, "routes.json")
        with open(routes_file, "w") as f:
            json.dump(routes, f)
        port_file = os.path.join(self.dir, "http.port")
        log = open(os.path.join(self.dir, "http.log"), "a")
        self.http = subprocess.Popen([PYTHON, os.path.join(LAB, "http_server.py"), "--routes", routes_file,
                                      "--port-file", port_file, "--requests", os.devnull],
                                     stdout=log, stderr=log, start_new_session=True)
        end = time.time() + 15
        while not os.path.exists(port_file):
            if time.time() > end or self.http.poll() is not None:
                raise SystemExit("http server of %s did not start: see %s/http.log" % (self.name, self.dir))
            time.sleep(0.05)
        self.http_port = int(open(port_file).read())

    def stop_answering(self):
        """The server stops answering: its sshd (new connections wait) and its web server, SIGSTOPped."""
        for p in (self.sshd, self.http):
            os.killpg(p.pid, signal.SIGSTOP)
        self.stopped = True

    def answer_again(self):
        for p in (self.sshd, self.http):
            os.killpg(p.pid, signal.SIGCONT)
        self.stopped = False

    def session_pids(self):
        """The per-connection sshd processes of this server (children of its listener)."""
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.sshd.pid:
                pids.append(int(entry))
        return pids

    def stop(self):
        for p in (self.sshd, self.http):
            if p is None or p.poll() is not None:
                continue
            try:
                os.killpg(p.pid, signal.SIGCONT)
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
                except ProcessLookupError:
                    pass


class Site:
    def __init__(self, name, client, server, base, cms="wordpress"):
        self.name = name
        self.client = client
        self.server = server
        self.cms = cms
        self.prod = os.path.join(base, name, "prod")
        self.pre = os.path.join(base, name, "pre")
        self.restic = False
        # The real MariaDB databases tma dumps, by environment ("prod", "preprod"); empty: the stand-in's
        # db.sql (WordPress) or no database (Drupal without a sample database is not made).
        self.databases = {}

    def url(self, env):
        return "http://127.0.0.1:%d/%s/%s/" % (self.server.http_port, self.name, env)


def stand_in(tmp, tool):
    """The lab's `wp`, run by /usr/bin/python3 directly (as bench/check does: no PATH lookup of python3)."""
    src = os.path.join(LAB, "bin", tool)
    bin_dir = os.path.join(tmp, "lab", "bin")
    if not os.path.isdir(bin_dir):
        os.makedirs(bin_dir)
        os.symlink(os.path.join(LAB, "lib"), os.path.join(tmp, "lab", "lib"))
    dst = os.path.join(bin_dir, tool)
    text = open(src).read().split("\n", 1)[1]
    with open(dst, "w") as f:
        f.write("#!" + PYTHON + "\n" + text)
    os.chmod(dst, 0o755)
    return dst


def make_template(tmp):
    """One WordPress stand-in tree (core 6.4.2, three active plugins, one theme, one update offered for
    each), copied for every site environment."""
    template = os.path.join(tmp, "template")
    run([PYTHON, os.path.join(LAB, "make_wp_site"), template, "--core", "6.4.2",
         "--plugin", "akismet=5.0.2:active", "--plugin", WEEKLY_PLUGIN + "=1.0:active", "--plugin", "seo=2.0:active",
         "--theme", "twentytwentyfour=1.0:active", "--update", "core=6.4.2,6.4.3",
         "--update", "plugin:akismet=5.0.2,5.0.3", "--update", "plugin:seo=2.0,2.1",
         "--update", "plugin:%s=1.0" % WEEKLY_PLUGIN])
    return template


def make_drupal_template(tmp):
    """One Drupal stand-in project (composer, core DRUPAL_CORE_FIRST, drush 12), copied for every Drupal
    site environment. Its update server (.tma-lab/updates.json) knows DRUPAL_MODULE and DRUPAL_CORE at
    the installed versions (a revert requires them back); the soak adds a module release every week
    (offer_drupal_version) and a core release every other week (offer_core_version)."""
    template = os.path.join(tmp, "template-drupal")
    run([PYTHON, os.path.join(LAB, "make_drupal_site"), template, "--core", DRUPAL_CORE_FIRST,
         "--package", "%s=%s" % (DRUPAL_MODULE, DRUPAL_MODULE_FIRST), "--update", "%s=%s" % (DRUPAL_MODULE, DRUPAL_MODULE_FIRST),
         "--update", "%s=%s" % (DRUPAL_CORE, DRUPAL_CORE_FIRST)])
    return template


def write_wp_db_config(root, database, socket_path):
    """Point the lab `wp` of a WordPress tree at a real MariaDB database (wp-config.php's DB_*), so
    that `wp db export`/`import` run the real mariadb-dump and mariadb (tests/lab/lib/wpsite.py)."""
    with open(os.path.join(root, "wp-config.php"), "w") as f:
        f.write("<?php\ndefine( 'DB_NAME', '%s' );\ndefine( 'DB_USER', 'root' );\ndefine( 'DB_PASSWORD', '' );\n"
                "define( 'DB_HOST', 'localhost:%s' );\n$table_prefix = 'wp_';\n"
                "if ( ! defined( 'ABSPATH' ) ) {\n\tdefine( 'ABSPATH', __DIR__ . '/' );\n}\n" % (database, socket_path))


class Mariadb:
    """A real MariaDB server for the soak (as tests/support/lab.cpp's LabMariadb): its own datadir,
    socket and loopback port in the temp dir. Root logs in through the socket; `soak` with a password
    over TCP (the plain dumps of the Drupal sites)."""

    USER = "soak"
    PASSWORD = "soak-db-p4ss"

    def __init__(self, tmp):
        self.dir = os.path.join(tmp, "mariadb")
        self.socket = os.path.join(self.dir, "mysqld.sock")
        self.port = None
        self.proc = None

    def start(self):
        os.makedirs(self.dir)
        user = pwd.getpwuid(os.geteuid()).pw_name
        datadir = os.path.join(self.dir, "data")
        run(["mariadb-install-db", "--no-defaults", "--auth-root-authentication-method=socket", "--skip-test-db",
             "--datadir=" + datadir, "--user=" + user])
        for _ in range(5):
            self.port = free_port()
            log = open(os.path.join(self.dir, "mariadb.log"), "a")
            self.proc = subprocess.Popen(["mariadbd", "--no-defaults", "--datadir=" + datadir, "--socket=" + self.socket,
                                          "--port=%d" % self.port, "--bind-address=127.0.0.1",
                                          "--pid-file=" + os.path.join(self.dir, "mysqld.pid"), "--skip-log-bin",
                                          "--innodb-buffer-pool-size=16M", "--user=" + user],
                                         stdout=log, stderr=log, start_new_session=True)
            if wait_port(self.port, 30):
                # The TCP port opens slightly before the socket accepts: wait for a real query.
                for _ in range(100):
                    if subprocess.run(["mariadb", "--no-defaults", "--socket=" + self.socket, "-uroot", "-e", "SELECT 1"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
                        self.sql("CREATE USER '%s'@'127.0.0.1' IDENTIFIED BY '%s'; GRANT ALL ON *.* TO '%s'@'127.0.0.1';"
                                 % (self.USER, self.PASSWORD, self.USER))
                        return
                    time.sleep(0.1)
            self.stop()
        raise SystemExit("mariadb did not start: see %s/mariadb.log" % self.dir)

    def sql(self, statement):
        return run(["mariadb", "--no-defaults", "--socket=" + self.socket, "-uroot", "--batch", "--skip-column-names",
                    "-e", statement]).stdout

    def make_database(self, name, rows):
        """A database with one table of `rows` (id, title): distinct data per database."""
        values = ", ".join("(%d, '%s row %d %s')" % (i, name, i, "x" * (i % 40)) for i in range(1, rows + 1))
        self.sql("CREATE DATABASE `%s` CHARACTER SET utf8mb4; CREATE TABLE `%s`.posts (id INT PRIMARY KEY, title TEXT)"
                 " ENGINE=InnoDB; INSERT INTO `%s`.posts VALUES %s;" % (name, name, name, values))

    def digest(self, name):
        """The rows of the database's table, as the client prints them: what a restore must bring back."""
        return self.sql("SELECT id, title FROM `%s`.posts ORDER BY id" % name)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def offer_release(root, section, name, version):
    """Add `version` of `name` to `updates.json`'s `section` in the lab's update server of the tree at
    `root` (.tma-lab/updates.json, read by the wp and composer stand-ins), atomically."""
    path = os.path.join(root, ".tma-lab", "updates.json")
    with open(path) as f:
        updates = json.load(f)
    entry = updates.setdefault(section, {}).setdefault(name, {})
    versions = entry.setdefault("versions", [])
    if version not in versions:
        versions.append(version)
    entry["version"] = version
    tmp = path + ".soak"
    with open(tmp, "w") as f:
        json.dump(updates, f, indent=2, sort_keys=True)
    os.rename(tmp, path)


def offer_plugin_version(site_root, version):
    """Add `version` of WEEKLY_PLUGIN to the WordPress site's update server."""
    offer_release(site_root, "plugins", WEEKLY_PLUGIN, version)


def process_argvs():
    """(pid, argv as a list of bytes) of every process whose command line can still be read."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                yield pid, f.read().split(b"\0")
        except OSError:
            continue


def offer_drupal_version(project_root, version):
    """Add `version` of DRUPAL_MODULE to the Drupal project's update server (the lab composer's
    repository: `composer outdated` then lists it as `latest`)."""
    offer_release(project_root, "packages", DRUPAL_MODULE, version)


def offer_core_version(project_root, version):
    """Add `version` of DRUPAL_CORE to the Drupal project's composer repository."""
    offer_release(project_root, "packages", DRUPAL_CORE, version)


def drupal_core_version(project_root):
    """Drupal core's version as the site reports it (`drush status`: web/core/lib/Drupal.php's VERSION)."""
    with open(os.path.join(project_root, "web", "core", "lib", "Drupal.php"), encoding="utf-8") as f:
        for line in f:
            if "const VERSION" in line:
                return line.split("'")[1]
    return None


def installed_drupal_version(project_root, package=DRUPAL_MODULE):
    """The version composer.lock holds for `package` (what the lab composer installed)."""
    with open(os.path.join(project_root, "composer.lock")) as f:
        lock = json.load(f)
    for p in lock.get("packages", []) + lock.get("packages-dev", []):
        if p["name"] == package:
            return p["version"]
    return None


def http_get(url):
    """(status, body) of a GET, without any proxy (the lab's probes)."""
    import urllib.error
    import urllib.request
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


def add_break(site_root, rule):
    with open(os.path.join(site_root, ".tma-lab", "breaks"), "a") as f:
        f.write(rule + "\n")


def in_maintenance(site, root):
    """WordPress: a `.maintenance` file; Drupal: the stand-in's state (`drush state:set system.maintenance_mode`)."""
    if site.cms == "drupal":
        with open(os.path.join(root, ".tma-lab", "state.json")) as f:
            return bool(json.load(f).get("maintenance_mode"))
    return os.path.exists(os.path.join(root, ".maintenance"))


def installed_plugin_version(site_root, slug):
    path = os.path.join(site_root, "wp-content", "plugins", slug, slug + ".php")
    for line in open(path, encoding="utf-8"):
        if line.strip().lstrip("*").strip().startswith("Version:"):
            return line.split("Version:", 1)[1].strip()
    return None


class Lab:
    def __init__(self, tmp, sites, servers):
        self.tmp = tmp
        self.user = pwd.getpwuid(os.geteuid()).pw_name
        self.servers = [Server(self, i) for i in range(servers)]
        self.sites = []
        self.site_count = sites
        self.identity = os.path.join(tmp, "id_ed25519")
        self.known_hosts = os.path.join(tmp, "known_hosts")
        self.store = os.path.join(tmp, "store")
        self.store_is_tmpfs = False
        self.restic_repo = None
        self.restic_password = os.path.join(tmp, "restic-password")
        self.smtp = None
        self.smtp_port = None
        self.wp = None
        self.drush = None
        self.composer = None
        self.mariadb = None
        # The agency's git server (--remote ssh): an sshd of its own, outside `servers`, so that the
        # faults that hit the sites' servers (server_down, ssh_cut) never pick it.
        self.git_server = None
        self.ssh_config = os.path.join(tmp, "ssh_config")

    def start(self, store_mib, restic_every, drupal_every=5, db_every=10, git_server=False):
        tmp = self.tmp
        for name in ("host_key", "id_ed25519"):
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(tmp, name)])
        shutil.copy(os.path.join(tmp, "id_ed25519.pub"), os.path.join(tmp, "authorized_keys"))
        os.makedirs("/run/sshd", exist_ok=True)
        self.wp = stand_in(tmp, "wp")
        template = make_template(tmp)
        drupal_template = None
        if drupal_every > 0:
            self.drush = stand_in(tmp, "drush")
            self.composer = stand_in(tmp, "composer")
            drupal_template = make_drupal_template(tmp)
        if db_every > 0 or drupal_every > 0:
            self.mariadb = Mariadb(tmp)
            self.mariadb.start()
        base = os.path.join(tmp, "sites")
        for i in range(self.site_count):
            server = self.servers[i % len(self.servers)]
            # Every drupal_every-th site is Drupal (its databases dumped by a plain mariadb-dump over TCP:
            # prod's named by the site's backup.database, preprod's by its environment's own database);
            # every db_every-th site (offset 3) is WordPress on real databases, one per environment.
            drupal = drupal_every > 0 and i % drupal_every == drupal_every - 1
            site = Site("s%04d" % i, "c%d" % (i % 5), server, base, "drupal" if drupal else "wordpress")
            site.restic = restic_every > 0 and i % restic_every == 0
            for root in (site.prod, site.pre):
                shutil.copytree(drupal_template if drupal else template, root, symlinks=True)
            if drupal:
                for env in ("prod", "preprod"):
                    name = "drupal_%s_%s" % (site.name, env)
                    self.mariadb.make_database(name, 40 + i % 20 + (5 if env == "preprod" else 0))
                    site.databases[env] = name
            elif db_every > 0 and i % db_every == 3:
                for env, root in (("prod", site.prod), ("preprod", site.pre)):
                    name = "wp_%s_%s" % (site.name, env)
                    self.mariadb.make_database(name, 30 + i % 20 + (5 if env == "preprod" else 0))
                    write_wp_db_config(root, name, self.mariadb.socket)
                    site.databases[env] = name
            server.sites.append(site)
            self.sites.append(site)
        host_pub = " ".join(open(os.path.join(tmp, "host_key.pub")).read().split()[:2])
        for server in self.servers:
            server.start_sshd(self)
            server.start_http()
        if git_server:
            self.git_server = Server(self, len(self.servers), name="git")
            self.git_server.start_sshd(self)
        with open(self.known_hosts, "w") as f:
            for server in self.servers + ([self.git_server] if self.git_server else []):
                f.write("[127.0.0.1]:%d %s\n" % (server.ssh_port, host_pub))
        # The ssh_config tma's journal ssh reads ($TMA_SSH_CONFIG, `ssh -F`): the lab's key and
        # known_hosts only, nothing from the account's ~/.ssh; an unknown host key fails (BatchMode).
        with open(self.ssh_config, "w") as f:
            f.write("Host *\n  IdentityFile %s\n  IdentitiesOnly yes\n  UserKnownHostsFile %s\n"
                    "  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n"
                    % (self.identity, self.known_hosts))
        self.self_check_drupal()
        self.start_store(store_mib)
        self.start_smtp()

    def self_check_drupal(self):
        """The lab serves a Drupal site as Drupal would, or the soak's Drupal checks mean nothing: 200,
        then 503 with Drupal's maintenance page once the lab drush switched maintenance on, 200 again
        once off (one preprod tree, left as it was)."""
        site = next((s for s in self.sites if s.cms == "drupal"), None)
        if site is None:
            return
        url = site.url("pre")
        seen = [http_get(url)]
        for mode in ("1", "0"):
            run([self.drush, "--root=" + site.pre, "state:set", "system.maintenance_mode", mode, "--input-format=integer"])
            seen.append(http_get(url))
        codes = [c for c, _ in seen]
        if codes != [200, 503, 200] or "is currently under maintenance" not in seen[1][1]:
            raise SystemExit("lab: the Drupal site %s answered %s (want 200, 503 in maintenance, 200)" % (url, codes))

    def drupal_sites(self):
        return [s for s in self.sites if s.cms == "drupal"]

    def wordpress_sites(self):
        return [s for s in self.sites if s.cms == "wordpress"]

    def start_store(self, store_mib):
        """The local backup store, on its own tmpfs when mount works (so the disk-full fault fills it
        and nothing else), and a restic repository when restic is installed."""
        os.makedirs(self.store)
        if store_mib > 0:
            r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%dm,mode=0700" % store_mib, "soak-store",
                                self.store], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            self.store_is_tmpfs = r.returncode == 0
            if not self.store_is_tmpfs:
                print("note: no tmpfs for the store (%s): the disk-full fault is skipped" % r.stdout.strip())
        if shutil.which("restic"):
            self.restic_repo = os.path.join(self.tmp, "restic")
            with open(self.restic_password, "w") as f:
                f.write("soak-restic-password\n")
            run(["restic", "init", "--repo", self.restic_repo, "--password-file", self.restic_password],
                env=dict(os.environ, RESTIC_CACHE_DIR=os.path.join(self.tmp, "restic-cache")))
        else:
            print("note: restic is not installed: no restic storage in this soak")
            for site in self.sites:
                site.restic = False

    def start_smtp(self):
        port_file = os.path.join(self.tmp, "smtp.port")
        log = open(os.path.join(self.tmp, "smtp.log"), "a")
        self.smtp = subprocess.Popen([PYTHON, os.path.join(LAB, "smtp_server.py"), "--port-file", port_file,
                                      "--messages", os.path.join(self.tmp, "mail.jsonl")],
                                     stdout=log, stderr=log, start_new_session=True)
        end = time.time() + 15
        while not os.path.exists(port_file):
            if time.time() > end or self.smtp.poll() is not None:
                raise SystemExit("smtp server did not start: see %s/smtp.log" % self.tmp)
            time.sleep(0.05)
        self.smtp_port = int(open(port_file).read())

    def git_url(self, path):
        """The URL of a repository at `path` on the lab's git server, as an agency's clones name it."""
        return "ssh://%s@127.0.0.1:%d%s" % (self.user, self.git_server.ssh_port, path)

    def stop(self, unmount=True):
        for server in self.servers + ([self.git_server] if self.git_server else []):
            server.stop()
        if self.mariadb is not None:
            self.mariadb.stop()
        if self.smtp is not None and self.smtp.poll() is None:
            os.killpg(self.smtp.pid, signal.SIGTERM)
            self.smtp.wait()
        if self.store_is_tmpfs and unmount:
            subprocess.run(["umount", self.store])
