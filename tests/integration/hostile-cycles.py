#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Connect/disconnect churn for tests/integration/faults.sh.

    hostile-cycles.py SOCKET COUNT [SECONDS]

COUNT times: connect, HELLO, wait for the daemon's HELLO, LIST, read to
the END of the list, close. Frames are built by hand from
protocol/PROTOCOL.md. Prints "cycles=N entries=E seconds=S" and exits 0
when all COUNT cycles completed within SECONDS (default 60), 1 otherwise.
"""
import socket
import struct
import sys
import time

T_HELLO, T_ERROR, T_END, T_LIST, T_LIST_ENTRY = 0x01, 0x02, 0x03, 0x10, 0x11


def frame(ftype, payload=b""):
    return b"XC" + bytes([ftype, 0]) + struct.pack(">I", len(payload)) + payload


HELLO = frame(T_HELLO, struct.pack(">I", 1) + struct.pack(">H", 11) + b"cycles/1.0 ")
LIST = frame(T_LIST)


def frames(sock, buf):
    """Yield (type, payload) as they arrive; stops at EOF."""
    while True:
        while len(buf) >= 8:
            if buf[:2] != b"XC":
                raise ValueError("bad magic from daemon")
            n = struct.unpack(">I", buf[4:8])[0]
            if len(buf) < 8 + n:
                break
            t, p = buf[2], buf[8:8 + n]
            del buf[:8 + n]
            yield t, p
        chunk = sock.recv(65536)
        if not chunk:
            return
        buf += chunk


def cycle(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(path)
        s.sendall(HELLO + LIST)
        entries = 0
        got_hello = False
        for t, _ in frames(s, bytearray()):
            if t == T_HELLO:
                got_hello = True
            elif t == T_LIST_ENTRY:
                entries += 1
            elif t == T_END and got_hello:
                return entries
            elif t == T_ERROR:
                raise RuntimeError("daemon answered ERROR")
        raise RuntimeError("connection closed before END")
    finally:
        s.close()


def main():
    path, count = sys.argv[1], int(sys.argv[2])
    limit = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
    start = time.monotonic()
    done = entries = 0
    try:
        while done < count and time.monotonic() - start < limit:
            entries += cycle(path)
            done += 1
    except (OSError, RuntimeError, ValueError) as e:
        print("cycle %d failed: %s" % (done + 1, e))
    secs = time.monotonic() - start
    print("cycles=%d entries=%d seconds=%.2f" % (done, entries, secs))
    return 0 if done == count else 1


if __name__ == "__main__":
    sys.exit(main())
