#pragma once
// FIX tag=value reader: framing checks over a byte span and in-place field iteration.
//
// check_frame() decides whether the bytes at the start of a span hold one complete, valid
// FIX message (BeginString, BodyLength and MsgType first, BodyLength and CheckSum correct,
// every field `tag=value<SOH>` with a numeric tag and a non-empty value, data fields taken
// by their length). message_view then walks the fields of a complete frame in place.
//
// Thread-safety: pure functions and views; any thread may call them. Views (field values,
// message_view) point into the caller's bytes and live exactly as long as those bytes.
// Errors: status enums and reasons, never exceptions; nothing reads past the span.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

#include "exwire/codec/fix/field_scan.hpp"
#include "exwire/core/bytes.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace exwire::codec::fix {

inline constexpr char soh = '\x01';

/// Outcome of framing the bytes at the start of a buffer.
enum class frame_status : std::uint8_t { complete, need_more, malformed };

/// Why a frame is malformed (frame_status::malformed).
enum class malformed_reason : std::uint8_t {
    none,
    garbage,               ///< bytes before the next `8=FIX` (skip them and read again)
    bad_begin_string,      ///< first field is not a non-empty 8=FIX... field
    bad_body_length,       ///< second field is not 9=<digits>
    body_too_long,         ///< BodyLength above the configured maximum
    bad_msg_type,          ///< third field is not a non-empty 35=...
    body_length_mismatch,  ///< no `10=` field where BodyLength says the body ends
    bad_checksum_format,   ///< CheckSum is not exactly three digits followed by SOH
    checksum_mismatch,     ///< CheckSum digits differ from the byte sum modulo 256
    bad_tag,               ///< a tag is empty, not numeric, zero or too long
    missing_equals,        ///< a tag is not followed by '='
    empty_value,           ///< a field has no value
    bad_data_length,       ///< a data field's length is not numeric or runs past the body
};

/// Short human-readable text for a reason (static storage).
[[nodiscard]] std::string_view to_string(malformed_reason r) noexcept;

/// Result of check_frame().
struct frame_result {
    frame_status status;
    malformed_reason reason;
    /// complete: bytes of the frame. malformed: bytes to discard before reading again
    /// (up to the next `8=FIX`, or everything but a trailing partial `8=FIX`). need_more: 0.
    std::size_t length;
};

/// Default largest accepted BodyLength.
inline constexpr std::size_t default_max_body_length = 1 << 20;

/// Frames the message at the start of `buf`. Never reads outside `buf`.
[[nodiscard]] frame_result check_frame(
    std::string_view buf, std::size_t max_body_length = default_max_body_length) noexcept;

[[nodiscard]] inline frame_result check_frame(
    exwire::bytes buf, std::size_t max_body_length = default_max_body_length) noexcept {
    return check_frame(exwire::to_string_view(buf), max_body_length);
}

/// Offset of the next `8=FIX` at or after `from`; if none, the offset of a trailing partial
/// prefix of it (so a caller keeps those bytes), else buf.size().
[[nodiscard]] std::size_t find_begin_string(std::string_view buf, std::size_t from) noexcept;

/// Sum of the bytes modulo 256 (the FIX CheckSum).
[[nodiscard]] inline unsigned checksum(std::string_view s) noexcept {
    const char* p = s.data();
    std::size_t n = s.size();
    std::uint64_t sum = 0;
#if defined(__SSE2__)
    // 16 bytes per step: psadbw against zero sums each 8-byte half.
    __m128i acc = _mm_setzero_si128();
    const __m128i zero = _mm_setzero_si128();
    if (n >= 16) {
        // 64 bytes per step into two accumulators (fewer loop steps, two add chains).
        __m128i acc2 = _mm_setzero_si128();
        for (; n >= 64; n -= 64, p += 64) {
            const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
            const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16));
            const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 32));
            const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 48));
            acc = _mm_add_epi64(acc, _mm_add_epi64(_mm_sad_epu8(a, zero), _mm_sad_epu8(b, zero)));
            acc2 = _mm_add_epi64(acc2, _mm_add_epi64(_mm_sad_epu8(c, zero), _mm_sad_epu8(d, zero)));
        }
        acc = _mm_add_epi64(acc, acc2);
        for (; n >= 16; n -= 16, p += 16) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
            acc = _mm_add_epi64(acc, _mm_sad_epu8(v, zero));
        }
        if (n > 0) {
            // The last n bytes: the 16 bytes ending at the end, the ones already summed
            // masked off (bytes i < 16 - n become zero).
            alignas(16) static constexpr unsigned char keep[32] = {
                0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
                0,    0,    0,    0,    0,    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + n - 16));
            const __m128i k = _mm_loadu_si128(reinterpret_cast<const __m128i*>(keep + n));
            acc = _mm_add_epi64(acc, _mm_sad_epu8(_mm_and_si128(v, k), zero));
            n = 0;
        }
    }
    sum = static_cast<std::uint64_t>(_mm_cvtsi128_si64(acc)) +
          static_cast<std::uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(acc, acc)));
#endif
    for (; n > 0; --n)
        sum += static_cast<unsigned char>(*p++);
    return static_cast<unsigned>(sum & 0xFFu);
}

namespace detail {
/// First SOH in [p, e), or e. Reads nothing outside [p, e).
[[nodiscard]] inline const char* find_soh(const char* p, const char* e) noexcept {
#if defined(__SSE2__)
    const __m128i needle = _mm_set1_epi8(0x01);
    while (e - p >= 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const int mask = _mm_movemask_epi8(_mm_cmpeq_epi8(v, needle));
        if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
        p += 16;
    }
#endif
    while (p < e && *p != soh)
        ++p;
    return p;
}
}  // namespace detail

/// For a length tag (e.g. 95 RawDataLength) the tag of the data field it announces
/// (96 RawData), or 0. The standard pairs of FIX 4.2 to 5.0 SP2.
[[nodiscard]] constexpr int data_tag_for_length(int tag) noexcept {
    if (tag < 90 || tag > 621) return 0;  // most tags: one predictable branch, no switch
    switch (tag) {
        case 90:
            return 91;
        case 93:
            return 89;
        case 95:
            return 96;
        case 212:
            return 213;
        case 348:
            return 349;
        case 350:
            return 351;
        case 352:
            return 353;
        case 354:
            return 355;
        case 356:
            return 357;
        case 358:
            return 359;
        case 360:
            return 361;
        case 362:
            return 363;
        case 364:
            return 365;
        case 445:
            return 446;
        case 618:
            return 619;
        case 621:
            return 622;
        default:
            return 0;
    }
}

/// One field: numeric tag and its value, a view into the message bytes.
struct field {
    int tag = 0;
    std::string_view value;
};

namespace detail {
/// Parses the field at `p` (within [p, end)). Returns the position after its SOH, or
/// nullptr if the bytes are not a well-formed field. `data_len` >= 0 means the value is a
/// data field of that many bytes.
[[nodiscard]] inline const char* parse_field(const char* p, const char* end, long data_len,
                                             field& out) noexcept {
    int tag = 0;
    const char* q = p;
    while (q < end && *q >= '0' && *q <= '9' && q - p < 9) {
        tag = tag * 10 + (*q - '0');
        ++q;
    }
    if (q == p || q >= end || *q != '=' || tag == 0) return nullptr;
    ++q;
    const char* v = q;
    if (data_len >= 0) {
        if (end - q < data_len + 1 || q[data_len] != soh) return nullptr;
        q += data_len;
    } else {
        q = find_soh(q, end);
        if (q >= end) return nullptr;
    }
    if (q == v) return nullptr;
    out.tag = tag;
    out.value = std::string_view(v, static_cast<std::size_t>(q - v));
    return q + 1;
}

/// The length value of a length field if it is a plain non-negative integer, else -1.
[[nodiscard]] inline long length_value(std::string_view v) noexcept {
    if (v.empty() || v.size() > 9) return -1;
    long n = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return -1;
        n = n * 10 + (c - '0');
    }
    return n;
}
}  // namespace detail

namespace detail {
/// Checks 8, 9, 35, BodyLength and CheckSum (not the body fields); on complete sets the body
/// range [body_start, body_end) that runs from 35= up to 10=.
[[nodiscard]] frame_result check_envelope(std::string_view buf, std::size_t max_body_length,
                                          std::size_t& body_start, std::size_t& body_end) noexcept;

[[nodiscard]] inline frame_result malformed_at(std::string_view buf, malformed_reason r) noexcept {
    // Discard up to the next candidate start (never zero bytes, so a caller always advances).
    return {frame_status::malformed, r, find_begin_string(buf, 1)};
}
}  // namespace detail

namespace detail {
/// Tag of `n` (1-4) characters at p: its value, or -1 if a character is not a digit. May read
/// all four bytes [p, p + 4): the caller guarantees they are in the span.
[[nodiscard]] inline int short_tag(const char* p, unsigned n) noexcept {
    if (__builtin_expect(n == 2, 1)) {  // the most common length: no word arithmetic
        const unsigned d0 = static_cast<unsigned char>(p[0]) - unsigned{'0'};
        const unsigned d1 = static_cast<unsigned char>(p[1]) - unsigned{'0'};
        return ((d0 <= 9) & (d1 <= 9)) ? static_cast<int>(d0 * 10 + d1) : -1;
    }
    std::uint32_t x;
    std::memcpy(&x, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    x = __builtin_bswap32(x);
#endif
    // Right-align the n characters (first one most significant) and pad with '0'.
    const unsigned pad = 32 - 8 * n;
    x = (x << pad) | (0x30303030u & ((std::uint32_t{1} << pad) - 1));
    // All four bytes are '0'..'9' iff the high nibbles are 3 and stay 3 after adding 6.
    const bool digits =
        (x & 0xF0F0F0F0u) == 0x30303030u && ((x + 0x06060606u) & 0xF0F0F0F0u) == 0x30303030u;
    const std::uint32_t d = x - 0x30303030u;  // bytes: thousands, hundreds, tens, ones
    const std::uint32_t pairs = (d * 10 + (d >> 8)) & 0x00FF00FFu;  // 2 two-digit numbers
    const auto v = static_cast<int>((pairs & 0xFFu) * 100 + (pairs >> 16));
    return digits ? v : -1;
}

/// One field the byte-by-byte way, from q (< e) on: its tag and value into `out` and the
/// position after its SOH, or nullptr with `reason` set. Decides the reason of every
/// malformed field; data fields announced by the previous length field are taken by length.
[[nodiscard]] inline const char* slow_field(const char* q, const char* e, int pending_data_tag,
                                            long pending_len, field& out,
                                            malformed_reason& reason) noexcept {
    int tag = 0;
    const char* t = q;
    while (t < e && *t >= '0' && *t <= '9' && t - q < 9)
        tag = tag * 10 + (*t++ - '0');
    if (t == q || tag == 0 || (t < e && *t >= '0' && *t <= '9')) {
        reason = malformed_reason::bad_tag;
        return nullptr;
    }
    if (t >= e || *t != '=') {
        reason = malformed_reason::missing_equals;
        return nullptr;
    }
    const char* v = t + 1;
    const char* ve;
    if (pending_data_tag != 0 && tag == pending_data_tag) {
        if (e - v < pending_len + 1 || v[pending_len] != soh) {
            reason = malformed_reason::bad_data_length;
            return nullptr;
        }
        ve = v + pending_len;
    } else {
        ve = find_soh(v, e);  // the body ends with SOH (checked), so found
    }
    if (ve == v) {
        reason = malformed_reason::empty_value;
        return nullptr;
    }
    out.tag = tag;
    out.value = std::string_view(v, static_cast<std::size_t>(ve - v));
    return ve + 1;
}

/// Longest BeginString value accepted ("FIXT.1.1" is 8; room for odd variants).
inline constexpr std::size_t max_begin_string = 16;
/// Most digits accepted in BodyLength.
inline constexpr std::size_t max_body_length_digits = 9;

/// Little-endian word of up to 8 characters (first character in the lowest byte), to compare
/// against a load_le of the same bytes.
template <std::size_t N>
[[nodiscard]] constexpr std::uint64_t le_word(const char (&s)[N]) noexcept {
    static_assert(N >= 1 && N - 1 <= 8);
    std::uint64_t w = 0;
    for (std::size_t i = 0; i + 1 < N; ++i)
        w |= std::uint64_t{static_cast<unsigned char>(s[i])} << (8 * i);
    return w;
}

[[nodiscard]] inline std::uint64_t load_le64(const char* p) noexcept {
    return exwire::load_le<std::uint64_t>(reinterpret_cast<const std::byte*>(p));
}
[[nodiscard]] inline std::uint32_t load_le32(const char* p) noexcept {
    return exwire::load_le<std::uint32_t>(reinterpret_cast<const std::byte*>(p));
}

/// For each byte sum modulo 256 the 8 bytes `<SOH>10=NNN<SOH>` must hold, as the
/// little-endian word of a load of them (one load and one compare check the trailer).
struct trailer_table {
    std::uint64_t word[256];
};
inline constexpr trailer_table trailer_words = [] {
    trailer_table t{};
    for (unsigned v = 0; v < 256; ++v) {
        const std::uint64_t digits = (unsigned{'0'} + v / 100) |
                                     (unsigned{'0'} + v / 10 % 10) << 8 |
                                     (unsigned{'0'} + v % 10) << 16 | 0x01u << 24;
        t.word[v] = le_word(
                        "\x01"
                        "10=") |
                    digits << 32;
    }
    return t;
}();

/// The envelope checks of check_envelope() for the usual case, from the masks of the first
/// block: 8, 9 and 35 end within the first 64 bytes, the whole frame is in `buf`, and
/// everything is right. Returns false as soon as anything differs (an error, too few bytes,
/// a header longer than a block); the caller then runs check_envelope(), which decides the
/// verdict. On true, `m0` holds the masks of [0, min(64, size)) and the body range is set.
///
/// The usual BeginStrings (`8=FIX.4.x<SOH>9=` with x a digit 0-7, `8=FIXT.1.1<SOH>9=`) are
/// two word compares, so where BodyLength's digits start is known without the masks; other
/// values are checked from the masks. The trailer `<SOH>10=NNN<SOH>` is one 8-byte load
/// compared with the text the CheckSum must have.
template <typename Scanner>
[[nodiscard]] inline bool fast_envelope(std::string_view buf, std::size_t max_body_length,
                                        block_masks& m0, std::size_t& body_start,
                                        std::size_t& body_end) noexcept {
    const char* const b = buf.data();
    const std::size_t n = buf.size();
    if (n < 32) return false;  // tiny frames (22-31 bytes) take the general path
    m0 = n >= 64 ? Scanner::scan64(b) : Scanner::scan(b, n, b, b + n);
    // BeginString value: [2, s1), at most max_begin_string bytes, no '='; then `9=`.
    unsigned digits_at;
    const std::uint64_t w0 = load_le64(b);
    const std::uint64_t w8 = load_le64(b + 8);  // n >= 32
    if (w0 == le_word("8=FIX.4.") && (w8 & 0xFFFFFFF8u) == le_word("0\x01"
                                                                   "9=")) {
        digits_at = 12;
    } else if (w0 == le_word("8=FIXT.1") && (w8 & 0xFF'FFFF'FFFFu) == le_word(".1\x01"
                                                                              "9=")) {
        digits_at = 13;
    } else {
        if ((w0 & 0xFF'FFFF'FFFFu) != le_word("8=FIX") || m0.soh == 0) return false;
        const auto s1 = static_cast<unsigned>(__builtin_ctzll(m0.soh));
        if (s1 - 2 > max_begin_string || ((m0.eq >> 2) & ((std::uint64_t{1} << (s1 - 2)) - 1)) != 0)
            return false;
        if (b[s1 + 1] != '9' || b[s1 + 2] != '=') return false;
        digits_at = s1 + 3;
    }
    // <1-9 digits><SOH>, read up to the first non-digit: where the body starts then follows
    // from the digits alone, not from the masks (n >= 32 covers digits_at + 9 <= 30).
    std::size_t length = 0;
    unsigned i = digits_at;
    for (; i < digits_at + max_body_length_digits + 1; ++i) {
        const unsigned d = static_cast<unsigned char>(b[i]) - unsigned{'0'};
        if (d > 9) break;
        length = length * 10 + d;
    }
    if (i == digits_at || i > digits_at + max_body_length_digits || b[i] != soh ||
        length > max_body_length)
        return false;
    // 35=<non-empty>: the 4 bytes from start are in the span.
    const std::size_t start = i + 1;
    if (start + 4 > n) return false;
    const std::uint32_t w35 = load_le32(b + start);
    if ((w35 & 0xFF'FFFFu) != le_word("35=") || (w35 >> 24) == 0x01u) return false;
    // <SOH>10=NNN<SOH> right where BodyLength says the body ends, NNN the byte sum.
    const std::size_t end = start + length;
    if (n - 7 < end) return false;
    const std::uint64_t trailer = load_le64(b + end - 1);
    const std::uint64_t want = trailer_words.word[checksum(std::string_view(b, end))];
    if (trailer != want) return false;
    body_start = start;
    body_end = end;
    return true;
}

/// decode() with a chosen block scanner (field_scan.hpp). Every scanner gives the same
/// results; tests run each one against the others.
///
/// The body is walked with 64-byte SOH and '=' bitmasks: the SOH bits are taken one by one
/// (count trailing zeros, clear lowest bit), each ending one field. A field whose tag has
/// 1-4 digits, whose first '=' comes before its SOH, whose value is not empty and which is
/// not a pending data field is taken straight from the masks (two- and three-digit tags
/// are checked from the bytes, the others from the first '=' or SOH bit). Anything else
/// (long tags, errors, data fields, fields that do not end within a block) goes through
/// slow_field(), which decides the reason, so both ways give the same verdicts.
template <typename Scanner, typename OnField>
[[nodiscard]] frame_result decode_with(std::string_view buf, OnField&& on_field,
                                       std::size_t max_body_length) noexcept {
    const char* const lo = buf.data();
    const char* const hi = lo + buf.size();
    std::size_t body_start = 0;
    std::size_t body_end = 0;
    // Block [base, base + 64) (or up to e): `soh` its SOH mask, `stop` its SOH and '=' bits
    // (the first one at or after a field's start ends the tag); `start` is the offset of the
    // next field in it and `pending` the SOH bits of the body at or after `start` not yet
    // consumed. Plain locals (the envelope's masks are copied in), so they stay in registers.
    const char* base = lo;
    unsigned start = 0;
    std::uint64_t pending = 0;
    std::uint64_t soh_bits = 0;
    std::uint64_t stop = 0;
    {
        block_masks m0;
        if (fast_envelope<Scanner>(buf, max_body_length, m0, body_start, body_end)) {
            // The first block already holds the first body fields: walk on from 35=.
            // Drop the trailer's SOH bits when the whole frame fits in the block.
            soh_bits = m0.soh;
            if (body_end < 64) soh_bits &= (std::uint64_t{1} << body_end) - 1;
            stop = soh_bits | m0.eq;
            start = static_cast<unsigned>(body_start);
            pending = soh_bits & (~std::uint64_t{0} << start);
        } else {
            const frame_result env = check_envelope(buf, max_body_length, body_start, body_end);
            if (env.status != frame_status::complete) return env;
            base = lo + body_start;
        }
    }
    const frame_result done{frame_status::complete, malformed_reason::none, body_end + 7};
    const char* const e = lo + body_end;
    int pending_data_tag = 0;
    long pending_len = -1;
    for (;;) {
        // Fields that end in this block, straight from the masks (none right after a length
        // field: its data field goes by length, below).
        if (pending_data_tag == 0) {
            while (pending != 0) {
                const auto end = static_cast<unsigned>(__builtin_ctzll(pending));
                const char* const t = base + start;
                int tag;
                unsigned value_at;
                // The most common field: a two-digit tag, '=' and a non-empty value, checked
                // from the bytes (t[0..3] are in the span: the trailer follows the body).
                const unsigned d0 = static_cast<unsigned char>(t[0]) - unsigned{'0'};
                const unsigned d1 = static_cast<unsigned char>(t[1]) - unsigned{'0'};
                const unsigned d2 = static_cast<unsigned char>(t[2]) - unsigned{'0'};
                if (__builtin_expect(d0 <= 9 && d1 <= 9 && t[2] == '=' && start + 3 < end, 1)) {
                    tag = static_cast<int>(d0 * 10 + d1);
                    value_at = start + 3;
                } else if (d0 <= 9 && d1 <= 9 && d2 <= 9 && t[3] == '=' && start + 4 < end) {
                    // Three digits (groups' tags are often 3-digit): the same from the bytes.
                    tag = static_cast<int>(d0 * 100 + d1 * 10 + d2);
                    value_at = start + 4;
                } else {
                    // First '=' or SOH at or after start: bit `end` is set, so there is one.
                    const auto tag_len = static_cast<unsigned>(__builtin_ctzll(stop >> start));
                    value_at = start + tag_len + 1;
                    // No '=' before the SOH, or an empty value: the byte-by-byte path decides.
                    if (value_at >= end) break;
                    if (tag_len - 1 >= 4) break;  // none, or 5+ characters: byte by byte
                    tag = short_tag(t, tag_len);
                    if (tag < 0) break;
                }
                // Tag 0 (invalid) and tags from 90 on (where the length fields are) in one
                // compare; tags 1-89 go straight on.
                if (__builtin_expect(static_cast<unsigned>(tag - 1) >= 89, 0)) {
                    if (tag == 0) break;
                    // A length field: its data field goes by length (below). One on_field
                    // call site either way keeps the callback inlined once in the loop.
                    pending_data_tag = data_tag_for_length(tag);
                    if (pending_data_tag != 0) {
                        pending_len =
                            length_value(std::string_view(base + value_at, end - value_at));
                        if (pending_len < 0)
                            return malformed_at(buf, malformed_reason::bad_data_length);
                    }
                }
                const field f{tag, std::string_view(base + value_at, end - value_at)};
                pending &= pending - 1;
                start = end + 1;
                on_field(f);
                if (pending_data_tag != 0) break;
            }
        }
        if (pending == 0) {  // the next field does not end in this block: scan from its start
            base += start;
            start = 0;
            if (base >= e) break;
            const auto left = static_cast<std::size_t>(e - base);
            const block_masks m = Scanner::scan(base, left < 64 ? left : 64, lo, hi);
            soh_bits = m.soh;
            stop = m.soh | m.eq;
            pending = soh_bits;
            if (pending != 0 && pending_data_tag == 0) continue;
        }
        // Byte-by-byte path for this field, then resume the masks after it.
        field f;
        malformed_reason reason = malformed_reason::none;
        const char* next = slow_field(base + start, e, pending_data_tag, pending_len, f, reason);
        if (next == nullptr) return malformed_at(buf, reason);
        pending_data_tag = data_tag_for_length(f.tag);
        if (pending_data_tag != 0) {
            pending_len = length_value(f.value);
            if (pending_len < 0) return malformed_at(buf, malformed_reason::bad_data_length);
        }
        on_field(f);
        const auto consumed = static_cast<std::size_t>(next - base);
        if (consumed < 64) {  // still inside this block: drop the SOH bits before `next`
            start = static_cast<unsigned>(consumed);
            pending = soh_bits & (~std::uint64_t{0} << start);
        } else {
            base = next;
            start = 0;
            pending = 0;
        }
    }
    return done;
}
}  // namespace detail

/// Frames the message at the start of `buf` like check_frame() and, in the same pass that
/// checks every body field, calls `on_field(const field&)` for each field from 35 up to (not
/// including) 10. Fields are delivered before the frame is known to be valid: act on them
/// only if the result is complete. noexcept if on_field is.
template <typename OnField>
[[nodiscard]] frame_result decode(std::string_view buf, OnField&& on_field,
                                  std::size_t max_body_length = default_max_body_length) noexcept {
    return detail::decode_with<detail::best_scanner>(buf, std::forward<OnField>(on_field),
                                                     max_body_length);
}

/// Read-only view of one complete frame (as reported by check_frame). Iteration yields
/// every field in wire order, including 8, 9 and 10; data fields are taken whole.
class message_view {
  public:
    class iterator {
      public:
        using value_type = field;
        using difference_type = std::ptrdiff_t;
        iterator() = default;
        iterator(const char* p, const char* end) noexcept : end_(end) { load(p); }
        const field& operator*() const noexcept { return f_; }
        const field* operator->() const noexcept { return &f_; }
        iterator& operator++() noexcept {
            load(next_);
            return *this;
        }
        iterator operator++(int) noexcept {
            iterator t = *this;
            ++*this;
            return t;
        }
        bool operator==(const iterator& o) const noexcept { return pos_ == o.pos_; }
        /// Position of this field's first byte within the message.
        [[nodiscard]] const char* position() const noexcept { return pos_; }

      private:
        void load(const char* p) noexcept {
            pos_ = p;
            if (p == nullptr || p >= end_) {
                pos_ = nullptr;
                return;
            }
            long dl = -1;
            if (pending_data_tag_ != 0) {
                // Only a data field right after its length field is taken by length.
                int t = 0;
                const char* q = p;
                while (q < end_ && *q >= '0' && *q <= '9' && q - p < 9)
                    t = t * 10 + (*q++ - '0');
                if (t == pending_data_tag_) dl = pending_data_len_;
            }
            next_ = detail::parse_field(p, end_, dl, f_);
            if (next_ == nullptr) {
                pos_ = nullptr;
                return;
            }
            pending_data_tag_ = data_tag_for_length(f_.tag);
            pending_data_len_ = pending_data_tag_ != 0 ? detail::length_value(f_.value) : -1;
            if (pending_data_len_ < 0) pending_data_tag_ = 0;
        }
        const char* pos_ = nullptr;
        const char* next_ = nullptr;
        const char* end_ = nullptr;
        field f_{};
        int pending_data_tag_ = 0;
        long pending_data_len_ = -1;
    };

    message_view() = default;
    /// `frame` must be one complete frame (check_frame() said complete with this length).
    explicit message_view(std::string_view frame) noexcept : frame_(frame) {}

    [[nodiscard]] iterator begin() const noexcept {
        return iterator(frame_.data(), frame_.data() + frame_.size());
    }
    [[nodiscard]] iterator end() const noexcept { return iterator(); }
    [[nodiscard]] std::string_view bytes() const noexcept { return frame_; }

    /// First field with `tag`, or end().
    [[nodiscard]] iterator find(int tag) const noexcept { return find(tag, begin()); }

    /// First field with `tag` at or after `hint`, wrapping round to the start: with a hint
    /// just past the previous field looked up, fields read in wire order cost one step each.
    [[nodiscard]] iterator find(int tag, iterator hint) const noexcept {
        const iterator e = end();
        for (iterator it = hint; it != e; ++it)
            if (it->tag == tag) return it;
        for (iterator it = begin(); it != e && it != hint; ++it)
            if (it->tag == tag) return it;
        return e;
    }

    /// Value of the first field with `tag`, or an empty view.
    [[nodiscard]] std::string_view get(int tag) const noexcept {
        const iterator it = find(tag);
        return it == end() ? std::string_view{} : it->value;
    }

    [[nodiscard]] std::string_view begin_string() const noexcept { return begin()->value; }
    [[nodiscard]] std::string_view msg_type() const noexcept {
        iterator it = begin();
        ++it;
        ++it;
        return it->value;
    }

  private:
    std::string_view frame_;
};

}  // namespace exwire::codec::fix
