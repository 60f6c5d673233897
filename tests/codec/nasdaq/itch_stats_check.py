#!/usr/bin/env python3
"""`exwire itch stats` end to end on generated ITCH files: counts per type and per symbol,
first and last timestamp of a stream longer than many batches (plain and gzip), and the
byte offset named for an unknown type and a cut frame far into the file.

usage: itch_stats_check.py EXWIRE"""
import gzip
import os
import random
import re
import struct
import subprocess
import sys
import tempfile

LEN = {"S": 12, "A": 36, "D": 19, "E": 31, "X": 23, "U": 35, "F": 40}


def message(t, locate, ts, rng, names):
    body = struct.pack(">HH", locate, rng.randrange(65536)) + ts.to_bytes(6, "big")
    if t in "AF":
        body += struct.pack(">Q", rng.randrange(1 << 40)) + b"B" + struct.pack(">I", 100)
        body += names[locate].ljust(8).encode() + struct.pack(">I", 1234500)
        if t == "F":
            body += b"MPID"
    body = t.encode() + body
    body += bytes(rng.randrange(256) for _ in range(LEN[t] - len(body)))
    assert len(body) == LEN[t], t
    return struct.pack(">H", len(body)) + body


def stream(n, seed):
    rng = random.Random(seed)
    names = {loc: "SYM%d" % loc for loc in range(1, 60)}
    out, frames = bytearray(), []
    types, per_locate, learned = {}, {}, {}
    ts = 34_200_000_000_000
    first = last = None
    for i in range(n):
        t = "S" if i % 997 == 0 else rng.choice("AAADDDEXUF")
        locate = 0 if t == "S" else rng.randrange(1, 60)
        ts += rng.randrange(1, 5000)
        frames.append(len(out))
        out += message(t, locate, ts, rng, names)
        types[t] = types.get(t, 0) + 1
        per_locate[locate] = per_locate.get(locate, 0) + 1
        if t in "AF":
            learned.setdefault(locate, names[locate])
        first = ts if first is None else first
        last = ts
    return bytes(out), frames, types, per_locate, learned, first, last


def ts_text(ns):
    s, frac = divmod(ns, 1_000_000_000)
    return "%02d:%02d:%02d.%09d" % (s // 3600, s // 60 % 60, s % 60, frac)


def run(exwire, path):
    p = subprocess.run([exwire, "itch", "stats", path], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


def main():
    exwire = sys.argv[1]
    data, frames, types, per_locate, learned, first, last = stream(5000, 7)
    with tempfile.TemporaryDirectory() as d:
        plain = os.path.join(d, "day.itch")
        with open(plain, "wb") as f:
            f.write(data)
        gz = os.path.join(d, "day.itch.gz")
        with gzip.open(gz, "wb") as f:
            f.write(data)
        for path in (plain, gz):
            rc, out, err = run(exwire, path)
            check(rc == 0, "%s: exit %d: %s" % (path, rc, err))
            check("messages: 5000\n" in out, "message count:\n" + out[:300])
            check("first timestamp: %s\n" % ts_text(first) in out, "first timestamp")
            check("last timestamp:  %s\n" % ts_text(last) in out, "last timestamp")
            got_types = dict(re.findall(r"^  (\w) \w+\s+(\d+)$", out, re.M))
            check(got_types == {t: str(c) for t, c in types.items()},
                  "per type %s != %s" % (got_types, types))
            sym = out[out.index("per symbol:\n"):]
            got = dict((k.strip(), int(v)) for k, v in re.findall(r"^  (.+?)\s+(\d+)$", sym, re.M))
            want = {("(market-wide)" if loc == 0 else learned.get(loc, "locate %d" % loc)): c
                    for loc, c in per_locate.items()}
            check(got == want, "per symbol %s != %s" % (got, want))

        # an unknown type in frame 3000 (far past the first batches): named by its offset
        bad = bytearray(data)
        bad[frames[3000] + 2] = ord("z")
        with open(plain, "wb") as f:
            f.write(bad)
        rc, out, err = run(exwire, plain)
        check(rc == 1, "unknown type: exit %d" % rc)
        check("unknown message type ITCH message (type 0x7a) at byte offset %d" % frames[3000] in err,
              "unknown type message: " + err)
        # a prefix that does not match its type's length, in frame 4000
        bad = bytearray(data)
        bad[frames[4000] + 1] ^= 1
        with open(plain, "wb") as f:
            f.write(bad)
        rc, out, err = run(exwire, plain)
        check(rc == 1 and "length prefix differs from the message type's length at byte offset %d"
              % frames[4000] in err, "bad prefix: " + err)
        # cut inside frame 4500
        with open(plain, "wb") as f:
            f.write(data[:frames[4500] + 7])
        rc, out, err = run(exwire, plain)
        check(rc == 1 and "truncated ITCH frame at byte offset %d (7 bytes left)" % frames[4500]
              in err, "cut frame: " + err)
    print("ok")


if __name__ == "__main__":
    main()
