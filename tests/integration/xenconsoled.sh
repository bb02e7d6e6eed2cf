#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fidelity of the simulated host: Debian's own xenconsoled, unchanged,
# serves simulated guests on xensim — (a) boot text reaches its guest log,
# (b) input written to the pty it publishes reaches the guest, which
# echoes it back, (c) destroying the guest makes it tear the console down,
# (d) 100 guests at once all reach their logs, (e) Debian's console client
# (xenconsole, what `xl console` runs) shows the guest's output.
. "$(dirname "$0")/lib.sh"
in_host "$@"

logdir=$XENSIM_DIR/xenconsoled-logs
mkdir -p "$logdir"
errlog=$XENSIM_DIR/xenconsoled.stderr
"$XEN_BINDIR/xenconsoled" -i --log=guest --log-dir="$logdir" \
    --pid-file="$XENSIM_DIR/xenconsoled.pid" 2>"$errlog" &
xcd=$!
trap 'kill $xcd 2>/dev/null; wait $xcd 2>/dev/null' EXIT
sleep 0.2
check "xenconsoled starts on the drop-in libraries without loader warnings" \
    bash -c "kill -0 $xcd && ! grep -q 'version information' '$errlog'"

# (a) boot text lands in the guest log
id=$(xensim create alpha --echo --say "alpha boot text 42")
check "(a) boot text reaches xenconsoled's guest log" \
    wait_until 10 file_has "$logdir/guest-alpha.log" "alpha boot text 42"

# (b) the pty it publishes carries input to the guest and its echo back
tty=""
wait_until 10 xs_read "/local/domain/$id/console/tty" && tty=$(xs_read "/local/domain/$id/console/tty")
check "(b) xenconsoled publishes console/tty ($tty)" test -c "$tty"
check "(b) input on the pty reaches the guest, which echoes it back" \
    $PTYIO "$tty" --send 'echo fidelity-ping\r' --expect 'fidelity-ping' --timeout 10

# (e) Debian's console client attaches to that pty and shows output
xensim create beta --every 100 --line "beta-tick" >/tmp/beta.id.$$
bid=$(cat /tmp/beta.id.$$); rm -f /tmp/beta.id.$$
wait_until 10 xs_read "/local/domain/$bid/console/tty"
out=$XENSIM_DIR/xenconsole.out
timeout 5 script -qfec "$XEN_BINDIR/xenconsole --type pv $bid" /dev/null </dev/null >"$out" 2>&1
check "(e) xenconsole (xl console's client) shows the guest's live output" \
    grep -q "beta-tick" "$out"
grep -q "beta-tick" "$out" || head -c 600 "$out" | sed 's/^/#   /'

# (c) destroy: xenconsoled tears the console down (its pty goes away)
xensim destroy alpha >/dev/null
check "(c) destroying the guest makes xenconsoled close its console" \
    wait_until 10 bash -c "[ ! -e '$tty' ] || ! $PTYIO '$tty' --timeout 0.2"

# (d) 100 guests at once
xensim create many --count 100 --say "many-ok" >/dev/null
n=0
check "(d) 100 guests all reach their logs" wait_until 30 bash -c \
    "[ \$(grep -l 'many-ok' '$logdir'/guest-many-*.log 2>/dev/null | wc -l) -eq 100 ]"
n=$(grep -l 'many-ok' "$logdir"/guest-many-*.log 2>/dev/null | wc -l)
echo "# $n of 100 guest logs hold their boot text"
check "xenconsoled still running" kill -0 $xcd
finish
