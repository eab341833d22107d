#!/usr/bin/env bash
# The demo: looking-glass-host with the pattern backend writes /dev/shm/looking-glass and
# looking-glass-client shows it. With a display it runs until you close the client window
# (ScrollLock+Q); without one it starts a private Xvfb, lets the client run a few seconds,
# saves a screenshot to BUILD/demo-screenshot.png and stops.  Usage: demo-run.sh BUILD_DIR
set -euo pipefail
build="$(cd "${1:-build}" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=xvfb-lib.sh
. "$here/xvfb-lib.sh"

shm="${LG_DEMO_SHM:-/dev/shm/looking-glass}"
host_pid=""
client_pid=""
cleanup() {
  [ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null || true
  [ -n "$host_pid" ] && kill "$host_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  lg_xvfb_stop
}
trap cleanup EXIT INT TERM

if [ ! -e "$shm" ]; then
  truncate -s 64M "$shm"
  echo "demo: created $shm (64 MiB)"
fi

"$build/host/looking-glass-host" -f "$shm" -c pattern pattern:motion=on >"$build/demo-host.log" 2>&1 &
host_pid=$!
echo "demo: host started (pid $host_pid, log $build/demo-host.log)"

headless=0
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  headless=1
  lg_xvfb_start 1920x1080x24
  echo "demo: no display; using a private Xvfb on $DISPLAY"
fi

title="Looking Glass (demo)"
if [ "$headless" -eq 0 ]; then
  echo "demo: client window opening; ScrollLock+Q or closing the window ends the demo"
  "$build/client/looking-glass-client" -f "$shm" "win:title=$title" || true
  exit 0
fi

"$build/client/looking-glass-client" -f "$shm" "win:title=$title" win:size=1920x1080 \
  >"$build/demo-client.log" 2>&1 &
client_pid=$!

shot="$build/tests/integration/client_e2e/lg-xshot"
sleep 5
if ! kill -0 "$client_pid" 2>/dev/null; then
  echo "demo: the client exited early; its log:" >&2
  tail -n 30 "$build/demo-client.log" >&2
  exit 1
fi
if [ -x "$shot" ]; then
  "$shot" shot "$title" "$build/demo-screenshot.ppm"
  python3 - "$build/demo-screenshot.ppm" "$build/demo-screenshot.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
parts = data.split(maxsplit=4)
w, h = int(parts[1]), int(parts[2])
pix = parts[4]
raw = b''.join(b'\x00' + pix[y * w * 3:(y + 1) * w * 3] for y in range(h))
def chunk(t, d):
    return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
png += chunk(b'IDAT', zlib.compress(raw, 6)) + chunk(b'IEND', b'')
open(sys.argv[2], 'wb').write(png)
PY
  rm -f "$build/demo-screenshot.ppm"
  echo "demo: screenshot saved to $build/demo-screenshot.png"
else
  echo "demo: screenshot tool not built ($shot); client ran for 5 s"
fi
echo "demo: host and client logs: $build/demo-host.log $build/demo-client.log"
