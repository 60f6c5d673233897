// One behavioural suite, instantiated for every transport (typed tests). Loopback only;
// every wait is bounded and sleeps between idle passes.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "transport_harness.hpp"

namespace exwire::transport::testing {
namespace {

constexpr std::int64_t second_ns = 1'000'000'000;

template <typename T>
class transport_suite : public ::testing::Test {
  protected:
    static T make(std::size_t send_queue = 1 << 20, socket_options socket = {}) {
        return factory<T>::make(send_queue, socket);
    }
};

#ifdef EXWIRE_HAVE_IO_URING
using transport_types =
    ::testing::Types<socket_transport, uring_transport, uring_transport_queued_sends>;
#else
using transport_types = ::testing::Types<socket_transport>;
#endif

struct type_names {
    template <typename T>
    static std::string GetName(int) {
        return factory<T>::name;
    }
};
TYPED_TEST_SUITE(transport_suite, transport_types, type_names);

static_assert(transport<socket_transport>);
#ifdef EXWIRE_HAVE_IO_URING
static_assert(transport<uring_transport>);
static_assert(transport<uring_transport_queued_sends>);
#endif

// A server and a client transport, each with its recorder, and a pump over both.
template <typename T>
struct pair_fixture {
    T server;
    T client;
    recorder server_rec;
    recorder client_rec;
    connection_id listener = invalid_connection;

    bool pump(const std::function<bool()>& done,
              std::chrono::milliseconds limit = std::chrono::seconds(10)) {
        return pump_until([&] { return server.poll(server_rec) + client.poll(client_rec); }, done,
                          limit);
    }
    [[nodiscard]] endpoint server_endpoint() const {
        return {"127.0.0.1", server.local_port(listener)};
    }
    /// Connects and waits for both sides to see the connection; returns {client, server} ids.
    std::pair<connection_id, connection_id> connect_one() {
        const std::size_t accepted_before = server_rec.count(event_kind::accepted);
        const std::size_t connected_before = client_rec.count(event_kind::connected);
        auto id = client.connect(server_endpoint(), 5 * second_ns);
        EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.err().message);
        EXPECT_TRUE(pump([&] {
            return server_rec.count(event_kind::accepted) > accepted_before &&
                   client_rec.count(event_kind::connected) > connected_before;
        }));
        connection_id server_id = invalid_connection;
        for (const auto& e : server_rec.events) {
            if (e.kind == event_kind::accepted) server_id = e.id;
        }
        return {*id, server_id};
    }
};

template <typename T>
pair_fixture<T> make_pair_fixture(std::size_t send_queue = 1 << 20, socket_options socket = {}) {
    pair_fixture<T> f{factory<T>::make(send_queue, socket),
                      factory<T>::make(send_queue, socket),
                      {},
                      {},
                      invalid_connection};
    auto l = f.server.listen({"127.0.0.1", 0});
    EXPECT_TRUE(l.ok()) << (l.ok() ? "" : l.err().message);
    f.listener = *l;
    EXPECT_NE(f.server.local_port(f.listener), 0);
    return f;
}

std::string pattern(std::size_t n, std::uint32_t seed) {
    std::string s(n, '\0');
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& c : s) {
        x = x * 1664525u + 1013904223u;
        c = static_cast<char>(x >> 24);
    }
    return s;
}

TYPED_TEST(transport_suite, connects_sends_and_receives_both_ways) {
    auto f = make_pair_fixture<TypeParam>();
    auto [c, s] = f.connect_one();
    ASSERT_EQ(f.client.send(c, to_bytes("hello")).status, send_status::ok);
    ASSERT_TRUE(f.pump([&] { return f.server_rec.text(s) == "hello"; }));
    ASSERT_EQ(f.server.send(s, to_bytes("world!")).status, send_status::ok);
    ASSERT_TRUE(f.pump([&] { return f.client_rec.text(c) == "world!"; }));
    const auto* accepted = f.server_rec.find(event_kind::accepted);
    ASSERT_NE(accepted, nullptr);
    EXPECT_EQ(accepted->listener, f.listener);
}

TYPED_TEST(transport_suite, many_connections_on_one_shard_keep_their_streams_apart) {
    auto f = make_pair_fixture<TypeParam>();
    constexpr int n = 64;
    std::vector<connection_id> clients;
    for (int i = 0; i < n; ++i) {
        auto id = f.client.connect(f.server_endpoint(), 5 * second_ns);
        ASSERT_TRUE(id.ok()) << id.err().message;
        clients.push_back(*id);
    }
    ASSERT_TRUE(f.pump([&] {
        return f.server_rec.count(event_kind::accepted) == n &&
               f.client_rec.count(event_kind::connected) == n;
    }));
    // Echo server: every byte goes back on the connection it came from.
    f.server_rec.on_bytes = [&](connection_id id, bytes data) {
        ASSERT_EQ(f.server.send(id, data).status, send_status::ok);
    };
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < n; ++i) {
            const std::string msg = pattern(100 + static_cast<std::size_t>(i),
                                            static_cast<std::uint32_t>(i + round * n));
            ASSERT_EQ(f.client.send(clients[static_cast<std::size_t>(i)], to_bytes(msg)).status,
                      send_status::ok);
        }
    }
    ASSERT_TRUE(f.pump([&] {
        for (int i = 0; i < n; ++i) {
            if (f.client_rec.text(clients[static_cast<std::size_t>(i)]).size() !=
                3 * (100 + static_cast<std::size_t>(i)))
                return false;
        }
        return true;
    }));
    for (int i = 0; i < n; ++i) {
        std::string expected;
        for (int round = 0; round < 3; ++round) {
            expected += pattern(100 + static_cast<std::size_t>(i),
                                static_cast<std::uint32_t>(i + round * n));
        }
        EXPECT_EQ(f.client_rec.text(clients[static_cast<std::size_t>(i)]), expected)
            << "connection " << i;
    }
    EXPECT_EQ(f.server_rec.count(event_kind::error), 0u);
}

TYPED_TEST(transport_suite, frames_split_at_every_byte_boundary_arrive_intact) {
    auto f = make_pair_fixture<TypeParam>();
    auto [c, s] = f.connect_one();
    const std::string frame = pattern(48, 7);
    std::string expected;
    for (std::size_t cut = 1; cut < frame.size(); ++cut) {
        ASSERT_EQ(f.client.send(c, to_bytes(frame.substr(0, cut))).status, send_status::ok);
        expected += frame.substr(0, cut);
        // The head arrives on its own before the tail is sent.
        ASSERT_TRUE(f.pump([&] { return f.server_rec.text(s).size() == expected.size(); }));
        ASSERT_EQ(f.client.send(c, to_bytes(frame.substr(cut))).status, send_status::ok);
        expected += frame.substr(cut);
        ASSERT_TRUE(f.pump([&] { return f.server_rec.text(s).size() == expected.size(); }));
    }
    EXPECT_EQ(f.server_rec.text(s), expected);
}

TYPED_TEST(transport_suite, peer_closing_mid_frame_delivers_the_bytes_then_closed_by_peer) {
    auto f = make_pair_fixture<TypeParam>();
    auto [c, s] = f.connect_one();
    ASSERT_EQ(f.client
                  .send(c, to_bytes("8=FIX.4.4\x01"
                                    "9=12"))
                  .status,
              send_status::ok);
    ASSERT_TRUE(
        f.pump([&] { return f.client.queued(c) == 0 && f.server_rec.text(s).size() == 14; }));
    f.client.close(c);
    ASSERT_TRUE(f.pump([&] { return f.server_rec.count(event_kind::closed_by_peer) == 1; }));
    EXPECT_EQ(f.server_rec.text(s),
              "8=FIX.4.4\x01"
              "9=12");
    EXPECT_EQ(f.server_rec.find(event_kind::closed_by_peer)->id, s);
    // The released id is stale now.
    EXPECT_EQ(f.server.send(s, to_bytes("x")).status, send_status::closed);
    EXPECT_EQ(f.client.send(c, to_bytes("x")).status, send_status::closed);
    EXPECT_EQ(f.client_rec.count(event_kind::closed_by_peer), 0u) << "no event after close()";
}

TYPED_TEST(transport_suite, connecting_to_a_closed_port_reports_connection_refused) {
    // A port that was just free: bind, read the port, close.
    const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    socklen_t len = sizeof sa;
    ASSERT_EQ(getsockname(probe, reinterpret_cast<sockaddr*>(&sa), &len), 0);
    ::close(probe);
    auto t = TestFixture::make();
    recorder rec;
    auto id = t.connect({"127.0.0.1", ntohs(sa.sin_port)}, 5 * second_ns);
    ASSERT_TRUE(id.ok()) << id.err().message;
    ASSERT_TRUE(pump_until([&] { return t.poll(rec); }, [&] { return !rec.events.empty(); }));
    ASSERT_EQ(rec.events.size(), 1u);
    EXPECT_EQ(rec.events[0].kind, event_kind::connect_failed);
    EXPECT_EQ(rec.events[0].id, *id);
    EXPECT_EQ(rec.events[0].error, ECONNREFUSED) << reason(rec.events[0]);
    EXPECT_EQ(t.send(*id, to_bytes("x")).status, send_status::closed);
}

TYPED_TEST(transport_suite, connect_times_out_when_the_listener_backlog_is_full) {
    // A listener that never accepts, with its accept queue filled by earlier connects: the
    // kernel drops further SYNs, so the next connect can only time out.
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    ASSERT_EQ(::listen(listener, 0), 0);
    socklen_t len = sizeof sa;
    ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&sa), &len), 0);
    std::vector<int> fillers;
    for (int i = 0; i < 4; ++i) {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        (void)::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
        fillers.push_back(fd);
    }
    ::usleep(50'000);
    auto t = TestFixture::make();
    recorder rec;
    const std::int64_t start = monotonic_ns();
    auto id = t.connect({"127.0.0.1", ntohs(sa.sin_port)}, 300'000'000);
    ASSERT_TRUE(id.ok()) << id.err().message;
    ASSERT_TRUE(pump_until([&] { return t.poll(rec); }, [&] { return !rec.events.empty(); }));
    const std::int64_t elapsed = monotonic_ns() - start;
    ASSERT_EQ(rec.events.size(), 1u);
    EXPECT_EQ(rec.events[0].kind, event_kind::connect_failed);
    EXPECT_EQ(rec.events[0].error, ETIMEDOUT) << reason(rec.events[0]);
    EXPECT_GE(elapsed, 290'000'000);
    EXPECT_LT(elapsed, 3 * second_ns);
    for (int fd : fillers)
        ::close(fd);
    ::close(listener);
}

TYPED_TEST(transport_suite, peer_that_stops_reading_gets_back_pressure_and_nothing_is_lost) {
    socket_options small;
    small.send_buffer = 16 * 1024;
    small.receive_buffer = 16 * 1024;
    auto f = make_pair_fixture<TypeParam>(64 * 1024, small);
    auto [c, s] = f.connect_one();
    const std::string stream = pattern(4 << 20, 99);
    std::size_t offset = 0;
    // The server does not poll: keep sending until the transport refuses bytes.
    bool refused = false;
    for (int pass = 0; pass < 10'000 && !refused; ++pass) {
        const std::size_t n = std::min<std::size_t>(1000, stream.size() - offset);
        const auto r = f.client.send(c, to_bytes(std::string_view(stream).substr(offset, n)));
        ASSERT_TRUE(r.status == send_status::ok || r.status == send_status::partial ||
                    r.status == send_status::would_block)
            << to_string(r.status);
        offset += r.accepted;
        if (r.status != send_status::ok) refused = true;
        (void)f.client.poll(f.client_rec);
        if (pass % 64 == 0) ::usleep(1000);
    }
    ASSERT_TRUE(refused) << "the send queue never filled";
    ASSERT_LT(offset, stream.size());
    EXPECT_TRUE(f.server_rec.text(s).empty());
    // Now the server reads; the client resumes on `writable` until everything is accepted.
    std::size_t writable_seen = 0;
    ASSERT_TRUE(f.pump(
        [&] {
            if (f.client_rec.count(event_kind::writable) > writable_seen) {
                writable_seen = f.client_rec.count(event_kind::writable);
                refused = false;
            }
            while (!refused && offset < stream.size()) {
                const std::size_t n = std::min<std::size_t>(1000, stream.size() - offset);
                const auto r =
                    f.client.send(c, to_bytes(std::string_view(stream).substr(offset, n)));
                offset += r.accepted;
                if (r.status != send_status::ok) refused = true;
            }
            return f.server_rec.text(s).size() == stream.size();
        },
        std::chrono::seconds(30)));
    EXPECT_GT(writable_seen, 0u);
    EXPECT_TRUE(f.server_rec.text(s) == stream) << "bytes lost or reordered";
}

TYPED_TEST(transport_suite, clients_reconnect_after_the_server_restarts) {
    auto f = make_pair_fixture<TypeParam>();
    auto [c, s] = f.connect_one();
    const std::uint16_t port = f.server.local_port(f.listener);
    // The server goes away: its connection and listener close, its transport is replaced.
    f.server.close(s);
    f.server.close(f.listener);
    ASSERT_TRUE(f.pump([&] { return f.client_rec.count(event_kind::closed_by_peer) == 1; }));
    f.server = TestFixture::make();
    f.server_rec = recorder{};
    auto l = f.server.listen({"127.0.0.1", port});
    ASSERT_TRUE(l.ok()) << l.err().message;
    f.listener = *l;
    auto [c2, s2] = f.connect_one();
    ASSERT_NE(c2, c);
    ASSERT_EQ(f.client.send(c2, to_bytes("again")).status, send_status::ok);
    ASSERT_TRUE(f.pump([&] { return f.server_rec.text(s2) == "again"; }));
}

TYPED_TEST(transport_suite, handler_may_close_a_connection_while_its_bytes_are_delivered) {
    auto f = make_pair_fixture<TypeParam>();
    auto [c, s] = f.connect_one();
    f.server_rec.on_bytes = [&](connection_id id, bytes) { f.server.close(id); };
    ASSERT_EQ(f.client.send(c, to_bytes("bye")).status, send_status::ok);
    ASSERT_TRUE(f.pump([&] { return f.client_rec.count(event_kind::closed_by_peer) == 1; }));
    EXPECT_EQ(f.server_rec.text(s), "bye");
    EXPECT_EQ(f.server_rec.count(event_kind::closed_by_peer), 0u);
}

TYPED_TEST(transport_suite, applies_socket_options_including_the_interface_binding) {
    socket_options o;
    o.interface = "lo";
    o.busy_poll_us = 50;
    o.receive_buffer = 256 * 1024;
    o.send_buffer = 256 * 1024;
    auto server = TestFixture::make(1 << 20, o);
    auto l = server.listen({"127.0.0.1", 0});
    if (!l.ok() && l.err().code == EPERM) {
        GTEST_SKIP() << "SO_BINDTODEVICE/SO_BUSY_POLL not permitted: " << l.err().message;
    }
    ASSERT_TRUE(l.ok()) << l.err().message;
    o.interface = "no-such-if0";
    auto client = TestFixture::make(1 << 20, o);
    auto bad = client.connect({"127.0.0.1", server.local_port(*l)}, second_ns);
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.err().message.find("no-such-if0"), std::string::npos) << bad.err().message;
}

TYPED_TEST(transport_suite, udp_unicast_datagrams_arrive_whole_and_in_order) {
    auto t = TestFixture::make();
    recorder rec;
    udp_options rx_opts;
    rx_opts.local = {"127.0.0.1", 0};
    auto rx = t.open_udp(rx_opts);
    ASSERT_TRUE(rx.ok()) << rx.err().message;
    udp_options tx_opts;
    tx_opts.local = {"127.0.0.1", 0};
    tx_opts.remote = {"127.0.0.1", t.local_port(*rx)};
    auto tx = t.open_udp(tx_opts);
    ASSERT_TRUE(tx.ok()) << tx.err().message;
    std::vector<std::string> sent;
    for (int i = 0; i < 50; ++i) {
        sent.push_back(
            pattern(20 + static_cast<std::size_t>(i) * 7, static_cast<std::uint32_t>(i)));
        ASSERT_EQ(t.send(*tx, to_bytes(sent.back())).status, send_status::ok);
    }
    ASSERT_TRUE(pump_until(
        [&] { return t.poll(rec); },
        [&] { return rec.datagrams[static_cast<std::uint64_t>(*rx)].size() == sent.size(); }));
    EXPECT_EQ(rec.datagrams[static_cast<std::uint64_t>(*rx)], sent);
}

TYPED_TEST(transport_suite, udp_multicast_on_loopback_reaches_every_member) {
    auto t = TestFixture::make();
    recorder rec;
    udp_options member;
    member.local = {"0.0.0.0", 0};
    member.group = "239.255.42.99";
    member.multicast_interface = "127.0.0.1";
    auto a = t.open_udp(member);
    if (!a.ok()) GTEST_SKIP() << "cannot join a multicast group on loopback: " << a.err().message;
    member.local.port = t.local_port(*a);
    auto b = t.open_udp(member);
    ASSERT_TRUE(b.ok()) << b.err().message;
    udp_options sender;
    sender.local = {"127.0.0.1", 0};
    sender.remote = {"239.255.42.99", member.local.port};
    sender.multicast_interface = "127.0.0.1";
    auto tx = t.open_udp(sender);
    ASSERT_TRUE(tx.ok()) << tx.err().message;
    std::vector<std::string> sent;
    for (int i = 0; i < 20; ++i) {
        sent.push_back(pattern(64, static_cast<std::uint32_t>(i)));
        const auto r = t.send(*tx, to_bytes(sent.back()));
        if (r.status == send_status::error) {
            GTEST_SKIP() << "multicast send on loopback refused (no multicast route on lo)";
        }
        ASSERT_EQ(r.status, send_status::ok);
    }
    const bool arrived =
        pump_until([&] { return t.poll(rec); },
                   [&] {
                       return rec.datagrams[static_cast<std::uint64_t>(*a)].size() == sent.size() &&
                              rec.datagrams[static_cast<std::uint64_t>(*b)].size() == sent.size();
                   },
                   std::chrono::seconds(3));
    if (!arrived && rec.datagrams[static_cast<std::uint64_t>(*a)].empty()) {
        GTEST_SKIP() << "multicast is not delivered on this loopback interface";
    }
    EXPECT_EQ(rec.datagrams[static_cast<std::uint64_t>(*a)], sent);
    EXPECT_EQ(rec.datagrams[static_cast<std::uint64_t>(*b)], sent);
}

}  // namespace
}  // namespace exwire::transport::testing
