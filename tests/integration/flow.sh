#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Flow control end to end (xcmuxd + xcmux on xensim):
# (a) a client that stops reading while a guest floods is moved ahead and
#     told what it missed, while a reader that keeps up and the log get every
#     byte, and `list --json` counts the drop;
# (b) a per-guest rate limit holds a flooding guest near its rate without
#     losing anything, while a quiet guest on the same daemon stays
#     responsive;
# (c) the daemon's CPU use while it rate-limits a flood stays low.
. "$(dirname "$0")/lib.sh"
in_host "$@"
. "$(dirname "$0")/itest1-lib.sh"

RATE=20000
start_xcmuxd "[global]
timestamps = off
buffer_size = 256k
replay = 0
log_max_size = 0
[domain:lim-*]
rate = $RATE
burst = 4000"
check "xcmuxd serves on its private socket" kill -0 "$XCMUXD_PID"

# ---- (a) a stalled client, a live reader and the log -----------------------
xensim create fast --flood 1000000 --no-boot-text >/dev/null
wait_until 10 jq_list "c('fast')['bytes_out'] > 0"
mkfifo "$XD/stall.fifo"
exec {sfd}<>"$XD/stall.fifo"       # a reader that never reads
CLI_ALL_FDS+=("$sfd")
CLIENT_OUT=$XD/stall.fifo client st -r --linger 0 fast
client rd -r --linger 0 fast
check "(a) the stalled client and the reader attach" wait_until 10 sessions_are fast 2
# Far more than the buffer (256k: 1/4 s of slack for the live reader),
# the client's pipe, queue (512k) and both ends of its socket.
start=$(jq_list "c('fast')['bytes_out']")
check "(a) the guest keeps flowing past the stalled client (3 MB)" \
    wait_until 20 jq_list "c('fast')['bytes_out'] >= $start + 3000000"
# The stalled client resumes. The reader is opened here, before the holder
# fd closes, so the fifo never lacks a reader (the client would get EPIPE);
# cat must not inherit any holder, or input or output would never end.
exec {rfd}<"$XD/stall.fifo"
( close_holders; exec cat <&$rfd ) >"$XD/st.out" &
catpid=$!
eval "exec $sfd>&- $rfd<&-"
check "(a) on resuming, the stalled client is told it missed output" \
    wait_until 10 grep -q 'missed [0-9]* bytes of console output' "$XD/st.err"
# Both detach; the guest goes on flooding the log.
client_eof st; client_eof rd
client_wait st 10; strc=$CLI_RC
client_wait rd 10; rdrc=$CLI_RC
wait $catpid
check "(a) both clients detach cleanly (rc $strc, $rdrc)" test "$strc$rdrc" = 00
missed=$(sed -n 's/.*missed \([0-9]*\) bytes of console output.*/\1/p' "$XD/st.err" |
         awk '{s += $1} END {print s + 0}')
echo "# stalled client: $(grep -c missed "$XD/st.err") DROPPED notice(s), $missed bytes missed"
out=$($FLOODCHK seq fast "$XD/st.out" --allow-gaps); rc=$?; echo "# stalled: $out"
check "(a) the stalled client's capture skips ahead ($out) but stays intact" \
    bash -c "[ $rc = 0 ] && echo '$out' | grep -qv 'gaps=0 '"
gap=$(echo "$out" | sed -n 's/.*missing=\([0-9]*\).*/\1/p')
check "(a) the count it was told ($missed) matches the bytes its capture lacks (~$gap lines)" \
    python3 -c "import sys; sys.exit(not abs(${gap:-0} * 80 - $missed) < 160)"
out=$($FLOODCHK seq fast "$XD/rd.out"); rc=$?; echo "# reader: $out"
rdlast=$(echo "$out" | sed -n 's/.*last=\([0-9]*\).*/\1/p')
check "(a) the reader that kept up got every byte (no gap, $(wc -c <"$XD/rd.out") bytes)" \
    bash -c "[ $rc = 0 ] && [ \$(stat -c %s '$XD/rd.out') -gt 3000000 ]"
check "(a) the reader got no DROPPED notice" bash -c "! grep -q missed '$XD/rd.err'"
json=$(jq_list "(c('fast')['dropped_client'], c('fast')['dropped_guest'])")
echo "# list --json fast: (dropped_client, dropped_guest) = $json"
check "(a) list --json counts the stalled client's drop ($missed bytes)" \
    jq_list "c('fast')['dropped_client'] >= $missed > 0 and c('fast')['dropped_guest'] == 0"
xensim destroy fast >/dev/null
out=$($FLOODCHK seq fast "$XD/logs/fast.log" --log); rc=$?; echo "# log: $out"
check "(a) the log got every byte from the first line on, past the reader's last ($rdlast)" \
    bash -c "[ $rc = 0 ] && echo '$out' | grep -q '^first=1 ' &&
             [ \$(echo '$out' | sed 's/.*last=\([0-9]*\).*/\1/') -ge $rdlast ]"

# ---- (b) rate limit, and (c) CPU while limiting ---------------------------
xensim create quiet --echo >/dev/null
xensim create lim-1 --flood 400000 --no-boot-text >/dev/null
wait_until 10 file_has "$XD/logs/quiet.log" 'quiet login:'
client q --linger 0 quiet
wait_until 5 file_has "$XD/q.err" 'write seat'
# Past the burst: measure the steady state.
wait_until 10 jq_list "c('lim-1')['bytes_out'] > 8000"
check "(b) list --json shows lim-1 being rate limited" \
    wait_until 5 jq_list "c('lim-1')['rate_limited']"
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
t0=$EPOCHREALTIME; b0=$(jq_list "c('lim-1')['bytes_out']"); c0=$(ticks "$XCMUXD_PID")
# The quiet guest answers during the flood (how fast: bench/latency.sh).
lat="" answered=0
for i in 1 2 3; do
    s=$EPOCHREALTIME
    client_send q "echo ping-$i\r"
    wait_until "$PROMPT_S" has_line "$XD/q.out" "ping-$i" && answered=$((answered + 1))
    lat="$lat $(python3 -c "print(round($EPOCHREALTIME - $s, 3))")"
    sleep 0.7
done
sleep 0.6
t1=$EPOCHREALTIME; b1=$(jq_list "c('lim-1')['bytes_out']"); c1=$(ticks "$XCMUXD_PID")
rate=$(python3 -c "print(int(($b1 - $b0) / ($t1 - $t0)))")
cpu=$(python3 -c "print(round(($c1 - $c0) / $(getconf CLK_TCK) / ($t1 - $t0) * 100, 1))")
echo "# lim-1: $rate bytes/s over $(python3 -c "print(round($t1 - $t0, 2))") s (limit $RATE); quiet answered in$lat s; xcmuxd CPU $cpu%"
check "(b) the flooding guest is held near its rate ($rate B/s, limit $RATE)" \
    python3 -c "import sys; sys.exit(not ($RATE / 2 < $rate < $RATE * 2))"
check "(b) the quiet guest answers each of 3 commands during the flood (in$lat s)" test "$answered" = 3
spin_check "(c) xcmuxd does not spin while limiting a flood ($cpu% of a core)" "$cpu"
client_eof q; client_wait q 5
check "(b) nothing of the limited guest was dropped (list --json dropped_guest 0)" \
    jq_list "c('lim-1')['dropped_guest'] == 0 and c('lim-1')['bytes_out'] > 0"
xensim destroy lim-1 >/dev/null
out=$($FLOODCHK seq lim-1 "$XD/logs/lim-1.log" --log); rc=$?; echo "# lim-1 log: $out"
check "(b) the limited guest waited: its log has no gap from line 1 ($out)" \
    bash -c "[ $rc = 0 ] && echo '$out' | grep -q '^first=1 '"

check "xcmuxd still running" kill -0 "$XCMUXD_PID"
finish
