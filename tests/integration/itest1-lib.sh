# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers shared by sessions.sh, flow.sh and scale.sh (source after lib.sh
# and in_host): a private xcmuxd inside the simulated host, background
# console clients fed through fifos, and JSON queries of `xcmux list`.
# Everything lives under $XD=$XENSIM_DIR/itest1; the EXIT trap stops every
# process these helpers started.

XD=$XENSIM_DIR/itest1
FLOODCHK="python3 $top_srcdir/tests/integration/itest1-flood.py"
mkdir -p "$XD/logs"
XCMUXD_PID=
declare -A CLI_PID CLI_FD
CLI_ALL_FDS=()

itest1_cleanup() {
    local n
    kill "$WATCHDOG_PID" 2>/dev/null
    for n in "${!CLI_PID[@]}"; do
        kill "${CLI_PID[$n]}" 2>/dev/null
    done
    [ -n "$XCMUXD_PID" ] && kill "$XCMUXD_PID" 2>/dev/null
    wait 2>/dev/null
}
trap 'itest1_cleanup 2>/dev/null' EXIT

# A hung step must not leave a flooding guest filling the disk: after
# ITEST1_TIMEOUT seconds the test and its children are killed, and fail.
# (sleep runs in the background so that TERM from the cleanup ends the
# watchdog at once, sleep included, without a false alarm.)
(
    trap 'kill "$sl" 2>/dev/null; exit 0' TERM
    sleep "${ITEST1_TIMEOUT:-100}" >/dev/null 2>&1 &
    sl=$!
    wait "$sl"
    echo "not ok - watchdog: test still running after ${ITEST1_TIMEOUT:-100} s"
    for p in $(pgrep -P $$); do
        [ "$p" = "$BASHPID" ] || kill -TERM "$p"
    done
    kill -TERM $$
) </dev/null &
WATCHDOG_PID=$!

# start_xcmuxd CONFIG-TEXT : write the config and start the daemon in the
# foreground on a private socket and log dir; wait until it serves.
start_xcmuxd() {
    printf '%s\n' "$1" >"$XD/xcmuxd.conf"
    rm -f "$XD/sock"
    "$XCMUXD" -f -c "$XD/xcmuxd.conf" -S "$XD/sock" --log-dir "$XD/logs" \
        2>>"$XD/xcmuxd.err" &
    XCMUXD_PID=$!
    wait_until 10 "$XCMUX" -S "$XD/sock" list
}

stop_xcmuxd() {
    [ -n "$XCMUXD_PID" ] || return 0
    kill "$XCMUXD_PID" 2>/dev/null
    wait "$XCMUXD_PID" 2>/dev/null
    XCMUXD_PID=
}

X() { "$XCMUX" -S "$XD/sock" "$@"; }

# close_holders : in a background subshell, close the fifo holder fds of
# this shell; a child that kept one would keep that client's input open.
close_holders() {
    local f
    for f in "${CLI_ALL_FDS[@]}"; do eval "exec $f>&-"; done
}

# client TAG ARGS... : `xcmux console ARGS` in the background, stdin from
# the fifo $XD/TAG.in (held open by this shell, so the client stays
# attached until client_eof), stdout to $XD/TAG.out (or $CLIENT_OUT when
# set), stderr to $XD/TAG.err.
client() {
    local tag=$1 fd
    shift
    rm -f "$XD/$tag.in"
    mkfifo "$XD/$tag.in"
    exec {fd}<>"$XD/$tag.in"
    CLI_ALL_FDS+=("$fd")
    (
        close_holders
        exec "$XCMUX" -S "$XD/sock" console "$@" <"$XD/$tag.in" \
            >"${CLIENT_OUT:-$XD/$tag.out}" 2>"$XD/$tag.err"
    ) &
    CLI_PID[$tag]=$!
    CLI_FD[$tag]=$fd
}

# client_send TAG PRINTF-FORMAT : type into the client's stdin.
client_send() { printf "$2" >&"${CLI_FD[$1]}"; }

# client_eof TAG : end the client's input (it detaches after its linger).
client_eof() {
    [ -n "${CLI_FD[$1]:-}" ] || return 0
    eval "exec ${CLI_FD[$1]}>&-"
    unset "CLI_FD[$1]"
}

# exited PID : the process is gone or a zombie (our children stay zombies
# until waited for, and kill -0 still succeeds on them).
exited() { [ ! -e "/proc/$1" ] || grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null; }

# client_wait TAG SECONDS : wait for the client to exit; its status is in
# CLI_RC (255 if it did not exit in time, then it is killed).
client_wait() {
    local pid=${CLI_PID[$1]}
    if wait_until "$2" exited "$pid"; then
        wait "$pid"
        CLI_RC=$?
    else
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        CLI_RC=255
    fi
    unset "CLI_PID[$1]"
}

# jq_list PYTHON-EXPR : evaluate EXPR with `c` bound to a function that
# returns the `list --json` entry of (name[, console]); print the result.
jq_list() {
    X list --json | python3 -c '
import json, sys
entries = json.load(sys.stdin)
def c(name, con=0):
    for e in entries:
        if e["name"] == name and e["console"] == con:
            return e
    raise SystemExit(1)
r = eval(sys.argv[1])
if r is False:
    raise SystemExit(1)
if r is not True:
    print(r)
' "$1"
}

# sessions_are DOMAIN N : the daemon counts N sessions on the console.
sessions_are() { jq_list "c('$1')['sessions'] == $2"; }

# has_line FILE TEXT : FILE has a line that is exactly TEXT (CR ignored),
# so typed input echoed back ("g:~# echo X") does not count as output X.
has_line() { tr -d '\r' <"$1" 2>/dev/null | grep -qxF -- "$2"; }

# guest_field NAME FIELD : a field of `xensim status NAME`.
guest_field() { xensim status "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
