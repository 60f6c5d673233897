// End to end over loopback: an OUCH client session and a SoupBinTCP server session, each on
// its own real shard thread with a sleeping backoff idle strategy, talk through the socket
// transport. The client application sends Enter Orders (Unsequenced Data); the server
// application answers each with an Order Accepted (Sequenced Data). Bounded in count and time.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

#include <exwire/core/bytes.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/nasdaq/soupbintcp_engine.hpp>
#include "../../support/loopback.hpp"

using namespace exwire::engine;
using namespace std::chrono_literals;

namespace {

using exwire::test::free_port;
using exwire::test::wait_until;

constexpr std::size_t enter_order_size = 49;     // 47 bytes + empty appendage length
constexpr std::size_t order_accepted_size = 66;  // 64 bytes + empty appendage length

/// The shards' transport: sockets, or io_uring when EXWIRE_TEST_TRANSPORT=io_uring (meson
/// runs this test both ways).
transport_kind test_transport() {
    const char* t = std::getenv("EXWIRE_TEST_TRANSPORT");
    return t != nullptr && std::string_view(t) == "io_uring" ? transport_kind::io_uring
                                                             : transport_kind::socket;
}

engine_config loopback_config(std::uint16_t port) {
    engine_config c;
    c.name = "soup-loopback";
    for (const char* name : {"server_shard", "client_shard"}) {
        shard_config sh;
        sh.name = name;
        sh.idle = "backoff:spins=10,yields=5,min=10us,max=200us";
        sh.transport = test_transport();
        c.shards.push_back(sh);
    }
    session_config server;
    server.name = "exchange";
    server.protocol = protocol_kind::soupbintcp;
    server.role = session_role::server;
    server.shard = "server_shard";
    server.listen = {"127.0.0.1", port};
    server.username = "trader";
    server.password = "secret";
    server.requested_session = "TODAY";
    server.journal.dir = "";
    c.sessions.push_back(server);
    session_config client;
    client.name = "trader";
    client.protocol = protocol_kind::ouch;
    client.role = session_role::client;
    client.shard = "client_shard";
    client.connect = {"127.0.0.1", port};
    client.username = "trader";
    client.password = "secret";
    client.journal.dir = "";
    c.sessions.push_back(client);
    return c;
}

/// The trader sends `order_count` Enter Orders (UserRefNum 1..n); the exchange answers each
/// with an Order Accepted of the same UserRefNum. Checks that each side saw every message
/// once, in order, then closes the server gracefully.
void exchange_orders(std::uint32_t order_count, std::chrono::seconds limit) {
    protocol_registry protocols;
    exwire::engine::nasdaq::register_soupbintcp(protocols);
    auto made = engine::create(loopback_config(free_port()), protocols);
    ASSERT_TRUE(made.ok()) << made.err().message;
    auto eng = std::move(made).value();
    ASSERT_TRUE(eng->start().ok());
    session_handle server = eng->session("exchange");
    session_handle client = eng->session("trader");
    ASSERT_TRUE(wait_until([&] { return client.is_active(); }, 5000ms)) << "client never logged in";

    // The exchange: answers every Enter Order with an Order Accepted of the same UserRefNum.
    std::atomic<bool> stop{false};
    std::atomic<std::uint32_t> answered{0};
    std::atomic<std::uint32_t> bad_orders{0};
    std::thread exchange([&] {
        const auto end = std::chrono::steady_clock::now() + limit;
        while (!stop && std::chrono::steady_clock::now() < end) {
            received r = server.receive(10ms);
            if (!r.ok() || !r.record.is_message()) continue;
            // Each order once, in order: its UserRefNum is the next one.
            if (r.record.body.size() != enter_order_size ||
                static_cast<char>(r.record.body[0]) != 'O' ||
                exwire::load_be<std::uint32_t>(r.record.body.data() + 1) != answered + 1) {
                ++bad_orders;
                continue;
            }
            std::byte accepted[order_accepted_size] = {};
            accepted[0] = std::byte{'A'};
            std::memcpy(accepted + 9, r.record.body.data() + 1, 4);  // UserRefNum
            exwire::mutable_bytes out;
            while (server.claim(sizeof accepted, out) == send_status::full)
                std::this_thread::sleep_for(20us);
            std::memcpy(out.data(), accepted, sizeof accepted);
            server.commit();
            ++answered;
        }
    });

    // The trader: sends the orders, interleaved with reading the answers.
    std::uint32_t sent = 0;
    std::uint32_t received_count = 0;
    std::uint64_t expected_sequence = 1;
    std::vector<std::string> problems;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (received_count < order_count && std::chrono::steady_clock::now() < deadline) {
        // At most 5000 orders unanswered: the server delivers clients' messages best effort
        // (dropped when its application's ring is full), so the trader paces itself.
        while (sent < order_count && sent - received_count < 5000) {
            exwire::mutable_bytes out;
            if (client.claim(enter_order_size, out) != send_status::ok) break;
            std::memset(out.data(), ' ', enter_order_size);
            out[0] = std::byte{'O'};
            exwire::store_be<std::uint32_t>(out.data() + 1, sent + 1);
            exwire::store_be<std::uint16_t>(out.data() + 47, 0);
            client.commit();
            ++sent;
        }
        const polled p = client.poll([&](const inbound_record& r) {
            if (!r.is_message()) return;
            if (r.sequence != expected_sequence || r.body.size() != order_accepted_size ||
                exwire::load_be<std::uint32_t>(r.body.data() + 9) != expected_sequence) {
                if (problems.size() < 5)
                    problems.push_back("bad record at " + std::to_string(expected_sequence));
            }
            ++expected_sequence;
            ++received_count;
        });
        if (p.count == 0) std::this_thread::sleep_for(50us);
    }
    stop = true;
    exchange.join();

    EXPECT_EQ(sent, order_count);
    EXPECT_EQ(received_count, order_count);
    EXPECT_EQ(answered.load(), order_count);
    EXPECT_EQ(bad_orders.load(), 0u);
    EXPECT_TRUE(problems.empty()) << problems.front();

    // Graceful close of the server: End of Session reaches the client, which stops with it.
    ASSERT_TRUE(server.close(5s));
    ASSERT_TRUE(wait_until([&] { return client.is_closed(); }, 5000ms));
    EXPECT_EQ(client.reason(), close_reason::end_of_session);
    EXPECT_EQ(client.channel()->counters.get(counter::records_dropped), 0u);
    EXPECT_EQ(server.channel()->counters.get(counter::records_dropped), 0u);
    eng->stop();
}

}  // namespace

TEST(soupbintcp_loopback, ouch_client_gets_order_accepted_for_every_enter_order) {
    exchange_orders(10'000, 30s);
}

TEST(soupbintcp_loopback, hundred_thousand_orders_each_answered_once_in_order) {
    exchange_orders(100'000, 120s);
}

TEST(soupbintcp_loopback, wrong_password_is_rejected_with_reason) {
    protocol_registry protocols;
    exwire::engine::nasdaq::register_soupbintcp(protocols);
    engine_config c = loopback_config(free_port());
    c.sessions[1].password = "guess";
    auto made = engine::create(std::move(c), protocols);
    ASSERT_TRUE(made.ok()) << made.err().message;
    auto eng = std::move(made).value();
    ASSERT_TRUE(eng->start().ok());
    session_handle client = eng->session("trader");
    bool rejected = false;
    for (int i = 0; i < 200 && !rejected; ++i) {
        received r = client.receive(20ms);
        if (r.ok() && r.record.type == record_type::login_rejected) {
            rejected = true;
            EXPECT_NE(r.record.text().find("not authorized"), std::string_view::npos);
        }
    }
    EXPECT_TRUE(rejected);
    ASSERT_TRUE(wait_until([&] { return client.is_closed(); }, 5000ms));
    EXPECT_EQ(client.reason(), close_reason::login_rejected);
    eng->stop();
}

TEST(soupbintcp_loopback, client_dropped_by_server_reconnects_and_resumes_without_gaps) {
    // The server drops clients silent for 100 ms; the client heartbeats only every second,
    // so it is dropped again and again while the server keeps publishing. Every reconnect
    // must log in at the next expected sequence number: no gap, no duplicate.
    protocol_registry protocols;
    exwire::engine::nasdaq::register_soupbintcp(protocols);
    engine_config c = loopback_config(free_port());
    c.sessions[0].heartbeat.interval_ns = 50'000'000;
    c.sessions[0].heartbeat.tolerated_misses = 2;
    c.sessions[1].reconnect.delay_ns = 10'000'000;
    c.sessions[1].reconnect.max_delay_ns = 20'000'000;
    auto made = engine::create(std::move(c), protocols);
    ASSERT_TRUE(made.ok()) << made.err().message;
    auto eng = std::move(made).value();
    ASSERT_TRUE(eng->start().ok());
    session_handle server = eng->session("exchange");
    session_handle client = eng->session("trader");

    constexpr std::uint64_t total = 60;
    std::uint64_t published = 0;
    std::uint64_t expected = 1;
    int reconnects = 0;
    int connects = 0;
    std::vector<std::uint64_t> login_sequences;
    std::vector<std::string> problems;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    auto next_publish = std::chrono::steady_clock::now();
    while (expected <= total && std::chrono::steady_clock::now() < deadline) {
        if (published < total && std::chrono::steady_clock::now() >= next_publish) {
            const std::string m = "update " + std::to_string(published + 1);
            if (server.send(exwire::to_bytes(m)) == send_status::ok) ++published;
            next_publish += 10ms;
        }
        (void)client.poll([&](const inbound_record& r) {
            if (r.type == record_type::connected) {
                if (connects++ == 0) {
                    EXPECT_EQ(r.value, 0u) << "the first connect is no reconnect";
                }
                if (r.value == 1) ++reconnects;
            }
            if (r.type == record_type::logged_in) login_sequences.push_back(r.sequence);
            if (!r.is_message()) return;
            const std::string want = "update " + std::to_string(expected);
            if (r.sequence != expected || r.text() != want)
                problems.push_back("got " + std::string(r.text()) + " at " +
                                   std::to_string(r.sequence) + ", wanted " + want);
            expected = r.sequence + 1;
        });
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(expected, total + 1);
    EXPECT_TRUE(problems.empty()) << problems.front();
    EXPECT_GE(reconnects, 2);
    EXPECT_EQ(reconnects, connects - 1);
    ASSERT_GE(login_sequences.size(), 2u);
    EXPECT_EQ(login_sequences.front(), 1u);
    for (std::size_t i = 1; i < login_sequences.size(); ++i)
        EXPECT_GE(login_sequences[i], login_sequences[i - 1]);
    EXPECT_GT(login_sequences.back(), 1u);
    eng->stop();
}

TEST(soupbintcp_loopback, client_stops_after_its_reconnect_attempts_with_transport_error) {
    // Nobody listens: the first connect and the two allowed reconnects are refused.
    protocol_registry protocols;
    exwire::engine::nasdaq::register_soupbintcp(protocols);
    engine_config c = loopback_config(free_port());
    c.sessions.erase(c.sessions.begin());  // no server
    c.sessions[0].reconnect.delay_ns = 5'000'000;
    c.sessions[0].reconnect.attempts = 2;
    auto made = engine::create(std::move(c), protocols);
    ASSERT_TRUE(made.ok()) << made.err().message;
    auto eng = std::move(made).value();
    ASSERT_TRUE(eng->start().ok());
    session_handle client = eng->session("trader");
    int disconnects = 0;
    bool closed = false;
    for (int i = 0; i < 500 && !closed; ++i) {
        received r = client.receive(10ms);
        if (!r.ok()) continue;
        if (r.record.type == record_type::disconnected) ++disconnects;
        if (r.record.type == record_type::closed) {
            closed = true;
            EXPECT_EQ(r.record.reason(), close_reason::transport_error);
        }
    }
    EXPECT_TRUE(closed);
    EXPECT_EQ(disconnects, 3);
    eng->stop();
}

TEST(soupbintcp_loopback, slow_application_loses_nothing_when_its_ring_fills) {
    // The client's inbound ring holds only a few hundred messages; the application does not
    // read while the server publishes 20k. The client must hold back (stop reading its
    // connection) rather than drop, and deliver everything once the application reads.
    protocol_registry protocols;
    exwire::engine::nasdaq::register_soupbintcp(protocols);
    engine_config c = loopback_config(free_port());
    c.sessions[1].inbound_ring_size = 1u << 14;
    auto made = engine::create(std::move(c), protocols);
    ASSERT_TRUE(made.ok()) << made.err().message;
    auto eng = std::move(made).value();
    ASSERT_TRUE(eng->start().ok());
    session_handle server = eng->session("exchange");
    session_handle client = eng->session("trader");
    ASSERT_TRUE(wait_until([&] { return client.is_active(); }, 5000ms));

    constexpr std::uint64_t total = 20'000;
    for (std::uint64_t i = 1; i <= total; ++i) {
        const std::string m = "px " + std::to_string(i) + std::string(20, '.');
        int tries = 0;
        while (server.send(exwire::to_bytes(m)) != send_status::ok && ++tries < 100000)
            std::this_thread::sleep_for(20us);
    }
    std::this_thread::sleep_for(300ms);  // the application is busy elsewhere

    std::uint64_t expected = 1;
    std::string problem;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (expected <= total && std::chrono::steady_clock::now() < deadline) {
        const polled p = client.poll([&](const inbound_record& r) {
            if (!r.is_message()) return;
            if (problem.empty() && r.sequence != expected)
                problem =
                    "got " + std::to_string(r.sequence) + " wanted " + std::to_string(expected);
            expected = r.sequence + 1;
        });
        if (p.count == 0) std::this_thread::sleep_for(100us);
    }
    EXPECT_EQ(expected, total + 1);
    EXPECT_TRUE(problem.empty()) << problem;
    EXPECT_EQ(client.channel()->counters.get(counter::records_dropped), 0u);
    eng->stop();
}
