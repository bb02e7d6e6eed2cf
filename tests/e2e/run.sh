#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Real Xen end to end: boots Xen 4.17 with a Debian dom0 inside QEMU (TCG,
# never KVM), runs the just-built xcmuxd as dom0's only console backend,
# creates tiny PV, PVH and HVM guests and drives xcmux, xl console and the
# logs against them, and checks Xen's own console and a QEMU-served channel
# (tests/e2e/checks.sh and checks-more.sh, run inside dom0). Two boots:
# dom0 on oxenstored runs every check, dom0 on the C xenstored the PV
# guest's. Prints each check's "E2E PASS|FAIL [store]" line and ends with
# "N passed, N failed"; exit 0 only if every expected check ran and passed.
#
# Usage: tests/e2e/run.sh [BUILDDIR]     (default: $top_builddir)
# Needs root (apt-get, mknod). Environment:
#   E2E_TIMEOUT=900  bound on the full QEMU run, seconds (the PV-only one: a third)
#   E2E_STORES="oxenstored xenstored"  the boots to run
#   E2E_QEMU_CPU=max QEMU's -cpu
#   E2E_KEEP=1       keep the temp dir (images, serial.log) for inspection
#   E2E_VERBOSE=1    print the whole serial log at the end
#   E2E_DEBUG=1      add the host's strace to dom0 for failure diagnostics
# Everything it fetches or builds lives in one temp dir, removed at exit.
set -u
export LC_ALL=C

# The checks checks.sh must report, in order.
CHECKS="xl-create boot-replay writer-input read-only-input xl-console log-timestamps hotkey-sysrq hotkey-inject hotkey-forged domain-gone second-domu
 hv-boot-lines hv-debug-keys
 pvh-create pvh-boot pvh-writer pvh-read-only pvh-xl-console pvh-hotkey
 hvm-create hvm-boot hvm-writer hvm-read-only hvm-xl-console hvm-hotkey hvm-serial hvm-serial-input hvm-nmi hvm-gone
 chan-primary chan-qemu"
CHECKS=$(echo $CHECKS) # one line, single spaces
# qemu-system-xen: the device model dom0 runs for the HVM guest and for a
# PV guest's channel (its libraries are those of qemu-system-x86, which
# also brings SeaBIOS and QEMU's option ROMs and keymaps).
HOST_PKGS="qemu-system-x86 qemu-system-xen xen-utils-4.17 xenstore-utils cpio gzip xz-utils"
XEN_BIN=/usr/lib/xen-4.17/bin
CRASH_RE='Hardware Dom0 crashed|Panic on CPU|Kernel panic'

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
T0=$(date +%s%N)
elapsed() { echo $((($(date +%s%N) - T0) / 1000000000)); }
say() { echo "e2e [$(elapsed)s]: $*"; }
die() { echo "e2e: error: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

builddir=${1:-${top_builddir:-}}
[ -n "$builddir" ] || die "usage: $0 BUILDDIR (or set top_builddir)"
builddir=$(cd "$builddir" 2>/dev/null && pwd) || die "no build dir $builddir"
XCMUXD=$builddir/daemon/xcmuxd
XCMUX=$builddir/client/xcmux
is_elf() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; }
is_elf "$XCMUXD" || die "$XCMUXD is not a built ELF binary (run make first)"
is_elf "$XCMUX" || die "$XCMUX is not a built ELF binary (run make first)"
[ "$(id -u)" = 0 ] || die "run as root: it installs packages and creates device nodes"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/xcmux-e2e.XXXXXX") || die "mktemp failed"
# QEMU's -initrd splits its argument at commas.
case $WORK in *,*) die "temp dir $WORK contains a comma" ;; esac
QPID=""
cleanup() {
    [ -n "$QPID" ] && kill "$QPID" 2>/dev/null
    [ -n "${WATCH:-}" ] && kill "$WATCH" 2>/dev/null
    if [ "${E2E_KEEP:-0}" = 1 ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- packages --------------------------------------------------------------
# Host tools are installed; the guest payloads (kernel, hypervisor,
# busybox) are only downloaded into the temp dir and unpacked there: that
# is faster (no initramfs-tools run) and leaves the host's /boot alone.
export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-o Acquire::Retries=3 -o Acquire::http::Timeout=30)
missing=""
for p in $HOST_PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
updated=0
apt_update() {
    [ $updated = 1 ] && return 0
    updated=1
    apt-get "${APT_OPTS[@]}" update -qq >/dev/null
}
if [ -n "$missing" ]; then
    say "installing:$missing"
    apt_update || die "apt-get update failed"
    # shellcheck disable=SC2086
    apt-get "${APT_OPTS[@]}" install -y -qq --no-install-recommends $missing >"$WORK/apt.log" 2>&1 ||
        { tail -n 20 "$WORK/apt.log"; die "apt-get install failed"; }
fi
DM=/usr/libexec/xen-qemu-system-i386
for t in gcc qemu-system-x86_64 cpio gzip xz "$XEN_BIN/xl" "$XEN_BIN/xenstored" /usr/bin/xenstore "$DM"; do
    command -v "$t" >/dev/null || die "$t missing after install"
done

kpkg() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'; }
KPKG=$(kpkg)
[ -n "$KPKG" ] || { apt_update; KPKG=$(kpkg); }
[ -n "$KPKG" ] || die "cannot resolve linux-image-amd64"
mkdir -p "$WORK/deb" "$WORK/pkg"
download() { (cd "$WORK/deb" && apt-get "${APT_OPTS[@]}" -o APT::Sandbox::User=root -qq download \
    "$KPKG" xen-hypervisor-4.17-amd64 busybox-static >/dev/null 2>"$WORK/download.log"); }
download || { apt_update; download; } || { cat "$WORK/download.log"; die "apt-get download failed"; }
say "packages ready ($KPKG)"

unpack() { # unpack DEB PATTERN...: extract only what the images need
    local deb=$1; shift
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$WORK/pkg" --wildcards "$@"
}
unpack "$WORK"/deb/linux-image-*.deb './boot/vmlinuz-*' '*/kernel/drivers/xen/*' ||
    die "unpacking the kernel failed"
unpack "$WORK"/deb/xen-hypervisor-*.deb './boot/xen-4.17-amd64.gz' || die "unpacking Xen failed"
unpack "$WORK"/deb/busybox-static_*.deb './bin/busybox' || die "unpacking busybox failed"
VMLINUZ=$(find "$WORK/pkg/boot" -name 'vmlinuz-*' | head -n 1)
KVER=${VMLINUZ##*/vmlinuz-}
KMODS=$(find "$WORK/pkg" -type d -path "*/modules/$KVER/kernel/drivers/xen" | head -n 1)
[ -n "$KMODS" ] || die "no Xen modules for $KVER"
zcat "$WORK/pkg/boot/xen-4.17-amd64.gz" >"$WORK/xen" || die "no Xen image"
# The plain ELF vmlinux inside the xz-compressed bzImage: Xen (for dom0)
# and libxc (for every guest) load it without decompressing under TCG,
# which saves seconds per boot.
xzpos=$(grep -abo $'\xfd7zXZ' "$VMLINUZ" | head -n 1 | cut -d: -f1)
[ -n "$xzpos" ] || die "$VMLINUZ: no xz payload"
tail -c +$((xzpos + 1)) "$VMLINUZ" | xz -dc >"$WORK/vmlinux" 2>/dev/null
is_elf "$WORK/vmlinux" || die "could not extract vmlinux from $VMLINUZ"
BUSYBOX=$WORK/pkg/bin/busybox

# --- images ------------------------------------------------------------------
# new_root DIR INIT: a busybox root with /init and a console node.
new_root() {
    local r=$1
    mkdir -p "$r"/bin "$r"/sbin "$r"/etc "$r"/proc "$r"/sys "$r"/dev "$r"/run "$r"/tmp "$r"/root
    install -m 755 "$BUSYBOX" "$r/bin/busybox"
    local a
    for a in $("$BUSYBOX" --list); do
        [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
    done
    install -m 755 "$2" "$r/init"
    # Without it the kernel starts init with no stdio; init copes (it
    # reopens /dev/console after mounting devtmpfs), so this may fail.
    mknod -m 600 "$r/dev/console" c 5 1 2>/dev/null || :
}
# copy_elf SRC DEST: a dynamic binary and every library ldd names for it.
copy_elf() {
    install -D -m 755 "$1" "$R$2" || die "cannot copy $1"
    local lib
    ldd "$1" | grep -q 'not found' && die "$1: $(ldd "$1" | grep 'not found' | head -n 1)"
    for lib in $(ldd "$1" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
        [ -e "$R$lib" ] || install -D -m 755 "$(readlink -f "$lib")" "$R$lib"
        echo "${lib%/*}" >>"$WORK/libdirs"
    done
}
mkcpio() { (cd "$1" && find . -print0 | cpio --null -o -H newc --quiet); }

# The guest's hotkey handler: static, so the domU needs no libraries.
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || die "static libc missing (install libc6-dev)"
gcc -static -Os -std=gnu17 -Wall -Wextra -Werror -I"$srcdir" -o "$WORK/hkhandler" \
    "$here/hkhandler.c" "$srcdir/protocol/hkfilter.c" || die "building hkhandler failed"

R=$WORK/domu
new_root "$R" "$here/domu-init.sh"
install -m 755 "$WORK/hkhandler" "$R/bin/hkhandler"
mkcpio "$R" | gzip -1 >"$WORK/domu.cpio.gz" || die "domU initramfs failed"

R=$WORK/dom0
new_root "$R" "$here/dom0-init.sh"
mkdir -p "$R/e2e" "$R/boot" "$R/var/log" "$R/etc/xen"
install -m 755 "$here/checks.sh" "$R/e2e/checks.sh"
install -m 755 "$here/checks-more.sh" "$R/e2e/checks-more.sh"
install -D -m 644 "$here/xcmuxd.conf" "$R/etc/xcmux/xcmuxd.conf"
# oxenstored reads its config, Debian's, from there (the store's port and
# page come from /proc/xen/xsd_port and xsd_kva, named in it).
[ -f /etc/xen/oxenstored.conf ] || die "/etc/xen/oxenstored.conf missing (xen-utils-common)"
install -D -m 644 /etc/xen/oxenstored.conf "$R/etc/xen/oxenstored.conf"
for b in xl xenstored oxenstored xenconsole xen-init-dom0 xenstore-control; do
    copy_elf "$XEN_BIN/$b" "$XEN_BIN/$b"
done
copy_elf /usr/bin/xenstore /usr/bin/xenstore
# E2E_DEBUG=1: strace in dom0, used by the checks' failure diagnostics.
if [ "${E2E_DEBUG:-0}" = 1 ] && command -v strace >/dev/null; then
    copy_elf "$(command -v strace)" /usr/bin/strace
fi
for l in read write ls list rm exists chmod watch; do ln -s xenstore "$R/usr/bin/xenstore-$l"; done
# The device model (HVM guest, channels) and what libxl and QEMU load:
# hvmloader, SeaBIOS, the linuxboot option ROMs (direct kernel boot) and
# the keymap libxl's "-vnc none" still makes QEMU read.
copy_elf "$DM" "$DM"
for f in "$XEN_BIN/../boot/hvmloader" /usr/share/seabios/bios-256k.bin \
    /usr/share/qemu/linuxboot.bin /usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/keymaps/en-us; do
    [ -f "$f" ] || die "$f missing (qemu-system-x86, qemu-system-xen, xen-utils-4.17)"
    install -D -m 644 "$f" "$R$(readlink -f "$f")"
done
copy_elf "$XCMUXD" /usr/local/sbin/xcmuxd
copy_elf "$XCMUX" /usr/local/bin/xcmux
# xl aborts without it: "libgcc_s.so.1 must be installed for pthread_cancel to work".
gcc_s=$(ldconfig -p | awk '/libgcc_s\.so\.1 .*x86-64/ {print $NF; exit}')
[ -n "$gcc_s" ] || die "libgcc_s.so.1 not found"
install -D -m 644 "$(readlink -f "$gcc_s")" "$R$gcc_s"
echo "${gcc_s%/*}" >>"$WORK/libdirs"
sort -u "$WORK/libdirs" >"$R/etc/ld.so.conf"
ldconfig -r "$R" 2>/dev/null
mkdir -p "$R/lib/modules/$KVER/kernel/drivers"
cp -a "$KMODS" "$R/lib/modules/$KVER/kernel/drivers/xen"
# The guests' kernel is dom0's own; its initramfs is the small one above.
cp "$WORK/vmlinux" "$R/boot/vmlinux"
# The HVM guest boots the bzImage through QEMU's linuxboot ROM.
cp "$VMLINUZ" "$R/boot/vmlinuz"
cp "$WORK/domu.cpio.gz" "$R/boot/domu.cpio.gz"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$R/etc/passwd"
printf 'root:x:0:\ntty:x:5:\n' >"$R/etc/group"
printf 'passwd: files\ngroup: files\n' >"$R/etc/nsswitch.conf"
: >"$R/etc/xen/xl.conf" # xl warns on every call without one
# Uncompressed: decompressing under TCG costs more than copying.
mkcpio "$R" >"$WORK/dom0.cpio" || die "dom0 initramfs failed"
say "images built (dom0 $(($(stat -c %s "$WORK/dom0.cpio") / 1048576)) MiB, kernel $KVER)"

# --- the runs ----------------------------------------------------------------
# One QEMU boot per xenstore daemon: oxenstored (Debian's default) runs
# every check; the C xenstored the PV guest's (PV_CHECKS), so both stores
# keep an end-to-end pass. E2E_STORES limits the boots (e.g. "xenstored").
PV_CHECKS="xl-create boot-replay writer-input read-only-input xl-console log-timestamps hotkey-sysrq hotkey-inject hotkey-forged domain-gone second-domu"
# Three CPUs: dom0's two vCPUs pinned to CPUs 0 and 1 (dom0_vcpus_pin),
# the PVH and HVM guests on CPU 2 (their cpus = "2"), PV guests on 0-1.
XEN_CMDLINE_BASE="dom0_mem=512M,max:512M dom0_max_vcpus=2 dom0_vcpus_pin console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all noreboot smap=0 smep=0 bootscrub=0"
# conring_size: Xen's console ring holds its whole boot output, so the
# daemon, started later, finds the banner (hv-boot-lines).
XEN_CMDLINE="$XEN_CMDLINE_BASE conring_size=1m"
TIMEOUT=${E2E_TIMEOUT:-900}
case $TIMEOUT in '' | *[!0-9]*) die "E2E_TIMEOUT must be a number of seconds" ;; esac
[ "$TIMEOUT" -ge 60 ] || die "E2E_TIMEOUT must be at least 60"
STORES=${E2E_STORES:-oxenstored xenstored}
# dom0's processes crashed now and then while HVM-container guests ran
# on the same CPU (a TLS read through a wrong FS base, under TCG); they
# run on a CPU of their own (see XEN_CMDLINE_BASE).
QEMU_CPU=${E2E_QEMU_CPU:-max}
TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_WANTED=0

# boot STORE SET CHECKS...: one QEMU run with dom0 on STORE, running the
# check set SET (full or pv); prints its verdict lines prefixed by STORE.
boot() {
    local store=$1 set=$2 bound=$TIMEOUT
    shift 2
    local checks="$*"
    # The PV-only boot is short: its share of the bound is a third.
    [ "$set" = pv ] && bound=$((TIMEOUT / 3 > 60 ? TIMEOUT / 3 : 60))
    SERIAL=$WORK/serial-$store.log
    rm -f "$WORK/crashed"
    # dom0 gives up 30 s before QEMU is killed, so it can still report.
    local dom0_cmdline="console=hvc0 earlyprintk=xen loglevel=5 e2e_watchdog=$((bound - 30)) e2e_store=$store e2e_set=$set"
    # TCG only: the KVM here cannot run Xen, and CI may have none.
    timeout -k 5 "$bound" qemu-system-x86_64 \
        -accel tcg,thread=multi -cpu "$QEMU_CPU" -m 1024 -smp 3 \
        -nographic -no-reboot -nodefaults -serial mon:stdio \
        -kernel "$WORK/xen" -append "$XEN_CMDLINE" \
        -initrd "$WORK/vmlinux $dom0_cmdline,$WORK/dom0.cpio" \
        </dev/null >"$SERIAL" 2>&1 &
    QPID=$!
    say "[$store] QEMU started (pid $QPID, bound $bound s, checks: $set)"
    # With noreboot a crashed dom0 leaves QEMU spinning: stop it at once.
    (
        while kill -0 "$QPID" 2>/dev/null; do
            if grep -aqE "$CRASH_RE" "$SERIAL"; then
                sleep 1 # let the backtrace reach the log
                echo crash >"$WORK/crashed"
                kill "$QPID" 2>/dev/null
                exit
            fi
            sleep 0.5
        done
    ) &
    WATCH=$!
    wait "$QPID"
    local qrc=$?
    QPID=""
    wait "$WATCH" 2>/dev/null
    WATCH=""
    say "[$store] QEMU exited (status $qrc)"

    # --- verdict ---
    local txt=$WORK/serial-$store.txt e2e=$WORK/e2e-$store.txt passed=0 failed=0 c line name
    tr -d '\r' <"$SERIAL" >"$txt"
    grep -aoE 'E2E (PASS|FAIL|TODO|RESULT)( .*)?$' "$txt" >"$e2e"
    for c in $checks; do
        if grep -qx "E2E PASS $c" "$e2e"; then
            passed=$((passed + 1)); echo "E2E PASS [$store] $c"
        elif grep -q "^E2E FAIL $c:" "$e2e"; then
            failed=$((failed + 1)); grep "^E2E FAIL $c:" "$e2e" | head -n 1 | sed "s/^E2E FAIL /E2E FAIL [$store] /"
        else
            failed=$((failed + 1)); echo "E2E FAIL [$store] $c: did not run"
        fi
    done
    # Failures outside the list: setup, the dom0 watchdog, a renamed check.
    while read -r line; do
        name=${line#E2E * }; name=${name%%:*}
        case " $checks " in *" $name "*) ;; *) failed=$((failed + 1)); echo "$line [$store]" ;; esac
    done < <(grep -E '^E2E (PASS|FAIL) ' "$e2e")
    grep '^E2E TODO ' "$e2e"
    if [ -f "$WORK/crashed" ]; then
        failed=$((failed + 1)); echo "E2E FAIL [$store] crash: $(grep -aoE "$CRASH_RE" "$txt" | head -n 1)"
    elif ! grep -q '^E2E RESULT ' "$e2e"; then
        failed=$((failed + 1)); echo "E2E FAIL [$store] result: dom0 never reported (QEMU status $qrc)"
    fi
    if [ "${E2E_VERBOSE:-0}" = 1 ]; then
        echo "----- [$store] serial log"; cat "$txt"
    elif [ $failed != 0 ]; then
        echo "----- [$store] last 80 lines of the serial log"; tail -n 80 "$txt"
    fi
    say "[$store] $passed passed, $failed failed"
    TOTAL_PASSED=$((TOTAL_PASSED + passed))
    TOTAL_FAILED=$((TOTAL_FAILED + failed))
    # shellcheck disable=SC2086 # one word per check
    set -- $checks
    TOTAL_WANTED=$((TOTAL_WANTED + $#))
}

for store in $STORES; do
    case $store in
    oxenstored) boot oxenstored full $CHECKS ;;
    xenstored) boot xenstored pv $PV_CHECKS ;;
    *) die "E2E_STORES: unknown store '$store' (oxenstored, xenstored)" ;;
    esac
done
say "done"
echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed"
[ $TOTAL_FAILED = 0 ] && [ $TOTAL_PASSED = $TOTAL_WANTED ]
