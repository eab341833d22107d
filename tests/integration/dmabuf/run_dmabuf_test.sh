#!/bin/sh
# Runs dmabuf_import_test against Debian bookworm-backports' Mesa 25 (llvmpipe can import a
# memfd as a DMA-BUF on the surfaceless platform). The packages are fetched with a private
# apt configuration into CACHE_DIR and unpacked there with dpkg -x: nothing on the system
# changes. A second run reuses the cache. If the download is refused this FAILS (no skip).
# usage: run_dmabuf_test.sh TEST_BINARY CACHE_DIR
set -u
BIN=$1
W=$2
SUITE=bookworm-backports
PKGS="libegl-mesa0 libgbm1 mesa-libgallium libgl1-mesa-dri libdrm2 libdrm-amdgpu1 libdrm-intel1"
LIB=$W/mesa/usr/lib/x86_64-linux-gnu

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

if [ ! -f "$W/mesa/.complete" ]; then
  command -v apt-get >/dev/null 2>&1 || fail "apt-get not found: cannot fetch Mesa from $SUITE"
  rm -rf "$W/mesa" "$W/deb"
  mkdir -p "$W/apt/lists/partial" "$W/apt/cache/archives/partial" "$W/deb" "$W/mesa" ||
    fail "cannot create $W"
  printf 'deb http://deb.debian.org/debian %s main\n' "$SUITE" >"$W/apt/sources.list"
  set -- -o "Dir::Etc::SourceList=$W/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null \
    -o "Dir::State::Lists=$W/apt/lists" -o "Dir::Cache=$W/apt/cache" \
    -o APT::Sandbox::User=root -o Debug::NoLocking=1
  echo "fetching Mesa from $SUITE into $W (private apt configuration)"
  apt-get "$@" -q update >"$W/apt-update.log" 2>&1 ||
    fail "apt-get update of $SUITE was refused (no network to deb.debian.org?); see $W/apt-update.log"
  # apt-get update exits 0 when a fetch fails: an index must be there
  ls "$W"/apt/lists/*bookworm-backports*Packages* >/dev/null 2>&1 ||
    fail "apt-get update of $SUITE fetched nothing (no network to deb.debian.org?): $(grep -E '^(W|E):' "$W/apt-update.log" | tr '\n' ' ')"
  # the Mesa from this suite, not the system's (policy shows the candidate it would take)
  apt-cache "$@" policy libegl-mesa0 | grep -q "Candidate: 2[5-9]\." ||
    fail "$SUITE does not offer Mesa 25 or newer: $(apt-cache "$@" policy libegl-mesa0 | tr '\n' ' ')"
  # LLVM: mesa-libgallium links one libllvmNN; fetch it too unless the system has it
  LLVM=$(apt-cache "$@" depends mesa-libgallium | sed -n 's/.*Depends: \(libllvm[0-9]*\).*/\1/p' | head -n1)
  if [ -n "$LLVM" ] && ! ls /usr/lib/x86_64-linux-gnu/"$(echo "$LLVM" | sed 's/libllvm/libLLVM-/')"* >/dev/null 2>&1 &&
    ! ls /usr/lib/x86_64-linux-gnu/libLLVM.so.*"$(echo "$LLVM" | sed 's/libllvm//')"* >/dev/null 2>&1; then
    PKGS="$PKGS $LLVM"
  fi
  (cd "$W/deb" && apt-get "$@" -q download $PKGS) >"$W/apt-download.log" 2>&1 ||
    fail "apt-get download of $PKGS from $SUITE failed; see $W/apt-download.log"
  for deb in "$W"/deb/*.deb; do
    dpkg -x "$deb" "$W/mesa" || fail "dpkg -x $deb failed"
  done
  [ -f "$LIB/libEGL_mesa.so.0" ] || fail "the unpacked packages hold no libEGL_mesa.so.0"
  touch "$W/mesa/.complete"
fi

# a library Mesa needs that neither the system nor the download has gives a clear failure
missing=$(LD_LIBRARY_PATH=$LIB ldd "$LIB/libEGL_mesa.so.0" 2>&1 | grep "not found")
[ -z "$missing" ] || fail "Mesa from $SUITE needs libraries that are missing: $missing"

export LD_LIBRARY_PATH="$LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export __EGL_VENDOR_LIBRARY_DIRS="$W/mesa/usr/share/glvnd/egl_vendor.d"
export LIBGL_DRIVERS_PATH="$LIB/dri"
export EGL_PLATFORM=surfaceless
export LIBGL_ALWAYS_SOFTWARE=1
export GALLIUM_DRIVER=llvmpipe
exec "$BIN"
