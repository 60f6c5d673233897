#pragma once
// SoupBinTCP 4.00 framing: a 2-byte big-endian Packet Length, then the type byte and payload.
//
// decode_packet() looks at the front of a buffer without copying. stream_framer turns the
// bytes of successive TCP reads into packets, holding at most one partial packet (up to
// 2 + 65535 bytes, allocated once in the constructor) between reads. Single-threaded: one
// framer per connection, used by the thread that reads it. Packet bytes handed to the
// handler live until the handler returns. The generated <exwire/codec/nasdaq/soupbintcp40.hpp>
// has views of each packet type (from its type byte on).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include <exwire/codec/nasdaq/framing.hpp>
#include <exwire/core/bytes.hpp>

namespace exwire::codec::nasdaq::soupbintcp {

/// Largest packet on the wire: the 2-byte length plus 65535 bytes.
inline constexpr std::size_t max_packet_size = 2 + 65535;

/// True for the packet types SoupBinTCP 4.00 defines (+ A J S H Z L U R O).
[[nodiscard]] constexpr bool is_known_type(std::uint8_t t) noexcept {
    switch (t) {
        case '+':
        case 'A':
        case 'J':
        case 'S':
        case 'H':
        case 'Z':
        case 'L':
        case 'U':
        case 'R':
        case 'O':
            return true;
        default:
            return false;
    }
}

/// One packet as found in a buffer.
struct packet {
    frame_status status = frame_status::need_more;
    std::uint8_t type = 0;    ///< packet type byte (when complete)
    bool known = false;       ///< type is one SoupBinTCP defines
    exwire::bytes message;    ///< from the type byte to the end (generated views take this)
    exwire::bytes payload;    ///< after the type byte
    std::size_t size = 0;     ///< bytes of the whole packet, length field included
    const char* reason = "";  ///< why malformed
};

/// Decodes the packet at the front of buf (no copy; views point into buf).
/// need_more when buf holds fewer than 2 + Packet Length bytes; malformed when Packet Length
/// is 0 (no room for the type byte).
[[nodiscard]] inline packet decode_packet(exwire::bytes buf) noexcept {
    packet p;
    if (buf.size() < 2) return p;
    const std::size_t len = load_be<std::uint16_t>(buf.data());
    if (len == 0) {
        p.status = frame_status::malformed;
        p.reason = "packet length 0 (no packet type)";
        return p;
    }
    if (buf.size() < 2 + len) return p;
    p.status = frame_status::complete;
    p.type = static_cast<std::uint8_t>(buf[2]);
    p.known = is_known_type(p.type);
    p.message = buf.subspan(2, len);
    p.payload = buf.subspan(3, len - 1);
    p.size = 2 + len;
    return p;
}

/// Writes a packet (length, type, payload) into out; returns bytes written or 0 if out is too
/// small or the payload exceeds 65534 bytes.
[[nodiscard]] inline std::size_t encode_packet(exwire::mutable_bytes out, std::uint8_t type,
                                               exwire::bytes payload) noexcept {
    if (payload.size() > 65534 || out.size() < 3 + payload.size()) return 0;
    store_be<std::uint16_t>(out.data(), static_cast<std::uint16_t>(payload.size() + 1));
    out[2] = static_cast<std::byte>(type);
    if (!payload.empty()) std::memcpy(out.data() + 3, payload.data(), payload.size());
    return 3 + payload.size();
}

/// Reassembles packets from a TCP byte stream.
class stream_framer {
  public:
    stream_framer() : partial_(new std::byte[max_packet_size]) {}

    /// Feeds the bytes of one read. Calls handler(const packet&) for every complete packet,
    /// unknown types included (packet.known == false) so the caller can report them. Returns
    /// need_more when all bytes were used (possibly keeping a partial packet), or malformed
    /// (reason in last_error()) after which the stream cannot be resynchronised: the caller
    /// should drop the connection. Bytes before the malformed point were delivered.
    template <typename Handler>
    [[nodiscard]] frame_status feed(exwire::bytes data, Handler&& handler) {
        if (failed_) return frame_status::malformed;
        // finish a partial packet first
        while (have_ > 0 && !data.empty()) {
            if (have_ < 2) {
                partial_[have_++] = data[0];
                data = data.subspan(1);
                continue;
            }
            const std::size_t len = load_be<std::uint16_t>(partial_.get());
            if (len == 0) return fail("packet length 0 (no packet type)");
            const std::size_t take = std::min(2 + len - have_, data.size());
            std::memcpy(partial_.get() + have_, data.data(), take);
            have_ += take;
            data = data.subspan(take);
            if (have_ < 2 + len) break;
            const packet p = decode_packet(exwire::bytes(partial_.get(), have_));
            have_ = 0;
            ++count_;
            handler(p);
        }
        // whole packets straight from the caller's buffer
        while (!data.empty()) {
            const packet p = decode_packet(data);
            if (p.status == frame_status::malformed) return fail(p.reason);
            if (p.status == frame_status::need_more) {
                std::memcpy(partial_.get(), data.data(), data.size());
                have_ = data.size();
                break;
            }
            ++count_;
            handler(p);
            data = data.subspan(p.size);
        }
        return frame_status::need_more;
    }

    /// Bytes of a packet received only in part.
    [[nodiscard]] std::size_t buffered() const noexcept { return have_; }
    /// Packets delivered so far.
    [[nodiscard]] std::uint64_t packets() const noexcept { return count_; }
    [[nodiscard]] const char* last_error() const noexcept { return error_; }
    /// Forgets any partial packet and error (e.g. after a reconnect).
    void reset() noexcept {
        have_ = 0;
        failed_ = false;
        error_ = "";
    }

  private:
    frame_status fail(const char* why) noexcept {
        failed_ = true;
        error_ = why;
        return frame_status::malformed;
    }
    std::unique_ptr<std::byte[]> partial_;
    std::size_t have_ = 0;
    std::uint64_t count_ = 0;
    bool failed_ = false;
    const char* error_ = "";
};

}  // namespace exwire::codec::nasdaq::soupbintcp
