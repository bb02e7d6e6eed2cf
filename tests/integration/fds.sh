#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# File descriptors per guest, and idle logs, of xcmuxd on xensim:
#  (a) a quiet guest's log file is closed once it has been idle for
#      XCMUX_LOG_IDLE_MS (daemon/limits.h): no fd of the daemon points at
#      it, and with pty = rw each guest then holds exactly 2 fds (its pty
#      master and the held slave);
#  (b) output after that still lands in the log, appended after what was
#      there (nothing lost or repeated), and the log is closed again when
#      idle;
#  (c) SIGHUP while the logs are closed leaves them closed, and output
#      afterwards lands in the log;
#  (d) once every log is closed the daemon sleeps: no voluntary context
#      switch over 2 s (no timer fires for quiet guests);
#  (e) with pty = off a quiet guest costs the daemon no fd at all.
. "$(dirname "$0")/lib.sh"
in_host "$@"

XD=$XENSIM_DIR/fds
LOGS=$XD/logs
SOCK=$XD/fds.sock
CONF=$XD/fds.conf
mkdir -p "$XD"
DPID=
cleanup() {
    [ -n "$DPID" ] && kill "$DPID" 2>/dev/null
    wait 2>/dev/null
}
trap cleanup EXIT
X() { "$XCMUX" -S "$SOCK" "$@"; }
limit() { sed -n "s/^#define $1 \\([0-9]*\\).*/\\1/p" "$top_srcdir/daemon/limits.h"; }
# Longest a quiet log may stay open, in whole seconds, with some slack.
IDLE_S=$(( ($(limit XCMUX_LOG_IDLE_MS) + $(limit XCMUX_LOG_SWEEP_MIN_MS)) / 1000 + 3 ))
GUESTS="q1 q2 q3"

start_daemon() { # start_daemon PTY_MODE
    printf '[global]\npty = %s\n' "$1" >"$CONF"
    "$XCMUXD" -f -c "$CONF" -S "$SOCK" --log-dir "$LOGS" 2>>"$XD/xcmuxd.err" &
    DPID=$!
    wait_until 10 X list
    # One-time fds of the whole daemon, taken before the baseline: the
    # syslog connection, and whatever a first guest opens once. A guest
    # that comes and goes does it. (xensim's notify socket is opened with
    # the daemon's event-channel handle, as /dev/xen/evtchn is on Xen: at
    # its first notification, which under memcheck could come after the
    # warm guest had gone, it was one fd too many here.)
    hup
    xensim create warm --echo >/dev/null
    wait_until 20 running 1
    xensim destroy warm >/dev/null
    wait_until 10 warm_gone
}
RELOADS=0
hup() { # SIGHUP; waits for the daemon to report the reload
    RELOADS=$((RELOADS + 1))
    kill -HUP "$DPID"
    wait_until 5 bash -c "[ \$(grep -c 'configuration reloaded' '$XD/xcmuxd.err') -ge $RELOADS ]"
}
stop_daemon() { kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=; }
# fds of the daemon, not counting the hypervisor console's log (@xen: it
# is written at start and closed when idle like any log, independently of
# the guests counted here)
nfds() { echo $(( $(ls "/proc/$DPID/fd" | wc -l) - $(fds_on "$LOGS/hypervisor.log") )); }
# fds of the daemon open on FILE
fds_on() {
    local n=0 f
    for f in /proc/"$DPID"/fd/*; do
        [ "$(readlink "$f")" = "$1" ] && n=$((n + 1))
    done
    echo "$n"
}
log_fds() { # fds open on any of the guests' logs
    local n=0 g
    for g in $GUESTS; do n=$((n + $(fds_on "$LOGS/$g.log"))); done
    echo "$n"
}
no_log_fds() { [ "$(log_fds)" = 0 ] && [ "$(fds_on "$LOGS/warm.log")" = 0 ]; }
vcsw() { awk '/^voluntary_ctxt_switches:/ { print $2 }' "/proc/$DPID/status"; }
warm_gone() { ! X list | grep -q warm; }
running() { [ "$(X list --json | grep -c '"state": "running"')" -ge "$1" ]; }

# ---- pty = rw ----------------------------------------------------------------
start_daemon rw
sleep 0.5
base=$(nfds)
for g in $GUESTS; do xensim create "$g" --echo >/dev/null; done
check "three guests attached" wait_until 20 running 3
check "their logs are open while they print" wait_until 10 bash -c \
    "[ \$(ls -l /proc/$DPID/fd | grep -c '$LOGS/q') -ge 1 ]"
echo "# waiting up to ${IDLE_S}s for the logs to go idle"
check "(a) every quiet guest's log is closed after the idle time" wait_until "$IDLE_S" no_log_fds
per=$(( $(nfds) - base ))
check "(a) with pty = rw, 3 quiet guests hold 6 fds (pty master + slave each; got $per)" \
    test "$per" = 6

cp "$LOGS/q1.log" "$XD/q1.before"
size0=$(stat -c %s "$XD/q1.before")
printf 'echo after-idle-1\r' | X console q1 >"$XD/c1.out" 2>&1
check "(b) output after the close lands in q1.log" \
    wait_until 5 grep -q '^\[.*\] after-idle-1' "$LOGS/q1.log"
check "(b) ... appended: the first $size0 bytes are what was there before" \
    cmp -s -n "$size0" "$XD/q1.before" "$LOGS/q1.log"
check "(b) ... and the typed line is logged exactly once" \
    test "$(grep -c 'echo after-idle-1' "$LOGS/q1.log")" = 1
check "(b) q1's log is open again after the write" test "$(fds_on "$LOGS/q1.log")" = 1
check "(b) q2's log stayed closed" test "$(fds_on "$LOGS/q2.log")" = 0
check "(b) q1's log is closed again once idle" wait_until "$IDLE_S" no_log_fds

check "(c) reload reported" hup
sleep 0.3
check "(c) SIGHUP leaves idle logs closed" no_log_fds
printf 'echo after-hup-2\r' | X console q2 >"$XD/c2.out" 2>&1
check "(c) output after SIGHUP lands in q2.log" \
    wait_until 5 grep -q 'after-hup-2' "$LOGS/q2.log"
check "(c) ... and q2.log is closed again once idle" wait_until "$IDLE_S" no_log_fds

sleep 0.5
v0=$(vcsw); sleep 2; v1=$(vcsw)
check "(d) quiet guests, logs closed: the daemon did not wake up in 2 s ($((v1 - v0)) switches)" \
    test "$((v1 - v0))" = 0
stop_daemon

# ---- pty = off ---------------------------------------------------------------
# A fresh daemon on no guests, then on the same three.
for g in $GUESTS; do xensim destroy "$g" >/dev/null; done
start_daemon off
sleep 0.5
base=$(nfds)
for g in $GUESTS; do xensim create "$g" --echo >/dev/null; done
check "pty = off: three guests attached" wait_until 20 running 3
check "(e) pty = off: logs closed after the idle time" wait_until "$IDLE_S" no_log_fds
per=$(( $(nfds) - base ))
check "(e) with pty = off, 3 quiet guests hold no fd (got $per)" test "$per" = 0
stop_daemon

finish
