#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Console sessions end to end (xcmuxd + xcmux on xensim): several readers
# see the same bytes with nothing lost, the writer's input reaches the guest
# and a read-only session's does not, one write seat that --force takes
# (telling the displaced writer who took it), replay on attach and `log`,
# escape-detach, `who` / `list --json`, the shared write policy, and
# secondary consoles.
. "$(dirname "$0")/lib.sh"
in_host "$@"
. "$(dirname "$0")/itest1-lib.sh"

start_xcmuxd "[global]
timestamps = off
replay = 16k
[domain:sh-*]
write_policy = shared"
check "xcmuxd serves on its private socket" kill -0 "$XCMUXD_PID"

# Created before anyone attaches: its text lives only in the replay buffer.
xensim create rp --say 'replay-marker-7f3a' >/dev/null
xensim create ec --echo >/dev/null
xensim create fl --flood 40000 --no-boot-text >/dev/null
xensim create sh-1 --echo >/dev/null
xensim create sc --echo --secondary 2 >/dev/null
wait_until 10 file_has "$XD/logs/rp.log" replay-marker-7f3a
wait_until 10 file_has "$XD/logs/ec.log" 'ec login:'

# ---- N readers see identical output, without loss ------------------------
N=5
for i in $(seq 1 $N); do client "rd$i" -r --linger 0 fl; done
check "$N readers attach to one guest" wait_until 10 sessions_are fl $N
# Let the flood run while all are attached (bytes_out grows by >= 60 KB).
start=$(jq_list "c('fl')['bytes_out']")
wait_until 15 jq_list "c('fl')['bytes_out'] >= $start + 60000"
for i in $(seq 1 $N); do client_eof "rd$i"; done
rcs=""
for i in $(seq 1 $N); do client_wait "rd$i" 10; rcs="$rcs$CLI_RC"; done
check "readers detach on end of input, exit 0 ($rcs)" test "$rcs" = "$(printf '0%.0s' $(seq 1 $N))"
for i in $(seq 1 $N); do
    echo "# rd$i: $(wc -c <"$XD/rd$i.out") bytes, $($FLOODCHK seq fl "$XD/rd$i.out")"
done
allseq=0
for i in $(seq 1 $N); do $FLOODCHK seq fl "$XD/rd$i.out" >/dev/null || allseq=1; done
check "every reader's flood capture has consecutive sequence numbers" test $allseq = 0
out=$($FLOODCHK same fl $(for i in $(seq 1 $N); do echo "$XD/rd$i.out"; done) --min=500)
rc=$?; echo "# $out"
check "$N readers' captures are byte-identical over their common range" test $rc = 0
check "readers saw no DROPPED notice" bash -c "! grep -h 'missed' '$XD'/rd*.err"

# ---- the writer's input reaches the guest --------------------------------
printf 'echo marker-123\r' | X console ec >"$XD/w1.out" 2>"$XD/w1.err"
rc=$?
check "writer: exit 0 after end of input (rc $rc)" test $rc = 0
check "writer: the guest's answer marker-123 is printed" has_line "$XD/w1.out" marker-123
check "writer: the session held the write seat" file_has "$XD/w1.err" 'write seat'
check "writer: the guest's answer is in the log" has_line "$XD/logs/ec.log" marker-123

# ---- read-only input never reaches the guest -----------------------------
in0=$(guest_field ec bytes_in)
printf 'echo ro-secret\r' | X console -r ec >"$XD/ro.out" 2>"$XD/ro.err"
rc=$?
check "read-only: exit 0 (rc $rc)" test $rc = 0
check "read-only: the client reports its input was refused" \
    file_has "$XD/ro.err" 'read-only session: input discarded'
# A later writer's input is ordered after it: once that answer is back,
# the read-only input would have arrived too.
printf 'echo after-ro\r' | X console ec >"$XD/w2.out" 2>&1
wait_until 5 has_line "$XD/logs/ec.log" after-ro
in1=$(guest_field ec bytes_in)
check "read-only: the guest got only the writer's 14 bytes (bytes_in $in0 -> $in1)" \
    test "$in1" = $((in0 + 14))
check "read-only: no echo of its input" bash -c "! grep -q ro-secret '$XD/ro.out' '$XD/logs/ec.log'"

# ---- one writer; --force takes the seat and names the taker ---------------
client wa --linger 0 ec
check "seat: first rw session gets the write seat" \
    wait_until 5 file_has "$XD/wa.err" 'you have the write seat'
client wb --linger 0 ec
check "seat: second rw session is told it is a viewer" \
    wait_until 5 file_has "$XD/wb.err" 'another session has write access'
client_send wb 'echo from-viewer\r'
client_send wa 'echo from-writer\r'
check "seat: the writer's input reaches the guest" wait_until 5 has_line "$XD/logs/ec.log" from-writer
check "seat: the viewer's input is refused" \
    wait_until 5 file_has "$XD/wb.err" 'read-only session: input discarded'
check "seat: the viewer's input never reaches the guest" bash -c "! grep -q from-viewer '$XD/logs/ec.log'"
client wf --force --linger 0 ec
fpid=${CLI_PID[wf]}
check "seat: --force takes the write seat" wait_until 5 file_has "$XD/wf.err" 'you have the write seat'
check "seat: the displaced writer is told who took it (pid $fpid)" \
    wait_until 5 grep -q "write seat taken by root (uid 0, pid $fpid)" "$XD/wa.err"
client_send wa 'echo from-displaced\r'
client_send wf 'echo from-forcer\r'
check "seat: the forcing session's input reaches the guest" \
    wait_until 5 has_line "$XD/logs/ec.log" from-forcer
check "seat: the displaced writer's input is refused" \
    wait_until 5 file_has "$XD/wa.err" 'read-only session: input discarded'
check "seat: the displaced writer's input never reaches the guest" \
    bash -c "! grep -q from-displaced '$XD/logs/ec.log'"

# ---- who and list, while wa, wb, wf are attached ---------------------------
X who ec >"$XD/who.out"
cat "$XD/who.out" | sed 's/^/# /'
check "who: lists the 3 sessions" test "$(grep -c '^root ' "$XD/who.out")" = 3
check "who: exactly one writer, the forcing session" \
    bash -c "[ \$(awk '\$5 == \"yes\"' '$XD/who.out' | wc -l) = 1 ] &&
             awk '\$5 == \"yes\" {print \$3}' '$XD/who.out' | grep -qx $fpid"
check "who: modes shown (read-write)" test "$(grep -c ' read-write ' "$XD/who.out")" = 3
X list >"$XD/list.out"
sed 's/^/# /' "$XD/list.out"
check "list: ec shows 3 sessions and a writer" \
    bash -c "awk '\$3 == \"ec\" && \$5 == 3 && \$6 == \"yes\"' '$XD/list.out' | grep -q ."
tty=$(xs_read "/local/domain/$(guest_field ec domid)/console/tty")
check "list --json parses; ec: sessions 3, writer, bytes, tty = console/tty ($tty)" \
    jq_list "(c('ec')['sessions'] == 3 and c('ec')['writer'] is True and
             c('ec')['bytes_out'] > 300 and c('ec')['tty'] == '$tty' and
             c('ec')['state'] == 'running' and c('rp')['writer'] is False)"
for t in wa wb wf; do client_eof $t; done
for t in wa wb wf; do client_wait $t 5; done
check "list --json: sessions back to 0 after detach" wait_until 5 sessions_are ec 0

# ---- replay on attach and `log` -------------------------------------------
X console -r rp </dev/null >"$XD/rp1.out" 2>"$XD/rp1.err"
check "replay: default replay shows output from before the attach" \
    file_has "$XD/rp1.out" replay-marker-7f3a
X console -r --replay 0 rp </dev/null >"$XD/rp0.out" 2>"$XD/rp0.err"
rc=$?
check "replay: --replay 0 attaches (rc $rc) but shows none of it" \
    bash -c "[ $rc = 0 ] && grep -q detached '$XD/rp0.err' && ! grep -q replay-marker '$XD/rp0.out'"
check "log: prints the replay buffer" bash -c "'$XCMUX' -S '$XD/sock' log rp | grep -q replay-marker-7f3a"

# ---- escape-detach, even with a long linger ------------------------------
for mode in rw ro; do
    flag=; [ $mode = ro ] && flag=-r
    wait_until 5 sessions_are ec 0
    client esc$mode $flag --linger 60000 ec
    wait_until 5 sessions_are ec 1
    client_send esc$mode '\035.'
    client_wait esc$mode 5
    check "escape ($mode): ^] . detaches, exit 0 (rc $CLI_RC)" test "$CLI_RC" = 0
    check "escape ($mode): the client reports detached" file_has "$XD/esc$mode.err" detached
    client_eof esc$mode
done

# ---- shared write policy: two writers both reach the guest ---------------
client sa --linger 0 sh-1
client sb --linger 0 sh-1
wait_until 5 sessions_are sh-1 2
client_send sa 'echo shared-from-a\r'
check "shared: the first writer's input reaches the guest" \
    wait_until 5 has_line "$XD/logs/sh-1.log" shared-from-a
client_send sb 'echo shared-from-b\r'
check "shared: the second writer's input reaches the guest" \
    wait_until 5 has_line "$XD/logs/sh-1.log" shared-from-b
check "shared: no session was refused" bash -c "! grep -q 'input discarded' '$XD/sa.err' '$XD/sb.err'"
for t in sa sb; do client_eof $t; client_wait $t 5; done

# ---- secondary consoles ---------------------------------------------------
check "secondary: log sc.con2.log holds console 2's boot line" \
    wait_until 10 file_has "$XD/logs/sc.con2.log" 'sc console 2 ready'
printf 'echo on-console-2\r' | X console --console 2 sc >"$XD/c2.out" 2>"$XD/c2.err"
rc=$?
check "secondary: console --console 2 works (rc $rc) and the guest answers" \
    bash -c "[ $rc = 0 ] && tr -d '\r' <'$XD/c2.out' | grep -qx on-console-2"
check "secondary: the answer is in console 2's log, not the primary's" \
    bash -c "tr -d '\r' <'$XD/logs/sc.con2.log' | grep -qx on-console-2 &&
             ! grep -q on-console-2 '$XD/logs/sc.log'"
X console --console 5 sc </dev/null >/dev/null 2>"$XD/c5.err"
rc=$?
check "secondary: a console the guest lacks is refused (exit 4, rc $rc)" test $rc = 4

check "xcmuxd still running" kill -0 "$XCMUXD_PID"
finish
