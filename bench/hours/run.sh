#!/usr/bin/env bash
# Benchmark of `tma hours summary` over a synthetic journal (generate.py: 12 months x 500 sites,
# about one million events), side by side with the obvious alternative on the same data in the same
# run: `git log -p` of the journal ref piped through `jq`, computing the same per-client totals.
#
# Each tma query runs three ways: without the event index (TMA_JOURNAL_INDEX=off: every run file in
# range is read), with a cold index (index file deleted first: built from the whole journal, then
# saved) and with a warm one (index at the ref's tip). Then one `tma hours log` moves the tip and
# the summary runs again (incremental update from the tree diff); the ref is put back afterwards.
# Prints wall and CPU (user + system) time and peak RSS of each; checks that tma with and without
# the index and the alternative found the same totals.
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
index=$(git rev-parse --git-common-dir)/tma-cache/journal-index-refs_heads_tma-journal.bin

# shellcheck source=bench/measure.sh
source "$here/../measure.sh"

totals() { # the per-client totals of a `hours summary --format json` output
  jq -S '[.clients[] | {client, billable: .billable.seconds, non_billable: .non_billable.seconds,
          automatic: .automatic.seconds}]' "$work/out"
}

echo "journal: $dir ($events daily commits), tma: $tma"
echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{print int($2/1024)}') MB, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| command | wall / CPU (s) | peak RSS (MB) |"
echo "|---|---:|---:|"

queries=("--month $month" "--month $month --client client-000" "--month $month --client client-001"
  "--month $month --client client-002" "--from 2025-12-01 --to 2026-11-30")
names=("100 clients" "subscription" "on_demand" "hour_bank" "100 clients, 12 months")
for i in "${!queries[@]}"; do
  # shellcheck disable=SC2086
  set -- ${queries[$i]}
  TMA_JOURNAL_INDEX=off measure "\`tma hours summary $*\` (${names[$i]}), no index" "$tma" hours summary "$@" --format json
  totals >"$work/plain.json"
  rm -f "$index" "${index%.bin}".delta-*.bin
  measure "same, cold index (built and saved)" "$tma" hours summary "$@" --format json
  totals >"$work/cold.json"
  measure "same, warm index" "$tma" hours summary "$@" --format json
  totals >"$work/warm.json"
  if ! cmp -s "$work/plain.json" "$work/cold.json" || ! cmp -s "$work/plain.json" "$work/warm.json"; then
    echo "tma totals DIFFER with and without the index for $*" >&2
    exit 1
  fi
  [ "$i" = 0 ] && cp "$work/plain.json" "$work/tma.json"
done

# One more entry moves the tip: the next summary updates the index from the tree diff and appends a
# delta segment (the base is not rewritten); a second one appends another; then warm with both.
tip=$(git rev-parse refs/heads/tma-journal)
for step in 1 2; do
  "$tma" -q hours log --client client-002 15m "bench: incremental index update $step" --date 2026-11-02 >/dev/null
  measure "\`tma hours summary --month $month\` after \`tma hours log\` #$step (incremental: delta segment appended)" \
    "$tma" hours summary --month "$month" --format json
  totals >"$work/incremental.json"
  cmp -s "$work/tma.json" "$work/incremental.json" || { echo "tma totals DIFFER after the update" >&2; exit 1; }
done
measure "same, warm (base + 2 segments)" "$tma" hours summary --month "$month" --format json
totals >"$work/incremental.json"
cmp -s "$work/tma.json" "$work/incremental.json" || { echo "tma totals DIFFER after the update" >&2; exit 1; }
segments=$(ls "${index%.bin}".delta-*.bin | wc -l)
git update-ref refs/heads/tma-journal "$tip"
rm -f "${index%.bin}".delta-*.bin

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
measure "\`git log -p | jq\` (same per-client totals, $month)" bash "$work/alt.sh"
jq -S . "$work/out" >"$work/alt.json"

echo
echo "index file: $(du -h "$index" | cut -f1), $segments delta segments after two \`hours log\`"
if diff -q "$work/tma.json" "$work/alt.json" >/dev/null; then
  echo "totals: identical for $(jq length "$work/tma.json") clients (tma without index, cold, warm, incremental; git log + jq)"
else
  echo "totals: DIFFER"
  diff "$work/tma.json" "$work/alt.json" | head -20
  exit 1
fi
