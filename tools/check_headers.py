#!/usr/bin/env python3
"""Compiles every public header on its own (-fsyntax-only), so none depends on being
included after another. Flags come from the build's compile_commands.json: a header under
<module>/include uses the flags of a source file of that module (include paths, defines,
dependency flags), so generated headers and optional dependencies resolve as in the build.

usage: check_headers.py SOURCE_ROOT BUILD_ROOT
Prints one line per failing header with the compiler's first error; exits 1 if any failed."""
import concurrent.futures
import json
import os
import shlex
import subprocess
import sys
import tempfile

MODULES = ["engine/core", "codec", "journal", "transport", "engine", "tools/sim"]


def module_of(path, root):
    rel = os.path.relpath(path, root)
    best = ""
    for m in MODULES:
        if rel.startswith(m + "/") and len(m) > len(best):
            best = m
    return best


def main():
    src, build = sys.argv[1], sys.argv[2]
    with open(os.path.join(build, "compile_commands.json")) as f:
        commands = json.load(f)
    flags_for = {}
    for c in commands:
        file = os.path.normpath(os.path.join(c["directory"], c["file"]))
        m = module_of(file, src)
        if not m or "/src/" not in file or m in flags_for:
            continue
        args = shlex.split(c["command"]) if "command" in c else c["arguments"]
        keep, skip = [], False
        for i, a in enumerate(args[1:], 1):
            if skip:
                skip = False
                continue
            if a in ("-o", "-MF", "-MQ", "-MT", "-c"):
                skip = a != "-c"
                continue
            if a.endswith((".cpp", ".cc", ".c")) or a in ("-MD",):
                continue
            keep.append(a)
        flags_for[m] = (c["directory"], args[0], keep)
    headers = []
    for m in MODULES:
        inc = os.path.join(src, m, "include")
        for dirpath, _, files in os.walk(inc):
            if m == "engine" and "/exwire/core" in dirpath:
                continue
            for f in files:
                if f.endswith((".hpp", ".h")):
                    headers.append((m, os.path.join(dirpath, f), os.path.relpath(os.path.join(dirpath, f), inc)))
    failures = []

    def check(item):
        m, path, rel = item
        if m not in flags_for:
            # A module with headers but no sources yet: use core's flags plus its include dir.
            directory, cxx, flags = flags_for["engine/core"]
            flags = flags + ["-I" + os.path.join(src, m, "include")]
        else:
            directory, cxx, flags = flags_for[m]
        with tempfile.NamedTemporaryFile("w", suffix=".cpp", delete=False) as t:
            t.write(f"#include <{rel}>\n#include <{rel}>\n")
            name = t.name
        try:
            r = subprocess.run([cxx] + flags + ["-fsyntax-only", "-fdiagnostics-color=never", name], cwd=directory, capture_output=True, text=True)
        finally:
            os.unlink(name)
        if r.returncode != 0:
            first = next((l for l in r.stderr.splitlines() if "error" in l), r.stderr.strip()[:300])
            return f"{rel}: {first}"
        return None

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        for res in ex.map(check, headers):
            if res:
                failures.append(res)
    for f in failures:
        print("not self-contained:", f)
    print(f"{len(headers) - len(failures)} of {len(headers)} public headers compile on their own")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
