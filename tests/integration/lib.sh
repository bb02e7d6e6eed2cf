# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for the integration tests. Each test runs inside a fresh
# simulated host (`xensim run -- test.sh`) and ends with the line
# "N passed, N failed" that CI runners recognise.
set -u
: "${top_builddir:?run from make check (top_builddir unset)}"
: "${top_srcdir:?}"
XEN_BINDIR=${XEN_BINDIR:-/usr/lib/xen-4.17/bin}
XENSIM=$top_builddir/sim/xensim
# XCMUXD may name a wrapper (scripts/valgrind.sh runs the daemon under memcheck).
XCMUXD=${XCMUXD:-$top_builddir/daemon/xcmuxd}
XCMUX=$top_builddir/client/xcmux
PTYIO="python3 $top_srcdir/tests/integration/ptyio.py"
PASS=0
FAIL=0
SKIPPED=0
# Under memcheck (scripts/valgrind.sh sets XCMUX_UNDER_MEMCHECK=1) the
# daemon runs 20-50 times slower: every wait_until is stretched by
# XCMUX_TIME_SCALE, and speed_check skips the checks that measure speed
# (rates, latencies, CPU shares); the plain and ASan runs keep them.
TIME_SCALE=${XCMUX_TIME_SCALE:-1}
UNDER_MEMCHECK=${XCMUX_UNDER_MEMCHECK:-0}

ok()  { PASS=$((PASS + 1)); echo "ok - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { # check DESCRIPTION CMD... : pass when CMD succeeds
    local what=$1; shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}
skip() { SKIPPED=$((SKIPPED + 1)); echo "ok - $1 # SKIP $2"; }
speed_check() { # speed_check DESCRIPTION CMD... : a check of speed
    if [ "$UNDER_MEMCHECK" = 1 ]; then
        skip "$1" "speed is not measured under memcheck"
        return
    fi
    check "$@"
}
# Memory bounds mean something only for the plain daemon: ASan's
# quarantine and valgrind hold freed memory on purpose.
plain_daemon() { [ "$XCMUXD" = "$top_builddir/daemon/xcmuxd" ] && ! grep -q __asan_init "$XCMUXD"; }
memory_check() { # memory_check DESCRIPTION CMD... : a bound on memory
    if ! plain_daemon; then
        skip "$1" "memory is not bounded under ASan or memcheck ($XCMUXD)"
        return
    fi
    check "$@"
}
finish() {
    if [ "$SKIPPED" -gt 0 ]; then
        echo "$PASS passed, $FAIL failed, $SKIPPED skipped"
    else
        echo "$PASS passed, $FAIL failed"
    fi
    [ "$FAIL" -eq 0 ]
}

# Re-exec the calling test inside a fresh simulated host, unless already in one.
in_host() {
    if [ -z "${XENSIM_DIR:-}" ]; then
        exec "$XENSIM" run -- bash "$0" "$@"
    fi
}

# wait_until SECONDS CMD... : poll CMD every 50 ms until it succeeds.
wait_until() {
    local limit=$(( $1 * 20 * TIME_SCALE )) i=0
    shift
    until "$@" >/dev/null 2>&1; do
        i=$((i + 1))
        [ "$i" -ge "$limit" ] && return 1
        sleep 0.05
    done
}

xs_read() { xenstore-read -s "$@" 2>/dev/null; }
file_has() { grep -qF -- "$2" "$1" 2>/dev/null; }
