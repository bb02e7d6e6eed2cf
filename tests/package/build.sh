#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package: built from a clean copy of the checkout with
# `dpkg-buildpackage -us -uc -b`, checked by lintian (no error, no warning
# without an override that explains it in debian/xcmux.lintian-overrides),
# its contents and conffiles checked, then installed, removed and purged
# in a scratch dpkg root (dpkg --root, maintainer scripts run chrootless
# with DPKG_ROOT set, so nothing on this machine changes): the
# diversions of Xen's xenconsoled and xenconsole are made and undone, the
# xcmux group is created, the units enabled, and the installed xenconsole
# front end hands --type serial to the diverted original unchanged.
#
# The browser console is the second binary package, xcmux-web: its
# contents and conffiles are checked, it installs beside xcmux without
# enabling its unit, and purges.
#
# Usage: tests/package/build.sh [OUTDIR]   (root: installs build deps)
# Leaves the .debs in OUTDIR (default: a temporary directory, removed).
# Ends with "N passed, N failed"; 25-70 s on 2 CPUs (most of it the build).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
PASS=0
FAIL=0
ok()  { PASS=$((PASS + 1)); echo "ok - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
finish() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" -eq 0 ]; exit; }

work=$(mktemp -d /tmp/xcmux-pkg.XXXXXX)
out=${1:-}
trap 'rm -rf "$work"' EXIT

# Build dependencies (debian/control), installed by the test's own setup.
if ! (cd "$top" && dpkg-checkbuilddeps) >/dev/null 2>&1 || ! command -v lintian >/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            debhelper dpkg-dev lintian >/dev/null 2>&1
    fi
fi

# A clean copy: the files git tracks (and new ones not ignored), none of
# the in-tree build's outputs.
mkdir "$work/src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$top" && git ls-files -z --cached --others --exclude-standard) |
        (cd "$top" && tar -cf - --null -T -) | tar -xf - -C "$work/src"
else
    bad "source is a git checkout (needed for a clean copy)"; finish
fi
check "the copy holds no build output" test ! -e "$work/src/Makefile" -a ! -e "$work/src/configure"

t0=$(date +%s)
if (cd "$work/src" && nice -n 10 dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
    ok "dpkg-buildpackage -us -uc -b ($(( $(date +%s) - t0 )) s)"
else
    bad "dpkg-buildpackage -us -uc -b"; tail -n 40 "$work/build.log"; finish
fi
deb=$(ls "$work"/xcmux_*.deb)
webdeb=$(ls "$work"/xcmux-web_*.deb)
[ -n "$out" ] && mkdir -p "$out" && cp "$deb" "$webdeb" "$out/"

if lintian --fail-on error,warning "$work"/xcmux_*.changes >"$work/lintian.out" 2>&1; then
    ok "lintian: no error, no unexplained warning ($(grep -c . "$work/lintian.out") lines of notes)"
else
    bad "lintian: no error, no unexplained warning"; cat "$work/lintian.out"
fi

# Contents.
dpkg-deb -c "$deb" | awk '{print $6 ($7 ? " " $7 " " $8 : "")}' | sed 's|^\./|/|' >"$work/contents"
for f in /usr/sbin/xcmuxd /usr/bin/xcmux /usr/libexec/xcmux/xenconsole \
    /usr/libexec/xcmux/xenconsoled-standin /usr/libexec/xcmux/xen-handover \
    /usr/share/man/man8/xcmuxd.8.gz /usr/share/man/man1/xcmux.1.gz \
    /usr/share/man/man5/xcmuxd.conf.5.gz /lib/systemd/system/xcmuxd.service \
    /lib/systemd/system/xcmuxd.socket /usr/lib/sysusers.d/xcmux.conf \
    /etc/logrotate.d/xcmuxd /etc/xcmux/xcmuxd.conf /usr/share/doc/xcmux/copyright; do
    check "package ships $f" grep -q "^$f\$" "$work/contents"
done
check "xenconsoled's path links to the stand-in" \
    grep -q '^/usr/lib/xen-4.17/bin/xenconsoled -> .*libexec/xcmux/xenconsoled-standin$' "$work/contents"
check "xenconsole's path links to the front end" \
    grep -q '^/usr/lib/xen-4.17/bin/xenconsole -> .*libexec/xcmux/xenconsole$' "$work/contents"
check "no simulator in the production package" bash -c "! grep -Eq 'xensim|libxensim' '$work/contents'"
dpkg-deb -e "$deb" "$work/control"
check "conffiles: /etc/xcmux/xcmuxd.conf and /etc/logrotate.d/xcmuxd" \
    bash -c "grep -qx /etc/xcmux/xcmuxd.conf '$work/control/conffiles' &&
             grep -qx /etc/logrotate.d/xcmuxd '$work/control/conffiles'"
check "units have this package's paths (/usr/sbin/xcmuxd)" \
    bash -c "dpkg-deb --fsys-tarfile '$deb' | tar -xOf - ./lib/systemd/system/xcmuxd.service |
             grep -q '^ExecStart=/usr/sbin/xcmuxd --foreground$'"

# The browser console is a package of its own: xcmux does not pull in
# OpenSSL and PAM.
dpkg-deb -c "$webdeb" | awk '{print $6 ($7 ? " " $7 " " $8 : "")}' | sed 's|^\./|/|' >"$work/web-contents"
for f in /usr/sbin/xcmux-web /usr/share/xcmux/web/index.html /usr/share/xcmux/web/app.js \
    /usr/share/xcmux/web/app.css /usr/share/xcmux/web/vendor/xterm.js \
    /usr/share/xcmux/web/vendor/xterm.css /usr/share/man/man8/xcmux-web.8.gz \
    /lib/systemd/system/xcmux-web.service /etc/pam.d/xcmux-web /etc/xcmux/xcmux-web.conf \
    /usr/share/doc/xcmux-web/copyright; do
    check "xcmux-web package ships $f" grep -q "^$f\$" "$work/web-contents"
done
check "xcmux ships none of xcmux-web's files" bash -c "! grep -q 'xcmux-web' '$work/contents'"
check "xcmux does not depend on OpenSSL or PAM" \
    bash -c "! dpkg-deb -f '$deb' Depends | grep -Eq 'libssl|libpam'"
check "xcmux-web depends on xcmux, OpenSSL and PAM" \
    bash -c "d=\$(dpkg-deb -f '$webdeb' Depends); grep -q 'xcmux (=' <<<\"\$d\" && grep -q libssl <<<\"\$d\" && grep -q libpam <<<\"\$d\""
dpkg-deb -e "$webdeb" "$work/web-control"
check "xcmux-web conffiles: /etc/xcmux/xcmux-web.conf and /etc/pam.d/xcmux-web" \
    bash -c "grep -qx /etc/xcmux/xcmux-web.conf '$work/web-control/conffiles' &&
             grep -qx /etc/pam.d/xcmux-web '$work/web-control/conffiles'"
check "xcmux-web's postinst restarts a running gateway on upgrade, starts none" \
    bash -c "grep -q 'try-restart xcmux-web.service' '$work/web-control/postinst' &&
             ! grep -Eq 'deb-systemd-invoke (start|restart) ' '$work/web-control/postinst'"
check "xterm.js's licence is in xcmux-web's copyright file" \
    bash -c "dpkg-deb --fsys-tarfile '$webdeb' | tar -xOf - ./usr/share/doc/xcmux-web/copyright | grep -q 'The xterm.js authors'"

# Install, remove, purge in a scratch root. Xen's files are stand-ins
# that print their name and arguments.
R=$work/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/usr/lib/xen-4.17/bin" "$R/etc"
touch "$R/var/lib/dpkg/status" "$R/etc/group" "$R/etc/passwd"
for f in xenconsoled xenconsole; do
    printf '#!/bin/sh\necho "xen-%s $*"\n' "$f" >"$R/usr/lib/xen-4.17/bin/$f"
    chmod 755 "$R/usr/lib/xen-4.17/bin/$f"
done
xdpkg() { dpkg --root="$R" --force-script-chrootless --force-depends --force-not-root "$@"; }
if xdpkg -i "$deb" >"$work/install.log" 2>&1; then ok "install in a scratch root"
else bad "install in a scratch root"; cat "$work/install.log"; fi
xdpkg -s xcmux 2>/dev/null | grep -q '^Status: install ok installed' &&
    ok "package is installed and configured" || bad "package is installed and configured"
div=$(dpkg-divert --root="$R" --list)
check "xenconsoled diverted to xenconsoled.distrib by xcmux" \
    grep -q 'xenconsoled to /usr/lib/xen-4.17/bin/xenconsoled.distrib by xcmux' <<<"$div"
check "xenconsole diverted to xenconsole.distrib by xcmux" \
    grep -q 'xenconsole to /usr/lib/xen-4.17/bin/xenconsole.distrib by xcmux' <<<"$div"
check "Xen's xenconsoled kept as xenconsoled.distrib" \
    grep -q xen-xenconsoled "$R/usr/lib/xen-4.17/bin/xenconsoled.distrib"
check "xenconsoled's path is now the stand-in" \
    test "$(readlink -f "$R/usr/lib/xen-4.17/bin/xenconsoled")" = "$R/usr/libexec/xcmux/xenconsoled-standin"
check "the xcmux group was created (sysusers)" grep -q '^xcmux:' "$R/etc/group"
check "xcmuxd.service and xcmuxd.socket enabled" \
    test -L "$R/etc/systemd/system/multi-user.target.wants/xcmuxd.service" -a \
         -L "$R/etc/systemd/system/sockets.target.wants/xcmuxd.socket"
got=$(XCMUX_XENCONSOLE_REAL="$R/usr/lib/xen-4.17/bin/xenconsole.distrib" \
      "$R/usr/lib/xen-4.17/bin/xenconsole" 7 --num 0 --type serial 2>&1)
check "installed xenconsole hands --type serial to Xen's, arguments unchanged ($got)" \
    test "$got" = "xen-xenconsole 7 --num 0 --type serial"
got=$("$R/usr/lib/xen-4.17/bin/xenconsole" --type nonsense 7 2>&1); rc=$?
check "installed xenconsole refuses an unknown --type (exit $rc)" test "$rc" -eq 64

# The browser console installs beside it and stays off until an admin
# enables it.
if xdpkg -i "$webdeb" >"$work/web-install.log" 2>&1; then ok "xcmux-web installs in the scratch root"
else bad "xcmux-web installs in the scratch root"; cat "$work/web-install.log"; fi
check "xcmux-web.service is not enabled by the package" \
    bash -c "[ -f '$R/lib/systemd/system/xcmux-web.service' ] && [ -z \"\$(find '$R/etc/systemd' -name xcmux-web.service 2>/dev/null)\" ]"
if xdpkg -P xcmux-web >"$work/web-purge.log" 2>&1; then ok "xcmux-web purges"
else bad "xcmux-web purges"; cat "$work/web-purge.log"; fi
check "purging xcmux-web removes its conffiles" \
    test ! -e "$R/etc/xcmux/xcmux-web.conf" -a ! -e "$R/etc/pam.d/xcmux-web"

if xdpkg -r xcmux >"$work/remove.log" 2>&1; then ok "remove in the scratch root"
else bad "remove in the scratch root"; cat "$work/remove.log"; fi
check "no diversion left after remove" test -z "$(dpkg-divert --root="$R" --list '*xcmux*')"
check "Xen's xenconsoled and xenconsole are back at their paths" \
    bash -c "grep -q xen-xenconsoled '$R/usr/lib/xen-4.17/bin/xenconsoled' &&
             grep -q xen-xenconsole '$R/usr/lib/xen-4.17/bin/xenconsole' &&
             [ ! -e '$R/usr/lib/xen-4.17/bin/xenconsoled.distrib' ]"
check "the conffile stays after remove" test -f "$R/etc/xcmux/xcmuxd.conf"
if xdpkg -P xcmux >"$work/purge.log" 2>&1; then ok "purge in the scratch root"
else bad "purge in the scratch root"; cat "$work/purge.log"; fi
check "purge removes the conffile and the unit links" \
    test ! -e "$R/etc/xcmux/xcmuxd.conf" -a ! -e "$R/etc/systemd/system/multi-user.target.wants/xcmuxd.service"
finish
