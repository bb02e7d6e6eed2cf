#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `xl console` compatibility: Debian's own console client (xenconsole,
# which `xl console` execs) attaches through the pty xcmuxd publishes in
# console/tty, sees recent and live output and types into the guest,
# while an xcmux session on the same console sees the same. libvirt's
# expectations: the tty node exists, and the pty survives a reader
# leaving (open, close, reopen: still carries output and input).
. "$(dirname "$0")/lib.sh"
in_host "$@"
. "$top_srcdir/tests/integration/host-lib.sh"

XENCONSOLE=$XEN_BINDIR/xenconsole
[ -x "$XENCONSOLE" ] || skip_all "$XENCONSOLE missing (apt-get install xen-utils-4.17)"
command -v script >/dev/null || skip_all "script(1) missing (apt-get install bsdutils)"

start_xcmuxd "[global]
timestamps = off"
id=$(xensim create xl1 --echo --say "xl1-boot-marker" --every 300 --line "xl1-tick")
check "console/tty published" wait_until 10 xs_read "/local/domain/$id/console/tty"
tty=$(xs_read "/local/domain/$id/console/tty")
check "console/tty is a pty ($tty)" test -c "$tty"

# An xcmux session watching the same console (pipe mode, read-only).
mkfifo "$HD/watch.in"
exec {hold}<>"$HD/watch.in"
# (Not through bg: a background command's stdin is /dev/null unless the
# command itself redirects it.)
"$XCMUX" -S "$HD/sock" console -r xl1 <"$HD/watch.in" >"$HD/watch.out" 2>"$HD/watch.err" &
watch=$!
HOST_PIDS+=("$watch")
check "xcmux watcher attached" wait_until 5 grep -q "xl1-tick" "$HD/watch.out"

# xenconsole on a tty (script), typing into the guest after it attached.
out=$HD/xenconsole.out
( sleep 1.5; printf 'echo typed-by-xenconsole-42\r'; sleep 2.5 ) |
    timeout 6 script -qfec "$XENCONSOLE --type pv $id" /dev/null >"$out" 2>&1
check "xenconsole shows recent output (boot text, queued in the pty)" grep -q "xl1-boot-marker" "$out"
check "xenconsole shows live output" grep -q "xl1-tick" "$out"
check "xenconsole's input reaches the guest (its echo comes back)" \
    grep -q "^typed-by-xenconsole-42" <(tr -d '\r' <"$out")
check "the xcmux session sees what was typed through xenconsole" \
    wait_until 5 grep -q "typed-by-xenconsole-42" "$HD/watch.out"
check "xenconsole's session is in the log too" \
    wait_until 5 file_has "$HD/logs/xl1.log" "typed-by-xenconsole-42"

# Typing in xcmux shows in a second xenconsole.
kill "$watch" 2>/dev/null
exec {hold}>&-
( sleep 1; printf 'echo from-xcmux-77\r' | XCMUX_LINGER_MS=500 "$XCMUX" -S "$HD/sock" console xl1 >/dev/null 2>&1; sleep 1.5 ) &
typer=$!
timeout 4 script -qfec "$XENCONSOLE --type pv $id" /dev/null </dev/null >"$HD/xc2.out" 2>&1
wait "$typer"
check "xenconsole sees what an xcmux session typed" grep -q "from-xcmux-77" "$HD/xc2.out"

# libvirt: open, close, reopen the same path; it keeps working.
check "pty open #1 reads live output" $PTYIO "$tty" --expect "xl1-tick" --timeout 5
check "pty open #2 (after close) reads live output" $PTYIO "$tty" --expect "xl1-tick" --timeout 5
check "pty open #3 (after close) carries input and its echo" \
    $PTYIO "$tty" --send 'echo after-reopen-9\r' --expect 'after-reopen-9' --timeout 5
check "console/tty unchanged across readers" test "$(xs_read "/local/domain/$id/console/tty")" = "$tty"
check "daemon still running" kill -0 "$XCMUXD_PID"
finish
