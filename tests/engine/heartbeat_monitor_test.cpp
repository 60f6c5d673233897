// The heartbeat monitor over a fake clock: every time is passed explicitly.
#include <exwire/engine/heartbeat_monitor.hpp>

#include <gtest/gtest.h>

#include "echo_session.hpp"

using namespace exwire::engine;

namespace {

constexpr std::int64_t s = 1'000'000'000;

heartbeat_config cfg(std::uint32_t tolerated, bool stop_on_trip = true,
                     silence_action a = silence_action::close) {
    heartbeat_config c;
    c.interval_ns = 1 * s;
    c.tolerated_misses = tolerated;
    c.stop_on_trip = stop_on_trip;
    c.on_silence = a;
    return c;
}

}  // namespace

TEST(heartbeat_monitor, nothing_happens_before_the_first_check_is_due) {
    heartbeat_monitor m(cfg(1));
    m.start(100 * s);
    EXPECT_EQ(m.check(100 * s), heartbeat_verdict::none);
    EXPECT_EQ(m.check(101 * s - 1), heartbeat_verdict::none);
    EXPECT_EQ(m.next_check_ns(), 101 * s);
}

TEST(heartbeat_monitor, start_counts_as_activity_so_the_first_interval_never_misses) {
    heartbeat_monitor m(cfg(1));
    m.start(0);
    EXPECT_EQ(m.check(1 * s), heartbeat_verdict::none);
    EXPECT_EQ(m.check(2 * s), heartbeat_verdict::tripped);  // the first silent interval
}

TEST(heartbeat_monitor, activity_in_every_interval_keeps_it_quiet) {
    heartbeat_monitor m(cfg(1));
    m.start(0);
    for (int i = 1; i <= 100; ++i) {
        m.on_activity(i * s - s / 2);
        ASSERT_EQ(m.check(i * s), heartbeat_verdict::none) << i;
    }
    EXPECT_EQ(m.total_misses(), 0u);
    EXPECT_TRUE(m.running());
}

TEST(heartbeat_monitor, trips_at_the_tolerated_number_of_consecutive_silent_checks) {
    // SoupBinTCP client: 1 s interval, 15 tolerated misses: 15 s of server silence.
    heartbeat_monitor m(cfg(15));
    m.start(0);
    m.on_activity(s / 2);
    EXPECT_EQ(m.check(1 * s), heartbeat_verdict::none);
    for (int i = 2; i <= 15; ++i) {
        ASSERT_EQ(m.check(i * s), heartbeat_verdict::missed) << i;
        ASSERT_EQ(m.consecutive_misses(), static_cast<std::uint32_t>(i - 1));
    }
    EXPECT_EQ(m.check(16 * s), heartbeat_verdict::tripped);  // 15.5 s after the last frame
    EXPECT_EQ(m.consecutive_misses(), 15u);
    EXPECT_FALSE(m.running());  // stop_on_trip
    EXPECT_EQ(m.check(100 * s), heartbeat_verdict::none);
}

TEST(heartbeat_monitor, activity_resets_the_count_of_misses) {
    heartbeat_monitor m(cfg(3));
    m.start(0);
    EXPECT_EQ(m.check(1 * s), heartbeat_verdict::none);
    EXPECT_EQ(m.check(2 * s), heartbeat_verdict::missed);
    EXPECT_EQ(m.check(3 * s), heartbeat_verdict::missed);
    m.on_activity(3 * s + 1);
    EXPECT_EQ(m.check(4 * s), heartbeat_verdict::none);
    EXPECT_EQ(m.consecutive_misses(), 0u);
    EXPECT_EQ(m.check(5 * s), heartbeat_verdict::missed);
    EXPECT_EQ(m.check(6 * s), heartbeat_verdict::missed);
    EXPECT_EQ(m.check(7 * s), heartbeat_verdict::tripped);
}

TEST(heartbeat_monitor, keep_running_trips_again_at_every_further_silent_check) {
    // The sending side: a monitor over our own sends says when to send a heartbeat.
    heartbeat_monitor m(cfg(1, false));
    m.start(0);
    EXPECT_EQ(m.check(1 * s), heartbeat_verdict::none);
    EXPECT_EQ(m.check(2 * s), heartbeat_verdict::tripped);
    EXPECT_EQ(m.check(3 * s), heartbeat_verdict::tripped);
    m.on_activity(3 * s + 5);
    EXPECT_EQ(m.check(4 * s), heartbeat_verdict::none);
    EXPECT_EQ(m.check(5 * s), heartbeat_verdict::tripped);
    EXPECT_TRUE(m.running());
    EXPECT_EQ(m.trips(), 3u);
}

TEST(heartbeat_monitor, a_late_check_runs_every_check_it_missed) {
    heartbeat_monitor m(cfg(5));
    m.start(0);
    EXPECT_EQ(m.check(4 * s + 10), heartbeat_verdict::missed);  // checks at 1 (heard), 2, 3, 4
    EXPECT_EQ(m.consecutive_misses(), 3u);
    EXPECT_EQ(m.next_check_ns(), 5 * s);
    EXPECT_EQ(m.check(20 * s), heartbeat_verdict::tripped);
    EXPECT_FALSE(m.running());
}

TEST(heartbeat_monitor, stop_silences_it) {
    heartbeat_monitor m(cfg(1));
    m.start(0);
    m.stop();
    EXPECT_EQ(m.check(10 * s), heartbeat_verdict::none);
}

TEST(heartbeat_monitor, apply_reports_misses_and_closes_on_a_close_trip) {
    // A channel without a shard: the test plays the shard thread.
    session_config sc;
    sc.name = "hb";
    sc.inbound_ring_size = 4096;
    sc.outbound_ring_size = 4096;
    exwire::engine::counters_table table = counters_table::create("", "t", {{"hb", "s"}}).value();
    detail::session_channel ch(sc, table.writer(0));
    session_context ctx(ch);
    heartbeat_monitor m(cfg(2));
    m.start(0);
    EXPECT_FALSE(apply_heartbeat_verdict(m.check(1 * s), m, ctx, 1 * s));
    EXPECT_FALSE(apply_heartbeat_verdict(m.check(2 * s), m, ctx, 2 * s));
    EXPECT_TRUE(apply_heartbeat_verdict(m.check(3 * s), m, ctx, 3 * s));
    EXPECT_TRUE(ctx.finishing());
    EXPECT_EQ(ch.finish_reason, close_reason::heartbeat_timeout);
    EXPECT_EQ(table.writer(0).get(counter::heartbeats_missed), 2u);
    session_handle h(&ch);
    received r = h.receive_nowait();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.record.type, record_type::heartbeat_missed);
    EXPECT_EQ(r.record.value, 1u);
    r = h.receive_nowait();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.record.value, 2u);
    EXPECT_EQ(h.receive_nowait().status, receive_status::empty);
}

TEST(heartbeat_monitor, apply_with_notify_keeps_the_session_open) {
    session_config sc;
    sc.inbound_ring_size = 4096;
    sc.outbound_ring_size = 4096;
    exwire::engine::counters_table table = counters_table::create("", "t", {{"hb", "s"}}).value();
    detail::session_channel ch(sc, table.writer(0));
    session_context ctx(ch);
    heartbeat_monitor m(cfg(1, true, silence_action::notify));
    m.start(0);
    EXPECT_EQ(m.check(1 * s), heartbeat_verdict::none);
    const heartbeat_verdict v = m.check(2 * s);
    EXPECT_EQ(v, heartbeat_verdict::tripped);
    EXPECT_FALSE(apply_heartbeat_verdict(v, m, ctx, 2 * s));
    EXPECT_FALSE(ctx.finishing());
}
