#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Attach at scale on both xenstore daemons, side by side. For each store
# (ATTACH_STORES, default "oxenstored xenstored"), each N (ATTACH_NS,
# default "1000") and each round (ATTACH_ROUNDS, default 1), one fresh
# simulated host with N quiet guests per backend, in turn:
#   baseline     bench/attachbase: ring-ref and port read, tty written,
#                for every guest (3 round trips per console, no watch):
#                the limit the store sets;
#   daemon-requests  attachbase --daemon-requests: the seven round trips
#                xcmuxd makes per console, one at a time: what the store
#                charges for the daemon's request mix;
#   xcmuxd       ms from exec until it reports itself ready (its
#                "serving" line: every console of the first scan
#                attached); its xenstore requests per console at attach
#                (that line counts them); CPU of xcmuxd and of the store
#                over that time;
#   xenconsoled  ms until it has opened N guest logs (bounded by
#                XCD_WAIT, 300 s), and the store's CPU meanwhile
#                (ATTACH_XENCONSOLED=0: not run).
# Each backend on a host of its own: every one finds the store as the
# toolstack left it (console/tty empty). On the C xenstored a node dom0
# has written once costs several times as much to write again (a second
# pass of the baseline on the same guests takes 4-5 times the first), so
# backends run one after the other on the same guests are not compared
# alike. ATTACH_WARM=1 measures the other case, a backend replacing or
# restarting after another: one unmeasured pass of the baseline first.
# The backends' log directories are a tmpfs of their own (when mount
# works, i.e. as root): creating a thousand log files costs what the
# file system's allocator charges for it, which on a long-used ext4 /tmp
# (many files created and deleted by earlier runs) was half a second to
# a second of kernel time, a measure of that history, not of a backend.
# ATTACH_LOG_FS=disk keeps them on the host directory instead.
# "vs baseline" divides by the baseline of the same round. Prints a
# Markdown table of every round, then one of the medians over rounds.
# Creating the guests is setup, not measured.
. "$(dirname "$0")/lib.sh"
# Every row is timed by the shell's own clock, none with a process
# started around it; its decimal point must be the one awk reads.
LC_NUMERIC=C
ATTACH_STORES=${ATTACH_STORES:-oxenstored xenstored}
ATTACH_NS=${ATTACH_NS:-1000}
ATTACHBASE=$top_builddir/bench/attachbase

if [ -z "${ATTACH_N:-}" ]; then
    [ -x "$ATTACHBASE" ] || { echo "bench: $ATTACHBASE not built" >&2; exit 1; }
    who="baseline daemon-requests xcmuxd"
    [ "${ATTACH_XENCONSOLED:-1}" = 0 ] || who="$who xenconsoled"
    base_file=$(mktemp) row_file=$(mktemp) rows_file=$(mktemp)
    trap 'rm -f "$base_file" "$row_file" "$rows_file"' EXIT
    echo "| store | guests | round | backend | attach ms | xenstore requests/console | backend CPU s | store CPU s | backend CPU share | vs baseline |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    for store in $ATTACH_STORES; do
        for n in $ATTACH_NS; do
            for round in $(seq 1 "${ATTACH_ROUNDS:-1}"); do
                for w in $who; do
                    XENSIM_XENSTORED=$store ATTACH_N=$n ATTACH_WHO=$w ATTACH_ROUND=$round \
                        ATTACH_BASE_FILE=$base_file bash "$0" >"$row_file" || exit 1
                    tee -a "$rows_file" <"$row_file"
                done
            done
        done
    done
    # One round is one sample of a noisy machine (the store's CPU for
    # the same requests varies by a third from host to host): the median
    # over the rounds is the figure to compare with a target.
    echo
    echo "| store | guests | backend | rounds | median attach ms | median vs baseline |"
    echo "|---|---|---|---|---|---|"
    awk -F' [|] ' '{ k = $1 " | " $2 " | " $4; if (!(k in n)) order[++nk] = k
                     n[k]++; ms[k, n[k]] = $5
                     if ($4 ~ /^baseline/) base[$1, $2, $3] = $5
                     r[k, n[k]] = base[$1, $2, $3] ? $5 / base[$1, $2, $3] : 0 }
        function median(a, k, c,   i, j, t, v) {
            for (i = 1; i <= c; i++) v[i] = a[k, i]
            for (i = 2; i <= c; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
            return c % 2 ? v[(c + 1) / 2] : (v[c / 2] + v[c / 2 + 1]) / 2 }
        END { for (i = 1; i <= nk; i++) { k = order[i]
                  printf "%s | %d | %.0f | %.1fx |\n", k, n[k], median(ms, k, n[k]), median(r, k, n[k]) } }' "$rows_file"
    exit 0
fi
N=${ATTACH_N:?}
WHO=${ATTACH_WHO:?}

# Inside a host: re-exec'd by in_host with the store picked above.
in_host "$@"
STORE=$(xensim store)
SPID=$(cat "$XENSIM_DIR/xenstored.pid")
xensim create q --count "$N" >/dev/null || exit 1
# Every guest's console nodes are written before it is introduced; wait
# for the last one.
wait_until 120 bash -c "xenstore-read -s /local/domain/$N/console/port" >/dev/null 2>&1
sleep 1
# log_dir DIR: DIR, on its own tmpfs unless ATTACH_LOG_FS=disk.
log_dir() {
    mkdir -p "$1"
    if [ "${ATTACH_LOG_FS:-tmpfs}" != disk ] && mount -t tmpfs -o size=256m xcmux-bench "$1" 2>/dev/null; then
        MOUNTS+=("$1")
    fi
}
MOUNTS=()
# (after bench_cleanup has stopped the backends that hold files there)
trap 'bench_cleanup; for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done' EXIT
if [ "${ATTACH_WARM:-0}" = 1 ]; then
    "$ATTACHBASE" "$N" >/dev/null 2>&1 || exit 1
fi

row() { # row BACKEND MS REQ/CON BACKEND_TICKS STORE_TICKS BASE_MS
    awk -v who="$1" -v ms="$2" -v req="$3" -v bt="$4" -v st="$5" -v base="$6" \
        -v store="$STORE" -v n="$N" -v hz="$HZ" -v round="${ATTACH_ROUND:-1}" 'BEGIN {
        share = (bt + st) ? 100 * bt / (bt + st) : 0
        own = bt ? sprintf("%.2f", bt / hz) : "-"
        sh = bt ? sprintf("%.0f %%", share) : "-"
        printf "| %s | %d | %s | %s | %.0f | %s | %s | %.2f | %s | %.1fx |\n",
            store, n, round, who, ms, req, own, st / hz, sh, base ? ms / base : 0 }'
}

# ---- baseline ----------------------------------------------------------------
if [ "$WHO" = baseline ]; then
    s0=$(cpu_ticks "$SPID"); t0=$EPOCHREALTIME
    "$ATTACHBASE" "$N" >"$W/base.out" 2>&1 || { cat "$W/base.out" >&2; exit 1; }
    t1=$EPOCHREALTIME; s1=$(cpu_ticks "$SPID")
    BASE_MS=$(calc "($t1 - $t0) * 1000")
    echo "$BASE_MS" >"$ATTACH_BASE_FILE"
    b_req=$(sed -n 's/.* \([0-9]*\) requests.*/\1/p' "$W/base.out")
    row "baseline (attachbase)" "$BASE_MS" "$(calc "$b_req / $N")" 0 "$((s1 - s0))" "$BASE_MS"
    exit 0
fi
BASE_MS=$(cat "$ATTACH_BASE_FILE")

# ---- the daemon's requests, one at a time ------------------------------------
if [ "$WHO" = daemon-requests ]; then
    s0=$(cpu_ticks "$SPID"); t0=$EPOCHREALTIME
    "$ATTACHBASE" --daemon-requests "$N" >"$W/dr.out" 2>&1 || { cat "$W/dr.out" >&2; exit 1; }
    t1=$EPOCHREALTIME; s1=$(cpu_ticks "$SPID")
    d_req=$(sed -n 's/.* \([0-9]*\) requests.*/\1/p' "$W/dr.out")
    row "xcmuxd's requests, one at a time (attachbase --daemon-requests)" \
        "$(calc "($t1 - $t0) * 1000")" "$(calc "$d_req / $N")" 0 "$((s1 - s0))" "$BASE_MS"
    exit 0
fi

# ---- xcmuxd ------------------------------------------------------------------
# Ends when the daemon reports itself ready: its "serving" line, written
# after the last console of the first scan is attached (ring mapped, port
# bound, console/tty published), at the moment it sends READY=1 and the
# background parent exits (what `systemctl start` waits for). The line is
# read off a FIFO by this shell's own `read`: polling `xcmux list` every
# 50 ms on the dom0 CPU (as earlier versions did) forked five processes
# a poll and had the daemon format a thousand-console list each time, a
# load on the very CPU the daemon and the store share, and ended up to a
# poll late. Checked after the clock has stopped: `xcmux list` shows N
# consoles running and every guest's console/tty is written, or the run
# fails.
if [ "$WHO" = xcmuxd ]; then
    SOCK=$W/x.sock
    printf '[global]\npty = rw\n' >"$W/x.conf"
    log_dir "$W/x-logs"
    mkfifo "$W/x.fifo"
    s0=$(cpu_ticks "$SPID"); t0=$EPOCHREALTIME
    "$XCMUXD" -f -c "$W/x.conf" -S "$SOCK" --log-dir "$W/x-logs" 2>"$W/x.fifo" &
    XPID=$!
    BG_PIDS+=("$XPID")
    exec 4<"$W/x.fifo"
    ready=
    # (-t: a daemon that hangs before ready fails the run, not blocks it)
    while IFS= read -r -t 600 -u 4 line; do
        printf '%s\n' "$line" >>"$W/x.stderr"
        case $line in *serving*) ready=$line; break ;; esac
    done
    t1=$EPOCHREALTIME; s1=$(cpu_ticks "$SPID"); x1=$(cpu_ticks "$XPID")
    cat <&4 >>"$W/x.stderr" &
    BG_PIDS+=("$!")
    exec 4<&-
    [ -n "$ready" ] || { echo "bench: xcmuxd did not report ready" >&2; cat "$W/x.stderr" >&2; exit 1; }
    running=$("$XCMUX" -S "$SOCK" list --json | grep -c '"state": "running"')
    [ "$running" -ge "$N" ] || { echo "bench: ready with $running of $N consoles running" >&2; exit 1; }
    # (one xenstore-read per 500 guests: a listing of /local/domain
    # would not fit in one reply at 4000 guests)
    ttys=$(seq 1 "$N" | sed 's|.*|/local/domain/&/console/tty|' |
        xargs -n 500 xenstore-read | grep -c '^/dev/pts/')
    [ "$ttys" -ge "$N" ] || { echo "bench: ready with $ttys of $N console/tty written" >&2; exit 1; }
    x_req=$(printf '%s\n' "$ready" | sed -n 's/.*, \([0-9]*\) xenstore requests.*/\1/p')
    stop_pid "$XPID"
    row xcmuxd "$(calc "($t1 - $t0) * 1000")" "$(calc "${x_req:-0} / $N")" "$x1" "$((s1 - s0))" "$BASE_MS"
    exit 0
fi

# ---- xenconsoled -------------------------------------------------------------
# (ATTACH_XENCONSOLED=0 leaves it out: at 4000 guests it takes minutes.)
dir=$W/xcd
log_dir "$dir"
s0=$(cpu_ticks "$SPID"); t0=$EPOCHREALTIME
"$XENCONSOLED" -i --log=guest --log-dir="$dir" 2>"$dir.err" &
pid=$!
BG_PIDS+=("$pid")
wait_until "${XCD_WAIT:-300}" bash -c "[ \$(ls '$dir' | wc -l) -ge $N ]"
t1=$EPOCHREALTIME; s1=$(cpu_ticks "$SPID"); c1=$(cpu_ticks "$pid")
got=$(ls "$dir" | wc -l)
stop_pid "$pid"
label=xenconsoled
# (XCD_WAIT counts polls of 50 ms; each lists the log directory, so on a
# loaded host the bound stretches: the ms column is the real time.)
[ "$got" -ge "$N" ] || label="xenconsoled (stopped with $got of $N logs)"
row "$label" "$(calc "($t1 - $t0) * 1000")" "-" "$c1" "$((s1 - s0))" "$BASE_MS"
