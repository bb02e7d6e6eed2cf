# SPDX-License-Identifier: GPL-2.0-or-later
# own-daemon-lib.sh — for the integration tests that start a daemon of
# their own (own socket, config and log dir) and may run clients as other
# local users. Sourced after lib.sh and in_host; it owns the EXIT trap.
#
#   need_users U... [--group G]  the system users (and group G) exist, or
#                                the test is skipped (exit 77)
#   public_dir NAME              lets other users reach PUB=$XENSIM_DIR/NAME
#                                (the host dir 0711, PUB 0755) holding a
#                                copy of the client ($PUB/xcmux); sets SOCK
#                                in PUB, and CONF, LOGS, ERR beside it
#   as USER CMD...               CMD with USER's uid, gid and groups
#   xc_as USER ARGS...           the client as USER on $SOCK
#   daemon_start / daemon_stop   xcmuxd on $SOCK $LOGS ($CONF if set), stderr to
#                                $ERR; start waits until it answers `list`
#   console_bg NAME USER ARGS... `xcmux console ARGS` in the background as
#                                USER ("" for root) with a stdin that stays
#                                open: input to $XENSIM_DIR/NAME.in, output
#                                in NAME.out/.err; CPID is its pid
#   holder NAME USER COUNT [DOMAIN]
#                                USER holds COUNT connections (sessions on
#                                DOMAIN, never read) with hostile-hold.py
#                                until `release NAME`; its report is in
#                                $XENSIM_DIR/NAME.hold (`held NAME`, `shed
#                                NAME` read it)
#   PIDS+=(PID)                  also killed by the EXIT trap, with $DPID

DPID=
PIDS=()
reap() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    [ -n "$DPID" ] && kill "$DPID" 2>/dev/null
    wait 2>/dev/null
}
trap reap EXIT

need_users() {
    local u group=
    if ! command -v setpriv >/dev/null || ! command -v useradd >/dev/null; then
        echo "# SKIP: setpriv/useradd not available"; echo "0 passed, 0 failed"; exit 77
    fi
    while [ $# -gt 0 ]; do
        case $1 in
        --group)
            group=$2; shift 2
            getent group "$group" >/dev/null || groupadd -r "$group" ||
                { echo "# SKIP: cannot create group $group"; exit 77; }
            ;;
        *)
            u=$1; shift
            id "$u" >/dev/null 2>&1 || useradd -M -r -s /usr/sbin/nologin "$u" ||
                { echo "# SKIP: cannot create user $u"; exit 77; }
            ;;
        esac
    done
}

public_dir() {
    # The host directory is private (mktemp): other users may traverse it
    # to a directory of their own holding the socket and the client.
    chmod 0711 "$XENSIM_DIR"
    PUB=$XENSIM_DIR/$1
    mkdir -p "$PUB" && chmod 0755 "$PUB"
    cp "$XCMUX" "$PUB/xcmux" && chmod 0755 "$PUB/xcmux"
    SOCK=$PUB/xcmux.sock
    LOGS=$XENSIM_DIR/$1-logs
    CONF=$XENSIM_DIR/$1.conf
    ERR=$XENSIM_DIR/$1-xcmuxd.err
}

as() { local u=$1; shift; setpriv --reuid="$u" --regid="$u" --init-groups "$@"; }
xc_as() { local u=$1; shift; as "$u" "$PUB/xcmux" -S "$SOCK" "$@"; }

daemon_start() {
    "$XCMUXD" -f ${CONF:+-c "$CONF"} -S "$SOCK" --log-dir "$LOGS" 2>>"$ERR" &
    DPID=$!
    wait_until 10 "$XCMUX" -S "$SOCK" list
}
daemon_stop() { kill "$DPID"; wait "$DPID"; DPID=; }

console_bg() {
    local name=$1 u=$2; shift 2
    local f=$XENSIM_DIR/$name
    rm -f "$f.in"; mkfifo "$f.in"
    if [ -n "$u" ]; then
        as "$u" "$PUB/xcmux" -S "$SOCK" console "$@" <>"$f.in" >"$f.out" 2>"$f.err" &
    else
        "$XCMUX" -S "$SOCK" console "$@" <>"$f.in" >"$f.out" 2>"$f.err" &
    fi
    CPID=$!
    PIDS+=("$CPID")
}

holder() {
    local name=$1 u=$2; shift 2
    local f=$XENSIM_DIR/$name
    [ -x "$PUB/hold.py" ] ||
        { cp "$top_srcdir/tests/integration/hostile-hold.py" "$PUB/hold.py" && chmod 0755 "$PUB/hold.py"; }
    rm -f "$f.in"; mkfifo "$f.in"
    # The holder must not inherit the write ends of the other holders'
    # fifos, or their release would never reach them.
    (
        for v in ${!HOLD_FD_@}; do eval "exec ${!v}>&-"; done
        exec setpriv --reuid="$u" --regid="$u" --init-groups \
            /usr/bin/python3 "$PUB/hold.py" "$SOCK" "$@" <"$f.in" >"$f.hold" 2>&1
    ) &
    PIDS+=("$!")
    exec {fd}>"$f.in"
    eval "HOLD_FD_$name=$fd"
    wait_until 120 grep -q '^ready' "$f.hold"
}
release() {
    local name=$1 var="HOLD_FD_$1"
    eval "exec ${!var}>&-"
    wait_until 20 grep -q '^shed' "$XENSIM_DIR/$name.hold"
}
held() { sed -n 's/^held \([0-9]*\).*/\1/p' "$XENSIM_DIR/$1.hold"; }
shed() { sed -n 's/^shed \([0-9]*\).*/\1/p' "$XENSIM_DIR/$1.hold"; }
