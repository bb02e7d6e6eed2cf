#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Counters tell the truth while clients are stalled, with real distinct
# uids: two users attach to a flooding guest and never read. While they
# are stalled (not only once they read again):
#  - `xcmux who` shows, per session, the bytes it is behind (buffer plus
#    socket queue) and the bytes it has been moved past, both growing;
#  - `xcmux list` DROPPED and BEHIND, and `list --json` dropped_client and
#    behind, show the same;
#  - a client speaking protocol version 1 still gets version 1 frames
#    (no BEHIND column).
. "$(dirname "$0")/lib.sh"
in_host "$@"
. "$(dirname "$0")/own-daemon-lib.sh"

U1=xcmuxtest1 U2=xcmuxtest2
need_users $U1 $U2
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "# SKIP: $PY not found"; exit 77; }
public_dir ct
X() { "$XCMUX" -S "$SOCK" "$@"; }
hold() { holder "$1" "$2" 1 flood; } # hold NAME USER: one session on flood that never reads
printf '[global]\nsocket_mode = 0666\nsocket_group = none\nread = %s %s\nbuffer_size = 64k\n' \
    "$U1" "$U2" >"$CONF"
daemon_start
xensim create flood --flood 2000000 >/dev/null
wait_until 10 bash -c "'$XCMUX' -S '$SOCK' list | grep -q ' flood .*running'"
hold h1 $U1
hold h2 $U2
# who columns: USER UID PID MODE WRITER SINCE(date time) BYTES BEHIND DROPPED
who_col() { X who flood | awk -v u="$1" -v c="$2" '$1 == u { print $c }'; }
# Both stalled: their socket fills, then the buffer overwrites them.
wait_until 20 bash -c "[ \"\$('$XCMUX' -S '$SOCK' who flood | awk '\$1 == \"$U2\" { print \$10 }')\" -gt 0 ] 2>/dev/null"
X who flood | sed 's/^/#   /'
b1=$(who_col $U1 9) d1=$(who_col $U1 10) b2=$(who_col $U2 9) d2=$(who_col $U2 10)
check "who: BEHIND and DROPPED columns are shown" bash -c "'$XCMUX' -S '$SOCK' who flood | head -1 | grep -q 'BEHIND *DROPPED'"
check "who: $U1 stalled is behind ($b1 bytes) and moved past ($d1 bytes)" \
    bash -c "[ '$b1' -gt 65536 ] && [ '$d1' -gt 0 ]"
check "who: $U2 stalled is behind ($b2 bytes) and moved past ($d2 bytes)" \
    bash -c "[ '$b2' -gt 65536 ] && [ '$d2' -gt 0 ]"
sleep 1
d1b=$(who_col $U1 10)
check "who: ... DROPPED keeps growing while it stays stalled ($d1 -> $d1b)" test "$d1b" -gt "$d1"
# list: ID CON NAME STATE SESS WRITER BYTES DROPPED BEHIND TTY
X list | sed 's/^/#   /'
ld=$(X list | awk '$3 == "flood" { print $8 }')
lb=$(X list | awk '$3 == "flood" { print $9 }')
check "list: DROPPED counts the stalled clients' overrun now ($ld >= $d1b)" test "$ld" -ge "$d1b"
check "list: BEHIND shows the slowest session ($lb > 65536)" test "$lb" -gt 65536
json=$(X list --json)
check "list --json: dropped_client and behind" \
    "$PY" -c "import json,sys; c=[c for c in json.loads(sys.argv[1]) if c['name']=='flood'][0]; sys.exit(0 if c['dropped_client'] > 0 and c['behind'] > 65536 else 1)" "$json"
# A version 1 client (the raw one) gets version 1 entries: no trailing fields.
check "a version 1 client still decodes LIST (no version 2 fields sent to it)" \
    "$PY" - "$SOCK" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
def frame(t, p): return b"XC" + bytes([t, 0]) + struct.pack(">I", len(p)) + p
def recv():
    h = b""
    while len(h) < 8: h += s.recv(8 - len(h))
    n = struct.unpack(">I", h[4:8])[0]; p = b""
    while len(p) < n: p += s.recv(n - len(p))
    return h[2], p
s.sendall(frame(1, struct.pack(">I", 1) + struct.pack(">H", 2) + b"v1"))
t, p = recv(); assert t == 1 and struct.unpack(">I", p[:4])[0] == 1, (t, p)
s.sendall(frame(0x10, b""))
t, p = recv(); assert t == 0x11, t
off = 4 + 4 + 1 + 1 + 4 + 8 * 4
for _ in range(2):
    n = struct.unpack(">H", p[off:off + 2])[0]; off += 2 + n
sys.exit(0 if off == len(p) else 1)
EOF

check "daemon still running" kill -0 "$DPID"
daemon_stop
check "no sanitizer or crash report on the daemon's stderr" \
    bash -c "! grep -qiE 'sanitizer|runtime error|segv' '$ERR'"
finish
