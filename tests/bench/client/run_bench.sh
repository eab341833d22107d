#!/usr/bin/env bash
# Client benchmark: looking-glass-client showing looking-glass-host's pattern capture on a
# private Xvfb, same machine. Both run with debug:timingLog (host: "post SERIAL NS" per posted
# frame; client: "swap SERIAL NS" per swap that showed a new frame, "render NS" per swap), read
# by timing_stats.py:
#   latency: host post -> client after-swap, p50/p99/max, for frames posted in the busy window
#   shown:   frames shown / frames posted in that window
#   idle renders/s: client swaps per second while the host is stopped (target 0)
# and from /proc:
#   busy: client CPU (utime + stime) while the host posts FPS frames/s, every frame changed
#         (pattern:motion=on, full damage); per posted frame = CPU time / frames posted
#         (an upper bound per shown frame only if the client showed them all)
#   idle: client CPU while the host is stopped (SIGSTOP), measured from 3 s after the stop,
#         once the client has noticed and shows its waiting screen (target < 1 %)
# and, in the same run, one memcpy of a frame of that size (bench_frame_copy).
#   run_bench.sh [--quick] CLIENT HOST FRAME_COPY OUTDIR
# --quick: 1080p only, 1 s per measurement (the CTest smoke run). Exit 77 without Xvfb.
set -u
QUICK=0
[ "${1:-}" = --quick ] && { QUICK=1; shift; }
CLIENT=$1 HOST=$2 COPY=$3 OUT=$4
FPS=60
SECS=5
SETTLE=3
SIZES="1920x1080 3840x2160"
[ $QUICK = 1 ] && { SECS=1; SETTLE=1; SIZES="1920x1080"; }
SHM=/dev/shm/lg-bench-client-$$
HP="" CP=""
mkdir -p "$OUT"
command -v Xvfb >/dev/null || { echo "SKIP: no Xvfb"; exit 77; }
source "$(dirname "$0")/../../../resources/scripts/xvfb-lib.sh"
HZ=$(getconf CLK_TCK)
STATS="$(dirname "$0")/timing_stats.py"
HAVE_PY=0
command -v python3 >/dev/null && HAVE_PY=1
mono_ns() { python3 -c 'import time; print(time.monotonic_ns())' 2>/dev/null || echo 0; }
TABLE=$OUT/bench_client_table.txt
: >"$TABLE"

cleanup() {
  [ -n "$HP" ] && { kill -CONT "$HP" 2>/dev/null; kill "$HP" 2>/dev/null; wait "$HP" 2>/dev/null; }
  [ -n "$CP" ] && { kill "$CP" 2>/dev/null; wait "$CP" 2>/dev/null; }
  HP="" CP=""
  lg_xvfb_stop
  rm -f "$SHM"
}
trap cleanup EXIT
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# cpu PID SECONDS -> ticks used in that time
cpu() { local a b; a=$(ticks "$1"); sleep "$2"; b=$(ticks "$1"); echo $((b - a)); }

echo "client benchmark: $FPS fps posted, ${SECS} s per measurement, CLK_TCK $HZ, $(nproc) CPUs"
for size in $SIZES; do
  W=${size%x*} H=${size#*x}
  LOG=$OUT/bench_client_$size.log
  HT=$OUT/bench_client_${size}_host_timing.log CT=$OUT/bench_client_${size}_client_timing.log
  rm -f "$HT" "$CT"
  lg_xvfb_start "${W}x${H}x24" || exit 1
  truncate -s 256M "$SHM"
  "$HOST" -f "$SHM" app:capture=pattern pattern:width=$W pattern:height=$H pattern:fps=$FPS \
    pattern:motion=on debug:timingLog="$HT" >"$OUT/bench_client_${size}_host.log" 2>&1 &
  HP=$!
  "$CLIENT" -f "$SHM" win:size=${W}x$H win:dontUpscale=yes win:title=lg-bench-$$ \
    debug:timingLog="$CT" >"$LOG" 2>&1 &
  CP=$!
  for i in $(seq 1 100); do grep -q "frame format:" "$LOG" && break; sleep 0.1; done
  grep -q "frame format:" "$LOG" || { echo "FAIL: no frames at $size"; cat "$LOG"; exit 1; }
  sleep 1
  b0=$(mono_ns)
  busy=$(cpu "$CP" "$SECS")
  b1=$(mono_ns)
  hbusy=$(ticks "$HP")
  kill -STOP "$HP"
  sleep "$SETTLE" # past the client's "host went away" switch to its waiting screen
  i0=$(mono_ns)
  idle=$(cpu "$CP" "$SECS")
  i1=$(mono_ns)
  kill -0 "$CP" 2>/dev/null || { echo "FAIL: the client exited at $size"; cat "$LOG"; exit 1; }
  awk -v b="$busy" -v i="$idle" -v hz="$HZ" -v s="$SECS" -v f="$FPS" -v sz="$size" 'BEGIN {
    printf "%s busy: client CPU %.1f %% of one CPU, %.2f ms per posted frame\n", sz,
           100 * b / hz / s, 1000 * b / hz / (s * f)
    printf "%s idle (host stopped): client CPU %.2f %% of one CPU (%d ticks in %d s)\n", sz,
           100 * i / hz / s, i, s }'
  echo "$size host CPU since start: $((hbusy * 1000 / HZ)) ms"
  copy=$("$COPY" "$W" "$H" 20)
  echo "$size $copy"
  cleanup # SIGTERM: host and client flush their timing logs as they exit
  if [ $HAVE_PY = 1 ]; then
    st=$(python3 "$STATS" "$size" "$HT" "$CT" "$b0" "$b1" "$i0" "$i1") ||
      { echo "FAIL: no timing figures at $size"; exit 1; }
    echo "$st"
    echo "$st busy_cpu_pct=$(awk -v b="$busy" -v hz="$HZ" -v s="$SECS" 'BEGIN { printf "%.1f", 100 * b / hz / s }') \
idle_cpu_pct=$(awk -v i="$idle" -v hz="$HZ" -v s="$SECS" 'BEGIN { printf "%.2f", 100 * i / hz / s }') \
memcpy_us=$(echo "$copy" | awk '{ print $3 }') \
cpu_ms_shown=$(echo "$st" | awk -v b="$busy" -v hz="$HZ" '{ for (i = 2; i <= NF; ++i) \
      if ($i ~ /^shown=/) n = substr($i, 7); printf "%.2f", n ? 1000 * b / hz / n : 0 }')" >>"$TABLE"
  fi
done
if [ $HAVE_PY = 1 ]; then
  echo
  printf '%-10s %7s %7s %8s %8s %8s %9s %9s %9s %9s %9s\n' size posted shown "p50 us" \
    "p99 us" "max us" "busy CPU" "ms/shown" "idle r/s" "idle CPU" "memcpy us"
  while read -r line; do
    # shellcheck disable=SC2086
    set -- $line
    declare -A v=()
    for kv in "${@:2}"; do v[${kv%%=*}]=${kv#*=}; done
    printf '%-10s %7s %6s%% %8s %8s %8s %8s%% %9s %9s %8s%% %9s\n' "$1" "${v[posted]}" \
      "${v[shown_pct]}" "${v[lat_p50_us]}" "${v[lat_p99_us]}" "${v[lat_max_us]}" \
      "${v[busy_cpu_pct]}" "${v[cpu_ms_shown]}" "${v[renders_per_s_idle]}" "${v[idle_cpu_pct]}" \
      "${v[memcpy_us]}"
    unset v
  done <"$TABLE"
else
  echo "(no python3: latency and render counts not computed)"
fi
echo "PASS"
