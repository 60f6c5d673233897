// Session schedules: windows, weekdays, fixed-offset time zones and the daily sequence
// reset, driven by the fake clock (t0 = Saturday 2026-11-21 20:00:00 UTC).
#include "scenario.hpp"

namespace exwire::engine::fix::test {
namespace {

constexpr std::int64_t hour = 3600 * sec;

session_schedule must_parse(std::string_view b, std::string_view e, std::string_view d,
                            std::string_view tz) {
    auto s = session_schedule::parse(b, e, d, tz);
    EXPECT_TRUE(s) << (s ? "" : s.err().message);
    return s ? *s : session_schedule{};
}

TEST(session_schedule, parses_times_days_and_offsets) {
    const auto s = must_parse("08:30:00", "17:00:05", "Mon, tue,Friday", "UTC+02:00");
    EXPECT_EQ(s.start_s, 8 * 3600 + 30 * 60);
    EXPECT_EQ(s.end_s, 17 * 3600 + 5);
    EXPECT_EQ(s.days, (1u << 1) | (1u << 2) | (1u << 5));
    EXPECT_EQ(s.utc_offset_s, 7200);
    EXPECT_EQ(must_parse("00:00:00", "00:00:00", "", "-05:00").utc_offset_s, -5 * 3600);
    EXPECT_EQ(must_parse("00:00:00", "00:00:00", "", "").days, 0x7f);
}

TEST(session_schedule, rejects_malformed_values) {
    EXPECT_FALSE(session_schedule::parse("8:30", "17:00:00", "", "UTC"));
    EXPECT_FALSE(session_schedule::parse("08:30:00", "24:00:00", "", "UTC"));
    EXPECT_FALSE(session_schedule::parse("08:30:00", "17:00:00", "Funday", "UTC"));
    EXPECT_FALSE(session_schedule::parse("08:30:00", "17:00:00", "", "Europe/Paris"));
}

TEST(session_schedule, daily_window_in_utc) {
    const auto s = must_parse("08:00:00", "21:00:00", "", "UTC");
    EXPECT_TRUE(s.in_session(t0));              // 20:00
    EXPECT_FALSE(s.in_session(t0 + hour));      // 21:00: end is exclusive
    EXPECT_FALSE(s.in_session(t0 + 5 * hour));  // 01:00 next day
    EXPECT_TRUE(s.in_session(t0 + 12 * hour));  // 08:00 next day
    EXPECT_EQ(s.period_start(t0), t0 - 12 * hour);
    EXPECT_EQ(s.period_start(t0 + 12 * hour), t0 + 12 * hour);
}

TEST(session_schedule, window_across_midnight_belongs_to_its_start_day) {
    // Sunday 18:00 to Monday 06:00 only (weekday of the start).
    const auto s = must_parse("18:00:00", "06:00:00", "Sun", "UTC");
    EXPECT_FALSE(s.in_session(t0));              // Saturday 20:00
    EXPECT_TRUE(s.in_session(t0 + 22 * hour));   // Sunday 18:00
    EXPECT_TRUE(s.in_session(t0 + 32 * hour));   // Monday 04:00
    EXPECT_FALSE(s.in_session(t0 + 34 * hour));  // Monday 06:00
    EXPECT_FALSE(s.in_session(t0 + 46 * hour));  // Monday 18:00: Monday not enabled
}

TEST(session_schedule, fixed_offset_shifts_the_window) {
    // 09:00-17:00 at UTC-05:00 is 14:00-22:00 UTC.
    const auto s = must_parse("09:00:00", "17:00:00", "", "-05:00");
    EXPECT_TRUE(s.in_session(t0));  // 20:00 UTC = 15:00 local
    EXPECT_TRUE(s.in_session(t0 + hour + hour - 1));
    EXPECT_FALSE(s.in_session(t0 + 2 * hour));  // 22:00 UTC = 17:00 local
    EXPECT_EQ(s.period_start(t0), t0 - 6 * hour);
}

TEST(session_schedule, same_start_and_end_is_a_rolling_24_hour_window) {
    const auto s = must_parse("17:00:00", "17:00:00", "", "UTC");
    EXPECT_TRUE(s.in_session(t0));
    EXPECT_TRUE(s.in_session(t0 + 21 * hour));
    EXPECT_EQ(s.period_start(t0), t0 - 3 * hour);
    EXPECT_EQ(s.period_start(t0 + 21 * hour), t0 + 21 * hour);
}

class scheduled : public scenario {
  protected:
    session_settings make(session_role role, std::string_view b, std::string_view e) {
        session_settings s;
        s.role = role;
        s.sender_comp_id = "ISLD";
        s.target_comp_id = "TW";
        s.schedule = must_parse(b, e, "", "UTC");
        return s;
    }
};

TEST_F(scheduled, initiator_outside_the_window_sends_no_logon_and_disconnects) {
    start(make(session_role::initiator, "08:00:00", "17:00:00"));  // now 20:00
    expect_nothing_sent();
    EXPECT_EQ(out.disconnects, 1);
    EXPECT_TRUE(out.saw(event_kind::error, "Logon attempt not within session time"));
}

TEST_F(scheduled, logged_on_session_logs_out_and_disconnects_at_the_end_time) {
    start(make(session_role::acceptor, "08:00:00", "21:00:00"));
    log_on();
    now += hour - sec;  // 20:59:59, still in session
    EXPECT_TRUE(machine->logged_on());
    seen_ = out.sent.size();
    const std::uint64_t seq = machine->next_sender_seq();
    advance(sec);  // 21:00:00
    expect_sent(
        {"35=5|34=" + std::to_string(seq) + "|49=ISLD|52=<T>|56=TW|58=Outside session time|"});
    EXPECT_EQ(out.disconnects, 1);
    EXPECT_EQ(machine->state(), session_state::disconnected);
}

TEST_F(scheduled, new_period_resets_sequence_numbers_of_a_store_from_yesterday) {
    store.set_next_sender_seq(40);
    store.set_next_target_seq(50);
    store.set_creation_time_ns(t0 - 20 * hour);  // Saturday 00:00, before today's 08:00
    start(make(session_role::initiator, "08:00:00", "21:00:00"));
    expect_sent({"35=A|34=1|49=ISLD|52=<T>|56=TW|98=0|108=30|"});
    EXPECT_TRUE(
        out.saw(event_kind::sequence_reset, "New session period: sequence numbers reset to 1"));
    EXPECT_EQ(store.creation_time_ns(), t0);
}

TEST_F(scheduled, store_created_in_the_current_period_keeps_its_numbers) {
    store.set_next_sender_seq(40);
    store.set_next_target_seq(50);
    store.set_creation_time_ns(t0 - hour);  // 19:00 today, after 08:00
    start(make(session_role::initiator, "08:00:00", "21:00:00"));
    expect_sent({"35=A|34=40|49=ISLD|52=<T>|56=TW|98=0|108=30|"});
    EXPECT_FALSE(out.saw(event_kind::sequence_reset));
}

TEST_F(scheduled, rolling_window_resets_a_running_session_at_the_rollover) {
    start(make(session_role::acceptor, "21:00:00", "21:00:00"));
    log_on();
    ASSERT_EQ(machine->next_target_seq(), 2u);
    seen_ = out.sent.size();
    now += hour;  // 21:00: a new period
    machine->on_tick(now);
    expect_sent({"35=5|34=2|49=ISLD|52=<T>|56=TW|58=New session period|"});
    EXPECT_EQ(out.disconnects, 1);
    EXPECT_EQ(machine->next_sender_seq(), 1u);
    EXPECT_EQ(machine->next_target_seq(), 1u);
}

}  // namespace
}  // namespace exwire::engine::fix::test
