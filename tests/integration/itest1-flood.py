#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check captures of xensim flood output ("NAME 000000001 <filler>\\n",
80 bytes a line, the filler shifting with the sequence number).

usage:
  itest1-flood.py seq NAME FILE [--log] [--allow-gaps]
      Every record after the first complete one must carry the next
      sequence number and the exact filler, up to a possibly cut-off last
      record. --log first removes xcmuxd's event lines ("--- xcmux: ... ---",
      which may split a guest line). --allow-gaps accepts jumps (a client
      that was skipped ahead) but still checks each record's bytes.
      Prints "first=F last=L records=N gaps=G missing=M"; exit 0 when the
      stream is intact, 1 when a record is missing or corrupt, 2 on errors.
  itest1-flood.py same NAME FILE FILE...
      The captures hold byte-identical output over the range of sequence
      numbers they all contain completely (at least --min records).
      Prints "common=F..L"; exit 0 when identical, 1 otherwise.
"""
import re
import sys

LINE = 80
EVENT = re.compile(rb"^(\[[^\]\n]*\] )?--- xcmux: [^\n]* ---\n", re.M)


def filler(name, seq):
    head = b"%s %09d " % (name, seq)
    return bytes(ord("a") + (seq + i) % 26 for i in range(len(head), LINE - 1))


def records(name, data, log):
    """[(seq, start, end, complete)] of the flood records in data, with the
    offsets of each record's bytes in the (newline-stripped) stream."""
    if log:
        data = EVENT.sub(b"", data)
        # The log ends a partial guest line before an event line; with the
        # event gone that newline is noise, so compare without newlines.
        data = data.replace(b"\n", b"")
        sep = b""
    else:
        sep = b"\n"
    pat = re.compile(re.escape(name) + rb" (\d{9}) ")
    out = []
    for m in pat.finditer(data):
        seq = int(m.group(1))
        want = filler(name, seq) + sep
        got = data[m.end():m.end() + len(want)]
        complete = got == want
        out.append((seq, m.start(), m.end() + len(got), complete, got, want))
    return data, out


def cmd_seq(name, path, log, allow_gaps):
    data = open(path, "rb").read()
    _, recs = records(name, data, log)
    if not recs:
        print(f"{path}: no flood records of {name.decode()}")
        return 1
    bad = 0
    gaps = missing = 0
    # Bytes before the first header are skipped (replay may start mid-line);
    # only the last record may be cut short (the capture ended there), or,
    # with allow_gaps, the one before a jump (skipped ahead mid-line).
    for i, (seq, start, end, complete, got, want) in enumerate(recs):
        last = i == len(recs) - 1
        before_jump = allow_gaps and not last and recs[i + 1][0] != seq + 1
        if not complete and not (last and want.startswith(got)) and not before_jump:
            print(f"{path}: record {seq} corrupt: {got[:100]!r}")
            bad += 1
        if i and seq != recs[i - 1][0] + 1:
            gaps += 1
            missing += max(0, seq - recs[i - 1][0] - 1)
            if not allow_gaps:
                print(f"{path}: after {recs[i - 1][0]} comes {seq}")
                bad += 1
        if bad > 10:
            break
    print(f"first={recs[0][0]} last={recs[-1][0]} records={len(recs)} "
          f"gaps={gaps} missing={missing}")
    return 1 if bad else 0


def cmd_same(name, paths, min_records):
    streams = []
    for p in paths:
        data, recs = records(name, open(p, "rb").read(), False)
        full = [r for r in recs if r[3]]
        if not full:
            print(f"{p}: no complete flood records")
            return 1
        streams.append((p, data, {r[0]: r for r in full}, full))
    lo = max(s[3][0][0] for s in streams)
    hi = min(s[3][-1][0] for s in streams)
    if hi - lo + 1 < min_records:
        print(f"common range {lo}..{hi} shorter than {min_records} records")
        return 1
    ref = None
    for p, data, by_seq, _ in streams:
        if lo not in by_seq or hi not in by_seq:
            print(f"{p}: lacks record {lo} or {hi}")
            return 1
        chunk = data[by_seq[lo][1]:by_seq[hi][2]]
        if ref is None:
            ref = (p, chunk)
        elif chunk != ref[1]:
            n = next((i for i, (a, b) in enumerate(zip(chunk, ref[1])) if a != b),
                     min(len(chunk), len(ref[1])))
            print(f"{p} differs from {ref[0]} at byte {n} of {lo}..{hi} "
                  f"({len(chunk)} vs {len(ref[1])} bytes)")
            return 1
    print(f"common={lo}..{hi} bytes={len(ref[1])}")
    return 0


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, name = argv[1], argv[2].encode()
    if cmd == "seq":
        opts = set(a for a in argv[4:] if a.startswith("--"))
        return cmd_seq(name, argv[3], "--log" in opts, "--allow-gaps" in opts)
    if cmd == "same":
        paths = [a for a in argv[3:] if not a.startswith("--min=")]
        mins = [int(a[6:]) for a in argv[3:] if a.startswith("--min=")]
        return cmd_same(name, paths, mins[0] if mins else 1)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
