"""The soak's database checks (bench/soak/checks.py calls them), for the sites on the lab's real MariaDB
(the Drupal sites' plain `mariadb-dump`, the sampled WordPress sites' `wp db export`):

- every backup the local store lists for them holds a dump of their database: `database.sql.gz`
  with the table, the site's own rows and the dump's trailer;
- a restore round-trips: the latest prod backup of one WordPress site restored into its preprod
  database (`tma restore --from prod --to preprod --db-only`) leaves preprod with prod's rows, and
  the same for one Drupal site after rows were deleted from its database.
"""
import gzip
import os


def listed_backups(store, site, env):
    d = os.path.join(store, site, env)
    if not os.path.isdir(d):
        return []
    return sorted(b for b in os.listdir(d) if os.path.exists(os.path.join(d, b, "manifest.json")))


def check_dumps(soak, res):
    sites = [s for s in soak.lab.sites if s.databases]
    if not sites:
        res.add("SKIP", "MariaDB dumps in the backups", "no site on MariaDB (--db-every 0 --drupal-every 0)")
        return
    store = soak.lab.store
    checked, bad, none = 0, [], []
    for site in sites:
        for env, db in sorted(site.databases.items()):
            ids = listed_backups(store, site.name, env)
            if not ids:
                none.append("%s/%s" % (site.name, env))
            for backup in ids:
                checked += 1
                path = os.path.join(store, site.name, env, backup, "database.sql.gz")
                try:
                    with gzip.open(path, "rt", encoding="utf-8") as f:
                        text = f.read()
                except OSError as e:
                    bad.append("%s/%s %s: %s" % (site.name, env, backup, e))
                    continue
                if "CREATE TABLE `posts`" not in text or "'%s row 1 " % db not in text or "-- Dump completed" not in text:
                    bad.append("%s/%s %s: no table, rows or trailer of %s" % (site.name, env, backup, db))
    drupal = sum(1 for s in sites if s.cms == "drupal")
    res.check(checked > 0 and not bad and not none, "MariaDB dumps in the backups",
              "%d sites (%d Drupal plain dump, %d WordPress wp db export): %d listed backups read, %d without their "
              "database's table, rows and trailer, %d site/env with no backup listed%s"
              % (len(sites), drupal, len(sites) - drupal, checked, len(bad), len(none),
                 (": " + ", ".join((bad + none)[:5])) if bad or none else ""))


def restore_round_trip(soak, site, damage):
    """Restore the latest prod backup of `site` into preprod, database only; True when preprod's database
    then holds what prod's held and prod's is untouched. `damage` changes preprod's database first."""
    db = soak.lab.mariadb
    want = db.digest(site.databases["prod"])
    db.sql(damage)
    if db.digest(site.databases["preprod"]) == want:
        return False, "the damage did not change preprod's database"
    run = soak.record(soak.a.run(["restore", "--site", site.name, "--from", "prod", "--to", "preprod", "--backup", "latest",
                                  "--db-only"], soak.logs, soak.tag("check-restore-" + site.name)))
    if run.code != 0:
        return False, "tma restore exited %d: %s" % (run.code, run.err.strip()[-200:])
    got = db.digest(site.databases["preprod"])
    if db.digest(site.databases["prod"]) != want:
        return False, "prod's database changed: the restore wrote it"
    return got == want, "%d rows back" % len(got.splitlines())


def check_restore(soak, res):
    store = soak.lab.store
    done, bad = [], []
    for cms in ("wordpress", "drupal"):
        site = next((s for s in soak.lab.sites if s.cms == cms and s.databases
                     and listed_backups(store, s.name, "prod")), None)
        if site is None:
            continue
        # Each environment has its own database (Drupal: preprod's own `database` in the inventory).
        damage = "UPDATE `%s`.posts SET title = 'changed on preprod'" % site.databases["preprod"]
        ok, detail = restore_round_trip(soak, site, damage)
        (done if ok else bad).append("%s %s (%s)" % (cms, site.name, detail))
    if not done and not bad:
        res.add("SKIP", "restore of a dump round-trips", "no site on MariaDB with a listed prod backup")
        return
    res.check(not bad, "restore of a dump round-trips",
              "latest prod backup restored into preprod --db-only, preprod's rows equal prod's: %s"
              % ", ".join(bad + done))


def run(soak, res):
    check_dumps(soak, res)
    check_restore(soak, res)
