#!/usr/bin/env python3
"""`exwire journal dump` decoding through the codecs: journals of SoupBinTCP/OUCH packets, FIX
messages, ITCH over SoupBinTCP and MoldUDP64 packets of ITCH print as decoded text (chosen with --protocol or by the journal's
`protocol` file); a frame that does not decode prints as hex with the reason; without a
protocol everything stays hex."""
import json
import subprocess
import sys
import tempfile

make_sample, exwire = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def dump(*args, ok=True):
    r = subprocess.run([exwire, "journal", "dump", *args], capture_output=True, text=True, timeout=60)
    if ok and r.returncode != 0:
        failures.append(f"dump {' '.join(args)}: exit {r.returncode}: {r.stderr}")
    return r


N = 3
with tempfile.TemporaryDirectory() as tmp:
    # ---- SoupBinTCP carrying OUCH 5.0 ----
    j = f"{tmp}/ouch"
    subprocess.run([make_sample, j, str(N), "ouch", "garbage"], check=True)
    recs = [json.loads(l) for l in dump(j, "--json", "--protocol", "ouch").stdout.splitlines()]
    check(len(recs) == 2 + 2 * N + 1, f"ouch record count: {len(recs)}")
    if len(recs) == 2 + 2 * N + 1:
        check(recs[0].get("decoded", "").startswith("LoginRequest{") and 'Username="USER1"' in recs[0]["decoded"],
              f"login request: {recs[0]}")
        check(recs[1].get("decoded", "").startswith("LoginAccepted{") and 'Session="SESSION01"' in recs[1]["decoded"],
              f"login accepted: {recs[1]}")
        order = recs[2].get("decoded", "")
        check(order.startswith("UnsequencedData{Message=EnterOrder{") and "UserRefNum=1," in order
              and 'Symbol="ABC' in order and "Quantity=100" in order and 'ClOrdId="ORD1' in order,
              f"enter order: {recs[2]}")
        acc = recs[3].get("decoded", "")
        check(acc.startswith("SequencedData{Message=OrderAccepted{") and "OrderReferenceNumber=1001" in acc,
              f"order accepted: {recs[3]}")
        last_order = recs[2 * N].get("decoded", "")
        check(f"UserRefNum={N}," in last_order, f"last order: {recs[2 * N]}")
        bad = recs[-1]
        check("decoded" not in bad and bad.get("hex") == "0009557a", f"garbage frame as hex: {bad}")
        check("SoupBinTCP packet length 9 but only 2 bytes follow" in bad.get("decode_error", ""),
              f"garbage frame reason: {bad}")

    # The same as plain SoupBinTCP: the packets decode, their OUCH payload stays bytes.
    recs = [json.loads(l) for l in dump(j, "--json", "--protocol", "soupbintcp").stdout.splitlines()]
    check(len(recs) == 2 + 2 * N + 1 and recs[2].get("decoded", "").startswith("UnsequencedData{Message="),
          f"soupbintcp: {recs[:3]}")

    # Text output, protocol from the journal's `protocol` file.
    with open(f"{j}/protocol", "w") as f:
        f.write("ouch\n")
    lines = dump(j).stdout.splitlines()
    check(len(lines) == 2 + 2 * N + 1, f"text lines: {len(lines)}")
    check(any("EnterOrder{UserRefNum=2," in l for l in lines), f"text decode via protocol file: {lines[:4]}")
    check(lines and "(not decoded: " in lines[-1] and "SoupBinTCP packet length 9 but only 2 bytes follow" in lines[-1]
          and " 0009557a  (not decoded" in lines[-1], f"text garbage line: {lines[-1:]}")
    # --protocol wins over the file.
    recs = [json.loads(l) for l in dump(j, "--json", "--protocol", "fix").stdout.splitlines()]
    check(recs and "decoded" not in recs[0] and "FIX" in recs[0].get("decode_error", ""),
          f"--protocol overrides the file: {recs[:1]}")

    # ---- FIX ----
    j = f"{tmp}/fix"
    subprocess.run([make_sample, j, str(N), "fix", "garbage"], check=True)
    plain = [json.loads(l) for l in dump(j, "--json").stdout.splitlines()]
    check(plain and all("hex" in r and "decode_error" not in r for r in plain), "no protocol: hex, no error")
    recs = [json.loads(l) for l in dump(j, "--json", "--protocol", "fix").stdout.splitlines()]
    check(len(recs) == 2 * N + 1, f"fix record count: {len(recs)}")
    if len(recs) == 2 * N + 1:
        d = recs[0].get("decoded", "")
        check(d.startswith("8=FIX.4.4|9=") and "|35=D|34=1|49=CLIENT|56=VENUE|" in d
              and "|11=ORD1|" in d and "|10=" in d and "\x01" not in d, f"fix order: {recs[0]}")
        d = recs[1].get("decoded", "")
        check("|35=8|" in d and "|37=X1|" in d, f"fix report: {recs[1]}")
        bad = recs[-1]
        check("decoded" not in bad and bytes.fromhex(bad.get("hex", "")).startswith(b"8=FIX.4.4\x019=5")
              and "malformed FIX message" in bad.get("decode_error", ""), f"fix garbage: {bad}")

    # ---- ITCH 5.0 over SoupBinTCP, and over MoldUDP64 ----
    j = f"{tmp}/itch"
    subprocess.run([make_sample, j, str(N), "itch", "garbage"], check=True)
    recs = [json.loads(l) for l in dump(j, "--json", "--protocol", "itch").stdout.splitlines()]
    check(len(recs) == N + 2, f"itch record count: {len(recs)}")
    if len(recs) == N + 2:
        check(recs[0].get("decoded", "").startswith("SequencedData{Message=SystemEvent{"), f"itch system event: {recs[0]}")
        check(all(f"OrderReferenceNumber={i}," in recs[i].get("decoded", "") and f"Shares={10 * i}," in recs[i]["decoded"]
                  for i in range(1, N + 1)), f"itch add orders: {recs[1:N + 1]}")
        check(recs[-1].get("hex") == "0002537f" and "unknown itch50 message type 0x7f" in recs[-1].get("decode_error", ""),
              f"itch garbage: {recs[-1]}")

    j = f"{tmp}/mold"
    subprocess.run([make_sample, j, str(N), "moldudp64", "garbage"], check=True)
    recs = [json.loads(l) for l in dump(j, "--json", "--protocol", "moldudp64").stdout.splitlines()]
    check(len(recs) == N + 2, f"moldudp64 record count: {len(recs)}")
    if len(recs) == N + 2:
        d = recs[1].get("decoded", "")
        check(d.startswith('MoldUDP64{Session="SESSION01", SequenceNumber=3, Count=2}')
              and "[3] AddOrder{" in d and "OrderReferenceNumber=3," in d and "[4] AddOrder{" in d
              and "OrderReferenceNumber=4," in d, f"moldudp64 packet: {recs[1]}")
        check("(heartbeat)" in recs[N].get("decoded", ""), f"moldudp64 heartbeat: {recs[N]}")
        check("decoded" not in recs[-1] and "message block runs past the datagram" in recs[-1].get("decode_error", ""),
              f"moldudp64 garbage: {recs[-1]}")

    r = dump(j, "--protocol", "sbe", ok=False)
    check(r.returncode != 0, "an unknown protocol is refused")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("journal dump decoding: ouch, soupbintcp, fix, itch, moldudp64, protocol file, garbage as hex ok")
