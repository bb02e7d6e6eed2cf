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

if ! command -v conserver >/dev/null || ! command -v console >/dev/null; then
    bad "conserver-server and conserver-client are installed (scripts/deps.sh --test)"
    finish; exit
fi
CS=$XD/conserver
mkdir -p "$CS"
cs_cleanup() {
    [ -n "${CS_PID:-}" ] && kill "$CS_PID" 2>/dev/null
    itest1_cleanup
}
trap 'cs_cleanup 2>/dev/null' EXIT

start_xcmuxd "[global]
log = off"
gid=$(xensim create web1 --echo --say "web1-boot-text")
wait_until 10 bash -c "'$XCMUX' -S '$XD/sock' list | grep -q ' web1 '"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
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
CS_PID=$!
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
check "conserver's client sees the guest's output (its prompt)" grep -q "web1:~#" "$CS/client.out"
check "what conserver's client types reaches the guest and echoes back" \
    grep -q "cs-typed-7" "$CS/client.out"
check "the guest saw the input (xcmux log has the echo)" \
    bash -c "'$XCMUX' -S '$XD/sock' log web1 | grep -q cs-typed-7"
check "conserver's console log has the guest's boot text" \
    wait_until 5 grep -q "web1-boot-text" "$CS/web1.log"
console -n -E -M 127.0.0.1 -p "$port" -u 2>&1 | sed 's/^/# console -u: /'
grep -q cs-typed-7 "$CS/client.out" || sed 's/^/# client: /' "$CS/client.out" "$CS/conserver.out"
finish
