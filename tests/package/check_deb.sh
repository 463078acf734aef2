#!/usr/bin/env bash
# The Debian package of a build installs and runs: `cpack -G DEB` from BUILD_DIR, unpacked with
# `dpkg -x` into a temporary root (no container on this machine), every shared library the binary
# needs resolved by ldd, then `tma --version`, the man page and completions in place, and
# `tma inventory check` on the example inventory shipped in the package.
set -euo pipefail
build=$1
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

deb=$("$source_dir/scripts/package" "$build" | tail -n 1)
[ -f "$deb" ] || { echo "no package built"; exit 1; }
info=$(dpkg-deb --info "$deb")
echo "$info" | grep -q "^ Package: tma$" || { echo "$info"; exit 1; }
echo "$info" | grep -q "^ Section: admin$" || { echo "no Section: admin"; exit 1; }
echo "$info" | grep -Eq "^ Depends: .*libcurl.*" || { echo "dependencies not computed from the shared libraries: $info"; exit 1; }
echo "$info" | grep -Eq "^ Depends: .*openssh-client" || { echo "openssh-client missing from Depends"; exit 1; }
echo "$info" | grep -q "^ Recommends: git$" || { echo "git missing from Recommends (tma-gc.service)"; exit 1; }

dpkg -x "$deb" "$root"
bin="$root/usr/bin/tma"
[ -x "$bin" ] || { echo "no usr/bin/tma in the package"; exit 1; }
if ldd "$bin" | grep -q "not found"; then ldd "$bin"; exit 1; fi
"$bin" --version | grep -q "^tma " || { echo "tma --version failed"; exit 1; }
zcat "$root/usr/share/man/man1/tma.1.gz" | grep -q "^.TH TMA 1" || { echo "no man page"; exit 1; }
grep -q "complete -F _tma tma" "$root/usr/share/bash-completion/completions/tma" || { echo "no bash completion"; exit 1; }
[ -s "$root/usr/share/fish/vendor_completions.d/tma.fish" ] || { echo "no fish completion"; exit 1; }
[ -f "$root/usr/share/doc/tma/changelog.Debian.gz" ] || { echo "no changelog"; exit 1; }
[ -f "$root/usr/share/doc/tma/copyright" ] || { echo "no copyright"; exit 1; }
[ -f "$root/usr/lib/systemd/system/tma-run.service" ] || { echo "no tma-run.service"; exit 1; }
[ -f "$root/usr/lib/systemd/system/tma-run.timer" ] || { echo "no tma-run.timer"; exit 1; }
[ -f "$root/usr/lib/systemd/system/tma-gc.service" ] || { echo "no tma-gc.service"; exit 1; }
[ -f "$root/usr/lib/systemd/system/tma-gc.timer" ] || { echo "no tma-gc.timer"; exit 1; }
[ -f "$root/usr/share/doc/tma/examples/cron.d/tma" ] || { echo "no cron example"; exit 1; }
example="$root/usr/share/doc/tma/sites.example.yaml"
out=$("$bin" inventory check -i "$example") || { echo "$out"; exit 1; }
echo "$out" | grep -q ": ok: " || { echo "$out"; exit 1; }
echo "package ok: $deb"
