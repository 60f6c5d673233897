#!/usr/bin/env python3
"""`exwire journal` end to end: stat, dump --json with filters, verify passing and failing,
tail, and replay to a loopback listener that must receive the outbound frames in order."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading

make_sample, exwire = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def run(*args, ok=True):
    r = subprocess.run([exwire, "journal", *args], capture_output=True, text=True, timeout=60)
    if ok and r.returncode != 0:
        failures.append(f"{' '.join(args)}: exit {r.returncode}: {r.stderr}")
    return r


N = 20
with tempfile.TemporaryDirectory() as tmp:
    j = f"{tmp}/j"
    subprocess.run([make_sample, j, str(N)], check=True)

    r = run("stat", j)
    check(f"in  records={N}" in r.stdout and f"seq=1..{N}" in r.stdout, f"stat output: {r.stdout}")

    r = run("dump", j, "--json", "--direction", "out", "--from-seq", "5", "--to-seq", "7")
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    check([x["sequence"] for x in recs] == [5, 6, 7], f"dump filter: {recs}")
    check(all(x["direction"] == "out" for x in recs), "dump direction filter")
    out_frames = [bytes.fromhex(x["hex"]) for x in [json.loads(l) for l in
                  run("dump", j, "--json", "--direction", "out", "--hex-limit", "100000").stdout.splitlines()]]
    check(len(out_frames) == N and out_frames[0].startswith(b"8=FIX.4.4\x01"), "dump payloads")

    r = run("verify", j)
    check(r.returncode == 0 and "PASS" in r.stdout, f"verify on a clean journal: {r.stdout}")

    r = run("tail", j, "--from-start", "--count", "3", "--seconds", "5")
    check(len(r.stdout.splitlines()) == 3, f"tail --count 3: {r.stdout}")

    # Replay the outbound frames to a loopback listener.
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(20)
    got = bytearray()

    def accept():
        c, _ = srv.accept()
        c.settimeout(20)
        while True:
            b = c.recv(65536)
            if not b:
                break
            got.extend(b)
        c.close()

    t = threading.Thread(target=accept)
    t.start()
    run("replay", j, "--to", f"127.0.0.1:{srv.getsockname()[1]}", "--pace", "2000/s")
    t.join(30)
    check(bytes(got) == b"".join(out_frames), f"replay delivered {len(got)} bytes, expected {sum(map(len, out_frames))}")

    # Corrupt one payload byte in the middle of the segment: verify must fail.
    seg = sorted(p for p in os.listdir(j) if p.endswith(".seg"))[0]
    with open(f"{j}/{seg}", "r+b") as f:
        f.seek(64 + 32 + 10)
        b = f.read(1)
        f.seek(64 + 32 + 10)
        f.write(bytes([b[0] ^ 0xFF]))
    r = run("verify", j, ok=False)
    check(r.returncode == 1 and "checksum mismatch" in r.stdout, f"verify on a corrupt journal: {r.returncode} {r.stdout}")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("journal tool: stat, dump, verify, tail, replay ok")
