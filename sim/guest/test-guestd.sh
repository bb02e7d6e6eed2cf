#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test of xensim-guestd on a real xensim host: xenstore nodes
# and permissions, data/booted through the guest's own ring, console
# output, the echo shell, secondary consoles, flood order and rate,
# periodic lines, Linux sysrq, crash, reboot, destroy and bad requests.
set -u
B=${top_builddir:-.}/sim
XENSIM=$B/xensim
PEEK=$B/guest/xensim-conpeek
[ -x "${XEN_BINDIR:-/usr/lib/xen-4.17/bin}/xenstored" ] || { echo "SKIP: no xenstored"; exit 77; }
[ -x "$XENSIM" ] && [ -x "$PEEK" ] || { echo "SKIP: xensim not built"; exit 77; }
command -v xenstore-read >/dev/null || { echo "SKIP: no xenstore-utils"; exit 77; }
export XEN_BINDIR=${XEN_BINDIR:-/usr/lib/xen-4.17/bin}

if [ "${1:-}" != --inside ]; then
    exec "$XENSIM" run -- bash "$0" --inside
fi

pass=0 fail=0
ok()   { pass=$((pass + 1)); echo "ok - $*"; }
bad()  { fail=$((fail + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@" >/dev/null; then ok "$what"; else bad "$what"; fi; }
# peek_start ARGS...: a conpeek in the background, returned once it is
# bound (PEEK_PID); peek_result waits for it. For output that is printed
# right before the domain goes away (a panic, a bugcheck): started after
# the trigger, the peek could find the domain already destroyed.
peek_start() {
    rm -f "$XENSIM_DIR/peek.bound"
    "$PEEK" "$@" -b "$XENSIM_DIR/peek.bound" >/dev/null &
    PEEK_PID=$!
    for _ in $(seq 200); do
        [ -e "$XENSIM_DIR/peek.bound" ] && return 0
        kill -0 "$PEEK_PID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}
peek_result() { wait "$PEEK_PID"; }
wait_read() { # wait_read PATH VALUE
    for _ in $(seq 40); do [ "$(xenstore-read "$1" 2>/dev/null)" = "$2" ] && return 0; sleep 0.05; done
    return 1
}

id=$(xensim create vm1 --echo)
check "create prints a domid" test "$id" -gt 0
check "data/booted written through the guest's ring" wait_read /local/domain/$id/data/booted 1
check "name node" test "$(xenstore-read /local/domain/$id/name)" = vm1
check "console nodes" test "$(xenstore-read /local/domain/$id/console/type /local/domain/$id/console/limit /local/domain/$id/console/output | tr '\n' ' ')" = "xenconsoled 1048576 pty "
perms=$(xenstore-ls -p /local/domain/$id | tr -s ' .' ' ')
check "console/ is dom0's, guest read-only" grep -q "^console = \"\" (n0,r$id)" <<<"$perms"
check "data/ is the guest's" grep -q "^data = \"\" (n$id)" <<<"$perms"
check "boot text and prompt" "$PEEK" $id -e 'vm1:~# ' -t 5
out=$("$PEEK" $id -s 'echo hi there\r' -e 'hi there\r\nvm1:~# ' -t 5)
check "echo shell runs echo" test $? = 0
out=$("$PEEK" $id -s 'frob\r' -e 'sh: frob: not found' -t 5)
check "unknown command" test $? = 0
check "status counts input" grep -q "bytes_in=19 " <<<"$(xensim status vm1)"

id2=$(xensim create vm2 --secondary 2 --echo --no-boot-text)
check "secondary frontend" test "$(xenstore-read /local/domain/$id2/device/console/2/name)" = vm2-con2
check "secondary backend" test "$(xenstore-read /local/domain/0/backend/console/$id2/2/frontend)" = /local/domain/$id2/device/console/2
check "secondary console boots and echoes" "$PEEK" $id2 -c 2 -s 'hostname\r' -e 'ready\r\nvm2:~# hostname\r\nvm2\r\n' -t 5

id3=$(xensim create fl --flood 40000 --no-boot-text)
sleep 0.5
check "flood waits for the backend (ring full, nothing dropped)" grep -q "bytes_out=2048 .*dropped=0" <<<"$(xensim status fl)"
start=$(date +%s%N)
"$PEEK" $id3 -n 80000 -t 10 >"$XENSIM_DIR/flood.out"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "flood lines in order, no gaps" test "$(awk '{print $2+0}' "$XENSIM_DIR/flood.out" | awk 'NR>1 && $1!=p+1 {b++} {p=$1} END {print b+0}')" = 0
check "flood lines are 80 bytes" test "$(awk 'length($0) != 79' "$XENSIM_DIR/flood.out" | wc -l)" = 0
check "flood rate about 40000 B/s (${ms} ms for 80000 B)" test $ms -gt 1400 -a $ms -lt 3000

id4=$(xensim create ev --every 50 --line 'tick\x21' --no-boot-text)
check "periodic line" "$PEEK" $id4 -e 'tick!\r\ntick!\r\n' -t 5

id5=$(xensim create sq --linux-sysrq --no-boot-text)
wait_read /local/domain/$id5/data/booted 1
xenstore-write /local/domain/$id5/control/sysrq m
check "sysrq m prints Show Memory" "$PEEK" $id5 -e 'sysrq: Show Memory' -t 5
check "sysrq node written back empty" wait_read /local/domain/$id5/control/sysrq ""
xenstore-write /local/domain/$id5/control/sysrq '?'
check "unknown sysrq prints HELP" "$PEEK" $id5 -e 'sysrq: HELP : ' -t 5
check "sysrq counted" grep -q "sysrq=2 " <<<"$(xensim status sq)"

peek_start $id5 -e 'end Kernel panic' -t 10
xensim crash sq
check "crash prints a panic" peek_result
sleep 0.4
check "crashed guest destroyed" test -z "$(xensim list | awk -v n=sq '$2 == n')"
check "crashed guest's nodes removed" test -z "$(xenstore-read /local/domain/$id5/name 2>/dev/null)"

new=$(xensim reboot vm1)
check "reboot gives a new domid" test "$new" -gt "$id"
check "rebooted guest boots again" wait_read /local/domain/$new/data/booted 1
check "old domain's nodes gone" test -z "$(xenstore-read /local/domain/$id/name 2>/dev/null)"
xensim destroy vm2
check "destroy removes backend nodes" test -z "$(xenstore-ls /local/domain/0/backend/console/$id2 2>/dev/null)"
check "destroyed guest not listed" test -z "$(xensim list | awk '$2 == "vm2"')"

start=$(date +%s%N)
check "create --count 100 prints 100 domids" test "$(xensim create many --count 100 | wc -l)" = 100
echo "# create --count 100: $(( ($(date +%s%N) - start) / 1000000 )) ms"
check "list shows them" test "$(xensim list | grep -c ' many-')" = 100

check "duplicate name refused" bash -c '! xensim create vm1 2>/dev/null'
check "numeric name refused" bash -c '! xensim create 123 2>/dev/null'
check "bad option refused" bash -c '! xensim create x --flood nope 2>/dev/null'
check "unknown target refused" bash -c '! xensim destroy nosuch 2>/dev/null'
long=$(head -c 5000 /dev/zero | tr '\0' a)
check "over-long request refused" bash -c "! xensim create x --say $long 2>/dev/null"
check "garbage request answered" bash -c "printf 'create %%zz\n' | timeout 5 socat - UNIX-CONNECT:$XENSIM_DIR/guestd.sock 2>/dev/null | grep -q '^ERR' || ! command -v socat >/dev/null"
check "daemon still alive" kill -0 "$(cat "$XENSIM_DIR/guestd.pid")"

echo "# $pass passed, $fail failed"
[ $fail = 0 ]
