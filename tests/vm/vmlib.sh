# shellcheck shell=bash
# vmlib.sh: sourced by the VM tests. Boots the test initramfs (mkimage.sh) in QEMU (q35,
# TCG, OVMF) with an ivshmem-plain device backed by a unique /dev/shm file, and collects the
# serial console. Every missing tool is a failure, never a skip.
# Needs before sourcing: IMAGE (the mkimage.sh output folder).

OVMF_CODE=${LG_VM_OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${LG_VM_OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
VM_CPU=${LG_VM_CPU:-max}
VM_TMP=$(mktemp -d /tmp/lg-vm-XXXXXX)
VM_PID=""
VM_SHM=""
SUITE_T0=$(date +%s.%N)

vm_cleanup() {
  if [ -n "$VM_PID" ] && kill -0 "$VM_PID" 2>/dev/null; then
    kill "$VM_PID" 2>/dev/null
    wait "$VM_PID" 2>/dev/null
  fi
  [ -n "$VM_SHM" ] && rm -f "$VM_SHM"
  rm -rf "$VM_TMP"
}
trap vm_cleanup EXIT

# Seconds since the script started, 1 decimal.
vm_elapsed() {
  awk -v a="$SUITE_T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

# vm_fail MESSAGE: prints the message and the tail of the guest console, exits 1.
vm_fail() {
  echo "FAIL: $*" >&2
  if [ -n "${VM_LOG:-}" ] && [ -f "$VM_LOG" ]; then
    echo "---- last 40 lines of the guest console ($VM_LOG) ----" >&2
    tail -n 40 "$VM_LOG" | tr -d '\033' >&2
    echo "---- end of console ----" >&2
  fi
  exit 1
}

vm_require() {
  command -v qemu-system-x86_64 >/dev/null ||
    vm_fail "qemu-system-x86_64 is missing (Debian: qemu-system-x86)"
  { [ -f "$OVMF_CODE" ] && [ -f "$OVMF_VARS" ]; } ||
    vm_fail "OVMF firmware missing ($OVMF_CODE, $OVMF_VARS; Debian: ovmf)"
  command -v python3 >/dev/null || vm_fail "python3 is missing"
  { [ -f "$IMAGE/vmlinuz" ] && [ -f "$IMAGE/initrd.gz" ]; } ||
    vm_fail "no guest image in $IMAGE (the vm_image test builds it: tests/vm/mkimage.sh)"
}

# vm_start NAME PHYSBITS LGTEST TIMEOUT_S: boots the guest in the background. LGTEST is the
# host's argument list, comma separated (the guest's /init splits it). Sets VM_PID, VM_LOG
# (the serial console) and VM_SHM (the ivshmem backing file, 32 MiB). Optional variables:
# VM_APPEND (more kernel command line words, e.g. "lgmode=restart lgrun=12") and VM_REBOOT=1
# (no -no-reboot: a guest reboot restarts the guest instead of ending QEMU).
vm_start() {
  local name=$1 bits=$2 lgtest=$3 limit=$4
  local reboot_opt=(-no-reboot)
  if [ "${VM_REBOOT:-0}" = 1 ]; then reboot_opt=(); fi
  VM_SHM=/dev/shm/lg-vm-$$-$name
  VM_LOG=$VM_TMP/$name.console
  rm -f "$VM_SHM"
  truncate -s 32M "$VM_SHM" || vm_fail "cannot create $VM_SHM"
  cp "$OVMF_VARS" "$VM_TMP/$name.vars" || vm_fail "cannot copy $OVMF_VARS"
  VM_T0=$(date +%s.%N)
  timeout -k 5 "$limit" qemu-system-x86_64 -machine q35 -accel tcg -m 512 -smp 1 \
    -nographic ${reboot_opt[@]+"${reboot_opt[@]}"} -nic none -vga none \
    -kernel "$IMAGE/vmlinuz" -initrd "$IMAGE/initrd.gz" \
    -append "console=ttyS0 quiet panic=-1 lgtest=$lgtest${VM_APPEND:+ $VM_APPEND}" \
    -drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" \
    -drive "if=pflash,format=raw,file=$VM_TMP/$name.vars" \
    -object "memory-backend-file,id=lg,share=on,mem-path=$VM_SHM,size=32M" \
    -device ivshmem-plain,memdev=lg \
    -cpu "$VM_CPU,phys-bits=$bits" </dev/null >"$VM_LOG" 2>&1 &
  VM_PID=$!
  echo "vm: $name: started QEMU (pid $VM_PID, -cpu $VM_CPU,phys-bits=$bits, lgtest=$lgtest" \
    "${VM_APPEND:-}${VM_REBOOT:+ VM_REBOOT=$VM_REBOOT})"
}

# vm_wait_exit: waits for QEMU; fails unless it exited 0 after the guest's POWEROFF marker.
# Prints the boot time (QEMU start to the guest's /init) and the total run time.
vm_wait_exit() {
  local rc=0
  wait "$VM_PID" || rc=$?
  VM_PID=""
  local total
  total=$(awk -v a="$VM_T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    vm_fail "QEMU timed out (${total} s)"
  fi
  [ "$rc" -eq 0 ] || vm_fail "QEMU exited with status $rc"
  grep -aq "LGVM: POWEROFF" "$VM_LOG" || vm_fail "the guest did not reach its POWEROFF marker"
  echo "vm: QEMU ran ${total} s (guest: $(grep -a 'LGVM: HOST EXIT' "$VM_LOG" | tr -d '\r'))"
}

# vm_expect REGEX: fails unless the console has a line matching REGEX (grep -E).
vm_expect() {
  grep -aEq "$1" "$VM_LOG" || vm_fail "the guest console has no line matching '$1'"
}

# vm_dump_json FILE: looking-glass-dump --json --no-wait of the region into FILE; fails
# unless the dump says the region decodes (exit 0).
vm_dump_json() {
  local rc=0
  "$DUMP" "$VM_SHM" --json --no-wait >"$1" 2>"$1.err" || rc=$?
  [ "$rc" -eq 0 ] || { cat "$1" "$1.err" >&2; vm_fail "looking-glass-dump exited $rc"; }
}
