#!/usr/bin/env bash
# run_case.sh CASE DRIVER MKREGION FIXTURES WORKDIR PYTHON XZ B7_XZ
# One --diagnose scenario; exits non-zero with the reason when an expectation fails.
set -u
case_name=$1 driver=$2 mkregion=$3 fixtures=$4 work=$5 python=$6 xz=$7 b7_xz=$8

fail() {
  echo "FAIL [$case_name]: $*" >&2
  [ -f "$work/out" ] && { echo "---- output ----" >&2; cat "$work/out" >&2; }
  exit 1
}
[ -n "$python" ] || fail "python3 not found at configure time (needed to parse the JSON)"

rm -rf "$work"
mkdir -p "$work" || fail "cannot create $work"
tick_pid=""
cleanup() {
  if [ -n "$tick_pid" ]; then kill "$tick_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT

# make_root FIXTURE: a private copy of a fixture tree with a /dev/shm for the region.
make_root() {
  cp -a "$fixtures/$1" "$work/root" || fail "cannot copy fixture $1"
  mkdir -p "$work/root/dev/shm"
}

# run_diag ARGS...: runs the driver, output in $work/out, status in $status.
run_diag() {
  "$driver" "$@" >"$work/out" 2>"$work/err"
  status=$?
  if [ "$status" -gt 2 ]; then
    cat "$work/err" >&2
    fail "driver exited with $status (crash or usage error)"
  fi
}

# check_json PYTHON_EXPR...: each expression must be true; r = the report, ids = finding
# ids, facts = {key: value}, sev = {id: severity}.
check_json() {
  "$python" -m json.tool "$work/out" >/dev/null || fail "output is not valid JSON"
  "$python" - "$work/out" "$@" <<'PY' || fail "JSON expectations failed"
import json, sys
r = json.load(open(sys.argv[1]))
ids = [f["id"] for f in r["findings"]]
sev = {f["id"]: f["severity"] for f in r["findings"]}
rem = {f["id"]: f["remedy"] for f in r["findings"]}
facts = {f["key"]: f["value"] for f in r["facts"]}
def holds(expr):
    try:
        return bool(eval(expr))
    except Exception as exc:  # a missing key or fact is a failed expectation
        print("  (%s: %r)" % (type(exc).__name__, exc), file=sys.stderr)
        return False
bad = [e for e in sys.argv[2:] if not holds(e)]
for e in bad:
    print("expectation failed:", e, file=sys.stderr)
print("findings:", ids, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

region=/dev/shm/lg-diagnose-$$
case "$case_name" in
iommu39)
  # Our host's region with the LGDIAG record (BAR2 0x382000000000, 32 MiB, 46 phys bits)
  # on a host whose Intel IOMMU takes 39 bits: QEMU's VFIO_MAP_DMA would fail.
  make_root intel-39
  "$mkregion" "$work/root$region" 32 || fail "mkregion failed"
  run_diag --diagnose=json "diag:root=$work/root" "app:shmFile=$region"
  [ "$status" -eq 2 ] || fail "exit status $status, expected 2"
  check_json "'vfio.bar_above_iommu' in ids" \
    "'host-phys-bits-limit=39' in rem['vfio.bar_above_iommu']" \
    "sev['vfio.bar_above_iommu'] == 'error'" \
    "facts['guest.ivshmem.bar2'] == 0x382000000000" \
    "facts['guest.ivshmem.bar2_size'] == 32 << 20" \
    "facts['guest.cpu.phys_bits'] == 46" "facts['host.iommu.addr_bits'] == 39" \
    "facts['host.cpu.phys_bits'] == 46" "facts['lgmp.version'] == 6" \
    "facts['kvmfr.version'] == 20" "facts['guest.lg.hostver'] == 'diagnose-test'" \
    "facts['region.size'] == 32 << 20" "facts['region.map'] == 'ok (read-only)'" \
    "r['exit_status'] == 2"
  ;;
realhost39|realhost48)
  # The region written by the real looking-glass-host (guest sysfs fixture: ivshmem BAR2 at
  # 0x382000000000, 32 MiB), read by the real looking-glass-client --diagnose=json on a host
  # whose IOMMU takes 39 (or 48) bits.
  host_bin=$9 client_bin=${10}
  [ -x "$host_bin" ] && [ -x "$client_bin" ] || fail "host or client binary missing"
  bits=${case_name#realhost}
  make_root "intel-$bits"
  gdev=$work/guest/sys/bus/pci/devices/0000:00:04.0
  mkdir -p "$gdev"
  echo 0x1af4 >"$gdev/vendor"
  echo 0x1110 >"$gdev/device"
  printf '0x%016x 0x%016x 0x%016x\n' 0xfea00000 0xfea000ff 0x40200 >"$gdev/resource"
  printf '0x%016x 0x%016x 0x%016x\n' 0 0 0 >>"$gdev/resource"
  printf '0x%016x 0x%016x 0x%016x\n' 0x382000000000 $((0x382000000000 + (32 << 20) - 1)) \
    0x14220c >>"$gdev/resource"
  truncate -s $((32 << 20)) "$gdev/resource2" "$work/root$region"
  "$host_bin" -f "$work/root$region" -c pattern "app:sysfsRoot=$work/guest" \
    app:exitAfter=20000 >"$work/host.log" 2>&1 &
  tick_pid=$!
  for _ in $(seq 1 100); do
    [ "$(head -c 4 "$work/root$region")" = "LGMP" ] && break
    sleep 0.05
  done
  [ "$(head -c 4 "$work/root$region")" = "LGMP" ] || { cat "$work/host.log" >&2; fail "the host wrote no header"; }
  "$client_bin" --diagnose=json "diag:root=$work/root" "app:shmFile=$region" >"$work/out" 2>"$work/err"
  status=$?
  phys=$(sed -n 's/^address sizes[^:]*: \([0-9]*\) bits physical.*/\1/p' /proc/cpuinfo | head -n1)
  if [ "$bits" = 39 ]; then
    [ "$status" -eq 2 ] || fail "exit status $status, expected 2"
    check_json "'vfio.bar_above_iommu' in ids" \
      "'host-phys-bits-limit=39' in rem['vfio.bar_above_iommu']" \
      "facts['guest.ivshmem.bar2'] == 0x382000000000" \
      "facts['guest.ivshmem.bar2_size'] == 32 << 20" \
      "facts['guest.cpu.phys_bits'] == $phys" "facts['host.iommu.addr_bits'] == 39" \
      "facts['kvmfr.version'] == 20"
  else
    check_json "'vfio.bar_above_iommu' not in ids" "'vfio.bar_fits' in ids" \
      "facts['guest.ivshmem.bar2'] == 0x382000000000" "facts['host.iommu.addr_bits'] == 48"
  fi
  ;;
iommu48_running)
  # Same region, 48-bit IOMMU, and a live host ticking the heartbeat.
  make_root intel-48
  tick_pid=$("$mkregion" "$work/root$region" 32 --tick 20) || fail "mkregion failed"
  [ -n "$tick_pid" ] || fail "mkregion printed no pid"
  run_diag --diagnose=json "diag:root=$work/root" "app:shmFile=$region"
  check_json "'vfio.bar_above_iommu' not in ids" "'vfio.bar_fits' in ids" \
    "'host.running' in ids" "'host.not_running' not in ids" \
    "facts['lgmp.heartbeat_age_ms'] == 0" "facts['lgmp.host_running'] is True" \
    "'error' not in sev.values()" "r['exit_status'] in (0, 1)"
  [ "$status" -le 1 ] || fail "exit status $status, expected 0 or 1"
  ;;
missing_region)
  # The real / for /proc and /sys, a region path that does not exist, text output.
  run_diag --diagnose "app:shmFile=$work/no-such-region"
  [ "$status" -eq 2 ] || fail "exit status $status, expected 2"
  grep -q "$work/no-such-region" "$work/out" || fail "the text does not name the path"
  grep -q "(region.missing)" "$work/out" || fail "no region.missing finding"
  grep -q "^Verdict: ERROR" "$work/out" || fail "no ERROR verdict"
  ;;
zero_region)
  make_root no-iommu
  "$mkregion" "$work/root$region" 16 --zero || fail "mkregion failed"
  run_diag --diagnose=json "diag:root=$work/root" "app:shmFile=$region"
  [ "$status" -eq 2 ] || fail "exit status $status, expected 2"
  check_json "'lgmp.no_header' in ids" "'guest.ivshmem.bar2' not in facts" \
    "'lgmp.version' not in facts"
  ;;
tiny_region)
  make_root no-iommu
  head -c 100 /dev/urandom >"$work/root$region"
  run_diag --diagnose=json "diag:root=$work/root" "app:shmFile=$region"
  check_json "'region.map' in facts" "'not mapped' in facts['region.map']" \
    "facts['region.size'] == 100"
  ;;
garbage_region)
  # Random bytes: no LGMP magic, no crash, an error.
  make_root no-iommu
  head -c 1048576 /dev/urandom >"$work/root$region"
  run_diag --diagnose=json "diag:root=$work/root" "app:shmFile=$region"
  [ "$status" -eq 2 ] || fail "exit status $status, expected 2"
  check_json "'lgmp.bad_magic' in ids" "'lgmp.version' not in facts"
  ;;
b7_region)
  # The region the upstream B7 host wrote: no LGDIAG record, stale heartbeat.
  [ -f "$b7_xz" ] || fail "B7 fixture missing: $b7_xz"
  [ -n "$xz" ] || fail "xz not found at configure time (Debian: xz-utils)"
  make_root intel-48
  "$xz" -dc "$b7_xz" >"$work/root$region" || fail "xz -dc failed"
  run_diag --diagnose=json "diag:root=$work/root" "app:shmFile=$region"
  [ "$status" -ne 0 ] || fail "exit status 0, expected a finding"
  check_json "'host.not_running' in ids" "facts['lgmp.heartbeat_age_ms'] > 1000" \
    "facts['lgmp.host_running'] is False" \
    "not any(k.startswith('guest.ivshmem') or k.startswith('guest.cpu.phys') for k in facts)" \
    "facts['kvmfr.version'] == 20" "facts['guest.lg.hostver'] == 'B7'" \
    "facts['client.frame.width'] == 1920" "facts['client.frame.height'] == 1080" \
    "'region.size_ok' in ids" "facts['region.size'] == 64 << 20"
  # Text output of the same region.
  run_diag --diagnose "diag:root=$work/root" "app:shmFile=$region"
  grep -q "(host.not_running)" "$work/out" || fail "text: no host.not_running finding"
  ;;
*)
  fail "unknown case"
  ;;
esac
echo "PASS [$case_name]"
