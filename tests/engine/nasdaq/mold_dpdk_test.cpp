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
#include <iterator>
#include <memory>
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

engine_config dpdk_config(const std::filesystem::path& in, const std::filesystem::path& out) {
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

    return c;
}

/// Creates and starts the engine; nullptr and `skipped` when the EAL cannot start here.
std::unique_ptr<engine> start_engine(engine_config c) {
    protocol_registry protocols;
    exwire::engine::nasdaq::register_moldudp64(protocols);
    auto made = engine::create(std::move(c), protocols);
    EXPECT_TRUE(made.ok()) << made.err().message;
    if (!made.ok()) return nullptr;
    auto eng = std::move(made).value();
    auto started = eng->start();
    if (!started.ok()) {
        if (started.err().message.find("EAL") != std::string::npos) {
            std::printf("skipped: %s\n", started.err().message.c_str());
            skipped = true;
        } else {
            ADD_FAILURE() << started.err().message;
        }
        return nullptr;
    }
    return eng;
}

/// UDP datagrams in a pcap written by the net_pcap device's tx side.
std::vector<std::pair<tp::udp_frame, std::vector<std::byte>>> read_pcap_datagrams(
    const std::filesystem::path& path) {
    std::vector<std::pair<tp::udp_frame, std::vector<std::byte>>> out;
    std::ifstream f(path, std::ios::binary);
    std::vector<char> all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::size_t at = 24;  // file header
    while (at + 16 <= all.size()) {
        std::uint32_t len = 0;
        std::memcpy(&len, all.data() + at + 8, 4);
        at += 16;
        if (at + len > all.size()) break;
        std::vector<std::byte> frame(len);
        std::memcpy(frame.data(), all.data() + at, len);
        at += len;
        tp::udp_frame u;
        if (tp::parse_udp_frame(frame, false, u) != tp::frame_status::ok) continue;
        const std::vector<std::byte> payload(u.payload.begin(), u.payload.end());
        u.payload = {};
        out.emplace_back(u, payload);
    }
    return out;
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

    engine_config c = dpdk_config(in, out);
    auto eng = start_engine(std::move(c));
    if (skipped) {
        std::filesystem::remove_all(dir);
        GTEST_SKIP() << "the EAL cannot start here";
    }
    ASSERT_NE(eng, nullptr);
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

// meson runs each test in its own process (the EAL starts once per process).
TEST(moldudp64_dpdk, gap_sends_a_retransmission_request_out_of_the_dpdk_port) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("exwire-mold-dpdk-gap-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto in = dir / "in.pcap";
    const auto out = dir / "out.pcap";
    // Packets of three messages from 1 to 300, without the one carrying 100-102.
    std::vector<std::vector<std::byte>> frames;
    for (std::uint64_t seq = 1; seq <= 300; seq += 3) {
        if (seq == 100) continue;
        frames.push_back(
            udp_frame(mold_packet(seq, {message(seq), message(seq + 1), message(seq + 2)})));
    }
    write_pcap(in, frames);
    engine_config c = dpdk_config(in, out);
    c.sessions[0].request_server = {"239.1.1.2", 31000};
    auto eng = start_engine(std::move(c));
    if (skipped) {
        std::filesystem::remove_all(dir);
        GTEST_SKIP() << "the EAL cannot start here";
    }
    ASSERT_NE(eng, nullptr);
    session_handle receiver = eng->session("feed-rx");
    std::uint64_t delivered = 0;
    std::uint64_t gap_first = 0;
    std::uint64_t gap_count = 0;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while ((gap_first == 0 || delivered < 99) && std::chrono::steady_clock::now() < deadline) {
        const polled p = receiver.poll([&](const inbound_record& r) {
            if (r.type == record_type::gap_detected && gap_first == 0) {
                gap_first = r.sequence;
                gap_count = r.value;
            }
            if (r.is_message() && r.sequence == delivered + 1) ++delivered;
        });
        if (p.count == 0) std::this_thread::sleep_for(1ms);
    }
    std::this_thread::sleep_for(50ms);  // the request leaves on the shard's next passes
    const std::uint64_t requests = receiver.channel()->counters.get(counter::retransmissions);
    eng->stop();
    eng.reset();  // closes the port: the tx pcap is complete
    EXPECT_EQ(delivered, 99u) << "everything before the gap, nothing after it";
    EXPECT_EQ(gap_first, 100u);
    EXPECT_EQ(gap_count, 3u);
    EXPECT_GE(requests, 1u);
    bool found = false;
    for (const auto& [u, payload] : read_pcap_datagrams(out)) {
        if (u.dst_port != 31000 || u.dst_ip != 0xEF010102 || payload.size() != 20) continue;
        EXPECT_EQ(std::string(reinterpret_cast<const char*>(payload.data()), 10), "TEST      ");
        EXPECT_EQ(exwire::load_be<std::uint64_t>(payload.data() + 10), 100u);
        EXPECT_EQ(exwire::load_be<std::uint16_t>(payload.data() + 18), 3u);
        EXPECT_EQ(u.src_ip, 0x0A000002u) << "sent from the session's interface address";
        found = true;
        break;
    }
    EXPECT_TRUE(found) << "no retransmission request in the device's tx pcap";
    std::filesystem::remove_all(dir);
}

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    const int rc = RUN_ALL_TESTS();
    return skipped ? 77 : rc;
}
