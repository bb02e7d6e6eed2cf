#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# More end-to-end checks, sourced by checks.sh on the full check set (same
# helpers, same output format, in the order of CHECKS in tests/e2e/run.sh).
# Defines more_start (starts the HVM guest early), more_checks and
# more_diag, which checks.sh calls:
#  - hv-*: Xen's own console (@xen): its boot lines in hypervisor.log and
#    in two live sessions, and a debug-key dump typed by an admin;
#  - pvh-*, hvm-*: a PVH guest and an HVM guest (device model in dom0),
#    each checked as the PV guest is; the HVM guest also gets an NMI
#    through an `nmi` hotkey and is destroyed with its sessions told; its
#    emulated serial port (QEMU's pty) is served by xcmuxd (serial = on);
#  - chan-*: a PV guest with an xl channel, which QEMU serves while
#    xcmuxd serves the guest's primary console.
# PVH and HVM guests need tsc_mode = "native" under TCG (see
# tests/e2e/README.md).
# shellcheck disable=SC3043,SC2016

# more_checks: run after checks.sh's own checks.
more_checks() {
# --- the hypervisor's console -----------------------------------------------
step "check hv-boot-lines"
HVLOG=$LOGDIR/hypervisor.log
# Xen printed its banner long before dom0 ran: the daemon found it in the
# console ring (Xen's conring_size is raised on its command line).
mkfifo /tmp/ha.in /tmp/hb.in
xcmux -S "$SOCK" console -r --replay 200000 @xen </tmp/ha.in >/tmp/ha.out 2>/tmp/ha.err &
HA=$!
xcmux -S "$SOCK" console -r --replay 200000 @xen </tmp/hb.in >/tmp/hb.out 2>/tmp/hb.err &
HB=$!
exec 5>/tmp/ha.in 6>/tmp/hb.in
if ! wait_for 20 has "$HVLOG" "(XEN) Xen version 4.17"; then
    fail hv-boot-lines "no '(XEN) Xen version 4.17' in $HVLOG"
    diag hypervisor.log "$HVLOG"
    diag xcmuxd /tmp/xcmuxd.log
elif ! grep -qE "${stamp}\(XEN\) Xen version 4\.17" "$HVLOG"; then
    fail hv-boot-lines "the banner in $HVLOG is not timestamped"
elif ! xcmux_ list | grep -qE '^ *32754 +0 +@xen +running'; then
    fail hv-boot-lines "xcmux list does not show @xen (32754) running"
    xcmux_ list 2>&1 | sed 's/^/e2e-diag list: /'
elif ! wait_for 20 both_have /tmp/ha.out /tmp/hb.out "(XEN) Xen version 4.17"; then
    fail hv-boot-lines "the banner was not replayed to both sessions on @xen"
    diag hv-a-err /tmp/ha.err
else
    step "$(grep -m1 -a '(XEN) Xen version' "$HVLOG" | tr -d '\r')"
    pass hv-boot-lines
fi

step "check hv-debug-keys"
# An admin (root) types 'q' into @xen: xcmuxd sends it as a debug key,
# Xen dumps its domains on its console, and both followers and the log
# get the dump live. A read-only session's 'q' was refused first.
dumps_in() { count "$1" "'q' pressed -> dumping domain info"; }
hv_both_dump() { [ "$(dumps_in /tmp/ha.out)" -ge 1 ] && [ "$(dumps_in /tmp/hb.out)" -ge 1 ]; }
( printf 'q' >&5 ) 2>/dev/null
sleep 1
before=$(dumps_in "$HVLOG")
printf 'q\n' | timeout 15 xcmux -S "$SOCK" console --linger 500 @xen >/tmp/hq.out 2>/tmp/hq.err
if [ "$before" != 0 ]; then
    fail hv-debug-keys "a read-only session's 'q' reached Xen ($before dumps)"
elif ! wait_for 30 hv_both_dump; then
    fail hv-debug-keys "no domain dump in both @xen sessions (A: $(dumps_in /tmp/ha.out), B: $(dumps_in /tmp/hb.out))"
    diag hq-err /tmp/hq.err
    diag hypervisor.log "$HVLOG"
elif ! wait_for 10 has "$HVLOG" "General information for domain 0"; then
    fail hv-debug-keys "the dump is not in $HVLOG"
elif ! has "$HVLOG" "debug keys 'q' sent by root"; then
    fail hv-debug-keys "$HVLOG does not name who sent the keys"
else
    pass hv-debug-keys
fi
exec 5>&- 6>&-
kill "$HA" "$HB" 2>/dev/null
more_guests
}

# --- one guest, checked as the PV guest is ----------------------------------
# suite P NAME: PASS/FAIL lines P-create P-boot P-writer P-read-only
# P-xl-console P-hotkey for guest NAME, whose config is /etc/xen/NAME.cfg
# and whose creation (in the background) wrote /tmp/NAME.create.rc.
# Leaves two read-only viewers on NAME (/tmp/NAME-a.*, /tmp/NAME-b.*) with
# their stdin fifos open on fds 3 and 4; sets G_BOOTED.
g_line() { # g_line NAME LINE: one line typed by a writer session
    printf '%s\n' "$2" | timeout 15 xcmux -S "$SOCK" console --linger 1500 "$1" \
        >>"/tmp/$1-w.out" 2>>"/tmp/$1-w.err"
}
g_both() { both_have "/tmp/$1-a.out" "/tmp/$1-b.out" "$2"; }
g_both_count() { # g_both_count NAME N TEXT out|err
    [ "$(count "/tmp/$1-a.$4" "$3")" -ge "$2" ] && [ "$(count "/tmp/$1-b.$4" "$3")" -ge "$2" ]
}
suite() {
    local p=$1 g=$2 rc domid tty
    G_BOOTED=0
    rc=$(cat "/tmp/$g.create.rc" 2>/dev/null)
    if [ "$rc" != 0 ]; then
        fail "$p-create" "xl create $g failed (rc '$rc'): $(tail -n 2 "/tmp/$g.create.out" | tr '\n' ' ')"
        diag "xl-create-$g" "/tmp/$g.create.out"
        diag xcmuxd /tmp/xcmuxd.log
    else
        domid=$(xl domid "$g" 2>/dev/null)
        tty=$(xenstore-read "/local/domain/$domid/console/tty" 2>/dev/null)
        if [ -z "$domid" ] || [ ! -c "$tty" ]; then
            fail "$p-create" "$g created but domid '$domid' console/tty '$tty'"
        elif [ "$(xenstore-read "/local/domain/$domid/console/type" 2>/dev/null)" != xenconsoled ]; then
            fail "$p-create" "$g's console/type is not xenconsoled"
        else
            step "$g is domid $domid, ring-ref $(xenstore-read "/local/domain/$domid/console/ring-ref"), tty $tty"
            pass "$p-create"
        fi
    fi
    mkfifo "/tmp/$g-a.in" "/tmp/$g-b.in"
    if [ "$rc" = 0 ] && wait_for "$G_BOOT_WAIT" has "$LOGDIR/$g.log" "E2E-DOMU-BOOT $g"; then
        G_BOOTED=1
    fi
    xcmux -S "$SOCK" console -r --replay 100000 "$g" <"/tmp/$g-a.in" >"/tmp/$g-a.out" 2>"/tmp/$g-a.err" &
    G_A=$!
    xcmux -S "$SOCK" console -r --replay 100000 "$g" <"/tmp/$g-b.in" >"/tmp/$g-b.out" 2>"/tmp/$g-b.err" &
    G_B=$!
    exec 3>"/tmp/$g-a.in" 4>"/tmp/$g-b.in"
    if [ $G_BOOTED = 0 ]; then
        fail "$p-boot" "no boot marker from $g in $LOGDIR/$g.log within $G_BOOT_WAIT s"
        diag "$g.log" "$LOGDIR/$g.log"
        diag "qemu-dm-$g" "/var/log/xen/qemu-dm-$g.log"
        diag "xl-$g" "/var/log/xen/xl-$g.log"
        timeout 10 xl list 2>&1 | sed 's/^/e2e-diag xl list: /'
        fail "$p-writer" "$g never booted"
        fail "$p-read-only" "$g never booted"
        fail "$p-xl-console" "$g never booted"
        fail "$p-hotkey" "$g never booted"
        return
    fi
    if wait_for 15 g_both "$g" "E2E-DOMU-BOOT $g" &&
        grep -qE "${stamp}.*E2E-DOMU-BOOT $g" "$LOGDIR/$g.log"; then
        step "$(grep -m1 -a E2E-DOMU-BOOT "/tmp/$g-a.out" | tr -d '\r')"
        pass "$p-boot"
    else
        fail "$p-boot" "the boot marker did not reach both sessions with replay, or is not stamped in the log"
        diag "$g-a-err" "/tmp/$g-a.err"
    fi
    # writer and read-only input, as writer-input/read-only-input
    ( printf 'echo RO-$((6*7))-%s-%s\n' "$g" "$TOK" >&3 ) 2>/dev/null
    sleep 1
    g_line "$g" "echo W-\$((6*7))-$g-$TOK"
    if wait_for 30 g_both "$g" "W-42-$g-$TOK"; then
        pass "$p-writer"
    else
        fail "$p-writer" "W-42-$g-$TOK not seen by both viewers"
        diag "$g-w-err" "/tmp/$g-w.err"
    fi
    g_line "$g" "echo SYNC-\$((6*7))-$g-$TOK"
    if ! wait_for 30 g_both "$g" "SYNC-42-$g-$TOK"; then
        fail "$p-read-only" "inconclusive: the writer's second line never came back"
    elif has "/tmp/$g-a.out" "RO-42-$g-$TOK" || has "$LOGDIR/$g.log" "RO-42-$g-$TOK"; then
        fail "$p-read-only" "read-only input reached $g"
    else
        pass "$p-read-only"
    fi
    # xl console through the pty xcmuxd published
    # -t pv: for an HVM guest xl console defaults to the emulated serial.
    ( sleep 90 ) | timeout 80 xl console -t pv "$g" >"/tmp/$g-xlc.out" 2>&1 &
    local xlc=$! deadline try=0 ok=0
    secs
    deadline=$((SECS + 60))
    while secs && [ "$SECS" -lt $deadline ]; do
        try=$((try + 1))
        g_line "$g" "echo XL-\$((6*7))-$try-$TOK"
        if wait_for 4 grep -qE "XL-42-[0-9]+-$TOK" "/tmp/$g-xlc.out"; then
            ok=1
            break
        fi
    done
    kill "$xlc" 2>/dev/null
    if [ $ok = 1 ]; then
        pass "$p-xl-console"
    else
        fail "$p-xl-console" "no XL-42 marker from xl console $g in 60 s"
        diag "$g-xlc" "/tmp/$g-xlc.out"
    fi
    # a hotkey fired (sysrq h, config hotkey) and acknowledged
    local ack="hotkey h \\(sysrq help\\) fired by root \\(uid 0, pid [0-9]+\\): acknowledged"
    timeout 30 xcmux -S "$SOCK" trigger "$g" h >"/tmp/$g-trig.out" 2>&1
    rc=$?
    if [ $rc != 0 ]; then
        fail "$p-hotkey" "xcmux trigger $g h exited $rc: $(head -n 1 "/tmp/$g-trig.out")"
    elif ! wait_for 20 g_both_count "$g" 1 "$SYSRQ_OUT" out; then
        fail "$p-hotkey" "acknowledged but the sysrq help never reached both viewers"
    elif ! wait_for 15 grep -qE "$ack" "/tmp/$g-a.err" || ! grep -qE "$ack" "/tmp/$g-b.err"; then
        fail "$p-hotkey" "the viewers were not told of the acknowledged fire"
        diag "$g-a-err" "/tmp/$g-a.err"
    else
        pass "$p-hotkey"
    fi
}
# g_start NAME: xl create NAME in the background; rc in /tmp/NAME.create.rc
g_start() {
    ( timeout 180 xl create "/etc/xen/$1.cfg" >"/tmp/$1.create.out" 2>&1
      echo $? >"/tmp/$1.create.rc" ) &
}
g_created() { [ -s "/tmp/$1.create.rc" ]; }
g_end_viewers() { exec 3>&- 4>&-; kill "$G_A" "$G_B" 2>/dev/null; }

# more_start: start the HVM guest before the other checks of this file:
# its firmware, and the device model's loading and the decompression of
# its kernel, take minutes under TCG, which then overlap those checks.
more_start() {
cat >/etc/xen/hvm.cfg <<EOF
name = "hvm"
type = "hvm"
kernel = "/boot/vmlinuz"
ramdisk = "/boot/domu.cpio.gz"
cmdline = "console=ttyS0 console=hvc0 loglevel=4 e2e_name=hvm e2e_serial=1"
memory = 160
vcpus = 1
tsc_mode = "native"
cpus = "2"
vga = "none"
vnc = 0
sdl = 0
serial = "pty"
on_crash = "destroy"
EOF
step "xl create hvm (in the background)"
# Under TCG, dom0 processes now and then crash (see wait_for in checks.sh);
# when the device model is one of them, xl create fails with "device
# model did not start": it is retried, at most twice, and said so.
( n=0
  while :; do
      n=$((n + 1))
      timeout 180 xl create /etc/xen/hvm.cfg >/tmp/hvm.create.out 2>&1
      rc=$?
      [ $rc = 0 ] || [ $n -ge 3 ] || ! grep -q "device model did not start" /tmp/hvm.create.out && break
      echo "e2e-diag hvm: xl create attempt $n: the device model did not start; retrying"
      sleep 2
  done
  echo $rc >/tmp/hvm.create.rc ) &
}

# more_guests: the PVH guest, the HVM guest, the channel.
more_guests() {
cat >/etc/xen/pvh.cfg <<EOF
name = "pvh"
type = "pvh"
kernel = "/boot/vmlinux"
ramdisk = "/boot/domu.cpio.gz"
extra = "console=hvc0 loglevel=4 e2e_name=pvh"
memory = 128
vcpus = 1
tsc_mode = "native"
cpus = "2"
on_crash = "destroy"
EOF
step "xl create pvh"
g_start pvh
wait_for 150 g_created pvh

G_BOOT_WAIT=120
step "checks of the PVH guest"
suite pvh pvh
g_end_viewers
xl destroy pvh >/dev/null 2>&1

G_BOOT_WAIT=360
step "checks of the HVM guest"
suite hvm hvm
HVM_BOOTED=$G_BOOTED

step "check hvm-serial"
# The HVM guest's emulated serial port (serial = "pty": QEMU's pty in
# libxl's serial/0/tty) is served by xcmuxd, since its config opts hvm in
# (serial = on): what the guest writes to /dev/ttyS0 (its init's boot
# marker, then a line written from its hvc0 shell) is in hvm.serial0.log
# and reaches a read-only `xcmux console --serial` viewer, `xcmux list`
# shows it as serial0, and none of it is in the PV console's hvm.log.
hvm_id=$(xl domid hvm 2>/dev/null)
stty_=$(xenstore-read "/local/domain/$hvm_id/serial/0/tty" 2>/dev/null)
SLOG=$LOGDIR/hvm.serial0.log
if [ $HVM_BOOTED = 0 ]; then
    fail hvm-serial "hvm never booted"
    # Whether xcmuxd had the port, and what the guest's ttyS0 said.
    diag hvm.serial0.log "$SLOG"
    xcmux_ list 2>&1 | sed 's/^/e2e-diag list: /'
elif [ ! -c "$stty_" ]; then
    fail hvm-serial "serial/0/tty '$stty_' is not a pty"
else
    mkfifo /tmp/hs.in
    xcmux -S "$SOCK" console -r --serial hvm </tmp/hs.in >/tmp/hs.out 2>/tmp/hs.err &
    HS=$!
    exec 7>/tmp/hs.in
    sleep 1
    g_line hvm "echo S-\$((6*7))-$TOK >/dev/ttyS0"
    # The shell echoes the typed line (with the formula) on hvc0; only the
    # computed S-42 went to ttyS0.
    if ! wait_for 30 has "$SLOG" "E2E-SERIAL-BOOT hvm"; then
        fail hvm-serial "the guest's ttyS0 boot marker is not in $SLOG"
        diag xcmuxd /tmp/xcmuxd.log
        xcmux_ list 2>&1 | sed 's/^/e2e-diag list: /'
    elif ! wait_for 30 has "$SLOG" "S-42-$TOK"; then
        fail hvm-serial "S-42-$TOK written to ttyS0 is not in $SLOG"
        diag hvm.serial0.log "$SLOG"
    elif ! wait_for 20 has /tmp/hs.out "S-42-$TOK" || ! has /tmp/hs.out "E2E-SERIAL-BOOT hvm"; then
        fail hvm-serial "the xcmux console --serial viewer did not get the marker and the live line"
        diag hs-err /tmp/hs.err
    elif has "$LOGDIR/hvm.log" "S-42-$TOK"; then
        fail hvm-serial "the serial port's text is in the PV console's hvm.log"
    elif ! xcmux_ list | grep -qE "^ *$hvm_id +serial0 +hvm +running"; then
        fail hvm-serial "xcmux list does not show hvm's serial0 running"
        xcmux_ list 2>&1 | sed 's/^/e2e-diag list: /'
    else
        pass hvm-serial
    fi
fi

step "check hvm-serial-input"
# A line typed into `xcmux console --serial hvm` reaches the guest's ttyS0,
# where its init echoes it back with a prefix; the read-only viewer sees
# the answer, and its own typing never reached the guest.
( printf 'echo RO-serial-%s\n' "$TOK" >&7 ) 2>/dev/null
if [ $HVM_BOOTED = 0 ] || [ ! -c "$stty_" ]; then
    fail hvm-serial-input "no serial port (see hvm-serial)"
else
    printf 'in-%s\r' "$TOK" | timeout 15 xcmux -S "$SOCK" console --serial --linger 3000 hvm \
        >/tmp/hsw.out 2>/tmp/hsw.err
    if ! wait_for 20 has /tmp/hsw.out "SERIAL-ECHO in-$TOK"; then
        fail hvm-serial-input "no SERIAL-ECHO in-$TOK from the guest's ttyS0"
        diag hsw-out /tmp/hsw.out
        diag hsw-err /tmp/hsw.err
    elif ! wait_for 10 has /tmp/hs.out "SERIAL-ECHO in-$TOK"; then
        fail hvm-serial-input "the read-only viewer did not see the echo"
    elif has "$SLOG" "RO-serial-$TOK"; then
        fail hvm-serial-input "read-only input reached the serial port"
    else
        pass hvm-serial-input
    fi
fi
exec 7>&-
kill "$HS" 2>/dev/null

step "check hvm-nmi"
# hotkey n = nmi: xcmuxd sends the NMI (as xl trigger hvm nmi) and Linux
# reports the unknown NMI on its console, at emergency level.
NMI_OUT="NMI received for unknown reason"
if [ $HVM_BOOTED = 0 ]; then
    fail hvm-nmi "hvm never booted"
else
    timeout 30 xcmux -S "$SOCK" trigger hvm n >/tmp/hvm-nmi.out 2>&1
    rc=$?
    # An nmi hotkey has no acknowledgement: xcmux trigger exits 8, "fired
    # without acknowledgement (the action expects none)", with "NMI sent".
    if [ $rc != 8 ] || ! grep -q "NMI sent" /tmp/hvm-nmi.out; then
        fail hvm-nmi "xcmux trigger hvm n exited $rc: $(head -n 1 /tmp/hvm-nmi.out)"
    elif ! wait_for 30 g_both_count hvm 1 "$NMI_OUT" out; then
        fail hvm-nmi "NMI sent but the guest's report never reached both viewers"
        diag hvm-a /tmp/hvm-a.out
    elif ! grep -q "NMI sent" /tmp/hvm-a.err || ! has "$LOGDIR/hvm.log" "$NMI_OUT"; then
        fail hvm-nmi "the viewers were not told, or the log lacks the guest's report"
        diag hvm-a-err /tmp/hvm-a.err
    else
        step "$(grep -m1 -a "$NMI_OUT" /tmp/hvm-a.out | tr -d '\r')"
        pass hvm-nmi
    fi
fi

step "check hvm-gone"
if [ "$(cat /tmp/hvm.create.rc 2>/dev/null)" != 0 ]; then
    fail hvm-gone "hvm was never created"
else
    timeout 60 xl destroy hvm >/tmp/hvm-destroy.out 2>&1
    rc=$?
    if [ $rc != 0 ]; then
        fail hvm-gone "xl destroy hvm failed (rc $rc)"
    elif ! wait_for 30 both_have /tmp/hvm-a.err /tmp/hvm-b.err "is gone"; then
        fail hvm-gone "no 'is gone' notice to both sessions"
    elif ! wait_for 10 gone "$G_A" || ! wait_for 5 gone "$G_B"; then
        fail hvm-gone "the notice came but a session did not end"
    else
        pass hvm-gone
    fi
fi
g_end_viewers

# --- a channel served by QEMU next to xcmuxd's primary console ---------------
step "check chan-primary"
cat >/etc/xen/chan.cfg <<EOF
name = "chan"
type = "pv"
kernel = "/boot/vmlinux"
ramdisk = "/boot/domu.cpio.gz"
extra = "console=hvc0 loglevel=4 e2e_name=chan e2e_channel=1"
memory = 128
vcpus = 1
cpus = "0-1"
# xl 4.17 gives the first channel devid 0, which libxl rejects ("Primary
# console has invalid configuration") and skips (later xl is fixed: "xl:
# fix channel configuration setting"); the second becomes device/console/1.
channel = [ "name=org.xcmux.e2e.placeholder,connection=pty",
            "name=org.xcmux.e2e.1,connection=pty" ]
on_crash = "destroy"
EOF
g_start chan
wait_for 150 g_created chan
chan_id=$(xl domid chan 2>/dev/null)
if [ "$(cat /tmp/chan.create.rc 2>/dev/null)" != 0 ] || [ -z "$chan_id" ]; then
    fail chan-primary "xl create chan failed: $(tail -n 2 /tmp/chan.create.out | tr '\n' ' ')"
    diag xl-create-chan /tmp/chan.create.out
    fail chan-qemu "chan was never created"
else
    if wait_for 120 has "$LOGDIR/chan.log" "E2E-DOMU-BOOT chan" &&
        [ -c "$(xenstore-read "/local/domain/$chan_id/console/tty")" ]; then
        pass chan-primary
    else
        fail chan-primary "no boot marker in $LOGDIR/chan.log, or no console/tty"
        diag chan.log "$LOGDIR/chan.log"
    fi
    step "check chan-qemu"
    C1=/local/domain/$chan_id/device/console/1
    ctype=$(xenstore-read "$C1/type" 2>/dev/null)
    ctty=$(xenstore-read "$C1/tty" 2>/dev/null)
    if [ "$ctype" != ioemu ]; then
        fail chan-qemu "libxl did not mark the channel ioemu (type '$ctype')"
        xenstore-ls "/local/domain/$chan_id" 2>&1 | grep -v '^ *\(cpu\|memory\|store\|control\)' |
            tail -n 30 | sed 's/^/e2e-diag chan xenstore: /'
        diag qemu-dm-chan /var/log/xen/qemu-dm-chan.log
        diag chan-create /tmp/chan.create.out
    elif xcmux_ list | grep -qE "^ *$chan_id +1 "; then
        fail chan-qemu "xcmuxd lists QEMU's console 1"
    elif xcmux_ console --console 1 chan </dev/null >/dev/null 2>&1; then
        fail chan-qemu "xcmuxd let a session attach to QEMU's console 1"
    elif [ -e "$LOGDIR/chan.con1.log" ]; then
        fail chan-qemu "xcmuxd logs QEMU's console 1"
    elif ! wait_for 30 grep -q "console 1 is served by another backend" /tmp/xcmuxd.log; then
        fail chan-qemu "xcmuxd did not say it leaves console 1 alone"
    elif ! wait_for 30 test -c "$ctty"; then
        fail chan-qemu "QEMU did not publish the channel's pty (tty '$ctty')"
    else
        # The guest writes a marker to /dev/hvc1 every second: it comes out
        # of QEMU's pty, so QEMU, not xcmuxd, drains that ring.
        ( timeout 30 cat "$ctty" >/tmp/chan-qemu.out 2>&1 ) &
        if wait_for 30 has /tmp/chan-qemu.out "E2E-CHANNEL chan"; then
            pass chan-qemu
        else
            fail chan-qemu "nothing from the guest's hvc1 came out of QEMU's pty $ctty"
        fi
    fi
    xl destroy chan >/dev/null 2>&1
fi
}

# Processes of dom0 that crashed during the run (the shell only says
# "Segmentation fault"): the kernel names them.
more_diag() {
    dmesg 2>/dev/null | grep -aE 'segfault|traps:|general protection' | tail -n 10 |
        sed 's/^/e2e-diag dom0 kernel: /'
}
