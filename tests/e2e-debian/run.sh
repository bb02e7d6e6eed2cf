#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian dom0 run: a Debian 12 root file system built by mmdebstrap
# from Debian's packages (systemd, the kernel, Xen 4.17, oxenstored through
# Debian's xen.service, xendomains) with the freshly built xcmux .deb
# installed by apt, booted under Xen in QEMU (TCG) with systemd as PID 1.
# tests/e2e-debian/dom0-checks.sh runs on each boot (see README.md here);
# boot 1 ends with a reboot, boot 2 with `apt-get remove xcmux` and a
# power-off. Prints each "E2ED PASS|FAIL" line and ends with
# "N passed, N failed"; exit 0 only if every expected check passed.
#
# Usage: tests/e2e-debian/run.sh [XCMUX_DEB]   (root; default: builds the
# package with tests/package/build.sh). Environment:
#   E2ED_TIMEOUT=900   bound on the QEMU run (both boots), seconds
#   E2ED_STALL=300     ends the run when no result line came for so long
#   E2ED_KEEP=1        keep the temp dir (root image, serial.log)
#   E2ED_ROOT_JOB=DIR  the root is being built in DIR, started before the
#                      package existed (build-root.sh --start; tests/run.sh)
#   E2ED_CPU=Nehalem   QEMU CPU model (why Intel: at the QEMU command line)
set -u
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
T0=$(date +%s)
say() { echo "e2ed [$(( $(date +%s) - T0 ))s]: $*"; }
# mark PHASE: the time since the previous mark, for the timing line.
TMARK=$T0
TIMING=""
mark() { local t; t=$(date +%s); TIMING="$TIMING $1 $((t - TMARK))s"; TMARK=$t; }
die() { echo "e2ed: error: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (mmdebstrap, apt-get)"

CHECKS1="xcmuxd-active xcmuxd-socket-active xen-service-active oxenstored-running
 no-xenconsoled xenconsoled-diverted autostart-guest autostart-console autostart-tty
 xl-create xl-console xl-console-two-at-once xl-create-c journal-fields
 logrotate-rotates logrotate-new-log security-score"
LIBVIRT_CHECKS="libvirt-daemon libvirt-define libvirt-start libvirt-xcmuxd
 libvirt-tty libvirt-console-output libvirt-console-input"
CHECKS2="apt-remove xenconsoled-back undiverted xenconsoled-serves"
CRASH_RE='Hardware Dom0 crashed|Panic on CPU|Kernel panic'

WORK=$(mktemp -d /tmp/xcmux-e2ed.XXXXXX) || die "mktemp failed"
case $WORK in *,*) die "temp dir $WORK contains a comma" ;; esac
QPID=""
cleanup() {
    [ -n "$QPID" ] && kill "$QPID" 2>/dev/null
    if [ "${E2ED_KEEP:-0}" = 1 ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export DEBIAN_FRONTEND=noninteractive
need=""
for p in qemu-system-x86 mmdebstrap e2fsprogs busybox-static cpio xz-utils; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need="$need $p"
done
if [ -n "$need" ]; then
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $need >"$WORK/apt.log" 2>&1 ||
        { apt-get update -qq && apt-get install -y -qq --no-install-recommends $need >"$WORK/apt.log" 2>&1; } ||
        { tail -n 20 "$WORK/apt.log"; die "apt-get install$need failed"; }
fi

deb=${1:-}
if [ -z "$deb" ]; then
    bash "$srcdir/tests/package/build.sh" "$WORK/deb" >"$WORK/package.log" 2>&1 ||
        { tail -n 20 "$WORK/package.log"; die "building the package failed"; }
    deb=$(ls "$WORK"/deb/xcmux_*.deb)
fi
[ -f "$deb" ] || die "no package $deb"
say "package $(basename "$deb")"
mark package

# --- the root file system -----------------------------------------------------
R=$WORK/root
if [ -n "${E2ED_ROOTFS:-}" ]; then
    R=$E2ED_ROOTFS    # development: a root built (and set up) before
elif [ -n "${E2ED_ROOT_JOB:-}" ]; then
    # A build started before the package existed (build-root.sh --start,
    # tests/run.sh): hand it the package and wait for it to finish.
    job=$E2ED_ROOT_JOB
    [ -d "$job" ] || die "no root build in $job"
    cp "$deb" "$job/xcmux.deb.tmp" && mv "$job/xcmux.deb.tmp" "$job/xcmux.deb" ||
        die "cannot hand the package to the root build in $job"
    t=0
    while [ ! -f "$job/rc" ] && [ "$t" -lt 900 ]; do sleep 1; t=$((t + 1)); done
    [ -f "$job/rc" ] || { tail -n 30 "$job/log"; die "the root build in $job did not finish in 900 s"; }
    [ "$(cat "$job/rc")" = 0 ] || { tail -n 30 "$job/log"; die "mmdebstrap failed (started early, exit $(cat "$job/rc"))"; }
    say "root build started early: waited ${t}s for it"
    R=$job/root
else
    bash "$here/build-root.sh" "$R" "$deb" >"$WORK/mmdebstrap.log" 2>&1 ||
        { tail -n 30 "$WORK/mmdebstrap.log"; die "mmdebstrap failed"; }
fi
say "root file system built ($(du -sm "$R" | cut -f1) MiB)"
mark mmdebstrap

# --- images -------------------------------------------------------------------
kver=$(cd "$R/boot" && ls vmlinuz-* | head -n 1 | sed 's/^vmlinuz-//')
# dom0 boots the plain ELF kernel setup-root.sh extracted (no
# decompression under TCG).
cp "$R/boot/vmlinux-e2ed" "$WORK/vmlinuz"
cp "$R/boot/initrd.img-$kver" "$WORK/initrd.img" || die "no initramfs in the root"
zcat "$R"/boot/xen-4.17-amd64.gz >"$WORK/xen" 2>/dev/null ||
    zcat "$(ls "$R"/boot/xen-4.17*.gz | head -n 1)" >"$WORK/xen" || die "no Xen image in the root"
size=$(( $(du -sm "$R" | cut -f1) + 700 ))
mkfs.ext4 -q -F -L root -d "$R" "$WORK/root.img" "${size}M" || die "mkfs.ext4 -d failed"
say "images built (root ${size} MiB, kernel $kver)"
mark images

# --- the run ------------------------------------------------------------------
SERIAL=$WORK/serial.log
# No speculation mitigations in this emulated machine: on the Intel CPU
# below Xen would otherwise isolate PV page tables (XPTI, without PCID: a
# TLB flush at every guest kernel entry and exit, dear under TCG) and run
# PV domUs in shadow mode (L1TF).
XEN_CMDLINE="dom0_mem=1024M,max:1024M dom0_max_vcpus=${E2ED_DOM0_VCPUS:-1} console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all smap=0 smep=0 bootscrub=0 spec-ctrl=no xpti=false pv-l1tf=false"
DOM0_CMDLINE="root=/dev/vda rw console=hvc0 earlyprintk=xen loglevel=4 systemd.show_status=0 mitigations=off"
TIMEOUT=${E2ED_TIMEOUT:-900}
STALL=${E2ED_STALL:-300}
# TCG only (the KVM here cannot run Xen). No -no-reboot: boot 1 reboots.
# The CPU is an Intel model: libvirt's libxl driver must match the host
# CPU Xen reports (physinfo hw_cap) to a model in its cpu_map, and each
# model needs sep or vme. Xen clears sep on every AMD CPU (init_amd:
# no SYSENTER in long mode) and TCG has no vme, so under QEMU's AMD
# models (max, qemu64) nothing matches and libvirtd's Xen driver fails
# ("Cannot find suitable CPU model for given data").
timeout -k 5 "$TIMEOUT" qemu-system-x86_64 \
    -accel "tcg,thread=${E2ED_TCG_THREAD:-multi}" -cpu "${E2ED_CPU:-Nehalem}" -m 2048 -smp 2 \
    -nographic -nodefaults -serial mon:stdio \
    -drive "file=$WORK/root.img,if=virtio,format=raw" \
    -kernel "$WORK/xen" -append "$XEN_CMDLINE" \
    -initrd "$WORK/vmlinuz $DOM0_CMDLINE,$WORK/initrd.img" \
    </dev/null >"$SERIAL" 2>&1 &
QPID=$!
say "QEMU started (pid $QPID, bound $TIMEOUT s, $STALL s without a new result line)"
# The serial output, read as it grows: each new result line is printed
# as it comes. A crash on the console, or no new line for $STALL s (a
# hung boot, shutdown or check), ends the run at once with the reason.
seen=0
tlast=$(date +%s)
lastline="QEMU start"
why=""
while kill -0 "$QPID" 2>/dev/null; do
    if grep -aqE "$CRASH_RE" "$SERIAL"; then
        sleep 1; why="crash on the console: $(grep -aoE "$CRASH_RE" "$SERIAL" | head -n 1)"; break
    fi
    tr -d '\r' <"$SERIAL" | grep -aoE 'E2ED [A-Z]+.*' >"$WORK/progress.txt"
    n=$(wc -l <"$WORK/progress.txt")
    if [ "$n" -gt "$seen" ]; then
        done=0
        while IFS= read -r l; do
            say "$l"
            case $l in
                "E2ED BOOT"*) b=${l#E2ED BOOT }; mark "boot${b%% *}" ;;
                "E2ED REBOOT"*) mark checks1 ;;
                "E2ED DONE"*) mark checks2; done=1 ;;
            esac
            lastline=$l
        done < <(tail -n +$((seen + 1)) "$WORK/progress.txt")
        seen=$n
        tlast=$(date +%s)
        # Powered off: nothing more to read (the power-off itself takes
        # 10-20 s under TCG).
        [ "$done" = 1 ] && { sleep 2; break; }
    elif [ $(( $(date +%s) - tlast )) -ge "$STALL" ]; then
        why="no new result line for $STALL s after: $lastline"; break
    fi
    sleep 2
done
[ -n "$why" ] && say "$why"
kill "$QPID" 2>/dev/null
wait "$QPID" 2>/dev/null
QPID=""
say "QEMU stopped"

# --- verdict ------------------------------------------------------------------
tr -d '\r' <"$SERIAL" | grep -aoE 'E2ED (PASS|FAIL|INFO|BOOT|REBOOT|DONE).*' >"$WORK/e2ed.txt"
grep '^E2ED INFO' "$WORK/e2ed.txt"
passed=0
failed=0
for b in 1 2; do
    list="$CHECKS1 $LIBVIRT_CHECKS"
    [ "$b" = 2 ] && list="$CHECKS1 $CHECKS2"
    for c in $list; do
        if grep -qx "E2ED PASS boot$b-$c" "$WORK/e2ed.txt"; then
            passed=$((passed + 1)); echo "E2ED PASS boot$b-$c"
        elif grep -q "^E2ED FAIL boot$b-$c:" "$WORK/e2ed.txt"; then
            failed=$((failed + 1)); grep "^E2ED FAIL boot$b-$c:" "$WORK/e2ed.txt" | head -n 1
        else
            failed=$((failed + 1)); echo "E2ED FAIL boot$b-$c: did not run"
        fi
    done
done
if [ "$failed" -gt 0 ]; then
    echo "--- last lines of the serial console:"
    tr -d '\r' <"$SERIAL" | tail -n 40
fi
say "timing:$TIMING (boot N: QEMU start or reboot to the checks)"
say "done"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
