#!/usr/bin/env bash
# The README's two commands:
#   bash resources/scripts/quickstart.sh demo   install, build, run the demo (host pattern -> client)
#   bash resources/scripts/quickstart.sh test   install, build, run every test suite
# Both are idempotent. Build trees: build/ (gcc), build-clang/ (clang + fuzzers),
# build-asan/ (address+undefined sanitizers), build-win/ (mingw-w64, tests under wine).
set -euo pipefail

mode="${1:-}"
case "$mode" in
  demo|test) ;;
  *) echo "usage: $0 demo|test" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
jobs="$(nproc 2>/dev/null || echo 2)"

if [ "$(id -u)" -eq 0 ]; then
  echo "note: running as root; fine for CI and containers, not needed otherwise"
fi

bash resources/scripts/deps-debian.sh

configure() { # dir, extra args...
  local dir="$1"; shift
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S . -B "$dir" -G Ninja "$@" >"$dir.configure.log" 2>&1 || {
      cat "$dir.configure.log"; echo "configure of $dir failed" >&2; exit 1; }
  else
    cmake -S . -B "$dir" "$@" >"$dir.configure.log" 2>&1 || {
      cat "$dir.configure.log"; echo "configure of $dir failed" >&2; exit 1; }
  fi
  grep -E '^-- +[A-Za-z].*: (on|off|OFF|disabled)' "$dir.configure.log" | sed "s|^--|  [$dir]|" || true
}

build() { # dir
  echo "== building $1"
  ninja -C "$1" -j "$jobs" >"$1.build.log" 2>&1 || {
    tail -n 60 "$1.build.log"; echo "build of $1 failed" >&2; exit 1; }
}

configure build -DCMAKE_BUILD_TYPE=RelWithDebInfo
build build

if [ "$mode" = demo ]; then
  exec bash resources/scripts/demo.sh build
fi

# ---- test mode -------------------------------------------------------------
total_pass=0
total_fail=0
failed_suites=()

run_ctest() { # name, dir, ctest args...
  local name="$1" dir="$2"; shift 2
  echo "== tests: $name"
  local log="$dir.ctest.log" rc=0
  (cd "$dir" && ctest --output-on-failure --timeout 900 "$@") >"$log" 2>&1 || rc=$?
  tail -n 25 "$log"
  local line pass fail
  line="$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n1 || true)"
  if [ -n "$line" ]; then
    total_n="$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")"
    fail="$(sed -E 's/.*passed, ([0-9]+) tests failed.*/\1/' <<<"$line")"
    pass=$((total_n - fail))
  else
    pass=0; fail=1
    grep -q 'No tests were found' "$log" && echo "no tests found in $name"
  fi
  total_pass=$((total_pass + pass))
  total_fail=$((total_fail + fail))
  if [ "$rc" -ne 0 ] || [ "$fail" -ne 0 ]; then
    failed_suites+=("$name")
    grep -E '^\s*[0-9]+ - .*\((Failed|Timeout|SEGFAULT|Not Run|Subprocess)' "$log" || true
  fi
}

run_ctest "main (gcc)" build -j "$jobs" -LE 'bench|fuzz'

configure build-clang -DCMAKE_C_COMPILER=clang -DLG_BUILD_FUZZERS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
build build-clang
run_ctest "fuzz (clang, bounded)" build-clang -j "$jobs" -L fuzz

configure build-asan -DLG_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
build build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_ctest "sanitizers (asan+ubsan, unit)" build-asan -j "$jobs" -L unit

configure build-win -DCMAKE_TOOLCHAIN_FILE=resources/cmake/toolchain-mingw64.cmake -DCMAKE_BUILD_TYPE=Release
build build-win
WINEDEBUG=-all WINEPREFIX="$root/build-win/wineprefix" run_ctest "windows (mingw under wine)" build-win

echo
if [ "${#failed_suites[@]}" -ne 0 ]; then
  echo "FAILED suites: ${failed_suites[*]}"
fi
echo "total: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ] && [ "${#failed_suites[@]}" -eq 0 ]
