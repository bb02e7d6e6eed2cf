#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# ABI test of the drop-in libraries: Debian's own Xen binaries (both
# xenstore daemons, xenconsoled, xenconsole) resolve every symbol at its
# version node against them (ldd -r, as BIND_NOW loading would; for
# oxenstored that includes the stand-in libxenguest), and abi-check, built
# against the real libraries, runs on them without a loader warning.
set -u
B=${top_builddir:?}
XEN_BINDIR=${XEN_BINDIR:-/usr/lib/xen-4.17/bin}
LIBDIR=$B/sim/lib
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }

for bin in xenstored oxenstored xenconsoled xenconsole; do
    out=$(LD_LIBRARY_PATH=$LIBDIR ldd -r "$XEN_BINDIR/$bin" 2>&1)
    if echo "$out" | grep -q "$LIBDIR/libxenctrl.so.4.17" &&
       ! echo "$out" | grep -Eq "undefined symbol|version .* not found|no version information"; then
        ok "$bin resolves every symbol against the drop-in libraries"
    else
        bad "$bin: $(echo "$out" | grep -E 'undefined|not found|no version|xenctrl' | head -5)"
    fi
done
# Every versioned import of oxenstored is exported by the library that
# should carry it (readelf's version needs name the file).
out=$(LD_LIBRARY_PATH=$LIBDIR ldd -r "$XEN_BINDIR/oxenstored" 2>&1)
if echo "$out" | grep -q "$LIBDIR/libxenguest.so.4.17"; then
    ok "oxenstored loads the stand-in libxenguest"
else
    bad "oxenstored: libxenguest is not the stand-in: $(echo "$out" | grep xenguest)"
fi

dir=$(mktemp -d /tmp/xensim-abi.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$B/sim/xensim-host" create "$dir" || { bad "host create"; echo "$pass passed, $fail failed"; exit 1; }
read -r domid gfn port < <(XENSIM_DIR=$dir "$B/sim/xensim-host" mkdomain abi-guest)
err=$dir/stderr
if XENSIM_DIR=$dir LD_BIND_NOW=1 LD_LIBRARY_PATH=$LIBDIR \
   "$B/tests/abi/abi-check" "$domid" "$gfn" "$port" 2>"$err"; then
    ok "abi-check on the drop-in libraries"
else
    bad "abi-check: $(cat "$err")"
fi
if grep -q "no version information" "$err"; then
    bad "loader warned: $(cat "$err")"
else
    ok "no loader warnings"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
