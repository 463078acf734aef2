#!/usr/bin/env bash
# Benchmark of `tma hours summary` over a synthetic journal (generate.py: 12 months x 500 sites,
# about one million events), side by side with the obvious alternative on the same data in the same
# run: `git log -p` of the journal ref piped through `jq`, computing the same per-client totals.
# Prints wall time and peak RSS of each, and checks that both found the same totals.
#
# usage: bench/hours/run.sh TMA_BINARY [DIR]   (DIR defaults to /tmp/tma-hours-bench, generated once)
set -euo pipefail

tma=$(realpath "$1")
dir=${2:-/tmp/tma-hours-bench}
here=$(cd "$(dirname "$0")" && pwd)
month=2026-10
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -f "$dir/sites.yaml" ]; then
  python3 "$here/generate.py" "$dir"
fi
cd "$dir"
events=$(git log --format=%s refs/heads/tma-journal | wc -l)

measure() { # label, then the command; prints "label  seconds  peak MB"
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || {
    cat "$work/err" >&2
    return 1
  }
  read -r secs kb <"$work/time"
  printf '%-58s %7.2f s %7.1f MB\n' "$label" "$secs" "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')"
}

echo "journal: $dir ($events daily commits), tma: $tma"
echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{print int($2/1024)}') MB"

measure "tma hours summary --month $month (100 clients)" "$tma" hours summary --month "$month" --format json
jq -S '[.clients[] | {client, billable: .billable.seconds, non_billable: .non_billable.seconds,
        automatic: .automatic.seconds}]' "$work/out" >"$work/tma.json"
measure "tma hours summary --month $month --client (subscription)" "$tma" hours summary --month "$month" --client client-000
measure "tma hours summary --month $month --client (on_demand)" "$tma" hours summary --month "$month" --client client-001
measure "tma hours summary --month $month --client (hour_bank)" "$tma" hours summary --month "$month" --client client-002
measure "tma hours summary --from 2025-12-01 --to 2026-11-30" "$tma" hours summary --from 2025-12-01 --to 2026-11-30

cat >"$work/alt.sh" <<ALT
git log -p --format= refs/heads/tma-journal -- journal | sed -n 's/^+{/{/p' |
  jq -c --arg m "$month" 'select(.type == "time.logged" and (.data.date | startswith(\$m))) |
    {c: .client, s: .data.duration_seconds,
     k: (if .data.automatic then "automatic" elif .data.billable then "billable" else "non_billable" end)}' |
  jq -s 'group_by(.c) | map({client: .[0].c,
    billable: (map(select(.k == "billable") | .s) | add // 0),
    non_billable: (map(select(.k == "non_billable") | .s) | add // 0),
    automatic: (map(select(.k == "automatic") | .s) | add // 0)})'
ALT
measure "git log -p | jq (same per-client totals, $month)" bash "$work/alt.sh"
jq -S . "$work/out" >"$work/alt.json"

if diff -q "$work/tma.json" "$work/alt.json" >/dev/null; then
  echo "totals: identical for $(jq length "$work/tma.json") clients"
else
  echo "totals: DIFFER"
  diff "$work/tma.json" "$work/alt.json" | head -20
  exit 1
fi
