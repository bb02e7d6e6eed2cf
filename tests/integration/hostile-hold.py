#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Hold many connections (or console sessions) to xcmuxd, as a hostile
local user would, for the lock-out tests (limits.sh).

    hostile-hold.py SOCKET COUNT [DOMAIN]

Opens COUNT connections, each completing HELLO; with DOMAIN each then
attaches to DOMAIN read-only (no replay) and never reads its output. It
prints one line "held H refused R" and, after a refusal, "reason: TEXT"
(the first ERROR text), then "ready", and holds everything until stdin
closes. It then prints "shed S" (connections the daemon closed while
held, after an ERROR or a DETACHED notice) and exits 0.

It raises its own RLIMIT_NOFILE soft limit to the hard limit; the caller
(root) raises the hard limit when COUNT needs it.
"""
import resource
import select
import socket
import struct
import sys

MAGIC = b"XC"
T_HELLO, T_ERROR, T_ATTACH, T_ATTACHED = 0x01, 0x02, 0x20, 0x21
TIMEOUT = 10.0


def frame(ftype, payload):
    return MAGIC + bytes([ftype, 0]) + struct.pack(">I", len(payload)) + payload


def pstr(s):
    b = s.encode()
    return struct.pack(">H", len(b)) + b


def recv_frame(s):
    """(type, payload) or None at EOF."""
    buf = b""
    while len(buf) < 8:
        chunk = s.recv(8 - len(buf))
        if not chunk:
            return None
        buf += chunk
    (n,) = struct.unpack(">I", buf[4:8])
    payload = b""
    while len(payload) < n:
        chunk = s.recv(n - len(payload))
        if not chunk:
            return None
        payload += chunk
    return buf[2], payload


def error_text(payload):
    (tlen,) = struct.unpack(">H", payload[3:5])
    return payload[5:5 + tlen].decode(errors="replace")


def main():
    path, count = sys.argv[1], int(sys.argv[2])
    domain = sys.argv[3] if len(sys.argv) > 3 else None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or hard > soft):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    held, refused, reason = [], 0, None
    for _ in range(count):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT)
        try:
            s.connect(path)
            s.sendall(frame(T_HELLO, struct.pack(">I", 1) + pstr("hostile 1")))
            f = recv_frame(s)
            if f and f[0] == T_HELLO and domain:
                s.sendall(frame(T_ATTACH, struct.pack(">IBBHI", 0, 0, 0, 256, 0) +
                                pstr(domain)))
                f = recv_frame(s)
                if f and f[0] != T_ATTACHED:
                    f = f if f[0] == T_ERROR else None
        except OSError as e:
            f = (0, None)
            reason = reason or str(e)
        if f and f[0] in (T_HELLO, T_ATTACHED):
            held.append(s)
            continue
        refused += 1
        if f and f[0] == T_ERROR and reason is None:
            reason = error_text(f[1])
        s.close()
    print("held %d refused %d" % (len(held), refused))
    if reason:
        print("reason: %s" % reason)
    print("ready", flush=True)
    # Hold until stdin closes; note connections the daemon ends.
    shed = set()
    fds = {s.fileno(): s for s in held}
    poller = select.poll()
    poller.register(sys.stdin.fileno(), select.POLLIN | select.POLLHUP)
    for fd in fds:
        # Attached sessions receive output we never read: watch for the
        # hang-up only, which a shed connection gets after its last frame.
        poller.register(fd, select.POLLRDHUP if hasattr(select, "POLLRDHUP") else 0x2000)
    done = False
    while not done:
        for fd, ev in poller.poll(1000):
            if fd == sys.stdin.fileno():
                if not sys.stdin.buffer.read1(4096):
                    done = True
                continue
            shed.add(fd)
            poller.unregister(fd)
    print("shed %d" % len(shed), flush=True)
    for s in held:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
