// Cold-path conversions shared by every generated message set: walk the descriptor table,
// render text and JSON, parse text back into bytes.
#include <exwire/codec/nasdaq/message_set.hpp>

#include <cstring>
#include <map>
#include <memory>
#include <vector>

namespace exwire::codec::nasdaq {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

std::string at(std::size_t off) {
    return " at byte offset " + std::to_string(off);
}

/// Size of one element of a field (no count prefix); for variable elements reads the prefix.
result<std::size_t> element_size(const field_info& f, bytes b, std::size_t pos) {
    switch (f.kind) {
        case field_kind::str_ascii:
        case field_kind::str_iso: {
            if (pos + 2 > b.size())
                return fail("string length of " + std::string(f.name) + " truncated" + at(pos));
            const auto n = load_le<std::int16_t>(b.data() + pos);
            if (n < 0) return fail("negative string length in " + std::string(f.name) + at(pos));
            return std::size_t{2} + static_cast<std::size_t>(n);
        }
        case field_kind::appendage: {
            if (pos + 2 > b.size()) return fail("appendage length truncated" + at(pos));
            return std::size_t{2} + load_be<std::uint16_t>(b.data() + pos);
        }
        case field_kind::str_ascii_n:
        case field_kind::str_iso_n:
        case field_kind::record:
            return std::size_t{f.length};
        case field_kind::rest:
            return b.size() - pos;
        default:
            return fixed_size_of(f.kind);
    }
}

// Visits each field value: fn(field, element_bytes_pointer, element_size, index_or_-1, count).
struct walker {
    bytes b;
    std::size_t pos = 0;
    std::string error;

    bool count_of(const field_info& f, std::size_t& count) {
        if (pos + 2 > b.size()) {
            error = "array count of " + std::string(f.name) + " truncated" + at(pos);
            return false;
        }
        count = f.count_big_endian ? load_be<std::uint16_t>(b.data() + pos)
                                   : load_le<std::uint16_t>(b.data() + pos);
        pos += 2;
        return true;
    }
    bool element(const field_info& f, std::size_t& size) {
        auto r = element_size(f, b, pos);
        if (!r) {
            error = r.err().message;
            return false;
        }
        size = *r;
        if (pos + size > b.size()) {
            error = "field " + std::string(f.name) + " truncated" + at(pos);
            return false;
        }
        return true;
    }
};

void append_quoted(std::string& out, std::string_view s, bool json) {
    out += '"';
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20 || c >= 0x7f) {
            if (json) {
                out += "\\u00";
            } else {
                out += "\\x";
            }
            out += hex_digits[c >> 4];
            out += hex_digits[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '"';
}

void append_hex(std::string& out, const std::byte* p, std::size_t n) {
    out += '"';
    for (std::size_t i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned>(p[i]);
        out += hex_digits[c >> 4];
        out += hex_digits[c & 15];
    }
    out += '"';
}

bool render_fields(std::string& out, std::span<const field_info> fields, walker& w, bool json);

void render_value(std::string& out, const field_info& f, const std::byte* p, bool json, walker& w) {
    std::string tmp;
    switch (f.kind) {
        case field_kind::boolean:
            if (json) {
                out += boolean::load(p) ? "true" : "false";
            } else {
                boolean::to_str(out, boolean::load(p));
            }
            return;
        case field_kind::byte:
            byte_type::to_str(out, byte_type::load(p));
            return;
        case field_kind::int_2:
            int_2::to_str(out, int_2::load(p));
            return;
        case field_kind::int_2_be:
            int_2_be::to_str(out, int_2_be::load(p));
            return;
        case field_kind::uint_2:
            uint_2::to_str(out, uint_2::load(p));
            return;
        case field_kind::uint_2_be:
            uint_2_be::to_str(out, uint_2_be::load(p));
            return;
        case field_kind::int_4:
            int_4::to_str(out, int_4::load(p));
            return;
        case field_kind::int_4_be:
            int_4_be::to_str(out, int_4_be::load(p));
            return;
        case field_kind::uint_4:
            uint_4::to_str(out, uint_4::load(p));
            return;
        case field_kind::uint_4_be:
            uint_4_be::to_str(out, uint_4_be::load(p));
            return;
        case field_kind::int_8:
            int_8::to_str(out, int_8::load(p));
            return;
        case field_kind::int_8_be:
            int_8_be::to_str(out, int_8_be::load(p));
            return;
        case field_kind::uint_8:
            uint_8::to_str(out, uint_8::load(p));
            return;
        case field_kind::uint_8_be:
            uint_8_be::to_str(out, uint_8_be::load(p));
            return;
        case field_kind::price_4_4:
            price_4_4::to_str(out, price_4_4::load(p));
            return;
        case field_kind::price_8_4:
            price_8_4::to_str(out, price_8_4::load(p));
            return;
        case field_kind::price_8_8:
            price_8_8::to_str(out, price_8_8::load(p));
            return;
        case field_kind::sprice_4_4:
            sprice_4_4::to_str(out, sprice_4_4::load(p));
            return;
        case field_kind::char_ascii:
        case field_kind::char_iso:
            append_quoted(out, std::string_view(reinterpret_cast<const char*>(p), 1), json);
            return;
        case field_kind::timestamp_6:
            timestamp_6::to_str(tmp, timestamp_6::load(p));
            append_quoted(out, tmp, json);
            return;
        case field_kind::timestamp_8:
            timestamp_8::to_str(tmp, timestamp_8::load(p));
            append_quoted(out, tmp, json);
            return;
        case field_kind::str_ascii:
        case field_kind::str_iso:
            append_quoted(out, prefixed_string::load(p), json);
            return;
        case field_kind::str_ascii_n:
        case field_kind::str_iso_n: {
            std::string_view s(reinterpret_cast<const char*>(p), f.length);
            while (!s.empty() && (s.back() == ' ' || s.back() == '\0'))
                s.remove_suffix(1);
            if (f.right_justified)
                while (!s.empty() && (s.front() == ' ' || s.front() == '\0'))
                    s.remove_prefix(1);
            append_quoted(out, s, json);
            return;
        }
        case field_kind::appendage:
            append_hex(out, p + 2, load_be<std::uint16_t>(p));
            return;
        case field_kind::rest:
            append_quoted(
                out, std::string_view(reinterpret_cast<const char*>(p), w.b.size() - w.pos), json);
            return;
        case field_kind::record: {
            walker sub{bytes(p, f.length), 0, {}};
            render_fields(out, f.record->fields, sub, json);
            if (!sub.error.empty()) w.error = sub.error;
            return;
        }
    }
}

bool render_fields(std::string& out, std::span<const field_info> fields, walker& w, bool json) {
    out += '{';
    bool first = true;
    for (const auto& f : fields) {
        if (f.optional && w.pos == w.b.size()) break;  // optional tail absent
        if (!first) out += json ? "," : ", ";
        first = false;
        if (json) {
            append_quoted(out, f.name, true);
            out += ':';
        } else {
            out += f.name;
            out += '=';
        }
        std::size_t count = 1;
        if (f.array) {
            if (!w.count_of(f, count)) return false;
            out += '[';
        }
        for (std::size_t i = 0; i < count; ++i) {
            std::size_t size = 0;
            if (!w.element(f, size)) return false;
            if (i) out += json ? "," : ", ";
            render_value(out, f, w.b.data() + w.pos, json, w);
            if (!w.error.empty()) return false;
            w.pos += size;
        }
        if (f.array) out += ']';
    }
    out += '}';
    return true;
}

result<std::string> render(const message_info& info, bytes msg, bool json) {
    if (msg.empty()) return fail("empty message");
    if (msg.size() < info.min_size)
        return fail(std::string(info.name) + " needs " + std::to_string(info.min_size) +
                    " bytes, got " + std::to_string(msg.size()));
    walker w{msg, 1, {}};
    std::string out;
    if (json) {
        out = "{\"type\":";
        append_quoted(out, info.name, true);
        std::string body;
        if (!render_fields(body, info.fields, w, true)) return fail(w.error);
        if (body.size() > 2) {
            out += ',';
            out.append(body, 1, std::string::npos);
        } else {
            out += '}';
        }
    } else {
        out = std::string(info.name);
        if (!render_fields(out, info.fields, w, false)) return fail(w.error);
    }
    if (w.pos != msg.size())
        return fail(std::to_string(msg.size() - w.pos) + " unexpected bytes after " +
                    std::string(info.name) + at(w.pos));
    return out;
}

// ---- text parsing -------------------------------------------------------------------------

struct node {
    enum class type { scalar, quoted, list, object } t = type::scalar;
    std::string text;
    std::vector<node> items;         // list
    std::vector<std::string> names;  // object: field names
    std::vector<node> fields;        // object: values, parallel to names
};

struct text_parser {
    std::string_view s;
    std::size_t i = 0;
    std::string error;

    void ws() {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
            ++i;
    }
    bool fail_at(std::string what) {
        if (error.empty()) error = what + " at text offset " + std::to_string(i);
        return false;
    }
    static int hexval(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
    bool value(node& n) {
        ws();
        if (i >= s.size()) return fail_at("value expected");
        if (s[i] == '"') {
            n.t = node::type::quoted;
            ++i;
            while (i < s.size() && s[i] != '"') {
                if (s[i] == '\\') {
                    if (i + 1 >= s.size()) return fail_at("bad escape");
                    const char e = s[i + 1];
                    if (e == 'x') {
                        if (i + 3 >= s.size()) return fail_at("bad \\x escape");
                        const int h = hexval(s[i + 2]), l = hexval(s[i + 3]);
                        if (h < 0 || l < 0) return fail_at("bad \\x escape");
                        n.text += static_cast<char>(h * 16 + l);
                        i += 4;
                    } else {
                        n.text += e;
                        i += 2;
                    }
                } else {
                    n.text += s[i++];
                }
            }
            if (i >= s.size()) return fail_at("unterminated string");
            ++i;
            return true;
        }
        if (s[i] == '[') {
            n.t = node::type::list;
            ++i;
            ws();
            if (i < s.size() && s[i] == ']') {
                ++i;
                return true;
            }
            for (;;) {
                node item;
                if (!value(item)) return false;
                n.items.push_back(std::move(item));
                ws();
                if (i < s.size() && s[i] == ',') {
                    ++i;
                    continue;
                }
                if (i < s.size() && s[i] == ']') {
                    ++i;
                    return true;
                }
                return fail_at("',' or ']' expected");
            }
        }
        if (s[i] == '{') return object(n);
        n.t = node::type::scalar;
        const auto start = i;
        while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']')
            ++i;
        auto v = s.substr(start, i - start);
        while (!v.empty() && v.back() == ' ')
            v.remove_suffix(1);
        n.text = std::string(v);
        return true;
    }
    bool object(node& n) {
        n.t = node::type::object;
        ws();
        if (i >= s.size() || s[i] != '{') return fail_at("'{' expected");
        ++i;
        ws();
        if (i < s.size() && s[i] == '}') {
            ++i;
            return true;
        }
        for (;;) {
            ws();
            const auto start = i;
            while (i < s.size() && s[i] != '=' && s[i] != ',' && s[i] != '}')
                ++i;
            if (i >= s.size() || s[i] != '=') return fail_at("'=' expected");
            auto name = s.substr(start, i - start);
            while (!name.empty() && name.back() == ' ')
                name.remove_suffix(1);
            ++i;
            node v;
            if (!value(v)) return false;
            n.names.emplace_back(name);
            n.fields.push_back(std::move(v));
            ws();
            if (i < s.size() && s[i] == ',') {
                ++i;
                continue;
            }
            if (i < s.size() && s[i] == '}') {
                ++i;
                return true;
            }
            return fail_at("',' or '}' expected");
        }
    }
};

struct encoder {
    mutable_bytes out;
    std::size_t pos = 0;
    std::string error;

    bool room(std::size_t n, std::string_view what) {
        if (pos + n > out.size()) {
            error = "output buffer too small for " + std::string(what);
            return false;
        }
        return true;
    }
    template <typename T>
    bool num(const field_info& f, const node* n) {
        typename T::value_type v{};
        if (n && !T::from_str(n->text, v)) {
            error = "bad value '" + n->text + "' for " + std::string(f.name);
            return false;
        }
        if (!room(T::size, f.name)) return false;
        T::store(out.data() + pos, v);
        pos += T::size;
        return true;
    }
    bool element(const field_info& f, const node* n);
    bool fields(std::span<const field_info> fs, const node* obj);
};

bool encoder::element(const field_info& f, const node* n) {
    switch (f.kind) {
        case field_kind::boolean:
            return num<boolean>(f, n);
        case field_kind::byte:
            return num<byte_type>(f, n);
        case field_kind::int_2:
            return num<int_2>(f, n);
        case field_kind::int_2_be:
            return num<int_2_be>(f, n);
        case field_kind::uint_2:
            return num<uint_2>(f, n);
        case field_kind::uint_2_be:
            return num<uint_2_be>(f, n);
        case field_kind::int_4:
            return num<int_4>(f, n);
        case field_kind::int_4_be:
            return num<int_4_be>(f, n);
        case field_kind::uint_4:
            return num<uint_4>(f, n);
        case field_kind::uint_4_be:
            return num<uint_4_be>(f, n);
        case field_kind::int_8:
            return num<int_8>(f, n);
        case field_kind::int_8_be:
            return num<int_8_be>(f, n);
        case field_kind::uint_8:
            return num<uint_8>(f, n);
        case field_kind::uint_8_be:
            return num<uint_8_be>(f, n);
        case field_kind::price_4_4:
            return num<price_4_4>(f, n);
        case field_kind::price_8_4:
            return num<price_8_4>(f, n);
        case field_kind::price_8_8:
            return num<price_8_8>(f, n);
        case field_kind::sprice_4_4:
            return num<sprice_4_4>(f, n);
        case field_kind::timestamp_6:
            return num<timestamp_6>(f, n);
        case field_kind::timestamp_8:
            return num<timestamp_8>(f, n);
        case field_kind::char_ascii:
        case field_kind::char_iso: {
            if (!room(1, f.name)) return false;
            char c = ' ';
            if (n && !char_type::from_str(n->text, c)) {
                error = "one character expected for " + std::string(f.name);
                return false;
            }
            char_type::store(out.data() + pos++, c);
            return true;
        }
        case field_kind::str_ascii_n:
        case field_kind::str_iso_n: {
            const std::string_view v = n ? std::string_view(n->text) : std::string_view{};
            if (v.size() > f.length) {
                error = std::string(f.name) + " longer than " + std::to_string(f.length);
                return false;
            }
            if (!room(f.length, f.name)) return false;
            std::memset(out.data() + pos, ' ', f.length);
            if (!v.empty())  // an empty view's data() may be null, which memcpy must not get
                std::memcpy(out.data() + pos + (f.right_justified ? f.length - v.size() : 0),
                            v.data(), v.size());
            pos += f.length;
            return true;
        }
        case field_kind::str_ascii:
        case field_kind::str_iso: {
            const std::string_view v = n ? std::string_view(n->text) : std::string_view{};
            if (v.size() > 32767) {
                error = std::string(f.name) + " longer than 32767";
                return false;
            }
            if (!room(2 + v.size(), f.name)) return false;
            store_le<std::int16_t>(out.data() + pos, static_cast<std::int16_t>(v.size()));
            if (!v.empty()) std::memcpy(out.data() + pos + 2, v.data(), v.size());
            pos += 2 + v.size();
            return true;
        }
        case field_kind::appendage: {
            const std::string_view v = n ? std::string_view(n->text) : std::string_view{};
            if (v.size() % 2 || v.size() / 2 > 65535) {
                error = "appendage must be an even number of hex digits";
                return false;
            }
            if (!room(2 + v.size() / 2, f.name)) return false;
            store_be<std::uint16_t>(out.data() + pos, static_cast<std::uint16_t>(v.size() / 2));
            pos += 2;
            for (std::size_t k = 0; k < v.size(); k += 2) {
                const int h = text_parser::hexval(v[k]), l = text_parser::hexval(v[k + 1]);
                if (h < 0 || l < 0) {
                    error = "bad hex digit in appendage";
                    return false;
                }
                out[pos++] = static_cast<std::byte>(h * 16 + l);
            }
            return true;
        }
        case field_kind::rest: {
            const std::string_view v = n ? std::string_view(n->text) : std::string_view{};
            if (!room(v.size(), f.name)) return false;
            if (!v.empty()) std::memcpy(out.data() + pos, v.data(), v.size());
            pos += v.size();
            return true;
        }
        case field_kind::record: {
            if (n && n->t != node::type::object) {
                error = "'{' expected for record " + std::string(f.name);
                return false;
            }
            return fields(f.record->fields, n);
        }
    }
    return false;
}

bool encoder::fields(std::span<const field_info> fs, const node* obj) {
    if (obj) {
        for (const auto& name : obj->names) {
            bool known = false;
            for (const auto& f : fs)
                known = known || f.name == name;
            if (!known) {
                error = "unknown field '" + name + "'";
                return false;
            }
        }
    }
    for (const auto& f : fs) {
        const node* n = nullptr;
        if (obj)
            for (std::size_t k = 0; k < obj->names.size(); ++k)
                if (obj->names[k] == f.name) n = &obj->fields[k];
        if (!n && f.optional) break;  // optional tail left out
        if (f.array) {
            const std::size_t count = n ? n->items.size() : 0;
            if (n && n->t != node::type::list) {
                error = "'[' expected for " + std::string(f.name);
                return false;
            }
            if (count > 65535 || !room(2, f.name)) {
                if (error.empty()) error = "too many elements in " + std::string(f.name);
                return false;
            }
            const auto c = static_cast<std::uint16_t>(count);
            if (f.count_big_endian) {
                store_be(out.data() + pos, c);
            } else {
                store_le(out.data() + pos, c);
            }
            pos += 2;
            for (std::size_t k = 0; k < count; ++k)
                if (!element(f, &n->items[k])) return false;
        } else {
            if (n && f.kind != field_kind::record && n->t != node::type::scalar &&
                n->t != node::type::quoted) {
                error = "scalar expected for " + std::string(f.name);
                return false;
            }
            if (!element(f, n)) return false;
        }
    }
    return true;
}

}  // namespace

const message_info* find_message(const message_set_info& set, std::uint8_t type,
                                 direction dir) noexcept {
    for (const auto& m : set.messages)
        if (m.type == type && (dir == direction::any || m.dir == dir || m.dir == direction::any))
            return &m;
    return nullptr;
}

const message_info* find_message(const message_set_info& set, std::string_view name) noexcept {
    for (const auto& m : set.messages)
        if (m.name == name) return &m;
    return nullptr;
}

result<std::size_t> measure(const message_info& info, bytes msg) {
    if (msg.size() < info.min_size)
        return fail(std::string(info.name) + " truncated: needs " + std::to_string(info.min_size) +
                    " bytes, got " + std::to_string(msg.size()));
    walker w{msg, 1, {}};
    for (const auto& f : info.fields) {
        if (f.optional && w.pos == msg.size()) break;
        std::size_t count = 1;
        if (f.array && !w.count_of(f, count)) return fail(w.error);
        for (std::size_t i = 0; i < count; ++i) {
            std::size_t size = 0;
            if (!w.element(f, size)) return fail(w.error);
            w.pos += size;
        }
    }
    return w.pos;
}

result<std::string> to_text(const message_info& info, bytes msg) {
    return render(info, msg, false);
}
result<std::string> to_json(const message_info& info, bytes msg) {
    return render(info, msg, true);
}

result<std::string> to_text(const message_set_info& set, bytes msg, direction dir) {
    if (msg.empty()) return fail("empty message");
    const auto* m = find_message(set, static_cast<std::uint8_t>(msg[0]), dir);
    if (!m)
        return fail("unknown " + std::string(set.name) + " message type 0x" +
                    std::string{hex_digits[static_cast<unsigned>(msg[0]) >> 4],
                                hex_digits[static_cast<unsigned>(msg[0]) & 15]});
    return render(*m, msg, false);
}

result<std::string> to_json(const message_set_info& set, bytes msg, direction dir) {
    if (msg.empty()) return fail("empty message");
    const auto* m = find_message(set, static_cast<std::uint8_t>(msg[0]), dir);
    if (!m) return fail("unknown " + std::string(set.name) + " message type");
    return render(*m, msg, true);
}

result<std::size_t> from_text(const message_set_info& set, std::string_view text, mutable_bytes out,
                              direction dir) {
    text_parser p{text, 0, {}};
    p.ws();
    const auto start = p.i;
    while (p.i < text.size() && text[p.i] != '{')
        ++p.i;
    auto name = text.substr(start, p.i - start);
    while (!name.empty() && name.back() == ' ')
        name.remove_suffix(1);
    const message_info* m = nullptr;
    for (const auto& cand : set.messages)
        if (cand.name == name && (dir == direction::any || cand.dir == dir)) m = &cand;
    if (!m)
        return fail("unknown " + std::string(set.name) + " message '" + std::string(name) + "'");
    node obj;
    if (!p.object(obj)) return fail(p.error);
    p.ws();
    if (p.i != text.size()) return fail("trailing text at text offset " + std::to_string(p.i));
    encoder e{out, 0, {}};
    if (!e.room(1, "type")) return fail(e.error);
    out[0] = static_cast<std::byte>(m->type);
    e.pos = 1;
    if (!e.fields(m->fields, &obj)) return fail(std::string(m->name) + ": " + e.error);
    return e.pos;
}

result<std::size_t> record_from_text(const record_info& rec, std::string_view text,
                                     mutable_bytes out) {
    text_parser p{text, 0, {}};
    p.ws();
    while (p.i < text.size() && text[p.i] != '{')
        ++p.i;
    node obj;
    if (!p.object(obj)) return fail(p.error);
    encoder e{out, 0, {}};
    if (!e.fields(rec.fields, &obj)) return fail(std::string(rec.name) + ": " + e.error);
    return e.pos;
}

result<std::string> record_to_text(const record_info& rec, bytes data) {
    if (data.size() < rec.size) return fail(std::string(rec.name) + " truncated");
    walker w{data.first(rec.size), 0, {}};
    std::string out(rec.name);
    if (!render_fields(out, rec.fields, w, false)) return fail(w.error);
    return out;
}

}  // namespace exwire::codec::nasdaq
