// Unit tests of transport pieces that need no network: the send queue, option checks,
// connection ids.

#include <gtest/gtest.h>

#include <string>

#include <exwire/core/thread.hpp>
#include <exwire/transport/socket_transport.hpp>
#include <exwire/transport/transport.hpp>
#ifdef EXWIRE_HAVE_IO_URING
#include <exwire/transport/uring_transport.hpp>
#endif

#include "../../transport/src/send_queue.hpp"

namespace exwire::transport {
namespace {

TEST(send_queue, keeps_bytes_in_order_across_the_wrap_point) {
    detail::send_queue q(64);
    std::string out;
    std::string in;
    for (int round = 0; round < 50; ++round) {
        const std::string chunk(static_cast<std::size_t>(10 + round % 17), static_cast<char>('a' + round % 26));
        const std::size_t taken = q.push(to_bytes(chunk));
        in += chunk.substr(0, taken);
        // Drain part of it, as a partial send would.
        const bytes f = q.front();
        const std::size_t n = std::min<std::size_t>(f.size(), 23);
        out += std::string(to_string_view(f.subspan(0, n)));
        q.consume(n);
    }
    while (!q.empty()) {
        const bytes f = q.front();
        out += std::string(to_string_view(f));
        q.consume(f.size());
    }
    EXPECT_EQ(out, in);
}

TEST(send_queue, refuses_bytes_beyond_its_capacity) {
    detail::send_queue q(64);
    EXPECT_EQ(q.push(to_bytes(std::string(100, 'x'))), 64u);
    EXPECT_EQ(q.free(), 0u);
    EXPECT_EQ(q.push(to_bytes("y")), 0u);
}

TEST(connection_id, packs_slot_and_generation) {
    const auto id = make_connection_id(12345, 7);
    EXPECT_EQ(slot_of(id), 12345u);
    EXPECT_EQ(generation_of(id), 7u);
    EXPECT_NE(id, invalid_connection);
}

TEST(socket_transport, rejects_an_address_that_is_not_ipv4) {
    auto t = socket_transport::create({});
    ASSERT_TRUE(t.ok());
    auto l = t->listen({"localhost", 0});
    ASSERT_FALSE(l.ok());
    EXPECT_NE(l.err().message.find("not an IPv4 address"), std::string::npos) << l.err().message;
}

TEST(socket_transport, sending_on_an_id_never_issued_reports_closed) {
    auto t = socket_transport::create({});
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->send(make_connection_id(3, 9), to_bytes("x")).status, send_status::closed);
}

#ifdef EXWIRE_HAVE_IO_URING
TEST(uring_transport, sqpoll_refuses_to_start_without_a_spare_core) {
    uring_transport_options o;
    const auto cpus = allowed_cpus();
    o.sqpoll_cpu = cpus.front();
    o.shard_cpu = cpus.front();
    auto t = uring_transport::create(o);
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.err().message.find("SQPOLL"), std::string::npos) << t.err().message;
    if (cpus.size() < 3) {
        o.shard_cpu.reset();
        auto u = uring_transport::create(o);
        ASSERT_FALSE(u.ok());
        EXPECT_NE(u.err().message.find("at least 3 cpus"), std::string::npos) << u.err().message;
    }
}

TEST(uring_transport, rejects_a_buffer_count_that_is_not_a_power_of_two) {
    uring_transport_options o;
    o.buffer_count = 1000;
    auto t = uring_transport::create(o);
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.err().message.find("power of two"), std::string::npos);
}
#endif

}  // namespace
}  // namespace exwire::transport
