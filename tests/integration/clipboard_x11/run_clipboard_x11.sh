#!/bin/bash
# Runs "$@" against a private Xvfb (never :0 or :99), stopped on every exit path.
# No Xvfb is a failure, never a skip.
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
if ! lg_xvfb_start 640x480x24; then
  echo "FAIL: no Xvfb display for the clipboard test" >&2
  exit 1
fi
"$@"
