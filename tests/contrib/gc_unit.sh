#!/usr/bin/env bash
# The journal's housekeeping as contrib/ ships it: the command of tma-gc.service (and the cron
# example's line, which must be the same), run on an agency directory that tma wrote, repacks its
# loose objects, and tma reads the same journal afterwards and keeps writing to it.
set -euo pipefail
tma=$(realpath "$1")
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
agency=$work/agency

unit_command=$(sed -n 's/^ExecStart=//p' "$source_dir/contrib/systemd/tma-gc.service")
cron_command=$(sed -n 's/^# 17  5 \*   \*   \*   tma  //p' "$source_dir/contrib/cron/tma")
[ -n "$unit_command" ] || { echo "tma-gc.service has no ExecStart"; exit 1; }
[ "${cron_command/git/\/usr\/bin\/git}" = "$unit_command" ] ||
  { echo "the cron example's gc line '$cron_command' is not the unit's '$unit_command'"; exit 1; }
# The unit's words, the agency directory moved to this test's.
read -r -a argv <<< "${unit_command//\/var\/lib\/tma\/agency/$agency}"
[ "${argv[2]}" = "$agency" ] || { echo "the unit does not work on /var/lib/tma/agency: $unit_command"; exit 1; }

export HOME=$work GIT_CONFIG_NOSYSTEM=1 NO_COLOR=1
"$tma" init "$agency" >/dev/null
cd "$agency"
# `git gc --auto` estimates the loose objects from one of git's 256 object directories, objects/17,
# against gc.auto (6,700 by default; more than gc.auto/256 there): with gc.auto 1 here, it repacks
# once tma's runs (7 objects each) have written two objects there.
git config gc.auto 1
runs=0
until [ "$(ls "$(git rev-parse --git-path objects/17)" 2>/dev/null | wc -l)" -ge 2 ]; do
  runs=$((runs + 1))
  [ "$runs" -le 400 ] || { echo "400 runs and not two objects in objects/17"; exit 1; }
  "$tma" hours log --client example 15m "task $runs" >/dev/null
done
loose() { git count-objects -v | sed -n 's/^count: //p'; }
packs() { git count-objects -v | sed -n 's/^packs: //p'; }
before_loose=$(loose)
journal() { "$tma" journal --limit 1000000 --format json | grep -v '"generated_at"'; }
before=$(journal)

"${argv[@]}"

after_loose=$(loose)
[ "$after_loose" -lt "$before_loose" ] && [ "$(packs)" -ge 1 ] ||
  { echo "not repacked: $before_loose loose objects before, $after_loose after, $(packs) pack(s)"; exit 1; }
[ "$(journal)" = "$before" ] || { echo "the journal reads differently after gc"; exit 1; }
fsck=$(git fsck --no-dangling 2>&1) || { echo "$fsck"; exit 1; }
"$tma" hours log --client example 15m "after gc" >/dev/null
"$tma" hours list --format json | grep -q '"after gc"' || { echo "tma could not write after gc"; exit 1; }
echo "gc ok: $runs runs, $before_loose loose objects repacked into $(packs) pack(s), $after_loose left"
