#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the tiny PV guest used by tests/e2e/run.sh. Its only console is
# hvc0, served by xcmuxd in dom0. It prints a boot marker that names the
# guest (e2e_name= on the kernel command line), then runs shells on hvc0
# forever, behind the hotkey handler (hkhandler.c), so dom0 can type
# commands, read their output and fire the guest's hotkeys.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/hvc0 >/dev/hvc0 2>&1

name=unknown
for word in $(cat /proc/cmdline); do
    case $word in e2e_name=*) name=${word#e2e_name=} ;; esac
done
echo "E2E-DOMU-BOOT $name up after $(cut -d' ' -f1 /proc/uptime) s, kernel $(uname -r)"

mkdir -p /dev/pts
mount -t devpts devpts /dev/pts

# e2e_channel=1: the guest has an xl channel (its hvc1), which QEMU serves
# in dom0; a marker goes out on it every second, whenever it is there.
for word in $(cat /proc/cmdline); do
    case $word in
    e2e_channel=1)
        ( while :; do
              [ -e /dev/hvc1 ] && echo "E2E-CHANNEL $name" >/dev/hvc1
              sleep 1
          done ) </dev/null >/dev/null 2>&1 &
        ;;
    esac
done

# e2e_serial=1 (the HVM guest): its emulated serial port ttyS0, QEMU's pty
# in dom0, gets a boot marker, and every line typed there comes back
# prefixed, so dom0 can tell the guest's answer from the tty's own echo.
for word in $(cat /proc/cmdline); do
    case $word in
    e2e_serial=1)
        ( echo "E2E-SERIAL-BOOT $name"
          while read -r line; do echo "SERIAL-ECHO $line"; done ) </dev/ttyS0 >/dev/ttyS0 2>&1 &
        ;;
    esac
done

# The guest side of protocol/HOTKEYS.md (tests/e2e/hkhandler.c): it
# registers hotkey 'd' in data/xcmux/hotkeys through /dev/xen/xenbus, then
# runs the shell on a pty of its own and relays hvc0 to it through the
# hotkey filter, so an injected sequence prints a framed dump and is
# acknowledged instead of reaching the shell. Restarted if it ever exits,
# because init must not.
while :; do
    hkhandler sh -i
    sleep 1
done
