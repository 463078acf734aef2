"""The soak's agency: one inventory, a bare git remote, two clones (runner A and runner B).

The inventory is committed on `main` in clone A and pushed; clone B is a `git clone` of the remote.
Both share the journal through the remote (`tma run --due --sync`, `tma sync`: docs/journal.md).
With `remote="ssh"` both clones' `origin` is `ssh://USER@127.0.0.1:PORT/.../remote.git` on the lab's
git server (its own sshd), reached by tma's OpenSSH client with $TMA_SSH_CONFIG (the lab's ssh_config,
in `env`); the driver's own git commands against the remote (the push of `main`, the clone of B) use
the same URL through GIT_SSH_COMMAND="ssh -F <that config>", and the end checks read the bare
repository by its path. With `remote="path"` the origin is the path itself.
The backup store is one absolute path (the lab's tmpfs), shared by both runners as a NAS would be.
"""
import os
import subprocess
import time

# Schedules (agency time zone UTC): nightly backups, weekly updates in a night window, hourly health
# (the soak's step is at most an hour), the monthly report on the 1st.
BACKUP_SCHEDULE = "daily 02:30"
UPDATE_SCHEDULE = "weekly tue 22:00"
HEALTH_SCHEDULE = "every 1h"
REPORT_SCHEDULE = "monthly 1 08:00"
KEEP = {"last": 3, "daily": 7, "weekly": 4}


def inventory_text(lab):
    user = lab.user
    lines = [
        "version: 1",
        "agency:",
        "  name: Soak Agency",
        "  timezone: UTC",
        "  contacts: [{name: On Call, email: oncall@agency.invalid}]",
        "  report: {schedule: \"%s\"}" % REPORT_SCHEDULE,
        "clients:",
    ]
    for c in range(5):
        lines.append("  c%d: {name: Client %d, lang: en, contract: {model: on_demand, rate: 90},"
                     " contacts: [{name: Boss %d, email: boss%d@client.invalid}]}" % (c, c, c, c))
    lines += [
        "storage:",
        "  local: {type: local, path: \"%s\"}" % lab.store,
    ]
    if lab.restic_repo:
        lines.append("  offsite: {type: restic, repository: \"%s\", password_command: [cat, \"%s\"]}"
                     % (lab.restic_repo, lab.restic_password))
    lines += [
        "notify:",
        "  channels:",
        "    mail: {type: email, smtp: \"smtp://127.0.0.1:%d\", tls: false, from: \"TMA <tma@agency.invalid>\"}"
        % lab.smtp_port,
        "  rules:",
        "    - {on: incident.opened, min_severity: major, to: [mail]}",
        "defaults:",
        "  backup: {storage: local, schedule: \"%s\", keep: {last: %d, daily: %d, weekly: %d}}"
        % (BACKUP_SCHEDULE, KEEP["last"], KEEP["daily"], KEEP["weekly"]),
        "  updates: {schedule: \"%s\", window: {from: \"22:00\", to: \"06:00\"}}" % UPDATE_SCHEDULE,
        "  health: {schedule: \"%s\"}" % HEALTH_SCHEDULE,
        "sites:",
    ]
    for site in lab.sites:
        ssh = ("ssh: {target: %s@127.0.0.1:%d, identity_file: \"%s\", known_hosts: \"%s\", connect_timeout: 10s}"
               % (user, site.server.ssh_port, lab.identity, lab.known_hosts))
        lines += ["  %s:" % site.name, "    client: %s" % site.client, "    cms: %s" % site.cms,
                  "    tags: [%s]" % site.server.name]
        backup = []
        if site.restic:
            backup.append("storage: [local, offsite]")
        db = lab.mariadb
        plain_dump = lambda env: ("{tool: mariadb-dump, host: 127.0.0.1, port: %d, user: %s, password: \"%s\", name: %s}"
                                  % (db.port, db.USER, db.PASSWORD, site.databases[env]))
        if site.cms == "drupal":
            # The plain dump (docs/backup.md, "Plain dump"): the password goes to the server on stdin.
            # The site's map names prod's database; preprod names its own (below).
            backup.append("database: %s" % plain_dump("prod"))
        if backup:
            lines.append("    backup: {%s}" % ", ".join(backup))
        lines.append("    environments:")
        for env, root, path in (("prod", site.prod, "prod"), ("preprod", site.pre, "pre")):
            tools = ("drush: \"%s\", composer: \"%s\"" % (lab.drush, lab.composer) if site.cms == "drupal"
                     else "wp: \"%s\"" % lab.wp)
            own_db = ", database: %s" % plain_dump(env) if site.cms == "drupal" and env == "preprod" else ""
            lines.append("      %s: {url: \"%s\", path: \"%s\", %s, %s%s}"
                         % (env, site.url(path), root, tools, ssh, own_db))
    return "\n".join(lines) + "\n"


class TmaRun:
    """One finished tma process: exit code, output, max RSS (KiB) and wall seconds."""

    def __init__(self, argv, code, out, err, rss_kib, wall, killed=False):
        self.argv, self.code, self.out, self.err = argv, code, out, err
        self.rss_kib, self.wall, self.killed = rss_kib, wall, killed


class Agency:
    def __init__(self, name, root, tma, env):
        self.name = name
        self.root = root
        self.inventory = os.path.join(root, "sites.yaml")
        self.tma = tma
        self.env = env

    def argv(self, args):
        return [self.tma, "-i", self.inventory] + list(args)

    def start(self, args, out_path, err_path, extra_env=None):
        """Popen of `tma args` in its own process group (a runner is killed as systemd would: the
        whole group); `extra_env` is added to the runner's environment for this process only."""
        env = dict(self.env, **extra_env) if extra_env else self.env
        # GNU time between the driver and tma: a process's max RSS counts the memory it had before
        # its exec, and a child forked from this driver starts as a copy of it (hundreds of MB while
        # the end checks hold the journal), so wait4 on tma itself would report the driver's size.
        # time is small; its child's peak, written to the .rss file, is tma's tree's own.
        wrapped = ["/usr/bin/time", "-q", "-f", "%M", "-o", rss_path(out_path)] + self.argv(args)
        return subprocess.Popen(wrapped, cwd=self.root, env=env, stdin=subprocess.DEVNULL,
                                stdout=open(out_path, "w"), stderr=open(err_path, "w"), start_new_session=True)

    def run(self, args, log_dir, tag):
        out_path = os.path.join(log_dir, tag + ".out")
        err_path = os.path.join(log_dir, tag + ".err")
        start = time.monotonic()
        p = self.start(args, out_path, err_path)
        return finish(p, self.argv(args), start, out_path, err_path)


def running(p):
    """Whether `p` still runs, without reaping it (Popen.poll() would, and finish()'s wait4, which reads
    the process's max RSS, would then find no child)."""
    return os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None


def rss_path(out_path):
    return out_path + ".rss"


def finish(p, argv, start, out_path, err_path, killed=False):
    """Wait for the process: its exit code (GNU time passes tma's on) and the max RSS of tma and its
    waited descendants (tma run --due runs each phase as a child tma, which it waits for), as GNU
    time read it with wait4; 0 for a run killed with its process group (time died with it)."""
    _, status, _ = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - start
    out = open(out_path).read()
    err = open(err_path).read()
    rss = 0
    try:
        with open(rss_path(out_path)) as f:
            lines = [line for line in f.read().split("\n") if line.strip().isdigit()]
            rss = int(lines[-1]) if lines else 0
        os.unlink(rss_path(out_path))
    except OSError:
        pass
    return TmaRun(argv, p.returncode, out, err, rss, wall, killed)


def git(args, cwd=None, check=True, env=None):
    r = subprocess.run(["git"] + args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if check and r.returncode != 0:
        raise SystemExit("git %s failed: %s" % (" ".join(args), r.stderr))
    return r


def make_agencies(lab, tma, env, remote_kind="path"):
    """Clone A (tma init, inventory committed, journal pushed), the bare remote, clone B. Returns the
    bare remote's path (what the end checks read), A and B. `remote_kind`: "ssh" (the clones' origin
    is the remote on the lab's git server) or "path" (the origin is the path)."""
    remote = os.path.join(lab.tmp, "remote.git")
    git(["init", "-q", "--bare", "--initial-branch=main", remote])
    url, git_env = remote, None
    if remote_kind == "ssh":
        url = lab.git_url(remote)
        git_env = dict(os.environ, GIT_SSH_COMMAND="ssh -F %s -o BatchMode=yes" % lab.ssh_config)
    root_a = os.path.join(lab.tmp, "agency-a")
    root_b = os.path.join(lab.tmp, "agency-b")
    r = subprocess.run([tma, "init", root_a], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise SystemExit("tma init failed: " + r.stderr)
    with open(os.path.join(root_a, "sites.yaml"), "w") as f:
        f.write(inventory_text(lab))
    a = Agency("A", root_a, tma, dict(env, TMA_ACTOR="Runner A <a@agency.invalid>"))
    check = subprocess.run(a.argv(["inventory", "check"]), env=a.env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    if check.returncode != 0:
        raise SystemExit("tma inventory check failed:\n" + check.stdout)
    for k, v in (("user.name", "Soak"), ("user.email", "soak@agency.invalid")):
        git(["config", k, v], cwd=root_a)
    git(["checkout", "-q", "-B", "main"], cwd=root_a)
    git(["add", "sites.yaml", ".gitignore"], cwd=root_a)
    git(["commit", "-q", "-m", "soak inventory"], cwd=root_a)
    git(["remote", "add", "origin", url], cwd=root_a)
    git(["push", "-q", "origin", "main"], cwd=root_a, env=git_env)
    r = subprocess.run(a.argv(["sync"]), env=a.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise SystemExit("tma sync (A) failed: " + r.stderr)
    git(["clone", "-q", "-b", "main", url, root_b], env=git_env)
    for k, v in (("user.name", "Soak"), ("user.email", "soak@agency.invalid")):
        git(["config", k, v], cwd=root_b)
    b = Agency("B", root_b, tma, dict(env, TMA_ACTOR="Runner B <b@agency.invalid>"))
    r = subprocess.run(b.argv(["sync"]), env=b.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise SystemExit("tma sync (B) failed: " + r.stderr)
    return remote, a, b
