// SoupBinTCP client state machine: every behaviour driven with a fake clock, no sockets.

#include <gtest/gtest.h>

#include "soup_test_support.hpp"

using namespace exwire_test;
using exwire::to_bytes;

namespace {

soup_client_options options() {
    soup_client_options o;
    o.username = "user";
    o.password = "password";
    o.requested_sequence = 1;
    return o;
}

struct client_fixture : ::testing::Test {
    recording_client_handler h;
    memory_store journal;
    soup_client c{options(), h, &journal};
    std::int64_t now = 1000 * sec;

    void login(std::uint64_t seq = 1, std::string_view session = "SESSION1") {
        c.on_connected(now);
        (void)h.take_packets();
        c.on_bytes(to_bytes(login_accepted(session, seq)), now);
    }
};

}  // namespace

TEST_F(client_fixture, sends_login_request_with_right_justified_sequence_number) {
    c.on_connected(now);
    // Same bytes as the JNX capture's layout: 6/10/10/20, sequence right-justified.
    const std::string expected = std::string("\x00\x2f", 2) + "L" + "user  " + "password  " +
                                 std::string(10, ' ') + std::string(19, ' ') + "1";
    EXPECT_EQ(h.wire, expected);
    EXPECT_EQ(c.current_state(), soup_client::state::logging_in);
}

TEST_F(client_fixture, reports_login_accepted_with_session_and_next_sequence) {
    login(135, "1689192121");
    EXPECT_EQ(c.current_state(), soup_client::state::active);
    ASSERT_EQ(h.events.size(), 1u);
    EXPECT_EQ(h.events[0], (event{"accepted", 135, "1689192121"}));
    EXPECT_EQ(c.next_expected(), 135u);
}

TEST_F(client_fixture, reports_login_rejected_with_reason_and_ends_connection) {
    c.on_connected(now);
    c.on_bytes(to_bytes(packet('J', "A")), now);
    ASSERT_EQ(h.events.size(), 2u);
    EXPECT_EQ(h.events[0], (event{"rejected", 0, "A"}));
    EXPECT_EQ(h.events[1].what, "failure:login rejected");
    EXPECT_NE(h.events[1].text.find("not authorized"), std::string::npos);
    EXPECT_TRUE(c.rejected());
    EXPECT_EQ(c.current_state(), soup_client::state::disconnected);
}

TEST_F(client_fixture, times_out_login_without_answer) {
    c.on_connected(now);
    EXPECT_EQ(c.on_tick(now + 4999 * ms), 0);
    EXPECT_TRUE(h.events.empty());
    EXPECT_EQ(c.on_tick(now + 5 * sec), 1);
    ASSERT_EQ(h.events.size(), 1u);
    EXPECT_EQ(h.events[0].what, "failure:login timeout");
}

TEST_F(client_fixture, sends_heartbeat_after_one_second_of_send_silence) {
    login();
    now += 999 * ms;
    c.on_bytes(to_bytes(packet('H')), now);
    EXPECT_EQ(c.on_tick(now), 0);
    EXPECT_TRUE(h.take_packets().empty());
    // The login request went out at the start: one second of silence since then.
    now += 1 * ms;
    EXPECT_EQ(c.on_tick(now), 1);
    auto p = h.take_packets();
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].type, 'R');
    // An application send resets the send-silence timer.
    now += 500 * ms;
    ASSERT_TRUE(c.send_unsequenced(to_bytes("order"), now));
    now += 999 * ms;
    EXPECT_EQ(c.on_tick(now), 0);
    now += 1 * ms;
    EXPECT_EQ(c.on_tick(now), 1);
    p = h.take_packets();
    ASSERT_EQ(p.size(), 2u);
    EXPECT_EQ(p[0].type, 'U');
    EXPECT_EQ(p[0].payload, "order");
    EXPECT_EQ(p[1].type, 'R');
}

TEST_F(client_fixture, does_not_heartbeat_before_login) {
    c.on_connected(now);
    (void)h.take_packets();
    EXPECT_EQ(c.on_tick(now + 2 * sec), 0);
    EXPECT_TRUE(h.take_packets().empty());
}

TEST_F(client_fixture, ends_connection_after_fifteen_seconds_of_server_silence) {
    login();
    c.on_bytes(to_bytes(packet('H')), now + 10 * sec);
    for (std::int64_t t = now; t < now + 25 * sec - 1; t += 100 * ms)
        (void)c.on_tick(t);
    for (const auto& e : h.events)
        EXPECT_NE(e.what, "failure:peer silent too long");
    EXPECT_EQ(c.on_tick(now + 25 * sec), 1);
    EXPECT_EQ(h.events.back().what, "failure:peer silent too long");
    EXPECT_EQ(c.current_state(), soup_client::state::disconnected);
}

TEST_F(client_fixture, delivers_sequenced_unsequenced_and_debug_packets_and_journals_sequenced) {
    login(7);
    c.on_bytes(to_bytes(packet('S', "first") + packet('U', "best effort") + packet('+', "dbg") +
                        packet('S', "second")),
               now);
    ASSERT_EQ(h.events.size(), 5u);
    EXPECT_EQ(h.events[1], (event{"S", 7, "first"}));
    EXPECT_EQ(h.events[2], (event{"U", 0, "best effort"}));
    EXPECT_EQ(h.events[3], (event{"debug", 0, "dbg"}));
    EXPECT_EQ(h.events[4], (event{"S", 8, "second"}));
    EXPECT_EQ(c.next_expected(), 9u);
    // The journal started empty at 1, so it refuses 7: a store joined late starts at 7.
    memory_store late(7);
    recording_client_handler h2;
    soup_client c2(options(), h2, &late);
    c2.on_connected(now);
    c2.on_bytes(to_bytes(login_accepted("S", 7) + packet('S', "first") + packet('S', "second")),
                now);
    EXPECT_EQ(late.next_sequence(), 9u);
    EXPECT_EQ(exwire::to_string_view(late.read(8)), "second");
}

TEST_F(client_fixture, reassembles_packets_split_across_reads) {
    login(1);
    const std::string s = packet('S', "hello world") + packet('S', "again");
    for (char ch : s)
        c.on_bytes(to_bytes(std::string_view(&ch, 1)), now);
    ASSERT_EQ(h.events.size(), 3u);
    EXPECT_EQ(h.events[2], (event{"S", 2, "again"}));
    EXPECT_EQ(exwire::to_string_view(journal.read(1)), "hello world");
}

TEST_F(client_fixture, reports_end_of_session) {
    login();
    c.on_bytes(to_bytes(packet('Z')), now);
    EXPECT_EQ(h.events.back().what, "failure:end of session");
    EXPECT_EQ(c.current_state(), soup_client::state::ended);
    EXPECT_FALSE(c.send_unsequenced(to_bytes("x"), now));
}

TEST_F(client_fixture, logout_sends_logout_request_without_failure) {
    login();
    EXPECT_TRUE(c.logout(now));
    auto p = h.take_packets();
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].type, 'O');
    EXPECT_EQ(h.events.size(), 1u);  // only "accepted"
    EXPECT_EQ(c.current_state(), soup_client::state::disconnected);
    EXPECT_FALSE(c.logout(now));
}

TEST_F(client_fixture, reconnect_resumes_at_next_expected_sequence_and_session) {
    login(41, "ABC");
    c.on_bytes(to_bytes(packet('S', "m41") + packet('S', "m42")), now);
    c.on_disconnected();
    EXPECT_EQ(c.current_state(), soup_client::state::disconnected);
    now += 2 * sec;
    c.on_connected(now);
    auto p = h.take_packets();
    ASSERT_EQ(p.size(), 1u);
    ASSERT_EQ(p[0].type, 'L');
    EXPECT_EQ(p[0].payload.substr(16, 10), "ABC       ");
    EXPECT_EQ(p[0].payload.substr(26, 20), std::string(18, ' ') + "43");
    c.on_bytes(to_bytes(login_accepted("ABC", 43) + packet('S', "m43")), now);
    EXPECT_EQ(h.events.back(), (event{"S", 43, "m43"}));
}

TEST_F(client_fixture, partial_stream_is_dropped_on_reconnect) {
    login(1);
    const std::string s = packet('S', "lost in flight");
    c.on_bytes(to_bytes(std::string_view(s).substr(0, 5)), now);
    c.on_disconnected();
    c.on_connected(now);
    c.on_bytes(to_bytes(login_accepted("SESSION1", 1) + packet('S', "whole")), now);
    EXPECT_EQ(h.events.back(), (event{"S", 1, "whole"}));
}

TEST_F(client_fixture, disconnects_on_unknown_packet_type) {
    login();
    c.on_bytes(to_bytes(packet('Q', "??")), now);
    EXPECT_EQ(h.events.back().what, "failure:unknown packet type");
}

TEST_F(client_fixture, disconnects_on_zero_length_packet) {
    login();
    c.on_bytes(to_bytes(std::string("\0\0", 2)), now);
    EXPECT_EQ(h.events.back().what, "failure:malformed stream");
}

TEST_F(client_fixture, refuses_sequenced_data_before_login_accepted) {
    c.on_connected(now);
    c.on_bytes(to_bytes(packet('S', "early")), now);
    EXPECT_EQ(h.events.back().what, "failure:unexpected packet");
}

TEST_F(client_fixture, reports_send_failure) {
    login();
    h.refuse_sends = true;
    EXPECT_FALSE(c.send_unsequenced(to_bytes("x"), now));
    EXPECT_EQ(h.events.back().what, "failure:send failed");
}

TEST(soup_numbers, parse_either_justification_and_nul_padding) {
    std::uint64_t v = 0;
    EXPECT_TRUE(parse_soup_number("                 135", v));
    EXPECT_EQ(v, 135u);
    EXPECT_TRUE(parse_soup_number(std::string_view("135\0\0\0  ", 8), v));
    EXPECT_EQ(v, 135u);
    EXPECT_FALSE(parse_soup_number("          ", v));
    EXPECT_FALSE(parse_soup_number("  1 2", v));
    EXPECT_FALSE(parse_soup_number("99999999999999999999", v));
    char f[20];
    format_soup_number(135, f, 20);
    EXPECT_EQ(std::string_view(f, 20), std::string(17, ' ') + "135");
}

TEST(soup_client_silence, notify_mode_reports_silence_and_keeps_the_connection) {
    recording_client_handler h;
    struct counting final : soup_client_handler {
        recording_client_handler* inner;
        std::vector<std::uint32_t> silences;
        bool send(exwire::bytes p) noexcept override { return inner->send(p); }
        void on_silence(std::uint32_t n) noexcept override { silences.push_back(n); }
        void on_failure(soup_close r, std::string_view t) noexcept override {
            inner->on_failure(r, t);
        }
    } counter;
    counter.inner = &h;
    auto o = options();
    o.close_on_silence = false;
    soup_client c(o, counter);
    c.on_connected(0);
    c.on_bytes(to_bytes(login_accepted("S", 1)), 0);
    (void)c.on_tick(15 * sec);
    (void)c.on_tick(29 * sec);
    (void)c.on_tick(30 * sec);
    EXPECT_EQ(counter.silences, (std::vector<std::uint32_t>{1, 2}));
    EXPECT_EQ(c.current_state(), soup_client::state::active);
    c.on_bytes(to_bytes(packet('H')), 31 * sec);
    (void)c.on_tick(46 * sec);
    EXPECT_EQ(counter.silences.back(), 1u);  // the count restarts after the server spoke
    EXPECT_TRUE(h.events.empty());
}
