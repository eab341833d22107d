#!/usr/bin/env bash
# Installs every Debian 12 package the project needs to build, run the demo and run all tests.
# Idempotent: apt-get only installs what is missing. Uses sudo when not root.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev git xz-utils
  python3 file
  # unit tests
  libcmocka-dev
  # X11 (client display server, host XCB capture)
  libx11-dev libxi-dev libxfixes-dev libxext-dev libxrandr-dev libxss-dev libxpresent-dev
  libxinerama-dev libxcursor-dev libxtst-dev
  libxcb1-dev libxcb-shm0-dev libxcb-xfixes0-dev libxcb-damage0-dev libxcb-xtest0-dev
  libxcb-randr0-dev
  # EGL / GLES (renderer) and Mesa for running it headless
  libegl-dev libgles-dev libgl-dev libegl-mesa0 libgl1-mesa-dri libgbm-dev libdrm-dev
  # Wayland and SDL2 display servers
  libwayland-dev wayland-protocols libxkbcommon-dev xkb-data libsdl2-dev
  # SPICE client library
  libspice-protocol-dev nettle-dev libgmp-dev
  # overlay text
  libfontconfig-dev libfreetype-dev fonts-dejavu-core
  # test servers and tools
  xvfb x11-utils xauth weston qemu-system-x86 ovmf
  # Windows cross-build and running its unit tests
  mingw-w64 wine64
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# The VM tests download the distribution kernel with apt-get download: they need package
# lists even when every package above is already installed.
if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
  echo "deps: no apt package lists; running apt-get update"
  $SUDO apt-get update -qq
fi

if [ "${#missing[@]}" -eq 0 ]; then
  echo "deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/lg-apt-install.log 2>&1 || {
  tail -n 40 /tmp/lg-apt-install.log; echo "deps: apt-get install failed" >&2; exit 1; }
echo "deps: done"
