#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install the Debian 12 packages xcmux needs to build and demo; with
# --test also what the test command needs (fuzzers, static analysis,
# valgrind, building and checking the Debian package, the Debian dom0
# run under QEMU).
# Idempotent: skips apt when everything is already there.
# xen-utils-4.17 carries both xenstore daemons xensim runs (oxenstored,
# its default, and the C xenstored) and xenconsoled; util-linux carries
# unshare and mount, with which xensim gives oxenstored its own /run.
set -eu
PKGS="build-essential autoconf automake pkg-config git ca-certificates
 libxen-dev xen-utils-4.17 xenstore-utils libevent-dev libinih-dev libssl-dev libpam0g-dev
 libcmocka-dev libsystemd-dev util-linux procps psmisc python3
 systemd logrotate openssh-server openssh-client bsdutils man-db"
if [ "${1:-}" = --test ]; then
    PKGS="$PKGS clang clang-format clang-tools clang-tidy cppcheck libclang-rt-14-dev valgrind"
    # The Debian package's test (tests/package/build.sh): its build
    # dependencies and lintian.
    PKGS="$PKGS debhelper dpkg-dev lintian"
    # Console servers the integration tests put xcmux consoles in.
    PKGS="$PKGS conserver-server conserver-client conman"
    # The Debian dom0 run (tests/e2e-debian): its root file system
    # (mmdebstrap, mkfs.ext4 -d), the guests' initramfs, the kernel's
    # ELF, and QEMU.
    PKGS="$PKGS mmdebstrap e2fsprogs busybox-static cpio xz-utils qemu-system-x86"
    # The browser console's test (tests/integration/web-browser.sh): a real
    # headless Chromium, driven by playwright-core from npm, for which node
    # and npm (Debian's, unless a node with its own npm is already there).
    PKGS="$PKGS chromium chromium-driver"
    { command -v node && command -v npm; } >/dev/null || PKGS="$PKGS nodejs npm"
fi
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    [ "$(id -u)" -eq 0 ] || { echo "deps.sh: run as root to install:$missing" >&2; exit 1; }
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
