#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Receive datagrams on a Unix socket the test owns and log them, one JSON
object per line, flushed at once.

usage: dgram-sink.py SOCKET OUTFILE notify|journal
  notify:  {"raw": "READY=1\\nSTATUS=..."}             (sd_notify)
  journal: {"MESSAGE": "...", "XCMUX_GUEST": ...}      (journald native
           protocol: KEY=VALUE lines, or KEY\\n<le64 length><bytes>\\n)
Malformed journal datagrams are logged as {"_malformed": "<why>"} so a
test can fail on them. SOCKET is created (replacing a stale one) and
removed on SIGTERM.
"""
import json, os, signal, socket, struct, sys

def parse_journal(d):
    out, i = {}, 0
    while i < len(d):
        nl = d.find(b"\n", i)
        if nl < 0:
            return {"_malformed": "unterminated field"}
        line = d[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            k = line
            if nl + 9 > len(d):
                return {"_malformed": "short binary field"}
            (n,) = struct.unpack("<Q", d[nl + 1:nl + 9])
            v = d[nl + 9:nl + 9 + n]
            if len(v) != n or d[nl + 9 + n:nl + 10 + n] != b"\n":
                return {"_malformed": "bad binary field length"}
            i = nl + 10 + n
        if not k or not all(c == 95 or 48 <= c <= 57 or 65 <= c <= 90 for c in k):
            return {"_malformed": "bad field name %r" % k}
        out[k.decode()] = v.decode("utf-8", "replace")
    return out

def main():
    path, outfile, mode = sys.argv[1:4]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    def stop(*_):
        try:
            os.unlink(path)
        finally:
            os._exit(0)
    signal.signal(signal.SIGTERM, stop)
    with open(outfile, "a") as f:
        while True:
            d = s.recv(1 << 20)
            rec = {"raw": d.decode("utf-8", "replace")} if mode == "notify" else parse_journal(d)
            f.write(json.dumps(rec) + "\n")
            f.flush()

main()
