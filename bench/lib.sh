# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers of the benchmark scripts. Each script runs inside a fresh
# simulated host (`xensim run -- script`), starts the backends it compares
# one after the other on that host, and prints a Markdown table.
set -u
: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
XEN_BINDIR=${XEN_BINDIR:-/usr/lib/xen-4.17/bin}
XENSIM=$top_builddir/sim/xensim
# BENCH_XCMUXD: another build of the daemon (a before/after comparison).
XCMUXD=${BENCH_XCMUXD:-$top_builddir/daemon/xcmuxd}
XCMUX=$top_builddir/client/xcmux
NULLCONS=$top_builddir/bench/nullcons
FLOODCHECK=$top_builddir/bench/floodcheck
ECHOLAT=$top_builddir/bench/echolat
XENCONSOLED=$XEN_BINDIR/xenconsoled
export top_builddir top_srcdir XEN_BINDIR

# Re-exec the calling script inside a fresh simulated host.
in_host() {
    if [ -z "${XENSIM_DIR:-}" ]; then
        for f in "$XENSIM" "$XCMUXD" "$XCMUX" "$NULLCONS" "$FLOODCHECK" "$ECHOLAT"; do
            [ -x "$f" ] || { echo "bench: $f not built (run make in $top_builddir)" >&2; exit 1; }
        done
        exec "$XENSIM" run -- bash "$0" "$@"
    fi
    W=$XENSIM_DIR/bench
    mkdir -p "$W"
    BG_PIDS=()
    trap bench_cleanup EXIT
    pin_guest_host
}

# A real guest runs on its own vCPU, beside dom0; on xensim every guest
# lives in one dom0 process (xensim-guestd) that would otherwise compete
# for the same CPUs as the backend and its clients, so the guest's rate
# would measure the scheduler, not the backend. With BENCH_PIN=1 (the
# default when there are 2 CPUs or more) the guest host gets the last CPU
# and everything else (xenstored, this script, the backend under test and
# its clients, which inherit it) the others; every backend is measured
# the same way. PINNING says what was done, for the tables.
pin_guest_host() {
    local n last gpid
    n=$(nproc)
    PINNING="none (BENCH_PIN=0)"
    [ "${BENCH_PIN:-1}" = 1 ] || return 0
    if [ "$n" -lt 2 ]; then
        PINNING="none (1 CPU)"
        return 0
    fi
    last=$((n - 1))
    local dom0=0
    [ "$last" -gt 1 ] && dom0="0-$((last - 1))"
    gpid=$(cat "$XENSIM_DIR/guestd.pid" 2>/dev/null) || return 0
    taskset -apc "$last" "$gpid" >/dev/null &&
        taskset -apc "$dom0" "$(cat "$XENSIM_DIR/xenstored.pid")" >/dev/null &&
        taskset -pc "$dom0" $$ >/dev/null &&
        PINNING="guest host on CPU $last, dom0 side (xenstored, backend, clients) on CPU $dom0"
}

bench_cleanup() {
    local p
    for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    exec 3>&- 2>/dev/null || true
}

now() { date +%s.%N; }
# calc EXPR: floating point arithmetic through awk
calc() { awk "BEGIN { printf \"%s\", $1 }" 2>/dev/null; }
fmt() { awk -v v="$2" "BEGIN { printf \"$1\", v }"; }
mbps() { awk -v v="$1" 'BEGIN { printf "%.1f", v / 1e6 }'; }

status_field() { # status_field NAME FIELD
    xensim status "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# guest_rate NAME SECONDS: bytes/s the guest moved into its ring over the
# window, from the guest's own counter (xensim status bytes_out).
guest_rate() {
    local a b t0 t1
    t0=$(now); a=$(status_field "$1" bytes_out)
    sleep "$2"
    t1=$(now); b=$(status_field "$1" bytes_out)
    calc "($b - $a) / ($t1 - $t0)"
}

wait_until() { # wait_until SECONDS CMD...
    local limit=$(( $1 * 100 )) i=0
    shift
    until "$@" >/dev/null 2>&1; do
        i=$((i + 1))
        [ "$i" -ge "$limit" ] && return 1
        sleep 0.01
    done
}

# start_xcmuxd TAG CONFIG_TEXT: runs xcmuxd in the foreground with that
# config; sets XPID and SOCK. Returns once the socket answers.
start_xcmuxd() {
    local tag=$1
    SOCK=$W/$tag.sock
    mkdir -p "$W/$tag-logs"
    printf '%s\n' "$2" >"$W/$tag.conf"
    XSTART=$(now)
    "$XCMUXD" -f -c "$W/$tag.conf" -S "$SOCK" --log-dir "$W/$tag-logs" 2>"$W/$tag.stderr" &
    XPID=$!
    BG_PIDS+=("$XPID")
    wait_until 120 grep -q "serving" "$W/$tag.stderr" || { echo "bench: xcmuxd did not start" >&2; cat "$W/$tag.stderr" >&2; return 1; }
    XREADY=$(now)
}

stop_pid() { # stop_pid PID: SIGTERM and reap
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    return 0
}

# A FIFO held open on fd 3 gives clients a stdin that never ends, so
# `xcmux console` (a plain pipe without a tty) stays attached.
hold_stdin() {
    [ -p "$W/hold" ] || mkfifo "$W/hold"
    exec 3<>"$W/hold"
}

cpu_ticks() { # utime + stime of PID, in clock ticks
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
nfds() { ls "/proc/$1/fd" | wc -l; }
vcsw() { awk '/^voluntary_ctxt_switches:/ { print $2 }' "/proc/$1/status"; }
ncsw() { awk '/^nonvoluntary_ctxt_switches:/ { print $2 }' "/proc/$1/status"; }
HZ=$(getconf CLK_TCK)

verdict() { # verdict VALUE OP TARGET -> "met" / "MISSED"
    if awk -v v="$1" -v t="$3" "BEGIN { exit !(v $2 t) }"; then echo met; else echo MISSED; fi
}
