#!/usr/bin/env bash
# Benchmark `tma sync` against a path remote with a long journal, side by side in the same run:
# a clone that keeps the remote's tip as last seen (refs/tma/seen/origin, what tma does) and one
# whose seen ref is deleted before each sync (what tma did before 2026-12-06: libgit2's transport
# for a path remote then leaves out of the fetched pack only what the clone's refs point at, and
# the journal ref, ahead of the remote, hides nothing). Three runners take turns: A logs an hour and
# syncs; then "seen" and "no seen ref" each log an hour and sync (their order alternates), timed.
# Prints a Markdown table (docs/performance.md, "Journal sync with a path remote").
#
# usage: bench/sync/run.sh [WORKDIR]   (env: TMA=path/to/tma, default: a Release build in build-bench/;
#                                       ROUNDS, default 20; MONTHS of generated journal, default 3)
# needs: python3, git, jq, GNU time (scripts/setup installs them)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:-/tmp/tma-bench-sync}
rounds=${ROUNDS:-20}
months=${MONTHS:-3}
sites=200
rm -rf "$work"
mkdir -p "$work"

# shellcheck source=bench/measure.sh
source "$root/bench/measure.sh"
TMA=$(bench_tma "$root")

remote="$work/remote.git"
git init -q --bare "$remote"
python3 "$root/bench/journal/generate.py" 2026-12-01 "$months" "$sites" | git -C "$remote" fast-import --quiet
objects=$(git -C "$remote" rev-list --objects refs/heads/tma-journal | wc -l)

clone() {
  local dir="$work/$1"
  git init -q "$dir"
  git -C "$dir" remote add origin "$remote"
  git -C "$dir" fetch -q origin refs/heads/tma-journal:refs/heads/tma-journal
  # git's fetch also wrote refs/remotes/origin/tma-journal, which would hide the generated history
  # from every later fetch: a clone made before that history (the agency's clone, months ago) has
  # no such ref near the journal's tip, and tma writes none.
  git -C "$dir" update-ref -d refs/remotes/origin/tma-journal
  python3 "$root/bench/journal/inventory.py" "$dir" "$sites" >"$dir/sites.yaml"
}
for c in a seen noseen; do clone "$c"; done
export TMA_ACTOR="Bench <bench@agency.invalid>" NO_COLOR=1

log_hour() { "$TMA" -q -i "$work/$1/sites.yaml" hours log --site site-001 15m "bench round $2" >/dev/null; }
sync_quiet() { "$TMA" -q -i "$work/$1/sites.yaml" sync >/dev/null; }

# timed_sync CLONE: one sync, appends "wall_s fetched_objects" to $work/CLONE.times
timed_sync() {
  local c=$1
  [ "$c" = noseen ] && git -C "$work/$c" update-ref -d refs/tma/seen/origin 2>/dev/null || true
  /usr/bin/time -f "%e" -o "$work/time" "$TMA" -q -i "$work/$c/sites.yaml" sync --format json >"$work/out"
  echo "$(cat "$work/time") $(jq '.fetched_objects' "$work/out")" >>"$work/$c.times"
}

for c in a seen noseen; do sync_quiet "$c"; done # every clone has pushed once: all start even
for ((r = 1; r <= rounds; r++)); do
  log_hour a "$r"
  sync_quiet a
  order=(seen noseen)
  ((r % 2 == 0)) && order=(noseen seen)
  for c in "${order[@]}"; do
    log_hour "$c" "$r"
    timed_sync "$c"
  done
done

echo "Journal: $months months x $sites sites generated ($objects objects), $rounds rounds, tma: $TMA, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| clone | sync wall time, median / max (s) | objects fetched per sync, median / max | clone's .git after |"
echo "|---|---|---|---|"
for c in seen noseen; do
  label="keeps refs/tma/seen/origin (tma)"
  [ "$c" = noseen ] && label="seen ref deleted before each sync (tma before the fix)"
  stats=$(sort -n -k1 "$work/$c.times" | awk '{t[NR]=$1} END {printf "%.2f / %.2f", t[int((NR+1)/2)], t[NR]}')
  fetched=$(sort -n -k2 "$work/$c.times" | awk '{f[NR]=$2} END {printf "%d / %d", f[int((NR+1)/2)], f[NR]}')
  echo "| $label | $stats | $fetched | $(du -sh "$work/$c/.git" | cut -f1) |"
done
