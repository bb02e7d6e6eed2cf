# SPDX-License-Identifier: GPL-2.0-or-later
# console-server-lib.sh — for the tests of a console server (conserver,
# ConMan) that serves xcmux consoles (README "Console servers"). Sourced
# after lib.sh, in_host and itest1-lib.sh; it owns the EXIT trap.
#
#   server_host NAME CMD...   fails the test unless every CMD is installed;
#                             SRV=$XD/NAME; xcmuxd (log off) serves guest
#                             web1 (echo, boot text "web1-boot-text");
#                             PORT is a free loopback port; the EXIT trap
#                             also kills $SRV_PID
#   client_saw WHO OUT TYPED  the server's client (transcript OUT) saw the
#                             guest's prompt and the echo of what it typed
#                             (TYPED), which the guest got (xcmux log), and
#                             the server's log $SRV/web1.log has the boot text

server_host() {
    local name=$1 cmd; shift
    for cmd in "$@"; do
        command -v "$cmd" >/dev/null && continue
        bad "$cmd is installed (scripts/deps.sh --test)"
        finish; exit
    done
    SRV=$XD/$name
    SRV_PID=
    mkdir -p "$SRV"
    trap '{ [ -n "$SRV_PID" ] && kill "$SRV_PID"; itest1_cleanup; } 2>/dev/null' EXIT
    start_xcmuxd "[global]
log = off"
    xensim create web1 --echo --say "web1-boot-text" >/dev/null
    wait_until 10 bash -c "'$XCMUX' -S '$XD/sock' list | grep -q ' web1 '"
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
}

client_saw() {
    local who=$1 out=$2 typed=$3
    check "$who sees the guest's output (its prompt)" grep -q "web1:~#" "$out"
    check "what $who types reaches the guest and echoes back" grep -q "$typed" "$out"
    check "the guest saw the input (xcmux log has the echo)" \
        bash -c "'$XCMUX' -S '$XD/sock' log web1 | grep -q '$typed'"
    check "the server's console log has the guest's boot text" \
        wait_until 5 grep -q "web1-boot-text" "$SRV/web1.log"
}
