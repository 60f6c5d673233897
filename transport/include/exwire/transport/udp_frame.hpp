#pragma once
// Ethernet / 802.1Q VLAN / IPv4 / UDP frames: parsing received frames and building frames to
// send, for the kernel-bypass (DPDK) path. Pure functions over caller-owned bytes: no
// allocation, no I/O, thread-safe.
//
// Parsing accepts Ethernet II with up to two VLAN tags (802.1Q 0x8100, 802.1ad 0x88A8),
// IPv4 without fragmentation (fragments are refused: market data does not fragment) with
// options, and UDP. The payload view points into the frame and lives as long as it does.

#include <array>
#include <cstdint>

#include <exwire/core/bytes.hpp>

namespace exwire::transport {

using mac_address = std::array<std::uint8_t, 6>;

enum class frame_status : std::uint8_t {
    ok,
    truncated,   ///< shorter than its headers say
    not_ipv4,    ///< another ethertype (ARP, IPv6...)
    not_udp,     ///< another IP protocol
    fragmented,  ///< an IPv4 fragment
    bad_ip_checksum,
    bad_udp_checksum,
};

[[nodiscard]] const char* to_string(frame_status status) noexcept;

struct udp_frame {
    mac_address dst_mac{};
    mac_address src_mac{};
    std::uint16_t vlan = 0;    ///< outermost VLAN id, 0 if untagged
    std::uint32_t src_ip = 0;  ///< host byte order
    std::uint32_t dst_ip = 0;  ///< host byte order
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    bytes payload;
};

/// Parses `frame`; with `validate_checksums` the IPv4 header checksum and (when non-zero)
/// the UDP checksum are checked.
[[nodiscard]] frame_status parse_udp_frame(bytes frame, bool validate_checksums,
                                           udp_frame& out) noexcept;

struct udp_frame_header {
    mac_address dst_mac{};
    mac_address src_mac{};
    std::uint16_t vlan = 0;  ///< 0: untagged
    std::uint32_t src_ip = 0;
    std::uint32_t dst_ip = 0;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint8_t ttl = 64;
};

/// Writes a complete frame (headers, payload, IPv4 and UDP checksums) into `out`; returns
/// its length, or 0 when `out` is too small or the payload exceeds a UDP datagram.
[[nodiscard]] std::size_t build_udp_frame(mutable_bytes out, const udp_frame_header& header,
                                          bytes payload) noexcept;

/// Bytes of headers build_udp_frame writes before the payload.
[[nodiscard]] constexpr std::size_t udp_frame_overhead(bool vlan) noexcept {
    return 14 + (vlan ? 4 : 0) + 20 + 8;
}

/// Parses "a.b.c.d" into host byte order; false if malformed.
[[nodiscard]] bool parse_ipv4(const char* text, std::uint32_t& out) noexcept;

}  // namespace exwire::transport
