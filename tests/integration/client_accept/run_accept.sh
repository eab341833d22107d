#!/usr/bin/env bash
# Client acceptance tests on a private Xvfb: the real looking-glass-client shows the real
# looking-glass-host's pattern capture (unique /dev/shm file), checked pixel by pixel by
# lg-xcheck (every pixel of the window, in frame coordinates, must be the pattern or the
# host's cursor composited exactly at one position).
#   run_accept.sh CASE CLIENT HOST XCHECK OUTDIR
# CASE: bgra rgba rgba10 rgba16f   - still pattern at 1:1 in that format (10-bit and half
#                                    float within 1 step per channel)
#       rotate90/180/270           - win:rotate=N: the image turned clockwise by N degrees
#       band_still                 - band damage, no motion: the exact full pattern
#       band_motion                - band damage with motion; the host is stopped (SIGSTOP)
#                                    and the window must be exactly the host's buffer after
#                                    some frame n (each band with the shift it was drawn with)
#       cursor                     - host stopped; the cursor's pixels are exact and it sits
#                                    on the host's cursor path
#       keys                       - escape key (ScrollLock) + D: FPS overlay appears, + D
#                                    again: gone; + H: diagnostics panel, + H: exact pattern
#                                    again; + F: full screen (lg-xcheck wm stands in for the
#                                    window manager Xvfb lacks) and back; + Q: exit status 0
set -u
CASE=$1 CLIENT=$2 HOST=$3 XCHECK=$4 OUT=$5
W=320 H=240
TITLE="lg-accept-$CASE-$$"
SHM=/dev/shm/lg-client-accept-$CASE-$$
LOG=$OUT/client_accept_$CASE.log
HLOG=$OUT/client_accept_${CASE}_host.log
PPM=$OUT/client_accept_$CASE.ppm
HP="" CP=""
mkdir -p "$OUT"
source "$(dirname "$0")/../../../resources/scripts/xvfb-lib.sh"

cleanup() {
  [ -n "$HP" ] && { kill -CONT "$HP" 2>/dev/null; kill "$HP" 2>/dev/null; wait "$HP" 2>/dev/null; }
  [ -n "$CP" ] && { kill "$CP" 2>/dev/null; wait "$CP" 2>/dev/null; }
  lg_xvfb_stop
  rm -f "$SHM"
}
trap cleanup EXIT
fail() {
  echo "FAIL ($CASE): $*" >&2
  echo "--- client log"; cat "$LOG" 2>/dev/null
  echo "--- host log"; cat "$HLOG" 2>/dev/null
  exit 1
}
start_host() { # extra pattern options...
  "$HOST" -f "$SHM" app:capture=pattern pattern:width=$W pattern:height=$H pattern:fps=30 "$@" \
    >"$HLOG" 2>&1 &
  HP=$!
}
start_client() { # extra client options...
  "$CLIENT" -f "$SHM" win:size=${W}x$H win:dontUpscale=yes "win:title=$TITLE" "$@" >"$LOG" 2>&1 &
  CP=$!
}
alive() { kill -0 "$CP" 2>/dev/null; }
frame() { "$XCHECK" frame "$TITLE" $W $H "$@"; }

lg_xvfb_start 1024x768x24 || exit 1
truncate -s 32M "$SHM"

case "$CASE" in
bgra | rgba | rgba10 | rgba16f)
  tol=0
  [ "$CASE" = rgba10 ] || [ "$CASE" = rgba16f ] && tol=1
  start_host pattern:format=$CASE
  start_client
  frame 0 $tol 15 "$PPM" || fail "the window is not the $CASE pattern at 1:1"
  ;;
rotate90 | rotate180 | rotate270)
  deg=${CASE#rotate}
  start_host
  if [ "$deg" = 180 ]; then start_client win:rotate=$deg; else
    "$CLIENT" -f "$SHM" win:size=${H}x$W win:dontUpscale=yes "win:title=$TITLE" win:rotate=$deg \
      >"$LOG" 2>&1 &
    CP=$!
  fi
  ok=1
  frame "$deg" 0 15 "$PPM" || ok=0
  # the checker must tell the directions apart: the opposite turn must not match
  if [ "$deg" != 180 ] && frame $((360 - deg)) 0 1 >/dev/null 2>&1; then
    fail "the image matches both $deg and $((360 - deg)) degrees: the check is blind"
  fi
  [ $ok = 1 ] || {
    for other in 90 180 270; do
      [ "$other" = "$deg" ] && continue
      frame "$other" 0 1 >/dev/null 2>&1 && fail "shown rotated clockwise by $other, not $deg"
    done
    fail "the window is not the pattern rotated clockwise by $deg degrees"
  }
  ;;
band_still)
  start_host pattern:damage=band
  start_client
  sleep 2 # many band-only updates after the first full frame
  frame 0 0 15 "$PPM" || fail "band damage (no motion) does not give the full pattern"
  ;;
band_motion)
  start_host pattern:damage=band pattern:motion=on
  start_client
  "$XCHECK" band "$TITLE" $W $H 15 >/dev/null || fail "no band-damaged frames shown"
  sleep 2
  kill -STOP "$HP"
  sleep 0.5
  "$XCHECK" band "$TITLE" $W $H 3 "$PPM" ||
    fail "the window is not the host's buffer after one frame (damage lost)"
  ;;
cursor)
  start_host
  start_client
  frame 0 0 15 >/dev/null || fail "pattern not shown"
  sleep 1
  kill -STOP "$HP"
  sleep 0.5
  "$XCHECK" cursor "$TITLE" $W $H 3 "$PPM" || fail "cursor wrong"
  ;;
keys)
  start_host
  start_client
  frame 0 0 15 >/dev/null || fail "pattern not shown"
  "$XCHECK" keys "$TITLE" 70 32 || fail "cannot send keys"             # escape + D
  "$XCHECK" differ "$TITLE" $W $H 5 || fail "escape + D: no FPS overlay"
  "$XCHECK" keys "$TITLE" 70 32 || fail "cannot send keys"
  frame 0 0 5 || fail "escape + D again: FPS overlay still shown"
  "$XCHECK" keys "$TITLE" 70 35 || fail "cannot send keys"             # escape + H
  "$XCHECK" differ "$TITLE" $W $H 5 || fail "escape + H: no panel"
  "$XCHECK" keys "$TITLE" 70 35 || fail "cannot send keys"
  frame 0 0 5 || fail "escape + H again: panel still shown"
  # escape + F. Xvfb runs no window manager, so nothing would apply _NET_WM_STATE: lg-xcheck wm
  # stands in for one (applies the client's fullscreen request: property + screen size).
  "$XCHECK" wm "$TITLE" 20 >"$OUT/client_accept_keys_wm.log" 2>&1 &
  WP=$!
  for i in $(seq 1 50); do grep -q ready "$OUT/client_accept_keys_wm.log" && break; sleep 0.1; done
  "$XCHECK" keys "$TITLE" 70 33 || fail "cannot send keys"             # escape + F
  for i in $(seq 1 30); do grep -q "fullscreen on" "$LOG" && break; sleep 0.1; done
  grep -q "fullscreen on" "$OUT/client_accept_keys_wm.log" || fail "escape + F: no fullscreen request"
  grep -q "fullscreen on" "$LOG" || fail "escape + F: the client did not see full screen"
  read -r ww wh sw sh < <("$XCHECK" geom "$TITLE")
  [ "$ww" = "$sw" ] && [ "$wh" = "$sh" ] || fail "full screen: window ${ww}x$wh, screen ${sw}x$sh"
  echo "full screen: window ${ww}x$wh = screen"
  "$XCHECK" keys "$TITLE" 70 33 || fail "cannot send keys"
  for i in $(seq 1 30); do grep -q "fullscreen off" "$LOG" && break; sleep 0.1; done
  grep -q "fullscreen off" "$LOG" || fail "escape + F again: the client did not leave full screen"
  read -r ww wh sw sh < <("$XCHECK" geom "$TITLE")
  [ "$ww" = "$W" ] && [ "$wh" = "$H" ] || fail "after full screen: window ${ww}x$wh"
  kill "$WP" 2>/dev/null; wait "$WP" 2>/dev/null
  frame 0 0 5 || fail "pattern not exact after leaving full screen"
  alive || fail "client died"
  "$XCHECK" keys "$TITLE" 70 16 || fail "cannot send keys"             # escape + Q
  for i in $(seq 1 50); do alive || break; sleep 0.1; done
  alive && fail "escape + Q did not quit"
  wait "$CP"; rc=$?; CP=""
  [ "$rc" -eq 0 ] || fail "exit status $rc after escape + Q"
  ;;
*)
  echo "unknown case $CASE" >&2
  exit 2
  ;;
esac
echo "PASS ($CASE)"
exit 0
