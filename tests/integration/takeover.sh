#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package's takeover and xl console front end, on xensim:
# (a) Debian's xenconsoled, started as /etc/init.d/xen starts it (a daemon
#     with a pid file), serves a ticking guest; the package's takeover step
#     (debian/xen-handover) stops it; a guest created while no backend runs
#     and the ticking guest's ring wait for xcmuxd, which then shows the
#     late guest's boot text and every tick xenconsoled did not log (no
#     gap), rewrites console/tty with its own pty, and says in the
#     ticker's log that another backend (no xcmuxd state file) served it;
# (b) the xenconsole front end (client/xenconsole, what xl console runs
#     once the package diverts Xen's): two at once on one guest, both see
#     what one of them types; --num selects a secondary console;
#     --start-notify-fd gets its 0x00 only once the guest exists and is
#     attached (xl create -c); --type serial goes to Xen's xenconsole with
#     the arguments unchanged; bad arguments exit 64; a domain that never
#     appears exits 4.
. "$(dirname "$0")/lib.sh"
in_host "$@"
. "$top_srcdir/tests/integration/itest1-lib.sh"

FE=$top_builddir/client/xenconsole
HANDOVER=$top_srcdir/debian/xen-handover
xpid=$XD/xenconsoled.pid
xlogs=$XD/xenconsoled-logs
mkdir -p "$xlogs"
xcd_cleanup() {
    [ -s "$xpid" ] && kill "$(cat "$xpid")" 2>/dev/null
    itest1_cleanup
}
trap 'xcd_cleanup 2>/dev/null' EXIT

# (a) takeover
"$XEN_BINDIR/xenconsoled" --log=guest --log-dir="$xlogs" --pid-file="$xpid" 2>"$XD/xenconsoled.err"
wait_until 10 test -s "$xpid"
# A tick every 5 ms (20 ms under memcheck, TIME_SCALE 4): the guest keeps
# 16 KiB of output while no backend reads, so a daemon that memcheck
# slows and a loaded machine starves for seconds would lose ticks here
# for the machine's sake, not the takeover's.
tid=$(xensim create ticker --every $((5 * TIME_SCALE)))
check "(a) xenconsoled (daemon, pid file) serves the guest" \
    wait_until 10 file_has "$xlogs/guest-ticker.log" "ticker: tick 10"
old_tty=$(xs_read "/local/domain/$tid/console/tty")
xcd=$(cat "$xpid")
out=$(XCMUX_XENCONSOLED_PIDFILE=$xpid sh "$HANDOVER" takeover 2>&1)
check "(a) takeover stops the xenconsoled of the pid file ($out)" \
    bash -c "! kill -0 $xcd 2>/dev/null && [ ! -e '$xpid' ]"
check "(a) takeover with no xenconsoled running does nothing, exit 0" \
    env XCMUX_XENCONSOLED_PIDFILE="$xpid" sh "$HANDOVER" takeover
lid=$(xensim create late --say "late-boot-text")
sleep 0.5    # the guests write into rings no backend reads
start_xcmuxd "[global]
log = off
[domain:ticker]
log = on"
check "(a) xcmuxd shows what the late guest wrote with no backend" \
    wait_until 10 bash -c "'$XCMUX' -S '$XD/sock' log late | grep -q late-boot-text"
# (the kernel may hand out xenconsoled's old pty number again: the path
# xcmuxd lists as its own is what counts)
check "(a) xcmuxd rewrote the ticking guest's console/tty with its pty (was $old_tty)" \
    wait_until 10 bash -c "t=\$(xenstore-read -s /local/domain/$tid/console/tty) && [ -c \"\$t\" ] &&
        '$XCMUX' -S '$XD/sock' list | grep -E ' ticker +running ' | grep -q \" \$t\\\$\""
sleep 1
# Ticks are numbered: xenconsoled's log plus what xcmuxd holds must have
# every tick from the first to the last (the ring kept what xenconsoled
# had not read), and xcmuxd must have the ones after the takeover.
X log ticker >"$XD/ticker.xcmuxd"
gap=$(cat "$xlogs/guest-ticker.log" "$XD/ticker.xcmuxd" | python3 -c '
import re, sys
n = sorted({int(m) for m in re.findall(r"ticker: tick (\d+)", sys.stdin.read())})
missing = sorted(set(range(n[0], n[-1] + 1)) - set(n)) if n else ["none at all"]
print(f"ticks {n[0] if n else 0}..{n[-1] if n else 0}, missing {missing[:10]}")')
n_x=$(grep -c "ticker: tick" "$xlogs/guest-ticker.log")
n_d=$(grep -c "ticker: tick" "$XD/ticker.xcmuxd")
echo "# xenconsoled logged $n_x ticks, xcmuxd holds $n_d; $gap"
check "(a) no tick lost across the takeover ($gap)" grep -q "^ticks 1\.\..*, missing \[\]" <<<"$gap"
check "(a) ticks reach xcmuxd after the takeover" test "$n_d" -gt 0
# No xcmuxd left a state file next to this socket: the ring was served
# by another backend, and the log says that, not that a daemon crashed.
check "(a) the ticker's log says another backend served the ring (no xcmuxd state)" \
    grep -q "no record of an xcmuxd on this socket since boot: another backend (such as xenconsoled) served the ring" \
    "$XD/logs/ticker.log"
check "(a) ... not that a previous xcmuxd crashed or stopped" \
    bash -c "! grep -qE 'did not stop cleanly|previous daemon stopped cleanly' '$XD/logs/ticker.log'"
check "(a) the daemon's log says no previous xcmuxd ran on this socket" \
    grep -q "no previous xcmuxd on this socket since boot" "$XD/xcmuxd.err"

# (b) the xenconsole front end
export XCMUX_SOCKET=$XD/sock
eid=$(xensim create ec --echo --secondary 1)
wait_until 10 bash -c "'$XCMUX' -S '$XD/sock' list | grep -q ' ec '"
# Two front ends on one guest, each fed through a fifo this shell holds:
# the first to attach has the write seat and types, the other watches.
mkfifo "$XD/fe1.in" "$XD/fe2.in"
exec {f1}<>"$XD/fe1.in" {f2}<>"$XD/fe2.in"
( exec {f1}>&- {f2}>&-; exec "$FE" "$eid" --num 0 --type pv <"$XD/fe1.in" >"$XD/fe1.out" 2>&1 ) &
fe1=$!
fe_sessions() { "$XCMUX" -S "$XD/sock" who ec | grep -v '(pty)' | grep -vc '^USER' | grep -qx "$1"; }
wait_until 10 fe_sessions 1
( exec {f1}>&- {f2}>&-; exec "$FE" --type pv "$eid" <"$XD/fe2.in" >"$XD/fe2.out" 2>&1 ) &
fe2=$!
check "(b) two front ends attached to one guest at once" wait_until 10 fe_sessions 2
printf 'echo fe-typed-42\r' >&$f1
wait_until 10 grep -q 'fe-typed-42' "$XD/fe2.out"
exec {f1}>&- {f2}>&-
wait $fe1; rc1=$?
wait $fe2; rc2=$?
check "(b) the typing front end sees the guest's echo (exit $rc1)" \
    bash -c "[ $rc1 -eq 0 ] && grep -q 'fe-typed-42' '$XD/fe1.out'"
check "(b) the second front end sees it too (exit $rc2)" \
    bash -c "[ $rc2 -eq 0 ] && grep -q 'fe-typed-42' '$XD/fe2.out'"
grep -q 'fe-typed-42' "$XD/fe1.out" "$XD/fe2.out" || sed 's/^/# fe: /' "$XD/fe1.out" "$XD/fe2.out"
(sleep 1.5; printf 'echo second-con\r'; sleep 1.5) | "$FE" --num 1 --type pv "$eid" >"$XD/fe3.out" 2>&1
check "(b) --num 1 reaches secondary console 1" \
    bash -c "grep -q 'console 1 ready' '$XD/fe3.out' && grep -q second-con '$XD/fe3.out'"

# --start-notify-fd: the byte comes once the guest exists and is attached.
python3 - "$FE" "$XD" <<'EOF' >"$XD/notify.out" 2>&1
import os, subprocess, sys, time, select
fe, xd = sys.argv[1], sys.argv[2]
r, w = os.pipe()
p = subprocess.Popen([fe, "nf", "--num", "0", "--type", "pv", "--start-notify-fd", str(w)],
                     pass_fds=[w], stdin=subprocess.PIPE, stdout=open(xd + "/nf.out", "wb"),
                     stderr=subprocess.STDOUT)
os.close(w)
early = select.select([r], [], [], 1.5)[0]
print("early" if early else "no-byte-before-guest")
subprocess.run(["xensim", "create", "nf", "--say", "nf-boot-text"], stdout=subprocess.DEVNULL)
t0 = time.time()
ready = select.select([r], [], [], 10)[0]
b = os.read(r, 16) if ready else b""
print("notify=%r after %.1f s" % (b, time.time() - t0))
rest = os.read(r, 16)   # the front end closed its end: EOF
print("closed" if rest == b"" else "extra=%r" % rest)
time.sleep(1)
p.stdin.close()
print("exit=%d" % p.wait(10))
EOF
cat "$XD/notify.out" | sed 's/^/# /'
check "(b) --start-notify-fd: nothing before the guest exists" grep -qx no-byte-before-guest "$XD/notify.out"
check "(b) --start-notify-fd: one 0x00 once attached, then closed" \
    bash -c "grep -q \"^notify=b'\\\\\\\\x00' after\" '$XD/notify.out' && grep -qx closed '$XD/notify.out'"
check "(b) the notified front end shows the guest's boot text and exits 0" \
    bash -c "grep -q nf-boot-text '$XD/nf.out' && grep -qx exit=0 '$XD/notify.out'"

# --type serial: Xen's own xenconsole, arguments unchanged.
printf '#!/bin/sh\necho "xen-xenconsole $*"\n' >"$XD/xenconsole.distrib"
chmod 755 "$XD/xenconsole.distrib"
got=$(XCMUX_XENCONSOLE_REAL=$XD/xenconsole.distrib "$FE" "$eid" --num 0 --type serial --start-notify-fd 9 2>&1)
check "(b) --type serial is handed to Xen's xenconsole unchanged ($got)" \
    test "$got" = "xen-xenconsole $eid --num 0 --type serial --start-notify-fd 9"
got=$(XCMUX_XENCONSOLE_REAL=$XD/xenconsole.distrib "$FE" --type vuart "$eid" 2>&1)
check "(b) --type vuart too ($got)" test "$got" = "xen-xenconsole --type vuart $eid"
for args in "--type tty 1" "--num x 1" "--start-notify-fd 1 1" "--bogus 1" "1 2" ""; do
    # shellcheck disable=SC2086
    "$FE" $args >/dev/null 2>&1 </dev/null; rc=$?
    check "(b) bad arguments '$args' exit 64 (got $rc)" test "$rc" -eq 64
done
XCMUX_XENCONSOLE_WAIT_MS=300 "$FE" 4242 </dev/null >"$XD/nodom.out" 2>&1; rc=$?
check "(b) a domain that never appears: exit 4, named (got $rc)" \
    bash -c "[ $rc -eq 4 ] && grep -q 4242 '$XD/nodom.out'"
finish
