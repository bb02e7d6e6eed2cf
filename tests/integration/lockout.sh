#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# No local user can lock the administrator out (xcmuxd.conf(5) "LIMITS"),
# with real distinct uids:
#  (a) a user in no ACL opening ~4500 connections (HELLO done, held) gets
#      max_connections_per_user of them; the rest are refused with the
#      reason on the wire (the real client prints it, never "Broken
#      pipe"), logged once per episode; root lists, attaches and
#      triggers within 1 s;
#  (b) with the per-user cap lifted, the same user fills the daemon up to
#      the reserved connections: root still gets in within 1 s; a user
#      with access gets in by shedding one of the unauthorised
#      connections (which is told why), never one of its own older idle
#      ones; root past the whole limit sheds too;
#  (c) a read-only user attaching 64 sessions to one console gets
#      max_sessions_per_user; with that lifted, the console keeps
#      reserved_sessions for root; with no reserve, root's attach ends
#      one of that user's sessions (which is told why).
. "$(dirname "$0")/lib.sh"
in_host "$@"
. "$(dirname "$0")/own-daemon-lib.sh"

U1=xcmuxtest1 U2=xcmuxtest2 U3=xcmuxtest3
need_users $U1 $U2 $U3
[ -x /usr/bin/python3 ] || { echo "# SKIP: /usr/bin/python3 not found"; exit 77; }
# 4500 connections held by one process, and as many accepted by the
# daemon: raise the fd limit for both (inherited), for this test only.
ulimit -Hn 16384 2>/dev/null; ulimit -n 16384 2>/dev/null ||
    { echo "# SKIP: cannot raise RLIMIT_NOFILE to 16384"; exit 77; }
public_dir lo
start_daemon() { # start_daemon EXTRA-GLOBAL-LINES
    cat >"$CONF" <<EOF
[global]
socket_mode = 0666
socket_group = none
read = $U1 $U2
write = $U1
hotkey.n = nmi | Send an NMI
hotkey_rate = off
$1
EOF
    : >"$ERR"
    daemon_start
}
# timed CMD...: "RC MS" of CMD (output in $XENSIM_DIR/t.out, t.err)
timed() {
    local t0 rc
    t0=$(date +%s%N)
    "$@" >"$XENSIM_DIR/t.out" 2>"$XENSIM_DIR/t.err"
    rc=$?
    echo "$rc $(( ($(date +%s%N) - t0) / 1000000 ))"
}
root_can_work() { # root_can_work LABEL: list, attach, trigger each answered (PROMPT_MS)
    local r
    r=$(timed "$XCMUX" -S "$SOCK" list)
    check "$1: root lists (rc ms: $r)" \
        bash -c "[ ${r% *} -eq 0 ] && grep -q ' pub ' '$XENSIM_DIR/t.out'"
    check "$1: ... answered within $PROMPT_MS ms" test "${r#* }" -lt "$PROMPT_MS"
    r=$(timed env XCMUX_LINGER_MS=100 "$XCMUX" -S "$SOCK" console -r --replay 4096 pub </dev/null)
    check "$1: root attaches (rc ms: $r)" \
        bash -c "[ ${r% *} -eq 0 ] && ! grep -q refused '$XENSIM_DIR/t.err'"
    check "$1: ... answered within $PROMPT_MS ms" test "${r#* }" -lt "$PROMPT_MS"
    r=$(timed "$XCMUX" -S "$SOCK" trigger pub n)
    check "$1: root triggers a hotkey (rc ms: $r)" \
        bash -c "[ ${r% *} -eq 0 -o ${r% *} -eq 8 ]"
    check "$1: ... answered within $PROMPT_MS ms" test "${r#* }" -lt "$PROMPT_MS"
}

# ---- (a) defaults: per-user connection cap -----------------------------------------
start_daemon ""
xensim create pub --echo --say "pub-up" >/dev/null
wait_until 10 bash -c "'$XCMUX' -S '$SOCK' list | grep -q ' pub .*running'"
holder a $U3 4500
check "(a) a user in no ACL holds at most 256 connections (held $(held a))" test "$(held a)" = 256
check "(a) ... the others are refused with the reason" \
    grep -q "^reason: too many connections from $U3 (limit 256 per user)" "$XENSIM_DIR/a.hold"
root_can_work "(a)"
rc=$(xc_as $U3 list >/dev/null 2>"$XENSIM_DIR/c.err"; echo $?)
check "(a) the real client, refused, prints the daemon's reason (exit $rc)" \
    grep -q "refused by xcmuxd: too many connections from $U3" "$XENSIM_DIR/c.err"
for i in 1 2 3 4 5; do xc_as $U3 console pub </dev/null 2>>"$XENSIM_DIR/c.err"; done
check "(a) ... console too, and never 'Broken pipe'" \
    bash -c "[ \$(grep -c 'refused by xcmuxd' '$XENSIM_DIR/c.err') -ge 6 ] && ! grep -qi 'broken pipe' '$XENSIM_DIR/c.err'"
check "(a) the refusals are logged once for the episode, not per connection" \
    test "$(grep -c "$U3.*refused connection(s) too many connections" "$ERR")" = 1
release a
check "(a) ... and summarised with a count once it is over" \
    wait_until 15 grep -q "$U3 [0-9]* refused connection(s) in .*episode over" "$ERR"
daemon_stop

# ---- (b) cap lifted: the reserve and shedding -------------------------------------------
start_daemon "max_connections_per_user = 4096"
wait_until 10 bash -c "'$XCMUX' -S '$SOCK' list | grep -q ' pub .*running'"
# U1 (read access) holds 5 idle connections first: the oldest
# unauthorised-looking ones in the daemon, which U1's own newcomer must
# not shed (its cap is per user), so it sheds one of U3's.
holder b1 $U1 5
holder b $U3 4500
check "(b) the user fills the daemon up to the reserve: 4096 - 64 - 5 (held $(held b))" \
    test "$(held b)" = 4027
check "(b) ... refused with the reason" \
    grep -q "^reason: too many clients (limit 4096, of which 64 are kept for the administrator)" \
    "$XENSIM_DIR/b.hold"
root_can_work "(b)"
r=$(timed as $U1 "$PUB/xcmux" -S "$SOCK" list)
check "(b) a user with access gets in by shedding an unauthorised connection ($r)" \
    bash -c "[ ${r% *} -eq 0 ] && grep -q ' pub ' '$XENSIM_DIR/t.out'"
check "(b) ... the shedding is logged" grep -q "$U3.*shed connection(s) to make room for a user with access" "$ERR"
release b1
check "(b) ... and it shed none of its own user's older connections (shed $(shed b1))" \
    test "$(shed b1)" = 0
holder broot root 76
check "(b) root past the whole limit sheds too (held $(held broot) of 76)" test "$(held broot)" = 76
root_can_work "(b) full"
release broot
release b
check "(b) the shed connections were closed by the daemon (shed $(shed b))" \
    test "$(shed b)" -ge 7
daemon_stop

# ---- (c) sessions on one console ---------------------------------------------------------
start_daemon ""
wait_until 10 bash -c "'$XCMUX' -S '$SOCK' list | grep -q ' pub .*running'"
holder c $U2 64 pub
check "(c) a read-only user attaches at most 8 sessions to one console (held $(held c))" \
    test "$(held c)" = 8
check "(c) ... refused with the reason" \
    grep -q "^reason: $U2 has 8 sessions on pub (limit 8 per user)" "$XENSIM_DIR/c.hold"
root_can_work "(c)"
release c
daemon_stop
start_daemon "max_sessions_per_user = 64"
wait_until 10 bash -c "'$XCMUX' -S '$SOCK' list | grep -q ' pub .*running'"
holder c2 $U2 64 pub
check "(c) with the cap lifted the console keeps 8 sessions for root (held $(held c2))" \
    test "$(held c2)" = 56
root_can_work "(c) lifted"
release c2
daemon_stop
start_daemon "max_sessions_per_user = 64
reserved_sessions = 0"
wait_until 10 bash -c "'$XCMUX' -S '$SOCK' list | grep -q ' pub .*running'"
holder c3 $U2 64 pub
check "(c) with no reserve the user fills the console (held $(held c3))" test "$(held c3)" = 64
root_can_work "(c) no reserve"
release c3
check "(c) ... root's sessions ended some of the user's (shed $(shed c3))" test "$(shed c3)" -ge 1
check "(c) ... logged" grep -q "$U2.*ended session(s) on pub to make room for the administrator" "$ERR"

check "daemon still running" kill -0 "$DPID"
daemon_stop
check "no sanitizer or crash report on the daemon's stderr" \
    bash -c "! grep -qiE 'sanitizer|runtime error|segv' '$ERR'"
finish
