#!/usr/bin/env bash
# looking-glass-host command-line tests. Usage:
#   run_cli.sh CASE HOST CLIENT DUMP PYTHON WORKDIR
# CASE: errors | diagnose | lgdiag | restart. Exit 0 pass, 1 fail, 77 skip (a tool is missing).
# Regions are /dev/shm files named with this shell's pid, removed on exit.
set -u
case_name=$1 host=$2 client=$3 dump=$4 python=$5 work=$6
rm -rf "$work" && mkdir -p "$work" || exit 1
shm=/dev/shm/lg-host-cli-$case_name-$$
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -f "$shm"
}
trap cleanup EXIT

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
pass() { echo "ok:   $*"; }

# A fixture sysfs tree with one ivshmem device whose BAR2 is at $2 ($3 bytes).
make_sysfs() {
  local root=$1 addr=$2 size=$3
  local dev=$root/sys/bus/pci/devices/0000:00:04.0
  mkdir -p "$dev"
  echo 0x1af4 >"$dev/vendor"
  echo 0x1110 >"$dev/device"
  printf '0x%016x 0x%016x 0x%016x\n' 0xfea00000 0xfea000ff 0x40200 >"$dev/resource"
  printf '0x%016x 0x%016x 0x%016x\n' 0 0 0 >>"$dev/resource"
  printf '0x%016x 0x%016x 0x%016x\n' "$addr" $((addr + size - 1)) 0x14220c >>"$dev/resource"
  truncate -s "$size" "$dev/resource2"
}

# Runs the host on -f $1 and checks: non-zero exit, exactly one ERROR line, naming the path
# and matching the reason regex $2.
expect_one_error() {
  local file=$1 reason=$2 label=$3
  "$host" -c pattern -f "$file" app:exitAfter=2000 >"$work/$label.out" 2>"$work/$label.err"
  local rc=$?
  local errs
  errs=$(grep -c '^\[E\]' "$work/$label.out" "$work/$label.err" | awk -F: '{s += $NF} END {print s}')
  local line
  line=$(grep -h '^\[E\]' "$work/$label.out" "$work/$label.err")
  if [ "$rc" -eq 0 ]; then
    fail "$label: exit status 0"
  elif [ "$errs" -ne 1 ]; then
    fail "$label: $errs ERROR lines:"
    cat "$work/$label.err"
  elif ! grep -qF -- "'$file'" <<<"$line"; then
    fail "$label: the error line does not name '$file': $line"
  elif ! grep -qE -- "$reason" <<<"$line"; then
    fail "$label: the error line does not say /$reason/: $line"
  else
    pass "$label: exit $rc, one error: ${line#*| }"
  fi
}

case $case_name in
errors)
  expect_one_error "$shm-missing" "does not exist" missing
  truncate -s 4096 "$shm"
  expect_one_error "$shm" "too small: 4096 bytes" too-small
  rm -f "$shm"
  if [ "$(id -u)" -eq 0 ]; then
    # Root bypasses file modes, but a sysfs attribute without a store method refuses
    # O_RDWR even for root (EACCES): the read-only case as root.
    ro=/sys/devices/system/cpu/online
  else
    ro=$work/read-only
    truncate -s 64M "$ro" && chmod 0444 "$ro"
  fi
  expect_one_error "$ro" "cannot be opened read-write" read-only
  mkdir -p "$work/a-directory"
  expect_one_error "$work/a-directory" "is a directory" directory
  ;;

diagnose)
  make_sysfs "$work/sysfs" 0x380000000000 $((32 << 20))
  "$host" --diagnose app:sysfsRoot="$work/sysfs" >"$work/text.out" 2>"$work/text.err"
  rc=$?
  grep -q '0x380000000000' "$work/text.out" || fail "text: BAR2 0x380000000000 not printed"
  grep -q 'guest.bar_above_39bit' "$work/text.out" || fail "text: no guest.bar_above_39bit"
  grep -q 'VFIO_MAP_DMA with -22' "$work/text.out" || fail "text: no VFIO_MAP_DMA -22 note"
  [ "$rc" -eq 0 ] || fail "text: exit $rc, want 0 (info findings only)"
  [ "$(stat -c %s "$work/sysfs/sys/bus/pci/devices/0000:00:04.0/resource2")" -eq $((32 << 20)) ] ||
    fail "the region changed size"
  cmp -s "$work/sysfs/sys/bus/pci/devices/0000:00:04.0/resource2" <(head -c $((32 << 20)) /dev/zero) ||
    fail "--diagnose wrote the region"
  [ "$fails" -eq 0 ] && pass "--diagnose text: BAR2, finding, exit 0, region untouched"

  "$host" --diagnose=json app:sysfsRoot="$work/sysfs" >"$work/json.out" 2>"$work/json.err"
  rc=$?
  if [ -z "$python" ]; then
    echo "python3 missing: JSON checks skipped"
  elif ! "$python" - "$work/json.out" "$rc" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
facts = {f["key"]: f for f in d["facts"]}
ids = {f["id"]: f for f in d["findings"]}
assert facts["guest.ivshmem.bar2"]["value"] == 0x380000000000, facts["guest.ivshmem.bar2"]
assert facts["guest.ivshmem.bar2"]["half"] == "guest"
assert facts["guest.cpu.phys_bits"]["value"] > 0
assert "guest.region.stage" not in facts
assert ids["guest.bar_above_39bit"]["severity"] == "info"
assert "VFIO_MAP_DMA with -22" in ids["guest.bar_above_39bit"]["detail"]
assert "host-phys-bits-limit=39" in ids["guest.bar_above_39bit"]["remedy"]
assert ids["guest.region_ok"]["severity"] == "ok"
assert d["exit_status"] == int(sys.argv[2]) == 0, (d["exit_status"], sys.argv[2])
PY
  then
    fail "--diagnose=json checks"
  else
    pass "--diagnose=json: facts, findings, exit status"
  fi

  # An unusable region is an error (exit 2); the report names the stage and errno.
  "$host" --diagnose -f "$work/nothing-here" app:sysfsRoot="$work/sysfs" >"$work/bad.out" 2>"$work/bad.err"
  rc=$?
  [ "$rc" -eq 2 ] || fail "missing -f file: exit $rc, want 2"
  grep -q 'guest.region_unusable' "$work/bad.out" || fail "missing -f file: no guest.region_unusable"
  grep -q 'stage: open, errno 2' "$work/bad.out" || fail "missing -f file: no stage/errno"
  grep -q '0x380000000000' "$work/bad.out" || fail "missing -f file: BAR2 facts not read from sysfs"
  [ "$rc" -eq 2 ] && pass "--diagnose with a missing -f file: exit 2, stage and errno"
  "$host" --diagnose=xml >/dev/null 2>&1 && fail "--diagnose=xml accepted"
  ;;

lgdiag)
  if [ -z "$dump" ] || [ -z "$python" ]; then
    echo "SKIP: looking-glass-dump or python3 missing"
    exit 77
  fi
  make_sysfs "$work/sysfs" 0x382000000000 $((64 << 20))
  truncate -s 64M "$shm"
  "$host" -c pattern -f "$shm" app:sysfsRoot="$work/sysfs" app:exitAfter=1000 \
    >"$work/host.out" 2>"$work/host.err"
  rc=$?
  [ "$rc" -eq 0 ] || fail "host exit $rc"
  "$dump" "$shm" --json >"$work/dump.json" 2>"$work/dump.err" || fail "looking-glass-dump failed"
  want=$(awk -F'[:, ]+' '/^address sizes/ {print $3; exit}' /proc/cpuinfo)
  if ! "$python" - "$work/dump.json" "$want" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
recs = [r for r in d["kvmfr"]["records"] if r.get("name") == "LGDIAG"]
assert len(recs) == 1, "LGDIAG record missing: %r" % [r.get("name") for r in d["kvmfr"]["records"]]
r = recs[0]
assert r["barAddrValid"] and r["barAddr"] == 0x382000000000, hex(r["barAddr"])
assert r["barSize"] == 64 << 20, r["barSize"]
want = sys.argv[2]
if want:
    assert r["physBitsValid"] and r["physBits"] == int(want), (r["physBits"], want)
assert r["mapStage"] == 0, r["mapStage"]
print("LGDIAG barAddr 0x%x physBits %d (cpuinfo %s)" % (r["barAddr"], r["physBits"], want))
PY
  then
    fail "LGDIAG record checks"
  else
    pass "LGDIAG record in the region"
  fi
  ;;

restart)
  make_sysfs "$work/sysfs" 0x382000000000 $((64 << 20))
  truncate -s 64M "$shm"
  hostargs=(-c pattern -f "$shm" app:sysfsRoot="$work/sysfs" pattern:width=2880
    pattern:height=1800 pattern:fps=30 pattern:motion=off pattern:damage=full)
  status=$work/status
  : >"$status"
  wait_for() { # wait_for FILE PATTERN SECONDS
    local i
    for ((i = 0; i < $3 * 20; ++i)); do
      grep -q "$2" "$1" 2>/dev/null && return 0
      sleep 0.05
    done
    return 1
  }
  "$host" "${hostargs[@]}" >"$work/host1.log" 2>&1 &
  h1=$!
  pids+=("$h1")
  "$client" "$shm" "$status" 3 60 >"$work/client.log" 2>&1 &
  c=$!
  pids+=("$c")
  if ! wait_for "$status" "^session 1 " 15; then
    fail "the client got no frames from the first host"
    cat "$work/client.log" "$work/host1.log"
    exit 1
  fi
  pass "client attached: $(grep '^session 1 ' "$status")"
  kill -9 "$h1"
  wait "$h1" 2>/dev/null
  "$host" "${hostargs[@]}" >"$work/host2.log" 2>&1 &
  h2=$!
  pids+=("$h2")
  if ! wait_for "$status" "^session 2 " 20; then
    fail "the client did not re-attach to the restarted host"
    cat "$work/client.log" "$work/host2.log"
    exit 1
  fi
  id1=$(awk '/^session 1 /{print $3}' "$status")
  id2=$(awk '/^session 2 /{print $3}' "$status")
  [ "$id1" != "$id2" ] || fail "the restarted host kept session ID $id1"
  pass "client re-attached to a new session ($id1 -> $id2) and got frames"
  kill -9 "$c"
  wait "$c" 2>/dev/null
  sleep 1.5
  if ! kill -0 "$h2" 2>/dev/null; then
    fail "the host exited after the client was killed"
  else
    pass "the host kept running for 1.5 s after the client was killed"
  fi
  kill -TERM "$h2"
  wait "$h2"
  rc=$?
  [ "$rc" -eq 0 ] || fail "the host exited $rc on SIGTERM"
  if grep -q '^\[E\]' "$work/host2.log"; then
    fail "ERROR lines in the restarted host's log:"
    grep '^\[E\]' "$work/host2.log"
  else
    pass "no ERROR lines in the restarted host's log"
  fi
  grep -qi 'subscri' "$work/host2.log" && echo "host2 log (subscriber lines):" &&
    grep -i 'subscri\|timeout' "$work/host2.log" | head -5
  ;;
*)
  echo "unknown case $case_name"
  exit 1
  ;;
esac
[ "$fails" -eq 0 ] || exit 1
exit 0
