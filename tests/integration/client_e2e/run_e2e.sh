#!/usr/bin/env bash
# Client end-to-end test on a private Xvfb: the real looking-glass-client against the real
# looking-glass-host (pattern capture) on a unique /dev/shm file.
#   run_e2e.sh CASE CLIENT HOST XSHOT OUTDIR
# CASE: pattern  - the window shows the pattern 1:1; escape key + Q exits 0
#       zero     - a zero-filled region: the status screen says so (log line + a screenshot
#                  checked for status text), the client waits, then attaches once a host starts
#       random   - a region of random bytes: the status screen says it is not a Looking Glass
#                  region (log + checked screenshot), the client keeps running, then attaches
#                  once a host starts writing (the host re-initialises the header)
#       restart  - the host restarts mid-stream (SIGTERM, then SIGKILL with no clean-up):
#                  frames resume each time in the same client process
#       stall    - the client is stopped for 2.5 s (the host marks it timed out); on resuming
#                  it re-attaches and shows frames again (B7 exits here)
#       missing  - the region file does not exist yet: the client says so with a remedy, keeps
#                  running, and maps it once it appears
#       combos   - escape key + D/H/R/R/R/R/I/I/F/F while streaming; holding the escape key;
#                  the client survives, then closing the window (WM_DELETE_WINDOW) exits 0
set -u
CASE=$1 CLIENT=$2 HOST=$3 XSHOT=$4 OUT=$5
W=320 H=240
TITLE="lg-e2e-$CASE-$$"
SHM=/dev/shm/lg-client-e2e-$CASE-$$
LOG=$OUT/client_e2e_$CASE.log
HLOG=$OUT/client_e2e_${CASE}_host.log
HP="" CP=""
mkdir -p "$OUT"
source "$(dirname "$0")/../../../resources/scripts/xvfb-lib.sh"

cleanup() {
  [ -n "$CP" ] && { kill "$CP" 2>/dev/null; wait "$CP" 2>/dev/null; }
  [ -n "$HP" ] && { kill "$HP" 2>/dev/null; wait "$HP" 2>/dev/null; }
  lg_xvfb_stop
  rm -f "$SHM"
}
trap cleanup EXIT
fail() { echo "FAIL ($CASE): $*" >&2; echo "--- client log"; cat "$LOG"; echo "--- host log"; cat "$HLOG" 2>/dev/null; exit 1; }

start_host() {
  "$HOST" -f "$SHM" app:capture=pattern pattern:width=$W pattern:height=$H pattern:fps=30 \
    >>"$HLOG" 2>&1 &
  HP=$!
}
stop_host() { kill "$HP"; wait "$HP" 2>/dev/null; HP=""; }
start_client() {
  "$CLIENT" -f "$SHM" win:size=${W}x$H "win:title=$TITLE" >"$LOG" 2>&1 &
  CP=$!
}
wait_log() { # pattern seconds
  local i
  for i in $(seq 1 $(( $2 * 10 ))); do
    grep -q "$1" "$LOG" && return 0
    sleep 0.1
  done
  return 1
}
alive() { kill -0 "$CP" 2>/dev/null; }
# A bad region: the exact status line is logged, the window shows a status screen (not the
# pattern), the client keeps running; once the host starts, the pattern appears.
bad_region() { # log-text name
  start_client
  "$XSHOT" wait "$TITLE" 10 || fail "no window"
  wait_log "Region $SHM $1" 5 || fail "no 'Region $SHM $1' line"
  # the diagnostics panel opens by itself on the error verdict and covers the window: check
  # it, then hide it (escape key + H) and check the status screen beneath
  "$XSHOT" status "$TITLE" 10 "$OUT/client_e2e_${CASE}_diag.ppm" || fail "no diagnostics text"
  "$XSHOT" keys "$TITLE" 70 35 || fail "cannot send keys"
  "$XSHOT" status "$TITLE" 10 "$OUT/client_e2e_${CASE}_status.ppm" || fail "no status screen"
  sleep 1.5
  alive || fail "client exited on a $2 region"
  [ "$(grep -c 'Connected to host' "$LOG")" -eq 0 ] || fail "attached to a $2 region"
  "$XSHOT" status "$TITLE" 2 || fail "status screen gone while waiting"
  start_host
  "$XSHOT" check "$TITLE" $W $H 15 "$OUT/client_e2e_$CASE.ppm" ||
    fail "no frames after the host started"
  grep -q 'Connected to host' "$LOG" || fail "no 'Connected to host' line"
}

lg_xvfb_start 1024x768x24 || exit 1
: >"$HLOG"
truncate -s 32M "$SHM"

case "$CASE" in
pattern)
  start_host
  start_client
  "$XSHOT" check "$TITLE" $W $H 15 "$OUT/client_e2e_pattern.ppm" || fail "pattern not shown"
  "$XSHOT" keys "$TITLE" 70 16 || fail "cannot send keys"
  for i in $(seq 1 50); do alive || break; sleep 0.1; done
  alive && fail "escape key + Q did not quit"
  wait "$CP"; rc=$?; CP=""
  [ "$rc" -eq 0 ] || fail "client exit status $rc after escape key + Q"
  grep -q "quit requested" "$LOG" || fail "no quit line in the log"
  ;;
zero)
  bad_region "is not initialised yet (all zero): waiting for the host to start" zero
  ;;
random)
  head -c 32M /dev/urandom >"$SHM"
  bad_region "is not a Looking Glass region (no LGMP header): waiting for the host" random
  ;;
restart)
  start_host
  start_client
  "$XSHOT" check "$TITLE" $W $H 15 || fail "pattern not shown"
  n=1
  for sig in TERM KILL; do
    kill -s $sig "$HP"; wait "$HP" 2>/dev/null; HP=""
    for i in $(seq 1 50); do
      [ "$(grep -c 'host went away' "$LOG")" -ge $n ] && break; sleep 0.1
    done
    [ "$(grep -c 'host went away' "$LOG")" -ge $n ] || fail "SIG$sig: the client did not notice"
    alive || fail "client exited when the host went away (SIG$sig)"
    sleep 0.5
    start_host
    n=$((n + 1))
    for i in $(seq 1 100); do
      [ "$(grep -c 'frame format:' "$LOG")" -ge $n ] && break; sleep 0.1
    done
    [ "$(grep -c 'Connected to host' "$LOG")" -ge $n ] || fail "SIG$sig: did not re-attach"
    [ "$(grep -c 'frame format:' "$LOG")" -ge $n ] || fail "SIG$sig: no frames after the restart"
    "$XSHOT" check "$TITLE" $W $H 15 "$OUT/client_e2e_restart.ppm" ||
      fail "SIG$sig: pattern not shown after the restart"
  done
  alive || fail "client died"
  ;;
stall)
  start_host
  start_client
  "$XSHOT" check "$TITLE" $W $H 15 || fail "pattern not shown"
  kill -STOP "$CP"
  sleep 2.5
  kill -CONT "$CP"
  for i in $(seq 1 60); do
    [ "$(grep -c 'Connected to host' "$LOG")" -ge 2 ] && break; sleep 0.1
  done
  [ "$(grep -c 'Connected to host' "$LOG")" -ge 2 ] || fail "did not re-attach after the stall"
  alive || fail "client exited after the stall"
  "$XSHOT" check "$TITLE" $W $H 15 "$OUT/client_e2e_stall.ppm" || fail "no frames after the stall"
  ;;
missing)
  rm -f "$SHM"
  start_client
  "$XSHOT" wait "$TITLE" 10 || fail "no window"
  wait_log "no such file. Is the VM running" 5 || fail "no 'missing file' line with a remedy"
  sleep 1.5
  alive || fail "client exited on a missing region"
  "$XSHOT" shot "$TITLE" "$OUT/client_e2e_missing_status.ppm" || fail "no screenshot"
  truncate -s 32M "$SHM"
  start_host
  "$XSHOT" check "$TITLE" $W $H 15 "$OUT/client_e2e_missing.ppm" || fail "no frames once the file appeared"
  ;;
combos)
  start_host
  start_client
  "$XSHOT" check "$TITLE" $W $H 15 || fail "pattern not shown"
  for k in 32 35 19 19 19 19 23 23 33 33; do  # D H R R R R I I F F
    "$XSHOT" keys "$TITLE" 70 $k || fail "cannot send keys"
  done
  alive || fail "client died on a key combo"
  grep -q "Input capture" "$LOG" || true
  "$XSHOT" shot "$TITLE" "$OUT/client_e2e_combos.ppm" || fail "no screenshot"
  "$XSHOT" keys "$TITLE" 35 || fail "cannot send keys"   # H alone: no combo, no change
  "$XSHOT" keys "$TITLE" 70 35 || fail "cannot send keys" # diagnostics off again
  "$XSHOT" keys "$TITLE" 70 32 || fail "cannot send keys" # FPS off again
  "$XSHOT" check "$TITLE" $W $H 10 || fail "pattern not back after four rotations"
  # holding the escape key shows the help panel over the image; releasing it removes it
  "$XSHOT" press "$TITLE" 70 || fail "cannot press"
  sleep 0.5
  "$XSHOT" check "$TITLE" $W $H 1 "$OUT/client_e2e_help.ppm" >/dev/null 2>&1 &&
    fail "no help panel while the escape key is held"
  "$XSHOT" release "$TITLE" 70 || fail "cannot release"
  "$XSHOT" check "$TITLE" $W $H 5 || fail "help panel still shown after release"
  "$XSHOT" close "$TITLE" || fail "cannot close"
  for i in $(seq 1 50); do alive || break; sleep 0.1; done
  alive && fail "window close did not quit"
  wait "$CP"; rc=$?; CP=""
  [ "$rc" -eq 0 ] || fail "client exit status $rc after window close"
  grep -q "window closed" "$LOG" || fail "no close line in the log"
  ;;
*)
  echo "unknown case $CASE" >&2
  exit 2
  ;;
esac
echo "PASS ($CASE)"
exit 0
