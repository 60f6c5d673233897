// The engine's latency probe: off by default (message records carry value 0, no stamps),
// and when attached, receive stamps reach message records and send stamps queue in order.
#include <exwire/engine/counters.hpp>
#include <exwire/engine/latency_probe.hpp>
#include <exwire/engine/session.hpp>
#include <exwire/engine/session_handle.hpp>

#include <gtest/gtest.h>

#include <array>

using namespace exwire::engine;

namespace {

struct fixture {
    session_config config() {
        session_config sc;
        sc.name = "probe";
        sc.inbound_ring_size = 4096;
        sc.outbound_ring_size = 4096;
        return sc;
    }
    counters_table table = counters_table::create("", "t", {{"probe", "s"}}).value();
    detail::session_channel ch{config(), table.writer(0)};
    session_context ctx{ch};
    session_handle handle{&ch};
};

const std::array<std::byte, 3> frame{std::byte{1}, std::byte{2}, std::byte{3}};

}  // namespace

TEST(latency_probe, without_a_probe_messages_carry_no_stamp) {
    fixture f;
    f.ctx.stamp_receive();
    f.ctx.stamp_sent();
    ASSERT_EQ(f.ctx.deliver(frame, 5, 100), exwire::ring_status::ok);
    received r = f.handle.receive_nowait();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.record.sequence, 5u);
    EXPECT_EQ(r.record.time_ns, 100);
    EXPECT_EQ(r.record.value, 0u);
}

TEST(latency_probe, attached_probe_stamps_receives_and_sends) {
    fixture f;
    latency_probe probe(8);
    f.handle.attach_probe(&probe);

    exwire::tsc_clock::calibrate(std::chrono::milliseconds(5));
    const std::uint64_t before = exwire::tsc_clock::now();
    f.ctx.stamp_receive();
    const std::uint64_t after = exwire::tsc_clock::now();
    ASSERT_EQ(f.ctx.deliver(frame, 1, 100), exwire::ring_status::ok);
    ASSERT_EQ(f.ctx.deliver(frame, 2, 100), exwire::ring_status::ok);  // same read: same stamp
    received r1 = f.handle.receive_nowait();
    ASSERT_TRUE(r1.ok());
    const std::uint64_t stamp = r1.record.value;
    EXPECT_GE(stamp, before);
    EXPECT_LE(stamp, after);
    received r2 = f.handle.receive_nowait();
    ASSERT_TRUE(r2.ok());
    EXPECT_EQ(r2.record.value, stamp);
    // Events keep their own value meaning.
    ASSERT_EQ(f.ctx.emit(record_type::heartbeat_missed, 1, 0, 3), exwire::ring_status::ok);
    received r3 = f.handle.receive_nowait();
    ASSERT_TRUE(r3.ok());
    EXPECT_EQ(r3.record.value, 3u);

    std::uint64_t t = 0;
    EXPECT_FALSE(probe.next_sent(t));
    for (int i = 0; i < 10; ++i)
        f.ctx.stamp_sent();
    std::uint64_t prev = 0;
    int popped = 0;
    while (probe.next_sent(t)) {
        EXPECT_GE(t, prev);
        prev = t;
        ++popped;
    }
    EXPECT_EQ(popped, 8);  // capacity 8
    EXPECT_EQ(probe.dropped(), 2u);
}
