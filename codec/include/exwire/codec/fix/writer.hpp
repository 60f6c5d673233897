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
    [[nodiscard]] std::string_view chunk(std::size_t i) const noexcept { return chunks_[i]; }

  private:
    std::string begin_string_;
    std::array<std::string, 5> chunks_;
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
/// Writes the decimal digits of v ending at `end` (backwards); returns the first digit.
inline char* format_uint_backwards(char* end, std::uint64_t v) noexcept {
    static constexpr char pairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    while (v >= 100) {
        const auto r = static_cast<std::size_t>(v % 100) * 2;
        v /= 100;
        end -= 2;
        end[0] = pairs[r];
        end[1] = pairs[r + 1];
    }
    if (v >= 10) {
        end -= 2;
        end[0] = pairs[v * 2];
        end[1] = pairs[v * 2 + 1];
    } else {
        *--end = static_cast<char>('0' + v);
    }
    return end;
}
inline void two_digits(char* p, unsigned v) noexcept {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
}
}  // namespace detail

/// Longest rendering of a timestamp: YYYYMMDD-HH:MM:SS.nnnnnnnnn
inline constexpr std::size_t max_timestamp_chars = 27;

/// Writes a UTCTimestamp (years 0000..9999) with 0, 3, 6 or 9 fraction digits at p; returns
/// the end. Needs max_timestamp_chars of room.
char* format_utc_timestamp(char* p, std::int64_t nanos_since_epoch, unsigned digits) noexcept;

/// Builds one message into a caller's buffer. Usage:
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
        std::memcpy(p, value.data(), value.size());
        p[value.size()] = soh;
        pos_ = p + value.size() + 1;
        return *this;
    }
    writer& add_char(int tag, char c) noexcept { return add(tag, std::string_view(&c, 1)); }
    writer& add_bool(int tag, bool b) noexcept { return add_char(tag, b ? 'Y' : 'N'); }
    writer& add_uint(int tag, std::uint64_t v) noexcept {
        char* p = tag_eq(tag, 21);
        if (p == nullptr) return *this;
        char tmp[20];
        char* const e = tmp + sizeof tmp;
        const char* f = detail::format_uint_backwards(e, v);
        const auto n = static_cast<std::size_t>(e - f);
        std::memcpy(p, f, n);
        p[n] = soh;
        pos_ = p + n + 1;
        return *this;
    }
    writer& add_int(int tag, std::int64_t v) noexcept {
        if (v >= 0) return add_uint(tag, static_cast<std::uint64_t>(v));
        char* p = tag_eq(tag, 22);
        if (p == nullptr) return *this;
        char tmp[21];
        char* const e = tmp + sizeof tmp;
        char* f = detail::format_uint_backwards(e, 0 - static_cast<std::uint64_t>(v));
        *--f = '-';
        const auto n = static_cast<std::size_t>(e - f);
        std::memcpy(p, f, n);
        p[n] = soh;
        pos_ = p + n + 1;
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
        char tmp[10];
        char* const e = tmp + sizeof tmp;
        const char* f = detail::format_uint_backwards(e, static_cast<std::uint32_t>(tag));
        const auto n = static_cast<std::size_t>(e - f);
        std::memcpy(pos_, f, n);
        pos_[n] = '=';
        return pos_ + n + 1;
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
