#!/usr/bin/env bash
# Benchmark the due decision (`tma schedule`, the read every `tma run --due` step starts with) on a
# synthetic journal: SITES sites (default 200) whose hourly health checks, nightly backups, weekly
# updates and monthly reports were claimed every slot for DAYS days (default 35, the decision's
# horizon), up to the current hour. Side by side in the same run:
#   - reading the 35 days of job events at each step (TMA_JOURNAL_INDEX=off: no kept fold; what tma
#     did before it kept one, and what any scheduler that rereads its log does);
#   - the kept fold (docs/journal.md, "Incremental reads"): the first step folds the horizon and
#     saves it, the next step after one more hour's run reads only that run's file.
# Both must print the same decisions. Prints a Markdown table (docs/performance.md).
#
# usage: bench/due/run.sh [SITES] [DAYS] [WORKDIR]   (env: TMA=path/to/tma, default: a Release build in build-bench/)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
sites=${1:-200}
days=${2:-35}
work=${3:-/tmp/tma-bench-due}
rm -rf "$work"
mkdir -p "$work/store"

# shellcheck source=bench/measure.sh
source "$root/bench/measure.sh"
TMA=$(bench_tma "$root")

# The history ends with the previous hour; the current hour's run is the incremental step.
now_hour=$(date -u +%Y-%m-%dT%H)
prev_hour=$(date -u -d "$(date -u +%Y-%m-%dT%H:00:00Z) - 1 hour" +%Y-%m-%dT%H)
repo="$work/journal.git"
git init -q --bare "$repo"
python3 "$here/generate.py" "$prev_hour" "$days" "$sites" | git -C "$repo" fast-import --quiet

python3 - "$repo" "$sites" "$work/store" >"$work/sites.yaml" <<'PY'
import sys
repo, sites, store = sys.argv[1], int(sys.argv[2]), sys.argv[3]
print("version: 1\nagency: {name: Bench Agency, timezone: UTC, report: {schedule: \"monthly 1 08:00\"}}")
print("journal: {repository: '%s'}" % repo)
print("clients:")
for c in range(5):
    print("  client-%d: {name: Client %d, contract: {model: on_demand, rate: 90}}" % (c, c))
print("storage:\n  local: {type: local, path: '%s'}" % store)
print("defaults:")
print("  backup: {storage: local, schedule: \"daily 02:30\"}")
print("  updates: {schedule: \"weekly tue 22:00\", window: {from: \"22:00\", to: \"06:00\"}}")
print("  health: {schedule: \"every 1h\"}")
print("sites:")
for i in range(sites):
    print("  site-%03d: {client: client-%d, cms: wordpress, environments: {prod: {url: 'https://site-%03d.example'},"
          " preprod: {url: 'https://pre.site-%03d.example'}}}" % (i, i % 5, i, i))
PY

events=$(git -C "$repo" log --format=%s refs/heads/tma-journal | sed -n 's/.*(\([0-9]*\) events)/\1/p' |
  awk '{s+=$1} END {print s}')
size=$(du -sh "$repo" | cut -f1)

# measure NAME ENV...: wall and CPU seconds, peak RSS (MB) of `tma schedule --format json`.
measure() {
  local name=$1
  shift
  env "$@" /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$TMA" -q -i "$work/sites.yaml" schedule --format json \
    >"$work/out.$name"
  read -r secs user sys kb <"$work/time"
  echo "$secs/$(awk "BEGIN {printf \"%.2f\", $user + $sys}") $((kb / 1024))"
}
# The same decisions: the two outputs but for their generation time.
same() {
  python3 -c 'import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
for d in (a, b): d.pop("generated_at", None)
print("same" if a == b else "DIFFERENT")' "$work/out.$1" "$work/out.$2"
}

echo "Journal: $sites sites, $days days, $events events, repository $size (packed); tma: $TMA;" \
  "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| step | how | wall/CPU time (s) | peak RSS (MB) | decisions |"
echo "|---|---|---|---|---|"
row() { echo "| $1 | $2 | $3 | $4 | $5 |"; }

read -r s m <<<"$(measure reread TMA_JOURNAL_INDEX=off)"
row "a step" "reread 35 days of job events" "$s" "$m" "-"
read -r s m <<<"$(measure first TMA_JOURNAL_INDEX=on)"
row "first step" "kept fold: fold the horizon, save it" "$s" "$m" "$(same reread first)"
read -r s m <<<"$(measure loaded TMA_JOURNAL_INDEX=on)"
row "nothing new" "kept fold: load it" "$s" "$m" "$(same reread loaded)"

# One more hour: the runner's run file of the current slot.
python3 "$here/generate.py" "$now_hour" 1 "$sites" --only-last | git -C "$repo" fast-import --quiet
read -r s m <<<"$(measure reread2 TMA_JOURNAL_INDEX=off)"
row "next hour" "reread 35 days of job events" "$s" "$m" "-"
read -r s m <<<"$(measure next TMA_JOURNAL_INDEX=on)"
row "next hour" "kept fold: read the new run file" "$s" "$m" "$(same reread2 next)"
echo
echo "fold: $(du -h "$repo/tma-cache/refs_heads_tma-journal/job-history.json" | cut -f1)"
