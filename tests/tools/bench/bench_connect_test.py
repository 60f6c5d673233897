#!/usr/bin/env python3
"""exwire bench --connect against a running `exwire sim` (another process): every order is
acknowledged and the report is written. Usage: bench_connect_test.py EXWIRE"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

exe = sys.argv[1]


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


mold = f"127.0.0.1:{free_udp_port()}"
sim = subprocess.Popen([exe, "sim", "--ouch-port", "0", "--ouch-clients", "2", "--mold", mold,
                        "--rate", "0", "--no-fix", "--idle", "backoff", "--seconds", "60"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
ouch_port = retransmit_port = None
deadline = time.monotonic() + 10
banner = []
try:
    while time.monotonic() < deadline and (ouch_port is None or retransmit_port is None):
        line = sim.stdout.readline()
        if not line:
            break
        banner.append(line)
        m = re.search(r"OUCH 5\.0 / SoupBinTCP\s+127\.0\.0\.1:(\d+)", line)
        if m:
            ouch_port = m.group(1)
        m = re.search(r"retransmission requests on 127\.0\.0\.1:(\d+)", line)
        if m:
            retransmit_port = m.group(1)
    print("".join(banner))
    if ouch_port is None or retransmit_port is None:
        print("FAIL: could not read the simulator's ports")
        sys.exit(1)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "results")
        cmd = [exe, "bench", "--connect", "127.0.0.1", "--ouch-port", ouch_port, "--mold", mold,
               "--retransmit-port", retransmit_port, "--count", "1000", "--rate", "2000",
               "--pingpong", "200", "--idle", "backoff", "--quiet", "--out", out]
        print("running:", " ".join(cmd), flush=True)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=60)
        print(p.stdout)
        print(p.stderr, file=sys.stderr)
        ok = p.returncode == 0
        with open(os.path.join(out, "results.json")) as f:
            d = json.load(f)
        c = d["counts"]
        ok = ok and d["passed"] and c["injected"] == 1000 and c["injected_adds_received"] == 1000
        ok = ok and c["orders_unacknowledged"] == 0 and c["orders_accepted"] == c["orders_sent"]
        ok = ok and d["metrics"]["end_to_end_corrected"]["count"] > 0
        ok = ok and d["options"]["simulator"].startswith("127.0.0.1")
        ok = ok and os.path.exists(os.path.join(out, "report.html"))
        print("PASS" if ok else "FAIL")
        sys.exit(0 if ok else 1)
finally:
    sim.terminate()
    try:
        sim.wait(timeout=10)
    except subprocess.TimeoutExpired:
        sim.kill()
