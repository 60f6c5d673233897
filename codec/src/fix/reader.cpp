// FIX framing: one pass over the header fields, then the checksum and the field walk.
#include "exwire/codec/fix/reader.hpp"

#include <cstring>

namespace exwire::codec::fix {

namespace {

constexpr std::string_view begin_prefix = "8=FIX";
using detail::max_begin_string;
using detail::max_body_length_digits;

frame_result need_more() noexcept {
    return {frame_status::need_more, malformed_reason::none, 0};
}

frame_result malformed(std::string_view buf, malformed_reason r) noexcept {
    return detail::malformed_at(buf, r);
}

// True if `buf` is a (possibly partial) prefix of `expected`. Inline byte compares: the
// prefixes are a few bytes, and a library memcmp call costs more than the compare.
constexpr bool is_prefix_of(std::string_view buf, std::string_view expected) noexcept {
    const std::size_t n = buf.size() < expected.size() ? buf.size() : expected.size();
    for (std::size_t i = 0; i < n; ++i)
        if (buf[i] != expected[i]) return false;
    return true;
}

}  // namespace

std::string_view to_string(malformed_reason r) noexcept {
    switch (r) {
        case malformed_reason::none:
            return "none";
        case malformed_reason::garbage:
            return "garbage before BeginString";
        case malformed_reason::bad_begin_string:
            return "BeginString (8) missing or invalid";
        case malformed_reason::bad_body_length:
            return "BodyLength (9) missing or not numeric";
        case malformed_reason::body_too_long:
            return "BodyLength (9) above the maximum";
        case malformed_reason::bad_msg_type:
            return "MsgType (35) not the third field";
        case malformed_reason::body_length_mismatch:
            return "BodyLength (9) does not end at CheckSum (10)";
        case malformed_reason::bad_checksum_format:
            return "CheckSum (10) not three digits";
        case malformed_reason::checksum_mismatch:
            return "CheckSum (10) incorrect";
        case malformed_reason::bad_tag:
            return "tag not a positive number";
        case malformed_reason::missing_equals:
            return "tag not followed by '='";
        case malformed_reason::empty_value:
            return "field without value";
        case malformed_reason::bad_data_length:
            return "data field length invalid";
    }
    return "unknown";
}

std::size_t find_begin_string(std::string_view buf, std::size_t from) noexcept {
    const std::size_t n = buf.size();
    for (std::size_t i = from; i < n; ++i) {
        const void* hit = std::memchr(buf.data() + i, '8', n - i);
        if (hit == nullptr) return n;
        i = static_cast<std::size_t>(static_cast<const char*>(hit) - buf.data());
        if (is_prefix_of(buf.substr(i), begin_prefix)) return i;  // full match or partial tail
    }
    return n;
}

frame_result detail::check_envelope(std::string_view buf, std::size_t max_body_length,
                                    std::size_t& body_start_out,
                                    std::size_t& body_end_out) noexcept {
    const char* const b = buf.data();
    const std::size_t n = buf.size();
    if (n == 0) return need_more();
    if (!is_prefix_of(buf, begin_prefix)) {
        return {frame_status::malformed, malformed_reason::garbage, find_begin_string(buf, 1)};
    }
    if (n < begin_prefix.size()) return need_more();

    // 8=<value><SOH>
    std::size_t p = 2;
    while (p < n && b[p] != soh) {
        if (p - 2 >= max_begin_string || b[p] == '=')
            return malformed(buf, malformed_reason::bad_begin_string);
        ++p;
    }
    if (p >= n) return need_more();
    ++p;

    // 9=<digits><SOH>
    if (p < n && b[p] != '9') return malformed(buf, malformed_reason::bad_body_length);
    if (p + 1 < n && b[p + 1] != '=') return malformed(buf, malformed_reason::bad_body_length);
    if (p + 2 > n) return need_more();
    p += 2;
    const std::size_t digits_start = p;
    std::size_t body_length = 0;
    while (p < n && b[p] >= '0' && b[p] <= '9') {
        if (p - digits_start >= max_body_length_digits)
            return malformed(buf, malformed_reason::body_too_long);
        body_length = body_length * 10 + static_cast<std::size_t>(b[p] - '0');
        ++p;
    }
    if (p >= n) return need_more();
    if (b[p] != soh || p == digits_start) return malformed(buf, malformed_reason::bad_body_length);
    if (body_length > max_body_length) return malformed(buf, malformed_reason::body_too_long);
    ++p;
    const std::size_t body_start = p;

    // 35=<value><SOH> is the first body field.
    if (!is_prefix_of(buf.substr(p), "35=")) return malformed(buf, malformed_reason::bad_msg_type);
    if (n - p < 4) return need_more();
    if (b[p + 3] == soh) return malformed(buf, malformed_reason::bad_msg_type);

    const std::size_t body_end = body_start + body_length;
    const std::size_t total = body_end + 7;  // 10=NNN<SOH>
    if (n < total) {
        // Catch a wrong BodyLength early when the bytes already show it cannot be right
        // is not possible in general (data fields may hold anything): wait for the bytes.
        return need_more();
    }
    if (b[body_end] != '1' || b[body_end + 1] != '0' || b[body_end + 2] != '=' ||
        (body_end > 0 && b[body_end - 1] != soh)) {
        return malformed(buf, malformed_reason::body_length_mismatch);
    }
    unsigned declared = 0;
    for (std::size_t i = body_end + 3; i < body_end + 6; ++i) {
        if (b[i] < '0' || b[i] > '9') return malformed(buf, malformed_reason::bad_checksum_format);
        declared = declared * 10 + static_cast<unsigned>(b[i] - '0');
    }
    if (b[body_end + 6] != soh) return malformed(buf, malformed_reason::bad_checksum_format);
    if (checksum(buf.substr(0, body_end)) != declared) {
        return malformed(buf, malformed_reason::checksum_mismatch);
    }

    body_start_out = body_start;
    body_end_out = body_end;
    return {frame_status::complete, malformed_reason::none, total};
}

frame_result check_frame(std::string_view buf, std::size_t max_body_length) noexcept {
    return decode(
        buf, [](const field&) noexcept {}, max_body_length);
}

}  // namespace exwire::codec::fix
