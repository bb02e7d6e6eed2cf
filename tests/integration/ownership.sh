#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Console ownership (xcmuxd + xcmux on xensim): libxl marks every console's
# frontend with `type` ("xenconsoled" for the console daemon's, "ioemu" for
# those QEMU serves, e.g. an xl channel). xensim's secondary consoles carry
# the nodes libxl writes; a guest here has consoles 1-2 of its own and
# consoles 3-4 marked ioemu. The daemon serves the primary and its own
# secondaries, and leaves QEMU's alone: ring untouched (a stand-in backend
# still finds the guest's first words there and binds the port), no tty
# written, not listed, no log, attach refused.
. "$(dirname "$0")/lib.sh"
in_host "$@"
. "$(dirname "$0")/itest1-lib.sh"
PEEK=$top_builddir/sim/guest/xensim-conpeek

start_xcmuxd "[global]
timestamps = off"
check "xcmuxd serves on its private socket" kill -0 "$XCMUXD_PID"

xensim create ow --echo --secondary 4 --ioemu 2 >/dev/null
domid=$(xensim status ow | sed -n 's/.*domid=\([0-9]*\).*/\1/p')
check "the guest exists (domid $domid)" test -n "$domid"
D=/local/domain/$domid
check "xensim writes libxl's frontend type: console 1 xenconsoled" \
    test "$(xs_read $D/device/console/1/type)" = xenconsoled
check "xensim writes libxl's frontend type: console 3 ioemu" \
    test "$(xs_read $D/device/console/3/type)" = ioemu
check "xensim writes libxl's frontend nodes (limit, output, empty tty, backend)" \
    bash -c "[ \"\$(xenstore-read -s $D/device/console/3/limit)\" = 1048576 ] &&
             [ \"\$(xenstore-read -s $D/device/console/3/output)\" = pty ] &&
             [ -z \"\$(xenstore-read -s $D/device/console/3/tty)\" ] &&
             [ \"\$(xenstore-read -s $D/device/console/3/backend)\" = /local/domain/0/backend/console/$domid/3 ]"
check "type is dom0's, read-only to the guest (libxl's permissions)" \
    bash -c "xenstore-ls -p -s $D/device/console/3 | grep '^type = ' | grep -qF '(n0,r$domid)'"

# ---- ours: primary and secondary 1-2 are served --------------------------
check "primary: boot text in ow.log" wait_until 10 file_has "$XD/logs/ow.log" 'Debian GNU/Linux 12 ow'
check "secondary 1 (xenconsoled): its boot line in ow.con1.log" \
    wait_until 10 file_has "$XD/logs/ow.con1.log" 'ow console 1 ready'
check "secondary 2 (xenconsoled): its boot line in ow.con2.log" \
    wait_until 10 file_has "$XD/logs/ow.con2.log" 'ow console 2 ready'
printf 'echo own-con-2\r' | X console --console 2 ow >"$XD/c2.out" 2>"$XD/c2.err"
rc=$?
check "secondary 2: a session's input reaches the guest (rc $rc)" \
    bash -c "[ $rc = 0 ] && tr -d '\r' <'$XD/c2.out' | grep -qx own-con-2"
check "list shows consoles 0, 1 and 2 of ow" \
    jq_list "sorted(e['console'] for e in entries if e['name'] == 'ow') == [0, 1, 2]"

# ---- QEMU's: 3 and 4 are left alone ----------------------------------------
check "list does not show the ioemu consoles 3 and 4" \
    jq_list "not any(e['name'] == 'ow' and e['console'] >= 3 for e in entries)"
X console --console 3 ow </dev/null >/dev/null 2>"$XD/c3.err"
rc=$?
check "attach to ioemu console 3 is refused as unknown (exit 4, rc $rc)" test $rc = 4
check "no log for the ioemu consoles" \
    bash -c "[ ! -e '$XD/logs/ow.con3.log' ] && [ ! -e '$XD/logs/ow.con4.log' ]"
check "no tty written for ioemu console 3 (still libxl's empty value)" \
    test -z "$(xs_read $D/device/console/3/tty)"
check "the daemon logged once that console 3 is another backend's" \
    wait_until 5 file_has "$XD/xcmuxd.err" 'console 3 is served by another backend'
# The ring is untouched: a stand-in for QEMU binds console 3's port (it
# could not if xcmuxd held it) and reads the guest's first words, which
# nobody consumed, then types and gets the echo back.
timeout 15 "$PEEK" "$domid" -c 3 -e 'ow console 3 ready' -t 10 >"$XD/p3.out" 2>&1
rc=$?
check "QEMU's stand-in binds ioemu console 3 and finds the unread boot line (rc $rc)" \
    test $rc = 0
timeout 15 "$PEEK" "$domid" -c 4 -s 'echo qemu-side-4\r' -e 'qemu-side-4' -t 10 >"$XD/p4.out" 2>&1
rc=$?
check "QEMU's stand-in talks to ioemu console 4 while xcmuxd serves the rest (rc $rc)" \
    test $rc = 0
printf 'echo own-primary\r' | X console ow >"$XD/c0.out" 2>"$XD/c0.err"
check "the primary still answers" bash -c "tr -d '\r' <'$XD/c0.out' | grep -qx own-primary"
check "no lines from the ioemu consoles reached the daemon's logs" \
    bash -c "! grep -rq 'qemu-side-4' '$XD/logs'"

check "xcmuxd still running" kill -0 "$XCMUXD_PID"
finish
