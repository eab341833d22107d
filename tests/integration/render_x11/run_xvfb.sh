#!/bin/sh
# Starts Xvfb on a free display number (never :0 or :99), runs "$@" with DISPLAY set to
# it, and stops it again on every exit path. Fails loudly without Xvfb (never a silent skip).
set -u
if ! command -v Xvfb >/dev/null 2>&1; then
  echo "FAIL: Xvfb not installed (Debian package: xvfb)" >&2
  exit 1
fi

XVFB_PID=""
cleanup() {
  if [ -n "$XVFB_PID" ]; then
    kill "$XVFB_PID" 2>/dev/null
    wait "$XVFB_PID" 2>/dev/null
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

tries=0
while [ $tries -lt 40 ]; do
  tries=$((tries + 1))
  n=$(( ( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 301 ) + 100 ))
  [ "$n" -eq 99 ] && continue
  if [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; then
    continue
  fi
  Xvfb ":$n" -screen 0 1280x800x24 -nolisten tcp -noreset >"${TMPDIR:-/tmp}/xvfb-lg-$$.log" 2>&1 &
  XVFB_PID=$!
  i=0
  while [ $i -lt 100 ]; do
    if [ -S "/tmp/.X11-unix/X$n" ]; then
      break
    fi
    if ! kill -0 "$XVFB_PID" 2>/dev/null; then
      break
    fi
    sleep 0.1
    i=$((i + 1))
  done
  if kill -0 "$XVFB_PID" 2>/dev/null && [ -S "/tmp/.X11-unix/X$n" ]; then
    rm -f "${TMPDIR:-/tmp}/xvfb-lg-$$.log"
    DISPLAY=":$n"
    export DISPLAY
    break
  fi
  # lost a race for the number, or Xvfb failed: try another
  wait "$XVFB_PID" 2>/dev/null
  XVFB_PID=""
done
if [ -z "$XVFB_PID" ]; then
  echo "could not start Xvfb on a free display:" >&2
  cat "${TMPDIR:-/tmp}/xvfb-lg-$$.log" >&2 2>/dev/null
  exit 1
fi

LIBGL_ALWAYS_SOFTWARE=1
EGL_PLATFORM=x11
export LIBGL_ALWAYS_SOFTWARE EGL_PLATFORM
"$@"
rc=$?
exit $rc
