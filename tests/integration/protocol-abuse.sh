#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile clients on xcmuxd's socket (protocol/PROTOCOL.md): bad magic, an
# oversized length, a truncated frame then close, unknown and daemon-only
# types, a reserved flag, a malformed payload, HELLO with the wrong
# version, a request before HELLO, garbage after a valid HELLO, 1000 rapid
# connect/disconnects, a client that pipelines without reading, and
# clients that send half a frame and stall. Each gets the ERROR the
# protocol specifies and/or is closed; after every case the daemon is
# alive and a normal client still lists and attaches; at the end the
# daemon's fd count is back to its baseline.
. "$(dirname "$0")/lib.sh"
in_host "$@"

RAW="python3 $top_srcdir/tests/integration/rawclient.py"
SOCK=$XENSIM_DIR/abuse.sock
LOGS=$XENSIM_DIR/abuse-logs
ERR=$XENSIM_DIR/abuse-xcmuxd.err
: >"$XENSIM_DIR/abuse.conf"
"$XCMUXD" -f -c "$XENSIM_DIR/abuse.conf" -S "$SOCK" --log-dir "$LOGS" 2>"$ERR" &
DPID=$!
HOLDERS=()
cleanup() {
    local p
    for p in "${HOLDERS[@]}"; do kill "$p" 2>/dev/null; done
    kill "$DPID" 2>/dev/null
    wait 2>/dev/null
}
trap cleanup EXIT
xc() { "$XCMUX" -S "$SOCK" "$@"; }

wait_until 10 xc list
xensim create g --echo --say "abuse-marker-77" >/dev/null
check "daemon serves the guest before the abuse" \
    wait_until 10 bash -c "'$XCMUX' -S '$SOCK' list | grep -q ' g .*running'"

fd_count() { ls "/proc/$DPID/fd" 2>/dev/null | wc -l; }
# The attach check below is also what the baseline is taken after, so its
# transient fds are accounted for the same way every time.
normal_client_ok() {
    local out
    kill -0 "$DPID" 2>/dev/null || { echo "# daemon died"; return 1; }
    xc list | grep -q ' g .*running' || { echo "# list failed"; return 1; }
    out=$(XCMUX_LINGER_MS=200 timeout 10 "$XCMUX" -S "$SOCK" console -r g </dev/null 2>&1)
    case $out in
    *abuse-marker-77*) return 0 ;;
    *) echo "# attach output: $out"; return 1 ;;
    esac
}
check "baseline: a normal client lists and attaches" normal_client_ok
sleep 0.3
BASE_FDS=$(fd_count)
echo "# daemon fd baseline: $BASE_FDS"

# One case per line: case name, then what it checks.
run_case() { # run_case CASE DESCRIPTION [ARG]
    local name=$1 what=$2 out
    if out=$($RAW "$SOCK" "$name" ${3:+"$3"} 2>&1); then
        ok "$what"
    else
        bad "$what"
    fi
    printf '%s\n' "$out" | sed 's/^/#   /'
    check "  ... then the daemon still serves a normal client ($name)" normal_client_ok
}

run_case bad-magic "bad magic before HELLO: ERROR BAD_FRAME and close"
run_case bad-magic-after-hello "bad magic after HELLO: ERROR BAD_FRAME and close"
run_case oversized "length over 65536: ERROR LIMIT and close"
run_case oversized-first "length 0xffffffff as the first frame: ERROR LIMIT and close"
run_case max-payload-ok "a 65536-byte payload is legal (request refused, connection kept)"
run_case truncated-close "truncated frame then close (before HELLO)"
run_case truncated-close-after-hello "truncated frame then close (after HELLO)"
run_case unknown-type "unknown message type: ERROR BAD_FRAME and close"
run_case daemon-type-from-client "a daemon-only type (DATA) from a client: ERROR BAD_FRAME and close"
run_case reserved-flag "a reserved flag bit: ERROR BAD_FRAME and close"
run_case bad-version "HELLO with version 99 (unknown): ERROR BAD_VERSION and close"
run_case request-before-hello "LIST before HELLO: ERROR BAD_FRAME and close"
run_case malformed-payload "string field running past the payload: ERROR BAD_FRAME and close"
run_case nul-in-name "NUL inside a domain name: ERROR BAD_FRAME and close"
run_case second-hello "a second HELLO: ERROR UNKNOWN_REQUEST, connection still usable"
run_case garbage-after-hello "garbage after a valid HELLO: ERROR BAD_FRAME and close"
run_case input-outside-session "INPUT outside a session: ERROR UNKNOWN_REQUEST, connection usable"
run_case unknown-domain "ATTACH to an unknown domain: ERROR UNKNOWN_DOMAIN, connection usable"
before_in=$(xensim status g | sed -n 's/.*bytes_in=\([0-9]*\).*/\1/p')
run_case attach-readonly-input "INPUT in a read-only session: ERROR NOT_WRITER, session continues" g
after_in=$(xensim status g | sed -n 's/.*bytes_in=\([0-9]*\).*/\1/p')
check "read-only INPUT never reached the guest (bytes_in $before_in -> $after_in)" \
    test "$before_in" = "$after_in"
check "read-only INPUT is not in the console log" \
    bash -c "! grep -q 'ro-input-leak' '$LOGS/g.log'"

start=$(date +%s)
run_case rapid "1000 rapid connect/disconnects" 1000
echo "# 1000 connections took $(( $(date +%s) - start )) s"

# Clients that hold connections open while normal clients are served.
hold() { # hold CASE NAME: a holder that keeps its connection until released
    local out=$XENSIM_DIR/$2.out
    $RAW "$SOCK" "$1" "$XENSIM_DIR/$2.release" >"$out" 2>&1 &
    HOLDERS+=($!)
    wait_until 10 grep -q '^ready' "$out"
}
release() { # release NAME: let the holder go; wait for its verdict
    touch "$XENSIM_DIR/$1.release"
    wait_until 5 grep -q 'closed-by-daemon\|open' "$XENSIM_DIR/$1.out"
}
hold stall-after-hello stall1
check "half a frame after HELLO, stalled: the holder is connected" grep -q '^ready' "$XENSIM_DIR/stall1.out"
check "  ... while it stalls a normal client is served" normal_client_ok
hold stall-before-hello stall2
check "  ... and with half a HELLO stalled too" normal_client_ok
hold no-read-pipeline stall3
check "a client pipelining LIST without reading replies does not block others" normal_client_ok
sed 's/^/#   /' "$XENSIM_DIR/stall3.out"
memory_check "daemon memory stays bounded with a non-reading client (RSS < 64 MiB)" \
    test "$(awk '/VmRSS/ {print $2}' "/proc/$DPID/status")" -lt 65536
# The daemon drops a client that never completes HELLO (10 s timeout).
sleep 11
release stall2
check "a half HELLO that stalls is dropped by the daemon's HELLO timeout" \
    grep -q 'closed-by-daemon' "$XENSIM_DIR/stall2.out"
check "a silent client (no HELLO at all) is dropped by the timeout" \
    bash -c "$RAW '$SOCK' hello-timeout 15 >/dev/null"
release stall1
release stall3
check "  ... and a normal client is still served after the stalled clients left" normal_client_ok
wait "${HOLDERS[@]}" 2>/dev/null
HOLDERS=()

check "daemon still running after all the abuse" kill -0 "$DPID"
check "daemon fd count returns to its baseline ($BASE_FDS)" \
    wait_until 10 bash -c "[ \$(ls /proc/$DPID/fd | wc -l) -le $BASE_FDS ]"
echo "# daemon fds now: $(fd_count)"
check "no session is left behind (list shows 0 sessions on g)" \
    bash -c "'$XCMUX' -S '$SOCK' list --json | grep -q '\"sessions\": *0'"
kill -TERM "$DPID"
wait "$DPID"; rc=$?
check "daemon exits 0 on SIGTERM after the abuse" test "$rc" -eq 0
DPID=
check "no sanitizer or crash report on the daemon's stderr" \
    bash -c "! grep -qiE 'sanitizer|runtime error|segv|abort' '$ERR'"
finish
