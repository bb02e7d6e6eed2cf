#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xcmux consoles in ConMan (Debian's conman), on xensim: conmand runs the
# documented process console (`xcmux console %N`, README "Console
# servers"); ConMan's own client joins a guest's console, sees its boot
# text, and what it types reaches the guest, which echoes it back; xcmux
# lists conmand's session; conmand's log of the console has the output.
. "$(dirname "$0")/lib.sh"
in_host "$@"
. "$top_srcdir/tests/integration/itest1-lib.sh"
. "$top_srcdir/tests/integration/console-server-lib.sh"

server_host conman conmand conman
CM=$SRV port=$PORT
# The configuration the README documents, with this build's paths.
cat >"$CM/conman.conf" <<EOF
SERVER loopback=on
SERVER port=$port
SERVER pidfile="$CM/conmand.pid"
SERVER logdir="$CM"
GLOBAL log="%N.log"
CONSOLE name="web1" dev="$XCMUX -S $XD/sock console %N"
EOF
conmand -F -c "$CM/conman.conf" >"$CM/conmand.out" 2>&1 &
SRV_PID=$!
check "conmand serves the console (conman -q lists web1)" \
    wait_until 10 bash -c "conman -d 127.0.0.1:$port -q 2>/dev/null | grep -qx web1"
check "xcmux shows conmand's session on web1" \
    wait_until 10 bash -c "'$XCMUX' -S '$XD/sock' who web1 | grep -v '(pty)' | grep -vq '^USER'"

# ConMan's client (it wants a terminal: script(1) gives it one): join
# read-write, type, leave with &.
( sleep 1; printf 'echo cm-typed-9\r'; sleep $((2 * TIME_SCALE)); printf '&.'; sleep 1 ) |
    timeout $((15 * TIME_SCALE)) script -qfec "conman -d 127.0.0.1:$port -j web1" /dev/null \
    >"$CM/client.out" 2>&1
rc=$?
check "ConMan's client joined and left with &. (exit $rc)" test "$rc" -eq 0
client_saw "ConMan's client" "$CM/client.out" cm-typed-9
grep -q cm-typed-9 "$CM/client.out" || sed 's/^/# client: /' "$CM/client.out" "$CM/conmand.out"
finish
