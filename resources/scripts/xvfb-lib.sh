# Sourced by test and demo scripts: starts a private Xvfb on a free display number
# (never :0 or :99) and stops it on exit.
#   lg_xvfb_start [WxHxD]   sets DISPLAY and LG_XVFB_PID
#   lg_xvfb_stop

lg_xvfb_start() {
  local geom="${1:-1920x1080x24}" n tries=0
  command -v Xvfb >/dev/null || { echo "Xvfb not found: install the Debian package xvfb" >&2; return 1; }
  while [ "$tries" -lt 40 ]; do
    tries=$((tries + 1))
    n=$(( (RANDOM % 800) + 100 ))
    [ "$n" -eq 99 ] && continue
    [ -e "/tmp/.X${n}-lock" ] || [ -e "/tmp/.X11-unix/X${n}" ] && continue
    Xvfb ":$n" -screen 0 "$geom" -nolisten tcp -noreset +extension GLX >"/tmp/lg-xvfb-$n.log" 2>&1 &
    LG_XVFB_PID=$!
    local i
    for i in $(seq 1 100); do
      if [ -e "/tmp/.X11-unix/X${n}" ] && kill -0 "$LG_XVFB_PID" 2>/dev/null; then
        export DISPLAY=":$n"
        return 0
      fi
      kill -0 "$LG_XVFB_PID" 2>/dev/null || break
      sleep 0.05
    done
    kill "$LG_XVFB_PID" 2>/dev/null || true
    wait "$LG_XVFB_PID" 2>/dev/null || true
  done
  echo "could not start Xvfb on a free display" >&2
  return 1
}

lg_xvfb_stop() {
  if [ -n "${LG_XVFB_PID:-}" ]; then
    kill "$LG_XVFB_PID" 2>/dev/null || true
    wait "$LG_XVFB_PID" 2>/dev/null || true
    LG_XVFB_PID=""
  fi
}
