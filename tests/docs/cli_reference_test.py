#!/usr/bin/env python3
"""docs/cli.md documents every subcommand and option the `exwire` binary has.

Walks `exwire --help`, then `exwire CMD --help` for every subcommand it lists (and their
subcommands, recursively), as CLI11 prints them. Each command path must have a heading in
docs/cli.md naming it (`exwire journal dump`), and each of its long options (--json) must
appear in that command's section. A section holding a line
<!-- options: PAGE.md --> hands its command (and the commands below it) to that page in
docs/: there, each subcommand name and option must appear somewhere in PAGE.md.
Usage: cli_reference_test.py EXWIRE CLI_MD
"""
import os
import re
import subprocess
import sys


def help_of(exwire, path):
    run = subprocess.run([exwire, *path, "--help"], capture_output=True, text=True, timeout=30)
    return run.stdout + run.stderr


def parse(text):
    """(subcommands, long options) of one CLI11 help text."""
    subs, options, section = [], [], None
    for line in text.splitlines():
        if re.match(r"^[A-Z][A-Za-z ]*:\s*$", line):
            section = line.strip().rstrip(":")
            continue
        if section == "Subcommands":
            m = re.match(r"^  ([a-z][a-z0-9-]*)\b", line)
            if m:
                subs.append(m.group(1))
        elif section is not None and section != "Subcommands":
            for opt in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", line.split("  ", 2)[1]
                                  if line.startswith("  ") and len(line.split("  ", 2)) > 1
                                  else ""):
                if opt != "--help":
                    options.append(opt)
    return subs, options


def sections(doc):
    """Heading text -> the text up to the next heading."""
    out = {}
    parts = re.split(r"^(#{1,6} .*)$", doc, flags=re.M)
    for i in range(1, len(parts), 2):
        out[parts[i]] = parts[i + 1]
    return out


def delegated(secs, path, docs_dir):
    """Text of the page the section of `path` or of an ancestor hands its options to."""
    for n in range(len(path), 0, -1):
        name = "exwire " + " ".join(path[:n])
        for h, body in secs.items():
            if re.search(r"`%s`" % re.escape(name), h):
                m = re.search(r"<!-- options: (\S+\.md) -->", body)
                if m:
                    target = os.path.join(docs_dir, m.group(1))
                    return open(target, encoding="utf-8").read() if os.path.exists(target) else ""
    return None


def main():
    exwire, cli_md = sys.argv[1], sys.argv[2]
    doc = open(cli_md, encoding="utf-8").read()
    secs = sections(doc)
    docs_dir = os.path.dirname(os.path.abspath(cli_md))
    problems, checked = [], 0
    todo = [[]]
    while todo:
        path = todo.pop(0)
        subs, options = parse(help_of(exwire, path))
        if not path and not subs:
            problems.append("`exwire --help` lists no subcommands")
        todo += [path + [s] for s in subs]
        if not path:
            continue
        checked += 1
        name = "exwire " + " ".join(path)
        page = delegated(secs, path, docs_dir)
        if page is not None:
            if not page:
                problems.append(f"`{name}`: the page its section points to does not exist")
            elif path[-1] not in page:
                problems.append(f"`{name}`: not mentioned in the page its section points to")
            for opt in options:
                if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(opt), page):
                    problems.append(f"`{name}`: option {opt} is not described in its page")
            continue
        heading = [h for h in secs if re.search(r"`%s`" % re.escape(name), h)]
        if not heading:
            problems.append(f"no heading for `{name}`")
            continue
        body = secs[heading[0]]
        for opt in options:
            if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(opt), body):
                problems.append(f"`{name}`: option {opt} is not described in its section")
    for p in problems:
        print(p)
    print(f"{checked} commands checked, {len(problems)} problem(s)")
    return 1 if problems or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
