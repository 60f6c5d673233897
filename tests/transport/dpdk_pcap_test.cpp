// DPDK transport without a NIC: the EAL runs with --no-huge --no-pci and one net_pcap
// virtual device. A pcap of UDP datagrams written by this test is replayed through the
// device's rx side and must arrive byte-exact and in order; datagrams sent through the tx
// side land in the output pcap, read back here with libpcap.
// One process per EAL (it initialises once per process). Exit 77 when the EAL cannot start.

#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <exwire/core/clock.hpp>
#include <exwire/core/idle_strategy.hpp>
#include <exwire/transport/dpdk_transport.hpp>
#include <exwire/transport/udp_frame.hpp>

namespace exwire::transport {
namespace {

bool eal_unavailable = false;

std::string payload_for(int i) {
    std::string s = "MOLD" + std::to_string(i) + ":";
    for (int k = 0; k < i % 37; ++k)
        s += static_cast<char>('a' + (i * 7 + k) % 26);
    return s;
}

// Classic pcap (microsecond, Ethernet link type) written field by field.
void write_pcap(const std::filesystem::path& path,
                const std::vector<std::vector<std::byte>>& frames) {
    std::ofstream out(path, std::ios::binary);
    auto u32 = [&out](std::uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
    auto u16 = [&out](std::uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
    u32(0xA1B2C3D4);
    u16(2);
    u16(4);
    u32(0);
    u32(0);
    u32(65535);
    u32(1);  // LINKTYPE_ETHERNET
    std::uint32_t usec = 0;
    for (const auto& f : frames) {
        u32(1'700'000'000);
        u32(usec++);
        u32(static_cast<std::uint32_t>(f.size()));
        u32(static_cast<std::uint32_t>(f.size()));
        out.write(reinterpret_cast<const char*>(f.data()), static_cast<std::streamsize>(f.size()));
    }
}

std::vector<std::byte> frame(std::uint32_t dst_ip, std::uint16_t dst_port,
                             const std::string& payload, std::uint16_t vlan = 0) {
    udp_frame_header h;
    h.dst_mac = {0x01, 0x00, 0x5e, 0x01, 0x01, 0x01};
    h.src_mac = {0x02, 0, 0, 0, 0, 0x10};
    h.vlan = vlan;
    h.src_ip = 0x0A000001;
    h.dst_ip = dst_ip;
    h.src_port = 40000;
    h.dst_port = dst_port;
    std::vector<std::byte> buf(2048);
    buf.resize(build_udp_frame(buf, h, to_bytes(payload)));
    return buf;
}

struct collector {
    std::vector<std::string> got;
    void on_data(connection_id, bytes b) { got.emplace_back(to_string_view(b)); }
    void on_event(const connection_event&) {}
};

TEST(dpdk_pcap, replayed_datagrams_arrive_byte_exact_in_order_and_sent_ones_land_in_the_pcap) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("exwire-dpdk-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto in = dir / "in.pcap";
    const auto out = dir / "out.pcap";
    constexpr std::uint32_t group = 0xEF010101;  // 239.1.1.1
    std::vector<std::vector<std::byte>> frames;
    std::vector<std::string> expected;
    for (int i = 0; i < 200; ++i) {
        const std::string p = payload_for(i);
        frames.push_back(frame(group, 30001, p, i % 3 == 0 ? 42 : 0));  // some VLAN tagged
        expected.push_back(p);
        if (i % 10 == 0) frames.push_back(frame(group, 30002, "other port"));
        if (i % 25 == 0) frames.push_back(frame(0xEF010102, 30001, "other group"));
    }
    write_pcap(in, frames);

    dpdk_options o;
    o.eal_args = {"--no-huge",
                  "-m",
                  "512",
                  "--no-pci",
                  "-l",
                  "0",
                  "--file-prefix=exwire" + std::to_string(::getpid()),
                  "--log-level=error",
                  "--vdev=net_pcap0,rx_pcap=" + in.string() + ",tx_pcap=" + out.string()};
    o.port = "net_pcap0";
    o.mbufs = 1023;
    o.mbuf_cache = 32;
    o.validate_checksums = true;
    o.local_ip = "10.0.0.2";
    o.gateway_mac = {0x02, 0, 0, 0, 0, 0x01};
    std::vector<std::vector<std::byte>> sent_frames;
    {
        auto t = dpdk_transport::create(o);
        if (!t.ok() && t.err().message.find("EAL") != std::string::npos) {
            std::printf("skipped: %s\n", t.err().message.c_str());
            eal_unavailable = true;
            GTEST_SKIP() << t.err().message;
        }
        ASSERT_TRUE(t.ok()) << t.err().message;
        EXPECT_FALSE(t->listen({"127.0.0.1", 1}).ok()) << "TCP over DPDK is out of scope";

        udp_options feed;
        feed.group = "239.1.1.1";
        feed.local.port = 30001;
        auto feed_id = t->open_udp(feed);
        ASSERT_TRUE(feed_id.ok()) << feed_id.err().message;
        collector c;
        auto idle = idle_strategy::backoff(10, 5, 20'000, 1'000'000);
        const std::int64_t deadline = monotonic_ns() + 10'000'000'000;
        while (c.got.size() < expected.size() && monotonic_ns() < deadline)
            idle.idle(t->poll(c));
        EXPECT_EQ(c.got, expected);
        const auto st = t->stats();
        EXPECT_EQ(st.rx_delivered, expected.size());
        EXPECT_EQ(st.rx_unmatched, frames.size() - expected.size());
        EXPECT_EQ(st.rx_malformed, 0u);

        // Retransmission requests: unicast to 10.0.0.1:31000 through the gateway MAC.
        udp_options req;
        req.local.port = 30500;
        req.remote = {"10.0.0.1", 31000};
        auto req_id = t->open_udp(req);
        ASSERT_TRUE(req_id.ok()) << req_id.err().message;
        for (int i = 0; i < 10; ++i) {
            ASSERT_EQ(t->send(*req_id, to_bytes(payload_for(1000 + i))).status, send_status::ok);
        }
        ASSERT_TRUE([&] {
            for (int k = 0; k < 100 && t->queued(*req_id) > 0; ++k) {
                (void)t->flush();
                ::usleep(1000);
            }
            return t->queued(*req_id) == 0;
        }());
        EXPECT_EQ(t->stats().tx_packets, 10u);
    }  // the port closes here, completing out.pcap

    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline(out.c_str(), err);
    ASSERT_NE(p, nullptr) << err;
    pcap_pkthdr* hdr;
    const u_char* data;
    int n = 0;
    while (pcap_next_ex(p, &hdr, &data) == 1) {
        udp_frame f;
        ASSERT_EQ(parse_udp_frame({reinterpret_cast<const std::byte*>(data), hdr->caplen}, true, f),
                  frame_status::ok);
        EXPECT_EQ(std::string(to_string_view(f.payload)), payload_for(1000 + n));
        EXPECT_EQ(f.dst_ip, 0x0A000001u);
        EXPECT_EQ(f.src_ip, 0x0A000002u);
        EXPECT_EQ(f.dst_port, 31000);
        EXPECT_EQ(f.src_port, 30500);
        EXPECT_EQ(f.dst_mac, (mac_address{0x02, 0, 0, 0, 0, 0x01}));
        ++n;
    }
    pcap_close(p);
    EXPECT_EQ(n, 10);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace exwire::transport

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    const int rc = RUN_ALL_TESTS();
    if (exwire::transport::eal_unavailable) return 77;
    return rc;
}
