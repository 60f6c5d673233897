#!/usr/bin/env python3
"""Run a Google Benchmark binary several times, apart in time, and summarise every run.

On a shared or virtual machine one run of a benchmark says little: the machine's speed can
change from one minute (or second) to the next. This runs the binary N times with a pause
between runs, takes each benchmark's figure per run (its CPU time, wall-clock time or a
counter: the median of its repetitions, or its single figure), and prints for every
benchmark the median and range over the runs and each run's figure, then ratios between
benchmarks taken in the same run.

Usage:
  bench/series.py [--runs N] [--pause S] [--time cpu|real | --counter NAME]
                  [--ratio A/B ...] [--under NAME=NS ...] [--json FILE]
                  -- BINARY [BENCHMARK ARGS...]

  --runs N        runs of the binary (default 5)
  --pause S       seconds between runs (default 10)
  --time cpu|real the benchmark's CPU time (default) or its wall-clock time (for benchmarks
                  that time several threads, such as the rings' and the sharded book's)
  --counter NAME  a counter the benchmarks report instead of a time (items_per_second,
                  msgs_per_s, ...); benchmarks without it are left out
  --ratio A/B     A's figure over B's, per run; A and B are benchmark names without "BM_"
                  (for example new_order_decode_quickfix_dictionary/new_order_decode_exwire)
  --under NAME=NS count the runs where NAME took less than NS nanoseconds (or, with
                  --counter, where its counter was below NS)
  --json FILE     also write every run's figures there

Example (the FIX decode target of docs/benchmarks.md):
  EXWIRE_FIX_DICTIONARIES=build-deps/fix-dictionaries bench/series.py --runs 12 --pause 30 \\
      --ratio new_order_decode_quickfix_dictionary/new_order_decode_exwire \\
      --under new_order_decode_exwire=60 -- build/bench/codec/fix/fix_bench \\
      --benchmark_repetitions=5 --benchmark_min_time=0.2 --benchmark_report_aggregates_only=true

Progress goes to stderr; the summary to stdout. Exit status 2 for bad arguments or a run
that fails (the run's stderr is shown), 0 otherwise.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def fail(msg):
    print("series.py: " + msg, file=sys.stderr)
    sys.exit(2)


def parse_args(argv):
    ours = argv[:argv.index("--")] if "--" in argv else argv
    if "-h" in ours or "--help" in ours:
        print(__doc__)
        sys.exit(0)
    opts = {"runs": 5, "pause": 10.0, "time": "cpu", "counter": None, "ratios": [], "under": [],
            "json": None}
    if "--" not in argv:
        fail("expected -- BINARY [ARGS...] (see --help)")
    cut = argv.index("--")
    head, cmd = argv[:cut], argv[cut + 1:]
    if not cmd:
        fail("no benchmark binary after --")
    i = 0
    while i < len(head):
        a = head[i]
        if i + 1 >= len(head):
            fail("option %s needs a value" % a)
        v = head[i + 1]
        if a == "--runs":
            if not v.isdigit() or int(v) < 1:
                fail("--runs takes a positive whole number, not %r" % v)
            opts["runs"] = int(v)
        elif a == "--pause":
            try:
                opts["pause"] = float(v)
            except ValueError:
                fail("--pause takes seconds, not %r" % v)
            if opts["pause"] < 0:
                fail("--pause cannot be negative")
        elif a == "--time":
            if v not in ("cpu", "real"):
                fail("--time takes cpu or real, not %r" % v)
            opts["time"] = v
        elif a == "--counter":
            opts["counter"] = v
        elif a == "--ratio":
            parts = v.split("/")
            if len(parts) != 2 or not all(parts):
                fail("--ratio takes A/B (two benchmark names), not %r" % v)
            opts["ratios"].append((parts[0], parts[1]))
        elif a == "--under":
            name, _, ns = v.partition("=")
            try:
                limit = float(ns)
            except ValueError:
                fail("--under takes NAME=NS, not %r" % v)
            opts["under"].append((name, limit))
        elif a == "--json":
            opts["json"] = v
        else:
            fail("unknown option %r (see --help)" % a)
        i += 2
    if not os.path.isfile(cmd[0]) or not os.access(cmd[0], os.X_OK):
        fail("%s is not an executable file" % cmd[0])
    return opts, cmd


def strip_name(name):
    return name[3:] if name.startswith("BM_") else name


def figures(report, field, counter=None):
    """Median time in ns (`field`: cpu_time or real_time), or of `counter`, of every
    benchmark of one run's JSON report."""
    medians, singles = {}, {}
    for b in report.get("benchmarks", []):
        if b.get("error_occurred"):
            continue
        if counter is not None:
            if counter not in b:
                continue
            ns = float(b[counter])
        else:
            ns = b[field] * UNIT_NS[b.get("time_unit", "ns")]
        name = strip_name(b.get("run_name", b["name"]))
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[name] = ns
        else:
            singles.setdefault(name, []).append(ns)
    out = {n: statistics.median(v) for n, v in singles.items()}
    out.update(medians)  # the benchmark's own median wins where it reported one
    return out


def run_once(cmd, field, counter):
    # The report goes to a file, so whatever else the program prints does not matter.
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        p = subprocess.run(cmd + ["--benchmark_out=" + out.name, "--benchmark_out_format=json"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            sys.stderr.write(p.stderr)
            fail("%s exited with status %d" % (cmd[0], p.returncode))
        try:
            with open(out.name) as f:
                return figures(json.load(f), field, counter)
        except (ValueError, KeyError) as e:
            fail("cannot read the benchmark's JSON report (%s)" % e)


def fmt(v):
    if v >= 1e7:
        return "%.4g" % v
    return "%.1f" % v if v < 1000 else "%.0f" % v


def main():
    opts, cmd = parse_args(sys.argv[1:])
    runs = []
    for r in range(opts["runs"]):
        if r > 0 and opts["pause"] > 0:
            time.sleep(opts["pause"])
        stamp = time.strftime("%H:%M:%S", time.gmtime())
        print("run %d/%d at %s UTC..." % (r + 1, opts["runs"], stamp), file=sys.stderr,
              flush=True)
        runs.append({"utc": stamp,
                     "ns": run_once(cmd, opts["time"] + "_time", opts["counter"])})
    names = sorted({n for run in runs for n in run["ns"]})
    for a, b in opts["ratios"]:
        for n in (a, b):
            if n not in names:
                fail("--ratio names %r, which no run reported" % n)
    for n, _ in opts["under"]:
        if n not in names:
            fail("--under names %r, which no run reported" % n)

    if not names:
        fail("no benchmark reported %s" % ("the counter %r" % opts["counter"]
                                          if opts["counter"] else "a time"))
    what = ("counter %s" % opts["counter"] if opts["counter"] else
            "%s time in ns" % ("CPU" if opts["time"] == "cpu" else "wall-clock"))
    print("# %s, %d runs; %s, each the run's median" % (" ".join(cmd), len(runs), what))
    for n in names:
        vals = [run["ns"].get(n) for run in runs]
        got = [v for v in vals if v is not None]
        per_run = " ".join(fmt(v) if v is not None else "-" for v in vals)
        print("%-60s median %s  range %s-%s  runs: %s" %
              (n, fmt(statistics.median(got)), fmt(min(got)), fmt(max(got)), per_run))
    for a, b in opts["ratios"]:
        rs = [run["ns"][a] / run["ns"][b] for run in runs if a in run["ns"] and b in run["ns"]]
        print("ratio %s / %s: median %.2f  range %.2f-%.2f  runs: %s" %
              (a, b, statistics.median(rs), min(rs), max(rs), " ".join("%.2f" % x for x in rs)))
    for n, limit in opts["under"]:
        below = sum(1 for run in runs if n in run["ns"] and run["ns"][n] < limit)
        print("%s under %g%s in %d of %d runs" %
              (n, limit, "" if opts["counter"] else " ns", below, len(runs)))
    if opts["json"]:
        with open(opts["json"], "w") as f:
            json.dump({"command": cmd, "runs": runs}, f, indent=1)


if __name__ == "__main__":
    main()
