#!/bin/bash
# vm_physbits IMAGE DUMP: boots the guest with -cpu max,phys-bits=46, 40 and 39 (one boot
# each, in turn) and checks that the LGDIAG record the guest's looking-glass-host writes
# (read back with looking-glass-dump --json) reports where QEMU + OVMF placed BAR2 and the
# guest's physical address width:
#   phys-bits 46 -> BAR2 0x380000000000   (OVMF sizes its 64-bit MMIO window from phys-bits)
#   phys-bits 40 -> BAR2 0xe000000000
#   phys-bits 39 -> BAR2 0x800000000      (OVMF's classic 32 GiB base)
# The host exits after 1.5 s (no client subscribes; the udata is written at session start).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: vm_physbits.sh IMAGE DUMP" >&2; exit 1; }
# shellcheck disable=SC2034 # IMAGE is read by vmlib.sh
IMAGE=$1 DUMP=$2
# shellcheck source=../vmlib.sh
. "$(dirname "$0")/../vmlib.sh"
vm_require
[ -x "$DUMP" ] || vm_fail "looking-glass-dump not built ($DUMP)"

for pair in 46:0x380000000000 40:0xe000000000 39:0x800000000; do
  bits=${pair%%:*}
  bar=${pair#*:}
  vm_start "pb$bits" "$bits" "-c,pattern,app:exitAfter=1500" 240
  vm_wait_exit
  vm_expect "LGVM: HOST EXIT rc=0"
  vm_expect "LGVM: IVSHMEM [0-9a-f:.]+ resource2: 0x0*${bar#0x} "
  vm_dump_json "$VM_TMP/pb$bits.json"
  python3 - "$VM_TMP/pb$bits.json" "$bits" "$bar" <<'PY' ||
import json, sys
d = json.load(open(sys.argv[1]))
bits, bar = int(sys.argv[2]), int(sys.argv[3], 16)
recs = [r for r in d["kvmfr"]["records"] if r["type"] == 128]
if d["kvmfr"]["version"] != 20 or len(recs) != 1:
    sys.exit("FAIL: no KVMFR 20 udata with one LGDIAG record")
g = recs[0]
print("phys-bits %d: LGDIAG barAddr 0x%x barSize %d physBits %d valid 0x%x mapFailures %d"
      % (bits, g["barAddr"], g["barSize"], g["physBits"], g["valid"], g["mapFailures"]))
if not (g["barAddrValid"] and g["physBitsValid"] and g["mapValid"]):
    sys.exit("FAIL: LGDIAG valid bits 0x%x" % g["valid"])
if g["barAddr"] != bar or g["barSize"] != 32 << 20 or g["physBits"] != bits or g["mapFailures"]:
    sys.exit("FAIL: want barAddr 0x%x barSize %d physBits %d mapFailures 0" % (bar, 32 << 20, bits))
PY
    vm_fail "phys-bits $bits: the LGDIAG record is wrong"
  rm -f "$VM_SHM"
done
echo "vm_physbits: PASS (wall $(vm_elapsed) s)"
