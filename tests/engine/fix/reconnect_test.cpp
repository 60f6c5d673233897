// FIX engine sessions driven by their configuration: the [session.fix] table reaches the
// session machine, an initiator reconnects when its acceptor comes back, and a scheduled
// initiator connects only inside its window. Real shard threads over the socket transport
// on 127.0.0.1 (backoff idle strategy, every wait bounded).
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <chrono>
#include <ctime>
#include <string>
#include <thread>

#include <fmt/format.h>

#include <exwire/codec/fix/values.hpp>
#include <exwire/core/clock.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/fix/engine_session.hpp>
#include "../../support/loopback.hpp"

namespace {

using exwire::test::free_port;
using exwire::test::wait_until;

using namespace exwire::engine;
using namespace std::chrono_literals;

const char* const idle = "backoff:spins=10,yields=5,min=10us,max=200us";

std::string acceptor_toml(std::uint16_t port) {
    return fmt::format(R"(
[[shard]]
name = "acc"
idle = "{}"

[[session]]
name = "acceptor"
protocol = "fix"
role = "acceptor"
listen = "127.0.0.1:{}"
sender_comp_id = "EXCH"
target_comp_id = "BANK"
journal = {{ dir = "" }}
)",
                       idle, port);
}

std::string initiator_toml(std::uint16_t port, const std::string& fix_table) {
    return fmt::format(R"(
[[shard]]
name = "ini"
idle = "{}"

[[session]]
name = "initiator"
protocol = "fix"
role = "initiator"
connect = "127.0.0.1:{}"
sender_comp_id = "BANK"
target_comp_id = "EXCH"
journal = {{ dir = "" }}
reconnect = {{ enabled = true, delay = "20ms", max_delay = "100ms" }}
{}
)",
                       idle, port, fix_table);
}

std::unique_ptr<engine> start(const std::string& toml, const protocol_registry& reg) {
    auto c = parse_config(toml, "test.toml");
    if (!c) {
        ADD_FAILURE() << c.err().message;
        return nullptr;
    }
    auto e = engine::create(std::move(*c), reg);
    if (!e) {
        ADD_FAILURE() << e.err().message;
        return nullptr;
    }
    if (auto s = (*e)->start(); !s) {
        ADD_FAILURE() << s.err().message;
        return nullptr;
    }
    return std::move(*e);
}

/// Counts `connected` records with value 1 (a reconnect) and `logged_in` records.
struct record_counts {
    int reconnects = 0;
    int logons = 0;
};
void drain(session_handle& h, record_counts& n) {
    (void)h.poll([&](const inbound_record& r) {
        if (r.type == record_type::connected && r.value == 1) ++n.reconnects;
        if (r.type == record_type::logged_in) ++n.logons;
    });
}

TEST(fix_config, fix_table_reaches_the_session_machine) {
    const std::string toml = initiator_toml(15001, R"(
[session.fix]
reset_on_logon = true
next_expected_msg_seq_num = true
logon_timeout = "3s"
logout_timeout = "500ms"
check_latency = false
max_latency = "30s"
time_digits = 6
start_time = "08:00:00"
end_time = "17:30:00"
days = "Mon,Tue,Wed,Thu,Fri"
time_zone = "+01:00"
sender_sub_id = "DESK1"
target_sub_id = "MATCH"
sender_location_id = "LDN"
target_location_id = "NY"
)");
    auto c = parse_config(toml, "test.toml");
    ASSERT_TRUE(c) << c.err().message;
    const fix::session_settings s = fix::settings_from(c->sessions.at(0));
    EXPECT_TRUE(s.reset_on_logon);
    EXPECT_TRUE(s.next_expected_msg_seq_num);
    EXPECT_EQ(s.logon_timeout_ns, 3'000'000'000);
    EXPECT_EQ(s.logout_timeout_ns, 500'000'000);
    EXPECT_FALSE(s.check_latency);
    EXPECT_EQ(s.max_latency_ns, 30'000'000'000);
    EXPECT_EQ(s.time_digits, 6);
    ASSERT_TRUE(s.schedule.has_value());
    EXPECT_EQ(s.schedule->start_s, 8 * 3600);
    EXPECT_EQ(s.schedule->end_s, 17 * 3600 + 30 * 60);
    EXPECT_EQ(s.schedule->utc_offset_s, 3600);
    EXPECT_EQ(s.schedule->days, 0b0111110);  // Monday (bit 1) to Friday (bit 5)
    EXPECT_EQ(s.sender_sub_id, "DESK1");
    EXPECT_EQ(s.target_sub_id, "MATCH");
    EXPECT_EQ(s.sender_location_id, "LDN");
    EXPECT_EQ(s.target_location_id, "NY");
    EXPECT_EQ(fix::identity_specificity(s), 4);
    // Without the table: no schedule, the machine's defaults.
    auto plain = parse_config(initiator_toml(15001, ""), "test.toml");
    ASSERT_TRUE(plain) << plain.err().message;
    const fix::session_settings d = fix::settings_from(plain->sessions.at(0));
    EXPECT_FALSE(d.schedule.has_value());
    EXPECT_FALSE(d.reset_on_logon);
    EXPECT_EQ(d.time_digits, 3);
    EXPECT_EQ(fix::identity_specificity(d), 0);
}

TEST(fix_config, bad_fix_table_values_are_refused_with_their_location) {
    // Keys and types first (every one reported)...
    auto keys = parse_config(initiator_toml(15001, R"(
[session.fix]
time_digits = 12
colour = "blue"
reset_on_logon = "yes"
)"),
                             "test.toml");
    ASSERT_FALSE(keys);
    const std::string& k = keys.err().message;
    EXPECT_NE(k.find("test.toml:17:15: session[0].fix.time_digits"), std::string::npos) << k;
    EXPECT_NE(k.find("session[0].fix.colour: unknown key"), std::string::npos) << k;
    EXPECT_NE(k.find("session[0].fix.reset_on_logon: expected"), std::string::npos) << k;
    // ... then values that need checking against each other or the file system.
    auto c = parse_config(initiator_toml(15001, R"(
[session.fix]
start_time = "25:00:00"
end_time = "17:00:00"
dictionary = "no-such-dictionary.xml"
)"),
                          "test.toml");
    ASSERT_FALSE(c);
    const std::string& m = c.err().message;
    EXPECT_NE(m.find("test.toml:17:14: session[0].fix.start_time"), std::string::npos) << m;
    EXPECT_NE(m.find("session[0].fix.dictionary"), std::string::npos) << m;

    auto half =
        parse_config(initiator_toml(15001, "fix = { start_time = \"08:00:00\" }"), "test.toml");
    ASSERT_FALSE(half);
    EXPECT_NE(half.err().message.find("needs both start_time and end_time"), std::string::npos)
        << half.err().message;

    auto soup = parse_config(R"(
[[session]]
name = "trader"
protocol = "ouch"
role = "client"
connect = "127.0.0.1:15000"
fix = { reset_on_logon = true }
)",
                             "test.toml");
    ASSERT_FALSE(soup);
    EXPECT_NE(soup.err().message.find("only FIX sessions take a fix table"), std::string::npos)
        << soup.err().message;
}

TEST(fix_reconnect, initiator_reconnects_and_logs_on_again_when_its_acceptor_comes_back) {
    const std::uint16_t port = free_port();
    ASSERT_NE(port, 0);
    protocol_registry reg;
    fix::register_fix_sessions(reg);
    auto acc = start(acceptor_toml(port), reg);
    ASSERT_TRUE(acc);
    auto ini = start(initiator_toml(port, ""), reg);
    ASSERT_TRUE(ini);
    session_handle i = ini->session("initiator");
    record_counts n;
    ASSERT_TRUE(wait_until(
        [&] {
            drain(i, n);
            return n.logons == 1;
        },
        5000ms));

    acc->stop();  // the acceptor goes away: the initiator loses its connection
    acc.reset();
    ASSERT_TRUE(wait_until([&] { return !i.is_active(); }, 5000ms));
    // It keeps trying (connections refused) instead of closing.
    std::this_thread::sleep_for(300ms);
    EXPECT_FALSE(i.is_closed());

    acc = start(acceptor_toml(port), reg);
    ASSERT_TRUE(acc);
    ASSERT_TRUE(wait_until(
        [&] {
            drain(i, n);
            return n.logons == 2 && i.is_active();
        },
        5000ms))
        << "logons " << n.logons;
    EXPECT_GE(n.reconnects, 1);
    EXPECT_TRUE(i.close(5s));
    ini->stop();
    acc->stop();
}

TEST(fix_reconnect, initiator_without_reconnect_closes_when_the_connection_is_lost) {
    const std::uint16_t port = free_port();
    ASSERT_NE(port, 0);
    protocol_registry reg;
    fix::register_fix_sessions(reg);
    auto acc = start(acceptor_toml(port), reg);
    ASSERT_TRUE(acc);
    std::string toml = initiator_toml(port, "");
    const std::string on = "enabled = true";
    toml.replace(toml.find(on), on.size(), "enabled = false");
    auto ini = start(toml, reg);
    ASSERT_TRUE(ini);
    session_handle i = ini->session("initiator");
    ASSERT_TRUE(wait_until([&] { return i.is_active(); }, 5000ms));
    acc->stop();
    ASSERT_TRUE(wait_until([&] { return i.is_closed(); }, 5000ms));
    EXPECT_EQ(i.reason(), close_reason::transport_error);
    ini->stop();
}

TEST(fix_reconnect, scheduled_initiator_connects_only_once_its_window_opens) {
    const std::uint16_t port = free_port();
    ASSERT_NE(port, 0);
    // A window opening 2 s from now (UTC), an hour long (crossing midnight is allowed).
    const std::time_t t = std::time(nullptr) + 2;
    std::tm utc{};
    gmtime_r(&t, &utc);
    const std::time_t later = t + 3600;
    std::tm end{};
    gmtime_r(&later, &end);
    const std::string window = fmt::format(
        "fix = {{ start_time = \"{:02}:{:02}:{:02}\", end_time = \"{:02}:{:02}:{:02}\" }}",
        utc.tm_hour, utc.tm_min, utc.tm_sec, end.tm_hour, end.tm_min, end.tm_sec);
    protocol_registry reg;
    fix::register_fix_sessions(reg);
    auto acc = start(acceptor_toml(port), reg);
    ASSERT_TRUE(acc);
    auto ini = start(initiator_toml(port, window), reg);
    ASSERT_TRUE(ini);
    session_handle i = ini->session("initiator");
    std::this_thread::sleep_for(800ms);
    EXPECT_FALSE(i.is_active()) << "logged on before its window";
    EXPECT_FALSE(i.is_closed());
    ASSERT_TRUE(wait_until([&] { return i.is_active(); }, 6000ms));
    EXPECT_TRUE(i.close(5s));
    ini->stop();
    acc->stop();
}

}  // namespace
