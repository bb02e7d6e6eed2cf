#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What an admin reads after start-up and restarts:
#  (a) a nested log_dir that does not exist is created at start-up
#      (mkdir -p, 0750), with no error reported;
#  (b) after kill -9 and a restart, the console log says the daemon
#      restarted (it found the ring as the previous daemon left it) and
#      that the sessions attached to the previous daemon were lost;
#  (c) after a clean stop and a restart, it says the previous daemon
#      stopped cleanly;
#  (d) a guest created while the daemon runs gets no restart line;
#  (e) how the previous daemon ended comes from the state file next to
#      the socket (rs.state: "running" while it runs, "stopped" after a
#      clean stop), not from the log: after kill -9 and the stale socket
#      removed by hand the log still says it did not stop cleanly, and
#      after a clean stop and the log moved away (external rotation) the
#      new log still says it stopped cleanly; the daemon's own log says
#      how the previous one ended, with its pid.
. "$(dirname "$0")/lib.sh"
in_host "$@"
. "$(dirname "$0")/own-daemon-lib.sh"

XD=$XENSIM_DIR/rs
SOCK=$XD/rs.sock
LOGS=$XD/deep/er/logs
ERR=$XD/xcmuxd.err
mkdir -p "$XD"
X() { "$XCMUX" -S "$SOCK" "$@"; }

# (a)
daemon_start
check "(a) the nested log directory exists at start-up" test -d "$LOGS"
check "(a) ... mode 0750" test "$(stat -c %a "$LOGS")" = 750
check "(a) ... and no error was reported about it" bash -c "! grep -qi 'log directory' '$ERR'"

xensim create g1 --every 200 --line tick >/dev/null
wait_until 10 bash -c "'$XCMUX' -S '$SOCK' list | grep -q ' g1 .*running'"
check "(d) a guest created while the daemon runs: no restart line" \
    bash -c "! grep -q 'restarted' '$LOGS/g1.log'"
# A session, lost with the daemon.
XCMUX_LINGER_MS=0 X console -r g1 </dev/zero >/dev/null 2>&1 &
PIDS+=("$!")
wait_until 10 grep -q "attach root" "$LOGS/g1.log"

# (b) kill -9
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=
sleep 0.5
daemon_start
wait_until 10 bash -c "[ \$(grep -c 'console 0 attached' '$LOGS/g1.log') -ge 2 ]"
check "(b) after kill -9 the log says the daemon restarted and found the ring as left" \
    wait_until 5 grep -q "xcmuxd restarted: found the ring as a previous daemon left it" "$LOGS/g1.log"
check "(b) ... and that the sessions attached to it were lost" \
    grep -q "did not stop cleanly (killed or crashed): sessions attached to it were lost" "$LOGS/g1.log"

# (c) clean stop
kill "$DPID"; wait "$DPID"; DPID=
daemon_start
wait_until 10 bash -c "[ \$(grep -c 'console 0 attached' '$LOGS/g1.log') -ge 3 ]"
check "(c) after a clean stop the log says the previous daemon stopped cleanly" \
    wait_until 5 grep -q "the previous daemon stopped cleanly" "$LOGS/g1.log"
STATE=$XD/rs.state
check "(e) the state file says this daemon is running" \
    grep -q "^xcmuxd running pid $DPID boot " "$STATE"

# (e) kill -9, and the stale socket removed by hand: still unclean.
prev=$DPID
kill -9 "$DPID"; wait "$DPID" 2>/dev/null; DPID=
check "(e) a killed daemon leaves 'running' in the state file" \
    grep -q "^xcmuxd running pid $prev " "$STATE"
rm -f "$SOCK"
daemon_start
wait_until 10 bash -c "[ \$(grep -c 'console 0 attached' '$LOGS/g1.log') -ge 4 ]"
check "(e) kill -9 with the socket removed: the log still says it did not stop cleanly" \
    wait_until 5 bash -c "[ \$(grep -c 'did not stop cleanly (killed or crashed)' '$LOGS/g1.log') -ge 2 ]"
check "(e) ... and the daemon's log names the killed one" \
    grep -q "the previous xcmuxd (pid $prev) did not stop cleanly (killed or crashed)" "$ERR"

# (e) clean stop, then the log moved away: still clean.
prev=$DPID
kill "$DPID"; wait "$DPID"; DPID=
check "(e) a clean stop leaves 'stopped' in the state file" \
    grep -q "^xcmuxd stopped pid $prev " "$STATE"
mv "$LOGS/g1.log" "$LOGS/g1.log.old"
daemon_start
wait_until 10 grep -q 'console 0 attached' "$LOGS/g1.log"
check "(e) clean stop with the log rotated away: the new log says it stopped cleanly" \
    wait_until 5 grep -q "the previous daemon stopped cleanly" "$LOGS/g1.log"
check "(e) ... and the daemon's log says so, with its pid" \
    grep -q "the previous xcmuxd (pid $prev) stopped cleanly" "$ERR"
sed 's/^/#   /' "$LOGS/g1.log.old" "$LOGS/g1.log" | grep -E 'attached|restart|previous|stopping|detach'

check "daemon still running" kill -0 "$DPID"
kill "$DPID"; wait "$DPID"; DPID=
check "no sanitizer or crash report on the daemon's stderr" \
    bash -c "! grep -qiE 'sanitizer|runtime error|segv' '$ERR'"
finish
