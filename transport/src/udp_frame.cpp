// Ethernet/VLAN/IPv4/UDP parsing and building. Layouts: IEEE 802.3 / 802.1Q, RFC 791
// (IPv4, header checksum), RFC 768 (UDP, checksum over the pseudo-header).

#include <exwire/transport/udp_frame.hpp>

#include <arpa/inet.h>

#include <cstring>

namespace exwire::transport {

namespace {

constexpr std::uint16_t ethertype_ipv4 = 0x0800;
constexpr std::uint16_t ethertype_vlan = 0x8100;
constexpr std::uint16_t ethertype_qinq = 0x88A8;
constexpr std::uint8_t protocol_udp = 17;

// One's-complement sum of 16-bit big-endian words (odd tail padded with zero).
std::uint32_t sum16(const std::byte* p, std::size_t n, std::uint32_t sum = 0) noexcept {
    for (; n >= 2; n -= 2, p += 2)
        sum += load_be<std::uint16_t>(p);
    if (n == 1) sum += std::uint32_t{static_cast<std::uint8_t>(*p)} << 8;
    return sum;
}

std::uint16_t fold(std::uint32_t sum) noexcept {
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xFFFF);
}

std::uint32_t pseudo_header_sum(std::uint32_t src, std::uint32_t dst,
                                std::size_t udp_len) noexcept {
    return (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF) + protocol_udp +
           static_cast<std::uint32_t>(udp_len);
}

}  // namespace

const char* to_string(frame_status status) noexcept {
    switch (status) {
        case frame_status::ok:
            return "ok";
        case frame_status::truncated:
            return "truncated";
        case frame_status::not_ipv4:
            return "not IPv4";
        case frame_status::not_udp:
            return "not UDP";
        case frame_status::fragmented:
            return "IPv4 fragment";
        case frame_status::bad_ip_checksum:
            return "bad IPv4 header checksum";
        case frame_status::bad_udp_checksum:
            return "bad UDP checksum";
    }
    return "unknown";
}

frame_status parse_udp_frame(bytes frame, bool validate_checksums, udp_frame& out) noexcept {
    const std::byte* p = frame.data();
    std::size_t n = frame.size();
    if (n < 14) return frame_status::truncated;
    std::memcpy(out.dst_mac.data(), p, 6);
    std::memcpy(out.src_mac.data(), p + 6, 6);
    std::uint16_t type = load_be<std::uint16_t>(p + 12);
    p += 14;
    n -= 14;
    out.vlan = 0;
    for (int tags = 0; (type == ethertype_vlan || type == ethertype_qinq) && tags < 2; ++tags) {
        if (n < 4) return frame_status::truncated;
        if (tags == 0) out.vlan = load_be<std::uint16_t>(p) & 0x0FFF;
        type = load_be<std::uint16_t>(p + 2);
        p += 4;
        n -= 4;
    }
    if (type != ethertype_ipv4) return frame_status::not_ipv4;
    if (n < 20) return frame_status::truncated;
    const auto version_ihl = static_cast<std::uint8_t>(p[0]);
    const std::size_t ihl = std::size_t{version_ihl & 0x0Fu} * 4;
    if ((version_ihl >> 4) != 4 || ihl < 20) return frame_status::not_ipv4;
    const std::size_t total = load_be<std::uint16_t>(p + 2);
    if (total < ihl + 8 || total > n || ihl > n) return frame_status::truncated;
    if ((load_be<std::uint16_t>(p + 6) & 0x3FFF) != 0) return frame_status::fragmented;
    if (static_cast<std::uint8_t>(p[9]) != protocol_udp) return frame_status::not_udp;
    if (validate_checksums && fold(sum16(p, ihl)) != 0) return frame_status::bad_ip_checksum;
    out.src_ip = load_be<std::uint32_t>(p + 12);
    out.dst_ip = load_be<std::uint32_t>(p + 16);
    const std::byte* u = p + ihl;
    const std::size_t udp_len = load_be<std::uint16_t>(u + 4);
    if (udp_len < 8 || udp_len > total - ihl) return frame_status::truncated;
    if (validate_checksums && load_be<std::uint16_t>(u + 6) != 0) {
        if (fold(sum16(u, udp_len, pseudo_header_sum(out.src_ip, out.dst_ip, udp_len))) != 0) {
            return frame_status::bad_udp_checksum;
        }
    }
    out.src_port = load_be<std::uint16_t>(u);
    out.dst_port = load_be<std::uint16_t>(u + 2);
    out.payload = bytes{u + 8, udp_len - 8};
    return frame_status::ok;
}

std::size_t build_udp_frame(mutable_bytes out, const udp_frame_header& h, bytes payload) noexcept {
    const bool tagged = h.vlan != 0;
    const std::size_t size = udp_frame_overhead(tagged) + payload.size();
    if (payload.size() > 65507 || out.size() < size) return 0;
    std::byte* p = out.data();
    std::memcpy(p, h.dst_mac.data(), 6);
    std::memcpy(p + 6, h.src_mac.data(), 6);
    p += 12;
    if (tagged) {
        store_be<std::uint16_t>(p, ethertype_vlan);
        store_be<std::uint16_t>(p + 2, h.vlan & 0x0FFF);
        p += 4;
    }
    store_be<std::uint16_t>(p, ethertype_ipv4);
    p += 2;
    const std::size_t udp_len = 8 + payload.size();
    std::byte* ip = p;
    ip[0] = std::byte{0x45};
    ip[1] = std::byte{0};
    store_be<std::uint16_t>(ip + 2, static_cast<std::uint16_t>(20 + udp_len));
    store_be<std::uint16_t>(ip + 4, 0);       // identification
    store_be<std::uint16_t>(ip + 6, 0x4000);  // don't fragment
    ip[8] = std::byte{h.ttl};
    ip[9] = std::byte{protocol_udp};
    store_be<std::uint16_t>(ip + 10, 0);
    store_be<std::uint32_t>(ip + 12, h.src_ip);
    store_be<std::uint32_t>(ip + 16, h.dst_ip);
    store_be<std::uint16_t>(ip + 10, fold(sum16(ip, 20)));
    std::byte* u = ip + 20;
    store_be<std::uint16_t>(u, h.src_port);
    store_be<std::uint16_t>(u + 2, h.dst_port);
    store_be<std::uint16_t>(u + 4, static_cast<std::uint16_t>(udp_len));
    store_be<std::uint16_t>(u + 6, 0);
    if (!payload.empty()) std::memcpy(u + 8, payload.data(), payload.size());
    std::uint16_t c = fold(sum16(u, udp_len, pseudo_header_sum(h.src_ip, h.dst_ip, udp_len)));
    if (c == 0) c = 0xFFFF;  // RFC 768: a computed zero is sent as all ones
    store_be<std::uint16_t>(u + 6, c);
    return size;
}

bool parse_ipv4(const char* text, std::uint32_t& out) noexcept {
    in_addr a{};
    if (inet_pton(AF_INET, text, &a) != 1) return false;
    out = ntohl(a.s_addr);
    return true;
}

}  // namespace exwire::transport
