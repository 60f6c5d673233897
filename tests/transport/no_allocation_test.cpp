// The hot path allocates nothing: once connections are set up, poll/send/flush round trips
// make no call to operator new. A counting operator new replaces the global one in this
// test binary only.

#include <gtest/gtest.h>

#include <new>

#include "../support/alloc_counter.hpp"
#include "transport_harness.hpp"

namespace exwire::transport::testing {
namespace {

TEST(transport_no_allocation, the_counting_hook_sees_allocations) {
    const auto before = exwire::test::allocations_everywhere();
    void* p = ::operator new(16);
    ::operator delete(p);
    EXPECT_EQ(exwire::test::allocations_everywhere() - before, 1u);
}

struct counting_handler {
    std::size_t bytes_in = 0;
    std::size_t accepted = 0;
    std::size_t connected = 0;
    connection_id last_accepted = invalid_connection;
    void on_data(connection_id, bytes d) noexcept { bytes_in += d.size(); }
    void on_event(const connection_event& e) noexcept {
        if (e.kind == event_kind::accepted) {
            ++accepted;
            last_accepted = e.id;
        }
        if (e.kind == event_kind::connected) ++connected;
    }
};

template <typename T>
class no_allocation : public ::testing::Test {};

#ifdef EXWIRE_HAVE_IO_URING
using types = ::testing::Types<socket_transport, uring_transport, uring_transport_queued_sends>;
#else
using types = ::testing::Types<socket_transport>;
#endif
TYPED_TEST_SUITE(no_allocation, types);

// Polls both until `done`, sleeping with backoff between idle passes (bounded in time).
template <typename T, typename Done>
bool pump(T& a, counting_handler& ha, T& b, counting_handler& hb, Done done) {
    auto idle = idle_strategy::backoff(10, 5, 20'000, 1'000'000);
    const std::int64_t deadline = monotonic_ns() + 10'000'000'000;
    while (!done()) {
        if (monotonic_ns() > deadline) return false;
        idle.idle(a.poll(ha) + b.poll(hb));
    }
    return true;
}

TYPED_TEST(no_allocation, steady_state_round_trips_allocate_nothing) {
    auto server = factory<TypeParam>::make();
    auto client = factory<TypeParam>::make();
    counting_handler hs;
    counting_handler hc;
    auto l = server.listen({"127.0.0.1", 0});
    ASSERT_TRUE(l.ok());
    auto c = client.connect({"127.0.0.1", server.local_port(*l)}, 5'000'000'000);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(
        pump(server, hs, client, hc, [&] { return hs.accepted == 1 && hc.connected == 1; }));
    const connection_id s = hs.last_accepted;
    std::byte frame[64] = {};
    auto round_trip = [&] {
        const std::size_t target_s = hs.bytes_in + sizeof frame;
        const std::size_t target_c = hc.bytes_in + sizeof frame;
        if (client.send(*c, frame).status != send_status::ok) return false;
        if (!pump(server, hs, client, hc, [&] { return hs.bytes_in == target_s; })) return false;
        if (server.send(s, frame).status != send_status::ok) return false;
        return pump(server, hs, client, hc, [&] { return hc.bytes_in == target_c; });
    };
    for (int i = 0; i < 100; ++i)
        ASSERT_TRUE(round_trip());  // warm-up
    const auto before = exwire::test::allocations_everywhere();
    bool ok = true;
    for (int i = 0; i < 1000 && ok; ++i)
        ok = round_trip();
    const auto during = exwire::test::allocations_everywhere() - before;
    ASSERT_TRUE(ok);
    EXPECT_EQ(during, 0u);
}

}  // namespace
}  // namespace exwire::transport::testing
