#!/usr/bin/env python3
"""Turns a QuickFIX-format FIX dictionary into typed C++ views and builders.

Output (into --out, for namespace exwire::codec::fix::<ns>):
  fields.hpp             tags as constants (tag::ClOrdID) and enumerated values
                         (values::Side::BUY) as compile-time constants
  <message>.hpp          one header per message: <message>_view (typed getters, group
                         ranges with typed entry views) and <message>_builder (typed setters
                         over exwire::codec::fix::writer)
  messages.hpp           includes every message header (convenient, slow to compile)

`--list` prints the file names that would be written (meson needs them at configure time).
"""
import argparse
import keyword
import os
import re
import sys
import xml.etree.ElementTree as ET

CPP_KEYWORDS = set(
    "alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t "
    "char32_t class compl concept const consteval constexpr constinit const_cast continue co_await "
    "co_return co_yield decltype default delete do double dynamic_cast else enum explicit export "
    "extern false float for friend goto if inline int long mutable namespace new noexcept not "
    "not_eq nullptr operator or or_eq private protected public register reinterpret_cast requires "
    "return short signed sizeof static static_assert static_cast struct switch template this "
    "thread_local throw true try typedef typeid typename union unsigned using virtual void volatile "
    "wchar_t while xor xor_eq NULL EOF TRUE FALSE DELETE IN OUT ERROR".split())
RESERVED_MEMBERS = {"view", "finish", "writer", "message_type", "entries", "begin", "end", "get"}

INT_TYPES = {"INT", "LENGTH", "NUMINGROUP", "SEQNUM", "TAGNUM", "DAYOFMONTH"}
DEC_TYPES = {"FLOAT", "QTY", "QUANTITY", "PRICE", "PRICEOFFSET", "AMT", "PERCENTAGE"}


def snake(name):
    name = name.replace("IDs", "Ids")
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    s = re.sub(r"[^A-Za-z0-9_]", "_", s).lower()
    if s in CPP_KEYWORDS or s in RESERVED_MEMBERS or keyword.iskeyword(s):
        s += "_"
    return s


def ident(text):
    s = re.sub(r"[^A-Za-z0-9]+", "_", text.strip()).strip("_").upper()
    if not s:
        s = "VALUE"
    if s[0].isdigit():
        s = "V_" + s
    if s in CPP_KEYWORDS:
        s += "_"
    return s


def cpp_string(v):
    out = []
    for ch in v:
        if ch in "\\\"":
            out.append("\\" + ch)
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            out.append("\\x%02x" % ord(ch))
    return '"' + "".join(out) + '"'


class Dictionary:
    def __init__(self, path):
        root = ET.parse(path).getroot()
        self.fields = {}  # name -> (tag, type, [(enum, desc)])
        for f in root.find("fields").findall("field"):
            vals = [(v.get("enum"), v.get("description") or v.get("enum")) for v in f.findall("value")]
            self.fields[f.get("name")] = (int(f.get("number")), f.get("type"), vals)
        self.components = {c.get("name"): c for c in (root.find("components") or [])}
        self.messages = []
        for m in root.find("messages").findall("message"):
            self.messages.append((m.get("name"), m.get("msgtype"), self.expand(m)))

    def expand(self, node, depth=0):
        """Members as a list of ('field', name) or ('group', name, members)."""
        out = []
        for c in node:
            kind, name = c.tag, c.get("name")
            if kind == "field":
                out.append(("field", name))
            elif kind == "component":
                out.extend(self.expand(self.components[name], depth + 1))
            elif kind == "group":
                out.append(("group", name, self.expand(c, depth + 1)))
        return out


def all_tags(d, members):
    tags = []
    for m in members:
        tags.append(d.fields[m[1]][0])
        if m[0] == "group":
            tags.extend(all_tags(d, m[2]))
    return sorted(set(tags))


def getter(d, name, indent, src):
    tag, ftype, _ = d.fields[name]
    fn = snake(name)
    doc = f"{indent}/// {name} ({tag}, {ftype})\n"
    if ftype in INT_TYPES:
        body = f"return parse_int({src}.get({tag}));"
        rt = "std::optional<std::int64_t>"
    elif ftype in DEC_TYPES:
        body = f"return parse_decimal({src}.get({tag}));"
        rt = "std::optional<decimal>"
    elif ftype == "CHAR":
        body = f"return parse_char({src}.get({tag}));"
        rt = "std::optional<char>"
    elif ftype == "BOOLEAN":
        body = f"return parse_bool({src}.get({tag}));"
        rt = "std::optional<bool>"
    elif ftype == "UTCTIMESTAMP":
        body = f"return parse_utc_timestamp({src}.get({tag}));"
        rt = "std::optional<time_value>"
    elif ftype == "UTCTIMEONLY":
        body = f"return parse_utc_time_only({src}.get({tag}));"
        rt = "std::optional<time_value>"
    elif ftype in ("UTCDATEONLY", "UTCDATE", "LOCALMKTDATE"):
        body = f"return parse_date({src}.get({tag}));"
        rt = "std::optional<date>"
    elif ftype == "MONTHYEAR":
        body = f"return parse_month_year({src}.get({tag}));"
        rt = "std::optional<month_year>"
    else:
        body = f"return opt_string({src}.get({tag}));"
        rt = "std::optional<std::string_view>"
    return f"{doc}{indent}[[nodiscard]] {rt} {fn}() const noexcept {{ {body} }}\n"


def setter(d, name, cls, indent):
    tag, ftype, _ = d.fields[name]
    fn = snake(name)
    if ftype in INT_TYPES:
        return f"{indent}{cls}& {fn}(std::int64_t v) noexcept {{ w_.add_int({tag}, v); return *this; }}\n"
    if ftype in DEC_TYPES:
        return f"{indent}{cls}& {fn}(decimal v) noexcept {{ w_.add_decimal({tag}, v); return *this; }}\n"
    if ftype == "CHAR":
        return f"{indent}{cls}& {fn}(char v) noexcept {{ w_.add_char({tag}, v); return *this; }}\n"
    if ftype == "BOOLEAN":
        return f"{indent}{cls}& {fn}(bool v) noexcept {{ w_.add_bool({tag}, v); return *this; }}\n"
    if ftype == "UTCTIMESTAMP":
        return (f"{indent}{cls}& {fn}(std::int64_t nanos_since_epoch, unsigned digits = 3) noexcept "
                f"{{ w_.add_timestamp({tag}, nanos_since_epoch, digits); return *this; }}\n")
    return f"{indent}{cls}& {fn}(std::string_view v) noexcept {{ w_.add({tag}, v); return *this; }}\n"


def freeze(members):
    return tuple((m[0], m[1], freeze(m[2])) if m[0] == "group" else (m[0], m[1]) for m in members)


class Groups:
    """Every distinct group of the dictionary gets one entry view and one entry builder,
    each group in its own header (group_<class>.hpp) shared by all messages."""

    def __init__(self, d, ns):
        self.d = d
        self.ns = ns
        self.names = {}  # frozen group -> class name
        self.used = set()
        self.files = {}  # file name -> text

    def qualified(self, group):
        return f"::exwire::codec::fix::{self.ns}::groups::{self.class_for(group)}"

    def include(self, group):
        return f'#include "exwire/codec/fix/{self.ns}/group_{self.class_for(group)}.hpp"\n'

    def class_for(self, group):
        key = freeze([group])[0]
        if key in self.names:
            return self.names[key]
        base = snake(group[1]).rstrip("_")
        cls = base
        n = 2
        while cls in self.used:
            cls = f"{base}_{n}"
            n += 1
        self.used.add(cls)
        self.names[key] = cls
        d = self.d
        tags = all_tags(d, group[2])
        gname = group[1]
        incs = sorted(set(self.include(m) for m in group[2] if m[0] == "group"))
        out = [
            "#pragma once\n",
            f"// Generated from a FIX dictionary by tools/codegen/fix/generate.py: group {gname}.\n",
            "// Entry view (typed getters over one entry's bytes) and entry builder. Do not edit.\n\n",
            "#include <array>\n#include <cstdint>\n#include <optional>\n#include <string_view>\n\n",
            '#include "exwire/codec/fix/generated_support.hpp"\n',
            '#include "exwire/codec/fix/writer.hpp"\n',
        ] + incs + [
            f"\nnamespace exwire::codec::fix::{self.ns}::groups {{\n\n",
            f"/// One entry of group {gname} ({d.fields[gname][0]}).\n",
            f"class {cls} {{\npublic:\n",
            f"    static constexpr int count_tag = {d.fields[gname][0]};\n",
            f"    static constexpr int delimiter = {d.fields[group[2][0][1]][0]};\n",
            f"    static constexpr std::array<int, {len(tags)}> member_tags{{{', '.join(map(str, tags))}}};\n",
            f"    explicit {cls}(message_view v) noexcept : v_(v) {{}}\n",
            f"    [[nodiscard]] message_view view() const noexcept {{ return v_; }}\n",
        ]
        emit_members(d, group[2], "    ", "v_", out, self)
        out.append(f"\nprivate:\n    message_view v_;\n}};\n\n")
        emit_builder(d, group[2], f"{cls}_builder", out,
                     f"Writes one entry of group {gname}: start with {group[2][0][1]}, the delimiter.",
                     f"    explicit {cls}_builder(writer& w) noexcept : w_(w) {{}}\n")
        out.append(f"}}  // namespace exwire::codec::fix::{self.ns}::groups\n")
        self.files[f"group_{cls}.hpp"] = "".join(out)
        return cls


def emit_members(d, members, indent, src, out, groups):
    done = set()
    for m in members:
        name = m[1]
        if name in done:
            continue
        done.add(name)
        out.append(getter(d, name, indent, src))
        if m[0] == "group":
            cls = groups.qualified(m)
            fn = snake(name)
            out.append(f"{indent}/// Entries of group {name}.\n")
            out.append(f"{indent}[[nodiscard]] typed_group<{cls}> {fn}_entries() const noexcept {{\n")
            out.append(f"{indent}    return typed_group<{cls}>(group_range({src}, {cls}::count_tag, {cls}::delimiter, {cls}::member_tags));\n")
            out.append(f"{indent}}}\n")


def emit_builder(d, members, builder, out, doc, ctor):
    out.append(f"/// {doc}\n")
    out.append(f"class {builder} {{\npublic:\n")
    out.append(ctor)
    done = set()
    for m in members:
        fname = m[1]
        if fname in done:
            continue
        done.add(fname)
        tag, ftype, _ = d.fields[fname]
        if ftype == "DATA":
            continue  # written with its length field through writer::add_data
        out.append(setter(d, fname, builder, "    "))
    out.append("    [[nodiscard]] writer& raw() noexcept { return w_; }\n")
    out.append("\nprivate:\n    writer& w_;\n};\n\n")


def message_header(d, ns, name, msg_type, members, groups):
    view = snake(name).rstrip("_") + "_view"
    builder = snake(name).rstrip("_") + "_builder"
    body = []
    emit_members(d, members, "    ", "v_", body, groups)
    incs = sorted(set(groups.include(m) for m in members if m[0] == "group"))
    out = [
        "#pragma once\n",
        f"// Generated from a FIX dictionary by tools/codegen/fix/generate.py: {name} (35={msg_type}).\n",
        "// View: typed getters over a framed message (std::nullopt when absent or malformed);\n",
        "// groups as ranges of entry views. Builder: typed setters appending to a writer in call\n",
        "// order (group entries through groups::<group>_builder). Same lifetimes as message_view\n",
        "// and writer. Do not edit.\n\n",
        "#include <array>\n#include <cstdint>\n#include <optional>\n#include <string_view>\n\n",
        '#include "exwire/codec/fix/generated_support.hpp"\n',
        '#include "exwire/codec/fix/writer.hpp"\n',
    ] + incs + [
        f"\nnamespace exwire::codec::fix::{ns} {{\n\n",
        f"/// {name} (35={msg_type}) read from a complete frame.\n",
        f"class {view} {{\npublic:\n",
        f"    static constexpr std::string_view message_type = {cpp_string(msg_type)};\n",
        f"    explicit {view}(message_view v) noexcept : v_(v) {{}}\n",
        "    [[nodiscard]] message_view view() const noexcept { return v_; }\n",
    ] + body + ["\nprivate:\n    message_view v_;\n};\n\n"]
    emit_builder(d, members, builder, out, f"Builds {name} (35={msg_type}); fields are written in call order.",
                 f"    {builder}(writer& w, const session_header& h, const header_values& v) noexcept : w_(w) {{\n"
                 f"        w_.start(h, {cpp_string(msg_type)}, v);\n    }}\n"
                 "    [[nodiscard]] write_status finish(exwire::bytes& out) noexcept { return w_.finish(out); }\n")
    out.append(f"}}  // namespace exwire::codec::fix::{ns}\n")
    return "".join(out)


def fields_header(d, ns):
    out = [
        "#pragma once\n",
        "// Generated from a FIX dictionary by tools/codegen/fix/generate.py: tags and enumerated\n",
        "// values as compile-time constants. Do not edit.\n\n",
        "#include <string_view>\n\n",
        f"namespace exwire::codec::fix::{ns} {{\n\nnamespace tag {{\n",
    ]
    for name, (tag, _, _) in sorted(d.fields.items(), key=lambda kv: kv[1][0]):
        out.append(f"inline constexpr int {name} = {tag};\n")
    out.append("}  // namespace tag\n\nnamespace values {\n")
    for name, (tag, ftype, vals) in sorted(d.fields.items(), key=lambda kv: kv[1][0]):
        if not vals:
            continue
        out.append(f"namespace {name} {{\n")
        used = set()
        for enum, desc in vals:
            ident_name = ident(desc)
            while ident_name in used:
                ident_name += "_"
            used.add(ident_name)
            out.append(f"inline constexpr std::string_view {ident_name} = {cpp_string(enum)};\n")
        out.append(f"}}  // namespace {name}\n")
    out.append("}  // namespace values\n\n")
    out.append(f"}}  // namespace exwire::codec::fix::{ns}\n")
    return "".join(out)


def file_name(msg_name):
    return snake(msg_name).rstrip("_") + ".hpp"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dict", required=True)
    ap.add_argument("--namespace", required=True)
    ap.add_argument("--out")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    d = Dictionary(a.dict)
    groups = Groups(d, a.namespace)
    files = {}
    for n, t, members in d.messages:
        files[file_name(n)] = message_header(d, a.namespace, n, t, members, groups)
    files.update(groups.files)
    files["fields.hpp"] = fields_header(d, a.namespace)
    inc = [f'#include "exwire/codec/fix/{a.namespace}/{file_name(n)}"\n' for n, _, _ in d.messages]
    files["messages.hpp"] = ("#pragma once\n// Generated: every message of the dictionary (slow to compile; "
                             "include single messages instead). Do not edit.\n"
                             f'#include "exwire/codec/fix/{a.namespace}/fields.hpp"\n' + "".join(inc))
    if a.list:
        print("\n".join(sorted(files)))
        return 0
    os.makedirs(a.out, exist_ok=True)
    for name, text in files.items():
        path = os.path.join(a.out, name)
        # Leave unchanged files alone so dependants are not rebuilt.
        if os.path.exists(path):
            with open(path) as f:
                if f.read() == text:
                    continue
        with open(path, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
