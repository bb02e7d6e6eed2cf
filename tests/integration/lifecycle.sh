#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xcmuxd through the life of daemons and guests, on xensim:
#  (a) a daemon killed with SIGKILL, and one stopped with SIGTERM, is
#      replaced by a new one that re-attaches every console; the guest
#      waited on its full ring meanwhile, and the log continues with
#      consecutive flood sequence numbers (no gap, no duplicate);
#  (b) destroy: an attached client gets DOMAIN_GONE and exits, list stops
#      showing the guest running, the log has a "domain gone" event;
#  (c) reboot: `console --follow` stays attached, gets DOMAIN_BACK and the
#      new boot's text; without --follow the client ends at the reboot;
#  (d) crash: the client is told, the log has the panic text;
#  (e) SIGTERM: attached clients get SHUTDOWN, the log has the last output
#      and the "stopping" event, the daemon exits 0;
#  (f) a guest created after the daemon started is attached and its
#      console/tty written within 1 s.
. "$(dirname "$0")/lib.sh"
in_host "$@"
. "$(dirname "$0")/own-daemon-lib.sh"

SOCK=$XENSIM_DIR/life.sock
LOGS=$XENSIM_DIR/life-logs
CONF=$XENSIM_DIR/life.conf
ERR=$XENSIM_DIR/life-xcmuxd.err
: >"$CONF"
xc() { "$XCMUX" -S "$SOCK" "$@"; }

# client NAME ARGS...: `xcmux console ARGS` in the background with a stdin
# that stays open (a fifo it holds itself); output in $XENSIM_DIR/NAME.*
client() { local name=$1; shift; console_bg "$name" "" "$@"; }
# exited PID SECONDS: wait for PID to end; its exit code in $RC
exited() {
    wait_until "$2" bash -c "! kill -0 $1 2>/dev/null" || return 1
    wait "$1"; RC=$?
    return 0
}
# seqs FILE NAME: the flood sequence numbers of guest NAME in a log
seqs() { sed -nE "s/^(\[[^]]*\] )?$2 ([0-9]{9}) .*/\2/p" "$1"; }
last_seq() { seqs "$1" "$2" | tail -n1 | sed 's/^0*//'; }
# consecutive: stdin numbers are 1, 2, 3, ... with no gap or duplicate
consecutive() {
    awk 'BEGIN { want = 1; bad = 0 }
         { n = $1 + 0; if (n != want) { if (bad < 5) print "#   expected " want ", got " n; bad++ }
           want = n + 1 }
         END { print "#   " NR " lines, last " want - 1; exit bad > 0 || NR == 0 }'
}
fl_logged_at_least() { [ "$(seqs "$LOGS/fl.log" fl | wc -l)" -ge "$1" ]; }
fl_last_above() { local l; l=$(last_seq "$LOGS/fl.log" fl); [ "${l:-0}" -gt "$1" ]; }
STAMP='\[[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z\] '
# The guest's byte stream as the log holds it: stamps and event lines
# removed, and a flood line a restart split (the old daemon read its first
# bytes, the new one the rest) joined again. Flood lines are 79 columns.
fl_stream() {
    sed -E -e "s/$STAMP--- xcmux: .* ---\$//" -e "s/^$STAMP//" "$LOGS/fl.log" |
        awk '{ buf = buf $0; if (length(buf) >= 79) { print buf; buf = "" } }
             END { if (buf != "") print buf }'
}
fl_consecutive() {
    local bad
    bad=$(fl_stream | grep -cvE '^fl [0-9]{9} [a-z]{66}$')
    [ "$bad" -eq 0 ] || { echo "#   $bad malformed flood line(s):"; fl_stream | grep -vE '^fl [0-9]{9} [a-z]{66}$' | head -3 | sed 's/^/#     /'; return 1; }
    fl_stream | sed -E 's/^fl ([0-9]{9}) .*/\1/' | consecutive
}
# Event lines stand on their own, even when a killed daemon left half a line.
events_own_lines() {
    ! grep -- '--- xcmux:' "$1" | grep -vqE "^$STAMP--- xcmux: .* ---\$"
}
status_field() { xensim status "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

daemon_start

# ---- (a) restarts ---------------------------------------------------------
fid=$(xensim create fl --flood 4000 --no-boot-text)
check "(a) flood guest logged" wait_until 10 fl_logged_at_least 20

restart_case() { # restart_case SIGNAL
    local sig=$1 before after
    kill "-$sig" "$DPID"
    local rc
    { wait "$DPID"; rc=$?; } 2>/dev/null   # no "Killed" job message
    if [ "$sig" = TERM ]; then
        check "(a) SIGTERM: daemon exits 0" test "$rc" -eq 0
    else
        check "(a) SIGKILL: daemon killed" test "$rc" -eq 137
    fi
    DPID=
    local logged; logged=$(last_seq "$LOGS/fl.log" fl)
    # The guest fills its ring and pending buffer, then waits.
    local prev=-1 cur
    for _ in $(seq 1 60); do
        sleep 0.1
        cur=$(status_field fl flood_seq)
        [ "$cur" = "$prev" ] && break
        prev=$cur
    done
    sleep 0.5
    after=$(status_field fl flood_seq)
    echo "# SIG$sig: logged up to $logged, guest produced up to $after while the daemon was down"
    check "(a) SIG$sig: with no daemon the guest stops producing (ring full, it waits)" \
        test "$after" = "$cur"
    check "(a) SIG$sig: the ring and the guest hold lines the log does not have yet" \
        test "$after" -ge $((logged + 25))
    daemon_start
    check "(a) SIG$sig: the new daemon re-attaches the console (list: running)" \
        bash -c "'$XCMUX' -S '$SOCK' list | grep -qE '^ +$fid +0 fl +running'"
    check "(a) SIG$sig: the log continues past what the guest held" \
        wait_until 10 fl_last_above $((after + 20))
    check "(a) SIG$sig: every flood line whole, numbers consecutive across the restart (no gap, no duplicate)" \
        fl_consecutive
    check "(a) SIG$sig: event lines stand on lines of their own" events_own_lines "$LOGS/fl.log"
    local tty; tty=$(xs_read "/local/domain/$fid/console/tty")
    check "(a) SIG$sig: console/tty republished by the new daemon ($tty)" \
        bash -c "[ -c '$tty' ] && '$XCMUX' -S '$SOCK' list | grep -q '$tty'"
}
restart_case KILL
restart_case TERM
check "(a) the SIGTERM left a 'stopping' event in the log" \
    grep -q -- '--- xcmux: xcmuxd stopping' "$LOGS/fl.log"
check "(a) console attached twice more (one event per daemon start)" \
    test "$(grep -c -- '--- xcmux: console 0 attached' "$LOGS/fl.log")" -eq 3
xensim destroy fl >/dev/null

# ---- (b) destroy ------------------------------------------------------------
did=$(xensim create dg --every 100 --line "dg-tick")
wait_until 10 xc list
client dg-c dg
dgc=$CPID
check "(b) client attached and sees output" wait_until 10 grep -q dg-tick "$XENSIM_DIR/dg-c.out"
xensim destroy dg >/dev/null
check "(b) destroy: the attached client exits" exited "$dgc" 10
check "(b) destroy: the client exits 0 (the session ended, not lost)" test "${RC:-x}" -eq 0
check "(b) destroy: the client was told the domain is gone" \
    grep -q "dg (domid $did) is gone" "$XENSIM_DIR/dg-c.err"
check "(b) destroy: the client does not claim the connection was lost" \
    bash -c "! grep -q 'connection to xcmuxd lost' '$XENSIM_DIR/dg-c.err'"
check "(b) destroy: list no longer shows dg running" \
    wait_until 5 bash -c "! '$XCMUX' -S '$SOCK' list | grep -qE ' dg +running'"
check "(b) destroy: the log has a 'domain gone' event line" \
    grep -qE "^\[[^]]*\] --- xcmux: domain gone: destroyed \(domid $did\) ---$" "$LOGS/dg.log"
sed 's/^/#   /' "$XENSIM_DIR/dg-c.err"

# ---- (c) reboot -------------------------------------------------------------
rid=$(xensim create rb --say "rb-boot-marker")
wait_until 10 bash -c "'$XCMUX' -S '$SOCK' list | grep -qE ' rb +running'"
client rb-follow --follow rb; rbf=$CPID
client rb-plain rb; rbp=$CPID
check "(c) both clients attached (replay has the boot text)" wait_until 10 bash -c \
    "grep -q rb-boot-marker '$XENSIM_DIR/rb-follow.out' && grep -q rb-boot-marker '$XENSIM_DIR/rb-plain.out'"
sleep 0.2
newid=$(xensim reboot rb)
echo "# rb rebooted: domid $rid -> $newid"
check "(c) reboot gives a new domid" test "$newid" != "$rid"
check "(c) --follow: client gets DOMAIN_BACK with the new domid" \
    wait_until 10 grep -q "rb is back as domid $newid" "$XENSIM_DIR/rb-follow.err"
check "(c) --follow: client receives the new boot's text" \
    wait_until 10 bash -c "[ \$(grep -c rb-boot-marker '$XENSIM_DIR/rb-follow.out') -ge 2 ]"
check "(c) --follow: client was told the old domain went away" \
    grep -q "rb (domid $rid) is gone" "$XENSIM_DIR/rb-follow.err"
check "(c) --follow: client still attached after the reboot" kill -0 "$rbf"
check "(c) --follow: the session is on the new domain (who)" \
    bash -c "'$XCMUX' -S '$SOCK' who rb | grep -q root"
client rb-input --follow rb; rbi=$CPID
check "(c) without --follow: the client ends at the reboot" exited "$rbp" 10
check "(c) without --follow: it was told the domain is gone" \
    grep -q "rb (domid $rid) is gone" "$XENSIM_DIR/rb-plain.err"
check "(c) without --follow: it did not get the new boot" \
    test "$(grep -c rb-boot-marker "$XENSIM_DIR/rb-plain.out")" -eq 1
newid2=$(xensim reboot rb)
check "(c) --follow survives a second reboot too" \
    wait_until 10 grep -q "rb is back as domid $newid2" "$XENSIM_DIR/rb-follow.err"
kill "$rbf" "$rbi" 2>/dev/null
xensim destroy rb >/dev/null

# ---- (d) crash --------------------------------------------------------------
cid=$(xensim create cr --echo --say "cr-up")
wait_until 10 bash -c "'$XCMUX' -S '$SOCK' list | grep -qE ' cr +running'"
client cr-c cr; crc=$CPID
wait_until 10 grep -q cr-up "$XENSIM_DIR/cr-c.out"
xensim crash cr >/dev/null
check "(d) crash: the attached client is told and exits" exited "$crc" 10
check "(d) crash: the client's notice says the domain is gone" \
    grep -q "cr (domid $cid) is gone" "$XENSIM_DIR/cr-c.err"
check "(d) crash: the client got the panic text" grep -q "Kernel panic - not syncing" "$XENSIM_DIR/cr-c.out"
check "(d) crash: the log has the panic text" \
    grep -q "Kernel panic - not syncing" "$LOGS/cr.log"
check "(d) crash: the log has the end of the panic and then the 'domain gone' event" \
    bash -c "grep -n 'end Kernel panic' '$LOGS/cr.log' | head -1 | cut -d: -f1 >'$XENSIM_DIR/p1' &&
             grep -n 'domain gone' '$LOGS/cr.log' | head -1 | cut -d: -f1 >'$XENSIM_DIR/p2' &&
             [ \$(cat '$XENSIM_DIR/p1') -lt \$(cat '$XENSIM_DIR/p2') ]"

# ---- (f) a guest appearing later ------------------------------------------------
t0=$(date +%s%N)
lid=$(xensim create late --say "late-boot")
t1=$(date +%s%N)
wait_until "$PROMPT_S" xs_read "/local/domain/$lid/console/tty"
t2=$(date +%s%N)
ms=$(( (t2 - t0) / 1000000 )); create_ms=$(( (t1 - t0) / 1000000 ))
echo "# late guest: create took ${create_ms} ms, console/tty written ${ms} ms after create began"
# libxl destroys a guest whose console/tty is not written within 10 s.
check "(f) a late guest's console/tty is written in the time libxl waits (${ms} ms)" test "$ms" -lt "$PROMPT_MS"
check "(f) console/tty is a pty and list shows it" \
    bash -c "tty=\$(xenstore-read -s /local/domain/$lid/console/tty) && [ -c \"\$tty\" ] &&
             '$XCMUX' -S '$SOCK' list | grep -E ' late +running' | grep -q \"\$tty\""
check "(f) the late guest's boot text is logged" wait_until 5 grep -q late-boot "$LOGS/late.log"

# ---- (e) SIGTERM with clients attached ------------------------------------------
eid=$(xensim create ec --echo --say "ec-up")
wait_until 10 bash -c "'$XCMUX' -S '$SOCK' list | grep -qE ' ec +running'"
client ec-w ec; ecw=$CPID
client ec-r -r ec; ecr=$CPID
wait_until 10 bash -c "grep -q ec-up '$XENSIM_DIR/ec-w.out' && grep -q ec-up '$XENSIM_DIR/ec-r.out'"
printf 'echo last-words-%s\r' 4711 >"$XENSIM_DIR/ec-w.in"
check "(e) the writer's input reaches the guest (echoed)" \
    wait_until 10 grep -q "^last-words-4711" "$XENSIM_DIR/ec-r.out"
kill -TERM "$DPID"
wait "$DPID"; rc=$?
DPID=
check "(e) SIGTERM: the daemon exits 0" test "$rc" -eq 0
check "(e) SIGTERM: the writer client exits" exited "$ecw" 5
check "(e) SIGTERM: the writer client got the SHUTDOWN notice" \
    grep -q 'xcmuxd is stopping' "$XENSIM_DIR/ec-w.err"
check "(e) SIGTERM: read-only client got the SHUTDOWN notice" \
    wait_until 5 grep -q 'xcmuxd is stopping' "$XENSIM_DIR/ec-r.err"
exited "$ecr" 5; rc_r=${RC:-x}
check "(e) SIGTERM: the client exits 6 (daemon shut down, per xcmux(1))" test "$rc_r" -eq 6
check "(e) SIGTERM: the last output is in the log" grep -q "^\[[^]]*\] last-words-4711" "$LOGS/ec.log"
check "(e) SIGTERM: the log ends with the 'stopping' event, a whole line" \
    bash -c "tail -n1 '$LOGS/ec.log' | grep -q -- '--- xcmux: xcmuxd stopping (domid $eid) ---' &&
             [ \"\$(tail -c1 '$LOGS/ec.log' | od -An -c | tr -d ' ')\" = '\\n' ]"
check "(e) SIGTERM: the daemon removed its socket" test ! -e "$SOCK"
check "no sanitizer or crash report on the daemon's stderr" \
    bash -c "! grep -qiE 'sanitizer|runtime error|segv' '$ERR'"
finish
