#!/usr/bin/env python3
"""Prints median and range (min..max) of items per second and page faults per iteration for
each benchmark in a Google Benchmark JSON file written with --benchmark_repetitions.

usage: summary.py RESULTS.json"""
import json
import statistics
import sys
from collections import defaultdict


def main():
    with open(sys.argv[1]) as f:
        data = json.load(f)
    runs = defaultdict(list)
    for b in data["benchmarks"]:
        if b.get("run_type") == "iteration":
            runs[(b["run_name"], b.get("label", ""))].append(b)
    print(f"{'benchmark':30} {'allocator':9} {'median/s':>11} {'min/s':>11} {'max/s':>11} {'faults/iter':>11}")
    for (name, label), rs in runs.items():
        ips = [r["items_per_second"] for r in rs]
        faults = statistics.median(r.get("faults", 0.0) for r in rs)
        print(f"{name:30} {label:9} {statistics.median(ips):11.4g} {min(ips):11.4g} {max(ips):11.4g} {faults:11.0f}")


if __name__ == "__main__":
    main()
