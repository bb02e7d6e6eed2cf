#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the dom0 initramfs built by tests/e2e/run.sh. Brings up the Xen
# toolstack with xcmuxd as the only console backend (no xenconsoled in
# this image at all), runs /e2e/checks.sh, then powers off, which makes
# Xen enter S5 and QEMU exit. Every outcome, including a broken setup,
# ends with an "E2E RESULT" line and a poweroff.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/lib/xen-4.17/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

echo "e2e: dom0 init starting, kernel $(uname -r)"
# Keep the kernel quiet on the console so it does not split E2E lines.
dmesg -n 4

setup_failed() {
    echo "E2E FAIL setup: $*"
    echo "E2E RESULT 0 1"
    sync
    poweroff -f
    sleep 60
}

mkdir -p /dev/pts /dev/shm /run /tmp
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts || setup_failed "mount devpts"
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /var
rm -rf /var/run /var/lock
ln -s /run /var/run
ln -s /run/lock /var/lock
mkdir -p /run/lock /var/lib/xen /var/log/xen/console /run/xen /run/xenstored

# The Xen drivers that are modules in Debian's kernel, dependencies first.
kmods=/lib/modules/$(uname -r)/kernel/drivers/xen
for m in xen-privcmd xenfs/xenfs xen-evtchn xen-gntdev xen-gntalloc; do
    insmod "$kmods/$m.ko" || setup_failed "insmod $m"
done
mount -t xenfs xenfs /proc/xen || setup_failed "mount xenfs"

# A bound on the whole dom0 side, in case a check hangs despite its own
# timeouts: the host side also kills QEMU, this just reports it sooner.
# The host passes its own bound minus a margin as e2e_watchdog=SECONDS.
watchdog=200
for word in $(cat /proc/cmdline); do
    case $word in e2e_watchdog=*) watchdog=${word#e2e_watchdog=} ;; esac
done
( sleep "$watchdog"
  echo "E2E FAIL watchdog: dom0 checks still running after $watchdog s"
  ps -o pid,stat,args | sed 's/^/e2e-diag ps: /'
  tail -n 20 /tmp/xcmuxd.log | sed 's/^/e2e-diag xcmuxd: /'
  timeout 5 xcmux -S /run/xcmux/xcmux.sock list 2>&1 | sed 's/^/e2e-diag list: /'
  echo "E2E RESULT 0 1"; sync; poweroff -f ) &

# The xenstore daemon: e2e_store=oxenstored (Debian's default) or
# xenstored (the C one), chosen per boot by the host (run.sh).
store=xenstored
for word in $(cat /proc/cmdline); do
    case $word in e2e_store=*) store=${word#e2e_store=} ;; esac
done
echo "e2e: xenstore daemon: $store"
case $store in
oxenstored)
    # Debian's config names the store's event channel and page files
    # (/proc/xen/xsd_port, xsd_kva); it forks into the background.
    oxenstored --pid-file /run/xenstored.pid >/tmp/oxenstored.log 2>&1 || {
        sed 's/^/e2e-diag oxenstored: /' /tmp/oxenstored.log
        setup_failed "oxenstored did not start"
    } ;;
*)
    XENSTORED_ROOTDIR=/run/xenstored xenstored --pid-file /run/xenstored.pid \
        || setup_failed "xenstored did not start" ;;
esac
i=0
until xenstore-read -s / >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -ge 100 ] && setup_failed "xenstored does not answer"
    sleep 0.1
done
xen-init-dom0 || setup_failed "xen-init-dom0"

# xcmuxd, not xenconsoled: it must create its own log dir and publish
# console/tty for every new guest. Its config (tests/e2e/xcmuxd.conf) adds
# the hotkey settings.
mkdir -p /run/xcmux
xcmuxd -t -c /etc/xcmux/xcmuxd.conf >/tmp/xcmuxd-t.log 2>&1 || {
    sed 's/^/e2e-diag xcmuxd -t: /' /tmp/xcmuxd-t.log
    setup_failed "xcmuxd rejects /etc/xcmux/xcmuxd.conf"
}
xcmuxd -f -c /etc/xcmux/xcmuxd.conf -S /run/xcmux/xcmux.sock --log-dir /var/log/xcmux >/tmp/xcmuxd.log 2>&1 &
i=0
until [ -S /run/xcmux/xcmux.sock ]; do
    i=$((i + 1))
    if [ $i -ge 100 ]; then
        sed 's/^/e2e-diag xcmuxd: /' /tmp/xcmuxd.log
        setup_failed "xcmuxd did not create its socket"
    fi
    sleep 0.1
done
echo "e2e [$(cut -d' ' -f1 /proc/uptime)]: dom0 ready, xcmuxd running"

sh /e2e/checks.sh
echo "e2e: powering off"
sync
poweroff -f
sleep 60
