#!/bin/busybox sh
# shellcheck shell=dash
# /init of the VM test initramfs (run by the guest kernel as PID 1, busybox sh).
# Mounts proc/sys/devtmpfs, lists the IVSHMEM devices, runs looking-glass-host with the
# arguments of the kernel command line's lgtest= (comma separated, no spaces), prints
# markers on the serial console and powers the VM off. Markers start with "LGVM:".
# lgmode=restart (with lgrun=SECONDS, default 10): runs the host, kills it (SIGTERM) after
# SECONDS, runs it again for SECONDS, then reboots the guest (reboot -f; QEMU must run without
# -no-reboot) and, as the command line is the same after the reboot, does it all again until
# QEMU is stopped from outside.
/bin/busybox mkdir -p /bin /sbin /proc /sys /dev /tmp
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1

echo "LGVM: BOOT uptime=$(cut -d' ' -f1 /proc/uptime)s kernel=$(uname -r)"

args=""
mode=""
run_s=10
# shellcheck disable=SC2013 # the command line is one line of words
for w in $(cat /proc/cmdline); do
  case "$w" in
    lgtest=*) args="$(echo "${w#lgtest=}" | tr ',' ' ')" ;;
    lgmode=*) mode="${w#lgmode=}" ;;
    lgrun=*) run_s="${w#lgrun=}" ;;
  esac
done

for d in /sys/bus/pci/devices/*; do
  v=$(cat "$d/vendor")
  p=$(cat "$d/device")
  if [ "$v" = "0x1af4" ] && [ "$p" = "0x1110" ]; then
    echo "LGVM: IVSHMEM $(basename "$d") resource2: $(sed -n 3p "$d/resource")"
  fi
done
echo "LGVM: CPU $(grep -m1 'address sizes' /proc/cpuinfo)"

if [ "$mode" = "restart" ]; then
  for n in 1 2; do
    echo "LGVM: HOST START run=$n looking-glass-host $args"
    # shellcheck disable=SC2086 # word splitting of the argument list is intended
    /bin/looking-glass-host $args &
    hp=$!
    sleep "$run_s"
    kill "$hp" 2>/dev/null
    rc=0
    wait "$hp" || rc=$?
    echo "LGVM: HOST KILLED run=$n rc=$rc uptime=$(cut -d' ' -f1 /proc/uptime)s"
  done
  sync
  echo "LGVM: REBOOT"
  reboot -f
  # reboot -f should not return; ask the kernel directly.
  echo b >/proc/sysrq-trigger
  sleep 5
  exit 1
fi

echo "LGVM: HOST START looking-glass-host $args"
# shellcheck disable=SC2086 # word splitting of the argument list is intended
/bin/looking-glass-host $args
rc=$?
echo "LGVM: HOST EXIT rc=$rc uptime=$(cut -d' ' -f1 /proc/uptime)s"
sync
echo "LGVM: POWEROFF"
poweroff -f
# poweroff -f should not return; make the kernel stop the VM anyway (panic=-1 + -no-reboot).
echo o >/proc/sysrq-trigger
sleep 5
exit 1
