#pragma once
// A small pcap reader for tools and tests (cold path, header-only, libpcap underneath):
// yields every UDP payload and, per TCP connection direction, the stream bytes in sequence
// order (out-of-order segments are held back until the gap fills; retransmitted bytes are
// dropped). Ethernet (with 802.1Q tags), Linux cooked and raw IPv4 link types; IPv4 only.
// The IP total length bounds each payload, so Ethernet trailers are ignored.
//
// Single-threaded. Bytes passed to the callbacks live until the callback returns.
// Errors (file missing, not a pcap) come back as exwire::result; damaged frames are skipped
// and counted, never read past.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <pcap/pcap.h>

#include <exwire/core/bytes.hpp>
#include <exwire/core/result.hpp>

namespace exwire_tools::pcap {

struct endpoint {
    std::uint32_t ip = 0;  ///< IPv4 address, host order
    std::uint16_t port = 0;
    auto operator<=>(const endpoint&) const = default;
};

[[nodiscard]] inline std::string to_string(const endpoint& e) {
    return std::to_string(e.ip >> 24) + "." + std::to_string((e.ip >> 16) & 255) + "." +
           std::to_string((e.ip >> 8) & 255) + "." + std::to_string(e.ip & 255) + ":" +
           std::to_string(e.port);
}

struct udp_datagram {
    std::uint64_t frame;    ///< 1-based frame number in the file
    std::uint64_t time_ns;  ///< capture time, ns since the epoch
    endpoint src, dst;
    exwire::bytes payload;
};

struct tcp_bytes {
    std::uint64_t frame;  ///< frame that completed these bytes
    std::uint64_t time_ns;
    endpoint src, dst;            ///< direction of the stream
    std::uint64_t stream_offset;  ///< offset of data[0] in this direction's stream
    exwire::bytes data;
};

struct stats {
    std::uint64_t frames = 0, udp = 0, tcp_segments = 0, skipped = 0;
};

namespace detail {
struct flow {
    bool started = false;
    std::uint32_t next_seq = 0;
    std::uint64_t offset = 0;
    std::map<std::uint32_t, std::vector<std::byte>>
        pending;  // keyed by seq (no wrap handling across 4 GB)
};
inline std::uint16_t be16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           p[3];
}
}  // namespace detail

/// Reads the whole file; on_udp(const udp_datagram&) and on_tcp(const tcp_bytes&) are called
/// in file order. Returns counts, or an error naming the file.
template <typename OnUdp, typename OnTcp>
[[nodiscard]] exwire::result<stats> read_file(const std::string& path, OnUdp&& on_udp,
                                              OnTcp&& on_tcp) {
    char err[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p =
        pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) return exwire::fail(path + ": " + err);
    const int link = pcap_datalink(p);
    stats st;
    std::map<std::pair<endpoint, endpoint>, detail::flow> flows;
    pcap_pkthdr* h = nullptr;
    const u_char* data = nullptr;
    int rc = 0;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        ++st.frames;
        const std::uint8_t* q = data;
        std::size_t n = h->caplen;
        const std::uint64_t t =
            std::uint64_t(h->ts.tv_sec) * 1000000000u + std::uint64_t(h->ts.tv_usec);
        std::uint16_t ethertype = 0;
        if (link == DLT_EN10MB) {
            if (n < 14) {
                ++st.skipped;
                continue;
            }
            ethertype = detail::be16(q + 12);
            q += 14;
            n -= 14;
            while ((ethertype == 0x8100 || ethertype == 0x88a8) && n >= 4) {
                ethertype = detail::be16(q + 2);
                q += 4;
                n -= 4;
            }
        } else if (link == DLT_LINUX_SLL) {
            if (n < 16) {
                ++st.skipped;
                continue;
            }
            ethertype = detail::be16(q + 14);
            q += 16;
            n -= 16;
        } else if (link == DLT_RAW || link == 12 /* DLT_RAW on some systems */) {
            ethertype = 0x0800;
        } else {
            pcap_close(p);
            return exwire::fail(path + ": unsupported link type " + std::to_string(link));
        }
        if (ethertype != 0x0800 || n < 20 || (q[0] >> 4) != 4) {
            ++st.skipped;
            continue;
        }
        const std::size_t ihl = std::size_t(q[0] & 15) * 4;
        const std::size_t total = detail::be16(q + 2);
        if (ihl < 20 || total < ihl || total > n) {
            ++st.skipped;
            continue;
        }
        if ((detail::be16(q + 6) & 0x3fff) != 0) {
            ++st.skipped;
            continue;
        }  // fragments
        const std::uint8_t proto = q[9];
        endpoint src{detail::be32(q + 12), 0}, dst{detail::be32(q + 16), 0};
        const std::uint8_t* l4 = q + ihl;
        const std::size_t l4n = total - ihl;
        if (proto == 17) {
            if (l4n < 8) {
                ++st.skipped;
                continue;
            }
            const std::size_t ulen = detail::be16(l4 + 4);
            if (ulen < 8 || ulen > l4n) {
                ++st.skipped;
                continue;
            }
            src.port = detail::be16(l4);
            dst.port = detail::be16(l4 + 2);
            ++st.udp;
            on_udp(
                udp_datagram{st.frames, t, src, dst,
                             exwire::bytes(reinterpret_cast<const std::byte*>(l4 + 8), ulen - 8)});
        } else if (proto == 6) {
            if (l4n < 20) {
                ++st.skipped;
                continue;
            }
            const std::size_t off = std::size_t(l4[12] >> 4) * 4;
            if (off < 20 || off > l4n) {
                ++st.skipped;
                continue;
            }
            src.port = detail::be16(l4);
            dst.port = detail::be16(l4 + 2);
            const std::uint32_t seq = detail::be32(l4 + 4);
            const bool syn = (l4[13] & 0x02) != 0;
            ++st.tcp_segments;
            auto& f = flows[{src, dst}];
            if (syn) {
                f.started = true;
                f.next_seq = seq + 1;
                f.pending.clear();
            }
            const std::uint8_t* pay = l4 + off;
            std::size_t pn = l4n - off;
            if (pn == 0) continue;
            std::uint32_t s = syn ? seq + 1 : seq;
            if (!f.started) {  // capture began mid-connection: start at the first data seen
                f.started = true;
                f.next_seq = s;
            }
            // drop bytes already delivered (retransmission), using wrap-aware distance
            const std::int32_t behind = static_cast<std::int32_t>(f.next_seq - s);
            if (behind > 0) {
                if (static_cast<std::size_t>(behind) >= pn) continue;
                pay += behind;
                pn -= static_cast<std::size_t>(behind);
                s = f.next_seq;
            }
            f.pending[s].assign(reinterpret_cast<const std::byte*>(pay),
                                reinterpret_cast<const std::byte*>(pay) + pn);
            for (auto it = f.pending.find(f.next_seq); it != f.pending.end();
                 it = f.pending.find(f.next_seq)) {
                std::vector<std::byte> chunk = std::move(it->second);
                f.pending.erase(it);
                on_tcp(tcp_bytes{st.frames, t, src, dst, f.offset, chunk});
                f.offset += chunk.size();
                f.next_seq += static_cast<std::uint32_t>(chunk.size());
            }
        } else {
            ++st.skipped;
        }
    }
    const bool bad = rc == PCAP_ERROR;
    std::string msg = bad ? std::string(pcap_geterr(p)) : std::string();
    pcap_close(p);
    if (bad) return exwire::fail(path + ": " + msg);
    return st;
}

/// True when the file starts with a pcap or pcapng magic number.
[[nodiscard]] inline bool looks_like_pcap(exwire::bytes head) noexcept {
    if (head.size() < 4) return false;
    std::uint32_t m;
    std::memcpy(&m, head.data(), 4);
    return m == 0xa1b2c3d4 || m == 0xd4c3b2a1 || m == 0xa1b23c4d || m == 0x4d3cb2a1 ||
           m == 0x0a0d0d0a;
}

}  // namespace exwire_tools::pcap
