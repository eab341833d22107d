#!/bin/bash
# vm_restart IMAGE CLIENT XSHOT: one looking-glass-client (on a private Xvfb) stays attached
# while looking-glass-host is restarted inside a QEMU guest (TCG, OVMF, q35, real ivshmem-plain
# device) and then the whole guest reboots. The guest's /init runs with lgmode=restart: host
# run 1 for RUN seconds, SIGTERM, host run 2 for RUN seconds, SIGTERM, reboot -f (QEMU runs
# without -no-reboot), and the same again after the reboot. Checks, with the same client pid
# throughout: the client's log shows a new "Connected to host ... (session X)" after the host
# restart and again after the guest reboot (3 different session ids), and after each attach
# the window shows the guest's pattern 1:1 (lg-xshot check).
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: vm_restart.sh IMAGE CLIENT XSHOT" >&2; exit 1; }
# shellcheck disable=SC2034 # IMAGE is read by vmlib.sh
IMAGE=$1 CLIENT=$2 XSHOT=$3
W=320 H=240
RUN=${LG_VM_RESTART_RUN:-12}
# shellcheck source=../vmlib.sh
. "$(dirname "$0")/../vmlib.sh"
# shellcheck source=../../../resources/scripts/xvfb-lib.sh
. "$(dirname "$0")/../../../resources/scripts/xvfb-lib.sh"
vm_require
[ -x "$CLIENT" ] || vm_fail "looking-glass-client not built ($CLIENT)"
[ -x "$XSHOT" ] || vm_fail "lg-xshot not built ($XSHOT)"
CP=""
CLOG=""
client_cleanup() {
  if [ -n "$CP" ]; then
    kill "$CP" 2>/dev/null || true
    wait "$CP" 2>/dev/null || true
  fi
  lg_xvfb_stop
  vm_cleanup
}
trap client_cleanup EXIT

# fail MESSAGE: the client log's tail, then vm_fail (the console's tail).
fail() {
  if [ -n "$CLOG" ] && [ -f "$CLOG" ]; then
    echo "---- last 30 lines of the client log ----" >&2
    tail -n 30 "$CLOG" >&2
  fi
  vm_fail "$*"
}

# The session ids of the client's "Connected to host ... (session XXXXXXXX)" lines, in order.
client_sessions() {
  sed -n 's/.*Connected to host .*(session \([0-9a-fA-F]\{8\}\)).*/\1/p' "$CLOG"
}

# wait_attach N WHAT SECONDS: waits until the client has attached N times; the client and
# QEMU must stay up meanwhile.
wait_attach() {
  local n=$1 what=$2 limit=$3 i
  for ((i = 0; i < limit * 10; ++i)); do
    [ "$(client_sessions | wc -l)" -ge "$n" ] && break
    kill -0 "$CP" 2>/dev/null || fail "the client (pid $CP) exited while waiting for $what"
    kill -0 "$VM_PID" 2>/dev/null || fail "QEMU stopped while waiting for $what"
    sleep 0.1
  done
  [ "$(client_sessions | wc -l)" -ge "$n" ] || fail "the client did not attach for $what in $limit s"
  echo "vm_restart: $(vm_elapsed) s: client attached for $what (session $(client_sessions | sed -n "${n}p"))"
}

# check_window WHAT: the window shows the pattern 1:1 (the client is still the same process).
check_window() {
  local shot=$VM_TMP/restart-$1.ppm
  "$XSHOT" check "$TITLE" $W $H 30 "$shot" || fail "the window does not show the pattern $1"
  kill -0 "$CP" 2>/dev/null || fail "the client (pid $CP) exited"
  echo "vm_restart: $(vm_elapsed) s: window shows the pattern $1"
}

lg_xvfb_start 1024x768x24 || vm_fail "cannot start Xvfb (Debian: xvfb)"
TITLE="lg-vm-restart-$$"
VM_REBOOT=1 VM_APPEND="lgmode=restart lgrun=$RUN" \
  vm_start restart 40 "-c,pattern,pattern:width=$W,pattern:height=$H,pattern:fps=30" 170
for _ in $(seq 1 900); do
  grep -aq "host: session .* up" "$VM_LOG" && break
  kill -0 "$VM_PID" 2>/dev/null || vm_fail "the guest stopped before the host's session was up"
  sleep 0.1
done
grep -aq "host: session .* up" "$VM_LOG" || vm_fail "no 'host: session ... up' line from the guest"
echo "vm_restart: $(vm_elapsed) s: the guest's host is up"

CLOG=$VM_TMP/client.log
"$CLIENT" -f "$VM_SHM" win:size=${W}x$H "win:title=$TITLE" >"$CLOG" 2>&1 &
CP=$!
wait_attach 1 "host run 1" 30
check_window "(host run 1)"

wait_attach 2 "the host restart" $((RUN + 30))
grep -aq "LGVM: HOST KILLED run=1" "$VM_LOG" || fail "attached again, but the guest's host run 1 was not stopped"
check_window "after the host restart"

wait_attach 3 "the guest reboot" $((2 * RUN + 60))
[ "$(grep -ac "LGVM: BOOT" "$VM_LOG")" -ge 2 ] || fail "attached again, but the guest did not reboot"
vm_expect "LGVM: REBOOT"
check_window "after the guest reboot"

ids=$(client_sessions | head -n 3)
[ "$(echo "$ids" | sort -u | wc -l)" -eq 3 ] || fail "the three attaches do not have 3 different session ids: $(echo "$ids" | paste -sd' ')"
lost=$(grep -c "The host went away" "$CLOG" || true)
[ "$lost" -ge 2 ] || fail "the client log has $lost 'The host went away' lines, expected 2 or more"
kill -0 "$CP" 2>/dev/null || fail "the client (pid $CP) exited"
echo "vm_restart: client pid $CP attached 3 times (sessions $(echo "$ids" | paste -sd' '))," \
  "$lost host losses, no client restart"
# SIGTERM ends the guest's host cleanly.
vm_expect "LGVM: HOST KILLED run=1 rc=0 "
vm_expect "LGVM: HOST KILLED run=2 rc=0 "
kill "$VM_PID" 2>/dev/null || true
wait "$VM_PID" 2>/dev/null || true
VM_PID=""
echo "vm_restart: guest markers:"
grep -a "LGVM: \(BOOT\|HOST\|REBOOT\)" "$VM_LOG" | tr -d '\r\033' | sed 's/.*LGVM:/  LGVM:/'
echo "vm_restart: PASS (wall $(vm_elapsed) s)"
