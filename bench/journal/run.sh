#!/usr/bin/env bash
# Benchmark `tma journal --since` on a synthetic journal of 12 months x 500 sites (~1.1 M events),
# side by side with the obvious alternative on the same repository in the same run:
# `git log -p` over the journal ref piped into `jq`. Prints a Markdown table (docs/performance.md).
#
# usage: bench/journal/run.sh [WORKDIR]   (env: TMA=path/to/tma, default: a Release build in build-bench/)
# needs: python3, git, jq, GNU time (scripts/setup installs them)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:-/tmp/tma-bench-journal}
end=${BENCH_END:-2026-12-01}   # fixed, so that runs are comparable; events end the day before
mkdir -p "$work"

# shellcheck source=bench/measure.sh
source "$root/bench/measure.sh"
TMA=$(bench_tma "$root")

repo="$work/journal.git"
if [ ! -d "$repo" ]; then
  git init -q --bare "$repo"
  python3 "$here/generate.py" "$end" 12 500 | git -C "$repo" fast-import --quiet
fi
python3 "$here/inventory.py" "$repo" 500 >"$work/sites.yaml"
events=$(git -C "$repo" log --format=%s refs/heads/tma-journal | sed -n 's/.*(\([0-9]*\) events)/\1/p' |
  awk '{s+=$1} END {print s}')
size=$(du -sh "$repo" | cut -f1)

month=$(date -u -d "$end - 30 days" +%F)
year=$(date -u -d "$end - 365 days" +%F)

# measure NAME COMMAND: wall time, CPU time (user + system, all processes of the pipeline) and
# peak RSS (of the largest process of the pipeline). CPU time is the figure to compare on a shared
# machine, where wall time also counts waiting for a core.
measure() {
  local name=$1 cmd=$2
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" bash -c "$cmd" >"$work/out.$name"
  read -r secs user sys kb <"$work/time"
  echo "$secs/$(awk "BEGIN {print $user + $sys}") $((kb / 1024))"
}

count_tma() { jq '.events | length' "$work/out.$1"; }
count_lines() { wc -l <"$work/out.$1"; }

echo "Journal: $events events, repository $size (packed), tma: $TMA, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| query | tool | events out | wall/CPU time (s) | peak RSS (MB) |"
echo "|---|---|---|---|---|"
row() { echo "| $1 | $2 | $3 | $4 | $5 |"; }

t="$TMA -q -i $work/sites.yaml journal"
g="git -C $repo log -p --format= refs/heads/tma-journal"
pick="sed -n 's/^+{/{/p'"

read -r s m <<<"$(measure tma_month "$t --since $month --format json")"
row "last 30 days, JSON" "tma journal --since" "$(count_tma tma_month)" "$s" "$m"
read -r s m <<<"$(measure git_month "$g --since=${month}T00:00:00Z | $pick | jq -c 'select(.at >= \"$month\")'")"
row "last 30 days, JSON" "git log -p + jq" "$(count_lines git_month)" "$s" "$m"

read -r s m <<<"$(measure tma_table "$t --since $month")"
row "last 30 days, table" "tma journal --since" "$(($(count_lines tma_table) - 1))" "$s" "$m"

read -r s m <<<"$(measure tma_site "$t --since $month --site site-042 --format json")"
row "last 30 days, one site" "tma journal --since --site" "$(count_tma tma_site)" "$s" "$m"
read -r s m <<<"$(measure git_site "$g --since=${month}T00:00:00Z | $pick | jq -c 'select(.at >= \"$month\" and .site == \"site-042\")'")"
row "last 30 days, one site" "git log -p + jq" "$(count_lines git_site)" "$s" "$m"

read -r s m <<<"$(measure tma_limit "$t --since $year --limit 50 --format json")"
row "12 months, newest 50" "tma journal --since --limit 50" "$(count_tma tma_limit)" "$s" "$m"

read -r s m <<<"$(measure tma_hours "$t --since $year --type hours.logged --format json")"
row "12 months, one type" "tma journal --since --type" "$(count_tma tma_hours)" "$s" "$m"
read -r s m <<<"$(measure git_hours "$g --since=${year}T00:00:00Z | $pick | jq -c 'select(.at >= \"$year\" and .type == \"hours.logged\")'")"
row "12 months, one type" "git log -p + jq" "$(count_lines git_hours)" "$s" "$m"

read -r s m <<<"$(measure tma_year "$t --since $year --format json")"
row "12 months, everything, JSON" "tma journal --since" "$(count_tma tma_year)" "$s" "$m"
read -r s m <<<"$(measure git_year "$g --since=${year}T00:00:00Z | $pick | jq -c 'select(.at >= \"$year\")'")"
row "12 months, everything, JSON" "git log -p + jq" "$(count_lines git_year)" "$s" "$m"
