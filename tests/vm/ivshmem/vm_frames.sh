#!/bin/bash
# vm_frames IMAGE DUMP CHECK: looking-glass-host runs in a QEMU guest (TCG, OVMF, q35) on a
# real ivshmem-plain device: it finds the device through sysfs, maps BAR2 and writes the
# still pattern. Outside, lg-vm-check subscribes like a client and checks every pixel of 3
# frames; after the guest powered off, looking-glass-dump --json must decode the region:
# LGMP header, KVMFR 20, VMINFO/OSINFO/LGDIAG records and the newest frame.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: vm_frames.sh IMAGE DUMP CHECK" >&2; exit 1; }
# shellcheck disable=SC2034 # IMAGE is read by vmlib.sh
IMAGE=$1 DUMP=$2 CHECK=$3
# shellcheck source=../vmlib.sh
. "$(dirname "$0")/../vmlib.sh"
vm_require
[ -x "$DUMP" ] || vm_fail "looking-glass-dump not built ($DUMP)"
[ -x "$CHECK" ] || vm_fail "lg-vm-check not built ($CHECK)"

# The host runs 10 s after it starts; the checker needs well under one of them.
vm_start frames 40 "-c,pattern,app:exitAfter=10000" 240
"$CHECK" "$VM_SHM" --timeout-ms 200000 --frames 3 &
check_pid=$!
# A guest that stops early (boot failure, host error) fails the test at once.
while kill -0 "$check_pid" 2>/dev/null; do
  if ! kill -0 "$VM_PID" 2>/dev/null && ! grep -aq "host: session .* up" "$VM_LOG"; then
    kill "$check_pid" 2>/dev/null || true
    wait "$check_pid" 2>/dev/null || true
    vm_fail "the guest stopped before its host's session was up"
  fi
  sleep 0.2
done
rc=0
wait "$check_pid" || rc=$?
[ "$rc" -eq 0 ] || vm_fail "lg-vm-check failed (status $rc)"
vm_wait_exit
vm_expect "LGVM: IVSHMEM [0-9a-f:.]+ resource2: "
vm_expect "host: a client subscribed; capture resumed"
vm_expect "LGVM: HOST EXIT rc=0"

vm_dump_json "$VM_TMP/dump.json"
python3 - "$VM_TMP/dump.json" <<'PY' || vm_fail "looking-glass-dump's JSON does not show what the guest wrote"
import json, sys
d = json.load(open(sys.argv[1]))
ok = True
def need(cond, what):
    global ok
    print(("ok:   " if cond else "FAIL: ") + what)
    ok = ok and cond
need(d["valid"] is True and d["problems"] == [], "dump: region valid, no problems")
need(d["lgmp"]["status"] == "ok" and d["lgmp"]["version"] == 6, "LGMP v6 header valid")
k = d["kvmfr"]
need(k["status"] == "ok" and k["version"] == 20 and k["recordsComplete"], "KVMFR version 20")
# Records by type (1 VMINFO, 2 OSINFO, 128 LGDIAG): older dumps gave the OSINFO object two
# "name" keys (record name and OS text), so "name" is not used to find records.
types = [r["type"] for r in k["records"]]
need(types == [1, 2, 128], "records VMINFO, OSINFO, LGDIAG (types %s)" % types)
rec = dict(zip(["VMINFO", "OSINFO", "LGDIAG"], k["records"]))
need(rec["VMINFO"]["capture"] == "pattern", "VMINFO capture 'pattern'")
os_text = rec["OSINFO"].get("osText", rec["OSINFO"].get("name", ""))  # older dumps: "name"
need(rec["OSINFO"]["osName"] == "Linux" and "VM test" in os_text,
     "OSINFO: Linux, the initramfs' os-release")
g = rec["LGDIAG"]
need(g["barAddrValid"] and g["mapValid"] and g["mapFailures"] == 0 and g["barSize"] == 32 << 20,
     "LGDIAG: BAR2 0x%x, %d bytes, mapped" % (g["barAddr"], g["barSize"]))
need(g["physBits"] == 40, "LGDIAG physBits %d" % g["physBits"])
f = d["frame"]
print("frame: " + json.dumps({x: f[x] for x in f if not isinstance(f[x], (list, dict))}))
need(f.get("status") == "ok" and f.get("complete") is True and f.get("typeName") == "BGRA" and
     f.get("frameWidth") == 1920 and f.get("frameHeight") == 1080 and f.get("frameSerial", 0) >= 3,
     "newest frame: complete BGRA 1920x1080, serial >= 3")
px = f.get("firstPixels", [])
want = ["%02X 00 %02X FF" % (x, x) for x in range(8)]  # B = x ^ 0, G = 0, R = x, A = 255
need(px == want, "newest frame's first pixels are the pattern: %s" % px)
sys.exit(0 if ok else 1)
PY
echo "vm_frames: PASS (wall $(vm_elapsed) s)"
