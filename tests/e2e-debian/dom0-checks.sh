#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs inside the Debian 12 dom0 of tests/e2e-debian/run.sh, on every boot,
# from e2ed-checks.service (after multi-user.target, xen.service,
# xendomains and xcmuxd). Prints "E2ED PASS bootN-CHECK" or
# "E2ED FAIL bootN-CHECK: why" per check, "E2ED INFO ..." for measurements.
# Boot 1 ends with a reboot; boot 2 removes the package (apt-get remove),
# checks that xenconsoled is back, and powers off.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p /var/lib/e2ed
boot=$(( $(cat /var/lib/e2ed/boot 2>/dev/null || echo 0) + 1 ))
echo "$boot" >/var/lib/e2ed/boot
sync
out=/var/lib/e2ed/out.$boot
mkdir -p "$out"
T0=$(date +%s)

pass() { echo "E2ED PASS boot$boot-$1"; }
fail() { echo "E2ED FAIL boot$boot-$1: $2"; }
info() { echo "E2ED INFO boot$boot-$1: $2"; }
# chk NAME CMD... : one check, its output kept for the failure line.
chk() {
    local name=$1; shift
    if "$@" >"$out/$name" 2>&1; then pass "$name"; return 0; fi
    fail "$name" "$(tail -c 400 "$out/$name" | tr '\n\r' '  ')"
    return 1
}
# waitfor SECONDS CMD... : poll CMD every second.
waitfor() {
    local t=$1 i=0; shift
    until "$@"; do i=$((i + 1)); [ "$i" -ge "$t" ] && return 1; sleep 1; done
}
domid() { xl domid "$1" 2>/dev/null; }

echo "E2ED BOOT $boot (uptime $(cut -d' ' -f1 /proc/uptime) s)"
chk xcmuxd-active systemctl is-active xcmuxd.service
chk xcmuxd-socket-active systemctl is-active xcmuxd.socket
chk xen-service-active systemctl is-active xen.service
chk oxenstored-running pidof oxenstored
chk no-xenconsoled bash -c '! pidof xenconsoled && ! pidof xenconsoled.distrib'
chk xenconsoled-diverted bash -c 'dpkg-divert --list | grep -q "xenconsoled.distrib by xcmux"'

# The guest in /etc/xen/auto, started at boot by xendomains.
chk autostart-guest waitfor 120 domid auto1
chk autostart-console waitfor 120 bash -c 'xcmux log auto1 | grep -q "DOMU-BOOT auto1"'
chk autostart-tty bash -c 't=$(xenstore-read /local/domain/$(xl domid auto1)/console/tty) &&
    [ -c "$t" ] && xcmux list | grep -q "$t"'

# xl create, then xl console (the front end in place of xenconsole).
chk xl-create xl create /etc/xen/g1.cfg
chk xl-console waitfor 120 bash -c 'timeout 20 xl console g1 </dev/null | grep -q "DOMU-BOOT g1"'
# Two xl consoles on one guest at once (xenconsole's flock is gone): the
# first types, both see the echo.
( sleep 3; echo "two-consoles-$boot"; sleep 4 ) | timeout 30 xl console g1 >"$out/xlc1" 2>&1 &
p1=$!
sleep 1
( sleep 8 ) | timeout 30 xl console g1 >"$out/xlc2" 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
chk xl-console-two-at-once bash -c "[ $r1 -eq 0 ] && [ $r2 -eq 0 ] &&
    grep -q 'echo: two-consoles-$boot' '$out/xlc1' && grep -q 'echo: two-consoles-$boot' '$out/xlc2'"
# xl create -c: the front end with --start-notify-fd. Its input stays
# open (fd 7 on a fifo) until the boot text is there; the EOF then ends
# the front end and xl.
mkfifo "$out/createc.in"
timeout 90 xl create -c /etc/xen/g2.cfg <"$out/createc.in" >"$out/createc" 2>&1 &
pc=$!
exec 7>"$out/createc.in"
waitfor 80 grep -q 'DOMU-BOOT g2' "$out/createc"
exec 7>&-
wait $pc
chk xl-create-c bash -c "grep -q 'DOMU-BOOT g2' '$out/createc' && xl domid g2"

# The journal, with the daemon's fields.
chk journal-fields waitfor 30 bash -c 'journalctl -q -o verbose XCMUX_GUEST=auto1 | grep -q "XCMUX_DOMID="'
info journal-lines "$(journalctl -q XCMUX_GUEST=auto1 | wc -l) lines for auto1"

# logrotate with the shipped file: the log is renamed and xcmuxd writes a
# new one (without the boot text, which is in the renamed one). The
# names carry the date: the previous boot's rotated logs go first, and a
# fresh state file (logrotate never rotates a dateext log twice a day by
# its state, -f or not: both boots are on the same day).
rm -f /var/log/xcmux/*.log-* /var/lib/e2ed/logrotate.state
chk logrotate-rotates bash -c 'logrotate -v -f -s /var/lib/e2ed/logrotate.state /etc/logrotate.d/xcmuxd &&
    grep -q "DOMU-BOOT auto1" /var/log/xcmux/auto1.log-*'
chk logrotate-new-log waitfor 30 bash -c 'grep -q "auto1 tick" /var/log/xcmux/auto1.log &&
    ! grep -q "DOMU-BOOT auto1" /var/log/xcmux/auto1.log'

# The unit's hardening, recorded.
sec=$(systemd-analyze security --no-pager xcmuxd.service 2>&1 | tail -n 1)
info security "$sec"
chk security-score bash -c "grep -q 'Overall exposure level' <<<'$sec'"
info time "checks took $(( $(date +%s) - T0 )) s"

# libvirt (boot 1): libvirtd (Debian's libvirt-daemon with
# libvirt-daemon-driver-xen) defines and starts a guest; the pty libvirt
# hands to `virsh console` is xcmuxd's (console/tty, in `xcmux list`);
# virsh shows the guest's output, and what is typed in it reaches the
# guest (xcmux sees the guest's echo).
if [ "$boot" -eq 1 ]; then
    lvlog=/var/log/e2ed-libvirtd.log
    LIBVIRT_LOG_FILTERS="1:cpu.cpu_x86 1:libxl 3:*" LIBVIRT_LOG_OUTPUTS="1:file:$lvlog" libvirtd --daemon
    V="virsh -q -c xen:///system"
    if chk libvirt-daemon waitfor 60 $V version; then
        info libvirt-host-cpu "$(grep -ao 'Using CPU model [^ ]*' $lvlog | head -n 1)"
        chk libvirt-define $V define /etc/xen/lv1.xml
        chk libvirt-start $V start lv1
        chk libvirt-xcmuxd waitfor 60 bash -c 'xcmux log lv1 | grep -q "DOMU-BOOT lv1"'
        chk libvirt-tty bash -c "t=\$($V ttyconsole lv1) && [ -n \"\$t\" ] &&
            [ \"\$t\" = \"\$(xenstore-read /local/domain/\$(xl domid lv1)/console/tty)\" ] &&
            xcmux list | grep -q \"\$t\""
        ( sleep 6; echo "virsh-typed-$boot"; sleep 6; printf '\035' ) |
            timeout 60 script -qfec "$V console lv1" /dev/null >"$out/virsh" 2>&1
        chk libvirt-console-output bash -c "grep -q 'lv1 tick' '$out/virsh' &&
            grep -q 'echo: virsh-typed-$boot' '$out/virsh'"
        chk libvirt-console-input waitfor 10 bash -c "xcmux log lv1 | grep -q 'echo: virsh-typed-$boot'"
    else
        # Its Xen driver did not come up. libvirt 9.0 matches the host
        # CPU Xen reports to a model of its cpu_map or fails (see run.sh
        # on the QEMU CPU): what Xen reports, and libvirtd's errors.
        info libvirt-hwcaps "$(xl info | grep -E 'hw_caps')"
        grep -aE ' error : ' $lvlog | head -n 8 | sed 's/^/E2ED INFO libvirtd: /'
        for c in define start xcmuxd tty console-output console-input; do
            fail "libvirt-$c" "libvirtd did not come up"
        done
    fi
    $V destroy lv1 >/dev/null 2>&1
fi

if [ "$boot" -eq 1 ]; then
    # Guests that do not answer a shutdown request would hold up xendomains.
    for d in g1 g2 auto1; do xl destroy "$d" 2>/dev/null; done
    echo "E2ED REBOOT"
    sync
    systemctl reboot
    exit 0
fi

# Boot 2: back to xenconsoled.
chk apt-remove apt-get remove -y xcmux
chk xenconsoled-back waitfor 30 pidof xenconsoled
chk undiverted bash -c '! dpkg-divert --list | grep -q xcmux && [ -x /usr/lib/xen-4.17/bin/xenconsoled ] &&
    ! [ -e /usr/lib/xen-4.17/bin/xenconsoled.distrib ]'
chk xenconsoled-serves waitfor 30 bash -c 't=$(xenstore-read /local/domain/$(xl domid auto1)/console/tty) &&
    [ -c "$t" ] && timeout 8 script -qfec "xl console auto1" /dev/null </dev/null | grep -q "auto1 tick"'
for d in g1 g2 auto1; do xl destroy "$d" 2>/dev/null; done
echo "E2ED DONE"
sync
systemctl poweroff
