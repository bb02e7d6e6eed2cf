#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Revoked access ends at the reload, with real distinct uids
# (xcmuxd.conf(5) "RELOAD"):
#  (a) a read-only viewer who types is told who holds the write seat and
#      how to take it;
#  (b) a reload (SIGHUP) that removes a user from `read` ends that user's
#      attached session at once with a notice saying why;
#  (c) one that removes the writer from `write` takes the write seat and
#      the read-write mode from it (it is told); its typing no longer
#      reaches the guest while it keeps reading;
#  (d) pty = rw -> ro applies to the pty at once: its input is discarded;
#  (e) widening again tells the session it may write.
. "$(dirname "$0")/lib.sh"
in_host "$@"
. "$(dirname "$0")/own-daemon-lib.sh"

U1=xcmuxtest1 U2=xcmuxtest2
need_users $U1 $U2
public_dir rv
bytes_in() { xensim status "$1" | tr ' ' '\n' | sed -n 's/^bytes_in=//p'; }
conf() { # conf READ WRITE PTY
    printf '[global]\nsocket_mode = 0666\nsocket_group = none\nread = %s\nwrite = %s\npty = %s\n' \
        "$1" "$2" "$3" >"$CONF"
}
reload() { conf "$@"; kill -HUP "$DPID"; wait_until 10 grep -q "configuration reloaded" "$ERR"; }

conf "$U1 $U2" "$U1 $U2" rw
daemon_start
xensim create pub --echo --say "pub-up" --every 200 --line "pub-tick" >/dev/null
wait_until 10 bash -c "'$XCMUX' -S '$SOCK' list | grep -q ' pub .*running'"
TTY=$("$XCMUX" -S "$SOCK" list | awk '$3 == "pub" { print $NF }')

console_bg u1 $U1 pub
u1=$CPID
wait_until 10 grep -q "you have the write seat" "$XENSIM_DIR/u1.err"
console_bg u2 $U2 pub
u2=$CPID
wait_until 10 grep -q pub-tick "$XENSIM_DIR/u2.out"

# (a) a viewer (read-write mode, seat taken) and a read-only one type.
printf 'x' >"$XENSIM_DIR/u2.in"
check "(a) a viewer who types is told who holds the seat and how to take it" \
    wait_until 5 grep -q "input discarded: $U1 (uid [0-9]*, pid [0-9]*) holds the write seat of pub (escape \\^\\] f takes it)" \
    "$XENSIM_DIR/u2.err"
console_bg u2r $U2 -r pub
u2r=$CPID
wait_until 10 grep -q pub-tick "$XENSIM_DIR/u2r.out"
printf 'x' >"$XENSIM_DIR/u2r.in"
check "(a) a read-only session that types is told who holds the seat and how to take it" \
    wait_until 5 grep -q "input discarded: $U1 (uid [0-9]*, pid [0-9]*) holds the write seat of pub (escape \\^\\] f takes it)" \
    "$XENSIM_DIR/u2r.err"

printf 'echo u1-before-%s\r' 66 >"$XENSIM_DIR/u1.in"
check "(c) before: the writer types into the guest" \
    wait_until 5 grep -q "^u1-before-66" "$XENSIM_DIR/u1.out"
check "(d) before: the rw pty types into the guest" \
    $PTYIO "$TTY" --send 'echo pty-rw-1\r' --expect 'pty-rw-1' --timeout 5

# The WRITER column of USER's row in `xcmux who pub`, or nothing when
# who fails or lists no such user.
writer_of() { "$XCMUX" -S "$SOCK" who pub | awk -v u="$1" 'NR > 1 && $1 == u { print $5 }'; }
check "(c) who shows $U1 as the writer before the reload (WRITER: $(writer_of "$U1"))" \
    test "$(writer_of "$U1")" = yes

# (b)+(c)+(d): U2 loses read, U1 loses write, the pty becomes read-only.
reload "$U1" none ro
check "(b) the session of a user removed from read ends at the reload" \
    wait_until 5 bash -c "! kill -0 $u2 2>/dev/null && ! kill -0 $u2r 2>/dev/null"
check "(b) ... told why" \
    grep -q "access revoked: $U2 may no longer read the console of pub (configuration reloaded)" \
    "$XENSIM_DIR/u2.err"
check "(b) ... logged in the console log" \
    grep -q "$U2 (uid [0-9]*, pid [0-9]*) may no longer read pub" "$LOGS/pub.log"
check "(c) the writer removed from write is told" \
    wait_until 5 grep -q "write access revoked: $U1 may no longer write to pub" "$XENSIM_DIR/u1.err"
check "(c) ... and loses the seat" \
    grep -q 'write seat released' "$XENSIM_DIR/u1.err"
check "(c) ... and who shows it no longer the writer (WRITER: $(writer_of "$U1"))" \
    test "$(writer_of "$U1")" = no
in1=$(bytes_in pub)
printf 'echo u1-after-%s\r' 77 >"$XENSIM_DIR/u1.in"
$PTYIO "$TTY" --send 'echo pty-ro-2\r' --timeout 0.5 >/dev/null
sleep 1
check "(c)+(d) neither its typing nor the pty's reaches the guest (bytes_in $in1 -> $(bytes_in pub))" \
    test "$(bytes_in pub)" = "$in1"
check "(c) ... while it keeps reading" \
    bash -c "n=\$(grep -c pub-tick '$XENSIM_DIR/u1.out'); sleep 1; [ \$(grep -c pub-tick '$XENSIM_DIR/u1.out') -gt \$n ]"
check "(d) the pty mode change is logged" grep -q "pty mode rw -> ro (configuration reloaded)" "$LOGS/pub.log"

# (e) widening again.
: >"$ERR"
reload "$U1" "$U1" rw
check "(e) a session that may write again is told so" \
    wait_until 5 grep -q "you may now write to pub" "$XENSIM_DIR/u1.err"
check "(e) ... and the pty types again" \
    $PTYIO "$TTY" --send 'echo pty-rw-3\r' --expect 'pty-rw-3' --timeout 5

kill "$u1" 2>/dev/null
check "daemon still running" kill -0 "$DPID"
kill "$DPID"; wait "$DPID"; DPID=
check "no sanitizer or crash report on the daemon's stderr" \
    bash -c "! grep -qiE 'sanitizer|runtime error|segv' '$ERR'"
finish
