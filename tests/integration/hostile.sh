#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile guests against a private xcmuxd on xensim (SECURITY.md, "hostile
# guest"). Each case is followed by the same health check: the daemon is
# alive, an echo guest answers, a background flood guest's log keeps
# growing (and at the end has no gap from its first line), the daemon's
# CPU over the case stays well below one core and its RSS stays bounded.
#   A  out_prod - out_cons > 2048 written into a guest's page: the console
#      is marked corrupt, its session is told, nothing else breaks
#   B  in_prod - in_cons > 1024 (found when input is written): the same
#   C  indices moved at random for seconds while the daemon drains, the
#      ring re-announced so the daemon keeps reconnecting
#   D  garbage and changing ring-ref/port nodes written by dom0; a guest
#      announcing consoles beyond the 8-console limit (--secondary 10)
#   E  a guest flooding at full rate next to the echo guest
#   F  a guest that never consumes input: > 64 KiB typed into it
# Abuse of the guest hotkey registry (too many keys, long labels, reserved
# and invalid names) is covered by tests/integration/hotkeys.sh.
. "$(dirname "$0")/lib.sh"
in_host "$@"
ITEST1_TIMEOUT=${ITEST1_TIMEOUT:-85}
. "$(dirname "$0")/itest1-lib.sh"
HR=$top_builddir/tests/integration/hostile-ring
XHOST=$top_builddir/sim/xensim-host

start_xcmuxd "[global]
timestamps = off
buffer_size = 64k
log_max_size = 0
[domain:fl]
log_max_size = 1M
log_keep = 1"
check "xcmuxd serves on its private socket" kill -0 "$XCMUXD_PID"

ticks() { awk '{print $14 + $15}' "/proc/$XCMUXD_PID/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$XCMUXD_PID/status"; }
state_is() { jq_list "c('$1', ${3:-0})['state'] == '$2'"; }
logsize() { stat -c %s "$XD/logs/$1.log" 2>/dev/null || echo 0; }

# The bystanders: a guest flooding its log at a modest rate, and an echo
# guest with a client attached for the whole test.
xensim create bg --flood 20000 --no-boot-text >/dev/null
xensim create echo1 --echo >/dev/null
check "the echo guest booted" wait_until 10 file_has "$XD/logs/echo1.log" 'echo1:~# '
client e --linger 0 echo1
check "the echo guest's client has the write seat" wait_until 5 file_has "$XD/e.err" 'write seat'
check "the flood guest's log grows" wait_until 10 bash -c "[ \$(stat -c %s '$XD/logs/bg.log') -gt 1000 ]"

PING=0
# ping : the echo guest answers through the daemon; prints the latency.
ping_echo() {
    PING=$((PING + 1))
    local s=$EPOCHREALTIME
    client_send e "echo ping-$PING\r"
    wait_until "$PROMPT_S" has_line "$XD/e.out" "ping-$PING" || { echo "none"; return 1; }
    python3 -c "print(round($EPOCHREALTIME - $s, 3))"
}

case_begin() {
    CASE=$1
    T0=$EPOCHREALTIME; C0=$(ticks); BG0=$(logsize bg)
}
RSS_BASE=$(rss_kb)
RSS_MAX=$RSS_BASE
# case_end [nocpu] : the health check after a case.
case_end() {
    local lat cpu rss
    check "$CASE: xcmuxd is still running" kill -0 "$XCMUXD_PID"
    lat=$(ping_echo)
    check "$CASE: the echo guest answers ($lat s)" test "$lat" != none
    check "$CASE: the flood guest's log keeps growing" \
        wait_until 3 bash -c "[ \$(stat -c %s '$XD/logs/bg.log') -gt $BG0 ]"
    cpu=$(python3 -c "print(round(($(ticks) - $C0) / $(getconf CLK_TCK) / ($EPOCHREALTIME - $T0) * 100, 1))")
    CPU=$cpu
    rss=$(rss_kb)
    [ "$rss" -gt "$RSS_MAX" ] && RSS_MAX=$rss
    echo "# $CASE: xcmuxd CPU $cpu% over $(python3 -c "print(round($EPOCHREALTIME - $T0, 1))") s, VmRSS $rss kB (start $RSS_BASE kB)"
    if [ "${1:-}" != nocpu ]; then
        spin_check "$CASE: xcmuxd does not spin over the case ($cpu% of a core)" "$cpu"
    fi
    memory_check "$CASE: xcmuxd VmRSS stays within 16 MiB of its start ($rss kB, start $RSS_BASE kB)" \
        test "$rss" -lt $((RSS_BASE + 16384))
}

# mkbare NAME : a bare domain (console page + unbound port, no kernel: no
# one ever consumes its rings) with the console nodes libxl would write;
# another guest's creation makes the daemon rescan and find it.
mkbare() {
    local out
    out=$("$XHOST" mkdomain "$1") || return 1
    set -- "$1" $out
    BARE_ID=$2
    xenstore-write -s "/local/domain/$2/name" "$1" "/local/domain/$2/console/ring-ref" "$3" \
        "/local/domain/$2/console/port" "$4" "/local/domain/$2/console/type" xenconsoled
    xensim create "kick-$1" --no-boot-text >/dev/null
    wait_until 10 state_is "$1" running
}

# ---- A: corrupt output indices ---------------------------------------------
case_begin "A (out_prod - out_cons > 2048)"
id=$(xensim create co --no-boot-text)
port=$(xs_read "/local/domain/$id/console/port")
wait_until 10 state_is co running
client co -r --linger 0 co
wait_until 5 sessions_are co 1
"$HR" "$id" set out_cons=100 out_prod=$((100 + 2049)) notify="$port"
check "A: the console is marked corrupt (xcmux list state)" wait_until 5 state_is co corrupt
check "A: the attached session is told" wait_until 5 file_has "$XD/co.err" 'guest corrupted its ring'
check "A: the daemon logged it" file_has "$XD/xcmuxd.err" 'co (dom'"$id"') console 0: ring indices corrupt'
check "A: the console's log says so" file_has "$XD/logs/co.log" 'ring indices corrupt'
others_running() { state_is bg running && state_is echo1 running; }
check "A: the other consoles stay running" others_running
client_eof co; client_wait co 5
case_end

# ---- B: corrupt input indices -----------------------------------------------
case_begin "B (in_prod - in_cons > 1024)"
check "B: a bare domain (no kernel) is served" mkbare ci
"$HR" "$BARE_ID" set in_cons=7 in_prod=$((7 + 1025))
client ci --linger 0 ci
wait_until 5 file_has "$XD/ci.err" 'write seat'
check "B: before input the console runs" state_is ci running
client_send ci 'x'
check "B: writing input finds the indices corrupt (xcmux list state)" wait_until 5 state_is ci corrupt
check "B: the writer is told" wait_until 5 file_has "$XD/ci.err" 'guest corrupted its ring'
client_send ci 'more'
check "B: further input is refused with a reason" \
    wait_until 5 file_has "$XD/ci.err" 'input to ci refused: its console is not running'
check "B: the daemon did not write into the corrupt ring" test "$("$HR" "$BARE_ID" show)" = "7 1032 0 0"
client_eof ci; client_wait ci 5
case_end

# ---- C: indices moved at random while the daemon drains ---------------------
case_begin "C (racing indices)"
id=$(xensim create rc --no-boot-text)
port=$(xs_read "/local/domain/$id/console/port")
ref=$(xs_read "/local/domain/$id/console/ring-ref")
wait_until 10 state_is rc running
"$HR" "$id" race 4 "$port" 512 >"$XD/race.out" &
racer=$!
# Re-announcing the ring (as a guest kernel restarting its console driver
# does) makes the daemon reconnect a console it marked corrupt, so it
# keeps draining the racing ring for the whole time.
for i in $(seq 40); do
    xenstore-write -s "/local/domain/$id/console/ring-ref" "$ref"
    sleep 0.1
done
wait "$racer"
attached=$(grep -c 'console 0 attached' "$XD/logs/rc.log")
corrupt=$(grep -c 'ring indices corrupt' "$XD/logs/rc.log")
echo "# C: $(cat "$XD/race.out") index moves, $attached attach(es), $corrupt corrupt verdict(s), $(logsize rc) log bytes"
check "C: the racer ran and the daemon drained and judged the ring repeatedly ($attached, $corrupt)" \
    test "$attached" -gt 2 -a "$corrupt" -gt 1
check "C: the racing guest's console is still listed" jq_list "c('rc')['state'] in ('running', 'corrupt')"
case_end

# ---- D: garbage and changing ring-ref / port --------------------------------
case_begin "D (garbage ring-ref/port nodes)"
id=$(xensim create gx --echo)
check "D: the guest booted" wait_until 10 file_has "$XD/logs/gx.log" 'gx:~# '
dir=/local/domain/$id/console
ref=$(xs_read "$dir/ring-ref"); port=$(xs_read "$dir/port")
huge=$(head -c 3000 /dev/zero | tr '\0' 7)
alive=yes
for node in ring-ref port; do
    vals=(abc -1 99999999999999999999 18446744073709551616 '' ' 12' 0x10 +5 "$huge")
    # Numbers, but beyond an event channel port (HYP_MAX_PORTS = 65536).
    [ $node = port ] && vals+=(65536 4294967296)
    for v in "${vals[@]}"; do
        xenstore-write -s -- "$dir/$node" "$v" || echo "# xenstore-write $node '${v:0:24}' refused"
        sleep 0.05
        kill -0 "$XCMUXD_PID" || alive=no
    done
    xenstore-write -s "$dir/ring-ref" "$ref" "$dir/port" "$port"
done
check "D: garbage values never stopped the daemon" test $alive = yes
check "D: a garbage value leaves the running console alone" state_is gx running
nwarn=$(grep -c "gx (dom$id): ignoring $dir/ring-ref: not a number" "$XD/xcmuxd.err")
check "D: the daemon logged the garbage ring-ref once, not once per write ($nwarn)" test "$nwarn" = 1
# A changed, valid ring-ref: the daemon reconnects (the primary console
# is mapped through the reserved grant ref, as xenconsoled does).
xenstore-write -s "$dir/ring-ref" 4294967296
check "D: a changed valid ring-ref: reconnected" \
    wait_until 5 file_has "$XD/logs/gx.log" 'reconnecting: ring-ref 4294967296'
check "D: and still running" state_is gx running
# A valid but wrong port: the guest's xenstore port (xenstored holds it).
xenstore-write -s "$dir/port" "$(xs_read "/local/domain/$id/store/port")"
check "D: a changed port that cannot be bound leaves the console waiting" wait_until 5 state_is gx waiting
check "D: the daemon logged why" wait_until 5 file_has "$XD/xcmuxd.err" "gx (dom$id) console 0: cannot bind port"
xenstore-write -s "$dir/port" 29
sleep 0.2
xenstore-write -s "$dir/ring-ref" "$(xs_read "/local/domain/$id/store/ring-ref")" "$dir/port" "$port"
check "D: the real values again: the console reconnects" wait_until 5 state_is gx running
out=$( (printf 'echo back-ok\r'; sleep 1) | timeout 10 "$XCMUX" -S "$XD/sock" console --linger 500 gx 2>&1)
check "D: and the guest answers through it" bash -c "printf '%s' '$out' | tr -d '\r' | grep -qx back-ok"
# A guest of its own accord announcing consoles 1..10: 1..8 are served,
# 9 and 10 (beyond XCMUX_MAX_CONSOLES_PER_DOMAIN) ignored.
xensim create sec --secondary 10 >/dev/null
check "D: consoles 1..8 of a guest with 10 secondaries are served" wait_until 10 state_is sec running 8
check "D: consoles 9 and 10 are ignored" \
    jq_list "len([e for e in entries if e['name'] == 'sec']) == 9 and max(e['console'] for e in entries if e['name'] == 'sec') == 8"
case_end

# ---- E: a guest flooding at full rate ---------------------------------------
case_begin "E (flood max)"
xensim create fl --flood max --no-boot-text >/dev/null
wait_until 10 jq_list "c('fl')['bytes_out'] > 1000000"
lat=""
for i in 1 2 3 4 5; do
    lat="$lat $(ping_echo)"
    sleep 0.3
done
flbytes=$(jq_list "c('fl')['bytes_out']")
xensim destroy fl >/dev/null
echo "# E: flood guest sent $flbytes bytes; echo latencies$lat s"
check "E: the echo guest answers each of 5 pings while another floods ($lat s)" \
    python3 -c "import sys; l = '$lat'.split(); sys.exit(not (len(l) == 5 and 'none' not in l))"
case_end nocpu
spin_check "E: xcmuxd drains a full-rate flood without spinning ($CPU% of a core)" "$CPU"

# ---- F: a guest that never consumes input -----------------------------------
case_begin "F (input never consumed)"
check "F: a bare domain (no kernel) is served" mkbare nc
client nc --linger 0 nc
wait_until 5 file_has "$XD/nc.err" 'write seat'
head -c 100000 /dev/zero | tr '\0' a >"$XD/100k"
cat "$XD/100k" >&"${CLI_FD[nc]}"
check "F: input beyond the ring and the 64 KiB queue is refused, and the writer told" \
    wait_until 10 file_has "$XD/nc.err" 'of input to nc refused: the guest is not reading its console'
check "F: the refusal is in the console's log" file_has "$XD/logs/nc.log" 'refused: the guest is not reading'
check "F: the guest's input ring holds exactly one ring-full" test "$("$HR" "$BARE_ID" show)" = "0 1024 0 0"
check "F: the console stays running" state_is nc running
client_eof nc; client_wait nc 5
case_end

# ---- the bystanders, at the end ---------------------------------------------
xensim destroy bg >/dev/null
out=$($FLOODCHK seq bg "$XD/logs/bg.log" --log); rc=$?
echo "# bg log: $out"
check "the flood guest's log has no gap from its first line ($out)" \
    bash -c "[ $rc = 0 ] && echo '$out' | grep -q '^first=1 '"
echo "# xcmuxd VmRSS: start $RSS_BASE kB, peak $RSS_MAX kB"
client_eof e; client_wait e 5
check "the echo client detaches cleanly (rc $CLI_RC)" test "$CLI_RC" = 0
kill -TERM "$XCMUXD_PID"; wait "$XCMUXD_PID"; rc=$?; XCMUXD_PID=
check "xcmuxd exits 0 on SIGTERM after all this (rc $rc)" test "$rc" = 0
finish
