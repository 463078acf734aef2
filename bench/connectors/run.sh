#!/usr/bin/env bash
# Benchmark of `tma connectors sync` against a real Redmine 5.0 (tests/lab/start_redmine) holding
# 10,000 issues and 50,000 time entries in project `acme` (seed_bulk.rb), side by side in the same run
# with the obvious alternative: a bash loop of `curl` calls paging through the same REST lists, 100 per
# page (Redmine's maximum), bodies to /dev/null: the floor any client pays to the server.
#
# Steps, each timed with GNU time (wall, user + system CPU and peak RSS of the client), with the number
# of HTTP requests the server saw (its production.log) and the CPU time the server (thin, one Ruby
# process) spent meanwhile (/proc/PID/stat):
#   1. curl loop: every page of /issues.json?project_id=acme&status_id=*&sort=updated_on,id and of
#      /time_entries.json?project_id=acme&sort=created_on;
#   2. tma first sync (full import into a fresh journal);
#   3. tma second sync, nothing changed (incremental);
#   4. tma third sync after 100 issues (updated_on, subject) and 100 time entries (hours, updated_on)
#      were changed in the database.
# tma's rows are skipped (with a note) when the binary has no `connectors` command.
#
# usage: bench/connectors/run.sh [DIR]     (DIR defaults to /tmp/tma-connector-bench)
# env:   TMA            tma binary, copied to DIR first (default: build/tma of this repository)
#        BENCH_ISSUES, BENCH_TIME_ENTRIES   how many to seed (default 10000, 50000)
# The seeded database is kept in DIR (bench-<key>.sqlite3) and restored on the next run instead of
# seeding again; the Redmine instance (DIR/lab) is rebuilt each run and stopped at the end.
# needs: python3, curl, jq, GNU time, Debian's redmine packages (scripts/setup installs them)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dir=${1:-/tmp/tma-connector-bench}
issues=${BENCH_ISSUES:-10000}
entries=${BENCH_TIME_ENTRIES:-50000}
tma_src=${TMA:-$root/build/tma}
py=/usr/bin/python3
mkdir -p "$dir"
dir=$(realpath "$dir")
work=$(mktemp -d)
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY # everything here is loopback

server_pid=
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill -TERM -- "-$server_pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 -- "-$server_pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$server_pid" 2>/dev/null || true
}
trap 'stop_server; rm -rf "$work"' EXIT

# A server left running by an interrupted earlier run in DIR: stop it (it is ours: our tag, our DIR).
if [ -f "$dir/lab/redmine.pid" ]; then
  old=$(cat "$dir/lab/redmine.pid")
  if grep -q "tma-lab-redmine" "/proc/$old/cmdline" 2>/dev/null && [ "$(readlink "/proc/$old/cwd")" = "$dir/lab/redmine" ]; then
    server_pid=$old stop_server
  fi
fi
rm -rf "$dir/lab"

# --- Redmine: a free port (retry when taken meanwhile), then the bench database ---------------------
started=$(date +%s.%N)
for _ in 1 2 3 4 5; do
  port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  rc=0
  "$py" "$root/tests/lab/start_redmine" "$dir/lab" "$port" >"$dir/lab.json" || rc=$?
  [ "$rc" = 75 ] || break
  rm -rf "$dir/lab"
done
[ "$rc" = 0 ] || { echo "start_redmine failed (exit $rc)" >&2; exit 1; }
server_pid=$(jq -r .pid "$dir/lab.json")
url=$(jq -r .url "$dir/lab.json")
rails_root=$dir/lab/redmine
db=$rails_root/instances/lab/db/redmine.sqlite3
log=$rails_root/instances/lab/log/production.log

key=$( (cat "$here/seed_bulk.rb" "$root/tests/lab/start_redmine" "$root/tests/lab/lib/seed_redmine.rb"
  dpkg-query -W -f='${Version}' redmine; echo "$issues $entries") | sha256sum | cut -c1-12)
cache=$dir/bench-$key.sqlite3
# copy_db FROM TO: SQLite's online backup (safe while thin has the live file open; it sees the change).
copy_db() {
  "$py" -c 'import sqlite3, sys
src, dst = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
src.backup(dst); dst.close(); src.close()' "$1" "$2"
}
seed_note="restored from $cache"
if [ -f "$cache" ]; then
  copy_db "$cache" "$db"
else
  t0=$(date +%s.%N)
  (cd "$rails_root" && env -u RUBYOPT -u RUBYLIB -u GEM_HOME -u GEM_PATH -u BUNDLE_PATH -u DATABASE_URL \
    BUNDLE_GEMFILE="$rails_root/Gemfile" REDMINE_INSTANCE=lab RAILS_ENV=production HOME="$dir/lab" LANG=C.UTF-8 \
    bin/rails runner -e production "$here/seed_bulk.rb" "$issues" "$entries") >"$dir/seed.json"
  t1=$(date +%s.%N)
  seed_note="seeded in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s (rails runner: $(jq -c . "$dir/seed.json"))"
  copy_db "$db" "$cache.tmp"
  mv "$cache.tmp" "$cache"
fi
# The admin's API key, from the database in use (the lab's cached seed may have been remade since).
api_key=$("$py" -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select value from tokens where action = ? and user_id = "
      "(select id from users where login = ?)", ("api", "admin")).fetchone()[0])' "$db")
printf 'X-Redmine-API-Key: %s\n' "$api_key" >"$work/headers" # curl -H @file: the key stays off argv
ready=$(date +%s.%N)

get() { curl -sf -g --noproxy '*' -H "@$work/headers" "$url/$1"; }
total_issues=$(get "issues.json?project_id=acme&status_id=*&limit=1" | jq .total_count)
total_entries=$(get "time_entries.json?project_id=acme&limit=1" | jq .total_count)
if [ "$total_issues" != "$issues" ] || [ "$total_entries" != "$entries" ]; then
  echo "Redmine answers $total_issues issues and $total_entries time entries, not $issues and $entries" >&2
  exit 1
fi

# --- measuring ----------------------------------------------------------------------------------
clk_tck=$(getconf CLK_TCK)
server_ticks() { sed 's/^.*) //' "/proc/$server_pid/stat" | awk '{ print $12 + $13 }'; } # utime + stime
requests() { grep -c '\] Started ' "$log" || true; }
# step LABEL COMMAND...: one row of the table; the command's stdout goes to $work/out.
step() {
  local label=$1 r0 c0 r1 c1 secs user sys kb
  shift
  r0=$(requests)
  c0=$(server_ticks)
  if ! /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err"; then
    echo "$label: failed" >&2
    cat "$work/err" >&2
    return 1
  fi
  c1=$(server_ticks)
  r1=$(requests)
  read -r secs user sys kb <"$work/time"
  printf '| %s | %d | %.1f | %.2f | %.0f | %.1f |\n' "$label" "$((r1 - r0))" "$secs" \
    "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')" \
    "$(awk -v a="$c0" -v b="$c1" -v t="$clk_tck" 'BEGIN { print (b - a) / t }')"
}

# The alternative: one curl per page; the first page of each list tells the total.
cat >"$work/curl_loop.sh" <<'LOOP'
url=$1 headers=$2 first=$3
pages=0
list() { # list PATH?QUERY: every page of it, 100 per page
  local total o
  curl -sf -g --noproxy '*' -H "@$headers" -o "$first" "$url/$1&limit=100&offset=0" || exit 1
  total=$(grep -o '"total_count":[0-9]*' "$first" | cut -d: -f2)
  pages=$((pages + 1))
  for ((o = 100; o < total; o += 100)); do
    curl -sf -g --noproxy '*' -H "@$headers" -o /dev/null "$url/$1&limit=100&offset=$o" || exit 1
    pages=$((pages + 1))
  done
}
list "issues.json?project_id=acme&status_id=*&sort=updated_on,id"
list "time_entries.json?project_id=acme&sort=created_on"
echo "$pages"
LOOP

# Changes between the second and third sync: 100 issues and 100 time entries spread over the data,
# written the way Redmine writes them (UTC, microseconds), straight into the database (thin is idle).
touch_data() {
  "$py" - "$db" <<'PY'
import datetime, sqlite3, sys
con = sqlite3.connect(sys.argv[1], timeout=30)
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
issue_ids = [r[0] for r in con.execute("select id from issues where project_id = 1 order by id")]
entry_ids = [r[0] for r in con.execute("select id from time_entries where project_id = 1 order by id")]
issues = sorted({issue_ids[k * len(issue_ids) // 100] for k in range(100)})
entries = sorted({entry_ids[k * len(entry_ids) // 100 + 1] for k in range(100)} if len(entry_ids) > 100 else entry_ids)
with con:
    con.executemany("update issues set updated_on = ?, subject = subject || ' (edited)', "
                    "lock_version = lock_version + 1 where id = ?", [(now, i) for i in issues])
    con.executemany("update time_entries set updated_on = ?, hours = hours + 0.25 where id = ?",
                    [(now, i) for i in entries])
print(len(issues), len(entries))
PY
}

echo "Redmine 5.0 (lab, SQLite, thin) at $url: $total_issues issues, $total_entries time entries in acme; $seed_note"
echo "server ready in $(awk -v a="$started" -v b="$ready" 'BEGIN { printf "%.1f", b - a }') s; machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{print int($2/1024)}') MB, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| step | HTTP requests | wall (s) | client CPU (s) | client peak RSS (MB) | Redmine CPU (s) |"
echo "|---|---:|---:|---:|---:|---:|"
step "curl loop, 100 per page: issues + time entries" bash "$work/curl_loop.sh" "$url" "$work/headers" "$work/first.json"
pages=$(cat "$work/out")

tma_note=
if [ ! -x "$tma_src" ]; then
  tma_note="no tma binary at $tma_src: tma rows skipped"
else
  cp "$tma_src" "$dir/tma"
  tma=$dir/tma
  if ! "$tma" connectors --help >/dev/null 2>&1; then
    tma_note="$tma_src has no \`connectors\` command: tma rows skipped"
  fi
fi
if [ -z "$tma_note" ]; then
  rm -rf "$dir/journal" "$dir/.tma-cache" "$dir"/sync-*.json
  "$tma" -q init "$dir/journal" >/dev/null
  cat >"$dir/sites.yaml" <<YAML
version: 1
agency: {name: Bench agency, timezone: Europe/Paris}
journal: {repository: "$dir/journal"}
clients:
  acme: {name: Acme, contract: {model: on_demand, rate: 90.00}}
sites: {}
connectors:
  lab:
    type: redmine
    url: "$url"
    api_key: \${REDMINE_API_KEY}
    projects:
      acme: {client: acme}
YAML
  export REDMINE_API_KEY=$api_key
  sync=("$tma" --inventory "$dir/sites.yaml" connectors sync --format json)
  step "\`tma connectors sync\`, first (full import)" "${sync[@]}"
  cp "$work/out" "$dir/sync-1.json"
  step "\`tma connectors sync\`, nothing changed" "${sync[@]}"
  cp "$work/out" "$dir/sync-2.json"
  touched=$(touch_data)
  read -r touched_issues touched_entries <<<"$touched"
  step "\`tma connectors sync\` after $touched_issues issues + $touched_entries time entries changed" "${sync[@]}"
  cp "$work/out" "$dir/sync-3.json"
fi

echo
echo "curl loop: $pages pages of 100 (issues and time entries); bodies to /dev/null"
if [ -n "$tma_note" ]; then
  echo "$tma_note"
else
  echo "tma: $tma_src (copied to $tma); its JSON outputs in $dir/sync-{1,2,3}.json; journal $(du -sh "$dir/journal/.git" | cut -f1)"
fi
