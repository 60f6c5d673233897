#!/usr/bin/env python3
"""bench/series.py against a stand-in benchmark binary whose figures are known: the per-run
medians, the median and range over runs, the ratios and the under-limit count it prints
must be the ones computed here, and bad arguments and a failing binary must give exit
status 2 with a message. Usage: series_test.py SERIES_PY"""
import json
import os
import stat
import subprocess
import sys
import tempfile

series = sys.argv[1]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


# A stand-in for a Google Benchmark binary: run k (counted in a file) reports, for "fast",
# three repetitions and their median aggregate; for "slow", one figure in microseconds.
FAKE = r'''#!/usr/bin/env python3
import json, os, sys
state = os.path.join(os.path.dirname(os.path.abspath(__file__)), "count")
k = int(open(state).read()) if os.path.exists(state) else 0
open(state, "w").write(str(k + 1))
if "--fail" in sys.argv:
    sys.stderr.write("boom\n"); sys.exit(3)
fast = [[10.0, 12.0, 11.0], [20.0, 21.0, 22.0], [30.0, 31.0, 29.0]][k]
slow_us = [1.0, 1.5, 3.0][k]
b = [{"name": "BM_fast", "run_name": "BM_fast", "run_type": "iteration", "cpu_time": t,
      "real_time": 2 * t, "time_unit": "ns"} for t in fast]
b.append({"name": "BM_fast_median", "run_name": "BM_fast", "run_type": "aggregate",
          "aggregate_name": "median", "cpu_time": sorted(fast)[1],
          "real_time": 2 * sorted(fast)[1], "time_unit": "ns"})
b.append({"name": "BM_slow", "run_name": "BM_slow", "run_type": "iteration",
          "cpu_time": slow_us, "real_time": slow_us, "time_unit": "us",
          "items_per_second": 1e6 / slow_us})
out = [a.split("=", 1)[1] for a in sys.argv if a.startswith("--benchmark_out=")]
fmt = [a.split("=", 1)[1] for a in sys.argv if a.startswith("--benchmark_out_format=")]
if out and fmt == ["json"]:
    print("console report, not JSON")  # what a real benchmark prints besides the report
    open(out[0], "w").write(json.dumps({"context": {}, "benchmarks": b}))
'''

with tempfile.TemporaryDirectory() as tmp:
    fake = os.path.join(tmp, "fake_bench")
    with open(fake, "w") as f:
        f.write(FAKE)
    os.chmod(fake, os.stat(fake).st_mode | stat.S_IXUSR)
    out_json = os.path.join(tmp, "runs.json")
    p = subprocess.run([sys.executable, series, "--runs", "3", "--pause", "0",
                        "--ratio", "slow/fast", "--under", "fast=25", "--json", out_json,
                        "--", fake], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    print(p.stdout)
    print(p.stderr, file=sys.stderr)
    check(p.returncode == 0, "exit status 0 (got %d)" % p.returncode)
    lines = p.stdout.splitlines()
    # fast: run medians 11, 21, 30 -> median 21, range 11-30
    check(any(l.startswith("fast ") and "median 21.0" in l and "range 11.0-30.0" in l and
              "runs: 11.0 21.0 30.0" in l for l in lines), "fast: median 21.0, range 11.0-30.0")
    # slow: 1000, 1500, 3000 ns
    check(any(l.startswith("slow ") and "median 1500" in l and "range 1000-3000" in l
              for l in lines), "slow: microseconds read as 1000-3000 ns, median 1500")
    # ratios 1000/11, 1500/21, 3000/30 = 90.91, 71.43, 100.00
    check(any("ratio slow / fast: median 90.91  range 71.43-100.00" in l for l in lines),
          "ratio slow/fast per run: median 90.91, range 71.43-100.00")
    check(any("fast under 25 ns in 2 of 3 runs" in l for l in lines), "under-limit count 2 of 3")
    check(p.stderr.count("run ") == 3, "progress line per run on stderr")
    with open(out_json) as f:
        saved = json.load(f)
    check(len(saved["runs"]) == 3 and saved["runs"][2]["ns"]["fast"] == 30.0,
          "--json keeps every run's figures")

    def refused(args, text):
        p = subprocess.run([sys.executable, series] + args, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        check(p.returncode == 2 and text in p.stderr,
              "%s: exit 2 and %r (got %d, %r)" % (args, text, p.returncode, p.stderr))

    # Wall-clock time instead: fast's real time is twice its CPU time in the stand-in.
    os.remove(os.path.join(tmp, "count"))
    p = subprocess.run([sys.executable, series, "--runs", "3", "--pause", "0", "--time", "real",
                        "--", fake], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    check(p.returncode == 0 and "wall-clock time" in p.stdout and
          any(l.startswith("fast ") and "median 42.0" in l for l in p.stdout.splitlines()),
          "--time real reads real_time (fast median 42.0): %r" % p.stdout)

    # A counter instead of a time: only "slow" reports items_per_second (1e6, 6.667e5, 3.333e5).
    os.remove(os.path.join(tmp, "count"))
    p = subprocess.run([sys.executable, series, "--runs", "3", "--pause", "0", "--counter",
                        "items_per_second", "--under", "slow=500000", "--", fake],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = p.stdout.splitlines()
    check(p.returncode == 0 and not any(l.startswith("fast ") for l in out) and
          any(l.startswith("slow ") and "median 666667" in l and "range 333333-1000000" in l
              for l in out) and any("slow under 500000 in 1 of 3 runs" in l for l in out),
          "--counter items_per_second: slow only, median 666667: %r" % p.stdout)

    os.remove(os.path.join(tmp, "count"))
    refused(["--time", "both", "--", fake], "--time takes cpu or real")
    refused(["--runs", "1", "--counter", "nothing", "--", fake], "no benchmark reported")
    refused(["--runs", "0", "--", fake], "--runs takes a positive whole number")
    refused(["--ratio", "fast", "--", fake], "--ratio takes A/B")
    refused(["--runs", "1", "--ratio", "fast/nothing", "--", fake], "no run reported")
    refused(["--runs", "1", "--", os.path.join(tmp, "missing")], "is not an executable file")
    refused(["--runs", "1", "--", fake, "--fail"], "exited with status 3")
    refused(["--runs", "1", fake], "expected -- BINARY")

print("%d failed" % len(failures))
sys.exit(1 if failures else 0)
