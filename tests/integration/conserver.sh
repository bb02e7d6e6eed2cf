#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xcmux consoles in conserver (Debian's conserver-server and
# conserver-client), on xensim: conserver runs the documented exec
# console (`xcmux console NAME` per guest, README "Console servers");
# conserver's own client attaches to a guest's console, sees its boot
# text, and what it types reaches the guest, which echoes it back; xcmux
# lists conserver's session beside the others; conserver's log of the
# console has the guest's output.
. "$(dirname "$0")/lib.sh"
in_host "$@"
. "$top_srcdir/tests/integration/itest1-lib.sh"
. "$top_srcdir/tests/integration/console-server-lib.sh"

server_host conserver conserver console
CS=$SRV port=$PORT
# The configuration the README documents, with this build's paths.
cat >"$CS/conserver.cf" <<EOF
default xcmux {
    type exec;
    execsubst %=cs;
    exec "$XCMUX -S $XD/sock console %";
    logfile $CS/&.log;
    master localhost;
    rw *;
}
console web1 { include xcmux; }
access * { trusted 127.0.0.1; }
EOF
: >"$CS/conserver.passwd"
conserver -S -C "$CS/conserver.cf" >"$CS/syntax.out" 2>&1
check "conserver accepts the configuration (-S)" test $? -eq 0
conserver -E -C "$CS/conserver.cf" -P "$CS/conserver.passwd" -M 127.0.0.1 -p "$port" \
    >"$CS/conserver.out" 2>&1 &
SRV_PID=$!
cs() { console -n -E -M 127.0.0.1 -p "$port" "$@"; }
check "conserver serves the console (console -u lists web1 up)" \
    wait_until 10 bash -c "console -n -E -M 127.0.0.1 -p $port -u 2>/dev/null | grep -E '^ *web1 +up'"
check "xcmux shows conserver's session on web1" \
    wait_until 10 bash -c "'$XCMUX' -S '$XD/sock' who web1 | grep -v '(pty)' | grep -vq '^USER'"

# conserver's client: force read-write, type, leave with ^Ec.
( sleep 1; printf 'echo cs-typed-7\r'; sleep $((2 * TIME_SCALE)); printf '\005c.' ) |
    timeout $((15 * TIME_SCALE)) console -n -E -M 127.0.0.1 -p "$port" -f web1 >"$CS/client.out" 2>&1
rc=$?
check "conserver's client attached and left with ^Ec. (exit $rc)" test "$rc" -eq 0
client_saw "conserver's client" "$CS/client.out" cs-typed-7
console -n -E -M 127.0.0.1 -p "$port" -u 2>&1 | sed 's/^/# console -u: /'
grep -q cs-typed-7 "$CS/client.out" || sed 's/^/# client: /' "$CS/client.out" "$CS/conserver.out"
finish
