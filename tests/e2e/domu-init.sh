#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the tiny PV guest used by tests/e2e/run.sh. Its only console is
# hvc0, served by xcmuxd in dom0. It prints a boot marker that names the
# guest (e2e_name= on the kernel command line), then runs shells on hvc0
# forever so dom0 can type commands and read their output.
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

# TODO(hotkeys, later issue): enable sysrq (echo 1 > /proc/sys/kernel/sysrq)
# and register the guest's hotkeys here, so dom0 can check
# `xcmux trigger` (sysrq) and the inject hotkey. Not tested yet.

# A shell on hvc0 as its controlling terminal; restarted if it ever exits,
# because init must not.
while :; do
    setsid cttyhack sh -i
    sleep 1
done
