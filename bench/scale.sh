#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Scale: N quiet guests (default 1000 and 4000) on one daemon.
#   attach   time from exec(xcmuxd) until `xcmux list` shows all N
#            consoles running and answered within 200 ms (the daemon
#            attaches from its event loop and answers clients meanwhile;
#            "serving" is logged when its first scan is attached),
#   max list the slowest `xcmux list` answer while it attaches,
#   RSS      (VmRSS with N guests - VmRSS with 0) / N, minus the output
#            buffer bytes actually touched (boot text, in whole pages; at
#            least the first page, which malloc's chunk header makes
#            resident even when the guest printed nothing for this daemon,
#            as for the second daemon started on the same guests);
#            the same for RssAnon, the daemon's own memory, which is what
#            the target is judged on: VmRSS also counts each guest's ring
#            page, which xensim's fake libxenforeignmemory/libxengnttab map
#            from a shared file (RssShmem) but which on real Xen is a
#            foreign (PFNMAP) mapping that RSS does not count,
#   fds      (open fds with N guests - with 0) / N, with pty = rw and off,
#            counted after every log went idle: the daemon closes a log
#            file XCMUX_LOG_IDLE_MS (daemon/limits.h) after its last write
#            and reopens it on the next, so the script waits that long plus
#            the sweep delay after the guests' boot text before counting,
#   wakeups  voluntary context switches of the daemon over 5 s while every
#            guest is quiet (after that wait), and its CPU over the window,
# and Debian's xenconsoled on the same guests for comparison (attach time
# until it has opened every guest log, fds per guest).
# Creating guests is setup, not measured (xensim creates them in
# pipelined batches: ~1 s for 1000, ~7 s for 4000, see sim/README.md).
# Env: SCALE_NS ("1000 4000"), SCALE_BACKENDS ("xcmuxd xenconsoled"),
# QUIET (5 s), XCD_WAIT (600 s: the longest wait for xenconsoled to attach).
. "$(dirname "$0")/lib.sh"
in_host "$@"
SCALE_NS=${SCALE_NS:-1000 4000}
SCALE_BACKENDS=${SCALE_BACKENDS:-xcmuxd xenconsoled}
QUIET=${QUIET:-5}
limit_ms() { sed -n "s/^#define $1 \([0-9]*\).*/\1/p" "$top_srcdir/daemon/limits.h"; }
# Seconds until every log written during attach has been closed as idle.
LOG_IDLE_WAIT=$(calc "int(($(limit_ms XCMUX_LOG_IDLE_MS) + $(limit_ms XCMUX_LOG_SWEEP_MIN_MS)) / 1000) + 1")
rss_anon_kb() { awk '/^RssAnon:/ { print $2 }' "/proc/$1/status"; }

running_count() {
    "$XCMUX" -S "$SOCK" list --json | grep -c '"state": "running"'
}

# Polls `xcmux list --json` from the start: sets ATTACH (ms from exec
# until a list answered within 200 ms shows N running consoles), SERVING
# (ms until "serving" was logged) and MAXLIST (slowest answer, ms).
wait_attached() {
    local n=$1 t a=$XSTART ms running
    MAXLIST=0 SERVING=
    for _ in $(seq 1 100000); do
        [ -z "$SERVING" ] && grep -q "serving" "$W/$TAG.stderr" &&
            SERVING=$(calc "($(now) - $XSTART) * 1000")
        t=$(now)
        "$XCMUX" -S "$SOCK" list --json >"$W/list.json" 2>/dev/null || { sleep 0.01; continue; }
        a=$(now)
        ms=$(calc "($a - $t) * 1000")
        MAXLIST=$(awk -v m="$MAXLIST" -v v="$ms" 'BEGIN { print (v > m) ? v : m }')
        running=$(grep -c '"state": "running"' "$W/list.json")
        if [ "$running" -ge "$n" ] && awk -v v="$ms" 'BEGIN { exit !(v < 200) }'; then
            break
        fi
        sleep 0.05
    done
    ATTACH=$(calc "($a - $XSTART) * 1000")
    wait_until 60 grep -q "serving" "$W/$TAG.stderr"
    [ -n "$SERVING" ] || SERVING=$(calc "($(now) - $XSTART) * 1000")
}

# start_polled TAG CONFIG_TEXT: as start_xcmuxd, but returns at once, so
# that wait_attached sees the daemon while it attaches.
start_polled() {
    TAG=$1
    SOCK=$W/$TAG.sock
    mkdir -p "$W/$TAG-logs"
    printf '%s\n' "$2" >"$W/$TAG.conf"
    XSTART=$(now)
    "$XCMUXD" -f -c "$W/$TAG.conf" -S "$SOCK" --log-dir "$W/$TAG-logs" 2>"$W/$TAG.stderr" &
    XPID=$!
    BG_PIDS+=("$XPID")
}

# idle TAG CONF -> sets RSS FDS (with 0 guests)
baseline() {
    start_xcmuxd "base-$1" "$2" || exit 1
    sleep 0.3
    eval "RSS0_$1=$(rss_kb "$XPID"); ANON0_$1=$(rss_anon_kb "$XPID"); FDS0_$1=$(nfds "$XPID")"
    stop_pid "$XPID"
}

CONF_RW="[global]
pty = rw"
CONF_OFF="[global]
pty = off"
baseline rw "$CONF_RW"
baseline off "$CONF_OFF"

measure() { # measure N TAG CONF
    local n=$1 tag=$2 conf=$3 t attach running rss anon fds v0 v1 c0 c1 touched
    start_polled "s$n-$tag" "$conf"
    wait_attached "$n"
    attach=$ATTACH
    running=$(running_count)
    local serving=$SERVING
    # Boot text is drained and logged by now; every log closes once idle.
    sleep "$LOG_IDLE_WAIT"
    touched=$("$XCMUX" -S "$SOCK" list --json |
        sed -n 's/.*"bytes_out": \([0-9]*\).*/\1/p' |
        awk '{ p = int(($1 + 4095) / 4096); if (p < 1) p = 1; if (p > 16) p = 16; t += p * 4096 } END { print t + 0 }')
    rss=$(rss_kb "$XPID"); anon=$(rss_anon_kb "$XPID"); fds=$(nfds "$XPID")
    v0=$(vcsw "$XPID"); c0=$(cpu_ticks "$XPID")
    sleep "$QUIET"
    v1=$(vcsw "$XPID"); c1=$(cpu_ticks "$XPID")
    stop_pid "$XPID"
    local rss0 anon0 fds0
    eval "rss0=\$RSS0_$tag; anon0=\$ANON0_$tag; fds0=\$FDS0_$tag"
    local per_rss per_anon per_fd
    per_rss=$(calc "(($rss - $rss0) * 1024 - $touched) / $n / 1024")
    per_anon=$(calc "(($anon - $anon0) * 1024 - $touched) / $n / 1024")
    per_fd=$(calc "($fds - $fds0) / $n")
    printf '| xcmuxd | %d | %s | %.0f | %.0f | %.0f | %d | %.2f | %.2f | %.2f | %d | %.1f |\n' "$n" "pty=$tag" \
        "$attach" "$serving" "$MAXLIST" "$running" "$per_rss" "$per_anon" "$per_fd" "$((v1 - v0))" \
        "$(calc "100 * ($c1 - $c0) / $HZ / $QUIET")"
    eval "ATTACH_${tag}_$n=$attach; RSSG_${tag}_$n=$per_anon; FDG_${tag}_$n=$per_fd; WAKE_${tag}_$n=$((v1 - v0))"
}

measure_xenconsoled() { # measure_xenconsoled N
    local n=$1 dir=$W/xcd-$1 t0 t1 pid v0 v1 fds0
    mkdir -p "$dir"
    t0=$(now)
    "$XENCONSOLED" -i --log=guest --log-dir="$dir" 2>"$dir.err" &
    pid=$!
    BG_PIDS+=("$pid")
    wait_until "${XCD_WAIT:-600}" bash -c "[ \$(ls '$dir' | wc -l) -ge $n ]"
    t1=$(now)
    sleep 1
    local fds rss anon
    fds=$(nfds "$pid"); rss=$(rss_kb "$pid"); anon=$(rss_anon_kb "$pid")
    v0=$(vcsw "$pid"); c0=$(cpu_ticks "$pid")
    sleep "$QUIET"
    v1=$(vcsw "$pid"); c1=$(cpu_ticks "$pid")
    stop_pid "$pid"
    # xenconsoled's own fds without guests are ~10; count them as such.
    printf '| xenconsoled | %d | pty | %.0f | - | - | %d | %.2f | %.2f | %.2f | %d | %.1f |\n' "$n" \
        "$(calc "($t1 - $t0) * 1000")" "$(ls "$dir" | wc -l)" \
        "$(calc "$rss / $n")" "$(calc "$anon / $n")" "$(calc "($fds - 10) / $n")" "$((v1 - v0))" \
        "$(calc "100 * ($c1 - $c0) / $HZ / $QUIET")"
}

echo "### Scale: quiet guests on one daemon"
echo
echo "CPU pinning: $PINNING."
echo
echo "| backend | guests | config | attach ms | serving ms | max list ms | running | VmRSS KiB/guest beyond buffer | RssAnon KiB/guest beyond buffer | fds/guest | wakeups in ${QUIET}s | CPU % |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
have=0
setup_notes=""
for n in $SCALE_NS; do
    t0=$(now)
    xensim create "s$n" --count $((n - have)) --echo >/dev/null || { echo "bench: cannot create guests" >&2; exit 1; }
    # every guest has booted (its boot text is in its ring) before we start
    wait_until 300 bash -c "[ \$(xensim list | grep -c running) -ge $n ]"
    setup_notes="$setup_notes creating $((n - have)) guests (to $n): $(fmt '%.0f' "$(calc "$(now) - $t0")") s;"
    have=$n
    if [[ " $SCALE_BACKENDS " == *" xcmuxd "* ]]; then
        measure "$n" rw "$CONF_RW"
        measure "$n" off "$CONF_OFF"
    fi
    [[ " $SCALE_BACKENDS " == *" xenconsoled "* ]] && measure_xenconsoled "$n"
done
echo
echo "Setup (not measured):$setup_notes"
echo "xenconsoled's RSS columns are its whole VmRSS and RssAnon / guests (it keeps no"
echo "replay buffer); its fds/guest counts everything but ~10 base fds."
echo "fds, RSS and wakeups were taken ${LOG_IDLE_WAIT} s after the daemon answered, once every log had gone idle."
echo "The RSS target is judged on RssAnon (the daemon's own memory): VmRSS also holds"
echo "each guest's 4 KiB ring page, shared memory on xensim, not counted in RSS on Xen."
echo
[[ " $SCALE_BACKENDS " == *" xcmuxd "* ]] || exit 0
echo "| target | value | goal | |"
echo "|---|---|---|---|"
last=${SCALE_NS##* }
a=$(eval echo "\$ATTACH_rw_$last")
printf '| attach time, %d guests | %.0f ms | < 1000 ms | %s |\n' "$last" "$a" "$(verdict "$a" '<' 1000)"
for n in $SCALE_NS; do
    r=$(eval echo "\$RSSG_rw_$n")
    printf '| RssAnon/guest beyond buffer, %d guests | %.2f KiB | <= 16 KiB | %s |\n' "$n" "$r" "$(verdict "$r" '<=' 16)"
done
f=$(eval echo "\$FDG_rw_$last"); o=$(eval echo "\$FDG_off_$last")
printf '| fds/guest, pty = rw | %.2f | 2 | %s |\n' "$f" "$(verdict "$f" '<=' 2.01)"
printf '| fds/guest, pty = off | %.2f | 0 | %s |\n' "$o" "$(verdict "$o" '<=' 0.01)"
w=$(eval echo "\$WAKE_rw_$last")
printf '| wakeups/s, %d quiet guests | %.1f | 0 | %s |\n' "$last" "$(calc "$w / $QUIET")" "$(verdict "$w" '<=' 0)"
