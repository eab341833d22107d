#!/bin/sh
# Starts a headless weston (GL renderer: llvmpipe) on a private XDG_RUNTIME_DIR and a
# unique socket, runs "$@" with WAYLAND_DISPLAY set to it, and stops weston on every exit
# path. A missing weston fails the test (never a silent skip). LG_WESTON_SCALE sets the
# output's integer scale (default 1).
set -u
if ! command -v weston >/dev/null 2>&1; then
  echo "FAIL: weston not installed (Debian package: weston)" >&2
  exit 1
fi

RUNDIR=$(mktemp -d "${TMPDIR:-/tmp}/lg-weston-XXXXXX") || exit 1
chmod 0700 "$RUNDIR"
SOCK="lg-test-$$"
WESTON_PID=""
cleanup() {
  if [ -n "$WESTON_PID" ]; then
    kill "$WESTON_PID" 2>/dev/null
    wait "$WESTON_PID" 2>/dev/null
  fi
  rm -rf "$RUNDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# no start-up fade or window animations: the screenshots must show the final picture
cat >"$RUNDIR/weston.ini" <<INI
[core]
idle-time=0
[shell]
startup-animation=none
animation=none
close-animation=none
focus-animation=none
panel-position=none
locking=false
INI

XDG_RUNTIME_DIR="$RUNDIR"
LIBGL_ALWAYS_SOFTWARE=1
export XDG_RUNTIME_DIR LIBGL_ALWAYS_SOFTWARE
unset DISPLAY WAYLAND_SOCKET
weston --backend=headless-backend.so --use-gl --idle-time=0 --debug --socket="$SOCK" \
  --width=1280 --height=800 --scale="${LG_WESTON_SCALE:-1}" --config="$RUNDIR/weston.ini" >"$RUNDIR/weston.log" 2>&1 &
WESTON_PID=$!

i=0
while [ $i -lt 150 ]; do
  [ -S "$RUNDIR/$SOCK" ] && break
  if ! kill -0 "$WESTON_PID" 2>/dev/null; then
    break
  fi
  sleep 0.1
  i=$((i + 1))
done
if ! kill -0 "$WESTON_PID" 2>/dev/null || [ ! -S "$RUNDIR/$SOCK" ]; then
  echo "FAIL: weston did not start:" >&2
  cat "$RUNDIR/weston.log" >&2
  exit 1
fi

WAYLAND_DISPLAY="$SOCK"
export WAYLAND_DISPLAY
"$@"
rc=$?
if [ $rc -ne 0 ]; then
  echo "---- weston log (tail) ----" >&2
  tail -n 40 "$RUNDIR/weston.log" >&2
fi
exit $rc
