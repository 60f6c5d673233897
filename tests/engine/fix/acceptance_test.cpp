// The QuickFIX FIX 4.4 server acceptance scenarios (test/definitions/server/fix44), replayed
// against the session machine with a fake clock: the machine plays QuickFIX's ISLD, the test
// plays TW. Each test checks every frame sent, byte for byte (BodyLength values as in
// QuickFIX's definitions where given, CheckSum computed).
#include "scenario.hpp"

namespace exwire::engine::fix::test {
namespace {

using acceptance = scenario;

constexpr std::string_view order = "11=ID|21=3|40=1|54=1|55=INTC|60=20261121-20:00:00|";

TEST_F(acceptance, s1a_valid_logon_with_correct_msg_seq_num) {
    start_acceptor();
    EXPECT_EQ(machine->state(), session_state::awaiting_logon);
    in("35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=30|");
    expect_sent({"9=61|35=A|34=1|49=ISLD|52=<T>|56=TW|98=0|108=30|"});
    EXPECT_EQ(machine->state(), session_state::logged_on);
    EXPECT_TRUE(out.saw(event_kind::logon));
    in("35=5|34=2|49=TW|52=<T>|56=ISLD|");
    expect_sent({"9=49|35=5|34=2|49=ISLD|52=<T>|56=TW|"});
    EXPECT_EQ(out.disconnects, 1);
    EXPECT_EQ(machine->state(), session_state::disconnected);
}

TEST_F(acceptance, s1a_valid_logon_msg_seq_num_too_high_sends_resend_request_after_logon) {
    start_acceptor();
    in("35=A|34=5|49=TW|52=<T>|56=ISLD|98=0|108=30|");
    expect_sent({"9=61|35=A|34=1|49=ISLD|52=<T>|56=TW|98=0|108=30|",
                 "9=58|35=2|34=2|49=ISLD|52=<T>|56=TW|7=1|16=0|"});
    EXPECT_TRUE(out.saw(event_kind::sequence_gap));
    in("35=5|34=6|49=TW|52=<T>|56=ISLD|");
    expect_sent({"9=49|35=5|34=3|49=ISLD|52=<T>|56=TW|"});
    EXPECT_EQ(out.disconnects, 1);
}

TEST_F(acceptance, s1c_invalid_sender_comp_id_disconnects_without_answer) {
    start_acceptor();
    in("35=A|34=1|49=WT|52=<T>|56=ISLD|98=0|108=30|");
    expect_nothing_sent();
    EXPECT_EQ(out.disconnects, 1);
}

TEST_F(acceptance, s1c_invalid_target_comp_id_disconnects_without_answer) {
    start_acceptor();
    in("35=A|34=1|49=TW|52=<T>|56=DLSI|98=0|108=30|");
    expect_nothing_sent();
    EXPECT_EQ(out.disconnects, 1);
}

TEST_F(acceptance, s1d_invalid_logon_bad_sending_time_disconnects) {
    start_acceptor();
    in("35=A|34=1|49=TW|52=20010101-00:00:00|56=ISLD|98=0|108=30|");
    expect_nothing_sent();
    EXPECT_EQ(out.disconnects, 1);
}

TEST_F(acceptance, s1d_invalid_logon_length_invalid_disconnects) {
    start_acceptor();
    in_raw(wire("8=FIX.4.4|9=5|35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=30|", now));
    expect_nothing_sent();
    EXPECT_EQ(out.disconnects, 1);
}

TEST_F(acceptance, s1d_invalid_logon_wrong_begin_string_disconnects) {
    start_acceptor();
    in_raw(wire("8=FIX.4.2|35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=30|", now));
    expect_nothing_sent();
    EXPECT_EQ(out.disconnects, 1);
}

TEST_F(acceptance, s1e_not_logon_message_first_disconnects) {
    start_acceptor();
    in("35=D|34=1|49=TW|52=<T>|56=ISLD|" + std::string(order));
    expect_nothing_sent();
    EXPECT_EQ(out.disconnects, 1);
    EXPECT_TRUE(out.app.empty());
}

TEST_F(acceptance, s2a_msg_seq_num_correct_is_delivered) {
    start_acceptor();
    log_on();
    in("35=D|34=2|49=TW|52=<T>|56=ISLD|" + std::string(order));
    ASSERT_EQ(out.app.size(), 1u);
    EXPECT_EQ(machine->next_target_seq(), 3u);
    expect_nothing_sent();
}

TEST_F(acceptance, s2b_msg_seq_num_too_high_requests_resend_once) {
    start_acceptor();
    log_on();
    for (int s = 2; s <= 4; ++s)
        in("35=0|34=" + std::to_string(s) + "|49=TW|52=<T>|56=ISLD|");
    in("35=0|34=10|49=TW|52=<T>|56=ISLD|");
    expect_sent({"9=58|35=2|34=2|49=ISLD|52=<T>|56=TW|7=5|16=0|"});
    for (int s = 5; s <= 9; ++s)
        in("35=0|34=" + std::to_string(s) + "|49=TW|52=<T>|56=ISLD|");
    expect_nothing_sent();
    EXPECT_TRUE(out.saw(event_kind::gap_filled));
    EXPECT_EQ(machine->next_target_seq(), 11u);  // the queued 10 was processed too
    in("35=5|34=11|49=TW|52=<T>|56=ISLD|");
    expect_sent({"9=49|35=5|34=3|49=ISLD|52=<T>|56=TW|"});
}

TEST_F(acceptance, queued_application_messages_are_delivered_in_order_once_gap_fills) {
    start_acceptor();
    log_on();
    in("35=D|34=4|49=TW|52=<T>|56=ISLD|11=C|21=3|40=1|54=1|55=X|60=20261121-20:00:00|");
    in("35=D|34=3|49=TW|52=<T>|56=ISLD|11=B|21=3|40=1|54=1|55=X|60=20261121-20:00:00|");
    expect_sent({"35=2|34=2|49=ISLD|52=<T>|56=TW|7=2|16=0|"});  // asked once only
    EXPECT_TRUE(out.app.empty());
    in("35=D|34=2|49=TW|52=<T>|56=ISLD|11=A|21=3|40=1|54=1|55=X|60=20261121-20:00:00|");
    ASSERT_EQ(out.app.size(), 3u);
    EXPECT_EQ(codec::fix::message_view(out.app[0]).get(11), "A");
    EXPECT_EQ(codec::fix::message_view(out.app[1]).get(11), "B");
    EXPECT_EQ(codec::fix::message_view(out.app[2]).get(11), "C");
    EXPECT_EQ(machine->next_target_seq(), 5u);
}

TEST_F(acceptance, s2c_msg_seq_num_too_low_logs_out_with_quickfix_text_and_disconnects) {
    start_acceptor();
    log_on();
    in("35=0|34=2|49=TW|52=<T>|56=ISLD|");
    in("35=0|34=1|49=TW|52=<T>|56=ISLD|");
    expect_sent(
        {"35=5|34=2|49=ISLD|52=<T>|56=TW|58=MsgSeqNum too low, expecting 3 but received 1|"});
    EXPECT_EQ(out.disconnects, 1);
}

TEST_F(acceptance, s2d_garbled_message_is_ignored_without_consuming_a_sequence_number) {
    start_acceptor();
    log_on();
    std::string bad = wire("8=FIX.4.4|35=0|34=2|49=TW|52=<T>|56=ISLD|", now);
    bad[bad.size() - 3] = bad[bad.size() - 3] == '0' ? '1' : '0';  // checksum wrong
    in_raw(bad);
    in_raw("garbage");
    in("35=0|34=2|49=TW|52=<T>|56=ISLD|");
    expect_nothing_sent();
    EXPECT_EQ(out.disconnects, 0);
    EXPECT_EQ(machine->next_target_seq(), 3u);
    EXPECT_TRUE(out.saw(event_kind::message_ignored));
}

TEST_F(acceptance, s2e_poss_dup_already_received_is_ignored) {
    start_acceptor();
    log_on();
    in("35=D|34=2|49=TW|52=<T>|56=ISLD|" + std::string(order));
    in("35=D|34=2|43=Y|49=TW|52=<T>|56=ISLD|122=<T>|" + std::string(order));
    EXPECT_EQ(out.app.size(), 1u);
    expect_nothing_sent();
    EXPECT_EQ(out.disconnects, 0);
}

TEST_F(acceptance, s2e_poss_dup_not_received_is_delivered) {
    start_acceptor();
    log_on();
    in("35=D|34=2|43=Y|49=TW|52=<T>|56=ISLD|122=<T>|" + std::string(order));
    EXPECT_EQ(out.app.size(), 1u);
    expect_nothing_sent();
}

TEST_F(acceptance, s2f_poss_dup_orig_sending_time_too_high_rejects_and_logs_out) {
    start_acceptor();
    log_on();
    in("35=D|34=2|49=TW|52=<T>|56=ISLD|" + std::string(order));
    in("35=D|34=3|49=TW|52=<T>|56=ISLD|" + std::string(order));
    in("35=D|34=2|43=Y|49=TW|52=<T>|56=ISLD|122=" + timestamp(now + 10 * sec) + "|" +
       std::string(order));
    expect_sent(
        {"9=99|35=3|34=2|49=ISLD|52=<T>|56=TW|45=2|58=SendingTime accuracy "
         "problem|372=D|373=10|",
         "9=49|35=5|34=3|49=ISLD|52=<T>|56=TW|"});
    in("35=5|34=4|49=TW|52=<T>|56=ISLD|");
    expect_nothing_sent();
    EXPECT_EQ(out.disconnects, 1);
}

TEST_F(acceptance, s2g_poss_dup_without_orig_sending_time_is_rejected) {
    start_acceptor();
    log_on();
    in("35=D|34=2|49=TW|52=<T>|56=ISLD|" + std::string(order));
    in("35=D|34=2|43=Y|49=TW|52=<T>|56=ISLD|" + std::string(order));
    expect_sent(
        {"35=3|34=2|49=ISLD|52=<T>|56=TW|45=2|58=Required tag missing|371=122|372=D|"
         "373=1|"});
    EXPECT_EQ(out.disconnects, 0);
    EXPECT_EQ(out.app.size(), 1u);
}

TEST_F(acceptance, s2i_begin_string_unexpected_logs_out_and_waits_for_the_answer) {
    start_acceptor();
    log_on();
    in_raw(wire("8=FIX.4.1|35=1|34=2|49=TW|52=<T>|56=ISLD|112=id|", now));
    expect_sent({"9=74|35=5|34=2|49=ISLD|52=<T>|56=TW|58=Incorrect BeginString|"});
    EXPECT_EQ(out.disconnects, 0);
    in("35=5|34=3|49=TW|52=<T>|56=ISLD|");
    expect_nothing_sent();
    EXPECT_EQ(out.disconnects, 1);
}

TEST_F(acceptance, s2i_begin_string_unexpected_disconnects_at_logout_timeout) {
    start_acceptor();
    log_on();
    in_raw(wire("8=FIX.4.1|35=1|34=2|49=TW|52=<T>|56=ISLD|112=id|", now));
    expect_sent({"35=5|34=2|49=ISLD|52=<T>|56=TW|58=Incorrect BeginString|"});
    advance(1 * sec);
    EXPECT_EQ(out.disconnects, 0);
    advance(1 * sec);
    EXPECT_EQ(out.disconnects, 1);
    EXPECT_TRUE(out.saw(event_kind::timeout, "Timed out waiting for logout response"));
}

TEST_F(acceptance, s2k_comp_id_does_not_match_profile_rejects_and_logs_out) {
    for (auto [s, t] :
         {std::pair{"WT", "ISLD"}, std::pair{"TW", "DLSI"}, std::pair{"WT", "DLSI"}}) {
        out = recorder{};
        seen_ = 0;
        store.reset();
        start_acceptor();
        log_on();
        in("35=D|34=2|49=" + std::string(s) + "|52=<T>|56=" + t + "|" + std::string(order));
        expect_sent({"9=84|35=3|34=2|49=ISLD|52=<T>|56=TW|45=2|58=CompID problem|372=D|373=9|",
                     "9=49|35=5|34=3|49=ISLD|52=<T>|56=TW|"});
        in("35=5|34=3|49=TW|52=<T>|56=ISLD|");
        EXPECT_EQ(out.disconnects, 1);
        EXPECT_TRUE(out.app.empty());
    }
}

TEST_F(acceptance, s2m_body_length_value_not_correct_is_ignored) {
    start_acceptor();
    log_on();
    in_raw(wire("8=FIX.4.4|9=20|35=0|34=2|49=TW|52=<T>|56=ISLD|", now));
    in("35=0|34=2|49=TW|52=<T>|56=ISLD|");
    expect_nothing_sent();
    EXPECT_EQ(machine->next_target_seq(), 3u);
    EXPECT_EQ(out.disconnects, 0);
}

TEST_F(acceptance, s2o_sending_time_value_out_of_range_rejects_and_logs_out) {
    start_acceptor();
    log_on();
    in("35=0|34=2|49=TW|52=" + timestamp(now - 200 * sec) + "|56=ISLD|");
    expect_sent(
        {"35=3|34=2|49=ISLD|52=<T>|56=TW|45=2|58=SendingTime accuracy problem|372=0|"
         "373=10|",
         "35=5|34=3|49=ISLD|52=<T>|56=TW|"});
}

TEST_F(acceptance, sending_time_tolerance_is_configurable) {
    session_settings s;
    s.role = session_role::acceptor;
    s.sender_comp_id = "ISLD";
    s.target_comp_id = "TW";
    s.max_latency_ns = 300 * sec;
    start(s);
    log_on();
    in("35=0|34=2|49=TW|52=" + timestamp(now - 200 * sec) + "|56=ISLD|");
    expect_nothing_sent();
    EXPECT_EQ(machine->next_target_seq(), 3u);
}

TEST_F(acceptance, s2r_unregistered_msg_type_gets_business_message_reject) {
    start_acceptor();
    log_on();
    out.verdict = app_verdict::unsupported_message_type;
    in("35=8|34=2|49=TW|52=<T>|56=ISLD|37=id|17=id|150=0|39=0|55=WLRI|54=1|151=100|14=0|6=0.0|");
    expect_sent(
        {"9=94|35=j|34=2|49=ISLD|52=<T>|56=TW|45=2|58=Unsupported Message Type|372=8|"
         "380=3|"});
    EXPECT_EQ(machine->next_target_seq(), 3u);
    in("35=5|34=3|49=TW|52=<T>|56=ISLD|");
    expect_sent({"35=5|34=3|49=ISLD|52=<T>|56=TW|"});
}

TEST_F(acceptance, s2t_first_three_fields_out_of_order_is_ignored) {
    start_acceptor();
    log_on();
    std::string f =
        "8=FIX.4.4\x01"
        "35=0\x01"
        "9=31\x01"
        "34=2\x01"
        "49=TW\x01"
        "56=ISLD\x01";
    char cs[8];
    std::snprintf(cs, sizeof cs, "10=%03u\x01", codec::fix::checksum(f));
    in_raw(f + cs);
    in("35=0|34=2|49=TW|52=<T>|56=ISLD|");
    expect_nothing_sent();
    EXPECT_EQ(machine->next_target_seq(), 3u);
}

TEST_F(acceptance, s3b_invalid_checksum_is_ignored) {
    start_acceptor();
    log_on();
    std::string bad = wire("8=FIX.4.4|35=D|34=2|49=TW|52=<T>|56=ISLD|" + std::string(order), now);
    bad[bad.size() - 2] = bad[bad.size() - 2] == '9' ? '8' : '9';
    in_raw(bad);
    EXPECT_TRUE(out.app.empty());
    in("35=D|34=2|49=TW|52=<T>|56=ISLD|" + std::string(order));
    EXPECT_EQ(out.app.size(), 1u);
    expect_nothing_sent();
}

TEST_F(acceptance, s3c_garbled_message_split_across_reads_is_reassembled) {
    start_acceptor();
    log_on();
    const std::string f =
        wire("8=FIX.4.4|35=D|34=2|49=TW|52=<T>|56=ISLD|" + std::string(order), now);
    for (char c : f)
        in_raw(std::string_view(&c, 1));
    EXPECT_EQ(out.app.size(), 1u);
}

TEST_F(acceptance, s4a_no_data_sent_during_heart_bt_int_sends_heartbeats) {
    start_acceptor();
    log_on("3");
    advance(2 * sec);
    expect_nothing_sent();
    advance(1 * sec);
    expect_sent({"9=49|35=0|34=2|49=ISLD|52=<T>|56=TW|"});
    in("35=0|34=2|49=TW|52=<T>|56=ISLD|");
    advance(3 * sec);
    expect_sent({"9=49|35=0|34=3|49=ISLD|52=<T>|56=TW|"});
    in("35=0|34=3|49=TW|52=<T>|56=ISLD|");
    in("35=5|34=4|49=TW|52=<T>|56=ISLD|");
    expect_sent({"9=49|35=5|34=4|49=ISLD|52=<T>|56=TW|"});
}

TEST_F(acceptance, s4b_received_test_request_is_answered_with_its_id) {
    start_acceptor();
    log_on();
    in("35=1|34=2|49=TW|52=<T>|56=ISLD|112=HELLO|");
    expect_sent({"9=59|35=0|34=2|49=ISLD|52=<T>|56=TW|112=HELLO|"});
}

TEST_F(acceptance, s6_send_test_request_after_silence_and_heartbeat_answer_clears_it) {
    start_acceptor();
    log_on("3");
    advance(3 * sec);
    expect_sent({"35=0|34=2|49=ISLD|52=<T>|56=TW|"});
    advance(600'000'000);  // 3.6 s without a word from the peer
    expect_sent({"35=1|34=3|49=ISLD|52=<T>|56=TW|112=TEST|"});
    in("35=0|34=2|49=TW|52=<T>|56=ISLD|112=TEST|");
    advance(2 * sec);
    expect_nothing_sent();
    EXPECT_EQ(out.disconnects, 0);
}

TEST_F(acceptance, s6_unanswered_test_request_disconnects) {
    start_acceptor();
    log_on("3");
    advance(3 * sec);
    expect_sent({"35=0|34=2|49=ISLD|52=<T>|56=TW|"});
    advance(600'000'000);
    expect_sent({"35=1|34=3|49=ISLD|52=<T>|56=TW|112=TEST|"});
    advance(3 * sec);  // 6.6 s: below 2.4 x HeartBtInt
    EXPECT_EQ(out.disconnects, 0);
    advance(600'000'000);  // 7.2 s
    EXPECT_EQ(out.disconnects, 1);
    EXPECT_TRUE(out.saw(event_kind::timeout, "Timed out waiting for heartbeat"));
}

TEST_F(acceptance, s7_receive_reject_message_counts_and_reports_it) {
    start_acceptor();
    log_on();
    in("35=3|34=2|49=TW|52=<T>|56=ISLD|45=2|58=bad|");
    expect_nothing_sent();
    EXPECT_TRUE(out.saw(event_kind::reject_received, "bad"));
    EXPECT_EQ(machine->next_target_seq(), 3u);
}

// Scenario 8: the machine's own messages 2-4 are heartbeats (admin), 5-6 orders echoed by
// the application, 7-8 heartbeats, 9 an order; the peer then asks for several ranges.
class resend : public scenario {
  protected:
    void build_history() {
        start_acceptor();
        ASSERT_NO_FATAL_FAILURE(log_on());
        std::uint64_t peer = 2;
        auto test_request = [&] {
            in("35=1|34=" + std::to_string(peer++) + "|49=TW|52=<T>|56=ISLD|112=HELLO|");
        };
        auto echo = [&](std::string_view sym) {
            const std::string body =
                "11=ID|21=3|40=1|54=1|55=" + std::string(sym) + "|60=20261121-20:00:00|";
            in("35=D|34=" + std::to_string(peer++) + "|49=TW|52=<T>|56=ISLD|" + body);
            ASSERT_EQ(machine->send_app("D", replace_all(body, "|", "\x01"), now),
                      command_status::ok);
        };
        test_request();
        test_request();
        test_request();
        echo("INTC");
        echo("CDG");
        test_request();
        test_request();
        echo("IVP");
        next_peer_ = peer;
        seen_ = out.sent.size();
        now += 5 * sec;  // resends carry the new SendingTime and the original as 122
    }
    void request(std::string_view range) {
        in("35=2|34=" + std::to_string(next_peer_++) + "|49=TW|52=<T>|56=ISLD|" +
           std::string(range));
    }
    std::string resent(std::uint64_t seq, std::string_view sym) const {
        return "35=D|34=" + std::to_string(seq) +
               "|43=Y|49=ISLD|52=<T>|56=TW|122=" + timestamp(t0) +
               "|11=ID|21=3|40=1|54=1|55=" + std::string(sym) + "|60=20261121-20:00:00|";
    }
    std::uint64_t next_peer_ = 0;
};

TEST_F(resend, s8_only_admin_messages_become_one_gap_fill) {
    build_history();
    request("7=2|16=4|");
    expect_sent({"9=91|35=4|34=2|43=Y|49=ISLD|52=<T>|56=TW|122=<T>|36=5|123=Y|"});
    EXPECT_TRUE(out.saw(event_kind::resend_served));
}

TEST_F(resend, s8_admin_and_application_messages) {
    build_history();
    request("7=2|16=6|");
    expect_sent({"9=91|35=4|34=2|43=Y|49=ISLD|52=<T>|56=TW|122=<T>|36=5|123=Y|",
                 "9=130|" + resent(5, "INTC"), "9=129|" + resent(6, "CDG")});
    request("7=2|16=8|");
    expect_sent({"35=4|34=2|43=Y|49=ISLD|52=<T>|56=TW|122=<T>|36=5|123=Y|", resent(5, "INTC"),
                 resent(6, "CDG"), "9=91|35=4|34=7|43=Y|49=ISLD|52=<T>|56=TW|122=<T>|36=9|123=Y|"});
}

TEST_F(resend, s8_only_application_messages_and_infinity_end) {
    build_history();
    request("7=5|16=6|");
    expect_sent({resent(5, "INTC"), resent(6, "CDG")});
    request("7=2|16=0|");
    expect_sent({"35=4|34=2|43=Y|49=ISLD|52=<T>|56=TW|122=<T>|36=5|123=Y|", resent(5, "INTC"),
                 resent(6, "CDG"), "35=4|34=7|43=Y|49=ISLD|52=<T>|56=TW|122=<T>|36=9|123=Y|",
                 "9=129|" + resent(9, "IVP")});
    // Our own sequence numbers are untouched by resending.
    in("35=1|34=" + std::to_string(next_peer_++) + "|49=TW|52=<T>|56=ISLD|112=HELLO|");
    expect_sent({"9=60|35=0|34=10|49=ISLD|52=<T>|56=TW|112=HELLO|"});
}

TEST_F(resend, end_999999_means_infinity_too) {
    build_history();
    request("7=9|16=999999|");
    expect_sent({resent(9, "IVP")});
}

TEST_F(resend, declined_by_should_replay_becomes_gap_fill) {
    build_history();
    out.decline_clordid = "ID";
    request("7=5|16=9|");
    expect_sent({"35=4|34=5|43=Y|49=ISLD|52=<T>|56=TW|122=<T>|36=10|123=Y|"});
}

TEST_F(acceptance, s10_gap_fill_with_msg_seq_num_equal_moves_the_expected_number) {
    start_acceptor();
    log_on();
    in("35=4|34=2|49=TW|52=<T>|56=ISLD|36=20|123=Y|");
    expect_nothing_sent();
    EXPECT_EQ(machine->next_target_seq(), 20u);
    in("35=1|34=20|49=TW|52=<T>|56=ISLD|112=HELLO|");
    expect_sent({"35=0|34=2|49=ISLD|52=<T>|56=TW|112=HELLO|"});
}

TEST_F(acceptance, s10_gap_fill_with_msg_seq_num_greater_requests_resend) {
    start_acceptor();
    log_on();
    in("35=4|34=5|49=TW|52=<T>|56=ISLD|36=20|123=Y|");
    expect_sent({"35=2|34=2|49=ISLD|52=<T>|56=TW|7=2|16=0|"});
    EXPECT_EQ(machine->next_target_seq(), 2u);
    in("35=4|34=2|43=Y|49=TW|52=<T>|56=ISLD|122=<T>|36=5|123=Y|");
    EXPECT_EQ(machine->next_target_seq(), 20u);  // then the queued gap fill to 20
    EXPECT_TRUE(out.saw(event_kind::gap_filled));
}

TEST_F(acceptance, s10_gap_fill_with_msg_seq_num_less_logs_out) {
    start_acceptor();
    log_on();
    in("35=0|34=2|49=TW|52=<T>|56=ISLD|");
    in("35=4|34=1|49=TW|52=<T>|56=ISLD|36=20|123=Y|");
    expect_sent(
        {"35=5|34=2|49=ISLD|52=<T>|56=TW|58=MsgSeqNum too low, expecting 3 but received 1|"});
    EXPECT_EQ(out.disconnects, 1);
}

TEST_F(acceptance, s11a_sequence_reset_new_seq_no_greater) {
    start_acceptor();
    log_on();
    in("35=4|34=0|49=TW|52=<T>|56=ISLD|36=20|");
    expect_nothing_sent();
    EXPECT_EQ(machine->next_target_seq(), 20u);
}

TEST_F(acceptance, s11b_sequence_reset_new_seq_no_equal) {
    start_acceptor();
    log_on();
    in("35=4|34=0|49=TW|52=<T>|56=ISLD|36=2|");
    expect_nothing_sent();
    EXPECT_EQ(machine->next_target_seq(), 2u);
}

TEST_F(acceptance, s11c_sequence_reset_new_seq_no_less_is_rejected) {
    start_acceptor();
    log_on();
    in("35=4|34=0|49=TW|52=<T>|56=ISLD|36=1|");
    expect_sent(
        {"9=116|35=3|34=2|49=ISLD|52=<T>|56=TW|45=0|58=Value is incorrect (out of "
         "range) for this tag|372=4|373=5|"});
    in("35=1|34=2|49=TW|52=<T>|56=ISLD|112=HELLO|");
    expect_sent({"9=59|35=0|34=3|49=ISLD|52=<T>|56=TW|112=HELLO|"});
    in("35=4|34=0|49=TW|52=<T>|56=ISLD|36=1|123=N|");
    expect_sent(
        {"35=3|34=4|49=ISLD|52=<T>|56=TW|45=0|58=Value is incorrect (out of range) for "
         "this tag|372=4|373=5|"});
    in("35=5|34=3|49=TW|52=<T>|56=ISLD|");
    expect_sent({"35=5|34=5|49=ISLD|52=<T>|56=TW|"});
}

TEST_F(acceptance, s13b_unsolicited_logout_is_answered_and_disconnects) {
    start_acceptor();
    log_on();
    in("35=5|34=2|49=TW|52=<T>|56=ISLD|");
    expect_sent({"35=5|34=2|49=ISLD|52=<T>|56=TW|"});
    EXPECT_EQ(out.disconnects, 1);
    EXPECT_TRUE(out.saw(event_kind::logout, "Received logout request"));
}

TEST_F(acceptance, s19a_poss_resend_message_already_delivered_is_passed_to_the_application) {
    start_acceptor();
    log_on();
    in("35=D|34=2|49=TW|52=<T>|56=ISLD|" + std::string(order));
    in("35=D|34=3|49=TW|52=<T>|56=ISLD|97=Y|" + std::string(order));
    ASSERT_EQ(out.app.size(), 2u);
    EXPECT_EQ(codec::fix::message_view(out.app[1]).get(97), "Y");  // the application decides
    expect_nothing_sent();
}

TEST_F(acceptance, s20_simultaneous_resend_requests) {
    start_acceptor();
    log_on();
    const std::string body = "11=ID|21=3|40=1|54=1|55=INTC|60=20261121-20:00:00|";
    for (int s = 2; s <= 3; ++s) {
        in("35=D|34=" + std::to_string(s) + "|49=TW|52=<T>|56=ISLD|" + body);
        ASSERT_EQ(machine->send_app("D", replace_all(body, "|", "\x01"), now), command_status::ok);
    }
    seen_ = out.sent.size();
    in("35=0|34=7|49=TW|52=<T>|56=ISLD|");
    expect_sent({"9=58|35=2|34=4|49=ISLD|52=<T>|56=TW|7=4|16=0|"});
    in("35=2|34=8|49=TW|52=<T>|56=ISLD|7=2|16=3|");
    const std::string resent = "35=D|34={}|43=Y|49=ISLD|52=<T>|56=TW|122=<T>|" + body;
    expect_sent(
        {"9=130|" + replace_all(resent, "{}", "2"), "9=130|" + replace_all(resent, "{}", "3")});
    for (int s = 4; s <= 6; ++s)
        in("35=0|34=" + std::to_string(s) + "|43=Y|49=TW|52=<T>|56=ISLD|122=<T>|");
    EXPECT_EQ(machine->next_target_seq(), 9u);  // 7 and the queued ResendRequest 8 consumed
    in("35=5|34=9|49=TW|52=<T>|56=ISLD|");
    expect_sent({"9=49|35=5|34=5|49=ISLD|52=<T>|56=TW|"});
}

TEST_F(acceptance, session_reset_by_logon_with_reset_seq_num_flag_while_logged_on) {
    start_acceptor();
    log_on();
    for (int s = 2; s <= 9; ++s)
        in("35=0|34=" + std::to_string(s) + "|49=TW|52=<T>|56=ISLD|");
    in("35=1|34=10|49=TW|52=<T>|56=ISLD|112=1|");
    expect_sent({"9=55|35=0|34=2|49=ISLD|52=<T>|56=TW|112=1|"});
    in("35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=30|141=Y|");
    expect_sent({"9=67|35=A|34=1|49=ISLD|52=<T>|56=TW|98=0|108=30|141=Y|"});
    EXPECT_TRUE(machine->logged_on());
    in("35=1|34=2|49=TW|52=<T>|56=ISLD|112=1|");
    expect_sent({"9=55|35=0|34=2|49=ISLD|52=<T>|56=TW|112=1|"});
    in("35=5|34=3|49=TW|52=<T>|56=ISLD|");
    expect_sent({"9=49|35=5|34=3|49=ISLD|52=<T>|56=TW|"});
    EXPECT_EQ(out.disconnects, 1);
}

}  // namespace
}  // namespace exwire::engine::fix::test
