#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A raw HTTP and WebSocket client for xcmux-web's tests (stdlib only).

As a module: Http (one request per connection) and Ws (RFC 6455 client
frames, masking and all, plus the means to break every rule on purpose).
As a program: `wsclient.py proto ...` runs the protocol scenario of
tests/integration/web-proto.sh and prints TAP-style "ok -"/"not ok -"
lines (protocol/WEB.md is what it checks).
"""
import argparse
import base64
import hashlib
import json
import os
import re
import select
import socket
import ssl
import struct
import subprocess
import sys
import time
import urllib.parse

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Http:
    def __init__(self, port, host="127.0.0.1", tls=None):
        self.port, self.host, self.tls = port, host, tls

    def request(self, method, path, headers=None, body=b"", raw=None, timeout=15):
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        if self.tls:
            s = self.tls.wrap_socket(s, server_hostname=self.host)
        try:
            if raw is None:
                h = {"Host": "%s:%d" % (self.host, self.port), "Connection": "close"}
                h.update(headers or {})
                if body or method == "POST":
                    h["Content-Length"] = str(len(body))
                raw = ("%s %s HTTP/1.1\r\n" % (method, path)).encode()
                raw += b"".join(("%s: %s\r\n" % kv).encode() for kv in h.items())
                raw += b"\r\n" + body
            s.sendall(raw)
            data = b""
            while True:
                try:
                    c = s.recv(65536)
                except (ConnectionResetError, socket.timeout):
                    break
                if not c:
                    break
                data += c
        finally:
            s.close()
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.1 (\d+)", lines[0]) if lines else None
        status = int(m.group(1)) if m else 0
        hdrs = []
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            hdrs.append((k.strip().lower(), v.strip()))
        return status, hdrs, rest


def header(hdrs, name):
    return [v for k, v in hdrs if k == name.lower()]


class Closed(Exception):
    pass


class Ws:
    """One WebSocket. recv_frame() returns (opcode, payload)."""

    def __init__(self, port, cookie=None, origin=None, host="127.0.0.1", protocols="xcmux.v1",
                 rcvbuf=None, tls=None):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            # A small window: a browser that does not read fills up fast.
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.settimeout(20)
        self.s.connect((host, port))
        if tls:
            self.s = tls.wrap_socket(self.s, server_hostname=host)
        self.buf = b""
        key = base64.b64encode(os.urandom(16)).decode()
        hosthdr = "%s:%d" % (host, port)
        origin = origin if origin is not None else ("https://" if tls else "http://") + hosthdr
        req = ("GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n" % (hosthdr, key))
        if origin:
            req += "Origin: %s\r\n" % origin
        if protocols:
            req += "Sec-WebSocket-Protocol: %s\r\n" % protocols
        if cookie:
            req += "Cookie: xcmux_session=%s\r\n" % cookie
        self.s.sendall((req + "\r\n").encode())
        while b"\r\n\r\n" not in self.buf:
            c = self.s.recv(4096)
            if not c:
                break
            self.buf += c
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.1 (\d+)", lines[0]) if lines and lines[0] else None
        self.status = int(m.group(1)) if m else 0
        self.headers = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            self.headers[k.strip().lower()] = v.strip()
        want = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
        self.accept_ok = self.headers.get("sec-websocket-accept") == want
        self.close_code = None
        self.received = bytearray()  # every binary payload, in order

    # -- sending --
    def send_frame(self, op, payload=b"", fin=True, mask=True, rsv=0, length=None):
        n = len(payload) if length is None else length
        b0 = (0x80 if fin else 0) | (rsv << 4) | op
        m = 0x80 if mask else 0
        if n < 126:
            h = struct.pack("!BB", b0, m | n)
        elif n <= 0xFFFF:
            h = struct.pack("!BBH", b0, m | 126, n)
        else:
            h = struct.pack("!BBQ", b0, m | 127, n)
        if mask:
            k = os.urandom(4)
            payload = bytes(b ^ k[i & 3] for i, b in enumerate(payload))
            h += k
        self.s.sendall(h + payload)

    def send_json(self, obj):
        self.send_frame(1, json.dumps(obj).encode())

    def send_input(self, data):
        self.send_frame(2, data)

    def send_raw(self, data):
        self.s.sendall(data)

    # -- receiving --
    def _need(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("timed out")
            pending = self.s.pending() if isinstance(self.s, ssl.SSLSocket) else 0
            if not pending:
                r, _, _ = select.select([self.s], [], [], left)
                if not r:
                    continue
            try:
                c = self.s.recv(65536)
            except (ConnectionResetError, ssl.SSLEOFError):
                c = b""  # TLS: the gateway closed without close_notify
            if not c:
                raise Closed("connection closed")
            self.buf += c

    def recv_frame(self, timeout=15):
        deadline = time.monotonic() + timeout
        self._need(2, deadline)
        b0, b1 = self.buf[0], self.buf[1]
        if b1 & 0x80:
            raise ValueError("server frame is masked")
        n, off = b1 & 0x7F, 2
        if n == 126:
            self._need(4, deadline)
            n, off = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            self._need(10, deadline)
            n, off = struct.unpack("!Q", self.buf[2:10])[0], 10
        self._need(off + n, deadline)
        p = bytes(self.buf[off:off + n])
        self.buf = self.buf[off + n:]
        op = b0 & 0x0F
        if op == 8:
            self.close_code = struct.unpack("!H", p[:2])[0] if len(p) >= 2 else 1005
        if op == 2:
            self.received += p
        if op == 9:
            try:
                self.send_frame(10, p)
            except OSError:
                pass  # a late reader: the gateway may have closed already
        return op, p

    def recv_json(self, want_type=None, timeout=15):
        """The next text message (of type want_type), binary frames kept."""
        deadline = time.monotonic() + timeout
        while True:
            op, p = self.recv_frame(max(0.01, deadline - time.monotonic()))
            if op == 8:
                raise Closed("closed with %s" % self.close_code)
            if op == 1:
                m = json.loads(p.decode())
                if want_type is None or m.get("type") == want_type:
                    return m

    def wait_output(self, needle, timeout=15):
        deadline = time.monotonic() + timeout
        while needle not in self.received:
            op, p = self.recv_frame(max(0.01, deadline - time.monotonic()))
            if op == 8:
                raise Closed("closed with %s" % self.close_code)
        return True

    def wait_close(self, timeout=15):
        """The close code the server sent, then EOF; None if none came."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                op, p = self.recv_frame(max(0.01, deadline - time.monotonic()))
                if op == 8:
                    break
        except (Closed, TimeoutError):
            return self.close_code
        # After its close frame the server ends the TCP stream.
        try:
            self._need(len(self.buf) + 1, deadline)
            self.eof_after_close = False
        except Closed:
            self.eof_after_close = True
        except TimeoutError:
            self.eof_after_close = False
        return self.close_code

    def alive_for(self, seconds):
        """Reads (answering pings) for that long; False if it was closed."""
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                try:
                    op, _ = self.recv_frame(max(0.01, deadline - time.monotonic()))
                except TimeoutError:
                    break
                if op == 8:
                    return False
        except Closed:
            return False
        return True

    def close(self):
        self.s.close()


# ---------------------------------------------------------------------
# The scenario of web-proto.sh
# ---------------------------------------------------------------------
PASS = FAIL = 0


def check(what, cond):
    global PASS, FAIL
    if cond:
        PASS += 1
        print("ok - " + what, flush=True)
    else:
        FAIL += 1
        print("not ok - " + what, flush=True)
    return cond


def login(http, user, password):
    body = urllib.parse.urlencode({"user": user, "password": password}).encode()
    return http.request("POST", "/login", {
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": "http://127.0.0.1:%d" % http.port}, body)


def proto(a):
    http = Http(a.port)
    origin = "http://127.0.0.1:%d" % a.port

    # ---- login ----
    st, h, _ = login(http, a.user, "wrong-" + a.password)
    check("bad password: 401 (got %d)" % st, st == 401)
    check("bad password: no cookie", not header(h, "set-cookie"))
    st, h, _ = login(http, "no-such-user-x", a.password)
    check("unknown user: 401 (got %d)" % st, st == 401)
    st, h, _ = http.request("GET", "/whoami")
    check("whoami without a cookie: 401 (got %d)" % st, st == 401)
    w = Ws(a.port, cookie=None)
    check("/ws without a cookie: 401 (got %d)" % w.status, w.status == 401)
    w.close()
    w = Ws(a.port, cookie="0" * 64)
    check("/ws with an unknown session: 401 (got %d)" % w.status, w.status == 401)
    w.close()

    st, h, _ = login(http, a.user, a.password)
    cookies = header(h, "set-cookie")
    check("good password: 204 (got %d)" % st, st == 204)
    m = re.match(r"xcmux_session=([0-9a-f]{64}); HttpOnly; SameSite=Strict; Path=/$",
                 cookies[0] if cookies else "")
    check("the session cookie: 64 hex, HttpOnly, SameSite=Strict (%s)" % cookies, m)
    if not m:
        return
    tok = m.group(1)
    st, _, body = http.request("GET", "/whoami", {"Cookie": "xcmux_session=" + tok})
    check("whoami: 200 %s" % body, st == 200 and json.loads(body) == {"user": a.user})

    w = Ws(a.port, cookie=tok, origin="http://evil.example:%d" % a.port)
    check("/ws from a foreign Origin: 403 (got %d)" % w.status, w.status == 403)
    w.close()
    w = Ws(a.port, cookie=tok, origin="")
    check("/ws without an Origin: 403 (got %d)" % w.status, w.status == 403)
    w.close()

    # ---- the page and nothing else ----
    if a.static_ok:
        st, h, body = http.request("GET", "/")
        check("GET /: 200 text/html", st == 200 and
              header(h, "content-type") == ["text/html; charset=utf-8"] and body)
    for bad in ("/static/../../../../etc/passwd", "/etc/passwd", "/static/vendor/../app.js",
                "/index.html"):
        st, _, _ = http.request("GET", bad)
        check("GET %s: 404 (got %d)" % (bad, st), st == 404)
    st, _, _ = http.request("GET", "/", raw=b"GET / HTTP/1.1\r\nHost: x\r\n" +
                            b"X-Pad: " + b"a" * 9000 + b"\r\n\r\n")
    check("a head over 8192 bytes: 431 (got %d)" % st, st == 431)
    st, _, _ = http.request("POST", "/login", {
        "Content-Type": "application/x-www-form-urlencoded"}, b"u" * 5000)
    check("a body over 4096 bytes: 413 (got %d)" % st, st == 413)

    # ---- A: attach rw, type, see the echo ----
    A = Ws(a.port, cookie=tok)
    check("A: 101 with the right Sec-WebSocket-Accept and xcmux.v1",
          A.status == 101 and A.accept_ok and
          A.headers.get("sec-websocket-protocol") == "xcmux.v1")
    A.send_json({"type": "list"})
    ls = A.recv_json("list")
    names = [c.get("name") for c in ls.get("consoles", [])]
    check("A: list names %s (%s)" % (a.console, names), a.console in names)
    ent = [c for c in ls["consoles"] if c.get("name") == a.console]
    check("A: list entry has domid, console, state, writer, sessions",
          ent and set(ent[0]) >= {"domid", "console", "state", "writer", "sessions"}
          and ent[0]["state"] == "running")
    A.send_json({"type": "attach", "console": a.console, "mode": "rw", "replay": 0,
                 "follow": True})
    at = A.recv_json("attached")
    check("A: attached rw with the seat (%s)" % at,
          at.get("name") == a.console and at.get("mode") == "rw" and at.get("writer") is True)
    A.send_json({"type": "attach", "console": a.console, "mode": "ro"})
    er = A.recv_json("error")
    check("A: a second attach is refused (%s)" % er, er.get("code") == "GATEWAY")
    A.send_input(b"echo mark-A1\r")
    try:
        A.wait_output(b"mark-A1\r\n")
        got = True
    except Exception as e:
        got = False
        print("# A: %s; got %r" % (e, bytes(A.received[-200:])))
    check("A: the guest's echo arrives in binary frames", got)

    # ---- B: ro, NOT_WRITER, who ----
    B = Ws(a.port, cookie=tok)
    B.send_json({"type": "attach", "console": a.console, "mode": "ro", "replay": 0})
    bt = B.recv_json("attached")
    check("B: attached ro without the seat (%s)" % bt,
          bt.get("mode") == "ro" and bt.get("writer") is False)
    B.send_input(b"echo from-B\r")
    er = B.recv_json("error")
    check("B: typing read-only gets NOT_WRITER (%s)" % er, er.get("code") == "NOT_WRITER")
    # A hears that B joined, and a who follows on its own.
    who_a = {}
    deadline = time.monotonic() + 15
    while len(who_a.get("sessions", [])) < 2 and time.monotonic() < deadline:
        who_a = A.recv_json("who", max(0.1, deadline - time.monotonic()))
    B.send_json({"type": "who"})
    who_b = B.recv_json("who")
    for tag, wh, writer_you in (("A", who_a, True), ("B", who_b, False)):
        ss = wh.get("sessions", [])
        mine = [s for s in ss if s.get("you")]
        check("%s: who lists both sessions as %s uid %d (%s)" % (tag, a.user, a.uid, ss),
              len([s for s in ss if s.get("uid") == a.uid and s.get("user") == a.user
                   and not s.get("pty")]) >= 2)
        check("%s: who marks one session as you, writer=%s" % (tag, writer_you),
              len(mine) == 1 and mine[0].get("writer") is writer_you)
    if a.xcmux:
        out = subprocess.run(a.xcmux.split() + ["who", a.console], capture_output=True, text=True)
        rows = [ln.split() for ln in out.stdout.splitlines()[1:] if ln.strip()]
        print("# xcmux who: " + out.stdout.replace("\n", "\n# "))
        check("xcmux who: both gateway sessions are %s's, uid %d" % (a.user, a.uid),
              len(rows) == 2 and all(r[:2] == [a.user, str(a.uid)] for r in rows))

    # ---- C, D, E: hostile frames close only themselves ----
    C = Ws(a.port, cookie=tok)
    C.send_frame(2, b"", length=70000)  # header only: refused from it
    check("C: a 70000-byte frame is closed with 1009", C.wait_close() == 1009)
    check("C: ... then the server ends the stream", getattr(C, "eof_after_close", False))
    C.close()
    C = Ws(a.port, cookie=tok)
    C.send_frame(1, b"x" * 40000, fin=False)
    C.send_frame(0, b"x" * 30000)
    check("C': a fragmented message over 65536 is closed with 1009", C.wait_close() == 1009)
    C.close()
    D = Ws(a.port, cookie=tok)
    D.send_frame(1, b'{"type":"list"}', mask=False)
    check("D: an unmasked frame is closed with 1002", D.wait_close() == 1002)
    D.close()
    E = Ws(a.port, cookie=tok)
    E.send_raw(b"GET / HTTP/1.1\r\nHost: nowhere\r\n\r\n" + os.urandom(3000))
    check("E: garbage is closed with 1002", E.wait_close() == 1002)
    E.close()
    F = Ws(a.port, cookie=tok)
    F.send_frame(1, b"\xc3\x28")
    check("F: text that is not UTF-8 is closed with 1007", F.wait_close() == 1007)
    F.close()
    G = Ws(a.port, cookie=tok)
    G.send_json({"type": "launch-missiles"})
    check("G: an unknown message is closed with 1008", G.wait_close() == 1008)
    G.close()
    H = Ws(a.port, cookie=tok)
    H.send_frame(9, b"x" * 126)
    check("H: a control frame over 125 bytes is closed with 1002", H.wait_close() == 1002)
    H.close()
    # P pings and never reads the pongs: its queue, not memory, runs out.
    P = Ws(a.port, cookie=tok, rcvbuf=4096)
    ping = b"\x89\xfd\x00\x00\x00\x00" + b"p" * 125  # masked with a zero key
    sent = 0
    try:
        P.s.settimeout(10)
        while sent < (24 << 20):
            P.s.sendall(ping * 2000)
            sent += len(ping) * 2000
    except OSError:
        pass  # the gateway closed it
    print("# P: sent %d bytes of pings" % sent)
    P.close()

    # ---- S: a browser that stops reading a flooding console ----
    S = None
    if a.flood:
        S = Ws(a.port, cookie=tok, rcvbuf=4096)
        S.send_json({"type": "attach", "console": a.flood, "mode": "ro", "replay": 0})
        # S reads nothing from here on.

    # ---- A and B lost nothing ----
    start_a, start_b = len(A.received), len(B.received)
    n = a.lines
    for i in range(1, n + 1):
        A.send_input(b"echo seq-%04d\r" % i)
    last = b"seq-%04d\r\n" % n
    try:
        A.wait_output(last, 30)
        B.wait_output(last, 30)
        ok = True
    except Exception as e:
        ok = False
        print("# after the abuse: %s" % e)
    check("A and B still receive after the hostile connections", ok)
    ra = bytes(A.received)
    rb = bytes(B.received)
    # Everything B got since it attached is the tail of what A got.
    check("B's bytes (%d) are exactly the tail of A's (%d)" % (len(rb), len(ra)),
          ra.endswith(rb))
    seen = [int(x) for x in re.findall(rb"\r\nseq-(\d{4})\r\n", ra[start_a:])]
    check("A got every answer seq-0001..%04d once, in order (%d)" % (n, len(seen)),
          seen == list(range(1, n + 1)))

    if S:
        # xcmuxd, not the gateway, holds and drops what S does not read:
        # its session on the flood console falls behind and is moved on.
        dropped, deadline, rows = 0, time.monotonic() + 60, []
        while time.monotonic() < deadline:
            out = subprocess.run(a.xcmux.split() + ["who", a.flood], capture_output=True,
                                 text=True)
            rows = [ln.split() for ln in out.stdout.splitlines()[1:] if ln.strip()]
            mine = [r for r in rows if r[:2] == [a.user, str(a.uid)]]
            if mine and mine[0][-1].isdigit() and int(mine[0][-1]) > 0:
                dropped = int(mine[0][-1])
                break
            time.sleep(0.5)
        print("# xcmux who %s: %s" % (a.flood, rows))
        check("S: xcmuxd counts the stalled browser's session as dropping (%d bytes)" % dropped,
              dropped > 0)
        A.send_input(b"echo after-stall\r")
        ok = True
        try:
            A.wait_output(b"\r\nafter-stall\r\n")
        except Exception:
            ok = False
        check("A: still served while S is stalled", ok)
        S.close()

    # ---- detach, the WebSocket stays ----
    B.close()
    A.send_json({"type": "detach"})
    d = A.recv_json("detached")
    check("A: detach ends the session (%s)" % d, d.get("type") == "detached")
    A.send_json({"type": "list"})
    check("A: the WebSocket stays open for list", a.console in
          [c.get("name") for c in A.recv_json("list").get("consoles", [])])
    A.send_json({"type": "attach", "console": a.console, "mode": "rw", "replay": 0})
    check("A: and for a new attach", A.recv_json("attached").get("name") == a.console)
    A.send_frame(8, struct.pack("!H", 1000))
    check("A: a close is answered with a close", A.wait_close() == 1000)
    A.close()

    st, _, _ = http.request("POST", "/logout", {"Cookie": "xcmux_session=" + tok,
                                                "Origin": origin})
    check("logout: 204 (got %d)" % st, st == 204)
    st, _, _ = http.request("GET", "/whoami", {"Cookie": "xcmux_session=" + tok})
    check("whoami after logout: 401 (got %d)" % st, st == 401)


def tls(a):
    """TLS with client certificates: the certificate's CN logs its user in."""
    def ctx(cert=None):
        c = ssl.create_default_context(cafile=a.ca)
        if cert:
            c.load_cert_chain(cert + ".crt", cert + ".key")
        return c
    plain = ctx()
    st, _, _ = Http(a.port, tls=plain).request("GET", "/whoami")
    check("TLS, no client certificate: whoami 401 (got %d)" % st, st == 401)
    mine = ctx(a.cert)
    st, _, body = Http(a.port, tls=mine).request("GET", "/whoami")
    check("TLS, %s's certificate: whoami 200 %s" % (a.user, body),
          st == 200 and json.loads(body) == {"user": a.user})
    st, _, _ = Http(a.port, tls=ctx(a.nouser_cert)).request("GET", "/whoami")
    check("TLS, a certificate naming no local user: 401 (got %d)" % st, st == 401)
    try:
        Http(a.port, tls=ctx(a.foreign_cert)).request("GET", "/whoami")
        st = 200
    except (ssl.SSLError, OSError):
        st = 0
    # A certificate from another CA: the handshake fails (or nothing is served).
    check("TLS, a certificate of another CA is not accepted", st != 200)
    body = urllib.parse.urlencode({"user": a.user, "password": a.password}).encode()
    st, h, _ = Http(a.port, tls=plain).request("POST", "/login", {
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": "https://127.0.0.1:%d" % a.port}, body)
    ck = header(h, "set-cookie")
    check("TLS login: 204 and a Secure cookie (%s)" % ck,
          st == 204 and ck and ck[0].endswith("; Secure"))
    w = Ws(a.port, tls=mine)
    check("TLS WebSocket by certificate: 101 (got %d)" % w.status, w.status == 101)
    if w.status == 101:
        w.send_json({"type": "attach", "console": a.console, "mode": "ro", "replay": 4096})
        at = w.recv_json("attached")
        check("TLS WebSocket: attached (%s)" % at, at.get("name") == a.console)
        try:
            w.wait_output(b"seq-", 15)
            ok = True
        except Exception:
            ok = False
        check("TLS WebSocket: console bytes arrive (replay)", ok)
        w.send_frame(2, b"", length=70000)
        check("TLS WebSocket: an oversized frame is closed with 1009", w.wait_close() == 1009)
    w.close()
    # This gateway pings every second: two unanswered close the connection.
    q, r = Ws(a.port, tls=mine), Ws(a.port, tls=mine)
    check("a WebSocket answering pings stays open (5 s)", r.alive_for(5))
    r.send_json({"type": "list"})
    check("... and is served", a.console in
          [c.get("name") for c in r.recv_json("list").get("consoles", [])])
    check("a WebSocket not answering two pings is closed with 1008", q.wait_close() == 1008)
    q.close()
    r.close()


def limits(a):
    """The connection cap (503) and the 10 s budget for a request head (408)."""
    held = []
    for _ in range(2):
        c = socket.create_connection(("127.0.0.1", a.port), timeout=30)
        c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # never finished
        held.append(c)
    time.sleep(0.5)
    c3 = socket.create_connection(("127.0.0.1", a.port), timeout=10)
    try:
        got = c3.recv(4096)
    except OSError:
        got = b""
    check("past max-connections: 503 and close (%r)" % got[:40],
          got.startswith(b"HTTP/1.1 503 "))
    c3.close()
    t0 = time.monotonic()
    data = b""
    try:
        while True:
            c = held[0].recv(4096)
            if not c:
                break
            data += c
    except OSError:
        pass
    check("an unfinished head is answered 408 and closed (%r)" % data[:40],
          data.startswith(b"HTTP/1.1 408 "))
    print("# 408 after %.1f s" % (time.monotonic() - t0))
    for c in held:
        c.close()
    time.sleep(0.5)
    st, _, _ = Http(a.port).request("GET", "/whoami")
    check("served again once they are gone: whoami 401 (got %d)" % st, st == 401)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("proto")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--uid", type=int, required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--console", required=True)
    p.add_argument("--lines", type=int, default=40)
    p.add_argument("--static-ok", action="store_true")
    p.add_argument("--flood", default=None, help="a flooding console for the stalled browser")
    p.add_argument("--xcmux", default=None,
                   help="the client command, e.g. 'xcmux -S SOCK' (for `who`)")
    t = sub.add_parser("tls")
    for o in ("--user", "--password", "--console", "--ca", "--cert", "--nouser-cert",
              "--foreign-cert"):
        t.add_argument(o, required=True)
    t.add_argument("--port", type=int, required=True)
    lm = sub.add_parser("limits")
    lm.add_argument("--port", type=int, required=True)
    a = ap.parse_args()
    try:
        {"proto": proto, "tls": tls, "limits": limits}[a.cmd](a)
    except Exception as e:
        import traceback
        print("# " + traceback.format_exc().replace("\n", "\n# "))
        check("scenario ran to the end (%s: %s)" % (type(e).__name__, e), False)
    print("# wsclient: %d passed, %d failed" % (PASS, FAIL))
    sys.exit(1 if FAIL else 0)


if __name__ == "__main__":
    main()
