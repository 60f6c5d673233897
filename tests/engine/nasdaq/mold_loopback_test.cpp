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

#include <cstdlib>
#include <string_view>

#include <exwire/engine/engine.hpp>
#include <exwire/engine/nasdaq/moldudp64_engine.hpp>
#include "../../support/loopback.hpp"

using namespace exwire::engine;
using namespace std::chrono_literals;

namespace {

using exwire::test::free_udp_port;

/// The shards' transport: sockets, or io_uring when EXWIRE_TEST_TRANSPORT=io_uring (meson
/// runs this test both ways).
transport_kind test_transport() {
    const char* t = std::getenv("EXWIRE_TEST_TRANSPORT");
    return t != nullptr && std::string_view(t) == "io_uring" ? transport_kind::io_uring
                                                             : transport_kind::socket;
}

engine_config mold_config() {
    const std::uint16_t feed_port = free_udp_port();
    const std::uint16_t request_port = free_udp_port();
    engine_config c;
    c.name = "mold-loopback";
    for (const char* name : {"pub_shard", "rx_shard"}) {
        shard_config sh;
        sh.name = name;
        sh.idle = "backoff:spins=10,yields=5,min=10us,max=200us";
        sh.transport = test_transport();
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
    pub.heartbeat.tolerated_misses = 5;  // answers requests for 5 s after End of Session
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
    return c;
}

struct outcome {
    std::uint64_t sent = 0;
    std::uint64_t expected = 1;
    std::uint64_t gaps = 0;
    std::string problem;
    bool closed_seen = false;
    close_reason reason{};
    std::uint64_t dropped = 0;
};

/// Publishes `total` messages, then End of Session; the receiver side starts reading after
/// `stall` (its ring may fill meanwhile).
outcome run(engine_config c, std::uint64_t total, std::chrono::milliseconds stall) {
    outcome o;
    protocol_registry protocols;
    exwire::engine::nasdaq::register_moldudp64(protocols);
    auto made = engine::create(std::move(c), protocols);
    if (!made.ok()) {
        o.problem = made.err().message;
        return o;
    }
    auto eng = std::move(made).value();
    if (!eng->start().ok()) {
        o.problem = "engine did not start";
        return o;
    }
    session_handle publisher = eng->session("feed");
    session_handle receiver = eng->session("feed-rx");
    std::uint64_t& sent = o.sent;
    std::uint64_t& expected = o.expected;
    std::uint64_t& gaps = o.gaps;
    std::string& problem = o.problem;
    bool& closed_seen = o.closed_seen;
    close_reason& reason = o.reason;
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + 30s;
    while (!closed_seen && std::chrono::steady_clock::now() < deadline) {
        for (int i = 0; i < 200 && sent < total; ++i) {
            const std::string m = "msg " + std::to_string(sent + 1);
            if (publisher.send(exwire::to_bytes(m)) != send_status::ok) break;
            if (++sent == total) publisher.initiate_close();  // End of Session after the last
        }
        if (std::chrono::steady_clock::now() < start + stall) {
            std::this_thread::sleep_for(200us);
            continue;
        }
        const polled p = receiver.poll([&](const inbound_record& r) {
            if (r.type == record_type::gap_detected) ++gaps;
            if (r.type == record_type::closed && r.reason() != close_reason::end_of_session)
                problem += "closed: " + std::string(r.text()) + "; ";
            if (r.type == record_type::gap_detected && !r.text().empty())
                problem += "gave up at " + std::to_string(r.sequence) + " count " +
                           std::to_string(r.value) + "; ";
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
    o.dropped = receiver.channel()->counters.get(counter::records_dropped);
    if (!problem.empty())
        problem += "responses " +
                   std::to_string(publisher.channel()->counters.get(counter::retransmissions)) +
                   ", requests " +
                   std::to_string(receiver.channel()->counters.get(counter::retransmissions));
    eng->stop();
    return o;
}

}  // namespace

TEST(moldudp64_loopback, receiver_gets_every_message_in_order_then_end_of_session) {
    constexpr std::uint64_t total = 10'000;
    const outcome o = run(mold_config(), total, 0ms);
    EXPECT_EQ(o.sent, total);
    EXPECT_EQ(o.expected, total + 1);
    EXPECT_TRUE(o.problem.empty()) << o.problem;
    EXPECT_TRUE(o.closed_seen);
    EXPECT_EQ(o.reason, close_reason::end_of_session);
}

TEST(moldudp64_loopback, stalled_application_loses_nothing_thanks_to_retransmission) {
    // A 16 KiB inbound ring and an application that starts reading only after 300 ms: the
    // receiver stops reading its socket, the kernel may drop datagrams, and retransmission
    // requests must bring every message back.
    engine_config c = mold_config();
    c.sessions[1].inbound_ring_size = 1u << 14;
    constexpr std::uint64_t total = 20'000;
    const outcome o = run(std::move(c), total, 300ms);
    EXPECT_EQ(o.sent, total);
    EXPECT_EQ(o.expected, total + 1);
    EXPECT_TRUE(o.problem.empty()) << o.problem;
    EXPECT_TRUE(o.closed_seen);
    EXPECT_EQ(o.reason, close_reason::end_of_session);
    EXPECT_EQ(o.dropped, 0u);
    RecordProperty("gap_events", static_cast<int>(o.gaps));
}
