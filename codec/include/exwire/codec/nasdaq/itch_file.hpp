#pragma once
// Nasdaq historical ITCH 5.0 files: each message preceded by a 2-byte big-endian length.
//
// next_frame() takes the frame at the front of a buffer (a mapped file, or a window that
// the caller refills: need_more means "the buffer ends inside this frame"). With
// allow_zero_prefix, a prefix of 0 is read as "take the length from the type byte" (some
// published sample files have every prefix zeroed). A non-zero prefix of a known type must
// equal that type's length. Pure function; views point into buf.

#include <cstddef>
#include <cstdint>

#include <exwire/codec/nasdaq/framing.hpp>
#include <exwire/core/bytes.hpp>

namespace exwire::codec::nasdaq::itch_file {

/// Length of an ITCH 5.0 message of this type, or 0 for an unknown type.
[[nodiscard]] constexpr std::size_t message_length(std::uint8_t type) noexcept {
    switch (type) {
        case 'S':
            return 12;
        case 'R':
            return 39;
        case 'H':
            return 25;
        case 'Y':
            return 20;
        case 'L':
            return 26;
        case 'V':
            return 35;
        case 'W':
            return 12;
        case 'K':
            return 28;
        case 'J':
            return 35;
        case 'h':
            return 21;
        case 'A':
            return 36;
        case 'F':
            return 40;
        case 'E':
            return 31;
        case 'C':
            return 36;
        case 'X':
            return 23;
        case 'D':
            return 19;
        case 'U':
            return 35;
        case 'P':
            return 44;
        case 'Q':
            return 40;
        case 'B':
            return 19;
        case 'I':
            return 50;
        case 'N':
            return 20;
        case 'O':
            return 48;
        default:
            return 0;
    }
}

struct options {
    bool allow_zero_prefix = false;
};

struct frame {
    frame_status status = frame_status::need_more;
    exwire::bytes message;  ///< the ITCH message, type byte first
    std::size_t size = 0;   ///< bytes consumed: prefix + message
    const char* reason = "";
};

[[nodiscard]] inline frame next_frame(exwire::bytes buf, options opt = {}) noexcept {
    frame f;
    if (buf.size() < 2) return f;
    std::size_t len = load_be<std::uint16_t>(buf.data());
    if (len == 0) {
        if (!opt.allow_zero_prefix) {
            f.status = frame_status::malformed;
            f.reason = "zero length prefix";
            return f;
        }
        if (buf.size() < 3) return f;
        len = message_length(static_cast<std::uint8_t>(buf[2]));
        if (len == 0) {
            f.status = frame_status::malformed;
            f.reason = "zero length prefix and unknown message type";
            return f;
        }
    } else if (buf.size() >= 3) {
        const std::size_t expect = message_length(static_cast<std::uint8_t>(buf[2]));
        if (expect != 0 && expect != len) {
            f.status = frame_status::malformed;
            f.reason = "length prefix differs from the message type's length";
            return f;
        }
    }
    if (buf.size() < 2 + len) return f;
    f.status = frame_status::complete;
    f.message = buf.subspan(2, len);
    f.size = 2 + len;
    return f;
}

}  // namespace exwire::codec::nasdaq::itch_file
