#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Attach at scale on both xenstore daemons, side by side. For each store
# (ATTACH_STORES, default "oxenstored xenstored") and each N (ATTACH_NS,
# default "1000"), a fresh simulated host with N quiet guests, then in
# turn on the same guests:
#   baseline     bench/attachbase: ring-ref and port read, tty written,
#                for every guest (3 round trips per console, no watch):
#                the limit the store sets;
#   xcmuxd       ms from exec until `xcmux list` shows N consoles running
#                (answered within 200 ms); its xenstore requests per
#                console at attach (its "serving" line counts them); CPU
#                of xcmuxd and of the store over that time;
#   xenconsoled  ms until it has opened N guest logs (bounded by
#                XCD_WAIT, 300 s), and the store's CPU meanwhile
#                (ATTACH_XENCONSOLED=0: not run).
# Prints one Markdown table. Creating the guests is setup, not measured.
. "$(dirname "$0")/lib.sh"
ATTACH_STORES=${ATTACH_STORES:-oxenstored xenstored}
ATTACH_NS=${ATTACH_NS:-1000}
ATTACHBASE=$top_builddir/bench/attachbase

if [ -z "${ATTACH_N:-}" ]; then
    [ -x "$ATTACHBASE" ] || { echo "bench: $ATTACHBASE not built" >&2; exit 1; }
    echo "| store | guests | backend | attach ms | xenstore requests/console | backend CPU s | store CPU s | backend CPU share | vs baseline |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for store in $ATTACH_STORES; do
        for n in $ATTACH_NS; do
            XENSIM_XENSTORED=$store ATTACH_N=$n bash "$0" || exit 1
        done
    done
    exit 0
fi
N=${ATTACH_N:?}

# Inside a host: re-exec'd by in_host with the store picked above.
in_host "$@"
STORE=$(xensim store)
SPID=$(cat "$XENSIM_DIR/xenstored.pid")
xensim create q --count "$N" >/dev/null || exit 1
# Every guest's console nodes are written before it is introduced; wait
# for the last one.
wait_until 120 bash -c "xenstore-read -s /local/domain/$N/console/port" >/dev/null 2>&1
sleep 1

row() { # row BACKEND MS REQ/CON BACKEND_TICKS STORE_TICKS BASE_MS
    awk -v who="$1" -v ms="$2" -v req="$3" -v bt="$4" -v st="$5" -v base="$6" \
        -v store="$STORE" -v n="$N" -v hz="$HZ" 'BEGIN {
        share = (bt + st) ? 100 * bt / (bt + st) : 0
        own = bt ? sprintf("%.2f", bt / hz) : "-"
        sh = bt ? sprintf("%.0f %%", share) : "-"
        printf "| %s | %d | %s | %.0f | %s | %s | %.2f | %s | %.1fx |\n",
            store, n, who, ms, req, own, st / hz, sh, base ? ms / base : 0 }'
}

# ---- baseline ----------------------------------------------------------------
s0=$(cpu_ticks "$SPID"); t0=$(now)
"$ATTACHBASE" "$N" >"$W/base.out" 2>&1 || { cat "$W/base.out" >&2; exit 1; }
t1=$(now); s1=$(cpu_ticks "$SPID")
BASE_MS=$(calc "($t1 - $t0) * 1000")
b_req=$(sed -n 's/.* \([0-9]*\) requests.*/\1/p' "$W/base.out")
row "baseline (attachbase)" "$BASE_MS" "$(calc "$b_req / $N")" 0 "$((s1 - s0))" "$BASE_MS"

# ---- xcmuxd ------------------------------------------------------------------
SOCK=$W/x.sock
printf '[global]\npty = rw\n' >"$W/x.conf"
s0=$(cpu_ticks "$SPID"); t0=$(now)
"$XCMUXD" -f -c "$W/x.conf" -S "$SOCK" --log-dir "$W/x-logs" 2>"$W/x.stderr" &
XPID=$!
BG_PIDS+=("$XPID")
for _ in $(seq 1 200000); do
    a=$(now)
    if "$XCMUX" -S "$SOCK" list --json >"$W/list.json" 2>/dev/null &&
       [ "$(grep -c '"state": "running"' "$W/list.json")" -ge "$N" ] &&
       awk -v v="$(calc "($(now) - $a) * 1000")" 'BEGIN { exit !(v < 200) }'; then
        break
    fi
    sleep 0.05
done
t1=$(now); s1=$(cpu_ticks "$SPID"); x1=$(cpu_ticks "$XPID")
wait_until 60 grep -q "serving" "$W/x.stderr"
x_req=$(sed -n 's/.*, \([0-9]*\) xenstore requests.*/\1/p' "$W/x.stderr" | head -1)
stop_pid "$XPID"
row xcmuxd "$(calc "($t1 - $t0) * 1000")" "$(calc "${x_req:-0} / $N")" "$x1" "$((s1 - s0))" "$BASE_MS"

# ---- xenconsoled -------------------------------------------------------------
# (ATTACH_XENCONSOLED=0 leaves it out: at 4000 guests it takes minutes.)
[ "${ATTACH_XENCONSOLED:-1}" = 0 ] && exit 0
dir=$W/xcd
mkdir -p "$dir"
s0=$(cpu_ticks "$SPID"); t0=$(now)
"$XENCONSOLED" -i --log=guest --log-dir="$dir" 2>"$dir.err" &
pid=$!
BG_PIDS+=("$pid")
wait_until "${XCD_WAIT:-300}" bash -c "[ \$(ls '$dir' | wc -l) -ge $N ]"
t1=$(now); s1=$(cpu_ticks "$SPID"); c1=$(cpu_ticks "$pid")
got=$(ls "$dir" | wc -l)
stop_pid "$pid"
label=xenconsoled
# (XCD_WAIT counts polls of 50 ms; each lists the log directory, so on a
# loaded host the bound stretches: the ms column is the real time.)
[ "$got" -ge "$N" ] || label="xenconsoled (stopped with $got of $N logs)"
row "$label" "$(calc "($t1 - $t0) * 1000")" "-" "$c1" "$((s1 - s0))" "$BASE_MS"
