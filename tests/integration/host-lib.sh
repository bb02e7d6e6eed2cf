# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers of the host tests (systemd.sh, xlconsole.sh, remote.sh,
# journal.sh); source after lib.sh and in_host. Everything lives under
# $HD=$XENSIM_DIR/host; the EXIT trap stops what these helpers started.
HD=$XENSIM_DIR/host
SINK="python3 $top_srcdir/tests/integration/dgram-sink.py"
mkdir -p "$HD/logs"
HOST_PIDS=()
XCMUXD_PID=

host_cleanup() {
    local p
    for p in "${HOST_PIDS[@]}" $XCMUXD_PID; do
        kill -CONT "$p" 2>/dev/null
        kill "$p" 2>/dev/null
    done
    wait 2>/dev/null
}
trap host_cleanup EXIT

# bg CMD... : run CMD in the background, stopped at exit; pid in $BG_PID.
# Its stdin is /dev/null (bash's rule for background commands).
bg() { "$@" & BG_PID=$!; HOST_PIDS+=("$BG_PID"); }

# start_xcmuxd CONFIG-TEXT [ENV=VALUE...] : private daemon on $HD/sock.
start_xcmuxd() {
    printf '%s\n' "$1" >"$HD/xcmuxd.conf"
    shift
    rm -f "$HD/sock"
    env "$@" "$XCMUXD" -f -c "$HD/xcmuxd.conf" -S "$HD/sock" --log-dir "$HD/logs" \
        2>>"$HD/xcmuxd.err" &
    XCMUXD_PID=$!
    wait_until 10 "$XCMUX" -S "$HD/sock" list
}

stop_xcmuxd() {
    [ -n "$XCMUXD_PID" ] || return 0
    kill "$XCMUXD_PID" 2>/dev/null
    wait "$XCMUXD_PID" 2>/dev/null
    XCMUXD_PID=
}

X() { "$XCMUX" -S "$HD/sock" "$@"; }

# skip_all REASON : the whole test cannot run here (exit 77 = SKIP).
skip_all() { echo "# SKIP: $*"; echo "0 passed, 0 failed (skipped)"; exit 77; }
