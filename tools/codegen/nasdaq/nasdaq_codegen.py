#!/usr/bin/env python3
"""Generates a C++ header of zero-copy views, builders, a visit() dispatch and run-time
descriptors from a message-set XML file.

The input is the XML message-definition format of Nasdaq's Python library (nasdaq_protocols):
a root element holding enums-root, fielddef-root, records-root and messages-root;
<message id=NAME message-id=TYPE direction=incoming|outgoing><fields><field .../></fields>;
field attributes name, type, length, ref, array, endian, def. exwire adds a few field types
Nasdaq's own layouts need (timestamp_6_be, timestamp_8_be, price_4_be, price_8_be,
price8_8_be, sprice_4_be, appendage) and two field attributes: justify="right" for
right-justified fixed strings and optional="true" for an OUCH appendage that may be absent.

Usage: nasdaq_codegen.py INPUT.xml OUTPUT.hpp --namespace NAME [--set-name NAME] [--no-type-byte]
"""
import argparse
import copy
import keyword
import re
import sys
import xml.etree.ElementTree as ET

# XML type -> (field_kind, traits template, value type, fixed size)
SCALARS = {
    'boolean': ('boolean', 'boolean', 'bool', 1),
    'byte': ('byte', 'byte_type', 'std::uint8_t', 1),
    'int_2': ('int_2', 'int_2', 'std::int16_t', 2),
    'int_2_be': ('int_2_be', 'int_2_be', 'std::int16_t', 2),
    'uint_2': ('uint_2', 'uint_2', 'std::uint16_t', 2),
    'uint_2_be': ('uint_2_be', 'uint_2_be', 'std::uint16_t', 2),
    'int_4': ('int_4', 'int_4', 'std::int32_t', 4),
    'int_4_be': ('int_4_be', 'int_4_be', 'std::int32_t', 4),
    'uint_4': ('uint_4', 'uint_4', 'std::uint32_t', 4),
    'uint_4_be': ('uint_4_be', 'uint_4_be', 'std::uint32_t', 4),
    'int_8': ('int_8', 'int_8', 'std::int64_t', 8),
    'int_8_be': ('int_8_be', 'int_8_be', 'std::int64_t', 8),
    'uint_8': ('uint_8', 'uint_8', 'std::uint64_t', 8),
    'uint_8_be': ('uint_8_be', 'uint_8_be', 'std::uint64_t', 8),
    'char_ascii': ('char_ascii', 'char_ascii', 'char', 1),
    'char_iso-8859-1': ('char_iso', 'char_iso', 'char', 1),
    'timestamp_6_be': ('timestamp_6', 'timestamp_6', 'std::uint64_t', 6),
    'timestamp_8_be': ('timestamp_8', 'timestamp_8', 'std::uint64_t', 8),
    'price_4_be': ('price_4_4', 'price_4_4', 'std::uint32_t', 4),
    'price_8_be': ('price_8_4', 'price_8_4', 'std::uint64_t', 4 * 2),
    'price8_8_be': ('price_8_8', 'price_8_8', 'std::uint64_t', 8),
    'sprice_4_be': ('sprice_4_4', 'sprice_4_4', 'std::int32_t', 4),
}
FIXED_STR = {'str_ascii_n': 'str_ascii_n', 'str_iso-8859-1_n': 'str_iso_n'}
PREFIXED_STR = {'str_ascii': 'str_ascii', 'str_iso-8859-1': 'str_iso'}
RESERVED = {'type', 'name', 'dir', 'min_size', 'fixed_size', 'view', 'builder', 'data', 'size',
            'finish', 'check', 'info', 'ok', 'valid', 'offsets', 'is_fixed'}


def snake(name):
    s = re.sub(r'[^0-9A-Za-z]+', '_', name)
    s = re.sub(r'([a-z0-9])([A-Z])', r'\1_\2', s)
    s = re.sub(r'([A-Z]+)([A-Z][a-z])', r'\1_\2', s)
    s = s.strip('_').lower()
    if not s or s[0].isdigit():
        s = 'f_' + s
    if keyword.iskeyword(s) or s in CPP_KEYWORDS:
        s += '_'
    return s


CPP_KEYWORDS = {'and', 'or', 'not', 'xor', 'bool', 'char', 'int', 'long', 'short', 'signed',
                'unsigned', 'float', 'double', 'void', 'auto', 'case', 'default', 'switch',
                'new', 'delete', 'this', 'template', 'typename', 'class', 'struct', 'union',
                'enum', 'namespace', 'using', 'public', 'private', 'protected', 'virtual',
                'const', 'static', 'volatile', 'register', 'extern', 'friend', 'operator',
                'explicit', 'inline', 'return', 'goto', 'do', 'while', 'for', 'if', 'else',
                'break', 'continue', 'try', 'catch', 'throw', 'sizeof', 'typedef', 'true',
                'false', 'nullptr', 'export', 'module', 'import', 'concept', 'requires',
                'bitand', 'bitor', 'compl', 'mutable', 'asm', 'alignas', 'alignof', 'decltype',
                'noexcept', 'static_assert', 'thread_local', 'char8_t', 'char16_t', 'char32_t',
                'wchar_t', 'constexpr', 'consteval', 'constinit', 'co_await', 'co_return',
                'co_yield', 'dynamic_cast', 'static_cast', 'const_cast', 'reinterpret_cast',
                'typeid', 'not_eq', 'or_eq', 'and_eq', 'xor_eq', 'std', 'exwire'}


class Field:
    def __init__(self, name, type_=None, ref=None, array=None, length=None, endian=None,
                 justify=None, optional=None):
        self.name, self.type, self.ref, self.array = name, type_, ref, array
        self.length = int(length) if length else None
        self.endian, self.justify, self.optional = endian, justify, optional == 'true'


def parse_field(el, fielddefs):
    if el.get('def'):
        f = copy.deepcopy(fielddefs[el.get('def')])
        f.name = el.get('name', f.name)
        return f
    return Field(el.get('name'), el.get('type'), el.get('ref'), el.get('array'), el.get('length'),
                 el.get('endian'), el.get('justify'), el.get('optional'))


def parse_fields(container, fielddefs):
    if container is None:
        return []
    return [parse_field(e, fielddefs) for e in container]


class Model:
    def __init__(self, path):
        root = ET.parse(path).getroot()
        self.enums, self.records, self.messages, self.fielddefs = {}, {}, [], {}
        for el in root:
            if el.tag == 'enums-root':
                for e in el:
                    vals = [(v.get('name'), (v.text or '').strip() if v.get('value') is None else v.get('value'),
                             v.get('description') or '') for v in e]
                    self.enums[e.get('id')] = (e.get('type'), vals)
            elif el.tag == 'fielddef-root':
                for f in el:
                    self.fielddefs[f.get('name')] = parse_field(f, {})
        for el in root:
            if el.tag == 'records-root':
                for r in el:
                    self.records[r.get('id')] = parse_fields(r[0] if len(r) else None, self.fielddefs)
            elif el.tag == 'messages-root':
                for m in el:
                    mid = m.get('message-id')
                    # as nasdaq_protocols does: digits are the numeric id, anything else one char
                    if mid is None or not mid:
                        sys.exit(f'message {m.get("id")}: missing message-id')
                    t = int(mid) if mid.isdigit() else ord(mid)
                    if len(mid) > 1 and not mid.isdigit() or t > 255:
                        sys.exit(f'message {m.get("id")}: message-id must be one character or 0..255')
                    self.messages.append((m.get('id'), t, m.get('direction') or 'any',
                                          parse_fields(m[0] if len(m) else None, self.fielddefs)))


class Resolved:
    """A field with its kind, traits, value type and element size (0 = variable)."""

    def __init__(self, model, f, owner):
        self.f, self.name, self.acc = f, f.name, snake(f.name)
        if self.acc in RESERVED:
            self.acc += '_'
        self.enum = None
        self.record = None
        t = f.type
        if f.ref and not t:
            t = 'record:' + f.ref
        if t is None:
            sys.exit(f'{owner}.{f.name}: neither type nor ref')
        if t.startswith('enum:'):
            self.enum = t[5:]
            if self.enum not in model.enums:
                sys.exit(f'{owner}.{f.name}: unknown enum {self.enum}')
            t = model.enums[self.enum][0]
        if t.startswith('record:'):
            self.record = t[7:]
            if self.record not in model.records:
                sys.exit(f'{owner}.{f.name}: unknown record {self.record}')
            self.kind, self.traits, self.value = 'record', None, None
            self.size = record_size(model, self.record)
        elif t in SCALARS:
            self.kind, self.traits, self.value, self.size = SCALARS[t]
        elif t in FIXED_STR:
            if not f.length:
                sys.exit(f'{owner}.{f.name}: {t} needs length')
            self.kind = FIXED_STR[t]
            self.traits = f'fixed_string<{f.length}, {"true" if f.justify == "right" else "false"}>'
            self.value, self.size = 'std::string_view', f.length
        elif t in PREFIXED_STR:
            self.kind, self.traits, self.value, self.size = PREFIXED_STR[t], 'prefixed_string', 'std::string_view', 0
        elif t == 'bytes_rest':
            self.kind, self.traits, self.value, self.size = 'rest', None, 'exwire::bytes', 0
        elif t == 'appendage':
            self.kind, self.traits, self.value, self.size = 'appendage', None, 'exwire::bytes', 0
        else:
            sys.exit(f'{owner}.{f.name}: unknown type {t}')
        self.array = f.array is not None and f.array != 'false'
        if f.array == 'double':
            sys.exit(f'{owner}.{f.name}: nested arrays are not supported')
        if self.enum:
            self.value = 'enum_' + snake(self.enum)

    @property
    def variable(self):
        return self.array or self.size == 0


def record_size(model, name, seen=()):
    total = 0
    for f in model.records[name]:
        r = Resolved(model, f, name)
        if r.variable:
            sys.exit(f'record {name}: field {f.name} is variable; records must be fixed-size')
        total += r.size
    return total


def cpp_char(v):
    c = ord(v)
    if v == "'" or v == '\\':
        return "'\\" + v + "'"
    if 32 <= c < 127:
        return f"'{v}'"
    return f"static_cast<char>({c})"


def gen(model, ns, set_name, type_byte):
    out = []
    w = out.append
    w('#pragma once')
    w(f'// Generated by tools/codegen/nasdaq/nasdaq_codegen.py from the {set_name} message set. Do not edit.')
    w('// Views: zero-copy over bytes the caller keeps alive; accessors are memcpy + byte swap at')
    w('// compile-time offsets, noexcept, no bounds check (visit() and check() check sizes first).')
    w('// Builders: write into a caller span and report too_small from finish(); never throw.')
    w('#include <cstddef>\n#include <cstdint>\n#include <cstring>\n#include <span>\n#include <string_view>')
    w('#include <type_traits>\n\n#include <exwire/codec/nasdaq/generated_support.hpp>\n')
    w(f'namespace exwire::codec::nasdaq::{ns} {{\n')
    # enums
    for ename, (etype, vals) in model.enums.items():
        if etype in SCALARS:
            under = SCALARS[etype][2]
            if under == 'bool':
                under = 'std::uint8_t'
            w(f'/// {ename}')
            w(f'enum class enum_{snake(ename)} : {under} {{')
            for vname, vval, desc in vals:
                lit = cpp_char(vval) if under == 'char' else vval
                if under == 'std::uint8_t' and etype == 'boolean':
                    lit = '1' if vval in ('True', '1') else '0'
                w(f'    {snake(vname)} = {lit},{"  ///< " + desc if desc else ""}')
            w('};\n')
    # descriptors for records
    for rname, fields in model.records.items():
        rs = [Resolved(model, f, rname) for f in fields]
        emit_field_table(w, f'record_{snake(rname)}_fields', rs)
        w(f'inline constexpr record_info record_{snake(rname)}_info{{"{rname}", '
          f'{table_ref(f"record_{snake(rname)}_fields", rs)}, {sum(r.size for r in rs)}}};\n')
    # record structs
    for rname, fields in model.records.items():
        rs = [Resolved(model, f, rname) for f in fields]
        emit_struct(w, model, snake(rname), rname, None, 'any', rs, False, f'record_{snake(rname)}_info')
    # messages: one type byte per direction
    seen_ids = {}
    for (mname, mtype, mdir, _) in model.messages:
        for d in ([mdir] if mdir != 'any' else ['incoming', 'outgoing', 'any']):
            if (mtype, d) in seen_ids:
                sys.exit(f'{mname}: message-id {mtype} already used by {seen_ids[(mtype, d)]} ({d})')
            seen_ids[(mtype, d)] = mname
    infos = []
    for (mname, mtype, mdir, fields) in model.messages:
        rs = [Resolved(model, f, mname) for f in fields]
        tname = f'msg_{snake(mname)}' if snake(mname) in [snake(r) for r in model.records] else snake(mname)
        emit_field_table(w, f'{tname}_fields', rs)
        infos.append((tname, mname, mtype, mdir, rs))
        emit_struct(w, model, tname, mname, mtype if type_byte else None, mdir, rs, True, None)
    if infos:
        w('inline constexpr message_info messages[] = {')
        for tname, mname, mtype, mdir, rs in infos:
            w(f'    {{"{mname}", {mtype}, direction::{mdir}, {table_ref(tname + "_fields", rs)}, {tname}::min_size}},')
        w('};')
        w(f'inline constexpr message_set_info set{{"{set_name}", messages}};\n')
        dirs = sorted({i[3] for i in infos})
        emit_visit(w, 'visit', infos)
        if len(dirs) > 1 or dirs != ['any']:
            for d in dirs:
                emit_visit(w, f'visit_{d}', [i for i in infos if i[3] in (d, 'any')])
    w(f'}}  // namespace exwire::codec::nasdaq::{ns}')
    return '\n'.join(out) + '\n'


def table_ref(name, rs):
    return name if rs else 'std::span<const field_info>{}'


def emit_field_table(w, name, rs):
    if not rs:
        return
    w(f'inline constexpr field_info {name}[] = {{')
    for r in rs:
        length = r.size if r.kind in ('str_ascii_n', 'str_iso_n', 'record') else 0
        rec = f'&record_{snake(r.record)}_info' if r.record else 'nullptr'
        w(f'    {{"{r.name}", field_kind::{r.kind}, {length}, {str(r.f.justify == "right").lower()}, '
          f'{str(r.f.optional).lower()}, {str(r.array).lower()}, {str(r.f.endian == "big").lower()}, {rec}}},')
    w('};')


def elem_cpp(r):
    """C++ element type used by array views and builders."""
    if r.record:
        return f'{snake(r.record)}::view'
    return r.traits


def emit_struct(w, model, tname, xname, mtype, mdir, rs, is_msg, rec_info):
    base = 1 if mtype is not None else 0
    # offsets up to and including the first variable field
    off = base
    fixed_offsets = {}
    first_var = None
    for i, r in enumerate(rs):
        fixed_offsets[i] = off
        if r.variable:
            first_var = i
            break
        off += r.size
    fixed_part = off  # bytes before the first variable field (or total size)
    if first_var is None:
        min_size = fixed_part
        build_size = fixed_part
    else:
        r0 = rs[first_var]
        # the minimum: everything before the first variable field, plus its length prefix
        # unless optional; later fields count their minimum too
        min_size = fixed_part
        build_size = fixed_part
        for r in rs[first_var:]:
            if r.f.optional:
                break
            min_size += (0 if r.kind == 'rest' else 2) if r.variable else r.size
        for r in rs[first_var:]:
            build_size += (0 if r.kind == 'rest' else 2) if r.variable else r.size
    w(f'/// {xname}' + (f' (type {cpp_char(chr(mtype)) if mtype < 128 else mtype}, {mdir})' if mtype is not None else ' (record)'))
    w(f'struct {tname} {{')
    if mtype is not None:
        w(f'    static constexpr std::uint8_t type = {mtype};')
        w(f'    static constexpr direction dir = direction::{mdir};')
    w(f'    static constexpr std::string_view name = "{xname}";')
    w(f'    static constexpr bool is_fixed = {str(first_var is None).lower()};')
    w(f'    /// Smallest valid size{" (the exact size)" if first_var is None else ""}, type byte included.')
    w(f'    static constexpr std::size_t min_size = {min_size};')
    w(f'    /// Size a fresh builder produces (variable fields empty).')
    w(f'    static constexpr std::size_t fixed_size = {build_size};')
    if rec_info:
        w(f'    static constexpr const record_info& info = {rec_info};')
    w('    /// Byte offsets known at compile time (fields after a variable one have none).')
    w('    struct offsets {')
    for i, o in fixed_offsets.items():
        w(f'        static constexpr std::size_t {rs[i].acc} = {o};')
    w('    };')
    # check()
    w('    /// ok when msg holds exactly one well-formed message of this type.')
    w('    [[nodiscard]] static visit_status check(exwire::bytes msg) noexcept {')
    if first_var is None:
        # one compare on the hot path (the exact size), the reason only when it fails
        w('        if (msg.size() == min_size) [[likely]] return visit_status::ok;')
        w('        return msg.size() < min_size ? visit_status::truncated : visit_status::oversized;')
    else:
        w('        if (msg.size() < min_size) return visit_status::truncated;')
        w(f'        std::size_t pos = {fixed_part};')
        emit_walk(w, rs[first_var:], '        ', check=True)
        w('        return pos == msg.size() ? visit_status::ok : visit_status::oversized;')
    w('    }')
    # view
    w('    /// Read-only flyweight; valid while the bytes live. Construct only over bytes that')
    w('    /// check() accepted (visit() does this).')
    w('    class view {')
    w('    public:')
    w(f'        using message_type = {tname};')
    w('        view() = default;')
    w('        explicit view(exwire::bytes msg) noexcept : p_(msg.data()), n_(msg.size()) {}')
    w('        [[nodiscard]] exwire::bytes data() const noexcept { return {p_, n_}; }')
    for i, r in enumerate(rs):
        if first_var is None or i < first_var:
            at = f'p_ + {fixed_offsets[i]}'
        elif i == first_var:
            at = f'p_ + {fixed_offsets[i]}'
        else:
            at = f'p_ + offset_of_{r.acc}()'
        emit_accessor(w, r, at)
    w('        /// Calls f(field name, value) for every field in wire order (decodes each one).')
    w('        template <typename F>')
    w('        void for_each_field([[maybe_unused]] F&& f) const {')
    for r in rs:
        w(f'            f(std::string_view("{r.name}"), {r.acc}());')
    w('        }')
    if first_var is not None:
        for i in range(first_var + 1, len(rs)):
            w(f'        [[nodiscard]] std::size_t offset_of_{rs[i].acc}() const noexcept {{')
            w(f'            std::size_t pos = {fixed_part};')
            emit_walk(w, rs[first_var:i], '            ', check=False)
            w('            return pos;')
            w('        }')
    w('    private:')
    w('        const std::byte* p_ = nullptr;')
    w('        std::size_t n_ = 0;')
    w('    };')
    # builder
    emit_builder(w, rs, mtype, fixed_offsets, first_var, fixed_part, build_size)
    w('};\n')


def emit_walk(w, rs, ind, check):
    for r in rs:
        if r.f.optional:
            w(f'{ind}if (pos == {"msg.size()" if check else "n_"}) return pos;' if not check else f'{ind}if (pos == msg.size()) return visit_status::ok;')
        src = 'msg.data()' if check else 'p_'
        lim = 'msg.size()'
        if r.array:
            if check:
                w(f'{ind}if (pos + 2 > {lim}) return visit_status::truncated;')
            ld = 'load_be' if r.f.endian == 'big' else 'load_le'
            if r.size:
                w(f'{ind}pos += 2 + std::size_t{{{ld}<std::uint16_t>({src} + pos)}} * {r.size};')
                if check:
                    w(f'{ind}if (pos > {lim}) return visit_status::truncated;')
            else:
                w(f'{ind}{{ const std::size_t count = {ld}<std::uint16_t>({src} + pos); pos += 2;')
                w(f'{ind}  for (std::size_t k = 0; k < count; ++k) {{')
                if check:
                    w(f'{ind}    if (pos + 2 > {lim}) return visit_status::truncated;')
                w(f'{ind}    pos += 2 + prefixed_string::length_at({src} + pos);')
                if check:
                    w(f'{ind}    if (pos > {lim}) return visit_status::truncated;')
                w(f'{ind}  }} }}')
        elif r.kind == 'rest':
            w(f'{ind}pos = {"msg.size()" if check else "n_"};')
        elif r.kind == 'appendage':
            if check:
                w(f'{ind}if (pos + 2 > {lim}) return visit_status::truncated;')
            w(f'{ind}pos += 2 + std::size_t{{load_be<std::uint16_t>({src} + pos)}};')
            if check:
                w(f'{ind}if (pos > {lim}) return visit_status::truncated;')
        elif r.size == 0:
            if check:
                w(f'{ind}if (pos + 2 > {lim}) return visit_status::truncated;')
                w(f'{ind}if (load_le<std::int16_t>({src} + pos) < 0) return visit_status::malformed;')
            w(f'{ind}pos += 2 + prefixed_string::length_at({src} + pos);')
            if check:
                w(f'{ind}if (pos > {lim}) return visit_status::truncated;')
        else:
            w(f'{ind}pos += {r.size};')
            if check:
                w(f'{ind}if (pos > {lim}) return visit_status::truncated;')


def emit_accessor(w, r, at):
    if r.array:
        ld = 'load_be' if r.f.endian == 'big' else 'load_le'
        if r.size == 0:
            w(f'        /// {r.name}: element count (elements: use to_text or a walk).')
            w(f'        [[nodiscard]] std::size_t {r.acc}_count() const noexcept {{ return {ld}<std::uint16_t>({at}); }}')
            return
        w(f'        [[nodiscard]] array_view<{elem_cpp(r)}, {r.size}> {r.acc}() const noexcept {{')
        w(f'            const std::byte* q = {at};')
        w(f'            return array_view<{elem_cpp(r)}, {r.size}>(q + 2, {ld}<std::uint16_t>(q));')
        w('        }')
        return
    if r.record:
        w(f'        [[nodiscard]] {snake(r.record)}::view {r.acc}() const noexcept {{ return {snake(r.record)}::view(exwire::bytes({at}, {r.size})); }}')
        return
    if r.kind == 'rest':
        w(f'        /// {r.name}: every byte up to the end of the message.')
        w(f'        [[nodiscard]] exwire::bytes {r.acc}() const noexcept {{ const std::byte* q = {at}; return {{q, n_ - static_cast<std::size_t>(q - p_)}}; }}')
        return
    if r.kind == 'appendage':
        opt = r.f.optional
        w(f'        /// {r.name}: the appendage bytes (OUCH TagValue elements; see tag_iterator).')
        if opt:
            w(f'        [[nodiscard]] bool has_{r.acc}() const noexcept {{ return static_cast<std::size_t>({at} - p_) + 2 <= n_; }}')
            w(f'        [[nodiscard]] exwire::bytes {r.acc}() const noexcept {{')
            w(f'            if (!has_{r.acc}()) return {{}};')
        else:
            w(f'        [[nodiscard]] exwire::bytes {r.acc}() const noexcept {{')
        w(f'            const std::byte* q = {at};')
        w('            return {q + 2, load_be<std::uint16_t>(q)};')
        w('        }')
        return
    if r.enum:
        w(f'        [[nodiscard]] {r.value} {r.acc}() const noexcept {{ return static_cast<{r.value}>({r.traits}::load({at})); }}')
        return
    w(f'        [[nodiscard]] {r.value} {r.acc}() const noexcept {{ return {r.traits}::load({at}); }}')


def emit_builder(w, rs, mtype, fixed_offsets, first_var, fixed_part, build_size):
    w('    /// Writes a message into a caller span. Fixed-offset setters may come in any order;')
    w('    /// fields from the first variable one on must be set in declaration order (each')
    w('    /// appends). finish() reports too_small if anything did not fit; nothing is written')
    w('    /// outside the span.')
    w('    class builder {')
    w('    public:')
    w('        explicit builder(exwire::mutable_bytes out) noexcept : p_(out.data()), cap_(out.size()) {')
    w('            if (cap_ < fixed_size) { ok_ = false; return; }')
    w('            std::memset(p_, 0, fixed_size);')
    if mtype is not None:
        w('            p_[0] = static_cast<std::byte>(type);')
    for i, r in enumerate(rs):
        if first_var is not None and i >= first_var:
            break
        if r.kind in ('str_ascii_n', 'str_iso_n', 'char_ascii', 'char_iso'):
            w(f'            std::memset(p_ + {fixed_offsets[i]}, \' \', {r.size});')
        if r.record:
            w(f'            {snake(r.record)}::builder(exwire::mutable_bytes(p_ + {fixed_offsets[i]}, {r.size}));')
    w(f'            pos_ = {fixed_part if first_var is None else fixed_part};')
    w('        }')
    for i, r in enumerate(rs):
        fixed = first_var is None or i < first_var
        if fixed:
            at = f'p_ + {fixed_offsets[i]}'
            if r.record:
                w(f'        /// {r.name}: a builder over the record bytes inside this message.')
                w(f'        [[nodiscard]] {snake(r.record)}::builder {r.acc}() noexcept {{ return {snake(r.record)}::builder(ok_ ? exwire::mutable_bytes(p_ + {fixed_offsets[i]}, {r.size}) : exwire::mutable_bytes{{}}); }}')
                continue
            val = r.value
            conv = f'static_cast<typename {r.traits}::value_type>(v)' if r.enum else 'v'
            w(f'        builder& {r.acc}({val} v) noexcept {{')
            w(f'            if (ok_) {r.traits}::store({at}, {conv});')
            w('            return *this;')
            w('        }')
        else:
            # appended fields
            if r.kind == 'rest':
                w(f'        builder& {r.acc}(exwire::bytes v) noexcept {{')
                w('            start_();')
                w('            if (!ok_ || pos_ + v.size() > cap_) { ok_ = false; return *this; }')
                w('            if (!v.empty()) std::memcpy(p_ + pos_, v.data(), v.size());')
                w('            pos_ += v.size();')
                w('            return *this;')
                w('        }')
            elif r.kind == 'appendage':
                if r.f.optional:
                    w(f'        /// Leaves out the optional {r.name} length field (call before anything after it).')
                    w(f'        builder& omit_{r.acc}() noexcept {{ omitted_ = true; return *this; }}')
                w(f'        builder& {r.acc}(exwire::bytes v) noexcept {{ append_blob(v, true); return *this; }}')
            elif r.array and r.size:
                ld = 'store_be' if r.f.endian == 'big' else 'store_le'
                if r.record:
                    w(f'        /// {r.name}: count, then that many encoded {r.record} records (count * {r.size} bytes).')
                    w(f'        builder& {r.acc}(std::uint16_t count, exwire::bytes records) noexcept {{')
                    w(f'            start_();')
                    w(f'            if (!ok_ || records.size() != std::size_t{{count}} * {r.size} || pos_ + 2 + records.size() > cap_) {{ ok_ = false; return *this; }}')
                    w(f'            {ld}<std::uint16_t>(p_ + pos_, count);')
                    w('            std::memcpy(p_ + pos_ + 2, records.data(), records.size());')
                    w('            pos_ += 2 + records.size();')
                    w('            return *this;')
                    w('        }')
                else:
                    ev = r.value
                    conv = f'static_cast<typename {r.traits}::value_type>(e)' if r.enum else 'e'
                    w(f'        builder& {r.acc}(std::span<const {ev}> v) noexcept {{')
                    w('            start_();')
                    w(f'            if (!ok_ || v.size() > 65535 || pos_ + 2 + v.size() * {r.size} > cap_) {{ ok_ = false; return *this; }}')
                    w(f'            {ld}<std::uint16_t>(p_ + pos_, static_cast<std::uint16_t>(v.size()));')
                    w('            pos_ += 2;')
                    w(f'            for (const auto& e : v) {{ {r.traits}::store(p_ + pos_, {conv}); pos_ += {r.size}; }}')
                    w('            return *this;')
                    w('        }')
            elif r.array:
                ld = 'store_be' if r.f.endian == 'big' else 'store_le'
                w(f'        builder& {r.acc}(std::span<const std::string_view> v) noexcept {{')
                w('            start_();')
                w('            std::size_t need = 2;')
                w('            for (auto s : v) need += 2 + s.size();')
                w('            if (!ok_ || v.size() > 65535 || pos_ + need > cap_) { ok_ = false; return *this; }')
                w(f'            {ld}<std::uint16_t>(p_ + pos_, static_cast<std::uint16_t>(v.size()));')
                w('            pos_ += 2;')
                w('            for (auto s : v) append_blob(to_bytes(s), false);')
                w('            return *this;')
                w('        }')
            elif r.size == 0:
                w(f'        builder& {r.acc}(std::string_view v) noexcept {{ append_blob(to_bytes(v), false); return *this; }}')
            else:
                if r.record:
                    w(f'        builder& {r.acc}(exwire::bytes record) noexcept {{')
                    w('            start_();')
                    w(f'            if (!ok_ || record.size() != {r.size} || pos_ + {r.size} > cap_) {{ ok_ = false; return *this; }}')
                    w(f'            std::memcpy(p_ + pos_, record.data(), {r.size}); pos_ += {r.size};')
                    w('            return *this;')
                    w('        }')
                    continue
                conv = f'static_cast<typename {r.traits}::value_type>(v)' if r.enum else 'v'
                w(f'        builder& {r.acc}({r.value} v) noexcept {{')
                w('            start_();')
                w(f'            if (!ok_ || pos_ + {r.size} > cap_) {{ ok_ = false; return *this; }}')
                w(f'            {r.traits}::store(p_ + pos_, {conv}); pos_ += {r.size};')
                w('            return *this;')
                w('        }')
    if first_var is not None and rs[first_var].kind == 'appendage':
        # fresh builder already holds a zero appendage length
        pass
    if all(not r.array and not r.record for r in rs):
        w('        /// Sets every field from v (in declaration order), e.g. to re-encode a decoded message.')
        w('        builder& assign([[maybe_unused]] const view& v) noexcept {')
        for r in rs:
            if r.kind == 'appendage' and r.f.optional:
                w(f'            if (!v.has_{r.acc}()) omit_{r.acc}(); else {r.acc}(v.{r.acc}());')
            else:
                w(f'            {r.acc}(v.{r.acc}());')
        w('            return *this;')
        w('        }')
    w('        /// Size written, or too_small.')
    w('        [[nodiscard]] encode_result finish() const noexcept {')
    if first_var is not None:
        w('            if (!ok_) return {encode_status::too_small, 0};')
        w(f'            std::size_t n = pos_;')
        # a fresh builder has every appended field empty: account for their prefixes
        w('            if (!started_) n = empty_size();')
        w('            return {encode_status::ok, n};')
    else:
        w('            return ok_ ? encode_result{encode_status::ok, fixed_size} : encode_result{encode_status::too_small, 0};')
    w('        }')
    w('    private:')
    if first_var is not None:
        w('        [[nodiscard]] std::size_t empty_size() const noexcept {')
        opt_first = rs[first_var].f.optional
        w(f'            return {"omitted_ ? " + str(fixed_part) + " : " if opt_first else ""}fixed_size;')
        w('        }')
        w('        void append_blob(exwire::bytes v, bool big_endian_length) noexcept {')
        w('            if (!ok_) return;')
        w('            start_();')
        w('            if (v.size() > (big_endian_length ? 65535u : 32767u) || pos_ + 2 + v.size() > cap_) { ok_ = false; return; }')
        w('            if (big_endian_length) store_be<std::uint16_t>(p_ + pos_, static_cast<std::uint16_t>(v.size()));')
        w('            else store_le<std::int16_t>(p_ + pos_, static_cast<std::int16_t>(v.size()));')
        w('            if (!v.empty()) std::memcpy(p_ + pos_ + 2, v.data(), v.size());')
        w('            pos_ += 2 + v.size();')
        w('        }')
        w('        void start_() noexcept { if (!started_) { started_ = true; pos_ = ' + str(fixed_part) + '; } }')
        w('        bool started_ = false;')
        # only where something reads or sets it (clang warns about an unused private field)
        if opt_first or any(r.kind == 'appendage' and r.f.optional for r in rs):
            w('        bool omitted_ = false;')
    w('        std::byte* p_;')
    w('        std::size_t cap_;')
    w('        std::size_t pos_ = 0;')
    w('        bool ok_ = true;')
    w('    };')


def emit_visit(w, fname, infos):
    w('/// Dispatches msg on its type byte: checks its size, then calls visitor(T::view) when the')
    w('/// visitor accepts that view type. Unknown types call visitor.on_unknown(msg) when it')
    w('/// exists and return unknown_type; nothing is read beyond msg.')
    w('template <typename Visitor>')
    w(f'[[nodiscard]] inline visit_status {fname}(exwire::bytes msg, Visitor&& visitor) {{')
    w('    if (msg.empty()) return visit_status::truncated;')
    w('    switch (static_cast<std::uint8_t>(msg[0])) {')
    seen = set()
    for tname, mname, mtype, mdir, rs in infos:
        if mtype in seen:
            continue
        seen.add(mtype)
        w(f'        case {mtype}: {{')
        w(f'            const visit_status s = {tname}::check(msg);')
        w('            if (s != visit_status::ok) [[unlikely]] return s;')
        w(f'            if constexpr (std::is_invocable_v<Visitor&, {tname}::view>) visitor({tname}::view(msg));')
        w('            return s;')
        w('        }')
    w('        default:')
    w('            if constexpr (requires { visitor.on_unknown(msg); }) visitor.on_unknown(msg);')
    w('            return visit_status::unknown_type;')
    w('    }')
    w('}\n')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('input')
    ap.add_argument('output')
    ap.add_argument('--namespace', required=True)
    ap.add_argument('--set-name')
    ap.add_argument('--no-type-byte', action='store_true')
    a = ap.parse_args()
    model = Model(a.input)
    text = gen(model, a.namespace, a.set_name or a.namespace, not a.no_type_byte)
    with open(a.output, 'w', encoding='utf-8') as f:
        f.write(text)


if __name__ == '__main__':
    main()
