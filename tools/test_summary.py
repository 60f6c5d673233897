#!/usr/bin/env python3
"""Prints 'N skipped' and then 'N passed, N failed' for one or more meson testlog.json files,
summed over all of them. Every meson test counts once: a gtest binary is one test, as meson
reports it. `--failed-steps N` adds N failures (build steps that ran no test); `--interrupted`
adds one (the run was stopped)."""
import json
import sys


def count(path):
    passed = failed = skipped = 0
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                r = json.loads(line).get("result", "")
                if r in ("OK", "EXPECTEDFAIL"):
                    passed += 1
                elif r == "SKIP":
                    skipped += 1
                else:
                    failed += 1
    except FileNotFoundError:
        print(f"test_summary: no test log at {path}", file=sys.stderr)
        failed += 1
    return passed, failed, skipped


def main():
    totals = [0, 0, 0]
    args = sys.argv[1:]
    if "--interrupted" in args:  # the run was stopped before it finished: that is a failure
        args.remove("--interrupted")
        totals[1] += 1
    if "--failed-steps" in args:  # steps that could not build or configure: one failure each
        i = args.index("--failed-steps")
        totals[1] += int(args[i + 1])
        del args[i : i + 2]
    for p in args:
        for i, n in enumerate(count(p)):
            totals[i] += n
    # Skipped tests (exit 77: what they need is absent) on their own line, so that the last
    # line is exactly "N passed, N failed".
    print(f"{totals[2]} skipped")
    print(f"{totals[0]} passed, {totals[1]} failed")


if __name__ == "__main__":
    main()
