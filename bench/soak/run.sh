#!/usr/bin/env bash
# The soak (issue 23, docs/reliability.md): builds build-soak/tma (a -DTMA_SIMULATED_CLOCK=ON build,
# the only kind that honours $TMA_SIMULATED_CLOCK) unless --tma is given, then runs the driver.
#   bench/soak/run.sh --quick            50 sites, 4 simulated days, a few minutes
#   bench/soak/run.sh [--sites 200] [--days 31] [--seed S] [--keep] [--tma PATH] [--remote path|ssh]
# Runs as root (sshd logs in as the current user; the store is a tmpfs mount).
set -euo pipefail
cd "$(dirname "$0")/../.."

tma=
for ((i = 1; i <= $#; i++)); do
  if [ "${!i}" = "--tma" ]; then
    j=$((i + 1))
    tma=${!j:-}
  fi
done
if [ -z "$tma" ]; then
  launcher=()
  if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=1
  fi
  if [ ! -f build-soak/CMakeCache.txt ]; then
    cmake -S . -B build-soak -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTMA_SIMULATED_CLOCK=ON "${launcher[@]}" >/dev/null
  fi
  # Incremental: a no-op when build-soak/tma is up to date.
  cmake --build build-soak -j "$(nproc)" --target tma
  set -- --tma build-soak/tma "$@"
fi
exec /usr/bin/python3 bench/soak/soak.py "$@"
