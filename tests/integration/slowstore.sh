#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A stopped store never holds the rings (daemon/hyp.h, jobs): with the
# xenstore daemon stopped (SIGSTOP: its socket stays open, nothing is
# answered), the daemon is made to need the store (a reload turns the
# pty off, so the console's tty node is to be rewritten), and an
# attached guest's output keeps reaching its log meanwhile and clients
# are answered. Asserted on bytes, not time: the log grows by 64 KiB
# while the store is stopped. Once the store runs again the queued write
# lands. On both stores (make check's C xenstored pass), with the
# daemon's requests pipelined on its own connections and again on its
# fallback threads.
. "$(dirname "$0")/lib.sh"
in_host "$@"
. "$(dirname "$0")/itest1-lib.sh"

SPID=$(cat "$XENSIM_DIR/xenstored.pid")
echo "# store: $(xensim store) (pid $SPID)"
cont() { kill -CONT "$SPID" 2>/dev/null; }
trap 'cont; itest1_cleanup 2>/dev/null' EXIT
# round MODE NAME: the whole scenario on guest NAME, with the store's
# requests pipelined on the daemon's own connections (MODE 1, the
# default) or on its libxenstore threads (MODE 0, XCMUX_STORE_PIPELINE=0,
# as where the store has no socket).
round() {
    local how=$1 g=$2
    export XCMUX_STORE_PIPELINE=$how
    : >"$XD/xcmuxd.err"
    start_xcmuxd "[global]
pty = rw" || { bad "[$how] xcmuxd did not start"; return; }
    xensim create "$g" --flood 40000 >/dev/null
    id=$(xensim list | awk -v g="$g" '$2 == g {print $1}')
    running() { jq_list "c('$g')['state'] == 'running'"; }
    check "[$how] the flooding guest is attached" wait_until 10 running
    pts() { case "$(xs_read "/local/domain/$id/console/tty")" in /dev/pts/*) return 0 ;; esac; return 1; }
    check "[$how] its console/tty names a pty" wait_until 10 pts
    LOG=$XD/logs/$g.log
    size() { stat -c %s "$LOG" 2>/dev/null || echo 0; }

    kill -STOP "$SPID"
    printf '[global]\npty = off\n' >"$XD/xcmuxd.conf"
    kill -HUP "$XCMUXD_PID"
    check "[$how] the reload (pty rw -> off) is done while the store is stopped" \
        wait_until 20 file_has "$LOG" "pty mode rw -> off"
    s0=$(size)
    grown() { [ "$(size)" -ge $((s0 + 65536)) ]; }
    check "[$how] the guest's output keeps reaching its log while the store is stopped" \
        wait_until 60 grown
    listed() { X list >/dev/null; }
    check "[$how] clients are answered while the store is stopped" listed
    check "[$how] the store was stopped throughout" grep -q '^State:.*T' "/proc/$SPID/status"

    cont
    placeholder() { case "$(xs_read "/local/domain/$id/console/tty")" in xcmux:none*) return 0 ;; esac; return 1; }
    check "[$how] once the store runs again, the tty node is rewritten" wait_until 20 placeholder
    check "[$how] the daemon never lost the store connection" \
        bash -c "! grep -q 'xenstore connection lost' '$XD/xcmuxd.err'"
    threads=$(ls "/proc/$XCMUXD_PID/task" | wc -l)
    if [ "$how" = 1 ]; then
        check "[$how] no job thread was started (got $threads threads)" test "$threads" -le 2
    else
        check "[$how] the job threads ran the requests (got $threads threads)" test "$threads" -gt 2
    fi
    stop_xcmuxd
    xensim destroy "$g" >/dev/null
}
round 1 noisy
round 0 noisy0
finish
