#!/bin/bash
# check_dump.sh DUMP REGION: runs looking-glass-dump on the B7 fixture as text and as JSON;
# both must exit 0, print the key values, and the JSON must parse (python3 -m json.tool).
set -u
dump=$1
region=$2
out=$(mktemp)
json=$(mktemp)
trap 'rm -f "$out" "$json"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$dump" "$region" > "$out"
rc=$?
cat "$out"
[ "$rc" -eq 0 ] || fail "text dump exited $rc, expected 0"
for want in "magic: 0x504D474C" "sessionID: 0x627A5D95" "timestamp: 2955429" \
            "udataSize: 197" "alive: no" "clientID: 0x6B8B4567" "offset: 0x2181000" \
            "hostver: B7" "capture: XCB" "model: AMD EPYC" \
            "osText: Debian GNU/Linux 12 (bookworm), kernel: Linux 6.18.44-fc-v782 on x86_64" \
            "frameSerial: 2143" "pitch: 7680" "wp: 8294400" "- 40 00 00 00" "- 40 00 07 00" \
            "x: 953" "y: 533" "nonZeroPixels: 176" "emptySlots: 20" "valid: yes"; do
  grep -qF -- "$want" "$out" || fail "text dump lacks '$want'"
done

"$dump" "$region" --json --no-wait > "$json"
rc=$?
[ "$rc" -eq 0 ] || fail "JSON dump exited $rc, expected 0"
python3 -m json.tool "$json" > /dev/null || fail "JSON dump does not parse"
python3 - "$json" <<'PY' || fail "JSON values differ"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["valid"] is True and d["problems"] == []
assert d["lgmp"]["magic"] == 0x504D474C and d["lgmp"]["sessionID"] == 0x627A5D95
q = {x["queueID"]: x for x in d["queues"]}
assert q[2]["index"] == 0 and q[1]["index"] == 1
assert q[2]["subs"] == 0x100000000 and q[2]["msgTimeout"] == 2956429
assert q[1]["msgTimeout"] == 2884621 and q[1]["emptySlots"] == 20
assert [s["offset"] for s in q[2]["slots"]] == [0x302000, 0x2181000, 0x2181000]
k = d["kvmfr"]
assert k["version"] == 20 and k["hostver"] == "B7" and k["features"] == 0
r = k["records"]
assert [(x["type"], x["size"], x["regionOffset"]) for x in r] == [(1, 60, 0x16AC), (2, 73, 0x16F0)]
assert r[1]["osText"].startswith("Debian GNU/Linux 12")
f = d["frame"]
assert f["valid"] and f["slot"] == 1 and f["frameSerial"] == 2143 and f["wp"] == 8294400
assert f["firstPixels"][0] == "40 00 00 00"
c = d["cursor"]
assert c["valid"] and (c["x"], c["y"], c["hx"], c["hy"]) == (953, 533, 7, 7)
assert c["nonZeroPixels"] == 176
print("JSON ok")
PY
echo "PASS"
