#!/usr/bin/env bash
# Client benchmark: looking-glass-client showing looking-glass-host's pattern capture on a
# private Xvfb, same machine. The client has no frame counter or latency probe that can be
# read from outside, so this measures what /proc shows:
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
  lg_xvfb_start "${W}x${H}x24" || exit 1
  truncate -s 256M "$SHM"
  "$HOST" -f "$SHM" app:capture=pattern pattern:width=$W pattern:height=$H pattern:fps=$FPS \
    pattern:motion=on >"$OUT/bench_client_${size}_host.log" 2>&1 &
  HP=$!
  "$CLIENT" -f "$SHM" win:size=${W}x$H win:dontUpscale=yes win:title=lg-bench-$$ >"$LOG" 2>&1 &
  CP=$!
  for i in $(seq 1 100); do grep -q "frame format:" "$LOG" && break; sleep 0.1; done
  grep -q "frame format:" "$LOG" || { echo "FAIL: no frames at $size"; cat "$LOG"; exit 1; }
  sleep 1
  busy=$(cpu "$CP" "$SECS")
  hbusy=$(ticks "$HP")
  kill -STOP "$HP"
  sleep "$SETTLE" # past the client's "host went away" switch to its waiting screen
  idle=$(cpu "$CP" "$SECS")
  kill -0 "$CP" 2>/dev/null || { echo "FAIL: the client exited at $size"; cat "$LOG"; exit 1; }
  awk -v b="$busy" -v i="$idle" -v hz="$HZ" -v s="$SECS" -v f="$FPS" -v sz="$size" 'BEGIN {
    printf "%s busy: client CPU %.1f %% of one CPU, %.2f ms per posted frame\n", sz,
           100 * b / hz / s, 1000 * b / hz / (s * f)
    printf "%s idle (host stopped): client CPU %.2f %% of one CPU (%d ticks in %d s)\n", sz,
           100 * i / hz / s, i, s }'
  echo "$size host CPU since start: $((hbusy * 1000 / HZ)) ms"
  "$COPY" "$W" "$H" 20 | sed "s/^/$size /"
  cleanup
done
echo "PASS"
