#!/bin/bash
# shellcheck disable=SC2012 # ls | head on our own folders of package files
# mkimage.sh OUTDIR HOST_BINARY: builds the VM test boot files from Debian packages only:
#   OUTDIR/vmlinuz    the kernel of the linux-image-amd64 candidate (apt-get download, never
#                     installed; only ./boot is unpacked, into OUTDIR/kernel)
#   OUTDIR/initrd.gz  busybox-static, HOST_BINARY as /bin/looking-glass-host (with its shared
#                     libraries when it is not static) and tests/vm/init.sh as /init
# Downloads are cached in OUTDIR/debs; the image is rebuilt only when an input changes
# (kernel or busybox package version, the host binary, init.sh or this script).
# Needs: apt-get, apt-cache, dpkg-deb, tar, gzip, sha256sum. Any failure exits non-zero.
set -euo pipefail

die() {
  echo "mkimage: FAIL: $*" >&2
  exit 1
}

[ $# -eq 2 ] || die "usage: mkimage.sh OUTDIR HOST_BINARY"
out=$1
host_bin=$2
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$host_bin" ] || die "host binary '$host_bin' not found or not executable"
for t in apt-get apt-cache dpkg-deb tar gzip sha256sum find sort; do
  command -v "$t" >/dev/null || die "'$t' is missing (needed to build the guest image)"
done
mkdir -p "$out/debs"
out=$(cd "$out" && pwd) # absolute: the cpio step runs in another folder

# The kernel package the metapackage's candidate depends on, e.g. linux-image-6.1.0-56-amd64.
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
  awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ { print $2; exit }')
[ -n "$kpkg" ] || die "apt-cache cannot resolve linux-image-amd64 (run apt-get update?)"

# Downloads PACKAGE (its candidate version) into OUTDIR/debs/PACKAGE_VERSION/ once; prints
# the .deb path.
fetch() {
  local pkg=$1 ver dir deb
  ver=$(apt-cache policy "$pkg" | awk '$1 == "Candidate:" { print $2 }')
  { [ -n "$ver" ] && [ "$ver" != "(none)" ]; } || die "no candidate version for '$pkg'"
  dir="$out/debs/${pkg}_${ver//:/_}"
  deb=$(ls "$dir"/*.deb 2>/dev/null | head -n1 || true)
  if [ -z "$deb" ]; then
    mkdir -p "$dir.tmp"
    echo "mkimage: apt-get download $pkg=$ver" >&2
    (cd "$dir.tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >&2) ||
      die "apt-get download $pkg=$ver failed"
    rm -rf "$dir"
    mv "$dir.tmp" "$dir"
    deb=$(ls "$dir"/*.deb | head -n1)
  fi
  [ -f "$deb" ] || die "no .deb for '$pkg' in $dir"
  echo "$deb"
}

kdeb=$(fetch "$kpkg")
bdeb=$(fetch busybox-static)

# Shared libraries of a dynamic host (none for a static one).
libs=""
if ldd "$host_bin" >/dev/null 2>&1; then
  libs=$(ldd "$host_bin" | awk '{ for (i = 1; i <= NF; ++i) if ($i ~ /^\//) print $i }' | sort -u)
  echo "mkimage: note: $host_bin is dynamically linked; copying $(echo "$libs" | wc -w) libraries" >&2
fi

stamp=$( (
  basename "$kdeb"
  basename "$bdeb"
  sha256sum "$host_bin" "$here/init.sh" "$here/mkimage.sh" | cut -d' ' -f1
  for l in $libs; do sha256sum "$l"; done
) | sha256sum | cut -d' ' -f1)
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ] && [ -f "$out/vmlinuz" ] &&
  [ -f "$out/initrd.gz" ]; then
  echo "mkimage: up to date ($(basename "$kdeb"))"
  exit 0
fi
rm -f "$out/stamp"

# Kernel: only ./boot of the package (the modules are not needed: PCI, sysfs, devtmpfs, the
# 8250 console and gzip initramfs are built into Debian's kernel; checked below).
rm -rf "$out/kernel"
mkdir -p "$out/kernel"
dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$out/kernel" --wildcards './boot/*' ||
  die "cannot unpack $kdeb"
vml=$(ls "$out"/kernel/boot/vmlinuz-* | head -n1)
cfg=$(ls "$out"/kernel/boot/config-* | head -n1)
for opt in CONFIG_PCI CONFIG_SYSFS CONFIG_PROC_FS CONFIG_DEVTMPFS CONFIG_SERIAL_8250_CONSOLE \
  CONFIG_BLK_DEV_INITRD CONFIG_RD_GZIP CONFIG_EFI_STUB CONFIG_MAGIC_SYSRQ; do
  grep -qx "$opt=y" "$cfg" || die "$(basename "$cfg") lacks $opt=y (needed built in)"
done
cp "$vml" "$out/vmlinuz"

# Root filesystem.
rm -rf "$out/bb" "$out/root"
mkdir -p "$out/bb" "$out/root"/{bin,sbin,etc,proc,sys,dev,tmp}
dpkg-deb -x "$bdeb" "$out/bb" || die "cannot unpack $bdeb"
bb="$out/bb/bin/busybox"
[ -x "$bb" ] || die "busybox-static has no /bin/busybox"
cp "$bb" "$out/root/bin/busybox"
cp "$host_bin" "$out/root/bin/looking-glass-host"
for l in $libs; do
  mkdir -p "$out/root$(dirname "$l")"
  cp -L "$l" "$out/root$l"
done
install -m 0755 "$here/init.sh" "$out/root/init"
printf 'NAME="Looking Glass VM test"\nPRETTY_NAME="Looking Glass VM test initramfs"\nID=lgvmtest\n' \
  >"$out/root/etc/os-release"

(cd "$out/root" && find . | LC_ALL=C sort | "$bb" cpio -o -H newc -R 0:0 2>/dev/null) |
  gzip -9n >"$out/initrd.gz.tmp" || die "cannot write the initramfs"
mv "$out/initrd.gz.tmp" "$out/initrd.gz"
echo "$stamp" >"$out/stamp"
echo "mkimage: built $out/vmlinuz ($(basename "$vml")) and $out/initrd.gz" \
  "($(stat -c %s "$out/initrd.gz") bytes)"
