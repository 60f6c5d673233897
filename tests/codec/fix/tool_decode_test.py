#!/usr/bin/env python3
"""`exwire fix decode` end to end: names, enum names, one-line mode, '|' input, INVALID marks."""
import os
import subprocess
import sys

exe, golden = sys.argv[1], sys.argv[2]
dicts = os.environ.get("EXWIRE_FIX_DICTIONARIES", "")
fix44 = os.path.join(dicts, "FIX44.xml")
failures = []


def run(args, stdin=None):
    p = subprocess.run([exe, "fix", "decode"] + args, input=stdin, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def expect(cond, what):
    if not cond:
        failures.append(what)


md = open(os.path.join(golden, "md_snapshot_fix44.fix"), "rb").read()
logon = open(os.path.join(golden, "logon_fix44.fix"), "rb").read()

# Without a dictionary: tags and values, valid input exits 0.
rc, out = run(["-"], stdin=md + b"\n" + logon)
expect(rc == 0, f"valid input exit status {rc}")
expect("  268 " in out and "= 1.10020" in out, "field lines without dictionary")
expect(out.count("message ") == 2, "two messages")

# '|' separated input is accepted.
rc, out = run(["-"], stdin=logon.replace(b"\x01", b"|"))
expect(rc == 0 and "HeartBt" not in out and "  108 " in out, "pipe-separated input")

# Broken checksum and garbage are marked INVALID with the reason; status 2.
bad = logon[:-4] + b"000\x01"
rc, out = run(["-"], stdin=b"noise" + bad + md)
expect(rc == 2, f"invalid input exit status {rc}")
expect("INVALID garbage" in out, "garbage marked")
expect("INVALID CheckSum (10) incorrect" in out, "checksum marked")
expect("MDEntryPx" not in out, "no names without dictionary")

if os.path.exists(fix44):
    rc, out = run(["-", "--dict", fix44], stdin=md)
    expect(rc == 0, f"dictionary run exit status {rc}")
    expect("MarketDataSnapshotFullRefresh" in out, "message name")
    expect("MDEntryType" in out and "(OFFER)" in out, "field and enum names")
    rc, out = run(["-", "--dict", fix44, "--oneline"], stdin=md + logon)
    lines = [l for l in out.splitlines() if l]
    expect(len(lines) == 2 and lines[1].startswith("BeginString=FIX.4.4|"), "one line per message")
    # A message that frames but fails the dictionary: reason and tag named.
    no_seq = open(os.path.join(golden, "execution_report_wikipedia_fix42.fix"), "rb").read()
    rc, out = run(["-", "--dict", os.path.join(dicts, "FIX42.xml")], stdin=no_seq)
    expect(rc == 2 and "INVALID required tag missing (tag 34)" in out, "dictionary failure named")

# pcap input: TCP payloads reassembled per flow, a message split over two segments and a
# retransmitted segment dropped.
import struct


def tcp_packet(payload, seq):
    eth = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 1, 0x4000, 64, 6, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    tcp = struct.pack("!HHIIBBHHH", 40000, 9878, seq, 1, 0x50, 0x18, 65535, 0, 0)
    return eth + ip + tcp + payload


def pcap(payloads_and_seqs):
    out = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
    for i, (payload, seq) in enumerate(payloads_and_seqs):
        pkt = tcp_packet(payload, seq)
        out += struct.pack("<IIII", 1000 + i, 0, len(pkt), len(pkt)) + pkt
    return out


half = len(md) // 2
cap = pcap([(logon, 1), (md[:half], 1 + len(logon)), (md[:half], 1 + len(logon)),
            (md[half:], 1 + len(logon) + half)])
rc, out = run(["-", "--oneline"], stdin=cap)
lines = [l for l in out.splitlines() if l]
expect(rc == 0, f"pcap exit status {rc}: {out}")
expect(lines[0] == "stream 10.0.0.1:40000 -> 10.0.0.2:9878", "pcap stream line")
expect(len(lines) == 3 and "35=W" in lines[2] and "10=237" in lines[2], "pcap messages reassembled")

for f in failures:
    print("FAILED:", f)
sys.exit(1 if failures else 0)
