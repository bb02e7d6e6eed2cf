#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Access control with real second uids, two layers:
#  socket: the socket file gets the configured mode and group; a user
#          outside that group cannot connect (exit 5, "permission denied"),
#          a member can;
#  ACLs:   with the socket open to all (0666) the daemon's read/write ACLs
#          decide: a user outside `read` is refused (exit 5) and never
#          attached; a user in `read` only gets a read-only session whose
#          input never reaches the guest; a user in `write` types into the
#          guest; [domain:GLOB] sections grant and deny per guest, by user
#          and by @group; list shows a user only the consoles it may read.
. "$(dirname "$0")/lib.sh"
in_host "$@"
. "$(dirname "$0")/own-daemon-lib.sh"

U1=xcmuxtest1 U2=xcmuxtest2 U3=xcmuxtest3 G=xcmuxtestg
need_users $U1 $U2 $U3 --group "$G"
# Only U1 is in the group, and only through a supplementary membership.
id -nG "$U1" | grep -qw "$G" || usermod -aG "$G" "$U1"
for u in $U2 $U3; do
    id -nG "$u" | grep -qw "$G" && gpasswd -d "$u" "$G" >/dev/null
done
public_dir sec
# exit code of CMD, with its stderr in $XENSIM_DIR/last.err
rc_of() { "$@" >"$XENSIM_DIR/last.out" 2>"$XENSIM_DIR/last.err"; echo $?; }
bytes_in() { xensim status "$1" | tr ' ' '\n' | sed -n 's/^bytes_in=//p'; }
listed() { xc_as "$1" list | awk 'NR > 1 { print $3 }' | LC_ALL=C sort | tr '\n' ' '; }

# ---- layer 1: the socket ---------------------------------------------------------
cat >"$CONF" <<EOF
[global]
socket_mode = 0660
socket_group = $G
read = *
EOF
daemon_start
xensim create l1 --say "l1-up" >/dev/null
wait_until 10 bash -c "'$XCMUX' -S '$SOCK' list | grep -q ' l1 '"
check "socket: mode 0660 and group $G as configured" \
    test "$(stat -c '%a %G %U' "$SOCK")" = "660 $G root"
rc=$(rc_of xc_as $U3 list)
check "socket: a user outside the socket's group is refused: exit 5 (got $rc)" test "$rc" -eq 5
check "socket: ... with 'permission denied' naming the socket" \
    grep -q "permission denied connecting to $SOCK" "$XENSIM_DIR/last.err"
rc=$(rc_of xc_as $U1 list)
check "socket: a member of the group (supplementary) connects and lists (exit $rc)" \
    bash -c "[ $rc -eq 0 ] && grep -q ' l1 ' '$XENSIM_DIR/last.out'"
daemon_stop
xensim destroy l1 >/dev/null
check "socket: removed when the daemon stops" test ! -e "$SOCK"

# ---- layer 2: the daemon's ACLs ------------------------------------------------------
cat >"$CONF" <<EOF
[global]
socket_mode = 0666
socket_group = none
read = $U1 $U2
write = $U1

[domain:sec*]
read = $U1
write = $U1

[domain:open*]
read = *
write = $U3

[domain:grp*]
read = @$G
write = none
EOF
daemon_start
# Created now, so this daemon's replay buffers hold their boot text.
xensim create pub --echo --say "pub-up" >/dev/null
xensim create sec1 --echo --say "sec1-up" >/dev/null
xensim create open1 --echo --say "open1-up" >/dev/null
xensim create grp1 --echo --say "grp1-up" >/dev/null
wait_until 10 bash -c "[ \$('$XCMUX' -S '$SOCK' list | grep -c running) -eq 4 ]"
check "acl: socket mode 0666 as configured" test "$(stat -c '%a' "$SOCK")" = 666

rc=$(rc_of xc_as $U3 console pub </dev/null)
check "acl: a user not in read is refused the console: exit 5 (got $rc)" test "$rc" -eq 5
check "acl: ... the message says permission denied (the daemon's, not the socket's)" \
    bash -c "grep -q 'console: permission denied' '$XENSIM_DIR/last.err' &&
             ! grep -q 'connecting to' '$XENSIM_DIR/last.err'"
check "acl: ... and it was never attached (no attach event in the log)" \
    bash -c "! grep -q 'attach $U3' '$LOGS/pub.log'"
check "acl: ... nothing of the console was printed" test ! -s "$XENSIM_DIR/last.out"
rc=$(rc_of xc_as $U3 log pub)
check "acl: log of an unreadable console: exit 5 (got $rc), no bytes" \
    bash -c "[ $rc -eq 5 ] && [ ! -s '$XENSIM_DIR/last.out' ]"
rc=$(rc_of xc_as $U3 who pub)
check "acl: who on an unreadable console: exit 5 (got $rc)" test "$rc" -eq 5

# @xen, the hypervisor's console, follows [global]: U2 reads it, U1 too
# (its write ACL is folded into read, hvcon.h), U3 does not.
check "acl: list as $U1 shows what it may read: @xen grp1 open1 pub sec1" \
    test "$(listed $U1)" = "@xen grp1 open1 pub sec1 "
check "acl: list as $U2 shows only @xen open1 pub ($(listed $U2))" \
    test "$(listed $U2)" = "@xen open1 pub "
check "acl: list as $U3 shows only open1 ($(listed $U3))" \
    test "$(listed $U3)" = "open1 "
check "acl: root (admin) sees every console" \
    test "$(xc_as root list | awk 'NR > 1 { print $3 }' | LC_ALL=C sort | tr '\n' ' ')" = "@xen grp1 open1 pub sec1 "

# Read-only: U2 asks for a read-write session and gets a read-only one.
console_bg u2pub $U2 pub
u2pub=$CPID
check "acl: a read-only user attaches (replay shown)" wait_until 10 grep -q pub-up "$XENSIM_DIR/u2pub.out"
check "acl: ... and is told the session is read-only" \
    wait_until 5 grep -q "read-only" "$XENSIM_DIR/u2pub.err"
in0=$(bytes_in pub)
printf 'echo u2-leak-%s\r' 31337 >"$XENSIM_DIR/u2pub.in"
sleep 1
check "acl: ... its input never reaches the guest (bytes_in stays $in0)" test "$(bytes_in pub)" = "$in0"
check "acl: ... it is told its input was discarded" grep -q "input discarded" "$XENSIM_DIR/u2pub.err"
check "acl: ... it did not take the free write seat (list WRITER no)" \
    bash -c "'$XCMUX' -S '$SOCK' list | grep -E ' pub ' | grep -qE ' no '"
check "acl: ... who shows it read-only" \
    bash -c "'$XCMUX' -S '$SOCK' who pub | grep $U2 | grep -q read-only"
"$XCMUX" -S "$SOCK" who pub | sed 's/^/#   /'

# Write: U1 types; the guest echoes, the read-only viewer sees it too.
console_bg u1pub $U1 pub
u1pub=$CPID
wait_until 10 grep -q pub-up "$XENSIM_DIR/u1pub.out"
printf 'echo u1-write-%s\r' 4242 >"$XENSIM_DIR/u1pub.in"
check "acl: a user in write types into the guest (its echo comes back)" \
    wait_until 10 grep -q "^u1-write-4242" "$XENSIM_DIR/u1pub.out"
check "acl: ... the guest got the bytes (bytes_in grew)" test "$(bytes_in pub)" -gt "$in0"
check "acl: ... and the read-only viewer sees the output" \
    wait_until 10 grep -q "^u1-write-4242" "$XENSIM_DIR/u2pub.out"
check "acl: the read-only user's text is nowhere in the guest's output" \
    bash -c "! grep -q 'u2-leak' '$LOGS/pub.log' '$XENSIM_DIR/u1pub.out'"
# A read-only user cannot take the seat with force either.
rc=$(rc_of xc_as $U2 console -f pub </dev/null)
check "acl: --force by a read-only user does not take the seat (exit $rc)" \
    bash -c "! grep -q 'seat taken' '$XENSIM_DIR/u1pub.err' && ! grep -q '$U2 .*forced' '$LOGS/pub.log'"
kill "$u1pub" "$u2pub" 2>/dev/null

# [domain:sec*] narrows read to U1.
rc=$(rc_of xc_as $U2 console sec1 </dev/null)
check "domain override: $U2 is denied sec1 (exit $rc)" test "$rc" -eq 5
rc=$(rc_of xc_as $U2 log sec1)
check "domain override: $U2 cannot read sec1's log either (exit $rc)" test "$rc" -eq 5
out=$(printf 'echo sec-ok-%s\r' 77 | XCMUX_LINGER_MS=1000 as $U1 "$PUB/xcmux" -S "$SOCK" console sec1 2>&1)
check "domain override: $U1 may write to sec1" grep -q "^sec-ok-77" <<<"$out"

# [domain:open*] grants U3 (denied by [global]) read and write.
out=$(printf 'echo open-u3-%s\r' 99 | XCMUX_LINGER_MS=1000 as $U3 "$PUB/xcmux" -S "$SOCK" console open1 2>&1)
check "domain override: $U3 may write to open1" grep -q "^open-u3-99" <<<"$out"
in0=$(bytes_in open1)
out=$(printf 'echo open-u2-%s\r' 98 | XCMUX_LINGER_MS=500 as $U2 "$PUB/xcmux" -S "$SOCK" console open1 2>&1)
check "domain override: $U2 reads open1 but its write is refused" \
    bash -c "[ '$(bytes_in open1)' = '$in0' ] && ! grep -q '^open-u2-98' <<<'$out' && grep -q open1-up <<<'$out'"

# [domain:grp*] by group: U1 is a supplementary member, U2 is not.
rc=$(rc_of xc_as $U1 log grp1)
check "group ACL: a member of @$G reads grp1 (exit $rc)" \
    bash -c "[ $rc -eq 0 ] && grep -q grp1-up '$XENSIM_DIR/last.out'"
rc=$(rc_of xc_as $U2 log grp1)
check "group ACL: a non-member is denied grp1 (exit $rc)" test "$rc" -eq 5
in0=$(bytes_in grp1)
printf 'echo grp-%s\r' 5 | XCMUX_LINGER_MS=500 as $U1 "$PUB/xcmux" -S "$SOCK" console grp1 >/dev/null 2>&1
check "group ACL: write = none keeps even a reader from typing" test "$(bytes_in grp1)" = "$in0"

check "daemon still running" kill -0 "$DPID"
daemon_stop
check "no sanitizer or crash report on the daemon's stderr" \
    bash -c "! grep -qiE 'sanitizer|runtime error|segv' '$ERR'"
finish
