#!/usr/bin/env python3
"""`exwire journal pcap` output is read by tshark without errors, with valid IP/TCP checksums
and every record dissected as FIX. Exit 77 (skipped) when tshark is absent."""
import shutil
import subprocess
import sys
import tempfile

make_sample, exwire = sys.argv[1], sys.argv[2]
tshark = shutil.which("tshark")
if tshark is None:
    print("tshark not found: skipped")
    sys.exit(77)

N = 50
with tempfile.TemporaryDirectory() as tmp:
    subprocess.run([make_sample, f"{tmp}/j", str(N)], check=True)
    subprocess.run([exwire, "journal", "pcap", f"{tmp}/j", "-o", f"{tmp}/out.pcap", "--port", "9000"], check=True)
    subprocess.run([exwire, "journal", "pcap", f"{tmp}/j", "-o", f"{tmp}/udp.pcap", "--udp"], check=True)
    base = [tshark, "-n", "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
            "-o", "udp.check_checksum:TRUE", "-d", "tcp.port==9000,fix"]
    failures = []
    for name, expect_frames in (("out.pcap", 2 * N + 3), ("udp.pcap", 2 * N)):
        r = subprocess.run(base + ["-r", f"{tmp}/{name}", "-q", "-z", "expert,warn"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            failures.append(f"{name}: tshark exit {r.returncode}: {r.stderr}")
        if "Errors (" in r.stdout or "Warns (" in r.stdout or "Malformed" in r.stdout:
            failures.append(f"{name}: tshark reports problems:\n{r.stdout}")
        r = subprocess.run(base + ["-r", f"{tmp}/{name}", "-T", "fields", "-e", "frame.number"],
                           capture_output=True, text=True)
        frames = len(r.stdout.split())
        if frames != expect_frames:
            failures.append(f"{name}: {frames} frames, expected {expect_frames}")
    r = subprocess.run(base + ["-r", f"{tmp}/out.pcap", "-Y", "fix", "-T", "fields", "-e", "fix.MsgType"],
                       capture_output=True, text=True)
    types = r.stdout.split()
    if types.count("D") != N or types.count("8") != N:
        failures.append(f"FIX dissection: {types.count('D')} orders, {types.count('8')} reports, expected {N} each")
    if failures:
        print("\n".join(failures))
        sys.exit(1)
    print(f"tshark read {2 * N} records cleanly (TCP and UDP framing, checksums valid, {N}+{N} FIX messages)")
