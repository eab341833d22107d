#!/bin/bash
# vm_client IMAGE CLIENT XSHOT: the real looking-glass-client, on a private Xvfb, shows the
# frames that looking-glass-host writes from inside a QEMU guest (TCG, OVMF, q35) through a
# real ivshmem-plain device. lg-xshot (tests/integration/client_e2e) checks that the window
# shows the pattern 1:1 (R = x, G = y, B = x xor y, mod 256) and saves a screenshot.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: vm_client.sh IMAGE CLIENT XSHOT" >&2; exit 1; }
# shellcheck disable=SC2034 # IMAGE is read by vmlib.sh
IMAGE=$1 CLIENT=$2 XSHOT=$3
W=320 H=240
# shellcheck source=../vmlib.sh
. "$(dirname "$0")/../vmlib.sh"
# shellcheck source=../../../resources/scripts/xvfb-lib.sh
. "$(dirname "$0")/../../../resources/scripts/xvfb-lib.sh"
vm_require
[ -x "$CLIENT" ] || vm_fail "looking-glass-client not built ($CLIENT)"
[ -x "$XSHOT" ] || vm_fail "lg-xshot not built ($XSHOT)"
CP=""
client_cleanup() {
  if [ -n "$CP" ]; then
    kill "$CP" 2>/dev/null || true
    wait "$CP" 2>/dev/null || true
  fi
  lg_xvfb_stop
  vm_cleanup
}
trap client_cleanup EXIT
lg_xvfb_start 1024x768x24 || vm_fail "cannot start Xvfb (Debian: xvfb)"

TITLE="lg-vm-client-$$"
vm_start client 40 "-c,pattern,app:exitAfter=15000,pattern:width=$W,pattern:height=$H,pattern:fps=30" 240
# Start the client once the guest's host has its session up, as a user would (a client that
# starts first auto-opens its diagnostics panel on the "no host yet" error; see the report).
for _ in $(seq 1 1800); do
  grep -aq "host: session .* up" "$VM_LOG" && break
  kill -0 "$VM_PID" 2>/dev/null || vm_fail "the guest stopped before the host's session was up"
  sleep 0.1
done
grep -aq "host: session .* up" "$VM_LOG" || vm_fail "no 'host: session ... up' line from the guest"
"$CLIENT" -f "$VM_SHM" win:size=${W}x$H "win:title=$TITLE" >"$VM_TMP/client.log" 2>&1 &
CP=$!
shot=${LG_VM_SHOT:-$VM_TMP/vm_client.ppm}
if ! "$XSHOT" check "$TITLE" $W $H 120 "$shot"; then
  echo "---- client log ----" >&2
  cat "$VM_TMP/client.log" >&2
  vm_fail "the client window does not show the guest's pattern"
fi
kill -0 "$CP" 2>/dev/null || vm_fail "the client exited"
grep -q "Connected to host" "$VM_TMP/client.log" || vm_fail "no 'Connected to host' in the client log"
vm_wait_exit
vm_expect "host: a client subscribed; capture resumed"
vm_expect "LGVM: HOST EXIT rc=0"
echo "vm_client: PASS (wall $(vm_elapsed) s)"
