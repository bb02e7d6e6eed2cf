#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The cost of a flooding guest held by the rate limit: one guest floods at
# max while xcmuxd is configured with `rate = RATE`. After the burst is
# spent, over WINDOW seconds: the guest's bytes/s (should be ~RATE), the
# daemon's CPU % (utime + stime from /proc/PID/stat) and its voluntary
# context switches per second. Env: RATE (100000), WINDOW (5 s).
. "$(dirname "$0")/lib.sh"
in_host "$@"
RATE=${RATE:-100000}
WINDOW=${WINDOW:-5}

xensim create rl --flood max --no-boot-text >/dev/null || exit 1
start_xcmuxd rl "[global]
rate = $RATE" || exit 1
sleep 2 # let the initial burst (1 s of rate) drain
c0=$(cpu_ticks "$XPID"); v0=$(vcsw "$XPID"); t0=$(now)
gr=$(guest_rate rl "$WINDOW")
t1=$(now); c1=$(cpu_ticks "$XPID"); v1=$(vcsw "$XPID")
cpu=$(calc "100 * ($c1 - $c0) / $HZ / ($t1 - $t0)")
wk=$(calc "($v1 - $v0) / ($t1 - $t0)")
echo "### Rate-limited flood (rate = $RATE B/s, window ${WINDOW}s)"
echo
echo "CPU pinning: $PINNING."
echo
echo "| guest B/s | configured rate | daemon CPU % | daemon wakeups/s |"
echo "|---|---|---|---|"
printf '| %.0f | %d | %.2f | %.0f |\n' "$gr" "$RATE" "$cpu" "$wk"
