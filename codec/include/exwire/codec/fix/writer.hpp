#pragma once
// FIX tag=value writer: into a caller's buffer, no allocation, BodyLength and CheckSum filled
// in place at the end.
//
// session_header renders the fixed part of the standard header once (BeginString,
// SenderCompID, TargetCompID and any other constant header fields), split around the
// fields that vary per message (34 MsgSeqNum, 43 PossDupFlag, 52 SendingTime, 122
// OrigSendingTime), so the header comes out as QuickFIX emits it: 8, 9, 35, then the other
// header fields in ascending tag order. writer then appends body fields in call order.
//
// The body is written at a fixed reserve from the start of the buffer; finish() writes
// "8=..|9=..|" right before it, so the finished message starts a few bytes into the buffer
// (finish() returns exactly where). Thread-safety: a writer belongs to one thread; a
// session_header may be shared read-only. Errors: a sticky too_small reported by finish().

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exwire/codec/fix/reader.hpp"
#include "exwire/codec/fix/values.hpp"
#include "exwire/core/bytes.hpp"

namespace exwire::codec::fix {

enum class [[nodiscard]] write_status : std::uint8_t{ok, too_small};

/// The constant part of a session's standard header, rendered once (cold path: allocates).
class session_header {
  public:
    /// `extra` are other constant header fields (e.g. 50 SenderSubID, 57 TargetSubID,
    /// 115 OnBehalfOfCompID, 128 DeliverToCompID, 1128 ApplVerID), in any order.
    session_header(std::string_view begin_string, std::string_view sender_comp_id,
                   std::string_view target_comp_id,
                   std::vector<std::pair<int, std::string>> extra = {});

    [[nodiscard]] std::string_view begin_string() const noexcept { return begin_string_; }
    /// Constant fields with tags in (lo, hi], rendered `tag=value<SOH>...`; index 0 holds
    /// tags < 34, 1: 34..43, 2: 43..52, 3: 52..122, 4: > 122.
    [[nodiscard]] std::string_view chunk(std::size_t i) const noexcept {
        return std::string_view(text_.data() + offset_[i], size_[i]);
    }
    /// chunk(i)'s bytes, readable (zero padding) up to a multiple of 16 bytes, so the writer
    /// copies them in whole 16-byte blocks.
    [[nodiscard]] const char* padded_chunk(std::size_t i) const noexcept {
        return text_.data() + offset_[i];
    }

  private:
    std::string begin_string_;
    std::string text_;  // the five chunks, each padded with zeros to a multiple of 16 bytes
    std::array<std::size_t, 5> offset_{};
    std::array<std::size_t, 5> size_{};
};

/// Per-message values of the standard header.
struct header_values {
    std::uint64_t seq_num = 0;               ///< 34 MsgSeqNum
    std::int64_t sending_time_ns = 0;        ///< 52 SendingTime, nanoseconds since the epoch
    std::uint8_t time_digits = 3;            ///< fraction digits of times written: 0, 3, 6 or 9
    bool poss_dup = false;                   ///< 43 PossDupFlag=Y when set
    std::int64_t orig_sending_time_ns = -1;  ///< 122 OrigSendingTime when >= 0
};

namespace detail {
inline constexpr char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/// Writes the decimal digits of v ending at `end` (backwards); returns the first digit.
inline char* format_uint_backwards(char* end, std::uint64_t v) noexcept {
    while (v >= 100) {
        const auto r = static_cast<std::size_t>(v % 100) * 2;
        v /= 100;
        end -= 2;
        end[0] = digit_pairs[r];
        end[1] = digit_pairs[r + 1];
    }
    if (v >= 10) {
        end -= 2;
        end[0] = digit_pairs[v * 2];
        end[1] = digit_pairs[v * 2 + 1];
    } else {
        *--end = static_cast<char>('0' + v);
    }
    return end;
}
inline void two_digits(char* p, unsigned v) noexcept {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
}

/// Number of decimal digits of v (1 for 0).
[[nodiscard]] constexpr unsigned digit_count(std::uint64_t v) noexcept {
    unsigned n = 1;
    for (;;) {
        if (v < 10) return n;
        if (v < 100) return n + 1;
        if (v < 1000) return n + 2;
        if (v < 10000) return n + 3;
        v /= 10000;
        n += 4;
    }
}

/// Stores the 8 bytes of w at p, lowest byte first.
inline void store_word(char* p, std::uint64_t w) noexcept {
    if constexpr (std::endian::native == std::endian::big) w = exwire::byte_swap(w);
    std::memcpy(p, &w, 8);
}

/// The 8 ASCII digits of v < 10^8 (leading zeros kept), first digit in the lowest byte.
[[nodiscard]] constexpr std::uint64_t eight_digits(std::uint32_t v) noexcept {
    // Each step splits every lane in two: 4+4 digits in 32-bit lanes, 2+2 in 16-bit lanes,
    // 1+1 in bytes; the quotients use multiply-shift reciprocals exact for these ranges.
    std::uint64_t x = (v / 10000) | (static_cast<std::uint64_t>(v % 10000) << 32);
    std::uint64_t q = ((x * 10486) >> 20) & 0x0000007F0000007FULL;
    x = ((x - q * 100) << 16) | q;
    q = ((x * 103) >> 10) & 0x000F000F000F000FULL;
    x = ((x - q * 10) << 8) | q;
    return x | 0x3030303030303030ULL;
}

/// Copies n bytes with at most two loads and two stores for n <= 16 (reads and writes
/// stay within [src, src + n) and [dst, dst + n)).
inline void copy_short(char* dst, const char* src, std::size_t n) noexcept {
    if (n >= 8) {
        if (n > 16) {
            std::memcpy(dst, src, n);
            return;
        }
        std::uint64_t a, b;
        std::memcpy(&a, src, 8);
        std::memcpy(&b, src + n - 8, 8);
        std::memcpy(dst, &a, 8);
        std::memcpy(dst + n - 8, &b, 8);
    } else if (n >= 4) {
        std::uint32_t a, b;
        std::memcpy(&a, src, 4);
        std::memcpy(&b, src + n - 4, 4);
        std::memcpy(dst, &a, 4);
        std::memcpy(dst + n - 4, &b, 4);
    } else if (n > 0) {
        dst[0] = src[0];
        dst[n / 2] = src[n / 2];
        dst[n - 1] = src[n - 1];
    }
}

/// "tag=" packed in a word (first byte lowest) and its length, for tags below 10^7.
struct tag_text {
    std::uint64_t word;
    unsigned size;
};
[[nodiscard]] constexpr tag_text make_tag_text(std::uint32_t tag) noexcept {
    const unsigned n = digit_count(tag);
    std::uint64_t w = static_cast<std::uint64_t>('=') << (8 * n);
    for (unsigned i = n; i-- > 0; tag /= 10)
        w |= static_cast<std::uint64_t>('0' + tag % 10) << (8 * i);
    return {w, n + 1};
}
}  // namespace detail

/// Longest rendering of a timestamp: YYYYMMDD-HH:MM:SS.nnnnnnnnn
inline constexpr std::size_t max_timestamp_chars = 27;

/// Writes a UTCTimestamp (years 0000..9999) with 0, 3, 6 or 9 fraction digits at p; returns
/// the end. Needs max_timestamp_chars of room: bytes between the end and p +
/// max_timestamp_chars may be overwritten. Thread-safe: each thread keeps the rendering of the
/// last second it wrote ("YYYYMMDD-HH:MM:SS") and renders only the fraction while the second
/// stays the same.
char* format_utc_timestamp(char* p, std::int64_t nanos_since_epoch, unsigned digits) noexcept;

/// Builds one message into a caller's buffer. Each field is written only if its longest
/// rendering fits (e.g. "tag=" + 21 bytes for an integer, + 48 for a decimal), so size the
/// buffer for the largest message plus 64 bytes. Usage:
///   writer w(buf); w.start(header, "D", values); w.add(11, id).add_decimal(44, px) ...;
///   exwire::bytes msg; if (w.finish(msg) == write_status::ok) send(msg);
class writer {
  public:
    /// Room kept before the body for "8=<BeginString>|9=<BodyLength>|".
    static constexpr std::size_t reserve = 40;

    explicit writer(exwire::mutable_bytes buf) noexcept
        : begin_(reinterpret_cast<char*>(buf.data())), cap_(begin_ + buf.size()) {
        reset();
    }

    /// Starts a message with the standard header (8 and 9 are written by finish()).
    writer& start(const session_header& h, std::string_view msg_type,
                  const header_values& v) noexcept;

    /// Starts a message with only 8, 9 (at finish) and 35: the caller writes every other field.
    writer& start_raw(std::string_view begin_string, std::string_view msg_type) noexcept;

    writer& add(int tag, std::string_view value) noexcept {
        char* p = tag_eq(tag, value.size() + 1);
        if (p == nullptr) return *this;
        detail::copy_short(p, value.data(), value.size());
        p[value.size()] = soh;
        pos_ = p + value.size() + 1;
        return *this;
    }
    writer& add_char(int tag, char c) noexcept { return add(tag, std::string_view(&c, 1)); }
    writer& add_bool(int tag, bool b) noexcept { return add_char(tag, b ? 'Y' : 'N'); }
    writer& add_uint(int tag, std::uint64_t v) noexcept {
        char* p = tag_eq(tag, 21);
        if (p == nullptr) return *this;
        p += detail::digit_count(v);
        (void)detail::format_uint_backwards(p, v);
        *p = soh;
        pos_ = p + 1;
        return *this;
    }
    writer& add_int(int tag, std::int64_t v) noexcept {
        if (v >= 0) return add_uint(tag, static_cast<std::uint64_t>(v));
        char* p = tag_eq(tag, 22);
        if (p == nullptr) return *this;
        const std::uint64_t m = 0 - static_cast<std::uint64_t>(v);
        *p = '-';
        p += 1 + detail::digit_count(m);
        (void)detail::format_uint_backwards(p, m);
        *p = soh;
        pos_ = p + 1;
        return *this;
    }
    /// Writes mantissa * 10^exponent with exactly -exponent fraction digits (exponent <= 0;
    /// a positive exponent is written as trailing zeros).
    writer& add_decimal(int tag, decimal d) noexcept;
    /// Writes a UTCTimestamp with 0, 3, 6 or 9 fraction digits.
    writer& add_timestamp(int tag, std::int64_t nanos_since_epoch, unsigned digits) noexcept {
        char* p = tag_eq(tag, max_timestamp_chars + 1);
        if (p == nullptr) return *this;
        p = format_utc_timestamp(p, nanos_since_epoch, digits);
        *p++ = soh;
        pos_ = p;
        return *this;
    }
    /// Writes a length field then its data field (data may hold SOH).
    writer& add_data(int length_tag, int data_tag, std::string_view data) noexcept {
        add_uint(length_tag, data.size());
        return add(data_tag, data);
    }

    /// Fills BodyLength and CheckSum and hands out the message (valid while the buffer is).
    [[nodiscard]] write_status finish(exwire::bytes& out) noexcept;

    /// Bytes of body written so far (from 35 on).
    [[nodiscard]] std::size_t body_size() const noexcept {
        return static_cast<std::size_t>(pos_ - (begin_ + reserve));
    }

  private:
    void reset() noexcept {
        overflow_ = begin_ + reserve > cap_;
        pos_ = overflow_ ? cap_ : begin_ + reserve;
    }
    // Writes "tag=" and returns where the value goes, or nullptr (sticky overflow) when
    // "tag=" plus `value_room` bytes do not fit.
    char* tag_eq(int tag, std::size_t value_room) noexcept {
        if (overflow_ || static_cast<std::size_t>(cap_ - pos_) < 11 + value_room) {
            overflow_ = true;
            return nullptr;
        }
        const auto t = static_cast<std::uint32_t>(tag);
        if (t < 10'000'000) {
            // One 8-byte store (the room check above leaves at least 11 bytes).
            const detail::tag_text tt = detail::make_tag_text(t);
            detail::store_word(pos_, tt.word);
            return pos_ + tt.size;
        }
        char* const e = pos_ + detail::digit_count(t);
        (void)detail::format_uint_backwards(e, t);
        *e = '=';
        return e + 1;
    }
    // Appends a chunk of a session_header in 16-byte blocks when the room allows.
    writer& append_chunk(const session_header& h, std::size_t i) noexcept {
        const std::string_view c = h.chunk(i);
        const std::size_t blocks = (c.size() + 15) / 16;
        if (overflow_ || static_cast<std::size_t>(cap_ - pos_) < blocks * 16) return append_raw(c);
        const char* src = h.padded_chunk(i);
        for (std::size_t k = 0; k < blocks; ++k)
            std::memcpy(pos_ + 16 * k, src + 16 * k, 16);
        pos_ += c.size();
        return *this;
    }
    writer& append_raw(std::string_view s) noexcept {
        if (overflow_ || static_cast<std::size_t>(cap_ - pos_) < s.size()) {
            overflow_ = true;
            return *this;
        }
        std::memcpy(pos_, s.data(), s.size());
        pos_ += s.size();
        return *this;
    }

    char* begin_;
    char* cap_;
    char* pos_ = nullptr;
    std::string_view begin_string_;
    bool overflow_ = false;
};

}  // namespace exwire::codec::fix
