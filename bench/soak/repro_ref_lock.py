#!/usr/bin/python3
"""Reproduction of a bug the soak's kill9 over SSH found (fixed, docs/reliability.md "What the soak found"):
a tma sync killed with SIGKILL while libgit2 held a ref lock of the clone (refs/remotes/origin/tma-journal.lock,
or refs/heads/tma-journal.lock during the merge; since, also refs/tma/seen/origin.lock) left that lock, and every later sync of the clone failed
("failed to lock file ... for writing"): `tma run --due --sync` ran nothing until someone deleted it by hand.

Usage: bench/soak/repro_ref_lock.py --tma build/tma [--tries 200]   (a local-path remote: no sshd)
Clone A logs an hour and syncs (the remote moves); clone B's `tma sync` is SIGKILLed after a random delay, then
B syncs again. Exit 1 at the first sync after a kill that fails (the bug); 0 when all --tries recovered, with
how many kills left a lock file behind.
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
locks = [os.path.join(cb, ".git", "refs", "remotes", "origin", "tma-journal.lock"),
         os.path.join(cb, ".git", "refs", "heads", "tma-journal.lock"),
         os.path.join(cb, ".git", "refs", "tma", "seen", "origin.lock")]
rng = random.Random(1)
left = 0
left_by = {}
for i in range(a.tries):
    sh([tma, "hours", "log", "--site", "s1", "15m", "entry %d" % i], cwd=ca)
    sh([tma, "sync"], cwd=ca)
    p = subprocess.Popen([tma, "sync"], cwd=cb, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    time.sleep(rng.uniform(0.0, 0.05))
    if p.poll() is None:
        os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    found = [f for f in locks if os.path.exists(f)]
    left += bool(found)
    for f in found:
        name = os.path.relpath(f, os.path.join(cb, ".git"))
        left_by[name] = left_by.get(name, 0) + 1
    r = sh([tma, "sync"], cwd=cb, check=False)
    if r.returncode != 0:
        print("try %d: SIGKILL left %s; the next `tma sync` of B exits %d: %s"
              % (i + 1, ", ".join(found) or "no lock", r.returncode, r.stdout.strip()))
        print("kept", tmp)
        sys.exit(1)
print("%d tries: every sync after a kill succeeded; %d kill(s) left a ref lock file (%s) (%s)"
      % (a.tries, left, ", ".join("%s %d" % kv for kv in sorted(left_by.items())) or "none", tmp))
