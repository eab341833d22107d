#!/usr/bin/env bash
# looking-glass-host.exe under wine, checked from Linux. Usage:
#   run_wine.sh SRC WORKDIR MINGW_GCC WINE64 DUMP PYTHON CHECK_FRAME CMAKE GENERATOR
# Cross-builds the host into WORKDIR/winhost, then: (a) pattern frames into a /dev/shm file
# given with -f; looking-glass-dump must find the LGDIAG record (type 0x80) and OSINFO with
# os = 3 (Windows); (b) check_frame compares every pixel of received frames; (c) with no -f
# (no IVSHMEM device under wine) the start and --diagnose both fail naming the virtio-win
# IVSHMEM driver. Any missing tool is a failure, not a skip.
set -u
src=$1 work=$2 mingw=$3 wine=$4 dump=$5 python=$6 checker=$7 cmake=$8 gen=$9

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "PASS: $*"; }
die() { echo "FAIL: $*"; exit 1; }

[ -n "$mingw" ] && [ -x "$mingw" ] || die "x86_64-w64-mingw32-gcc not found (install mingw-w64)"
[ -n "$wine" ] && [ -x "$wine" ] || die "wine64 not found (install wine64)"
[ -n "$dump" ] && [ -x "$dump" ] || die "looking-glass-dump was not built"
[ -n "$python" ] && [ -x "$python" ] || die "python3 not found"

mkdir -p "$work"
export WINEDEBUG=-all WINEPREFIX="$work/wineprefix" WINEDLLOVERRIDES="mscoree,mshtml="
shm=/dev/shm/lg-wine-$$
host_pid=""
cleanup() {
  [ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null
  rm -f "$shm"
  WINEPREFIX="$work/wineprefix" "$(dirname "$wine")/wineserver" -k 2>/dev/null ||
    wineserver -k 2>/dev/null
  true
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Cross-build only the host (its own tree; the tests and benchmarks of that tree stay off).
win=$work/winhost
echo "building looking-glass-host.exe in $win"
if ! "$cmake" -S "$src" -B "$win" -G "$gen" \
  -DCMAKE_TOOLCHAIN_FILE="$src/resources/cmake/toolchain-mingw64.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DLG_BUILD_TESTS=OFF -DLG_BUILD_BENCH=OFF \
  -DLG_BUILD_CLIENT=OFF >"$work/configure.log" 2>&1; then
  tail -30 "$work/configure.log"
  die "configuring the mingw tree failed"
fi
if ! "$cmake" --build "$win" --target looking-glass-host >"$work/build.log" 2>&1; then
  tail -40 "$work/build.log"
  die "building looking-glass-host.exe failed"
fi
exe=$win/host/looking-glass-host.exe
[ -f "$exe" ] || die "$exe missing after the build"
pass "looking-glass-host.exe built"

# (a) + (b): pattern frames into the shm file.
w=640 h=400
truncate -s 32M "$shm" || die "cannot create $shm"
winpath="Z:${shm//\//\\}"
"$wine" "$exe" -f "$winpath" -c pattern app:exitAfter=8000 pattern:width=$w pattern:height=$h \
  pattern:fps=30 pattern:motion=off pattern:damage=full >"$work/host.log" 2>&1 &
host_pid=$!
"$checker" "$shm" $w $h 3 60 >"$work/check.log" 2>&1
crc=$?
if [ "$crc" -eq 0 ]; then
  pass "pattern frames: $(tail -1 "$work/check.log")"
else
  fail "check_frame exit $crc"
  cat "$work/check.log"
fi
wait "$host_pid"
hrc=$?
host_pid=""
if [ "$hrc" -ne 0 ]; then
  fail "looking-glass-host.exe -f exit $hrc"
  cat "$work/host.log"
fi
"$dump" "$shm" --json >"$work/dump.json" 2>"$work/dump.err" || {
  cat "$work/dump.err"
  fail "looking-glass-dump failed"
}
if "$python" - "$work/dump.json" <<'PY'; then
import json, sys
d = json.load(open(sys.argv[1]))
recs = d["kvmfr"]["records"]
diag = [r for r in recs if r.get("type") == 0x80]
assert len(diag) == 1 and diag[0].get("name") == "LGDIAG", \
    "LGDIAG (0x80) missing: %r" % [(r.get("type"), r.get("name")) for r in recs]
assert "rejected" not in diag[0], diag[0]
# By type: the dump's OSINFO object also carries the OS name under "name".
osi = [r for r in recs if r.get("type") == 2]
assert len(osi) == 1, "OSINFO (2) missing"
assert osi[0]["os"] == 3, "OSINFO os %r, want 3 (Windows)" % osi[0]["os"]
print("LGDIAG present, OSINFO os=%d '%s'" % (osi[0]["os"], osi[0].get("name", "")))
PY
  pass "region decoded by looking-glass-dump"
else
  fail "looking-glass-dump records"
fi

# (c): the default IVSHMEM device does not exist under wine.
"$wine" "$exe" -c pattern app:exitAfter=3000 >"$work/nodev.out" 2>"$work/nodev.err"
rc=$?
lines=$(grep -c 'virtio-win IVSHMEM driver' "$work/nodev.out" "$work/nodev.err" |
  awk -F: '{n += $NF} END {print n + 0}')
if [ "$rc" -ne 0 ] && [ "$lines" -eq 1 ]; then
  pass "no device: exit $rc, $(grep -h 'virtio-win IVSHMEM driver' "$work/nodev.out" "$work/nodev.err")"
else
  fail "no device: exit $rc, $lines line(s) naming the virtio-win IVSHMEM driver (want 1)"
  cat "$work/nodev.out" "$work/nodev.err"
fi
"$wine" "$exe" --diagnose >"$work/diag.out" 2>"$work/diag.err"
rc=$?
if [ "$rc" -ne 0 ] && grep -q '^Verdict: ERROR: .*virtio-win IVSHMEM driver' "$work/diag.out"; then
  pass "--diagnose: exit $rc, $(grep '^Verdict' "$work/diag.out")"
else
  fail "--diagnose: exit $rc, no verdict naming the virtio-win IVSHMEM driver"
  cat "$work/diag.out" "$work/diag.err"
fi

[ "$fails" -eq 0 ] || exit 1
echo "all host_wine checks passed"
