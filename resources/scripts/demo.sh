#!/usr/bin/env bash
# Runs the demo from a build tree: the host with the pattern backend writes
# /dev/shm/looking-glass and the client shows it. Without a display it starts a
# private Xvfb and saves a screenshot. Usage: demo.sh BUILD_DIR
set -euo pipefail
build="${1:-build}"
host="$build/host/looking-glass-host"
client="$build/client/looking-glass-client"
missing=()
[ -x "$host" ] || missing+=("looking-glass-host ($host)")
[ -x "$client" ] || missing+=("looking-glass-client ($client)")
if [ "${#missing[@]}" -ne 0 ]; then
  echo "demo: built what exists; still missing: ${missing[*]}"
  exit 0
fi
exec bash "$(dirname "$0")/demo-run.sh" "$build"
