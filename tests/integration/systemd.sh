#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xcmuxd under systemd, without systemd running: (a) the units built from
# systemd/*.in pass `systemd-analyze verify` (installed into a scratch
# root with `make install DESTDIR=`, so their ExecStart paths exist); (b)
# socket activation with systemd-socket-activate: the daemon is started by
# the first client and serves it on the passed socket, not its own;
# (c) sd_notify on a NOTIFY_SOCKET the test owns: READY=1 only once the
# socket answers and running guests are attached, RELOADING=1 then READY=1
# around SIGHUP, STOPPING=1 on SIGTERM; (d) the logrotate file: `logrotate
# -d` accepts it, and a real rotation (postrotate sending SIGHUP) leaves
# the daemon writing a fresh log while the rotated one stays complete.
. "$(dirname "$0")/lib.sh"
in_host "$@"
. "$top_srcdir/tests/integration/host-lib.sh"

# --- (a) systemd-analyze verify of the installed units -------------------
if command -v systemd-analyze >/dev/null; then
    root=$HD/root
    rm -rf "$root"
    if make -s -C "$top_builddir" install DESTDIR="$root" >"$HD/install.log" 2>&1; then
        ok "(a) make install DESTDIR= succeeds"
        unitdir=$(find "$root" -name xcmuxd.service -printf '%h\n' | head -1)
        check "(a) units installed" test -f "$unitdir/xcmuxd.socket"
        sbin=$(find "$root" -name xcmuxd -type f -perm -u+x -printf '%h\n' | head -1)
        check "(a) ExecStart names the installed daemon" \
            grep -q "^ExecStart=${sbin#"$root"}/xcmuxd --foreground" "$unitdir/xcmuxd.service"
        # These would cut the daemon off /dev/xen and the ptys.
        check "(a) no PrivateDevices, DevicePolicy, DeviceAllow or ProtectClock" \
            bash -c "! grep -qE '^(PrivateDevices=(yes|true|1)|DevicePolicy=|DeviceAllow=|ProtectClock=(yes|true|1))' '$unitdir/xcmuxd.service'"
        check "(a) Type=notify, LimitNOFILE >= 16384, Conflicts=xenconsoled" bash -c \
            "grep -q '^Type=notify$' '$unitdir/xcmuxd.service' && [ \$(sed -n 's/^LimitNOFILE=//p' '$unitdir/xcmuxd.service') -ge 16384 ] && grep -q '^Conflicts=xenconsoled.service' '$unitdir/xcmuxd.service'"
        check "(a) sample config installed as xcmuxd.conf.sample, no xcmuxd.conf" \
            bash -c "[ -n \"\$(find '$root' -name xcmuxd.conf.sample)\" ] && [ -z \"\$(find '$root' -name xcmuxd.conf)\" ]"
        check "(a) logrotate file and man pages installed" bash -c \
            "[ -n \"\$(find '$root' -path '*logrotate.d/xcmuxd')\" ] && [ -n \"\$(find '$root' -name xcmuxd.8)\" ] && [ -n \"\$(find '$root' -name xcmuxd.conf.5)\" ]"
        # Verified against this host's systemd, with ExecStart pointing at
        # the installed binary and man finding the installed pages (verify
        # runs `man` on every Documentation= entry).
        mkdir -p "$HD/units"
        for u in xcmuxd.service xcmuxd.socket; do
            sed "s|^\(Exec[A-Za-z]*=\)${sbin#"$root"}/|\1$sbin/|" "$unitdir/$u" >"$HD/units/$u"
        done
        mandir=$(find "$root" -name xcmuxd.8 -printf '%h\n' | head -1)
        MANPATH=${mandir%/man8}:$(manpath 2>/dev/null) systemd-analyze verify \
            "$HD/units/xcmuxd.service" "$HD/units/xcmuxd.socket" >"$HD/verify.out" 2>&1
        vrc=$?
        cat "$HD/verify.out" | sed 's/^/# verify: /'
        check "(a) systemd-analyze verify passes" \
            bash -c "[ $vrc -eq 0 ] && ! grep -v -e 'xenstored.service' -e 'xen.service' -e 'proc-xen.mount' -e 'xendomains' -e 'xen-init-dom0' -e 'xenconsoled.service' '$HD/verify.out' | grep -q ."
        # A unit that breaks verify must fail this check (guards the check).
        mkdir -p "$HD/broken"
        sed 's/^Type=notify/Type=bogus/' "$HD/units/xcmuxd.service" >"$HD/broken/xcmuxd.service"
        cp "$HD/units/xcmuxd.socket" "$HD/broken/"
        systemd-analyze verify --man=no "$HD/broken/xcmuxd.service" >"$HD/broken.out" 2>&1
        check "(a) a broken unit does fail the same check (the check can fail)" \
            grep -q "bogus" "$HD/broken.out"
        rm -rf "$root"
    else
        bad "(a) make install DESTDIR= succeeds"; sed 's/^/# /' "$HD/install.log" | tail -20
    fi
else
    echo "# SKIP (a): systemd-analyze not installed (apt-get install systemd)"
fi

# --- (b) socket activation ----------------------------------------------
xensim create sa1 --echo --say "sa1 boot text" >/dev/null
if command -v systemd-socket-activate >/dev/null; then
    printf '[global]\nsocket_path = %s\n' "$HD/not-this.sock" >"$HD/sa.conf"
    rm -f "$HD/sa.sock"
    # It passes on only the environment named with -E: the simulated
    # host's variables.
    senv=()
    for v in $(env | sed -n 's/^\(XENSIM[A-Z_]*\|XENSTORED[A-Z_]*\|LD_LIBRARY_PATH\|LD_PRELOAD\|PATH\)=.*/\1/p'); do
        senv+=(-E "$v")
    done
    systemd-socket-activate "${senv[@]}" -l "$HD/sa.sock" "$XCMUXD" -f -c "$HD/sa.conf" \
        --log-dir "$HD/logs" >"$HD/sa.out" 2>&1 &
    sa=$!
    HOST_PIDS+=("$sa")
    wait_until 5 test -S "$HD/sa.sock"
    # Listening before the daemon exists: systemd-socket-activate waits
    # for the first connection before it starts xcmuxd.
    check "(b) daemon not started before the first client" \
        bash -c "! grep -q 'serving' '$HD/sa.out'"
    timeout 10 "$XCMUX" -S "$HD/sa.sock" list >"$HD/sa.list" 2>&1
    src=$?
    # The first answer may come while sa1 is still being attached (its
    # store requests run off the loop): served, then listed.
    check "(b) the first client is served through the passed socket (rc $src)" test "$src" = 0
    sa_listed() { timeout 10 "$XCMUX" -S "$HD/sa.sock" list 2>/dev/null | grep -q "sa1"; }
    check "(b) and the guest is listed through it" wait_until 10 sa_listed
    check "(b) xcmuxd took the socket from LISTEN_FDS" \
        grep -q "using the listening socket passed by systemd" "$HD/sa.out"
    check "(b) the config's own socket_path was not created" test ! -e "$HD/not-this.sock"
    out=$(printf 'echo via-activation\r' | XCMUX_LINGER_MS=1500 timeout 10 \
        "$XCMUX" -S "$HD/sa.sock" console sa1 2>/dev/null)
    check "(b) a console session works through the activated socket" \
        grep -q "via-activation" <<<"$out"
    kill "$sa"; wait "$sa" 2>/dev/null
    check "(b) xcmuxd does not unlink a socket it did not create" test -S "$HD/sa.sock"
else
    echo "# SKIP (b): systemd-socket-activate not installed"
fi

# --- (c) sd_notify --------------------------------------------------------
notify=$HD/notify.sock
rm -f "$HD/notify.log"
bg $SINK "$notify" "$HD/notify.log" notify
sink=$BG_PID
wait_until 5 test -S "$notify"
printf '[global]\n' >"$HD/n.conf"
rm -f "$HD/n.sock"
NOTIFY_SOCKET=$notify "$XCMUXD" -f -c "$HD/n.conf" -S "$HD/n.sock" \
    --log-dir "$HD/logs" 2>>"$HD/n.err" &
nd=$!
HOST_PIDS+=("$nd")
check "(c) READY=1 is sent" wait_until 10 grep -q 'READY=1' "$HD/notify.log"
# The socket answered and sa1 was attached when READY came.
check "(c) READY=1 comes after the socket serves" bash -c "'$XCMUX' -S '$HD/n.sock' list | grep -q sa1"
check "(c) READY carries the console count and MAINPID" \
    grep -q "READY=1.*STATUS=serving [1-9][0-9]* console(s).*MAINPID=$nd" "$HD/notify.log"
n_ready=$(grep -c 'READY=1' "$HD/notify.log")
kill -HUP "$nd"
check "(c) SIGHUP: RELOADING=1 with MONOTONIC_USEC" \
    wait_until 5 grep -q 'RELOADING=1.*MONOTONIC_USEC=[0-9]' "$HD/notify.log"
check "(c) SIGHUP: READY=1 again after the reload" \
    wait_until 5 bash -c "[ \$(grep -c 'READY=1' '$HD/notify.log') -gt $n_ready ]"
check "(c) RELOADING precedes the second READY" \
    bash -c "grep -n -e RELOADING -e READY '$HD/notify.log' | tail -2 | head -1 | grep -q RELOADING"
# A reload with a broken config still ends in READY=1 (systemd would
# otherwise wait for the reload to finish until its timeout).
printf '[global]\nno_such_key = 1\n' >"$HD/n.conf"
n_ready=$(grep -c 'READY=1' "$HD/notify.log")
kill -HUP "$nd"
check "(c) a failed reload still reports READY=1" \
    wait_until 5 bash -c "[ \$(grep -c 'READY=1' '$HD/notify.log') -gt $n_ready ]"
kill -TERM "$nd"
check "(c) SIGTERM: STOPPING=1" wait_until 5 grep -q 'STOPPING=1' "$HD/notify.log"
wait "$nd"
check "(c) daemon exits 0 after SIGTERM" test $? -eq 0
# Without NOTIFY_SOCKET nothing is sent and the daemon runs as before.
lines=$(wc -l <"$HD/notify.log")
start_xcmuxd "[global]"
stop_xcmuxd
check "(c) no notification without NOTIFY_SOCKET" test "$(wc -l <"$HD/notify.log")" -eq "$lines"

# --- (d) logrotate -------------------------------------------------------
if command -v logrotate >/dev/null; then
    lr=$top_srcdir/conf/xcmuxd.logrotate
    logrotate -d -s "$HD/lr.state" "$lr" >"$HD/lr-d.out" 2>&1
    check "(d) logrotate -d accepts the file" \
        bash -c "! grep -qi 'error' '$HD/lr-d.out' && grep -q '/var/log/xcmux/\*.log' '$HD/lr-d.out'"
    check "(d) no copytruncate; postrotate sends SIGHUP" \
        bash -c "! grep -q '^[[:space:]]*copytruncate' '$lr' && grep -q 'kill.*HUP' '$lr'"
    # A real rotation against a running daemon: same file, but the test's
    # log directory and a postrotate that signals this daemon.
    start_xcmuxd "[global]
timestamps = off"
    xensim create lr1 --every 50 --line "lr1-tick" >/dev/null
    check "(d) lr1 logs" wait_until 10 file_has "$HD/logs/lr1.log" "lr1-tick"
    awk -v dir="$HD/logs" -v pid="$XCMUXD_PID" '
        /^\/var\/log\/xcmux/ { sub(/^\/var\/log\/xcmux/, dir) }
        /postrotate/ { print; print "\t\tkill -HUP " pid; skip = 1; next }
        /endscript/ { skip = 0 }
        !skip { print }' "$lr" >"$HD/lr.conf"
    logrotate -f -s "$HD/lr.state" "$HD/lr.conf" >"$HD/lr.out" 2>&1
    rotated=$(ls "$HD/logs"/lr1.log-* 2>/dev/null | head -1)
    check "(d) logrotate renamed the log ($rotated)" test -n "$rotated"
    check "(d) after SIGHUP the daemon writes a new lr1.log" \
        wait_until 10 file_has "$HD/logs/lr1.log" "lr1-tick"
    size1=$(stat -c %s "$rotated" 2>/dev/null || echo 0)
    sleep 0.5
    size2=$(stat -c %s "$rotated" 2>/dev/null || echo 0)
    check "(d) the rotated file is no longer written" test "$size1" -eq "$size2"
    stop_xcmuxd
else
    echo "# SKIP (d): logrotate not installed (apt-get install logrotate)"
fi
finish
