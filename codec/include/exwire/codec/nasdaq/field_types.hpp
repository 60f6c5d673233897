#pragma once
// Field types of the Nasdaq binary family: the encodings of Nasdaq's Python library
// (nasdaq_protocols.common.message.types) plus what Nasdaq's own layouts need (48-bit
// nanosecond timestamps, fixed-point prices with 4 or 8 implied decimals, OUCH appendages).
//
// Each type is a small struct with `size` (bytes on the wire, 0 when variable),
// `load(p)` / `store(p, v)` (memcpy + byte swap; no alignment needed, no bounds check: the
// caller has checked the span) and text conversion `to_str(out, v)` / `from_str(text, v)`
// mirroring TypeDefinition.to_str/from_str. Thread-safe: pure functions. Hot path: load and
// store are noexcept and allocate nothing; to_str appends to a std::string (cold path).

#include <bit>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include <exwire/core/bytes.hpp>

namespace exwire::codec::nasdaq {

/// Every field encoding a message set may use (the XML `type` attribute names in comments).
enum class field_kind : std::uint8_t {
    boolean,      // boolean: 1 byte, 0x01 = true
    byte,         // byte: uint8
    int_2,        // int_2: int16 little-endian
    int_2_be,     // int_2_be
    uint_2,       // uint_2
    uint_2_be,    // uint_2_be
    int_4,        // int_4
    int_4_be,     // int_4_be
    uint_4,       // uint_4
    uint_4_be,    // uint_4_be
    int_8,        // int_8
    int_8_be,     // int_8_be
    uint_8,       // uint_8
    uint_8_be,    // uint_8_be
    char_ascii,   // char_ascii: 1 byte
    char_iso,     // char_iso-8859-1: 1 byte
    str_ascii,    // str_ascii: int16 little-endian length, then bytes
    str_iso,      // str_iso-8859-1: same, ISO-8859-1 text
    str_ascii_n,  // str_ascii_n: fixed length, space padded (left-justified unless justify=right)
    str_iso_n,    // str_iso-8859-1_n
    timestamp_6,  // timestamp_6_be: uint48 big-endian, ns since midnight (ITCH)
    timestamp_8,  // timestamp_8_be: uint64 big-endian, ns since midnight (OUCH)
    price_4_4,    // price_4_be: uint32 big-endian, 4 implied decimals (ITCH Price(4))
    price_8_4,    // price_8_be: uint64 big-endian, 4 implied decimals (OUCH Price)
    price_8_8,    // price8_8_be: uint64 big-endian, 8 implied decimals (ITCH Price(8))
    sprice_4_4,   // sprice_4_be: int32 big-endian, 4 implied decimals (OUCH Signed Price)
    appendage,    // appendage: uint16 big-endian length, then that many bytes (OUCH)
    record,       // record:Name, a fixed-size group of fields
    rest,         // bytes_rest: every remaining byte of the message (SoupBinTCP payloads)
};

/// Wire size of a fixed-size kind; 0 for variable kinds (strings with prefix, appendage),
/// the declared length for fixed strings, and the record size for records (given separately).
[[nodiscard]] constexpr std::size_t fixed_size_of(field_kind k) noexcept {
    switch (k) {
        case field_kind::boolean:
        case field_kind::byte:
        case field_kind::char_ascii:
        case field_kind::char_iso:
            return 1;
        case field_kind::int_2:
        case field_kind::int_2_be:
        case field_kind::uint_2:
        case field_kind::uint_2_be:
            return 2;
        case field_kind::int_4:
        case field_kind::int_4_be:
        case field_kind::uint_4:
        case field_kind::uint_4_be:
        case field_kind::price_4_4:
        case field_kind::sprice_4_4:
            return 4;
        case field_kind::timestamp_6:
            return 6;
        case field_kind::int_8:
        case field_kind::int_8_be:
        case field_kind::uint_8:
        case field_kind::uint_8_be:
        case field_kind::timestamp_8:
        case field_kind::price_8_4:
        case field_kind::price_8_8:
            return 8;
        default:
            return 0;
    }
}

namespace detail {
template <typename T>
inline void append_int(std::string& out, T v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}
template <typename T>
[[nodiscard]] inline bool parse_int(std::string_view s, T& v) noexcept {
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    return r.ec == std::errc{} && r.ptr == s.data() + s.size() && !s.empty();
}
}  // namespace detail

/// Integers: T is the value type, BigEndian selects the byte order.
template <typename T, bool BigEndian>
struct int_type {
    using value_type = T;
    static constexpr std::size_t size = sizeof(T);
    [[nodiscard]] static T load(const std::byte* p) noexcept {
        return BigEndian ? load_be<T>(p) : load_le<T>(p);
    }
    static void store(std::byte* p, T v) noexcept {
        if constexpr (BigEndian) {
            store_be<T>(p, v);
        } else {
            store_le<T>(p, v);
        }
    }
    static void to_str(std::string& out, T v) {
        if constexpr (sizeof(T) == 1) {
            detail::append_int(out, static_cast<unsigned>(v));
        } else {
            detail::append_int(out, v);
        }
    }
    [[nodiscard]] static bool from_str(std::string_view s, T& v) noexcept {
        if constexpr (sizeof(T) == 1) {
            unsigned u = 0;
            if (!detail::parse_int(s, u) || u > 255) return false;
            v = static_cast<T>(u);
            return true;
        } else {
            return detail::parse_int(s, v);
        }
    }
};

using int_2 = int_type<std::int16_t, false>;
using int_2_be = int_type<std::int16_t, true>;
using uint_2 = int_type<std::uint16_t, false>;
using uint_2_be = int_type<std::uint16_t, true>;
using int_4 = int_type<std::int32_t, false>;
using int_4_be = int_type<std::int32_t, true>;
using uint_4 = int_type<std::uint32_t, false>;
using uint_4_be = int_type<std::uint32_t, true>;
using int_8 = int_type<std::int64_t, false>;
using int_8_be = int_type<std::int64_t, true>;
using uint_8 = int_type<std::uint64_t, false>;
using uint_8_be = int_type<std::uint64_t, true>;
using byte_type = int_type<std::uint8_t, false>;

/// boolean: one byte, 0x01 is true (anything else reads as false, as the Python library does).
struct boolean {
    using value_type = bool;
    static constexpr std::size_t size = 1;
    [[nodiscard]] static bool load(const std::byte* p) noexcept { return *p == std::byte{1}; }
    static void store(std::byte* p, bool v) noexcept {
        *p = std::byte{v ? std::uint8_t{1} : std::uint8_t{0}};
    }
    static void to_str(std::string& out, bool v) { out += v ? "True" : "False"; }
    [[nodiscard]] static bool from_str(std::string_view s, bool& v) noexcept {
        if (s == "True" || s == "1" || s == "true") {
            v = true;
            return true;
        }
        if (s == "False" || s == "0" || s == "false") {
            v = false;
            return true;
        }
        return false;
    }
};

/// One character (ASCII or ISO-8859-1: both one byte per character).
struct char_type {
    using value_type = char;
    static constexpr std::size_t size = 1;
    [[nodiscard]] static char load(const std::byte* p) noexcept { return static_cast<char>(*p); }
    static void store(std::byte* p, char v) noexcept { *p = static_cast<std::byte>(v); }
    static void to_str(std::string& out, char v) { out += v; }
    [[nodiscard]] static bool from_str(std::string_view s, char& v) noexcept {
        if (s.size() != 1) return false;
        v = s[0];
        return true;
    }
};
using char_ascii = char_type;
using char_iso = char_type;

/// Fixed-length text of N bytes padded with spaces; left-justified unless RightJustified.
/// load() trims the padding (and NULs, which some senders use) and returns a view into the
/// message bytes: it lives as long as those bytes.
template <std::size_t N, bool RightJustified = false>
struct fixed_string {
    using value_type = std::string_view;
    static constexpr std::size_t size = N;
    [[nodiscard]] static std::string_view load(const std::byte* p) noexcept {
        std::string_view s(reinterpret_cast<const char*>(p), N);
        auto pad = [](char c) { return c == ' ' || c == '\0'; };
        if constexpr (RightJustified) {
            while (!s.empty() && pad(s.front()))
                s.remove_prefix(1);
            while (!s.empty() && pad(s.back()))
                s.remove_suffix(1);  // accept left-justified too
        } else if constexpr (N <= 8 && std::endian::native == std::endian::little) {
            // Branch-free: one 8-byte word (bytes past N read as NUL, i.e. padding); the
            // highest byte that is neither ' ' nor NUL ends the text.
            std::uint64_t w = 0;
            std::memcpy(&w, p, N);
            constexpr std::uint64_t low7 = 0x7f7f7f7f7f7f7f7fULL, high = 0x8080808080808080ULL;
            const std::uint64_t x = w ^ 0x2020202020202020ULL;
            const std::uint64_t not_nul = ((w & low7) + low7) | w;  // high bit: byte != 0
            const std::uint64_t not_sp = ((x & low7) + low7) | x;   // high bit: byte != ' '
            const std::uint64_t keep = not_nul & not_sp & high;
            const auto len = static_cast<std::size_t>((64 - std::countl_zero(keep) + 7) / 8);
            return std::string_view(reinterpret_cast<const char*>(p), len);
        } else {
            while (!s.empty() && pad(s.back()))
                s.remove_suffix(1);
        }
        return s;
    }
    /// Stores v padded with spaces; text longer than N is cut to N bytes.
    static void store(std::byte* p, std::string_view v) noexcept {
        const std::size_t n = v.size() < N ? v.size() : N;
        const std::size_t lead = RightJustified ? N - n : 0;
        std::memset(p, ' ', N);
        if (n != 0) std::memcpy(p + lead, v.data(), n);  // data() of an empty view may be null
    }
    static void to_str(std::string& out, std::string_view v) { out.append(v); }
    [[nodiscard]] static bool from_str(std::string_view s, std::string_view& v) noexcept {
        if (s.size() > N) return false;
        v = s;
        return true;
    }
};

/// Length-prefixed text (str_ascii / str_iso-8859-1): int16 little-endian length, then bytes.
/// size is 0 (variable); wire_size(p) tells the bytes used, including the prefix.
struct prefixed_string {
    using value_type = std::string_view;
    static constexpr std::size_t size = 0;
    [[nodiscard]] static std::size_t length_at(const std::byte* p) noexcept {
        const auto n = load_le<std::int16_t>(p);
        return n < 0 ? 0 : static_cast<std::size_t>(n);
    }
    [[nodiscard]] static std::string_view load(const std::byte* p) noexcept {
        return {reinterpret_cast<const char*>(p + 2), length_at(p)};
    }
    static void to_str(std::string& out, std::string_view v) { out.append(v); }
};

/// Nanoseconds since midnight, rendered as HH:MM:SS.nnnnnnnnn (Width is 6 or 8 bytes).
template <std::size_t Width>
struct timestamp {
    using value_type = std::uint64_t;
    static constexpr std::size_t size = Width;
    static_assert(Width == 6 || Width == 8);
    [[nodiscard]] static std::uint64_t load(const std::byte* p) noexcept {
        if constexpr (Width == 6) {
            return load_be48(p);
        } else {
            return load_be<std::uint64_t>(p);
        }
    }
    static void store(std::byte* p, std::uint64_t v) noexcept {
        if constexpr (Width == 6) {
            store_be48(p, v);
        } else {
            store_be<std::uint64_t>(p, v);
        }
    }
    static void to_str(std::string& out, std::uint64_t ns) {
        const std::uint64_t secs = ns / 1000000000u;
        const std::uint64_t frac = ns % 1000000000u;
        char buf[40];
        std::uint64_t hh = secs / 3600;
        const unsigned mm = static_cast<unsigned>((secs / 60) % 60);
        const unsigned ss = static_cast<unsigned>(secs % 60);
        auto r = std::to_chars(buf, buf + 24, hh);
        char* q = r.ptr;
        if (hh < 10) {  // keep two digits
            q[0] = q[-1];
            q[-1] = '0';
            ++q;
        }
        *q++ = ':';
        *q++ = static_cast<char>('0' + mm / 10);
        *q++ = static_cast<char>('0' + mm % 10);
        *q++ = ':';
        *q++ = static_cast<char>('0' + ss / 10);
        *q++ = static_cast<char>('0' + ss % 10);
        *q++ = '.';
        std::uint64_t f = frac;
        for (int i = 8; i >= 0; --i) {
            q[i] = static_cast<char>('0' + f % 10);
            f /= 10;
        }
        q += 9;
        out.append(buf, q);
    }
    /// Accepts HH:MM:SS[.fraction] (up to 9 fraction digits) or a plain integer of ns.
    [[nodiscard]] static bool from_str(std::string_view s, std::uint64_t& v) noexcept {
        if (s.find(':') == std::string_view::npos) return detail::parse_int(s, v);
        const auto c1 = s.find(':');
        const auto c2 = s.find(':', c1 + 1);
        if (c2 == std::string_view::npos) return false;
        std::uint64_t hh = 0, mm = 0, ss = 0, frac = 0;
        const auto dot = s.find('.', c2 + 1);
        if (!detail::parse_int(s.substr(0, c1), hh) ||
            !detail::parse_int(s.substr(c1 + 1, c2 - c1 - 1), mm) || mm > 59)
            return false;
        const auto sec_part =
            s.substr(c2 + 1, dot == std::string_view::npos ? s.npos : dot - c2 - 1);
        if (!detail::parse_int(sec_part, ss) || ss > 59) return false;
        if (dot != std::string_view::npos) {
            auto f = s.substr(dot + 1);
            if (f.empty() || f.size() > 9) return false;
            for (char c : f)
                if (c < '0' || c > '9') return false;
            if (!detail::parse_int(f, frac)) return false;
            for (std::size_t i = f.size(); i < 9; ++i)
                frac *= 10;
        }
        v = ((hh * 60 + mm) * 60 + ss) * 1000000000u + frac;
        return true;
    }
};
using timestamp_6 = timestamp<6>;
using timestamp_8 = timestamp<8>;

/// Fixed-point price: integer T big-endian with Decimals implied decimals. The value type is
/// the raw integer (123.4500 with 4 decimals is 1234500); text shows all decimals.
template <typename T, unsigned Decimals>
struct price {
    using value_type = T;
    static constexpr std::size_t size = sizeof(T);
    static constexpr unsigned decimals = Decimals;
    [[nodiscard]] static T load(const std::byte* p) noexcept { return load_be<T>(p); }
    static void store(std::byte* p, T v) noexcept { store_be<T>(p, v); }
    static void to_str(std::string& out, T v) {
        using U = std::make_unsigned_t<T>;
        U u;
        if (v < 0) {
            out += '-';
            u = static_cast<U>(U{0} - static_cast<U>(v));
        } else {
            u = static_cast<U>(v);
        }
        U scale = 1;
        for (unsigned i = 0; i < Decimals; ++i)
            scale = static_cast<U>(scale * 10u);
        detail::append_int(out, static_cast<U>(u / scale));
        out += '.';
        U f = static_cast<U>(u % scale);
        char buf[Decimals];
        for (unsigned i = Decimals; i > 0; --i) {
            buf[i - 1] = static_cast<char>('0' + f % 10);
            f = static_cast<U>(f / 10u);
        }
        out.append(buf, Decimals);
    }
    /// Accepts "123", "123.45" and up to Decimals fraction digits; rejects overflow.
    [[nodiscard]] static bool from_str(std::string_view s, T& v) noexcept {
        bool neg = false;
        if (!s.empty() && s.front() == '-') {
            if constexpr (!std::is_signed_v<T>) return false;
            neg = true;
            s.remove_prefix(1);
        }
        const auto dot = s.find('.');
        auto whole = s.substr(0, dot);
        auto frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
        if (frac.size() > Decimals || (whole.empty() && frac.empty())) return false;
        using U = std::make_unsigned_t<T>;
        U w = 0, f = 0;
        if (!whole.empty() && !detail::parse_int(whole, w)) return false;
        if (!whole.empty() && (whole.front() < '0' || whole.front() > '9')) return false;
        for (char c : frac)
            if (c < '0' || c > '9') return false;
        if (!frac.empty() && !detail::parse_int(frac, f)) return false;
        for (std::size_t i = frac.size(); i < Decimals; ++i)
            f = static_cast<U>(f * 10u);
        U scale = 1;
        for (unsigned i = 0; i < Decimals; ++i)
            scale = static_cast<U>(scale * 10u);
        const U limit = neg ? static_cast<U>(static_cast<U>(std::numeric_limits<T>::max()) + 1u)
                            : static_cast<U>(std::numeric_limits<T>::max());
        if (w > (limit - f) / scale) return false;
        const U u = static_cast<U>(w * scale + f);
        v = neg ? static_cast<T>(U{0} - u) : static_cast<T>(u);
        return true;
    }
};
using price_4_4 = price<std::uint32_t, 4>;
using price_8_4 = price<std::uint64_t, 4>;
using price_8_8 = price<std::uint64_t, 8>;
using sprice_4_4 = price<std::int32_t, 4>;

}  // namespace exwire::codec::nasdaq
