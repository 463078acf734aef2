# Sourced by the bench/*/run.sh scripts that print a markdown table of timed commands.
# bench_tma ROOT (below): the binary the scripts measure.
# measure LABEL COMMAND...: run COMMAND under /usr/bin/time, print "| LABEL | wall / CPU s | peak MB |";
# its stdout goes to $work/out, its stderr to $work/err (printed when it fails). Needs $work.
measure() {
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || {
    cat "$work/err" >&2
    return 1
  }
  read -r secs user sys kb <"$work/time"
  printf '| %s | %.2f / %.2f | %.0f |\n' "$label" "$secs" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" \
    "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')"
}

# bench_tma ROOT: the tma to measure: $TMA when set, else a Release build in ROOT/build-bench.
bench_tma() {
  if [ -n "${TMA:-}" ]; then
    echo "$TMA"
    return
  fi
  cmake -S "$1" -B "$1/build-bench" -DCMAKE_BUILD_TYPE=Release -DTMA_BUILD_TESTS=OFF >/dev/null
  cmake --build "$1/build-bench" -j2 --target tma >/dev/null
  echo "$1/build-bench/tma"
}
