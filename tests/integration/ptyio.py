#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Talk to a pty (or any tty path) for tests: optionally send bytes, then
read until a regular expression matches or a timeout passes.

usage: ptyio.py PATH [--send TEXT] [--expect REGEX] [--timeout S] [--print]
Exit 0 when REGEX matched (or none was given), 1 on timeout, 2 on error.
TEXT understands \\r \\n \\xNN escapes.
"""
import argparse, os, re, select, sys, termios, time, tty

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--send", default=None)
    ap.add_argument("--expect", default=None)
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--print", action="store_true")
    a = ap.parse_args()
    try:
        fd = os.open(a.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError as e:
        print(f"ptyio: {a.path}: {e}", file=sys.stderr)
        return 2
    if os.isatty(fd):
        tty.setraw(fd)
    if a.send is not None:
        os.write(fd, a.send.encode("latin-1").decode("unicode_escape").encode("latin-1"))
    got = b""
    pat = re.compile(a.expect.encode()) if a.expect else None
    end = time.time() + a.timeout
    while True:
        if pat and pat.search(got):
            break
        left = end - time.time()
        if left <= 0:
            break
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            got += chunk
    if a.print:
        sys.stdout.write(got.decode("utf-8", "replace"))
    if pat and not pat.search(got):
        print(f"ptyio: no match for {a.expect!r} within {a.timeout}s; got {got[-300:]!r}",
              file=sys.stderr)
        return 1
    return 0

sys.exit(main())
