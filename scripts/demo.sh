#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The demo: a simulated Xen host with a few guests, xcmuxd serving their
# consoles, and you attached to one of them. Detach with Ctrl-] then '.'.
# Everything is torn down when you detach. Without a terminal on stdin it
# runs a short scripted tour instead of attaching.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
bash scripts/deps.sh
bash scripts/build.sh

if [ -z "${XENSIM_DIR:-}" ]; then
    exec "$top/sim/xensim" run -- bash "$top/scripts/demo.sh" "$@"
fi

export XCMUX_SOCKET=$XENSIM_DIR/xcmux.sock
conf=$XENSIM_DIR/xcmuxd.conf
cat >"$conf" <<CONF
[global]
log_dir = $XENSIM_DIR/logs
replay = 64k

[domain:noisy]
; a chatty guest, held to 2 KB/s so it cannot swamp the host
rate = 2000
CONF

echo "== starting simulated guests"
xensim create web1 --echo >/dev/null
xensim create db1 --echo --every 5000 --line "db1: checkpoint complete" >/dev/null
xensim create noisy --flood 20000 >/dev/null
# A guest with a Windows-PV-driver-like hotkey handler (protocol/HOTKEYS.md).
xensim create win1 --xencons-debug >/dev/null
xensim list

echo "== starting xcmuxd (config $conf)"
"$top/daemon/xcmuxd" -f -c "$conf" -S "$XCMUX_SOCKET" 2>"$XENSIM_DIR/xcmuxd.log" &
daemon=$!
trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -S "$XCMUX_SOCKET" ] && break; sleep 0.05; done
sleep 0.3
"$top/client/xcmux" list

cat <<MSG

== You are about to attach to web1's console (a tiny shell: try 'uptime').
   Detach with Ctrl-] then '.'.  Ctrl-] then '?' lists the escape commands.

   To watch the same console from a second terminal (read-only viewer):
     XCMUX_SOCKET=$XCMUX_SOCKET $top/client/xcmux console -r web1
   To see who is attached:
     XCMUX_SOCKET=$XCMUX_SOCKET $top/client/xcmux who web1
   Hotkeys: win1 registers debug hotkeys. Attach to it and press Ctrl-] then
   'd' to make it dump its XENBUS_DEBUG callbacks, or from a shell:
     XCMUX_SOCKET=$XCMUX_SOCKET $top/client/xcmux hotkeys win1
     XCMUX_SOCKET=$XCMUX_SOCKET $top/client/xcmux trigger win1 d
   Logs: $XENSIM_DIR/logs/  (the host goes away when you detach)

MSG

if [ -t 0 ]; then
    "$top/client/xcmux" console web1 || true
else
    echo "== no terminal: a scripted tour"
    printf 'uptime\r' | "$top/client/xcmux" console web1
    echo "== a read-only viewer's view of the same console (replay):"
    "$top/client/xcmux" log web1 | tail -n 4
    echo "== win1's hotkeys, and one fired: the guest dumps its driver state"
    for _ in $(seq 50); do "$top/client/xcmux" hotkeys win1 2>/dev/null | grep -q . && break; sleep 0.1; done
    "$top/client/xcmux" hotkeys win1
    "$top/client/xcmux" trigger win1 d && echo "(acknowledged by the guest)"
    sleep 0.3
    "$top/client/xcmux" log win1 | grep -A3 "XEN|DEBUG: ====>" | head -n 8
    echo "== every console (noisy is held by its rate limit):"
    "$top/client/xcmux" list
    echo "== the log of web1:"
    tail -n 5 "$XENSIM_DIR/logs/web1.log"
fi
