#!/bin/bash
# Runs "$@" against a private Xvfb (640x480x24) started by resources/scripts/xvfb-lib.sh,
# stopped on every exit path. A missing Xvfb fails the test (it never skips).
set -u
. "$(dirname "$0")/../../../resources/scripts/xvfb-lib.sh"
trap lg_xvfb_stop EXIT
lg_xvfb_start 640x480x24 || exit 1
"$@"
