#!/usr/bin/env bash
# run_panel.sh CLIENT MKREGION XSHOT FIXTURES WORKDIR PYTHON
# The live diagnostics panel on a private Xvfb, two runs of the real client:
#   iommu39: region from our host (LGDIAG: BAR2 0x382000000000, 32 MiB, 46 phys bits, live
#            heartbeat) with diag:root on a fixture host whose Intel IOMMU takes 39 bits:
#            the log names the VFIO error verdict once and the panel opens by itself.
#   iommu48: the same on a 48-bit IOMMU: no error verdict, the panel stays closed.
# Then the screenshots are compared: the 39-bit one has the panel's text over most of the
# window's height, the 48-bit one only the small status box; escape key + H hides the panel.
# Screenshots (PPM, and PNG copies) stay in WORKDIR.
set -u
CLIENT=$1 MKREGION=$2 XSHOT=$3 FIXTURES=$4 WORK=$5 PYTHON=$6
W=1024 H=768
CP="" TP=""
REGIONS=()

cleanup() {
  [ -n "$CP" ] && { kill "$CP" 2>/dev/null; wait "$CP" 2>/dev/null; }
  [ -n "$TP" ] && kill "$TP" 2>/dev/null
  lg_xvfb_stop
  local r
  for r in "${REGIONS[@]}"; do rm -f "$r"; done
}
fail() {
  echo "FAIL: $*" >&2
  local f
  for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "---- $f" >&2; cat "$f" >&2; }; done
  exit 1
}
# wait_log FILE PATTERN SECONDS
wait_log() {
  local i
  for i in $(seq 1 $(( $3 * 10 ))); do
    grep -q -- "$2" "$1" && return 0
    sleep 0.1
  done
  return 1
}

rm -rf "$WORK"
mkdir -p "$WORK/home" "$WORK/etc" || exit 1
source "$(dirname "$0")/../../../resources/scripts/xvfb-lib.sh"
trap cleanup EXIT
lg_xvfb_start 1280x1024x24 || fail "no Xvfb"

# run_case NAME FIXTURE: region + fixture root, client until the verdict is logged, shot.
run_case() {
  local name=$1 fixture=$2
  local root="$WORK/root-$name" region="/dev/shm/lg-diag-panel-$$-$name"
  local log="$WORK/$name.log" title="lg-diag-panel-$$-$name"
  REGIONS+=("$region")
  cp -a "$FIXTURES/$fixture" "$root" || fail "cannot copy fixture $fixture"
  grep -q "address sizes.*46 bits physical" "$root/proc/cpuinfo" || fail "$fixture: cpuinfo is not 46-bit"
  TP=$("$MKREGION" "$region" 32 --tick 60) || fail "mkregion failed"
  [ -n "$TP" ] || fail "mkregion printed no pid"
  # The host collectors look at <root><path>: the same file as the client maps.
  mkdir -p "$root/dev/shm" && ln -s "$region" "$root$region" || fail "cannot link the region"
  HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home" LG_SYSCONFDIR="$WORK/etc" \
    "$CLIENT" -f "$region" "diag:root=$root" "win:size=${W}x$H" "win:title=$title" \
    >"$log" 2>&1 &
  CP=$!
  "$XSHOT" wait "$title" 15 || fail "$name: no window"
  wait_log "$log" "diagnostics verdict" 20 || fail "$name: no verdict in the log"
  # The verdict after the region is mapped (the first run at start has no region yet).
  wait_log "$log" "mapped $region" 10 || fail "$name: the region was not mapped"
  sleep 4 # the runs after mapping and attaching (each samples the heartbeat ~1 s), a redraw
  kill -0 "$CP" 2>/dev/null || fail "$name: the client exited"
  "$XSHOT" shot "$title" "$WORK/$name.ppm" || fail "$name: no screenshot"
  if [ "$name" = iommu39 ]; then
    # Escape key (70, Scroll Lock) + H (35) hides the panel; the same verdict keeps it hidden.
    "$XSHOT" keys "$title" 70 35 || fail "$name: cannot send escape key + H"
    sleep 1.5
    "$XSHOT" shot "$title" "$WORK/${name}_hidden.ppm" || fail "$name: no screenshot"
  fi
  kill "$CP"; wait "$CP" 2>/dev/null; CP=""
  kill "$TP" 2>/dev/null; TP=""
}

run_case iommu39 intel-39
run_case iommu48 intel-48

L39="$WORK/iommu39.log" L48="$WORK/iommu48.log"
# The verdict (worst finding) is a VFIO error, logged once at error level with its remedy;
# the BAR finding from the guest's LGDIAG record is logged too.
grep -q '^\[E\].*diagnostics verdict: .*VFIO_MAP_DMA' "$L39" ||
  fail "iommu39: no VFIO error verdict at error level"
grep -q "host-phys-bits-limit=39" "$L39" || fail "iommu39: the logged remedy lacks host-phys-bits-limit=39"
n=$(grep -c "diagnostics verdict" "$L39")
[ "$n" -eq 1 ] || fail "iommu39: the verdict was logged $n times, expected once"
grep -q '^\[E\].*(vfio.bar_above_iommu)' "$L39" || fail "iommu39: vfio.bar_above_iommu not logged"
grep -q "vfio\.\|VFIO" "$L48" && fail "iommu48: a VFIO finding on a 48-bit IOMMU"
grep -q '^\[E\].*diagnostics' "$L48" && fail "iommu48: an error finding"
grep -q "diagnostics verdict" "$L48" || fail "iommu48: no verdict logged"

"$PYTHON" - "$WORK/iommu39.ppm" "$WORK/iommu48.ppm" "$WORK" "$WORK/iommu39_hidden.ppm" <<'PY' || fail "screenshot checks failed"
import struct, sys, zlib

def read_ppm(path):
    data = open(path, "rb").read()
    parts, pos = [], 0
    while len(parts) < 4:  # P6, width, height, maxval
        while data[pos:pos + 1].isspace():
            pos += 1
        start = pos
        while not data[pos:pos + 1].isspace():
            pos += 1
        parts.append(data[start:pos])
    assert parts[0] == b"P6", path
    w, h = int(parts[1]), int(parts[2])
    return w, h, data[pos + 1:pos + 1 + w * h * 3]

def write_png(path, w, h, rgb):
    raw = b"".join(b"\0" + rgb[y * w * 3:(y + 1) * w * 3] for y in range(h))
    def chunk(tag, body):
        c = tag + body
        return struct.pack(">I", len(body)) + c + struct.pack(">I", zlib.crc32(c) & 0xffffffff)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    open(path, "wb").write(png)

def text_rows(w, h, rgb):
    """Rows holding light text pixels (all channels >= 200)."""
    rows = 0
    for y in range(h):
        line = rgb[y * w * 3:(y + 1) * w * 3]
        if any(line[i] >= 200 and line[i + 1] >= 200 and line[i + 2] >= 200
               for i in range(0, len(line), 3)):
            rows += 1
    return rows

w39, h39, a = read_ppm(sys.argv[1])
w48, h48, b = read_ppm(sys.argv[2])
write_png(sys.argv[3] + "/iommu39.png", w39, h39, a)
write_png(sys.argv[3] + "/iommu48.png", w48, h48, b)
assert (w39, h39) == (w48, h48), "the two windows differ in size"
r39, r48 = text_rows(w39, h39, a), text_rows(w48, h48, b)
# The panel region: the middle half of the window's width over its full height.
x0, x1 = w39 // 4, 3 * w39 // 4
diff = sum(1 for y in range(h39) for x in range(x0, x1)
           if a[(y * w39 + x) * 3:(y * w39 + x) * 3 + 3] != b[(y * w39 + x) * 3:(y * w39 + x) * 3 + 3])
print("text rows: 39-bit %d, 48-bit %d; differing panel pixels %d" % (r39, r48, diff))
ok = True
if r39 < h39 // 3:
    print("the 39-bit window shows no panel (text on %d rows)" % r39); ok = False
if r48 > h48 // 6:
    print("the 48-bit window shows more than the status box (text on %d rows)" % r48); ok = False
if diff < 10000:
    print("the panel region hardly differs between the two windows"); ok = False
wh, hh, c = read_ppm(sys.argv[4])
rh = text_rows(wh, hh, c)
print("text rows after escape key + H: %d" % rh)
if rh > hh // 6:
    print("escape key + H did not hide the panel (text on %d rows)" % rh); ok = False
sys.exit(0 if ok else 1)
PY
echo "PASS"
