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
#include <string_view>

#include "exwire/core/bytes.hpp"

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
    unsigned sum = 0;
    for (char c : s)
        sum += static_cast<unsigned char>(c);
    return sum & 0xFFu;
}

/// For a length tag (e.g. 95 RawDataLength) the tag of the data field it announces
/// (96 RawData), or 0. The standard pairs of FIX 4.2 to 5.0 SP2.
[[nodiscard]] constexpr int data_tag_for_length(int tag) noexcept {
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
        while (q < end && *q != soh)
            ++q;
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
