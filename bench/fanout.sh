#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fan-out: one guest floods at max; xcmuxd serves it to 1 client, then to
# 64 clients (xcmux console -r, each piped into bench/floodcheck, which
# verifies every line byte for byte against the guest's generator). The
# ratio is guest bytes/s with 64 clients over bytes/s with 1 client
# (interleaved rounds on one host, a fresh guest and daemon per phase).
# Every client must hold intact lines only (corrupt=0): then any two
# clients are byte-identical over the sequence range they share. Clients
# that fell a buffer behind were moved forward: those drops must be
# counted by the daemon (list --json dropped_client) and seen by the
# clients (floodcheck gaps/missing). Env: ROUNDS (2), WINDOW (3 s),
# CLIENTS (64), CLIENT_NICE (19). The clients run niced because on xensim
# the simulated guest is a dom0 process competing with 128 client
# processes for the same CPUs, which a real guest on its own vCPU does not;
# CLIENT_NICE=0 shows that starvation (see BENCHMARKS.md).
. "$(dirname "$0")/lib.sh"
in_host "$@"
ROUNDS=${ROUNDS:-2}
WINDOW=${WINDOW:-3}
CLIENTS=${CLIENTS:-64}
CLIENT_NICE=${CLIENT_NICE:-19}
hold_stdin

declare -A sum
phase() { # phase NCLIENTS ROUND
    local k=$1 r=$2 name="fo-$1-$2" cpids=() rate i
    xensim create "$name" --flood max --no-boot-text >/dev/null || return 1
    start_xcmuxd "$name" "[global]
pty = off" || return 1
    for i in $(seq 1 "$k"); do
        nice -n "$CLIENT_NICE" "$XCMUX" -S "$SOCK" console -r "$name" <"$W/hold" 2>/dev/null |
            nice -n "$CLIENT_NICE" "$FLOODCHECK" "$name" >"$W/$name.check.$i" &
        cpids+=($!)
    done
    wait_until 20 bash -c "[ \$('$XCMUX' -S '$SOCK' list --json | sed -n 's/.*\"sessions\": \\([0-9]*\\).*/\\1/p') -ge $k ]"
    sleep 1
    rate=$(guest_rate "$name" "$WINDOW")
    local js
    js=$("$XCMUX" -S "$SOCK" list --json)
    local dropped
    dropped=$(printf '%s' "$js" | sed -n 's/.*"dropped_client": \([0-9]*\).*/\1/p')
    stop_pid "$XPID"
    for i in "${cpids[@]}"; do wait "$i" 2>/dev/null; done
    xensim destroy "$name" >/dev/null
    sum[$k]=$(calc "${sum[$k]:-0} + $rate")
    # Per-client verdicts.
    local stats
    stats=$(cat "$W/$name".check.* | awk '
        { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
          n++; corrupt += v["corrupt"]; missing += v["missing"]; gaps += v["gaps"]
          if (v["gaps"] == 0) intact++
          if (n == 1 || v["first"] > lo) lo = v["first"]
          if (n == 1 || v["last"] < hi) hi = v["last"]
          lines += v["lines"] }
        END { printf "%d %d %d %d %d %d %d %d", n, intact, corrupt, gaps, missing, lo, hi, lines }')
    set -- $stats
    printf '| %d | %d | %s | %d | %d | %d..%d | %d | %d | %s |\n' "$k" "$r" "$(mbps "$rate")" \
        "$1" "$3" "$6" "$7" "$4" "$(( $5 * 80 ))" "${dropped:-?}"
    TOTAL_CORRUPT=$(( ${TOTAL_CORRUPT:-0} + $3 ))
}

echo "### Fan-out (flood max, window ${WINDOW}s, $ROUNDS rounds)"
echo
echo "CPU pinning: $PINNING."
echo
echo "| clients | round | guest MB/s | clients reporting | corrupt lines | common seq range | client gaps | client-missed bytes | daemon dropped_client bytes |"
echo "|---|---|---|---|---|---|---|---|---|"
for r in $(seq 1 "$ROUNDS"); do
    phase 1 "$r"
    phase "$CLIENTS" "$r"
done
echo
ratio=$(calc "${sum[$CLIENTS]} / ${sum[1]}")
echo "| ratio | value | target | |"
echo "|---|---|---|---|"
printf '| %d clients / 1 client | %.2f | >= 0.8 | %s |\n' "$CLIENTS" "$ratio" "$(verdict "$ratio" '>=' 0.8)"
printf '| corrupt lines over all clients | %d | 0 | %s |\n' "$TOTAL_CORRUPT" "$(verdict "$TOTAL_CORRUPT" '==' 0)"
echo
echo "client-missed bytes = lines skipped x 80 (whole lines only; the cut lines"
echo "at each drop are partial), so it is slightly below the daemon's count."
