#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Raw xcmux protocol client for the protocol-abuse integration test.

Speaks protocol/PROTOCOL.md byte by byte (no use of the project's codec,
so encoder bugs cannot hide decoder bugs) and runs one abuse CASE against
the daemon socket:

    rawclient.py SOCKET CASE [ARG]

It prints what happened and exits 0 when the daemon reacted as the
protocol says (the right ERROR where one is specified, then a close where
one is specified), 1 otherwise. Cases that leave a connection open on
purpose (stall-*, no-read-pipeline) print "ready" and hold it until the
file named by ARG exists, then print whether the daemon closed it.
"""
import os
import socket
import struct
import sys
import time

MAGIC = b"XC"
T_HELLO, T_ERROR, T_END = 0x01, 0x02, 0x03
T_LIST, T_LIST_ENTRY = 0x10, 0x11
T_ATTACH, T_ATTACHED, T_INPUT, T_DATA, T_NOTICE, T_DETACH = 0x20, 0x21, 0x22, 0x23, 0x24, 0x25
T_WHO = 0x30
E_BAD_FRAME, E_BAD_VERSION, E_UNKNOWN_DOMAIN = 1, 2, 3
E_UNKNOWN_REQUEST, E_LIMIT = 8, 9
MAX_PAYLOAD = 65536
TIMEOUT = 5.0


def frame(ftype, payload=b"", flags=0, length=None):
    n = len(payload) if length is None else length
    return MAGIC + bytes([ftype, flags]) + struct.pack(">I", n) + payload


def pstr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack(">H", len(b)) + b


def hello(version=1):
    return frame(T_HELLO, struct.pack(">I", version) + pstr("rawclient 1"))


def attach(domain, mode=0, replay=0xFFFFFFFF):
    return frame(T_ATTACH, struct.pack(">IBBHI", 0, mode, 0, 256, replay) + pstr(domain))


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(TIMEOUT)
        self.s.connect(path)
        self.buf = b""
        self.eof = False

    def send(self, data):
        self.s.sendall(data)

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no answer from the daemon")
        self.s.settimeout(left)
        try:
            chunk = self.s.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.eof = True
        self.buf += chunk

    def recv_frame(self, timeout=TIMEOUT):
        """Next frame as (type, flags, payload), or None at EOF."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 8:
                if self.buf[:2] != MAGIC:
                    raise ValueError("daemon sent bad magic %r" % self.buf[:8])
                (n,) = struct.unpack(">I", self.buf[4:8])
                if n > MAX_PAYLOAD:
                    raise ValueError("daemon sent oversized frame %d" % n)
                if len(self.buf) >= 8 + n:
                    f = (self.buf[2], self.buf[3], self.buf[8:8 + n])
                    self.buf = self.buf[8 + n:]
                    return f
            if self.eof:
                if self.buf:
                    raise ValueError("daemon closed mid-frame")
                return None
            self._fill(deadline)

    def closed_within(self, timeout=TIMEOUT):
        """True when the daemon closes the connection (after any frames)."""
        try:
            while self.recv_frame(timeout) is not None:
                pass
            return True
        except (TimeoutError, socket.timeout):
            return False

    def handshake(self):
        self.send(hello())
        f = self.recv_frame()
        if not f or f[0] != T_HELLO:
            raise ValueError("no HELLO from the daemon: %r" % (f,))
        (ver,) = struct.unpack(">I", f[2][:4])
        if ver != 1:
            raise ValueError("daemon HELLO version %d" % ver)


def parse_error(payload):
    code, req = struct.unpack(">HB", payload[:3])
    (tlen,) = struct.unpack(">H", payload[3:5])
    return code, req, payload[5:5 + tlen].decode(errors="replace")


def expect_error_then_close(c, code, what):
    f = c.recv_frame()
    if f is None or f[0] != T_ERROR:
        print("FAIL %s: expected ERROR %d, got %r" % (what, code, f))
        return False
    got, req, text = parse_error(f[2])
    print("%s: ERROR %d (request 0x%02x) %s" % (what, got, req, text))
    if got != code:
        print("FAIL %s: expected code %d" % (what, code))
        return False
    if not c.closed_within():
        print("FAIL %s: connection not closed after the error" % what)
        return False
    return True


def expect_error_stays_open(c, code, what):
    f = c.recv_frame()
    if f is None or f[0] != T_ERROR:
        print("FAIL %s: expected ERROR %d, got %r" % (what, code, f))
        return False
    got, _, text = parse_error(f[2])
    print("%s: ERROR %d %s" % (what, got, text))
    if got != code:
        print("FAIL %s: expected code %d" % (what, code))
        return False
    return list_works(c, what + " then LIST on the same connection")


def list_works(c, what):
    c.send(frame(T_LIST))
    entries = 0
    while True:
        f = c.recv_frame()
        if f is None:
            print("FAIL %s: connection closed" % what)
            return False
        if f[0] == T_LIST_ENTRY:
            entries += 1
        elif f[0] == T_END:
            print("%s: %d entries" % (what, entries))
            return True
        else:
            print("FAIL %s: unexpected frame type 0x%02x" % (what, f[0]))
            return False


def hold_until_released(c, release):
    print("ready", flush=True)
    while not os.path.exists(release):
        time.sleep(0.05)
    # Report whether the daemon closed us meanwhile (it may, before HELLO).
    c.s.setblocking(False)
    try:
        data = c.s.recv(65536)
        print("closed-by-daemon" if data == b"" else "open (got %d bytes)" % len(data))
    except BlockingIOError:
        print("open")
    except ConnectionResetError:
        print("closed-by-daemon")
    return True


def case(path, name, arg):
    c = Conn(path)
    if name == "bad-magic":
        c.send(b"ZZ" + bytes([T_HELLO, 0]) + struct.pack(">I", 0))
        return expect_error_then_close(c, E_BAD_FRAME, name)
    if name == "bad-magic-after-hello":
        c.handshake()
        c.send(b"X!" + b"\0" * 6)
        return expect_error_then_close(c, E_BAD_FRAME, name)
    if name == "oversized":
        c.handshake()
        c.send(frame(T_INPUT, length=MAX_PAYLOAD + 1))
        return expect_error_then_close(c, E_LIMIT, name)
    if name == "oversized-first":
        c.send(frame(T_HELLO, length=0xFFFFFFFF))
        return expect_error_then_close(c, E_LIMIT, name)
    if name == "max-payload-ok":
        # Exactly XCMUX_MAX_PAYLOAD is legal: INPUT outside a session is
        # refused as a request, not as a framing error.
        c.handshake()
        c.send(frame(T_INPUT, b"a" * MAX_PAYLOAD))
        return expect_error_stays_open(c, E_UNKNOWN_REQUEST, name)
    if name == "truncated-close":
        c.send(frame(T_HELLO, length=40) + b"\0\0\0\1")
        c.s.close()
        print("%s: sent 12 of 48 bytes and closed" % name)
        return True
    if name == "truncated-close-after-hello":
        c.handshake()
        c.send(attach("x")[:13])
        c.s.close()
        print("%s: sent a partial ATTACH and closed" % name)
        return True
    if name == "unknown-type":
        c.handshake()
        c.send(frame(0x7E, b"abc"))
        return expect_error_then_close(c, E_BAD_FRAME, name)
    if name == "daemon-type-from-client":
        c.handshake()
        c.send(frame(T_DATA, b"not yours"))
        return expect_error_then_close(c, E_BAD_FRAME, name)
    if name == "reserved-flag":
        c.handshake()
        c.send(frame(T_LIST, flags=0x80))
        return expect_error_then_close(c, E_BAD_FRAME, name)
    if name == "bad-version":
        c.send(hello(version=99))
        return expect_error_then_close(c, E_BAD_VERSION, name)
    if name == "request-before-hello":
        c.send(frame(T_LIST))
        return expect_error_then_close(c, E_BAD_FRAME, name)
    if name == "malformed-payload":
        c.handshake()
        # WHO whose domain string (length 20, under the 64 limit) runs
        # past the end of the payload.
        c.send(frame(T_WHO, struct.pack(">I", 0) + struct.pack(">H", 20) + b"ab"))
        return expect_error_then_close(c, E_BAD_FRAME, name)
    if name == "nul-in-name":
        c.handshake()
        c.send(attach("g\0evil"))
        return expect_error_then_close(c, E_BAD_FRAME, name)
    if name == "second-hello":
        c.handshake()
        c.send(hello())
        return expect_error_stays_open(c, E_UNKNOWN_REQUEST, name)
    if name == "garbage-after-hello":
        c.handshake()
        c.send(bytes((i * 37 + 11) & 0xFF for i in range(4096)))
        return expect_error_then_close(c, E_BAD_FRAME, name)
    if name == "input-outside-session":
        c.handshake()
        c.send(frame(T_INPUT, b"ls\r"))
        return expect_error_stays_open(c, E_UNKNOWN_REQUEST, name)
    if name == "unknown-domain":
        c.handshake()
        c.send(attach("no-such-guest"))
        return expect_error_stays_open(c, E_UNKNOWN_DOMAIN, name)
    if name == "attach-readonly-input":
        # A read-only session's INPUT is refused with NOT_WRITER (5) and
        # never reaches the guest; the session continues.
        c.handshake()
        c.send(attach(arg, mode=0, replay=0))
        while True:
            f = c.recv_frame()
            if f is None:
                print("FAIL %s: closed before ATTACHED" % name)
                return False
            if f[0] == T_ATTACHED:
                break
        c.send(frame(T_INPUT, b"echo ro-input-leak\r"))
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            f = c.recv_frame()
            if f is None:
                print("FAIL %s: closed" % name)
                return False
            if f[0] == T_ERROR:
                code, req, text = parse_error(f[2])
                print("%s: ERROR %d (request 0x%02x) %s" % (name, code, req, text))
                if code != 5 or req != T_INPUT:
                    return False
                c.send(frame(T_DETACH))
                return c.closed_within()
        print("FAIL %s: no NOT_WRITER error" % name)
        return False
    if name == "rapid":
        c.s.close()
        n = int(arg or "1000")
        for i in range(n):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            if i % 3 == 1:
                s.send(hello())
            elif i % 3 == 2:
                s.send(hello() + frame(T_LIST))
            s.close()
        print("%s: %d connect/disconnect cycles" % (name, n))
        return True
    if name == "no-read-pipeline":
        # Pipelines LIST requests without ever reading the replies. The
        # daemon must stop reading from us rather than queue without bound.
        c.handshake()
        c.s.setblocking(False)
        sent = 0
        req = frame(T_LIST) * 256
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            try:
                sent += c.s.send(req)
            except BlockingIOError:
                time.sleep(0.01)
        print("%s: pushed %d bytes of LIST requests before the socket filled" % (name, sent))
        return hold_until_released(c, arg)
    if name == "stall-before-hello":
        c.send(hello()[:5])
        return hold_until_released(c, arg)
    if name == "stall-after-hello":
        c.handshake()
        c.send(attach("g")[:11])
        return hold_until_released(c, arg)
    if name == "hello-timeout":
        # Connects and says nothing: the daemon drops silent clients.
        ok = c.closed_within(timeout=float(arg or "15"))
        print("%s: %s" % (name, "closed by the daemon" if ok else "still open"))
        return ok
    print("unknown case %s" % name)
    return False


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    try:
        return 0 if case(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None) else 1
    except (OSError, ValueError, TimeoutError) as e:
        print("FAIL %s: %s" % (sys.argv[2], e))
        return 1


if __name__ == "__main__":
    sys.exit(main())
