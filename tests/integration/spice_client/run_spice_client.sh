#!/usr/bin/env bash
# looking-glass-client's SPICE link against QEMU's real SPICE server (no guest is booted:
# -machine none), the real host (pattern capture) and a private Xvfb.
#   run_spice_client.sh CASE CLIENT HOST XSHOT QMP OUTDIR
# CASE: connect   - the client links main + inputs (QMP query-spice shows both channels);
#                   escape key + I (capture), keys and escape key + I again through XTest:
#                   the client and QEMU survive and stay connected. Whether the keys reach a
#                   guest needs a booted guest and is not checked here.
#       password  - QEMU has a password, the client a wrong one: a "bad password" line, the
#                   client keeps running and showing frames, no channel is linked
#       reconnect - QEMU is killed and restarted on the same port: the client links again by
#                   itself within 15 s
# A missing qemu-system-x86_64 fails every case.
set -u
CASE=$1 CLIENT=$2 HOST=$3 XSHOT=$4 QMP=$5 OUT=$6
W=320 H=240
TITLE="lg-spice-$CASE-$$"
SHM=/dev/shm/lg-spice-client-$CASE-$$
QSOCK=/tmp/lg-spice-client-qmp-$CASE-$$.sock
LOG=$OUT/spice_client_$CASE.log
HLOG=$OUT/spice_client_${CASE}_host.log
QLOG=$OUT/spice_client_${CASE}_qemu.log
HP="" CP="" QP=""
mkdir -p "$OUT"
source "$(dirname "$0")/../../../resources/scripts/xvfb-lib.sh"

cleanup() {
  [ -n "$CP" ] && { kill "$CP" 2>/dev/null; wait "$CP" 2>/dev/null; }
  [ -n "$HP" ] && { kill "$HP" 2>/dev/null; wait "$HP" 2>/dev/null; }
  [ -n "$QP" ] && { kill "$QP" 2>/dev/null; wait "$QP" 2>/dev/null; }
  lg_xvfb_stop
  rm -f "$SHM" "$QSOCK"
}
trap cleanup EXIT
fail() {
  echo "FAIL ($CASE): $*" >&2
  echo "--- client log"; cat "$LOG" 2>/dev/null
  echo "--- host log"; cat "$HLOG" 2>/dev/null
  echo "--- qemu log"; cat "$QLOG" 2>/dev/null
  exit 1
}

command -v qemu-system-x86_64 >/dev/null ||
  fail "qemu-system-x86_64 not found (Debian: qemu-system-x86)"

free_port() { # a port nothing listens on (checked through bash's /dev/tcp)
  local p i
  for i in $(seq 1 50); do
    p=$(( (RANDOM % 20000) + 30000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}

start_qemu() { # [password]
  local spice="port=$PORT,addr=127.0.0.1" extra=()
  if [ -n "${1:-}" ]; then
    spice="$spice,password-secret=sec0"
    extra=(-object "secret,id=sec0,data=$1")
  else
    spice="$spice,disable-ticketing=on"
  fi
  rm -f "$QSOCK"
  qemu-system-x86_64 -machine none -nodefaults -display none -spice "$spice" \
    -qmp "unix:$QSOCK,server=on,wait=off" "${extra[@]}" </dev/null >>"$QLOG" 2>&1 &
  QP=$!
  local i
  for i in $(seq 1 100); do
    kill -0 "$QP" 2>/dev/null || { QP=""; fail "qemu exited at start"; }
    [ -S "$QSOCK" ] && "$QMP" "$QSOCK" query-spice >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "qemu did not open QMP"
}
kill_qemu() { kill -9 "$QP" 2>/dev/null; wait "$QP" 2>/dev/null; QP=""; }

# Channel types in query-spice: 1 main, 3 inputs.
linked() {
  local r
  r=$("$QMP" "$QSOCK" query-spice 2>/dev/null) || return 1
  echo "$r" | grep -q '"channel-type": 1[,}]' && echo "$r" | grep -q '"channel-type": 3[,}]'
}
wait_linked() { # seconds
  local i
  for i in $(seq 1 $(( $1 * 10 ))); do
    linked && return 0
    sleep 0.1
  done
  return 1
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

start_client() { # extra options...
  "$CLIENT" -f "$SHM" win:size=${W}x$H "win:title=$TITLE" spice:host=127.0.0.1 \
    "spice:port=$PORT" "$@" >"$LOG" 2>&1 &
  CP=$!
}

PORT=$(free_port) || fail "no free port"
lg_xvfb_start 1024x768x24 || fail "no Xvfb"
: >"$HLOG"
: >"$QLOG"
truncate -s 32M "$SHM"
"$HOST" -f "$SHM" app:capture=pattern pattern:width=$W pattern:height=$H pattern:fps=30 \
  >>"$HLOG" 2>&1 &
HP=$!

case "$CASE" in
connect)
  start_qemu
  start_client
  "$XSHOT" check "$TITLE" $W $H 15 "$OUT/spice_client_connect.ppm" || fail "pattern not shown"
  wait_linked 15 || fail "query-spice does not show the main and inputs channels"
  wait_log "SPICE: connected" 5 || fail "no 'SPICE: connected' line"
  # escape key (scroll lock, 70) + I (23): capture on; then plain keys and a combo-free
  # sequence (A, B, left shift + C), then capture off again
  "$XSHOT" keys "$TITLE" 70 23 || fail "cannot send keys"
  wait_log "SPICE: input capture on: keys and mouse go to the guest" 3 ||
    fail "escape key + I did not turn capture on with SPICE ready"
  "$XSHOT" keys "$TITLE" 30 || fail "cannot send keys"
  "$XSHOT" keys "$TITLE" 48 || fail "cannot send keys"
  "$XSHOT" keys "$TITLE" 42 46 || fail "cannot send keys"
  "$XSHOT" keys "$TITLE" 70 23 || fail "cannot send keys"
  wait_log "SPICE: input capture off" 3 || fail "escape key + I did not turn capture off"
  # A, B, shift, C went out; the escape key, I and the combos did not
  grep -q "SPICE: input capture off (4 key presses" "$LOG" ||
    fail "want exactly 4 key presses forwarded: $(grep 'capture off' "$LOG")"
  sleep 0.5
  alive || fail "client died while input was captured"
  kill -0 "$QP" 2>/dev/null || fail "qemu died"
  linked || fail "SPICE channels gone after input in capture mode"
  grep -q "SPICE: connection to .* lost" "$LOG" && fail "the SPICE link dropped"
  ;;
password)
  start_qemu right-password
  start_client spice:password=wrong
  "$XSHOT" check "$TITLE" $W $H 15 "$OUT/spice_client_password.ppm" || fail "pattern not shown"
  wait_log "SPICE: bad password" 10 || fail "no 'SPICE: bad password' line"
  sleep 3 # a retry or two (back-off 1 s, 2 s) must not repeat the line nor kill the client
  alive || fail "client exited after a bad password"
  n=$(grep -c "SPICE: bad password" "$LOG")
  [ "$n" -eq 1 ] || fail "the bad password line was logged $n times (want once)"
  linked && fail "channels linked with a wrong password"
  "$XSHOT" check "$TITLE" $W $H 5 "$OUT/spice_client_password2.ppm" ||
    fail "frames stopped after the bad password"
  ;;
reconnect)
  start_qemu
  start_client
  wait_linked 15 || fail "no SPICE channels at start"
  kill_qemu
  wait_log "SPICE: connection to .* lost" 10 || fail "no 'connection lost' line"
  sleep 2 # let a reconnect attempt or two fail on the closed port
  alive || fail "client exited when QEMU went away"
  start_qemu
  t0=$(date +%s)
  wait_linked 15 || fail "the client did not reconnect within 15 s"
  echo "reconnected after $(( $(date +%s) - t0 )) s"
  n=$(grep -c "SPICE: connected" "$LOG")
  [ "$n" -eq 2 ] || fail "want 2 'SPICE: connected' lines, got $n"
  alive || fail "client died"
  ;;
*)
  fail "unknown case"
  ;;
esac
echo "--- client log"; grep "SPICE" "$LOG"
echo "PASS ($CASE)"
exit 0
