#!/usr/bin/python3
"""Reproduction (found by the soak's kill9 over SSH, docs/reliability.md): a tma sync killed with SIGKILL
while libgit2 holds a ref lock of the clone (refs/remotes/origin/tma-journal.lock) leaves that lock, and
every later sync of the clone fails ("failed to lock file ... for writing"): `tma run --due --sync` runs
nothing until someone deletes the lock by hand.

Usage: bench/soak/repro_ref_lock.py --tma build-soak/tma [--tries 200]   (a local-path remote: no sshd)
Clone A logs an hour and syncs (the remote moves); clone B's `tma sync` is SIGKILLed after a random delay;
stops at the first lock left behind and shows that B's next sync fails. Exit 1: reproduced; 0: not in --tries.
"""
import argparse, os, random, signal, subprocess, sys, tempfile, time

p = argparse.ArgumentParser()
p.add_argument("--tma", required=True)
p.add_argument("--tries", type=int, default=200)
a = p.parse_args()
tma = os.path.abspath(a.tma)
tmp = tempfile.mkdtemp(prefix="tma-ref-lock-")
env = dict(os.environ, TMA_ACTOR="Repro <r@x.invalid>")
env.pop("TMA_INVENTORY", None)


def sh(argv, cwd=None, check=True):
    r = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check and r.returncode:
        sys.exit("%s: %s" % (" ".join(argv), r.stdout))
    return r


remote, ca, cb = (os.path.join(tmp, n) for n in ("remote.git", "a", "b"))
sh(["git", "init", "-q", "--bare", "--initial-branch=main", remote])
sh([tma, "init", ca])
with open(os.path.join(ca, "sites.yaml"), "w") as f:
    f.write("version: 1\nagency: {name: R, timezone: UTC, contacts: [{name: O, email: o@a.invalid}]}\nclients:\n"
            "  c0: {name: C, lang: en, contract: {model: on_demand, rate: 90}, contacts: [{name: B, email: b@c.invalid}]}\n"
            "sites:\n  s1: {client: c0, cms: wordpress, environments: {prod: {url: \"http://127.0.0.1:1/\", path: /x}}}\n")
for c in (["config", "user.name", "R"], ["config", "user.email", "r@x.invalid"], ["checkout", "-q", "-B", "main"],
          ["add", "-A"], ["commit", "-qm", "i"], ["remote", "add", "origin", remote], ["push", "-q", "origin", "main"]):
    sh(["git"] + c, cwd=ca)
sh([tma, "sync"], cwd=ca)
sh(["git", "clone", "-q", "-b", "main", remote, cb])
sh([tma, "sync"], cwd=cb)
lock = os.path.join(cb, ".git", "refs", "remotes", "origin", "tma-journal.lock")
rng = random.Random(1)
for i in range(a.tries):
    sh([tma, "hours", "log", "--site", "s1", "15m", "entry %d" % i], cwd=ca)
    sh([tma, "sync"], cwd=ca)
    p = subprocess.Popen([tma, "sync"], cwd=cb, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    time.sleep(rng.uniform(0.0, 0.05))
    if p.poll() is None:
        os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    if os.path.exists(lock):
        r = sh([tma, "sync"], cwd=cb, check=False)
        print("try %d: SIGKILL left %s; the next `tma sync` of B exits %d: %s" % (i + 1, lock, r.returncode, r.stdout.strip()))
        print("kept", tmp)
        sys.exit(1)
    sh([tma, "sync"], cwd=cb)
print("not reproduced in %d tries (%s)" % (a.tries, tmp))
