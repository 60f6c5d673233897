// MoldUDP64 end to end over loopback UDP: a publisher and a receiver session on two real
// shards (sleeping backoff idle strategy). The publisher application sends numbered
// messages; the receiver application must get every one, in order, once, and stop with
// End of Session. Loopback may drop datagrams when the receiver's buffer fills: the
// retransmission path then has to recover them. Bounded in count and time.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include <exwire/engine/engine.hpp>
#include <exwire/engine/nasdaq/moldudp64_engine.hpp>

using namespace exwire::engine;
using namespace std::chrono_literals;

namespace {

std::uint16_t free_udp_port() {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
    ::close(fd);
    return ntohs(a.sin_port);
}

}  // namespace

TEST(moldudp64_loopback, receiver_gets_every_message_in_order_then_end_of_session) {
    const std::uint16_t feed_port = free_udp_port();
    const std::uint16_t request_port = free_udp_port();
    engine_config c;
    c.name = "mold-loopback";
    for (const char* name : {"pub_shard", "rx_shard"}) {
        shard_config sh;
        sh.name = name;
        sh.idle = "backoff:spins=10,yields=5,min=10us,max=200us";
        c.shards.push_back(sh);
    }
    session_config pub;
    pub.name = "feed";
    pub.protocol = protocol_kind::itch;
    pub.role = session_role::publisher;
    pub.shard = "pub_shard";
    pub.group = {"127.0.0.1", feed_port};
    pub.listen = {"127.0.0.1", request_port};
    pub.requested_session = "TEST";
    pub.journal.dir = "";
    c.sessions.push_back(pub);
    session_config rx;
    rx.name = "feed-rx";
    rx.protocol = protocol_kind::itch;
    rx.role = session_role::receiver;
    rx.shard = "rx_shard";
    rx.group = {"127.0.0.1", feed_port};
    rx.request_server = {"127.0.0.1", request_port};
    rx.requested_session = "TEST";
    rx.requested_sequence = 1;
    rx.journal.dir = "";
    c.sessions.push_back(rx);

    protocol_registry protocols;
    exwire::engine::nasdaq::register_moldudp64(protocols);
    auto made = engine::create(std::move(c), protocols);
    ASSERT_TRUE(made.ok()) << made.err().message;
    auto eng = std::move(made).value();
    ASSERT_TRUE(eng->start().ok());
    session_handle publisher = eng->session("feed");
    session_handle receiver = eng->session("feed-rx");

    constexpr std::uint64_t total = 10'000;
    std::uint64_t sent = 0;
    std::uint64_t expected = 1;
    std::uint64_t gaps = 0;
    std::string problem;
    bool closed_seen = false;
    close_reason reason{};
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!closed_seen && std::chrono::steady_clock::now() < deadline) {
        for (int i = 0; i < 200 && sent < total; ++i) {
            const std::string m = "msg " + std::to_string(sent + 1);
            if (publisher.send(exwire::to_bytes(m)) != send_status::ok) break;
            if (++sent == total) publisher.initiate_close();  // End of Session after the last
        }
        const polled p = receiver.poll([&](const inbound_record& r) {
            if (r.type == record_type::gap_detected) ++gaps;
            if (r.type == record_type::closed) {
                closed_seen = true;
                reason = r.reason();
            }
            if (!r.is_message()) return;
            if (problem.empty() &&
                (r.sequence != expected || r.text() != "msg " + std::to_string(expected)))
                problem =
                    "got '" + std::string(r.text()) + "' wanted msg " + std::to_string(expected);
            ++expected;
        });
        if (p.count == 0) std::this_thread::sleep_for(200us);
    }
    EXPECT_EQ(sent, total);
    EXPECT_EQ(expected, total + 1);
    EXPECT_TRUE(problem.empty()) << problem;
    EXPECT_TRUE(closed_seen);
    EXPECT_EQ(reason, close_reason::end_of_session);
    RecordProperty("gaps_recovered", static_cast<int>(gaps));
    eng->stop();
}
