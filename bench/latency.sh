#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Keystroke echo latency through xcmuxd: bench/echolat types into an echo
# guest through the real client (xcmux console, on pipes) and times each
# byte's echo (client -> daemon -> guest -> daemon -> client), SAMPLES
# samples. Measured twice on one daemon serving GUESTS guests:
#   quiet   nothing else attached, no guest writing,
#   loaded  CLIENTS read-only clients attached (one per guest, FLOODERS of
#           them on guests flooding at FLOOD_RATE bytes/s each).
# Env: GUESTS (1000), CLIENTS (100), FLOODERS (10), FLOOD_RATE (100000),
# SAMPLES (2000), GAP_US (1000).
. "$(dirname "$0")/lib.sh"
in_host "$@"
GUESTS=${GUESTS:-1000}
CLIENTS=${CLIENTS:-100}
FLOODERS=${FLOODERS:-10}
FLOOD_RATE=${FLOOD_RATE:-100000}
SAMPLES=${SAMPLES:-2000}
GAP_US=${GAP_US:-1000}
hold_stdin

t0=$(now)
xensim create e --count $((GUESTS - FLOODERS)) --echo >/dev/null || exit 1
setup=$(fmt '%.0f' "$(calc "$(now) - $t0")")
start_xcmuxd lat "[global]" || exit 1
# After "serving", the daemon still handles the first event of every
# per-domain watch (xenstore round trips); wait until it answers promptly.
t_busy=$(now)
for _ in $(seq 1 1000); do
    t=$(now); "$XCMUX" -S "$SOCK" list >/dev/null 2>&1
    awk -v a="$t" -v b="$(now)" 'BEGIN { exit !(b - a < 0.2) }' && break
done
busy=$(fmt '%.1f' "$(calc "$(now) - $t_busy")")
target=e-$(( (GUESTS - FLOODERS) / 2 ))

row() { # row PHASE RESULT
    local r=$2
    set -- $(printf '%s' "$r" | tr ' ' '\n' | sed -n 's/^[a-z0-9_]*=//p' | tr '\n' ' ') - - - - - -
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$PHASE" "$1" "$2" "$3" "$4" "$5" "$6"
    P99=$4
}

echo "### Keystroke echo latency ($GUESTS guests)"
echo
echo "CPU pinning: $PINNING."
echo
echo "| phase | samples | p50 µs | p90 µs | p99 µs | max µs | timeouts |"
echo "|---|---|---|---|---|---|---|"
PHASE="quiet: $GUESTS guests, no clients"
row quiet "$("$ECHOLAT" "$XCMUX" "$SOCK" "$target" "$SAMPLES" "$GAP_US")"

xensim create f --count "$FLOODERS" --flood "$FLOOD_RATE" --no-boot-text >/dev/null
wait_until 30 bash -c "[ \$('$XCMUX' -S '$SOCK' list | grep -c ' f-.*running') -ge $FLOODERS ]"
for i in $(seq 1 "$CLIENTS"); do
    if [ "$i" -le "$FLOODERS" ]; then g=f-$i; else g=e-$((i - FLOODERS)); fi
    "$XCMUX" -S "$SOCK" console -r "$g" <"$W/hold" >/dev/null 2>&1 &
    BG_PIDS+=($!)
done
sleep 2
attached=$("$XCMUX" -S "$SOCK" list --json | sed -n 's/.*"sessions": \([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
c0=$(cpu_ticks "$XPID"); t1=$(now)
PHASE="loaded: $attached clients, $FLOODERS guests at $FLOOD_RATE B/s"
row loaded "$("$ECHOLAT" "$XCMUX" "$SOCK" "$target" "$SAMPLES" "$GAP_US")"
cpu=$(calc "100 * ($(cpu_ticks "$XPID") - $c0) / $HZ / ($(now) - $t1)")
echo
echo "| target | value | goal | |"
echo "|---|---|---|---|"
printf '| p99 echo latency, loaded | %s µs | < 1000 µs | %s |\n' "$P99" "$(verdict "$P99" '<' 1000)"
echo
echo "Daemon CPU during the loaded phase: $(fmt '%.1f' "$cpu") %. Setup (not measured): creating $((GUESTS - FLOODERS)) guests took $setup s."
echo "After printing \"serving\", the daemon was busy (xenstore) for $busy s before it answered a client promptly."
