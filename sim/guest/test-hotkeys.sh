#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Integration test of the simulated guests' side of protocol/HOTKEYS.md on
# a real xensim host: registry nodes, injected sequences (whole, split at
# every byte, invalid), the framed dumps and acks, xenstore delivery,
# VIRQ_DEBUG, NMI, --no-ack, --ack-delay, --hotkeys-count and label sizes.
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
wait_read() { # wait_read PATH VALUE [TRIES]
    for _ in $(seq "${3:-40}"); do [ "$(xenstore-read "$1" 2>/dev/null)" = "$2" ] && return 0; sleep 0.05; done
    return 1
}
stat_of() { xensim status "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
# The sequence of HOTKEYS.md §3, as conpeek escapes.
seq_of() { printf '\\e_XCMUX;1;%s;%s\\e\\\\' "$1" "$2"; }
# Send an NMI the way xcmuxd does: xc_domain_send_trigger(NMI) through
# (the simulated) libxenctrl.
send_nmi() {
    python3 - "$1" <<'EOF'
import ctypes, sys
x = ctypes.CDLL("libxenctrl.so.4.17")
x.xc_interface_open.restype = ctypes.c_void_p
h = x.xc_interface_open(None, None, 0)
rc = x.xc_domain_send_trigger(ctypes.c_void_p(h), int(sys.argv[1]), 0, 0)  # XEN_DOMCTL_SENDTRIGGER_NMI
sys.exit(0 if rc == 0 else 1)
EOF
}

W=$(xensim create win --xencons-debug)
D=/local/domain/$W/data/xcmux
check "registry: version 1 written" wait_read $D/hotkeys/version 1
check "registry: d is an inject dump of all callbacks" test "$(xenstore-read $D/hotkeys/d/label $D/hotkeys/d/delivery | tr '\n' '|')" = "Dump all XENBUS_DEBUG callbacks|inject|"
check "registry: d has no callback node" bash -c "! xenstore-read $D/hotkeys/d/callback 2>/dev/null"
check "registry: s has callback XENBUS|STORE" test "$(xenstore-read $D/hotkeys/s/callback $D/hotkeys/s/delivery | tr '\n' ' ')" = "XENBUS|STORE inject "
check "registry: x is delivered by xenstore" test "$(xenstore-read $D/hotkeys/x/delivery)" = xenstore
check "status: 3 registered" test "$(stat_of win hotkeys_registered) $(stat_of win hotkey_version)" = "3 1"
check "boot text and prompt" "$PEEK" $W -e 'win:~# ' -t 5

out=$("$PEEK" $W -s "ab$(seq_of d 42)cd\\r" -e 'sh: abcd: not found\r\nwin:~# ' -t 5)
check "injected d: the shell never sees the sequence" test $? = 0
check "injected d: all four frames" test "$(grep -c '^XEN|DEBUG: ====> ' <<<"$out")" = 4
check "injected d: frames closed" test "$(grep -c '^XEN|DEBUG: <====' <<<"$out")" = 4
check "injected d: XENBUS|STORE frame" grep -q '^XEN|DEBUG: ====> XENBUS|STORE' <<<"$out"
check "injected d: XENVIF|VIF frame" grep -q '^XENVIF|VIF: ' <<<"$out"
check "injected d: acknowledged '42 ok'" wait_read $D/ack "42 ok"

out=$("$PEEK" $W -s 'x\e_XCMUX;1;s;4' -s '3\e\\y\r' -d 100 -e 'sh: xy: not found' -t 5)
check "split across two writes: runs s" grep -q '^XEN|DEBUG: ====> XENBUS|STORE' <<<"$out"
check "callback prefix: only the XENBUS|STORE frame" test "$(grep -c '^XEN|DEBUG: ====> ' <<<"$out")" = 1
check "split: acknowledged '43 ok'" wait_read $D/ack "43 ok"

# Every split point of a sequence between text, each part its own ring update.
s=$(printf '\033_XCMUX;1;s;100\033\\')
splits_ok=0
for cut in $(seq 0 ${#s}); do
    id=$((100 + cut))
    full="p${s%100*}${id}${s#*100}q"      # the sequence with this id
    a=${full:0:$((cut + 1))} b=${full:$((cut + 1))}
    esc() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/\x1b/\\e/g'; }
    if "$PEEK" $W -s "$(esc "$a")" -s "$(esc "$b")\\r" -d 30 -e 'sh: pq: not found' -t 5 >/dev/null &&
       wait_read $D/ack "$id ok"; then
        splits_ok=$((splits_ok + 1))
    else
        echo "# split at $cut failed"
    fi
done
check "every split point recognised ($splits_ok/$(( ${#s} + 1 )))" test $splits_ok = $(( ${#s} + 1 ))

before=$(stat_of win hotkeys_received)
out=$("$PEEK" $W -s "$(seq_of q 7)" -t 1)
check "unregistered key: acknowledged '7 unknown'" wait_read $D/ack "7 unknown"
check "unregistered key: no frame" test "$(grep -c 'XEN|DEBUG' <<<"$out")" = 0
check "unregistered key: counted" test "$(stat_of win hotkeys_received)" = $((before + 1))

for bad_seq in '\e_XCMUX;2;d;8\e\\' '\e_XCMUX;1;d;08\e\\' '\e_XCMUX;1;!;8\e\\' '\e_XCMUX;1;d;12345678901\e\\' '\e_XCMUX;1;d;8x'; do
    shown=$(printf '%s' "$bad_seq" | sed -e 's/\\e//g' -e 's/\\\\/\\/g')
    out=$("$PEEK" $W -s "$bad_seq\\r" -e "$(printf '%s' "$shown" | sed 's/\\/\\\\/g')\\r\\n" -t 3)
    check "invalid sequence '$shown' reaches the shell unchanged" test $? = 0
done
check "invalid sequences: no ack" test "$(xenstore-read $D/ack)" = "7 unknown"

check "held prefix released to the shell after a pause" "$PEEK" $W -s '\e_XCM' -e '_XCM' -t 3
"$PEEK" $W -s '\r' -e 'win:~# ' -t 3 >/dev/null

xenstore-write $D/request "x 44"
check "xenstore delivery: acknowledged '44 ok'" wait_read $D/ack "44 ok"
check "xenstore delivery: request written back empty" wait_read $D/request ""
out=$("$PEEK" $W -e 'XEN|DEBUG: <====' -t 3)
check "xenstore delivery: XENVIF|VIF frame only" test "$(grep -c '^XEN|DEBUG: ====> ' <<<"$out") $(grep -c '====> XENVIF|VIF' <<<"$out")" = "1 1"
xenstore-write $D/request "garbage"
check "malformed request written back empty" wait_read $D/request ""
check "malformed request not acknowledged" test "$(xenstore-read $D/ack)" = "44 ok"
check "counters" test "$(stat_of win hotkeys_received) $(stat_of win acks_sent)" = "$((before + 2)) $((4 + splits_ok))"

xensim debug-keys q
out=$("$PEEK" $W -e 'XENVIF|VIF: device' -t 3)
check "VIRQ_DEBUG prints the full framed dump" test "$(grep -c '^XEN|DEBUG: ====> ' <<<"$out")" = 4

N=$(xensim create noack --xencons-debug --no-ack --no-boot-text)
wait_read /local/domain/$N/data/xcmux/hotkeys/version 1
"$PEEK" $N -s "$(seq_of d 5)" -e 'XEN|DEBUG: <====' -t 3 >/dev/null
check "--no-ack: runs" test "$(stat_of noack hotkeys_received)" = 1
sleep 0.3
check "--no-ack: never acknowledges" bash -c "! xenstore-read /local/domain/$N/data/xcmux/ack 2>/dev/null"

L=$(xensim create slow --xencons-debug --ack-delay 800 --no-boot-text)
wait_read /local/domain/$L/data/xcmux/hotkeys/version 1
xenstore-write /local/domain/$L/data/xcmux/request "d 9"
sleep 0.4
check "--ack-delay: no ack yet after 0.4 s" bash -c "! xenstore-read /local/domain/$L/data/xcmux/ack 2>/dev/null"
check "--ack-delay: ack after the delay" wait_read /local/domain/$L/data/xcmux/ack "9 ok" 40

H=$(xensim create many --xencons-debug --hotkeys-count 100 --hotkey-label-len 2000 --no-boot-text)
check "--hotkeys-count 100: version written" wait_read /local/domain/$H/data/xcmux/hotkeys/version 1 100
check "--hotkeys-count 100: 100 entries" test "$(xenstore-list /local/domain/$H/data/xcmux/hotkeys | grep -vc '^version$')" = 100
check "--hotkeys-count: reserved keys last, then invalid names" test "$(xenstore-list /local/domain/$H/data/xcmux/hotkeys | grep -c -x -e w -e key62 -e key99)" = 3
check "--hotkey-label-len 2000" test "$(xenstore-read /local/domain/$H/data/xcmux/hotkeys/Z/label | tr -d '\n' | wc -c)" = 2000
check "--hotkeys-count: status" test "$(stat_of many hotkeys_registered)" = 100

Z=$(xensim create none --xencons-debug --hotkeys-count 0 --no-boot-text)
sleep 0.3
check "--hotkeys-count 0: no registry" bash -c "! xenstore-read /local/domain/$Z/data/xcmux/hotkeys/version 2>/dev/null"

start=$(date +%s%N)
X=$(xensim create huge --xencons-debug --hotkeys-count 100000 --no-boot-text)
check "--hotkeys-count 100000: guest answers while registering" "$PEEK" $X -s 'hostname\r' -e 'huge\r\n' -t 5
for _ in $(seq 300); do
    grep -q "dom$X: hotkeys: \(registry of\|version write refused\)" "$XENSIM_DIR/guestd.log" && break
    sleep 0.1
done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "--hotkeys-count 100000: registration finishes (${ms} ms)" grep -q "dom$X: hotkeys: \(registry of\|version write refused\)" "$XENSIM_DIR/guestd.log"
echo "# huge registry: $(stat_of huge hotkeys_registered) entries accepted, version=$(stat_of huge hotkey_version)"

peek_start $L -e 'NMI_HARDWARE_FAILURE' -t 10
check "sim NMI call works" send_nmi "$L"
check "NMI on a Windows guest: bugcheck line" peek_result
sleep 0.4
check "NMI on a Windows guest: crashed and destroyed" test -z "$(xensim list | awk '$2 == "slow"')"
Lx=$(xensim create lin --echo --no-boot-text)
send_nmi "$Lx"
check "NMI on a Linux guest: Uhhuh" "$PEEK" $Lx -e 'Uhhuh. NMI received for unknown reason 00 on CPU 0.' -t 3
check "NMI counted" test "$(stat_of lin nmi)" = 1
check "Linux guest survives the NMI" "$PEEK" $Lx -s 'hostname\r' -e 'lin\r\n' -t 3

check "--no-ack needs --xencons-debug" bash -c '! xensim create q1 --no-ack 2>/dev/null'
check "--hotkeys-count bounded" bash -c '! xensim create q2 --xencons-debug --hotkeys-count 100001 2>/dev/null'
check "--hotkey-label-len bounded" bash -c '! xensim create q3 --xencons-debug --hotkey-label-len 4001 2>/dev/null'
check "list shows the behaviour" grep -q 'xencons-debug,no-ack' <<<"$(xensim list | awk '$2 == "noack"')"
check "daemon still alive" kill -0 "$(cat "$XENSIM_DIR/guestd.pid")"

echo "# $pass passed, $fail failed"
[ $fail = 0 ]
