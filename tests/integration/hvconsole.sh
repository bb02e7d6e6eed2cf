#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The hypervisor's console (xl dmesg) served by xcmuxd on xensim: what Xen
# printed before the daemon started is logged and replayed; two sessions
# follow it live; hypervisor.log has timestamps and rotates; `list` shows
# @xen (domid 32754) and both spellings attach; it is read-only (a writer
# of the guests is downgraded, its input refused and never sent as debug
# keys), while an admin's typed keys go to Xen as debug keys and the
# dump comes back; text Xen overwrote before it was read is reported.
. "$(dirname "$0")/lib.sh"
in_host "$@"

sockdir=$(mktemp -d /tmp/xcmux-hv.XXXXXX)
chmod 755 "$sockdir"
SOCK=$sockdir/xcmux.sock
LOGS=$XENSIM_DIR/hv-logs
CONF=$XENSIM_DIR/hv.conf
OUT=$XENSIM_DIR/hv-out
mkdir -p "$OUT"
X="$XCMUX -S $SOCK"
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
cat >"$CONF" <<EOF
[global]
socket_path = $SOCK
socket_mode = 0666
log_dir = $LOGS
read = *
write = *
[domain:@xen]
log_max_size = 64k
log_keep = 2
EOF

dpid=""
pids=()
start_daemon() {
    "$XCMUXD" -f -c "$CONF" >>"$XENSIM_DIR/hv-daemon.out" 2>&1 &
    dpid=$!
    wait_until 10 $X list
}
cleanup() {
    [ -n "$dpid" ] && kill -CONT "$dpid" 2>/dev/null
    [ -n "$dpid" ] && kill "$dpid" 2>/dev/null
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$sockdir"
}
trap cleanup EXIT
HVLOG=$LOGS/hypervisor.log
count() { grep -c -F -- "$2" "$1" 2>/dev/null || true; }
xen_entry() { # xen_entry PYTHON-EXPR-ON-e : the @xen entry of list --json
    $X list --json | python3 -c '
import json, sys
e = [x for x in json.load(sys.stdin) if x["name"] == "@xen"]
sys.exit(0 if e and eval(sys.argv[1], {"e": e[0]}) else 1)' "$1"
}
dumps() { xensim dmesg | grep -c "'q' pressed" || true; }

# ---- before the daemon: Xen's boot lines and a line of ours ---------------
xensim printk "pre-start-marker-4b1e"
start_daemon
check "hypervisor.log holds Xen's boot lines printed before the daemon started" \
    wait_until 10 file_has "$HVLOG" '(XEN) Xen version 4.17'
check "hypervisor.log holds a line printed before the daemon started" \
    file_has "$HVLOG" '(XEN) pre-start-marker-4b1e'
check "hypervisor.log lines carry UTC timestamps with milliseconds" \
    grep -qE '^\[20[0-9-]+T[0-9:]+\.[0-9]{3}Z\] \(XEN\) pre-start-marker-4b1e' "$HVLOG"
check "list shows @xen, domid 32754, running" \
    xen_entry 'e["domid"] == 32754 and e["state"] == "running" and e["console"] == 0'
$X log @xen >"$OUT/replay.out" 2>&1
check "replay (xcmux log @xen) holds the pre-start line" \
    file_has "$OUT/replay.out" 'pre-start-marker-4b1e'
$X log 32754 >"$OUT/replay2.out" 2>&1
check "the console is also reached by Xen's domid, 32754" \
    file_has "$OUT/replay2.out" 'pre-start-marker-4b1e'
$X console --console 1 @xen </dev/null >/dev/null 2>&1
rc=$?
check "@xen has no console 1 (exit 4, rc $rc)" test $rc = 4

# ---- two sessions follow it live -------------------------------------------
mkfifo "$OUT/f1.in" "$OUT/f2.in"
exec {f1}<>"$OUT/f1.in" {f2}<>"$OUT/f2.in"
$X console -r @xen <"$OUT/f1.in" >"$OUT/f1.out" 2>"$OUT/f1.err" &
pids+=($!)
# A writer of every guest (write = *) but not an admin: read-only here.
$NOBODY $X console @xen <"$OUT/f2.in" >"$OUT/f2.out" 2>"$OUT/f2.err" &
pids+=($!)
check "two sessions are attached" wait_until 10 xen_entry 'e["sessions"] == 2'
check "both sessions got the replay" \
    wait_until 10 bash -c "grep -q pre-start-marker-4b1e '$OUT/f1.out' && grep -q pre-start-marker-4b1e '$OUT/f2.out'"
xensim printk "live-marker-9c2d"
check "session 1 (root, read-only) follows live" wait_until 10 file_has "$OUT/f1.out" 'live-marker-9c2d'
check "session 2 (nobody) follows live" wait_until 10 file_has "$OUT/f2.out" 'live-marker-9c2d'
check "the live line is logged" wait_until 5 file_has "$HVLOG" '(XEN) live-marker-9c2d'

# ---- read-only: a non-admin's keys are refused, never sent -----------------
check "the non-admin writer attached read-only and was told" \
    wait_until 5 file_has "$OUT/f2.err" 'may not write to @xen'
q_before=$(dumps)
printf 'q' >&$f2
check "the non-admin's input is refused" wait_until 5 file_has "$OUT/f2.err" 'discarded'
sleep 0.5
q_after=$(dumps)
check "no debug key reached Xen from the non-admin ($q_before -> $q_after)" \
    test "$q_before" = "$q_after"
check "no debug-keys line in the log for nobody" \
    bash -c "! grep -q 'debug keys .* sent by nobody' '$HVLOG'"

# ---- an admin types debug keys -----------------------------------------------
printf 'q\r' | $X console @xen >"$OUT/adm.out" 2>"$OUT/adm.err"
rc=$?
check "the admin's session ends cleanly (rc $rc)" test $rc = 0
check "Xen got debug key q: its dump is on its console" \
    wait_until 5 bash -c "[ \$(xensim dmesg | grep -c \"'q' pressed\") -gt $q_after ]"
check "the dump reached both followers live" \
    wait_until 10 bash -c "grep -q \"'q' pressed\" '$OUT/f1.out' && grep -q \"'q' pressed\" '$OUT/f2.out'"
check "the log names who sent the keys" file_has "$HVLOG" "debug keys 'q' sent by root"
check "one debug-keys request (Enter is no key)" test "$(count "$HVLOG" "debug keys ")" = 1

# ---- rotation ---------------------------------------------------------------
line=$(printf 'r%.0s' $(seq 1 3000))
logged() { cat "$HVLOG" "$HVLOG.1" 2>/dev/null | grep -qF -- "$1"; }
# One line at a time, each read before the next: 90 KB at once would
# overrun Xen's 16 KiB ring (that case is the next part).
for i in $(seq 1 30); do
    xensim printk "rot-$i-$line"
    wait_until 10 logged "(XEN) rot-$i-r"
done
check "hypervisor.log rotates at log_max_size (hypervisor.log.1 exists)" \
    wait_until 10 test -e "$HVLOG.1"
check "the newest line is in the current log" wait_until 10 file_has "$HVLOG" "rot-30-"

# ---- text overwritten before it was read is reported, not skipped ----------
kill -STOP "$dpid"
for i in $(seq 1 6); do xensim printk "lost-$i-$line"; done   # > the 16 KiB ring
kill -CONT "$dpid"
check "bytes Xen overwrote before they were read are noted in the log" \
    wait_until 10 file_has "$HVLOG" 'overwritten by Xen before they could be read'
check "list counts them as dropped" xen_entry 'e["dropped_guest"] > 0'
check "what the ring still held is logged (the last line)" \
    wait_until 5 file_has "$HVLOG" "lost-6-"

exec {f1}>&- {f2}>&-
check "xcmuxd still running" kill -0 "$dpid"
finish
