#!/usr/bin/env python3
"""docs/config.md names every key the configuration loader knows.

The keys come from the loader itself: a file with an unknown key in every table makes
`exwire config check` answer, for each table, "unknown key (known here: a, b, ...)".
Each known key must then appear in its table's section of docs/config.md as a table row
(| `key` | ...) or, for a sub-table, as a heading. Every ```toml block that follows a line
<!-- config-check --> must pass `exwire config check`.
Usage: config_keys_test.py EXWIRE CONFIG_MD
"""
import re
import subprocess
import sys
import tempfile

PROBE = "zz_not_a_key"

# Every table the loader reads, each with the probe key, so each reports what it knows.
CONFIG = f"""
{PROBE} = 1

[engine]
{PROBE} = 1

[[shard]]
name = "main"
{PROBE} = 1

[[session]]
name = "s"
{PROBE} = 1
heartbeat = {{ {PROBE} = 1 }}
journal = {{ {PROBE} = 1 }}
reconnect = {{ {PROBE} = 1 }}
"""

# Key path of the table in the error message -> heading of its section in config.md.
SECTIONS = {
    "": None,  # top level: engine, shard, session (checked as headings)
    "engine": "## `[engine]`",
    "shard[0]": "## `[[shard]]`",
    "session[0]": "## `[[session]]`",
    "session[0].heartbeat": "### `heartbeat`",
    "session[0].journal": "### `journal`",
    "session[0].reconnect": "### `reconnect`",
}


def section_text(doc: str, heading: str) -> str:
    start = doc.find("\n" + heading)
    if start < 0:
        return ""
    level = heading.split(" ")[0]
    rest = doc[start + 1 + len(heading):]
    # The section ends at the next heading of the same or a higher level.
    ends = [m.start() for m in re.finditer(r"^#{1,%d} " % len(level), rest, re.M)]
    return rest[: ends[0]] if ends else rest


def main() -> int:
    exwire, config_md = sys.argv[1], sys.argv[2]
    with tempfile.NamedTemporaryFile("w", suffix=".toml") as f:
        f.write(CONFIG)
        f.flush()
        run = subprocess.run([exwire, "config", "check", f.name], capture_output=True,
                             text=True, timeout=60)
    out = run.stdout + run.stderr
    known = {}
    for m in re.finditer(r":\s*((?:[a-z_]+(?:\[\d+\])?\.)*)" + PROBE +
                         r": unknown key \(known here: ([^)]*)\)", out):
        table = m.group(1).rstrip(".")
        known[table] = [k.strip() for k in m.group(2).split(",") if k.strip()]
    if run.returncode == 0 or set(known) != set(SECTIONS):
        print(f"expected an unknown-key error for each of {sorted(SECTIONS)}, got {sorted(known)}"
              f" (exit {run.returncode}):\n{out}")
        return 1

    doc = open(config_md, encoding="utf-8").read()
    headings = "\n".join(l for l in doc.splitlines() if l.startswith("#"))
    missing = []
    for table, keys in known.items():
        heading = SECTIONS[table]
        body = section_text(doc, heading) if heading else ""
        if heading and not body:
            missing.append(f"section {heading!r}")
            continue
        for key in keys:
            as_row = re.search(r"^\| `%s` \|" % re.escape(key), body, re.M)
            as_heading = f"`{key}`" in headings or f"`[{key}]`" in headings or \
                f"`[[{key}]]`" in headings
            if not (as_row or as_heading):
                missing.append(f"{table or '(top level)'}: {key}")
    checked = 0
    for m in re.finditer(r"^<!-- config-check -->\n```toml\n(.*?)^```$", doc, re.M | re.S):
        checked += 1
        with tempfile.NamedTemporaryFile("w", suffix=".toml") as f:
            f.write(m.group(1))
            f.flush()
            run = subprocess.run([exwire, "config", "check", f.name], capture_output=True,
                                 text=True, timeout=60)
        if run.returncode != 0:
            missing.append(f"example {checked} does not load: {run.stdout}{run.stderr}")
    if checked != doc.count("<!-- config-check -->"):
        missing.append("a <!-- config-check --> marker is not followed by a ```toml block")
    total = sum(len(k) for k in known.values())
    if missing:
        print(f"docs/config.md: {len(missing)} problem(s) ({total} keys known to the loader):")
        for m in missing:
            print("  " + m)
        return 1
    print(f"all {total} keys of {len(known)} tables are documented; {checked} example(s) load")
    return 0


if __name__ == "__main__":
    sys.exit(main())
