#!/usr/bin/env bash
# Benchmark of `tma report` for a whole agency: 100 clients / 500 sites over a year of journal (the
# hours benchmark's generator, bench/hours/generate.py --measures: about 1.7 million events, with the
# daily health aggregates of a 5-minute monitoring and a daily perf audit of every site), side by side with
# the obvious alternative in the same run: a shell loop running `tma report --client C` once per
# client. Both write the same 100 JSON reports (checked equal after dropping `generated_at`), then the
# HTML ones. Prints wall and CPU (user + system) time and peak RSS of each.
#
# usage: bench/report/run.sh TMA_BINARY [DIR]   (DIR defaults to /tmp/tma-report-bench)
set -euo pipefail

tma=$(realpath "$1")
dir=${2:-/tmp/tma-report-bench}
here=$(cd "$(dirname "$0")" && pwd)
month=2026-10
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ ! -f "$dir/sites.yaml" ]; then
  python3 "$here/../hours/generate.py" --measures "$dir"
fi
cd "$dir"
events=$(git log --format=%s refs/heads/tma-journal | wc -l)
clients=$(grep -c '^  client-[0-9]*:$' sites.yaml)

# shellcheck source=bench/measure.sh
source "$here/../measure.sh"

# The alternative: one tma process per client, as a cron script without --all would run it.
loop_script='for c in $(grep -o "^  client-[0-9]*" sites.yaml); do
  "$0" -q report --client "$c" --month "$1" --format "$2" --out "$3/$c-$1.$2" >/dev/null || exit 1
done'

strip() { # the reports of a directory without their generation time, one line each
  local f
  for f in "$1"/*.json; do jq -cS 'del(.generated_at)' "$f"; done
}

echo "journal: $dir ($events daily commits), $clients clients, tma: $tma"
echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{print int($2/1024)}') MB, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| command | wall / CPU (s) | peak RSS (MB) |"
echo "|---|---:|---:|"
"$tma" -q hours summary --month "$month" --format json >/dev/null # the event index is warm for both sides
for format in json html; do
  mkdir -p "$work/all-$format" "$work/loop-$format"
  rm -rf reports
  measure "\`tma report --all --month $month --format $format\` (one process, --jobs 4)" \
    "$tma" -q report --all --month "$month" --format "$format" --jobs 4
  mv reports/* "$work/all-$format/"
  measure "\`tma report --all ... --jobs 1\`" "$tma" -q report --all --month "$month" --format "$format" --jobs 1
  measure "shell loop: \`tma report --client C\` x $clients" bash -c "$loop_script" "$tma" "$month" "$format" "$work/loop-$format"
done
if ! diff <(strip "$work/all-json") <(strip "$work/loop-json") >/dev/null; then
  echo "the --all and the loop reports DIFFER" >&2
  exit 1
fi
echo
echo "same $clients JSON reports from --all and from the loop; $(ls "$work/all-html" | wc -l) HTML files, $(du -sh "$work/all-html" | cut -f1)"
