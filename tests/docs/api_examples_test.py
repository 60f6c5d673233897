#!/usr/bin/env python3
"""The code in docs/api.md (and getting-started.md) is the code of docs/examples, byte for byte.

In those pages, a fenced block right after a marker line
    <!-- example: docs/examples/NAME -->   must equal the whole file;
    <!-- excerpt: docs/examples/NAME -->   must be a run of whole lines of that file.
Every docs/examples/*.cpp (and *.hpp) must be shown whole in one of the pages.
Usage: api_examples_test.py SOURCE_ROOT
"""
import pathlib
import re
import sys

PAGES = ["api.md", "getting-started.md"]
MARKER = re.compile(r"^<!-- (example|excerpt): (\S+) -->\n```[a-z+]*\n(.*?)^```$", re.M | re.S)


def main() -> int:
    root = pathlib.Path(sys.argv[1])
    problems = []
    whole = set()
    blocks = []
    for page in PAGES:
        text = (root / "docs" / page).read_text(encoding="utf-8")
        found = list(MARKER.finditer(text))
        if len(found) != text.count("<!-- example:") + text.count("<!-- excerpt:"):
            problems.append(f"{page}: a marker is not followed directly by a fenced code block")
        blocks += [(page, m) for m in found]
    for page, m in blocks:
        kind, name, code = m.group(1), m.group(2), m.group(3)
        path = root / name
        if not path.is_file():
            problems.append(f"{name}: no such file")
            continue
        text = path.read_text(encoding="utf-8")
        if kind == "example":
            if code != text:
                problems.append(f"{name}: the block in {page} differs from the file")
            whole.add(name)
        elif not code or "\n" + code not in "\n" + text:
            problems.append(f"{name}: an excerpt in {page} is not a run of lines of the file")
    for f in sorted((root / "docs" / "examples").iterdir()):
        rel = f"docs/examples/{f.name}"
        if f.suffix in (".cpp", ".hpp") and rel not in whole:
            problems.append(f"{rel} is not shown whole in {' or '.join(PAGES)}")
    for p in problems:
        print(p)
    print(f"{len(blocks)} marked blocks checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
