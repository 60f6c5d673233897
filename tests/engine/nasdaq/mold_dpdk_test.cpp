// A MoldUDP64 receiver session on a shard whose transport is "dpdk": the EAL runs with
// --no-huge --no-pci and one net_pcap virtual device (no NIC). The test writes a pcap of
// MoldUDP64 packets (Ethernet/IPv4/UDP to 239.1.1.1:30001) that the device replays; the
// receiver must deliver every message in order, once, then stop with End of Session.
// Exit 77 (skipped) when the EAL cannot start here.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <exwire/core/bytes.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/nasdaq/moldudp64_engine.hpp>
#include <exwire/transport/udp_frame.hpp>

using namespace exwire::engine;
using namespace std::chrono_literals;
namespace tp = exwire::transport;

namespace {

bool skipped = false;

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

/// A MoldUDP64 downstream packet of session "TEST": `messages` from `sequence` on
/// (none and count 0xFFFF: End of Session).
std::vector<std::byte> mold_packet(std::uint64_t sequence, const std::vector<std::string>& messages,
                                   bool end_of_session = false) {
    std::vector<std::byte> p(20);
    std::memcpy(p.data(), "TEST      ", 10);
    exwire::store_be<std::uint64_t>(p.data() + 10, sequence);
    exwire::store_be<std::uint16_t>(
        p.data() + 18,
        end_of_session ? std::uint16_t{0xFFFF} : static_cast<std::uint16_t>(messages.size()));
    for (const std::string& m : messages) {
        const std::size_t at = p.size();
        p.resize(at + 2 + m.size());
        exwire::store_be<std::uint16_t>(p.data() + at, static_cast<std::uint16_t>(m.size()));
        std::memcpy(p.data() + at + 2, m.data(), m.size());
    }
    return p;
}

std::vector<std::byte> udp_frame(const std::vector<std::byte>& payload) {
    tp::udp_frame_header h;
    h.dst_mac = {0x01, 0x00, 0x5e, 0x01, 0x01, 0x01};
    h.src_mac = {0x02, 0, 0, 0, 0, 0x10};
    h.src_ip = 0x0A000001;
    h.dst_ip = 0xEF010101;  // 239.1.1.1
    h.src_port = 40000;
    h.dst_port = 30001;
    std::vector<std::byte> buf(2048);
    buf.resize(tp::build_udp_frame(buf, h, payload));
    return buf;
}

std::string message(std::uint64_t n) {
    return "itch " + std::to_string(n) + std::string(n % 17, '.');
}

}  // namespace

TEST(moldudp64_dpdk, receiver_on_a_dpdk_shard_delivers_a_replayed_stream_in_order) {
    const auto dir =
        std::filesystem::temp_directory_path() / ("exwire-mold-dpdk-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto in = dir / "in.pcap";
    const auto out = dir / "out.pcap";
    constexpr std::uint64_t total = 600;
    std::vector<std::vector<std::byte>> frames;
    for (std::uint64_t seq = 1; seq <= total; seq += 3)  // three messages per packet
        frames.push_back(
            udp_frame(mold_packet(seq, {message(seq), message(seq + 1), message(seq + 2)})));
    frames.push_back(udp_frame(mold_packet(total + 1, {}, true)));
    write_pcap(in, frames);

    engine_config c;
    c.name = "mold-dpdk";
    shard_config sh;
    sh.name = "feed_shard";
    sh.idle = "backoff:spins=10,yields=5,min=20us,max=1ms";
    sh.transport = transport_kind::dpdk;
    sh.dpdk_eal_args = {"--no-huge",
                        "-m",
                        "512",
                        "--no-pci",
                        "-l",
                        "0",
                        "--file-prefix=exwire-mold" + std::to_string(::getpid()),
                        "--log-level=error",
                        "--vdev=net_pcap0,rx_pcap=" + in.string() + ",tx_pcap=" + out.string()};
    c.shards.push_back(sh);
    session_config rx;
    rx.name = "feed-rx";
    rx.protocol = protocol_kind::itch;
    rx.role = session_role::receiver;
    rx.shard = "feed_shard";
    rx.group = {"239.1.1.1", 30001};
    rx.interface = "10.0.0.2";
    rx.requested_session = "TEST";
    rx.requested_sequence = 1;
    rx.journal.dir = "";
    c.sessions.push_back(rx);

    protocol_registry protocols;
    exwire::engine::nasdaq::register_moldudp64(protocols);
    auto made = engine::create(std::move(c), protocols);
    ASSERT_TRUE(made.ok()) << made.err().message;
    auto eng = std::move(made).value();
    auto started = eng->start();
    if (!started.ok() && started.err().message.find("EAL") != std::string::npos) {
        std::printf("skipped: %s\n", started.err().message.c_str());
        skipped = true;
        std::filesystem::remove_all(dir);
        GTEST_SKIP() << started.err().message;
    }
    ASSERT_TRUE(started.ok()) << started.err().message;
    session_handle receiver = eng->session("feed-rx");

    std::uint64_t expected = 1;
    std::string problem;
    bool closed = false;
    close_reason reason{};
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!closed && std::chrono::steady_clock::now() < deadline) {
        const polled p = receiver.poll([&](const inbound_record& r) {
            if (r.type == record_type::closed) {
                closed = true;
                reason = r.reason();
            }
            if (!r.is_message()) return;
            if (problem.empty() && (r.sequence != expected || r.text() != message(expected)))
                problem =
                    "got " + std::to_string(r.sequence) + " wanted " + std::to_string(expected);
            ++expected;
        });
        if (p.count == 0) std::this_thread::sleep_for(1ms);
    }
    eng->stop();
    std::filesystem::remove_all(dir);
    EXPECT_TRUE(problem.empty()) << problem;
    EXPECT_EQ(expected, total + 1);
    EXPECT_TRUE(closed);
    EXPECT_EQ(reason, close_reason::end_of_session);
}

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    const int rc = RUN_ALL_TESTS();
    return skipped ? 77 : rc;
}
