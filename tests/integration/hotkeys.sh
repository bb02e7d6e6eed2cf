#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The hotkey bridge end to end on xensim (protocol/HOTKEYS.md): guests with
# the simulated XENCONS agent (--xencons-debug) register d s x; a viewer's
# escape+key and `xcmux trigger` fire them; every session and the log see
# the XEN|DEBUG dump and the ack; ACLs, the admin-only debug-keys, trigger
# exit codes, the rate limit, hostile registries, forged sequences in user
# input, atomic injection into a nearly full ring, daemon restart, guest
# reboot, sysrq and nmi config hotkeys.
. "$(dirname "$0")/lib.sh"
in_host "$@"

# The socket lives where a second uid can reach it.
sockdir=$(mktemp -d /tmp/xcmux-hk.XXXXXX)
chmod 755 "$sockdir"
SOCK=$sockdir/xcmux.sock
LOGS=$XENSIM_DIR/hk-logs
CONF=$XENSIM_DIR/hk.conf
X="$XCMUX -S $SOCK"
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
cat >"$CONF" <<EOF
[global]
socket_path = $SOCK
socket_mode = 0666
log_dir = $LOGS
read = *
write = *
ack_timeout = 2
hotkey.n = nmi | Send an NMI
hotkey.t = sysrq:t | Show tasks
hotkey.D = debug-keys:q | Xen domain dump
[domain:acl*]
hotkey = root
[domain:ro*]
write = root
hotkey = *
[domain:hide*]
guest_hotkey.s = off
guest_hotkey.x = X | renamed by the host
EOF

dpid=""
start_daemon() {
    "$XCMUXD" -f -c "$CONF" >>"$XENSIM_DIR/hk-daemon.out" 2>&1 &
    dpid=$!
    wait_until 10 test -S "$SOCK"
}
stop_daemon() {
    [ -n "$dpid" ] && kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
    dpid=""
}
cleanup() {
    [ -n "${gpid:-}" ] && kill -CONT "$gpid" 2>/dev/null
    stop_daemon
    jobs -p | xargs -r kill 2>/dev/null
    rm -rf "$sockdir"
}
trap cleanup EXIT
start_daemon

has_key() { $X hotkeys "$1" 2>/dev/null | grep -q "^$2 "; }
trig() { $X trigger "$@" >/dev/null 2>&1; echo $?; }
log_count() { grep -c -F -- "$2" "$LOGS/$1.log" 2>/dev/null || true; }

xensim create g1 --xencons-debug >/dev/null
xensim create other --xencons-debug >/dev/null
check "guest registry read: d s x listed" wait_until 10 has_key g1 d
out=$($X hotkeys g1)
echo "$out" | sed 's/^/# /'
check "hotkeys lists key, source, label, action" \
    bash -c "grep -qE '^d +guest +.*inject' <<<'$out' && grep -qE '^x +guest +.*xenstore' <<<'$out' && grep -qE '^n +host +Send an NMI +nmi' <<<'$out'"

# --- escape + key in one session; every session and the log see it -------
$X console -r g1 >"$XENSIM_DIR/v1.out" 2>"$XENSIM_DIR/v1.err" < <(sleep 0.5; printf '\035?'; sleep 0.3; printf '\035d'; sleep 3) &
v1=$!
$X console g1 >"$XENSIM_DIR/v2.out" 2>"$XENSIM_DIR/v2.err" < <(sleep 4) &
v2=$!
wait $v1 $v2
check "escape d: the firing viewer sees the guest's XEN|DEBUG dump" grep -q "XEN|DEBUG: ====>" "$XENSIM_DIR/v1.out"
check "escape d: another session sees the dump" grep -q "XEN|DEBUG: ====>" "$XENSIM_DIR/v2.out"
check "escape d: another session gets the ack notice" grep -q "hotkey d (.*) fired by root.*acknowledged (ok)" "$XENSIM_DIR/v2.err"
check "escape d: the log has the dump and the ack event" \
    bash -c "grep -q 'XEN|DEBUG: <====' '$LOGS/g1.log' && grep -q 'hotkey d .* acknowledged (ok)' '$LOGS/g1.log'"
check "escape ?: help lists hotkeys with key, label and source" \
    bash -c "grep -q 'hotkey .* d  .*\[guest: inject\]' '$XENSIM_DIR/v1.err' && grep -q 'hotkey .* n  Send an NMI  \[host: nmi\]' '$XENSIM_DIR/v1.err'"

# --- trigger exit codes ----------------------------------------------------
check "trigger acked -> 0" test "$(trig g1 x)" = 0
check "trigger unknown key -> 9" test "$(trig g1 q)" = 9
xensim create noack --xencons-debug --no-ack >/dev/null
wait_until 10 has_key noack d
t0=$(date +%s%N)
rc=$(trig noack d)
t1=$(date +%s%N)
check "trigger on a --no-ack guest -> 8 (fired, no ack)" test "$rc" = 8
check "the no-ack result waited for the ack timeout (2 s)" test $(( (t1 - t0) / 1000000 )) -ge 1900
check "the log says no acknowledgement within 2 s" file_has "$LOGS/noack.log" "no acknowledgement from the guest within 2 s"

# --- ACLs -------------------------------------------------------------------
xensim create acl1 --xencons-debug >/dev/null
xensim create ro1 --xencons-debug >/dev/null
wait_until 10 has_key acl1 d; wait_until 10 has_key ro1 d
rc=$($NOBODY $X trigger acl1 d >/dev/null 2>&1; echo $?)
check "hotkey ACL denies a second uid -> 5" test "$rc" = 5
check "the denial is logged" file_has "$LOGS/acl1.log" "denied to nobody"
rc=$($NOBODY $X trigger ro1 d >/dev/null 2>&1; echo $?)
check "hotkey ACL lets a read-only uid fire -> 0" test "$rc" = 0
rc=$($NOBODY $X trigger other D >/dev/null 2>&1; echo $?)
check "debug-keys denied to a non-admin -> 5" test "$rc" = 5
rc=$(trig other D)
check "debug-keys fires for root (no ack expected -> 8)" test "$rc" = 8
check "debug-keys reached the hypervisor" bash -c "xensim dmesg | grep -q \"'q'\""

# --- rate limit: default 2 per 10 s per hotkey -------------------------------
codes=""
for i in 1 2 3 4 5 6; do codes="$codes$(trig other s)"; done
echo "# flood exit codes: $codes"
check "a trigger flood is rate limited (2 fired, the rest denied)" test "$codes" = 005555
check "the refusal is logged" file_has "$LOGS/other.log" "rate limited"

# --- host rules: hide and rename guest hotkeys ---------------------------------
xensim create hide1 --xencons-debug >/dev/null
wait_until 10 has_key hide1 d
out=$($X hotkeys hide1)
check "guest_hotkey.s = off hides s" bash -c "! grep -q '^s ' <<<'$out'"
check "guest_hotkey.x = X | label renames x" grep -q "^X .*renamed by the host" <<<"$out"
check "the renamed hotkey fires the guest's x" test "$(trig hide1 X)" = 0

# --- hostile registries ----------------------------------------------------------
cpu() { awk '{print $14 + $15}' "/proc/$dpid/stat"; }
c0=$(cpu)
xensim create big --xencons-debug --hotkeys-count 100000 >/dev/null
xensim create longlab --xencons-debug --hotkey-label-len 4000 >/dev/null
sleep 6
n=$($X hotkeys big | grep -c guest)
echo "# big registry: $n guest hotkeys listed"
# The stores account differently: the C xenstored refuses entries part
# way (ENOSPC) and still takes the version; oxenstored's quota (1000
# nodes, EQUOTA) can leave no room for the version, and a registry
# without one is ignored whole.
bigver=$(xensim status big | tr ' ' '\n' | sed -n 's/^hotkey_version=//p')
echo "# big registry on $(xensim store): version ${bigver:-?} written by the guest"
if [ "$bigver" = 1 ]; then
    check "a 100000-key registry is cut to at most 32" test "$n" -ge 1 -a "$n" -le 32
else
    check "a 100000-key registry whose version the store refused shows no hotkeys" test "$n" -eq 0
fi
check "over-long labels make hotkeys invalid" bash -c "! $X hotkeys longlab | grep -q guest"
c1=$(cpu)
echo "# daemon CPU for the hostile registries: $((c1 - c0)) ticks"
check "daemon CPU stays bounded (< 3 s)" test $((c1 - c0)) -lt 300
check "another guest is unaffected" test "$(trig g1 s)" = 0

# --- forged sequences in user input are dropped -----------------------------------
xensim create forge --xencons-debug >/dev/null
wait_until 10 has_key forge d
$X console forge >/dev/null 2>"$XENSIM_DIR/forge.err" < <(printf 'echo a\r\033_XCMUX;1;d;77\033\\\r'; printf '\033_XCM'; sleep 0.3; printf 'UX;1;s;78\033\\\r'; sleep 1.5)
check "a typed hotkey sequence is dropped and the session told" grep -q "dropped a hotkey sequence" "$XENSIM_DIR/forge.err"
check "a typed sequence (whole or split) never runs a hotkey" bash -c "! grep -q 'XEN|DEBUG' '$LOGS/forge.log'"
check "the drops are logged" test "$(log_count forge 'dropped a hotkey sequence')" = 2

# --- the literal escape reaches the guest ---------------------------------------
xensim create lit --echo >/dev/null
wait_until 10 has_key lit n
# The simulated shell does not echo control characters: count the bytes
# the guest received instead (5 typed + one escape character).
$X console lit >/dev/null 2>&1 < <(printf 'ab\035\035cd\r'; sleep 1)
st=$(xensim status lit)
echo "# $st"
check "escape escape sends one escape character to the guest" grep -q ' bytes_in=6 ' <<<"$st "

# --- atomic injection into a nearly full input ring --------------------------------
gpid=$(cat "$XENSIM_DIR/guestd.pid")
xensim create full --xencons-debug >/dev/null
wait_until 10 has_key full d
kill -STOP "$gpid"   # no guest consumes input now
# 1014 bytes leave 10 free in the 1024-byte ring: a split write would fit.
$X console full >/dev/null 2>&1 < <(head -c 1014 /dev/zero | tr '\0' '#'; sleep 4) &
fpid=$!
sleep 0.5
$X trigger full d >"$XENSIM_DIR/full.out" 2>&1 &
tpid=$!
sleep 1
kill -CONT "$gpid"
wait $tpid; rc=$?
gpid=""
check "a sequence waiting for room is delivered whole once the guest drains (acked)" test "$rc" = 0
check "the guest ran the hotkey (dump in the log)" file_has "$LOGS/full.log" "XEN|DEBUG: ====>"
check "no part of the sequence reached the guest's shell" bash -c "! grep -q 'XCMUX' '$LOGS/full.log'"
wait $fpid

# --- sysrq and nmi config hotkeys -------------------------------------------------------
xensim create lin --linux-sysrq --echo >/dev/null
xensim create nmi1 --xencons-debug >/dev/null
wait_until 10 has_key lin t; wait_until 10 has_key nmi1 d
check "sysrq:t on a --linux-sysrq guest is acknowledged -> 0" test "$(trig lin t)" = 0
check "the guest printed its sysrq line" wait_until 5 file_has "$LOGS/lin.log" "sysrq: Show State"
# escape b: the next key goes to the guest as SysRq (control/sysrq)
printf '\x1dbm' | $X console --linger 1500 lin >"$XENSIM_DIR/brk.out" 2>&1
check "escape b then m: the guest runs SysRq m" wait_until 5 file_has "$LOGS/lin.log" "sysrq: Show Memory"
check "escape b is explained to the session" grep -q "next key is sent as SysRq" "$XENSIM_DIR/brk.out"
check "the key after escape b never reached the guest's shell as input" \
    bash -c "! grep -q 'sh: m: not found' '$LOGS/lin.log'"
check "nmi fires (no ack expected -> 8)" test "$(trig nmi1 n)" = 8
check "the guest shows its NMI line" wait_until 5 file_has "$LOGS/nmi1.log" "NMI"

# --- daemon restart and guest reboot ---------------------------------------------------
stop_daemon
start_daemon
check "after a daemon restart the guest's hotkeys are back" wait_until 10 has_key g1 d
check "and fire (acked)" test "$(trig g1 d)" = 0
xensim reboot g1 >/dev/null
sleep 1
check "after a guest reboot the new boot's hotkeys are listed" wait_until 10 has_key g1 d
check "and fire (acked)" test "$(trig g1 x)" = 0
check "daemon still running" kill -0 "$dpid"
finish
