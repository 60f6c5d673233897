// SoupBinTCP server connection state machine: fake clock, no sockets.

#include <stdlib.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include <exwire/engine/journal_store.hpp>

#include "soup_test_support.hpp"

using namespace exwire_test;
using exwire::to_bytes;

namespace {

struct server_fixture : ::testing::Test {
    soup_server_options opts = [] {
        soup_server_options o;
        o.session = "TODAY";
        o.max_packets_per_tick = 4;
        return o;
    }();
    memory_store store;
    static_authenticator auth{"user", "pw"};
    recording_server_handler h;
    soup_server_connection c{opts, store, auth, h};
    std::int64_t now = 50 * sec;

    void publish(int n) {
        for (int i = 0; i < n; ++i) {
            const std::string m = "msg" + std::to_string(store.next_sequence());
            ASSERT_EQ(store.append(store.next_sequence(), to_bytes(m)), store_status::ok);
        }
    }
    void login(std::string_view seq = "1", std::string_view session = "") {
        c.on_connected(now);
        c.on_bytes(to_bytes(login_request("user", "pw", session, seq)), now);
    }
    std::vector<std::string> sequenced_payloads() {
        std::vector<std::string> out;
        for (auto& p : h.take_packets())
            if (p.type == 'S') out.push_back(p.payload);
        return out;
    }
};

}  // namespace

TEST_F(server_fixture, accepts_login_and_answers_with_session_and_sequence) {
    publish(3);
    login("2");
    auto p = h.take_packets();
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].type, 'A');
    EXPECT_EQ(p[0].payload, "TODAY     " + std::string(19, ' ') + "2");
    EXPECT_EQ(h.events.at(0), (event{"logged_in", 2, "user"}));
    EXPECT_EQ(c.current_state(), soup_server_connection::state::active);
}

TEST_F(server_fixture, rehydrates_from_requested_sequence_in_bounded_steps) {
    publish(10);
    login("3");
    (void)h.take_packets();
    EXPECT_EQ(c.on_tick(now), 4);
    EXPECT_EQ(c.on_tick(now), 4);
    const auto first8 = sequenced_payloads();
    EXPECT_EQ(c.on_tick(now), 0);
    ASSERT_EQ(first8.size(), 8u);
    EXPECT_EQ(first8.front(), "msg3");
    EXPECT_EQ(first8.back(), "msg10");
    // Live messages follow from the same store.
    publish(1);
    EXPECT_EQ(c.on_tick(now), 1);
    EXPECT_EQ(sequenced_payloads(), std::vector<std::string>{"msg11"});
    EXPECT_EQ(c.next_to_send(), 12u);
}

TEST_F(server_fixture, blank_or_zero_sequence_means_current_position) {
    publish(5);
    login("");
    EXPECT_EQ(h.events.at(0).sequence, 6u);
    EXPECT_EQ(c.on_tick(now), 0);
    recording_server_handler h2;
    soup_server_connection c2(opts, store, auth, h2);
    c2.on_connected(now);
    c2.on_bytes(to_bytes(login_request("user", "pw", "TODAY", "0")), now);
    EXPECT_EQ(h2.events.at(0).sequence, 6u);
}

TEST_F(server_fixture, sequence_beyond_the_end_starts_at_current_position) {
    publish(2);
    login("100");
    EXPECT_EQ(c.next_to_send(), 3u);
}

TEST_F(server_fixture, rejects_bad_password_with_reason_a) {
    c.on_connected(now);
    c.on_bytes(to_bytes(login_request("user", "wrong", "", "1")), now);
    auto p = h.take_packets();
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].type, 'J');
    EXPECT_EQ(p[0].payload, "A");
    EXPECT_EQ(h.events.back().what, "failure:login rejected");
    EXPECT_EQ(c.current_state(), soup_server_connection::state::closed);
}

TEST_F(server_fixture, rejects_unknown_session_with_reason_s) {
    c.on_connected(now);
    c.on_bytes(to_bytes(login_request("user", "pw", "YESTERDAY", "1")), now);
    auto p = h.take_packets();
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].payload, "S");
}

TEST_F(server_fixture, disconnects_client_sending_data_before_login) {
    c.on_connected(now);
    c.on_bytes(to_bytes(packet('U', "order")), now);
    EXPECT_TRUE(h.take_packets().empty());
    ASSERT_EQ(h.events.size(), 1u);
    EXPECT_EQ(h.events[0].what, "failure:unexpected packet");
    EXPECT_NE(h.events[0].text.find("before logging in"), std::string::npos);
}

TEST_F(server_fixture, disconnects_client_sending_garbage) {
    c.on_connected(now);
    c.on_bytes(to_bytes(std::string("\x00\x00garbage", 9)), now);
    EXPECT_EQ(h.events.back().what, "failure:malformed stream");
}

TEST_F(server_fixture, disconnects_client_sending_unknown_packet_type) {
    login();
    c.on_bytes(to_bytes(packet('X', "what")), now);
    EXPECT_EQ(h.events.back().what, "failure:unknown packet type");
}

TEST_F(server_fixture, disconnects_short_login_request) {
    c.on_connected(now);
    c.on_bytes(to_bytes(packet('L', "user")), now);
    EXPECT_EQ(h.events.back().what, "failure:malformed stream");
}

TEST_F(server_fixture, times_out_a_client_that_never_logs_in) {
    c.on_connected(now);
    EXPECT_EQ(c.on_tick(now + 4 * sec), 0);
    EXPECT_EQ(c.on_tick(now + 5 * sec), 1);
    EXPECT_EQ(h.events.back().what, "failure:login timeout");
}

TEST_F(server_fixture, sends_heartbeat_after_one_second_of_send_silence) {
    login();
    (void)h.take_packets();
    EXPECT_EQ(c.on_tick(now + 999 * ms), 0);
    EXPECT_EQ(c.on_tick(now + 1 * sec), 1);
    auto p = h.take_packets();
    ASSERT_EQ(p.size(), 1u);
    EXPECT_EQ(p[0].type, 'H');
}

TEST_F(server_fixture, drops_client_silent_for_fifteen_seconds) {
    login();
    c.on_bytes(to_bytes(packet('R')), now + 5 * sec);
    (void)c.on_tick(now + 19 * sec);
    EXPECT_EQ(c.current_state(), soup_server_connection::state::active);
    (void)c.on_tick(now + 20 * sec);
    EXPECT_EQ(h.events.back().what, "failure:peer silent too long");
}

TEST_F(server_fixture, delivers_unsequenced_and_debug_from_client) {
    login();
    c.on_bytes(to_bytes(packet('U', "enter order") + packet('+', "hello")), now);
    EXPECT_EQ(h.events.at(1), (event{"U", 0, "enter order"}));
    EXPECT_EQ(h.events.at(2), (event{"debug", 0, "hello"}));
}

TEST_F(server_fixture, client_logout_ends_connection) {
    login();
    c.on_bytes(to_bytes(packet('O')), now);
    EXPECT_EQ(h.events.back().what, "failure:logout");
    EXPECT_EQ(c.current_state(), soup_server_connection::state::closed);
}

TEST_F(server_fixture, end_of_session_follows_every_stored_message) {
    publish(6);
    login("1");
    (void)h.take_packets();
    EXPECT_TRUE(c.end_session(now));
    auto p = h.take_packets();
    ASSERT_EQ(p.size(), 7u);
    EXPECT_EQ(p[5].payload, "msg6");
    EXPECT_EQ(p[6].type, 'Z');
    EXPECT_EQ(h.events.back().what, "failure:end of session");
}

TEST_F(server_fixture, client_and_server_machines_talk_to_each_other) {
    publish(3);
    recording_client_handler ch;
    soup_client_options co;
    co.username = "user";
    co.password = "pw";
    co.requested_sequence = 2;
    soup_client client(co, ch);
    c.on_connected(now);
    client.on_connected(now);
    c.on_bytes(to_bytes(ch.wire), now);
    ch.wire.clear();
    (void)c.on_tick(now);
    client.on_bytes(to_bytes(h.wire), now);
    h.wire.clear();
    ASSERT_EQ(ch.events.size(), 3u);
    EXPECT_EQ(ch.events[0], (event{"accepted", 2, "TODAY"}));
    EXPECT_EQ(ch.events[1], (event{"S", 2, "msg2"}));
    EXPECT_EQ(ch.events[2], (event{"S", 3, "msg3"}));
}

TEST_F(server_fixture, rehydration_pauses_while_output_is_backed_up) {
    publish(3);
    login("1");
    (void)h.take_packets();
    h.backed_up = true;
    EXPECT_EQ(c.pump(now), 0);
    EXPECT_TRUE(h.take_packets().empty());
    h.backed_up = false;
    EXPECT_EQ(c.pump(now), 3);
    EXPECT_EQ(sequenced_payloads(), (std::vector<std::string>{"msg1", "msg2", "msg3"}));
}

TEST_F(server_fixture, end_of_session_sends_every_stored_message_even_when_backed_up) {
    publish(5);
    login("1");
    (void)h.take_packets();
    h.backed_up = true;
    EXPECT_TRUE(c.end_session(now));
    auto p = h.take_packets();
    ASSERT_EQ(p.size(), 6u);
    EXPECT_EQ(p[4].payload, "msg5");
    EXPECT_EQ(p[5].type, 'Z');
}

// The journal-backed store a server sends from: reads that follow the last one continue
// from the reader's position, others look the sequence up; both give the stored bytes.
TEST(journal_sequenced_store, reads_the_same_bytes_in_order_out_of_order_and_after_appends) {
    char name[] = "/tmp/exwire-soup-store-XXXXXX";
    ASSERT_NE(::mkdtemp(name), nullptr);
    const std::string dir = name;
    {
        exwire::engine::journal_config jc;
        jc.segment_size = 1u << 20;  // several segments
        auto made = exwire::engine::journal_sequenced_store::open(
            dir, exwire::engine::journal_config_from(jc));
        ASSERT_TRUE(made.ok()) << made.err().message;
        auto& store = *made.value();
        auto text = [](std::uint64_t n) {
            return "message " + std::to_string(n) + std::string(n % 300, 'x');
        };
        auto check = [&](std::uint64_t n) {
            EXPECT_EQ(exwire::to_string_view(store.read(n)), text(n)) << "sequence " << n;
        };
        constexpr std::uint64_t total = 20'000;
        for (std::uint64_t n = 1; n <= total; ++n) {
            ASSERT_EQ(store.append(n, to_bytes(text(n))), store_status::ok);
            check(n);  // what a live server does: append, then send it
        }
        for (std::uint64_t n :
             {1ull, 2ull, 3ull, 9999ull, 10000ull, 10001ull, 5ull, 6ull, 20000ull})
            check(n);
        for (std::uint64_t n = 1; n <= total; n += 1)  // a full resend, in order
            check(n);
        EXPECT_TRUE(store.read(total + 1).empty());
        EXPECT_TRUE(store.read(0).empty());
    }
    std::filesystem::remove_all(dir);
}
