#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# log_target = journal|both: console lines reach the journal's native
# socket (here a socket the test owns, $XCMUX_JOURNAL_SOCKET) as one
# message per line with XCMUX_* fields; events are XCMUX_STREAM=event;
# file-only consoles send nothing; journal-only consoles write no file;
# a journal that stops reading costs lines (counted and reported as an
# event line, in the file log and the journal) but never stalls the
# daemon, the file log or clients. With a real journald, journalctl -o
# json finds the entries too.
. "$(dirname "$0")/lib.sh"
in_host "$@"
. "$top_srcdir/tests/integration/host-lib.sh"

js=$HD/journal.sock
jl=$HD/journal.jsonl
bg $SINK "$js" "$jl" journal
sink=$BG_PID
wait_until 5 test -S "$js"
# jq-free queries: python3 over the JSON lines.
jq_count() { # jq_count PY-EXPR : entries for which EXPR (over e) is true
    python3 - "$jl" "$1" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    e = json.loads(line)
    if eval(sys.argv[2], {"e": e}):
        n += 1
print(n)
PY
}
has() { [ "$(jq_count "$1")" -gt 0 ]; }

check "xcmuxd -t rejects a bad log_target" bash -c \
    "printf '[global]\nlog_target = syslog\n' >'$HD/bad.conf'; ! '$XCMUXD' -t -c '$HD/bad.conf' 2>'$HD/bad.err' && grep -q 'log_target' '$HD/bad.err'"

start_xcmuxd "[global]
timestamps = off
[domain:jb*]
log_target = both
[domain:jo*]
log_target = journal" XCMUX_JOURNAL_SOCKET="$js"

jb=$(xensim create jb1 --echo --say 'jb1 first line\r\n\x1b[1mbold\x1b[0m and a tab\there')
jo=$(xensim create jo1 --say "jo1 only in the journal")
xensim create jf1 --say "jf1 file only" >/dev/null
check "boot line of jb1 in the journal" wait_until 10 has "e.get('MESSAGE') == 'jb1 first line'"
check "fields: XCMUX_GUEST, XCMUX_DOMID, XCMUX_CONSOLE, XCMUX_STREAM, SYSLOG_IDENTIFIER" \
    has "e.get('MESSAGE') == 'jb1 first line' and e.get('XCMUX_GUEST') == 'jb1' and e.get('XCMUX_DOMID') == '$jb' and e.get('XCMUX_CONSOLE') == '0' and e.get('XCMUX_STREAM') == 'output' and e.get('SYSLOG_IDENTIFIER') == 'xcmuxd' and e.get('PRIORITY') == '6'"
check "one message per line, CR stripped, control characters in caret notation" \
    has "e.get('MESSAGE') == '^[[1mbold^[[0m and a tab\there'"
check "attach is an event entry" \
    wait_until 5 has "e.get('XCMUX_GUEST') == 'jb1' and e.get('XCMUX_STREAM') == 'event' and 'attached' in e.get('MESSAGE', '')"
check "log_target = both also writes the file" wait_until 5 file_has "$HD/logs/jb1.log" "jb1 first line"
check "log_target = journal: jo1 in the journal" \
    wait_until 10 has "e.get('XCMUX_GUEST') == 'jo1' and e.get('MESSAGE') == 'jo1 only in the journal' and e.get('XCMUX_DOMID') == '$jo'"
check "log_target = journal: no jo1 file" test ! -e "$HD/logs/jo1.log"
check "log_target = file (default): jf1 has a file" wait_until 10 file_has "$HD/logs/jf1.log" "jf1 file only"
check "log_target = file: nothing of jf1 in the journal" test "$(jq_count "e.get('XCMUX_GUEST') == 'jf1'")" -eq 0
check "no malformed datagrams" test "$(jq_count "'_malformed' in e")" -eq 0

# Typed input echoed by the guest is output like any other line.
printf 'echo typed-into-jb1\r' | XCMUX_LINGER_MS=800 X console jb1 >/dev/null 2>&1
check "echoed input reaches the journal as a line" \
    wait_until 5 has "e.get('XCMUX_GUEST') == 'jb1' and e.get('MESSAGE') == 'typed-into-jb1'"

# A journal that stops reading: lines are dropped and counted, nothing stalls.
xensim create jbflood --every 2 --line "jbflood-line" >/dev/null
check "flood guest reaches the journal" wait_until 10 has "e.get('XCMUX_GUEST') == 'jbflood'"
kill -STOP "$sink"
sleep 1.5
t0=$(date +%s%N)
X list >/dev/null
t1=$(date +%s%N)
check "daemon answers while the journal is stuck ($(( (t1 - t0) / 1000000 )) ms)" \
    test $(( (t1 - t0) / 1000000 )) -lt "$PROMPT_MS"
before=$(grep -c "jbflood-line" "$HD/logs/jbflood.log")
sleep 0.5
after=$(grep -c "jbflood-line" "$HD/logs/jbflood.log")
check "file log keeps growing while the journal is stuck ($before -> $after)" test "$after" -gt "$before"
n0=$(grep -c "jbflood-line" "$jl")
kill -CONT "$sink"
check "after the stall: the drop count is reported in the journal" \
    wait_until 10 has "e.get('XCMUX_GUEST') == 'jbflood' and e.get('XCMUX_STREAM') == 'event' and 'dropped' in e.get('MESSAGE', '')"
check "after the stall: the drop count is reported in the file log" \
    wait_until 5 grep -q -- "--- xcmux: journal: [1-9][0-9]* line(s) dropped" "$HD/logs/jbflood.log"
lost=$(grep -o "journal: [0-9]* line(s) dropped" "$HD/logs/jbflood.log" | head -1)
echo "# $lost"
check "lines flow again after the stall" wait_until 5 bash -c \
    "[ \$(grep -c jbflood-line '$jl') -gt $((n0 + 20)) ]"

# Journal socket gone (journald restarting): nothing breaks; back later.
kill "$sink"; wait "$sink" 2>/dev/null
sleep 0.3
check "daemon fine with no journal socket" bash -c "'$XCMUX' -S '$HD/sock' list >/dev/null"
rm -f "$jl"
bg $SINK "$js" "$jl" journal
check "a new journal socket is picked up again" \
    wait_until 10 has "e.get('XCMUX_GUEST') == 'jbflood' and e.get('MESSAGE') == 'jbflood-line'"
stop_xcmuxd

# A real journald, if one runs here.
if [ -S /run/systemd/journal/socket ] && command -v journalctl >/dev/null &&
   journalctl -n 1 >/dev/null 2>&1; then
    tag=jr$$
    start_xcmuxd "[global]
log_target = journal"
    xensim create "$tag" --say "real-journal-$tag" >/dev/null
    check "journalctl -o json finds the line with its fields" wait_until 10 bash -c \
        "journalctl -o json XCMUX_GUEST=$tag | grep -q 'real-journal-$tag'"
    stop_xcmuxd
else
    echo "# SKIP: no journald running here; the native protocol was checked with the test's own socket"
fi
finish
