#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Guest-output throughput: a guest floods at max (80-byte lines with
# sequence numbers) and we count the bytes/s it gets into its ring
# (`xensim status` bytes_out over a fixed window) while served by
#   null        bench/nullcons: only advances out_cons (the limit),
#   xenconsoled Debian's, logging the guest (--log=guest),
#   xcmuxd      default config (log with timestamps, pty, 64k buffer),
#               one client attached (xcmux console -r > /dev/null);
#   xcmuxd-noclient, xcmuxd-verify: for the record, the daemon with no
#               client, and with a client piped into bench/floodcheck;
#   xcmuxd-nolog: `log = off` and one client, to show what the log write
#               each ring-full waits for (before out_cons moves) costs.
# All on one simulated host, one backend at a time, ROUNDS interleaved
# rounds; each phase gets a fresh guest. Env: ROUNDS (2), WINDOW (3 s),
# BACKENDS (all five).
. "$(dirname "$0")/lib.sh"
in_host "$@"
ROUNDS=${ROUNDS:-2}
WINDOW=${WINDOW:-3}
WARMUP=1
BACKENDS=${BACKENDS:-null xenconsoled xcmuxd xcmuxd-noclient xcmuxd-verify xcmuxd-nolog}
hold_stdin

declare -A sum
phase() { # phase BACKEND ROUND
    local b=$1 r=$2 name="fl-$1-$2" id pid cpid rate t0 c0 c1
    id=$(xensim create "$name" --flood max --no-boot-text) || return 1
    case $b in
    null)
        "$NULLCONS" "$id" >"$W/$name.null" & pid=$!
        wait_until 10 grep -q ready "$W/$name.null" ;;
    xenconsoled)
        mkdir -p "$W/xcd-$r"
        "$XENCONSOLED" -i --log=guest --log-dir="$W/xcd-$r" 2>"$W/$name.err" & pid=$! ;;
    xcmuxd*)
        local conf="[global]"
        [ "$b" = xcmuxd-nolog ] && conf="[global]
log = off"
        start_xcmuxd "$name" "$conf" || return 1
        pid=$XPID
        case $b in
        xcmuxd|xcmuxd-nolog)
            "$XCMUX" -S "$SOCK" console -r "$name" <"$W/hold" >/dev/null 2>&1 &
            cpid=$! ;;
        xcmuxd-verify)
            "$XCMUX" -S "$SOCK" console -r "$name" <"$W/hold" 2>"$W/$name.client.err" |
                "$FLOODCHECK" "$name" >"$W/$name.check" &
            cpid=$! ;;
        esac ;;
    esac
    BG_PIDS+=("$pid")
    sleep "$WARMUP"
    c0=$(cpu_ticks "$pid"); t0=$(now)
    rate=$(guest_rate "$name" "$WINDOW")
    c1=$(cpu_ticks "$pid")
    cpu=$(calc "100 * ($c1 - $c0) / $HZ / ($(now) - $t0)")
    stop_pid "$pid"
    [ -n "${cpid:-}" ] && wait "$cpid" 2>/dev/null
    cpid=""
    xensim destroy "$name" >/dev/null
    sum[$b]=$(calc "${sum[$b]:-0} + $rate")
    local extra=""
    case $b in
    xcmuxd) extra="1 client: xcmux console -r > /dev/null" ;;
    xcmuxd-noclient) extra="no client (log only)" ;;
    xcmuxd-nolog) extra="log = off, 1 client: xcmux console -r > /dev/null" ;;
    xcmuxd-verify) extra="1 client piped to floodcheck: $(cat "$W/$name.check")" ;;
    esac
    printf '| %s | %d | %s | %.0f | %s |\n' "$b" "$r" "$(mbps "$rate")" "$cpu" "$extra"
}

echo "### Guest-output throughput (flood max, window ${WINDOW}s, $ROUNDS rounds)"
echo
echo "CPU pinning: $PINNING."
echo
echo "| backend | round | guest MB/s | backend CPU % | notes |"
echo "|---|---|---|---|---|"
for r in $(seq 1 "$ROUNDS"); do
    for b in $BACKENDS; do
        phase "$b" "$r"
    done
done
echo
null=$(calc "${sum[null]} / $ROUNDS"); xcd=$(calc "${sum[xenconsoled]} / $ROUNDS")
xcm=$(calc "${sum[xcmuxd]} / $ROUNDS")
r1=$(calc "$xcm / $xcd"); r2=$(calc "$xcm / $null")
echo "| ratio | value | target | |"
echo "|---|---|---|---|"
printf '| xcmuxd / xenconsoled | %.2f | >= 1.0 | %s |\n' "$r1" "$(verdict "$r1" '>=' 1.0)"
printf '| xcmuxd / null | %.2f | >= 0.8 | %s |\n' "$r2" "$(verdict "$r2" '>=' 0.8)"
if [ -n "${sum[xcmuxd-nolog]:-}" ]; then
    nolog=$(calc "${sum[xcmuxd-nolog]} / $ROUNDS")
    printf '| xcmuxd with log = off / null (for the record) | %.2f | | |\n' "$(calc "$nolog / $null")"
fi
echo
echo "Means: null $(mbps "$null") MB/s, xenconsoled $(mbps "$xcd") MB/s, xcmuxd $(mbps "$xcm") MB/s."
