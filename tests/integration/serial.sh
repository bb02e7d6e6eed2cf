#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# An HVM guest's emulated serial port (QEMU's pty in serial/0/tty) served
# by xcmuxd on xensim (`xensim create --serial`): with `serial = on` its
# output is logged (NAME.serial0.log) and replayed, `list` shows it as
# serial0, `xcmux console --serial` types into it and sees the echo, a
# read-only viewer follows and cannot type; without it the pty is left to
# other readers; a reload turns it on; the xl console front end attaches
# `-t serial` through xcmuxd when it serves the port and hands it to Xen's
# xenconsole otherwise; the device model closing the pty makes the console
# gone; the guest's PV console is untouched throughout.
. "$(dirname "$0")/lib.sh"
in_host "$@"

sockdir=$(mktemp -d /tmp/xcmux-serial.XXXXXX)
chmod 755 "$sockdir"
SOCK=$sockdir/xcmux.sock
LOGS=$XENSIM_DIR/serial-logs
CONF=$XENSIM_DIR/serial.conf
OUT=$XENSIM_DIR/serial-out
FE=$top_builddir/client/xenconsole
mkdir -p "$OUT"
X="$XCMUX -S $SOCK"
export XCMUX_SOCKET=$SOCK
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
write_conf() { # write_conf GLOB... : the guests whose serial port is served
    {
        printf '[global]\nsocket_path = %s\nsocket_mode = 0666\nlog_dir = %s\n' "$SOCK" "$LOGS"
        printf 'timestamps = off\nread = *\nwrite = root\n'
        for g in "$@"; do printf '[domain:%s]\nserial = on\n' "$g"; done
    } >"$CONF"
}

dpid=""
pids=()
cleanup() {
    [ -n "$dpid" ] && kill "$dpid" 2>/dev/null
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$sockdir"
}
trap cleanup EXIT
entry() { # entry NAME PYTHON-EXPR-ON-e : NAME's serial0 entry of list --json
    $X list --json | python3 -c '
import json, sys
e = [x for x in json.load(sys.stdin) if x["name"] == sys.argv[1] and x.get("serial") == 0]
sys.exit(0 if e and eval(sys.argv[2], {"e": e[0]}) else 1)' "$1" "$2"
}
no_entry() { ! $X list --json | grep -q "\"name\": \"$1\", \"serial\""; }
field() { xensim status "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

id1=$(xensim create ser1 --echo --serial)
id2=$(xensim create ser2 --echo --serial)
id3=$(xensim create ser3 --echo --serial)
check "xensim publishes serial/0/tty as a pty, as libxl does for QEMU" \
    test -c "$(xs_read /local/domain/$id1/serial/0/tty)"

write_conf ser1
"$XCMUXD" -f -c "$CONF" >>"$XENSIM_DIR/serial-daemon.out" 2>&1 &
dpid=$!
wait_until 10 $X list

# ---- served: logged, listed, replayed -------------------------------------
LOG1=$LOGS/ser1.serial0.log
check "the serial port's output is logged in ser1.serial0.log" \
    wait_until 10 file_has "$LOG1" "ser1 serial 0 ready (ttyS0)"
check "list --json: ser1 serial 0 (console 256), running, its pty as tty" \
    entry ser1 'e["console"] == 256 and e["state"] == "running" and e["tty"].startswith("/dev/pts/")'
check "the list table names it serial0" bash -c "$X list | grep -qE '^ +$id1 +serial0 +ser1 +running'"
$X log --serial ser1 >"$OUT/replay.out" 2>&1
check "xcmux log --serial replays it" file_has "$OUT/replay.out" "ser1 serial 0 ready"
$X log ser1 >"$OUT/pv.out" 2>&1
check "the PV console's replay has none of it" bash -c "! grep -q 'serial 0 ready' '$OUT/pv.out'"
check "the PV console log has none of it" bash -c "! grep -q 'serial 0 ready' '$LOGS/ser1.log'"

# ---- a read-only viewer, then a writer ------------------------------------
mkfifo "$OUT/ro.in"
exec {hold}<>"$OUT/ro.in"
$NOBODY $XCMUX -S "$SOCK" console -r --serial ser1 <"$OUT/ro.in" >"$OUT/ro.out" 2>"$OUT/ro.err" &
pids+=($!)
check "a read-only viewer (uid 65534) attaches" wait_until 5 file_has "$OUT/ro.out" "ser1 serial 0 ready"
in0=$(field ser1 serial_in)
printf 'echo from-viewer-1\r' >"$OUT/ro.in"
(sleep 1.5; printf 'echo serial-typed-77\r'; sleep 1.5) |
    $X console --serial ser1 >"$OUT/rw.out" 2>&1
check "input typed on the serial console reaches the guest (its echo comes back)" \
    grep -q "serial-typed-77" "$OUT/rw.out"
check "the viewer sees the writer's echo" wait_until 5 file_has "$OUT/ro.out" "serial-typed-77"
check "the viewer's input never reached the guest" bash -c "! grep -q from-viewer-1 '$LOG1'"
check "the guest read the writer's input (serial_in $in0 -> $(field ser1 serial_in))" \
    test "$(field ser1 serial_in)" -gt "$in0"
check "the echo is logged" file_has "$LOG1" "serial-typed-77"
(sleep 1; printf 'echo pv-still-77\r'; sleep 1) | $X console ser1 >"$OUT/pv2.out" 2>&1
check "the PV console still works beside it" grep -q "pv-still-77" "$OUT/pv2.out"
check "... and its echo is not on the serial port" bash -c "! grep -q pv-still-77 '$LOG1'"

# ---- not opted in: left alone ---------------------------------------------
check "ser2 (serial off) has no serial console" no_entry ser2
$X console --serial ser2 </dev/null >/dev/null 2>&1
rc=$?
check "xcmux console --serial ser2: unknown console (exit 4, rc $rc)" test "$rc" = 4
check "no log for ser2's serial port" test ! -e "$LOGS/ser2.serial0.log"
tty2=$(xs_read /local/domain/$id2/serial/0/tty)
timeout 2 cat "$tty2" >"$OUT/ser2-direct.out" 2>/dev/null
check "another reader of ser2's pty gets all its bytes" \
    file_has "$OUT/ser2-direct.out" "ser2 serial 0 ready"
printf '#!/bin/sh\necho "xen-xenconsole $*"\n' >"$OUT/xenconsole.distrib"
chmod 755 "$OUT/xenconsole.distrib"
got=$(XCMUX_XENCONSOLE_REAL=$OUT/xenconsole.distrib "$FE" "$id2" --num 0 --type serial 2>&1)
check "xl console -t serial of an unserved port goes to Xen's xenconsole ($got)" \
    test "$got" = "xen-xenconsole $id2 --num 0 --type serial"

# ---- a reload turns ser2 on -------------------------------------------------
write_conf ser1 ser2
kill -HUP "$dpid"
check "after a reload ser2's serial port is served" wait_until 10 entry ser2 'e["state"] == "running"'
(sleep 1.5; printf 'echo via-xl-console-88\r'; sleep 1.5) |
    XCMUX_XENCONSOLE_REAL=$OUT/xenconsole.distrib "$FE" "$id2" --num 0 --type serial \
        >"$OUT/fe.out" 2>&1
check "xl console -t serial attaches through xcmuxd when it serves the port" \
    grep -q "via-xl-console-88" "$OUT/fe.out"
check "... and never ran Xen's xenconsole" bash -c "! grep -q xen-xenconsole '$OUT/fe.out'"
check "ser3 (still off) is untouched by the reload" no_entry ser3

# ---- the device model goes away --------------------------------------------
xensim serial-hangup ser1 >/dev/null
check "the viewer is told the device model is gone" \
    wait_until 10 grep -q "device model gone" "$OUT/ro.err"
check "ser1's serial console is no longer running" bash -c "$X list --json | python3 -c '
import json, sys
sys.exit(any(x[\"name\"] == \"ser1\" and x.get(\"serial\") == 0 and x[\"state\"] == \"running\"
             for x in json.load(sys.stdin)))'"
check "the log says so" wait_until 5 file_has "$LOG1" "the device model closed"
check "ser1's PV console still runs" \
    bash -c "$X list --json | grep -q '\"domid\": $id1, \"console\": 0, \"name\": \"ser1\", \"state\": \"running\"'"
check "the guest itself still runs" test "$(field ser1 state)" = running

# ---- the domain goes ---------------------------------------------------------
xensim destroy ser2
check "ser2 destroyed: its serial console goes with it" wait_until 10 no_entry ser2
kill "$dpid"
wait "$dpid" 2>/dev/null
dpid=""
check "the daemon logged no error about serial ports" \
    bash -c "! grep -i 'serial.*error\|cannot open serial' '$XENSIM_DIR/serial-daemon.out'"
finish
