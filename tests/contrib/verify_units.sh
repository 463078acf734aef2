#!/usr/bin/env bash
# contrib/systemd's units pass `systemd-analyze verify` (where systemd is installed, as on Debian 12),
# with ExecStart pointed at the built binary, and the cron example runs `tma run --due`. What the gc
# unit's command does is tests/contrib/gc_unit.sh's.
set -euo pipefail
binary=$1
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
grep -Eq '^# \*/5 \* \*   \*   \*   tma  .*/usr/bin/tma run --due$' "$source_dir/contrib/cron/tma" ||
  { echo "contrib/cron/tma: no 'tma run --due' line every 5 minutes"; exit 1; }
if ! command -v systemd-analyze >/dev/null; then
  echo "systemd-analyze is not installed: unit files not verified"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s#/usr/bin/tma#$binary#" "$source_dir/contrib/systemd/tma-run.service" > "$work/tma-run.service"
cp "$source_dir/contrib/systemd/tma-run.timer" "$source_dir/contrib/systemd/tma-gc.service" \
  "$source_dir/contrib/systemd/tma-gc.timer" "$work/"
out=$(systemd-analyze verify --man=no "$work/tma-run.service" "$work/tma-run.timer" "$work/tma-gc.service" \
  "$work/tma-gc.timer" 2>&1) || { echo "$out"; exit 1; }
[ -z "$out" ] || { echo "$out"; exit 1; }
grep -q '^ExecStart=.* run --due' "$work/tma-run.service" || { echo "the service does not run tma run --due"; exit 1; }
grep -q '^Persistent=true$' "$work/tma-run.timer" || { echo "the timer is not Persistent"; exit 1; }
grep -q '^Persistent=true$' "$work/tma-gc.timer" || { echo "the gc timer is not Persistent"; exit 1; }
echo "units ok"
