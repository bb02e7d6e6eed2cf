#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian dom0 run's root file system: Debian 12 built by mmdebstrap
# with the xcmux package installed by apt and setup-root.sh run on it.
#
#   build-root.sh ROOTDIR DEB
#       build it now (tests/e2e-debian/run.sh does this by default).
#   build-root.sh --start JOBDIR
#       start the build in the background, in the idle class
#       (SCHED_IDLE, nice 19), before the package exists, and return at
#       once. mmdebstrap does everything that does
#       not need the package (the download, the unpacking, the kernel's
#       initramfs: about 4 minutes), then waits for JOBDIR/xcmux.deb.
#       tests/run.sh starts it first so those minutes overlap the suite,
#       which leaves a CPU idle much of the time. run.sh takes the job
#       with E2ED_ROOT_JOB=JOBDIR, publishes the package there and waits
#       for JOBDIR/rc (the build's exit status); JOBDIR/root is the root,
#       JOBDIR/log what mmdebstrap said.
#   build-root.sh --abandon JOBDIR
#       remove JOBDIR once its root has been used, or end a job no run
#       took (tests/run.sh interrupted): its processes are stopped, what
#       they left mounted in the root unmounted, and JOBDIR removed.
#   build-root.sh --await DEB SECS   (mmdebstrap's hook, internal)
#       wait up to SECS for DEB, fail on DEB.abandon.
set -u
here=$(cd "$(dirname "$0")" && pwd)
DEB_WAIT_S=3600

case "${1:-}" in
--await)
    deb=$2 secs=$3 t=0
    while [ ! -f "$deb" ]; do
        [ -e "$deb.abandon" ] && { echo "build-root: abandoned before the package came" >&2; exit 1; }
        [ "$t" -ge "$secs" ] && { echo "build-root: no package $deb after $secs s" >&2; exit 1; }
        sleep 1; t=$((t + 1))
    done
    exit 0
    ;;
--start)
    job=$2
    mkdir -p "$job" || exit 1
    rm -f "$job/rc" "$job/pid" "$job/xcmux.deb" "$job/xcmux.deb.abandon"
    # A session of its own (the shell's pid is its id, kept in JOBDIR/pid
    # for --abandon; timeout(1) gives mmdebstrap a process group of its
    # own, so the session is what holds them all): a ^C on the terminal
    # does not reach mmdebstrap half-way through an unpack; the starter's exit trap ends
    # the job with --abandon instead.
    idle=(nice -n 19)
    chrt --idle 0 true 2>/dev/null && idle=(chrt --idle 0 nice -n 19)  # where a sandbox refuses it: nice
    # shellcheck disable=SC2016 # expanded by the inner shell
    setsid "${idle[@]}" bash -c 'echo $$ >"$1/pid"; bash "$0" "$1/root" "$1/xcmux.deb" --wait >"$1/log" 2>&1; echo $? >"$1/rc"' \
        "$here/build-root.sh" "$job" </dev/null >/dev/null 2>&1 &
    exit 0
    ;;
--abandon)
    job=$2
    [ -d "$job" ] || exit 0
    : >"$job/xcmux.deb.abandon"
    # Still unpacking (mmdebstrap only looks at the package in its last
    # hooks, and ignores signals in its main process until its child is
    # done): end the whole session, then whatever it left mounted.
    sid=$(cat "$job/pid" 2>/dev/null)
    if [ -n "$sid" ] && pgrep -s "$sid" >/dev/null; then
        pkill -TERM -s "$sid"
        t=0
        while pgrep -s "$sid" >/dev/null && [ "$t" -lt 30 ]; do sleep 1; t=$((t + 1)); done
        pkill -KILL -s "$sid"
        while pgrep -s "$sid" >/dev/null && [ "$t" -lt 40 ]; do sleep 1; t=$((t + 1)); done
    fi
    root=$(realpath -m "$job/root")
    awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r |
        while read -r m; do umount -l "$m" 2>/dev/null; done
    if awk -v r="$root" '$2 == r || index($2, r "/") == 1 { f = 1 } END { exit !f }' /proc/self/mounts; then
        echo "build-root: $root still has mounts; left in place" >&2
        exit 1
    fi
    rm -rf --one-file-system "$job"
    exit 0
    ;;
esac

R=$1
deb=$2
bound=600
hooks=()
if [ "${3:-}" = --wait ]; then
    bound=$((bound + DEB_WAIT_S))
    hooks=(--customize-hook="bash $here/build-root.sh --await $deb $DEB_WAIT_S")
fi
[ "${3:-}" = --wait ] || [ -f "$deb" ] || { echo "build-root: no package $deb" >&2; exit 1; }
export LC_ALL=C DEBIAN_FRONTEND=noninteractive
# No man pages, docs or translations (less to unpack and copy); dpkg
# without fsync (a scratch tree). zstd: initramfs-tools' default
# compression, which otherwise falls back to the far slower gzip -9 here
# (and under TCG the kernel unpacks zstd faster too). Debian 12 with its
# security updates (the package's libxen dependencies are those of the
# build host, which has them).
exec timeout "$bound" mmdebstrap --mode=root --variant=minbase \
    --dpkgopt=force-unsafe-io --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --include=systemd,systemd-sysv,udev,dbus,kmod,zstd,linux-image-amd64,xen-hypervisor-4.17-amd64,xen-utils-4.17,xenstore-utils,procps,logrotate,psmisc,libvirt-daemon,libvirt-daemon-driver-xen,libvirt-clients \
    "${hooks[@]}" \
    --customize-hook="copy-in $deb /tmp" \
    --customize-hook="chroot \"\$1\" apt-get install -y --no-install-recommends /tmp/$(basename "$deb")" \
    --customize-hook="bash $here/setup-root.sh \"\$1\" $here" \
    bookworm "$R" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main"
