#!/bin/bash
# Runs "$@" against a private Xvfb (never :0 or :99) with SDL on its X11 driver and Mesa's
# software EGL; Xvfb is stopped on every exit path. No Xvfb is a failure, never a skip.
set -u
lib="${BASH_SOURCE[0]%/*}/../../../resources/scripts/xvfb-lib.sh"
if [ ! -r "$lib" ]; then
  echo "FAIL: $lib is missing" >&2
  exit 1
fi
# shellcheck source=../../../resources/scripts/xvfb-lib.sh
. "$lib"

trap lg_xvfb_stop EXIT
trap 'exit 130' INT TERM
if ! lg_xvfb_start 1280x800x24; then
  echo "FAIL: no Xvfb display for the SDL test" >&2
  exit 1
fi

export SDL_VIDEODRIVER=x11
export LIBGL_ALWAYS_SOFTWARE=1
export EGL_PLATFORM=x11
"$@"
