#pragma once
// MoldUDP64 packets: a 20-byte header (session, sequence number, message count) then
// `count` message blocks, each a 2-byte big-endian length and that many bytes.
// Count 0 is a heartbeat, 0xFFFF the end of session; the request packet (listener to
// re-request server) has the header's shape with a requested count.
//
// decode() checks the whole datagram once (every block inside it, nothing after the last);
// iteration after that is unchecked and cannot leave the span. Views point into the caller's
// datagram and live as long as it. Pure functions; any thread.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <exwire/codec/nasdaq/framing.hpp>
#include <exwire/core/bytes.hpp>

namespace exwire::codec::nasdaq::moldudp64 {

inline constexpr std::size_t header_size = 20;
inline constexpr std::uint16_t end_of_session_count = 0xFFFF;

enum class packet_kind : std::uint8_t { data, heartbeat, end_of_session };

/// One message block: its sequence number and bytes (without the length field).
struct block {
    std::uint64_t sequence;
    exwire::bytes message;
};

/// A checked downstream packet.
class packet {
  public:
    /// complete, or malformed with a reason: header shorter than 20 bytes, a block running
    /// past the datagram, or bytes after the last block. (A datagram is whole: never need_more.)
    [[nodiscard]] static frame_status decode(exwire::bytes datagram, packet& out,
                                             const char** reason = nullptr) noexcept {
        auto bad = [&](const char* why) {
            if (reason) *reason = why;
            return frame_status::malformed;
        };
        if (datagram.size() < header_size) return bad("shorter than the 20-byte MoldUDP64 header");
        const std::uint16_t count = load_be<std::uint16_t>(datagram.data() + 18);
        std::size_t pos = header_size;
        if (count != end_of_session_count) {
            for (std::uint32_t i = 0; i < count; ++i) {
                if (pos + 2 > datagram.size())
                    return bad("message block length runs past the datagram");
                pos += 2 + std::size_t{load_be<std::uint16_t>(datagram.data() + pos)};
                if (pos > datagram.size()) return bad("message block runs past the datagram");
            }
        }
        if (pos != datagram.size()) return bad("bytes after the last message block");
        out.p_ = datagram;
        return frame_status::complete;
    }

    /// Session name (10 bytes, trailing spaces kept: treat as opaque).
    [[nodiscard]] std::string_view session() const noexcept {
        return {reinterpret_cast<const char*>(p_.data()), 10};
    }
    [[nodiscard]] std::uint64_t sequence() const noexcept {
        return load_be<std::uint64_t>(p_.data() + 10);
    }
    [[nodiscard]] std::uint16_t count() const noexcept {
        return load_be<std::uint16_t>(p_.data() + 18);
    }
    [[nodiscard]] packet_kind kind() const noexcept {
        const auto c = count();
        return c == 0                      ? packet_kind::heartbeat
               : c == end_of_session_count ? packet_kind::end_of_session
                                           : packet_kind::data;
    }
    /// Sequence number the next packet should start with.
    [[nodiscard]] std::uint64_t next_sequence() const noexcept {
        return kind() == packet_kind::data ? sequence() + count() : sequence();
    }
    [[nodiscard]] exwire::bytes data() const noexcept { return p_; }

    class iterator {
      public:
        iterator(const std::byte* p, std::uint64_t seq, std::uint32_t left) noexcept
            : p_(p), seq_(seq), left_(left) {}
        [[nodiscard]] block operator*() const noexcept {
            return {seq_, exwire::bytes(p_ + 2, load_be<std::uint16_t>(p_))};
        }
        iterator& operator++() noexcept {
            p_ += 2 + std::size_t{load_be<std::uint16_t>(p_)};
            ++seq_;
            --left_;
            return *this;
        }
        [[nodiscard]] bool operator==(const iterator& o) const noexcept { return left_ == o.left_; }

      private:
        const std::byte* p_;
        std::uint64_t seq_;
        std::uint32_t left_;
    };
    [[nodiscard]] iterator begin() const noexcept {
        return {p_.data() + header_size, sequence(), kind() == packet_kind::data ? count() : 0u};
    }
    [[nodiscard]] iterator end() const noexcept { return {nullptr, 0, 0}; }

  private:
    exwire::bytes p_;
};

/// A request packet (exactly 20 bytes).
struct request {
    std::string_view session;
    std::uint64_t sequence;
    std::uint16_t count;
};

[[nodiscard]] inline frame_status decode_request(exwire::bytes datagram, request& out) noexcept {
    if (datagram.size() != header_size) return frame_status::malformed;
    out.session = {reinterpret_cast<const char*>(datagram.data()), 10};
    out.sequence = load_be<std::uint64_t>(datagram.data() + 10);
    out.count = load_be<std::uint16_t>(datagram.data() + 18);
    return frame_status::complete;
}

/// Writes a 20-byte header (or request: same layout); session is space-padded to 10 bytes.
/// Returns 20, or 0 when out is too small.
[[nodiscard]] inline std::size_t encode_header(exwire::mutable_bytes out, std::string_view session,
                                               std::uint64_t sequence,
                                               std::uint16_t count) noexcept {
    if (out.size() < header_size) return 0;
    std::memset(out.data(), ' ', 10);
    std::memcpy(out.data(), session.data(), session.size() < 10 ? session.size() : 10);
    store_be<std::uint64_t>(out.data() + 10, sequence);
    store_be<std::uint16_t>(out.data() + 18, count);
    return header_size;
}

/// Appends one block (length + message) at out[pos]; returns the new pos or 0 if it does not fit.
[[nodiscard]] inline std::size_t append_block(exwire::mutable_bytes out, std::size_t pos,
                                              exwire::bytes message) noexcept {
    if (message.size() > 65535 || pos + 2 + message.size() > out.size()) return 0;
    store_be<std::uint16_t>(out.data() + pos, static_cast<std::uint16_t>(message.size()));
    if (!message.empty()) std::memcpy(out.data() + pos + 2, message.data(), message.size());
    return pos + 2 + message.size();
}

}  // namespace exwire::codec::nasdaq::moldudp64
