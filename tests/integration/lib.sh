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
# XCMUX_TIME_SCALE, and spin_check skips.
TIME_SCALE=${XCMUX_TIME_SCALE:-1}
UNDER_MEMCHECK=${XCMUX_UNDER_MEMCHECK:-0}
# A test asserts THAT something happens (an answer, an echo, a log line,
# a pty in console/tty), never how fast: a latency measured on a loaded
# 2-CPU machine under a sanitizer is noise, and bench/ measures latency
# (latency.sh, scale.sh, attach.sh, ratelimit.sh). Where a check must
# wait for an answer, PROMPT_S bounds the wait: the longest a real peer
# waits for the daemon (libxl gives the console backend 10 s to write
# console/tty), so a hang still fails and no slow run does. Tests print
# the times they saw, for the reader. PROMPT_S is for wait_until (which
# scales it by TIME_SCALE itself), PROMPT_MS for a time a test measured.
PROMPT_S=10
PROMPT_MS=$((PROMPT_S * 1000 * TIME_SCALE))

ok()  { PASS=$((PASS + 1)); echo "ok - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { # check DESCRIPTION CMD... : pass when CMD succeeds
    local what=$1; shift
    if "$@"; then ok "$what"; else bad "$what"; fi
}
skip() { SKIPPED=$((SKIPPED + 1)); echo "ok - $1 # SKIP $2"; }
# spin_check DESCRIPTION CPU% : the daemon is not spinning. A busy loop
# burns a whole core; 90 % is far above what any correct case costs even
# under ASan (bench/ measures the real CPU costs), and load on the
# machine can only lower a share, so this never fails a good daemon.
# Skipped under memcheck, whose own cost is most of the daemon's CPU.
spin_check() {
    if [ "$UNDER_MEMCHECK" = 1 ]; then
        skip "$1" "CPU shares are not meaningful under memcheck"
        return
    fi
    check "$1" python3 -c "import sys; sys.exit(not $2 < 90)"
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
# SECONDS is what the step takes on a quiet machine; the wait is never
# shorter than PROMPT_S, so a loaded sanitizer run is not failed by a
# step that is merely slow (a success returns at once either way).
wait_until() {
    local secs=$1 i=0
    [ "$secs" -lt "$PROMPT_S" ] && secs=$PROMPT_S
    local limit=$(( secs * 20 * TIME_SCALE ))
    shift
    until "$@" >/dev/null 2>&1; do
        i=$((i + 1))
        [ "$i" -ge "$limit" ] && return 1
        sleep 0.05
    done
}

xs_read() { xenstore-read -s "$@" 2>/dev/null; }
file_has() { grep -qF -- "$2" "$1" 2>/dev/null; }
