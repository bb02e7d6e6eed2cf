#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xcmuxd's console logs on xensim:
#  (a) rotation: log_max_size 64k, log_keep 2 and a flooding guest give
#      g.log, g.log.1, g.log.2 (none over 64 KiB, no g.log.3), the newest
#      lines in g.log and no line lost across the rotations;
#  (b) timestamps are [YYYY-MM-DDTHH:MM:SS.mmmZ] in UTC, now;
#  (c) sanitize: a guest's ESC is logged as ^[ (and raw with sanitize off);
#  (d) SIGHUP after the log was moved away reopens a fresh g.log;
#  (e) SIGHUP applies a changed config (timestamps off); a bad config on
#      SIGHUP is refused with FILE:LINE on stderr and the old one kept,
#      the daemon still serving; a bad config at start-up refuses to start
#      with FILE:LINE on stderr;
#  (f) a missing log directory is created;
#  (g) disk full (a 128k tmpfs; skipped if mount is not permitted): the
#      daemon keeps serving live output, and once there is room again the
#      log resumes with a "log gap" event line; the daemon's own log says
#      "cannot write log" exactly once for the whole flood and "log writes
#      resumed, N bytes were not logged" exactly once after room is made,
#      N being the gap line's count.
. "$(dirname "$0")/lib.sh"
in_host "$@"

SOCK=$XENSIM_DIR/logs.sock
LOGS=$XENSIM_DIR/logs-a
CONF=$XENSIM_DIR/logs.conf
ERR=$XENSIM_DIR/logs-xcmuxd.err
FULL=$XENSIM_DIR/full
DPID=
MOUNTED=
cleanup() {
    [ -n "$DPID" ] && kill "$DPID" 2>/dev/null
    wait 2>/dev/null
    [ -n "$MOUNTED" ] && umount "$FULL" 2>/dev/null
}
trap cleanup EXIT
xc() { "$XCMUX" -S "$SOCK" "$@"; }
start_daemon() { # start_daemon LOG_DIR
    "$XCMUXD" -f -c "$CONF" -S "$SOCK" --log-dir "$1" 2>>"$ERR" &
    DPID=$!
    wait_until 10 xc list
}
stop_daemon() { kill "$DPID"; wait "$DPID"; DPID=; }
STAMP='\[[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z\] '
seqs() { sed -nE "s/^($STAMP)?$2 ([0-9]{9}) .*/\2/p" "$1"; }
# consecutive: stdin numbers go up by one from the first, no gap or duplicate
consecutive() {
    awk 'NR == 1 { want = $1 + 0 }
         { n = $1 + 0; if (n != want) { if (bad < 5) print "#   expected " want ", got " n; bad++ }
           want = n + 1 }
         END { print "#   " NR " numbers, last " want - 1; exit bad > 0 || NR == 0 }'
}
flood_seqs_of() { sed -nE "s/^($STAMP)?$1 ([0-9]{9}) .*/\2/p"; }
rot_consecutive() {
    cat "$LOGS/rot.log.2" "$LOGS/rot.log.1" "$LOGS/rot.log" | flood_seqs_of rot | consecutive
}
# df's lines after the gap line: consecutive, and at least 10 of them
after_gap_ok() {
    sed -n '/log gap/,$p' "$NEWDIR/df.log" | flood_seqs_of df | consecutive >/dev/null &&
        [ "$(sed -n '/log gap/,$p' "$NEWDIR/df.log" | grep -c 'df 0')" -ge 10 ]
}
# df's whole lines before the gap line (a line cut by the full disk is not whole)
before_gap_ok() {
    sed -n '1,/log gap/p' "$NEWDIR/df.log" |
        sed -nE "s/^($STAMP)?df ([0-9]{9}) [a-z]{66}\$/\2/p" | consecutive
}
size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }

cat >"$CONF" <<'EOF'
[global]
log_max_size = 64k
log_keep = 2

[domain:raw*]
sanitize = off
EOF
start_daemon "$LOGS"

# ---- (a) rotation ---------------------------------------------------------------
xensim create rot --flood 400000 --no-boot-text >/dev/null
check "(a) rotation produces rot.log.2" wait_until 20 test -e "$LOGS/rot.log.2"
sleep 0.5   # a few more rotations
xensim destroy rot >/dev/null
wait_until 5 grep -q 'domain gone' "$LOGS/rot.log"
ls -l "$LOGS" | grep rot | sed 's/^/#   /'
check "(a) rot.log, rot.log.1 and rot.log.2 exist" \
    test -s "$LOGS/rot.log" -a -s "$LOGS/rot.log.1" -a -s "$LOGS/rot.log.2"
check "(a) no rot.log.3 (log_keep 2)" test ! -e "$LOGS/rot.log.3"
check "(a) no file over log_max_size (65536 bytes)" \
    test "$(size_of "$LOGS/rot.log")" -le 65536 -a "$(size_of "$LOGS/rot.log.1")" -le 65536 \
         -a "$(size_of "$LOGS/rot.log.2")" -le 65536
check "(a) rotated files were filled close to the limit (> 60000 bytes)" \
    test "$(size_of "$LOGS/rot.log.1")" -gt 60000 -a "$(size_of "$LOGS/rot.log.2")" -gt 60000
last2=$(seqs "$LOGS/rot.log.2" rot | tail -n1); last1=$(seqs "$LOGS/rot.log.1" rot | tail -n1)
last0=$(seqs "$LOGS/rot.log" rot | tail -n1)
echo "# last sequence numbers: .2 $last2, .1 $last1, log $last0"
check "(a) the newest lines are in rot.log (then .1, then .2)" \
    test "$((10#$last0))" -gt "$((10#$last1))" -a "$((10#$last1))" -gt "$((10#$last2))"
check "(a) no line lost or repeated across the rotations (.2 .1 log consecutive)" \
    rot_consecutive
check "(a) rot.log ends with the 'domain gone' event" \
    bash -c "tail -n1 '$LOGS/rot.log' | grep -q -- '--- xcmux: domain gone'"

# ---- (b) timestamps, (c) sanitize -------------------------------------------------
xensim create tk --every 100 --line "tick-line" --no-boot-text >/dev/null
xensim create esc --say 'plain\e[31mred\e[0m bell\x07 del\x7f tab\tend' >/dev/null
xensim create raw1 --say 'raw\e[1mbold' >/dev/null
check "(b) the ticking guest is logged" wait_until 10 bash -c "[ \$(grep -c tick-line '$LOGS/tk.log') -ge 5 ]"
check "(b) every log line starts with [YYYY-MM-DDTHH:MM:SS.mmmZ]" \
    bash -c "! grep -vqE '^$STAMP' '$LOGS/tk.log'"
stamp=$(grep tick-line "$LOGS/tk.log" | tail -n1 | cut -c2-24)
age=$(( $(date -u +%s) - $(date -u -d "${stamp/T/ }" +%s) ))
check "(b) the stamp is UTC and current (age ${age}s)" test "$age" -ge 0 -a "$age" -le 5
check "(b) milliseconds differ between lines (not a per-second stamp)" \
    test "$(grep tick-line "$LOGS/tk.log" | cut -c21-24 | sort -u | wc -l)" -ge 3
check "(c) ESC is logged as ^[ (and BEL as ^G, DEL as ^?), tab kept" \
    wait_until 5 grep -qF "plain^[[31mred^[[0m bell^G del^? tab"$'\t'"end" "$LOGS/esc.log"
check "(c) no raw control byte in the sanitised log" \
    bash -c "! LC_ALL=C grep -q \$'[\\x1b\\x07\\x7f]' '$LOGS/esc.log'"
check "(c) with sanitize = off for [domain:raw*] the ESC is raw" \
    wait_until 5 grep -qF $'raw\e[1mbold' "$LOGS/raw1.log"

# ---- (d) SIGHUP reopens ---------------------------------------------------------------
mv "$LOGS/tk.log" "$LOGS/tk.log.moved"
kill -HUP "$DPID"
check "(d) after SIGHUP a fresh tk.log is created" wait_until 5 test -e "$LOGS/tk.log"
check "(d) ... and the guest's new lines go there" wait_until 5 grep -q tick-line "$LOGS/tk.log"
s1=$(size_of "$LOGS/tk.log.moved"); sleep 0.5; s2=$(size_of "$LOGS/tk.log.moved")
check "(d) the moved-away file no longer grows ($s1 -> $s2)" test "$s1" = "$s2"

# ---- (e) reload ---------------------------------------------------------------------
cat >"$CONF" <<'EOF'
[global]
log_max_size = 64k
log_keep = 2
timestamps = off
EOF
kill -HUP "$DPID"
check "(e) SIGHUP with timestamps = off: new lines carry no stamp" \
    wait_until 5 grep -q '^tick-line' "$LOGS/tk.log"
check "(e) the reload is reported" wait_until 5 grep -q 'configuration reloaded' "$ERR"
cat >"$CONF" <<'EOF'
[global]
log_max_size = 64k
timestamps = on
no_such_key = 1
log_keep = 2
EOF
kill -HUP "$DPID"
check "(e) a bad config on SIGHUP is reported with FILE:LINE" \
    wait_until 5 grep -q "$CONF:4:" "$ERR"
grep "$CONF:4:" "$ERR" | sed 's/^/#   /'
check "(e) ... the daemon keeps running and serving (list)" \
    bash -c "kill -0 $DPID && '$XCMUX' -S '$SOCK' list | grep -q ' tk '"
n0=$(grep -c tick-line "$LOGS/tk.log"); wait_until 5 bash -c "[ \$(grep -c tick-line '$LOGS/tk.log') -ge $((n0 + 3)) ]"
check "(e) ... and keeps the old config (new lines still unstamped)" \
    bash -c "tail -n3 '$LOGS/tk.log' | grep -qv '^\[' && ! tail -n3 '$LOGS/tk.log' | grep -q '^\[.*tick-line'"
cat >"$CONF" <<'EOF'
[global]
log_max_size = 64k
log_keep = 2
EOF
kill -HUP "$DPID"
check "(e) a later good reload still works (stamps are back)" \
    wait_until 5 bash -c "tail -n1 '$LOGS/tk.log' | grep -qE '^$STAMP'"
printf '[global]\nlog_keep = 2\nlog_max_size = 12\n' >"$XENSIM_DIR/bad.conf"
timeout 10 "$XCMUXD" -f -c "$XENSIM_DIR/bad.conf" -S "$XENSIM_DIR/bad.sock" \
    --log-dir "$XENSIM_DIR/bad-logs" >"$XENSIM_DIR/bad.out" 2>"$XENSIM_DIR/bad.err"
rc=$?
check "(e) a bad config at start-up: xcmuxd refuses to start (exit $rc)" \
    test "$rc" -ne 0 -a "$rc" -ne 124
check "(e) ... naming FILE:LINE on stderr" grep -q "$XENSIM_DIR/bad.conf:3:" "$XENSIM_DIR/bad.err"
sed 's/^/#   /' "$XENSIM_DIR/bad.err"
check "(e) ... and creates no socket" test ! -e "$XENSIM_DIR/bad.sock"
check "(e) the running daemon was not disturbed" kill -0 "$DPID"
stop_daemon
for g in tk esc raw1; do xensim destroy $g >/dev/null; done

# ---- (f) missing log dir, (g) disk full ---------------------------------------------------
mkdir -p "$FULL"
if mount -t tmpfs -o size=128k xcmux-itest "$FULL" 2>/dev/null; then
    MOUNTED=1
else
    echo "# SKIP (g): mount -t tmpfs is not permitted here"
fi
NEWDIR=$FULL/new/logs
printf '[global]\nlog_max_size = 0\n' >"$CONF"
start_daemon "$NEWDIR"
xensim create df --flood 40000 --no-boot-text >/dev/null
check "(f) the missing log directory is created (nested)" wait_until 5 test -d "$NEWDIR"
check "(f) ... with mode 0750" test "$(stat -c %a "$NEWDIR")" = 750
check "(f) ... and the log is written there" wait_until 5 grep -q 'df 000000001' "$NEWDIR/df.log"
if [ -n "$MOUNTED" ]; then
    avail() { df -B1 --output=avail "$FULL" | tail -n1 | tr -d ' '; }
    check "(g) the flood fills the 128k filesystem" wait_until 20 bash -c "[ \$(df -B1 --output=avail '$FULL' | tail -n1) -lt 4096 ]"
    sleep 1.5   # lose a second or more of log output
    check "(g) disk full: the daemon is alive and lists the console" \
        bash -c "kill -0 $DPID && '$XCMUX' -S '$SOCK' list | grep -qE ' df +running'"
    logged=$(seqs "$NEWDIR/df.log" df | tail -n1)
    live=$(XCMUX_LINGER_MS=1000 timeout 10 "$XCMUX" -S "$SOCK" console -r --replay 0 df </dev/null 2>/dev/null |
           sed -nE 's/^df ([0-9]{9}) .*/\1/p' | tail -n1)
    echo "# last logged line $logged, last live line $live"
    check "(g) disk full: a client still gets live output beyond what the log holds" \
        test -n "$live" -a "$((10#${live:-0}))" -gt "$((10#${logged:-0}))"
    check "(g) disk full: the log does not grow while the disk is full" \
        test "$(seqs "$NEWDIR/df.log" df | tail -n1)" = "$logged"
    nfail() { grep -c "df (domid [0-9]*): cannot write log $NEWDIR/df.log: No space left on device" "$ERR"; }
    check "(g) disk full: the daemon's log says so once" \
        test "$(nfail)" = 1
    check "(g) ... and not yet that writes resumed" \
        bash -c "! grep -q 'df (domid [0-9]*): log writes resumed' '$ERR'"
    mount -o remount,size=4m "$FULL"
    check "(g) room again: logging resumes with a 'log gap' event line" \
        wait_until 10 grep -qE "^$STAMP--- xcmux: log gap: [1-9][0-9]* bytes lost \(No space left on device\) ---$" "$NEWDIR/df.log"
    grep 'log gap' "$NEWDIR/df.log" | sed 's/^/#   /'
    gap=$(sed -nE 's/.*--- xcmux: log gap: ([0-9]+) bytes lost.*/\1/p' "$NEWDIR/df.log" | head -n1)
    check "(g) room again: the daemon's log says writes resumed, with the bytes not logged ($gap)" \
        wait_until 5 grep -q "df (domid [0-9]*): log writes resumed ($NEWDIR/df.log), $gap bytes were not logged" "$ERR"
    grep -E 'df \(domid [0-9]+\): (cannot write log|log writes resumed)' "$ERR" | sed 's/^/#   /'
    check "(g) ... each said exactly once for the episode" \
        test "$(nfail)-$(grep -c 'df (domid [0-9]*): log writes resumed' "$ERR")" = 1-1
    check "(g) ... followed by new guest lines, consecutive among themselves" \
        wait_until 5 after_gap_ok
    check "(g) the whole lines before the gap are consecutive (only the gap lost lines)" \
        before_gap_ok
fi
check "daemon still running" kill -0 "$DPID"
stop_daemon
xensim destroy df >/dev/null
check "no sanitizer or crash report on the daemon's stderr" \
    bash -c "! grep -qiE 'sanitizer|runtime error|segv' '$ERR'"
finish
