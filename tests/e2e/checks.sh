#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The end-to-end checks, run by dom0's init (tests/e2e/dom0-init.sh) once
# xenstored and xcmuxd are up. Prints exactly one line per check,
#   E2E PASS <name>   or   E2E FAIL <name>: <detail>
# in the order of CHECKS in tests/e2e/run.sh, then "E2E RESULT <p> <f>".
# Every wait is bounded; a check whose precondition failed still prints
# its FAIL line so the host always sees the full list.
# Runs under busybox ash (it has `local`); the $((6*7)) in single quotes is
# meant for the guest's shell.
# shellcheck disable=SC3043,SC2016
SOCK=/run/xcmux/xcmux.sock
LOGDIR=/var/log/xcmux
PASSED=0
FAILED=0
# A fresh token per run, so no text from an earlier step can satisfy a check.
TOK=$(cut -c1-8 /proc/sys/kernel/random/uuid)

pass() { PASSED=$((PASSED + 1)); echo "E2E PASS $1"; }
fail() { FAILED=$((FAILED + 1)); echo "E2E FAIL $1: $2"; }
# diag LABEL FILE: show the end of FILE on the console, prefixed, after a failure.
diag() { [ -f "$2" ] && tail -n 15 "$2" | tr -d '\r' | sed "s|^|e2e-diag $1: |"; }

# Every client call that should return promptly is bounded too.
# debug_daemon: what xcmuxd is doing right now (kernel stack, syscalls).
debug_daemon() {
    local pid
    pid=$(pidof xcmuxd) || { echo "e2e-diag: xcmuxd is not running"; return; }
    echo "e2e-diag xcmuxd state: $(grep State /proc/"$pid"/status) wchan $(cat /proc/"$pid"/wchan)"
    sed 's/^/e2e-diag xcmuxd stack: /' /proc/"$pid"/stack 2>/dev/null
    ls -l /proc/"$pid"/fd 2>/dev/null | sed 's/^/e2e-diag xcmuxd fd: /'
    if command -v strace >/dev/null; then
        timeout 3 strace -f -tt -p "$pid" 2>&1 | tail -n 40 | sed 's/^/e2e-diag strace: /'
    fi
}
xcmux_() { timeout 10 xcmux -S "$SOCK" "$@"; }
step() { echo "e2e [$(cut -d' ' -f1 /proc/uptime)]: $*"; }

# secs: SECS = whole seconds of dom0 uptime, read by the shell itself.
# No date(1): while HVM-container guests run under TCG, dom0's busybox
# processes now and then segfault (the kernel logs "segfault at 0 ... in
# busybox"), and a deadline computed from a failed date would be wrong.
secs() {
    local rest
    read -r SECS rest </proc/uptime
    SECS=${SECS%.*}
}
# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
# The bound is real time, however long each try of CMD takes.
wait_for() {
    local deadline
    secs
    deadline=$((SECS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        secs
        [ "$SECS" -ge $deadline ] && return 1
        sleep 0.2
    done
}
has() { grep -qF -- "$2" "$1" 2>/dev/null; }
both_have() { has "$1" "$3" && has "$2" "$3"; }
gone() { ! kill -0 "$1" 2>/dev/null; }
listed_running() { xcmux_ list | grep -qE "^ *[0-9]+ +0 +$1 +running"; }

guest_cfg() {
    cat >"/etc/xen/$1.cfg" <<EOF
name = "$1"
type = "pv"
kernel = "/boot/vmlinux"
ramdisk = "/boot/domu.cpio.gz"
extra = "console=hvc0 loglevel=4 e2e_name=$1"
memory = 128
vcpus = 1
cpus = "0-1"
on_crash = "destroy"
EOF
}

# type_line CMDLINE: type one line into domu through a plain (writer)
# xcmux session; the linger lets the guest's answer come back first.
type_line() {
    printf '%s\n' "$1" | timeout 15 xcmux -S "$SOCK" console --linger 1500 domu \
        >>/tmp/writer.out 2>>/tmp/writer.err
}

mkdir -p /etc/xen

# The full check set (not e2e_set=pv, see run.sh) adds checks-more.sh.
FULL=1
case " $(cat /proc/cmdline) " in *" e2e_set=pv "*) FULL=0 ;; esac
[ $FULL = 1 ] && . /e2e/checks-more.sh

# --- xl-create: xcmuxd is the only console backend, libxl still happy ----
guest_cfg domu
step "xl create domu"
have_domu=0
if pidof xenconsoled >/dev/null || command -v xenconsoled >/dev/null; then
    fail xl-create "xenconsoled is in this dom0; the test needs xcmuxd alone"
elif ! timeout 120 xl create /etc/xen/domu.cfg >/tmp/xl-create.out 2>&1; then
    fail xl-create "xl create failed (rc $?): $(tail -n 2 /tmp/xl-create.out | tr '\n' ' ')"
    diag xl-create /tmp/xl-create.out
    diag xcmuxd /tmp/xcmuxd.log
else
    domid=$(xl domid domu 2>/dev/null)
    tty=$(xenstore-read "/local/domain/$domid/console/tty" 2>/dev/null)
    if [ -z "$domid" ] || [ -z "$tty" ]; then
        fail xl-create "domu created but domid '$domid' console/tty '$tty'"
    elif [ ! -c "$tty" ]; then
        fail xl-create "console/tty '$tty' is not a character device"
    else
        have_domu=1
        step "domu is domid $domid, console/tty $tty"
        pass xl-create
    fi
fi

# --- boot-replay: two sessions attached after boot both get the boot text
# from the daemon's replay buffer ---------------------------------------
step "waiting for domu's boot marker"
booted=0
# Polls the log file, not the daemon: cheap, so the guest gets the CPU.
if [ $have_domu = 1 ] && wait_for 120 has "$LOGDIR/domu.log" "E2E-DOMU-BOOT domu"; then
    booted=1
fi
# Viewer stdin is a fifo this shell holds open: the sessions stay attached
# until the domain goes away, and the test can type into a read-only one.
step "attaching two read-only viewers (booted=$booted)"
mkfifo /tmp/va.in /tmp/vb.in
xcmux -S "$SOCK" console -r --replay 100000 domu </tmp/va.in >/tmp/va.out 2>/tmp/va.err &
VA=$!
xcmux -S "$SOCK" console -r --replay 100000 domu </tmp/vb.in >/tmp/vb.out 2>/tmp/vb.err &
VB=$!
exec 7>/tmp/va.in 8>/tmp/vb.in
step "viewers attached"
if [ $booted = 0 ]; then
    fail boot-replay "no boot marker from domu in 120 s"
    diag xcmuxd /tmp/xcmuxd.log
    debug_daemon
    xcmux_ list 2>&1 | sed 's/^/e2e-diag list: /'
    xcmux_ log domu 2>&1 | tail -n 10 | sed 's/^/e2e-diag log domu: /'
    timeout 10 xl list 2>&1 | sed 's/^/e2e-diag xl list: /'
    ls -l "$LOGDIR" 2>&1 | sed 's/^/e2e-diag logdir: /'
elif wait_for 15 both_have /tmp/va.out /tmp/vb.out "E2E-DOMU-BOOT domu"; then
    step "replayed: $(grep -m1 -a E2E-DOMU-BOOT /tmp/va.out | tr -d '\r')"
    pass boot-replay
else
    fail boot-replay "viewer A has marker: $(has /tmp/va.out E2E-DOMU-BOOT && echo yes || echo no), viewer B: $(has /tmp/vb.out E2E-DOMU-BOOT && echo yes || echo no)"
    diag viewer-a-err /tmp/va.err
    diag viewer-b-err /tmp/vb.err
fi

step "check writer-input"
# --- writer-input: a line typed by the writer runs in domu, both viewers
# see the output. The command computes its marker, so seeing it proves the
# guest shell ran it (the tty echo of the typed line only has the formula).
# Read-only viewer A types first; the guest handles input in order, so by
# the time the writer's output is back, A's line would have run too.
# In a subshell: if viewer A already died, SIGPIPE must not kill this script.
( printf 'echo RO-$((6*7))-%s\n' "$TOK" >&7 ) 2>/dev/null
sleep 1
writer_ok=0
: >/tmp/writer.out
if [ $booted = 0 ]; then
    fail writer-input "domu never booted"
else
    type_line "echo W-\$((6*7))-$TOK"
    if wait_for 30 both_have /tmp/va.out /tmp/vb.out "W-42-$TOK"; then
        writer_ok=1
        pass writer-input
    else
        fail writer-input "W-42-$TOK not seen (A: $(has /tmp/va.out "W-42-$TOK" && echo yes || echo no), B: $(has /tmp/vb.out "W-42-$TOK" && echo yes || echo no), writer: $(has /tmp/writer.out "W-42-$TOK" && echo yes || echo no))"
        diag writer-err /tmp/writer.err
        diag viewer-a /tmp/va.out
    fi
fi

step "check read-only-input"
# --- read-only-input: what the read-only session typed never reached domu.
# A second writer round trip, typed later still, is the barrier: once its
# answer is back, anything A's session delivered would have run before it.
synced=0
if [ $writer_ok = 1 ]; then
    type_line "echo SYNC-\$((6*7))-$TOK"
    wait_for 30 both_have /tmp/va.out /tmp/vb.out "SYNC-42-$TOK" && synced=1
fi
xcmux_ log --bytes 100000 domu >/tmp/domu.replay 2>/dev/null
leaked=""
for f in /tmp/va.out /tmp/vb.out /tmp/writer.out /tmp/domu.replay "$LOGDIR/domu.log"; do
    if has "$f" "RO-42-$TOK" || has "$f" "RO-\$((6*7))"; then leaked="$leaked $f"; fi
done
if [ $synced = 0 ]; then
    fail read-only-input "inconclusive: the writer's input never came back"
elif [ -n "$leaked" ]; then
    fail read-only-input "read-only input reached domu (seen in$leaked)"
else
    pass read-only-input
fi

step "check xl-console"
# --- xl-console: xenconsole on the pty xcmuxd published shows domu output.
# Its stdin is a pipe kept open for a while (EOF would end it); the marker
# is typed through xcmux and retried in case xenconsole was slow to attach.
( sleep 90 ) | timeout 80 xl console domu >/tmp/xlc.out 2>&1 &
XLC=$!
xlc_ok=0
if [ $booted = 1 ]; then
    secs
    deadline=$((SECS + 60))
    try=0
    while secs && [ "$SECS" -lt $deadline ]; do
        try=$((try + 1))
        type_line "echo XL-\$((6*7))-$try-$TOK"
        if wait_for 4 grep -qE "XL-42-[0-9]+-$TOK" /tmp/xlc.out; then
            xlc_ok=1
            break
        fi
    done
fi
if [ $booted = 0 ]; then
    fail xl-console "domu never booted"
elif [ $xlc_ok = 1 ]; then
    pass xl-console
else
    fail xl-console "no XL-42 marker from xl console in 60 s ($(wc -c </tmp/xlc.out) bytes captured)"
    diag xl-console /tmp/xlc.out
fi
kill "$XLC" 2>/dev/null

step "check log-timestamps"
# --- log-timestamps: the log file holds the boot text, each line stamped
stamp='^\[[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z\] '
if grep -qE "${stamp}.*E2E-DOMU-BOOT domu" "$LOGDIR/domu.log" 2>/dev/null; then
    pass log-timestamps
else
    fail log-timestamps "no stamped boot marker in $LOGDIR/domu.log"
    diag domu.log "$LOGDIR/domu.log"
fi

# --- hotkeys ---------------------------------------------------------------
# count FILE TEXT: how many lines of FILE contain TEXT (0 if none or no file).
count() {
    local n
    n=$(grep -acF -- "$2" "$1" 2>/dev/null)
    echo "${n:-0}"
}
# count_re FILE ERE: the same for an extended regular expression.
count_re() {
    local n
    n=$(grep -acE -- "$2" "$1" 2>/dev/null)
    echo "${n:-0}"
}
# both_count N TEXT out|err: both viewers' stdout (or stderr) show TEXT on
# at least N lines; both_count_re the same for an ERE.
both_count() {
    [ "$(count "/tmp/va.$3" "$2")" -ge "$1" ] && [ "$(count "/tmp/vb.$3" "$2")" -ge "$1" ]
}
both_count_re() {
    [ "$(count_re "/tmp/va.$3" "$2")" -ge "$1" ] && [ "$(count_re "/tmp/vb.$3" "$2")" -ge "$1" ]
}
# press KEY: the escape character (^], 0x1d) then KEY, typed into a plain
# session, as a user at a terminal would.
press() {
    printf '\035%s' "$1" | timeout 15 xcmux -S "$SOCK" console --linger 300 domu \
        >>/tmp/press.out 2>>/tmp/press.err
}
# trigger KEY OUTFILE: xcmux trigger, bounded; the ack timeout is 10 s.
trigger() { timeout 30 xcmux -S "$SOCK" trigger domu "$1" >"$2" 2>&1; }
hk_diag() {
    diag trigger "$1"
    diag viewer-a-err /tmp/va.err
    diag viewer-a /tmp/va.out
    grep -a 'hotkey\|sequence' "$LOGDIR/domu.log" | tail -n 8 | sed 's/^/e2e-diag log: /'
}

step "check hotkey-sysrq"
# --- hotkey-sysrq: config hotkey h = sysrq:h. xcmuxd writes control/sysrq,
# the domU kernel's xenbus watch runs SysRq-h (its help line comes out on
# hvc0) and writes the node back empty: the acknowledgement. Fired twice:
# by `xcmux trigger` (exit 0 = acknowledged) and by ^] h in a session.
SYSRQ_OUT="HELP : loglevel(0-9)"
# Notices name the user as "root (uid 0, pid N)".
SYSRQ_ACK='hotkey h \(sysrq help\) fired by root \(uid 0, pid [0-9]+\): acknowledged \(sysrq handled\)'
if [ $booted = 0 ]; then
    fail hotkey-sysrq "domu never booted"
else
    trigger h /tmp/trig-h.out
    rc=$?
    step "xcmux trigger domu h: rc $rc: $(head -n 1 /tmp/trig-h.out)"
    if [ $rc != 0 ]; then
        fail hotkey-sysrq "xcmux trigger domu h exited $rc, not 0 (acknowledged): $(head -n 1 /tmp/trig-h.out)"
        hk_diag /tmp/trig-h.out
    elif ! wait_for 20 both_count 1 "$SYSRQ_OUT" out; then
        fail hotkey-sysrq "trigger acknowledged but the sysrq help never reached both viewers (A: $(count /tmp/va.out "$SYSRQ_OUT"), B: $(count /tmp/vb.out "$SYSRQ_OUT"))"
        hk_diag /tmp/trig-h.out
    else
        press h
        if ! wait_for 20 both_count 2 "$SYSRQ_OUT" out; then
            fail hotkey-sysrq "^] h: no second sysrq help in both viewers (A: $(count /tmp/va.out "$SYSRQ_OUT"), B: $(count /tmp/vb.out "$SYSRQ_OUT"))"
            diag press-err /tmp/press.err
            hk_diag /tmp/trig-h.out
        elif ! wait_for 15 both_count_re 2 "$SYSRQ_ACK" err; then
            fail hotkey-sysrq "viewers were not told of two acknowledged fires (A: $(count_re /tmp/va.err "$SYSRQ_ACK"), B: $(count_re /tmp/vb.err "$SYSRQ_ACK"))"
            hk_diag /tmp/trig-h.out
        elif [ "$(count "$LOGDIR/domu.log" "$SYSRQ_OUT")" -lt 2 ] ||
            [ "$(count_re "$LOGDIR/domu.log" "$SYSRQ_ACK")" -lt 2 ]; then
            fail hotkey-sysrq "the log lacks the sysrq output or the ack events"
            hk_diag /tmp/trig-h.out
        else
            step "sysrq answer: $(grep -m1 -ao "sysrq: $SYSRQ_OUT.\{0,30\}" /tmp/va.out)..."
            pass hotkey-sysrq
        fi
    fi
fi

step "check hotkey-inject"
# --- hotkey-inject: the guest's own hotkey d, registered by hkhandler in
# data/xcmux/hotkeys (delivery inject). xcmuxd injects
# ESC _XCMUX;1;d;<ID> ESC \ into the input ring; hkhandler's filter takes
# it out of the shell's input, prints a framed dump naming <ID> and writes
# data/xcmux/ack "<ID> ok ...". Fired by trigger (exit 0) and by ^] d.
FRAME_OPEN="XEN|DEBUG: ====> E2E|DUMP"
FRAME_CLOSE="XEN|DEBUG: <===="
INJ_ACK='hotkey d \(E2E dump\) fired by root \(uid 0, pid [0-9]+\): acknowledged \(ok: dump [0-9]+\)'
guest_hk_listed() { xcmux_ hotkeys domu | grep -qE '^d +guest +E2E dump'; }
# dump_seen N: dump number N reached both viewers and the log. Polled, so
# cheap: every process costs dearly under TCG.
dump_seen() {
    local f
    for f in /tmp/va.out /tmp/vb.out "$LOGDIR/domu.log"; do
        grep -aqE "E2E-HK-DUMP key=d id=[0-9]+ n=$1" "$f" || return 1
    done
}
# framed N: and there it is framed: N opening and N closing frame lines.
framed() {
    local f
    for f in /tmp/va.out /tmp/vb.out "$LOGDIR/domu.log"; do
        [ "$(count "$f" "$FRAME_OPEN")" -ge "$1" ] && [ "$(count "$f" "$FRAME_CLOSE")" -ge "$1" ] ||
            return 1
    done
}
# request_id N: the id xcmuxd gave the Nth fire of d, from its notice.
request_id() {
    grep -aoE 'hotkey d \(E2E dump\) fired by root \(uid 0, pid [0-9]+\): sent to the guest \(console input\) \(request [0-9]+' /tmp/va.err |
        sed -n "$1{s/.*request //;p}"
}
inject_ok=0
if [ $booted = 0 ]; then
    fail hotkey-inject "domu never booted"
elif ! wait_for 30 guest_hk_listed; then
    fail hotkey-inject "guest hotkey d not listed by xcmux hotkeys ($(grep -a -m1 'E2E-HK-REGISTER' /tmp/va.out | tr -d '\r'))"
    xcmux_ hotkeys domu 2>&1 | sed 's/^/e2e-diag hotkeys: /'
    hk_diag /dev/null
else
    trigger d /tmp/trig-d.out
    rc=$?
    step "xcmux trigger domu d: rc $rc: $(head -n 1 /tmp/trig-d.out)"
    if [ $rc != 0 ]; then
        fail hotkey-inject "xcmux trigger domu d exited $rc, not 0 (acknowledged): $(head -n 1 /tmp/trig-d.out)"
        hk_diag /tmp/trig-d.out
    elif ! wait_for 20 dump_seen 1 || ! wait_for 5 framed 1; then
        fail hotkey-inject "trigger acknowledged but dump 1 is not framed in both viewers and the log"
        hk_diag /tmp/trig-d.out
    else
        press d
        id1=$(request_id 1)
        id2=$(request_id 2)
        if ! wait_for 20 dump_seen 2 || ! wait_for 5 framed 2; then
            fail hotkey-inject "^] d: dump 2 is not framed in both viewers and the log"
            diag press-err /tmp/press.err
            hk_diag /tmp/trig-d.out
        elif ! wait_for 15 both_count_re 2 "$INJ_ACK" err; then
            fail hotkey-inject "viewers were not told of two acknowledged fires (A: $(count_re /tmp/va.err "$INJ_ACK"), B: $(count_re /tmp/vb.err "$INJ_ACK"))"
            hk_diag /tmp/trig-d.out
        elif [ -z "$id1" ] || ! has /tmp/va.out "E2E-HK-DUMP key=d id=$id1 n=1" ||
            [ -z "$id2" ] || ! has /tmp/va.out "E2E-HK-DUMP key=d id=$id2 n=2"; then
            fail hotkey-inject "the dumps do not name the daemon's request ids ('$id1', '$id2')"
            hk_diag /tmp/trig-d.out
        else
            inject_ok=1
            step "dumps for requests $id1 and $id2 seen"
        fi
    fi
fi
if [ $inject_ok = 1 ]; then
    # The sequences never reached the shell: its echo of the input would
    # carry "XCMUX", and sh would complain about the command.
    leaked=""
    for f in /tmp/va.out /tmp/vb.out "$LOGDIR/domu.log"; do
        has "$f" "XCMUX" && leaked="$leaked $f"
    done
    if [ -n "$leaked" ]; then
        fail hotkey-inject "sequence bytes reached the shell (XCMUX in$leaked)"
        grep -a XCMUX /tmp/va.out | head -n 3 | sed 's/^/e2e-diag viewer-a: /'
    else
        pass hotkey-inject
    fi
fi

step "check hotkey-forged"
# --- hotkey-forged: a writer who types the sequence itself (with a line
# after it) does not fire d: xcmuxd drops the sequence from user input and
# tells the session, the guest runs the rest of the line, and no third
# dump appears.
# shellcheck disable=SC1003 # the backslash ends the sequence (ESC \)
FORGED=$(printf '\033_XCMUX;1;d;4242\033\\')
if [ $inject_ok = 0 ]; then
    fail hotkey-forged "inconclusive: hotkey-inject did not pass"
else
    : >/tmp/writer.err
    type_line "${FORGED}echo F-\$((6*7))-$TOK"
    if ! wait_for 30 both_have /tmp/va.out /tmp/vb.out "F-42-$TOK"; then
        fail hotkey-forged "the line after the forged sequence never ran"
        diag writer-err /tmp/writer.err
    elif ! has /tmp/writer.err "dropped a hotkey sequence"; then
        fail hotkey-forged "the writer was not told its sequence was dropped: $(tr '\n' ' ' </tmp/writer.err)"
    elif ! has "$LOGDIR/domu.log" "dropped a hotkey sequence (key d) typed by root"; then
        fail hotkey-forged "the log has no 'dropped a hotkey sequence' event"
    elif [ "$(count /tmp/va.out "$FRAME_OPEN")" != 2 ] || has /tmp/va.out "id=4242" ||
        has /tmp/va.out "XCMUX"; then
        fail hotkey-forged "the forged sequence reached the guest ($(count /tmp/va.out "$FRAME_OPEN") dumps)"
    else
        pass hotkey-forged
    fi
fi

step "check domain-gone"
# --- domain-gone: xl destroy ends both sessions with a clear notice ------
if [ $have_domu = 0 ]; then
    fail domain-gone "domu was never created"
else
    timeout 60 xl destroy domu >/tmp/xl-destroy.out 2>&1
    rc=$?
    if [ $rc != 0 ]; then
        fail domain-gone "xl destroy failed (rc $rc): $(tail -n 1 /tmp/xl-destroy.out)"
    elif ! wait_for 30 both_have /tmp/va.err /tmp/vb.err "is gone"; then
        fail domain-gone "no 'is gone' notice (A: $(tr '\n' ' ' </tmp/va.err) B: $(tr '\n' ' ' </tmp/vb.err))"
    elif ! wait_for 10 gone "$VA" || ! wait_for 5 gone "$VB"; then
        fail domain-gone "the notice came but a session did not end"
    else
        step "viewer A was told: $(grep -m1 'is gone' /tmp/va.err)"
        pass domain-gone
    fi
fi
exec 7>&- 8>&-
kill "$VA" "$VB" 2>/dev/null

step "check second-domu"
# --- second-domu: a guest created later is attached automatically -------
guest_cfg domu2
if ! timeout 120 xl create /etc/xen/domu2.cfg >/tmp/xl-create2.out 2>&1; then
    fail second-domu "xl create domu2 failed: $(tail -n 2 /tmp/xl-create2.out | tr '\n' ' ')"
    diag xcmuxd /tmp/xcmuxd.log
elif ! wait_for 30 listed_running domu2; then
    fail second-domu "xcmux list does not show domu2 running"
    xcmux_ list 2>&1 | sed 's/^/e2e-diag list: /'
elif ! wait_for 120 has "$LOGDIR/domu2.log" "E2E-DOMU-BOOT domu2"; then
    fail second-domu "$LOGDIR/domu2.log has no boot marker"
    diag domu2.log "$LOGDIR/domu2.log"
else
    pass second-domu
fi

xl destroy domu2 >/dev/null 2>&1

# The hypervisor's console, PVH and HVM guests, a QEMU-served channel.
# The HVM guest starts first and boots meanwhile: not earlier, for its
# device model's loading of the kernel keeps dom0 busy for minutes.
if [ $FULL = 1 ]; then
    more_start
    more_checks
fi

if [ $FAILED != 0 ]; then
    diag xcmuxd /tmp/xcmuxd.log
fi
[ $FULL = 1 ] && more_diag
echo "E2E RESULT $PASSED $FAILED"
