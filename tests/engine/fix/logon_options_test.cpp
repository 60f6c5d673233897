// Logon options: NextExpectedMsgSeqNum (789) and the acceptor's credentials handler.
#include "scenario.hpp"

namespace exwire::engine::fix::test {
namespace {

class logon_options : public scenario {
  protected:
    session_settings make(session_role role) {
        session_settings s;
        s.role = role;
        s.sender_comp_id = "ISLD";
        s.target_comp_id = "TW";
        return s;
    }
    session_settings with_789(session_role role) {
        session_settings s = make(role);
        s.next_expected_msg_seq_num = true;
        return s;
    }
};

TEST_F(logon_options, acceptor_answer_counts_the_peer_logon_in_next_expected_msg_seq_num) {
    start(with_789(session_role::acceptor));
    in("35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=30|789=1|");
    expect_sent({"35=A|34=1|49=ISLD|52=<T>|56=TW|98=0|108=30|789=2|"});
    EXPECT_TRUE(machine->logged_on());
    EXPECT_EQ(machine->next_target_seq(), 2u);
}

TEST_F(logon_options, initiator_logon_carries_the_next_expected_number) {
    store.set_next_target_seq(7);
    store.set_next_sender_seq(5);
    start(with_789(session_role::initiator));
    expect_sent({"35=A|34=5|49=ISLD|52=<T>|56=TW|98=0|108=30|789=7|"});
}

TEST_F(logon_options, next_expected_msg_seq_num_is_not_sent_unless_enabled) {
    start(make(session_role::initiator));
    expect_sent({"35=A|34=1|49=ISLD|52=<T>|56=TW|98=0|108=30|"});
}

TEST_F(logon_options, acceptor_resends_what_the_peer_says_it_lacks_after_its_logon) {
    start(with_789(session_role::acceptor));
    log_on();  // our Logon is 1
    ASSERT_EQ(machine->send_app("D",
                                "11=A\x01"
                                "54=1\x01",
                                now),
              command_status::ok);  // 2
    ASSERT_EQ(machine->send_app("D",
                                "11=B\x01"
                                "54=1\x01",
                                now),
              command_status::ok);  // 3
    machine->on_disconnected(now);
    machine->on_connected(now);
    seen_ = out.sent.size();
    // The peer got our Logon only: it expects 2.
    in("35=A|34=2|49=TW|52=<T>|56=ISLD|98=0|108=30|789=2|");
    expect_sent({"35=A|34=4|49=ISLD|52=<T>|56=TW|98=0|108=30|789=3|",
                 "35=D|34=2|43=Y|49=ISLD|52=<T>|56=TW|122=<T>|11=A|54=1|",
                 "35=D|34=3|43=Y|49=ISLD|52=<T>|56=TW|122=<T>|11=B|54=1|"});
    EXPECT_TRUE(out.saw(event_kind::resend_served, "NextExpectedMsgSeqNum on Logon"));
    EXPECT_TRUE(machine->logged_on());
    EXPECT_EQ(machine->next_sender_seq(), 5u);
}

TEST_F(logon_options, next_expected_above_what_was_sent_logs_out_and_disconnects) {
    start(with_789(session_role::acceptor));
    in("35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=30|789=9|");
    expect_sent(
        {"35=5|34=1|49=ISLD|52=<T>|56=TW|"
         "58=NextExpectedMsgSeqNum too high, expecting 1 but received 9|"});
    EXPECT_EQ(out.disconnects, 1);
    EXPECT_FALSE(machine->logged_on());
}

TEST_F(logon_options, next_expected_is_ignored_when_disabled) {
    start(make(session_role::acceptor));
    in("35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=30|789=9|");
    expect_sent({"35=A|34=1|49=ISLD|52=<T>|56=TW|98=0|108=30|"});
    EXPECT_TRUE(machine->logged_on());
}

TEST_F(logon_options, initiator_waits_for_the_resend_instead_of_asking_when_both_use_789) {
    start(with_789(session_role::initiator));
    expect_sent({"35=A|34=1|49=ISLD|52=<T>|56=TW|98=0|108=30|789=1|"});
    // The acceptor sent 1 and 2 before (we lost them); it resends them after its Logon.
    in("35=A|34=3|49=TW|52=<T>|56=ISLD|98=0|108=30|789=2|");
    expect_nothing_sent();  // no ResendRequest
    EXPECT_TRUE(machine->logged_on());
    EXPECT_TRUE(out.saw(event_kind::sequence_gap, "awaiting resend after NextExpectedMsgSeqNum"));
    in("35=8|34=1|43=Y|49=TW|52=<T>|56=ISLD|122=<T>|11=A|");
    in("35=8|34=2|43=Y|49=TW|52=<T>|56=ISLD|122=<T>|11=B|");
    expect_nothing_sent();
    EXPECT_EQ(out.app.size(), 2u);
    EXPECT_TRUE(out.saw(event_kind::gap_filled));
    EXPECT_EQ(machine->next_target_seq(), 4u);  // the queued Logon (3) consumed
}

TEST_F(logon_options, initiator_without_789_from_the_peer_sends_a_resend_request) {
    start(with_789(session_role::initiator));
    seen_ = out.sent.size();
    in("35=A|34=3|49=TW|52=<T>|56=ISLD|98=0|108=30|");
    expect_sent({"35=2|34=2|49=ISLD|52=<T>|56=TW|7=1|16=0|"});
}

TEST_F(logon_options, credentials_handler_rejects_a_logon_with_logout_and_disconnect) {
    session_settings s = make(session_role::acceptor);
    int calls = 0;
    s.credentials = [&](const codec::fix::message_view& m) {
        ++calls;
        return m.get(553) == "bank" && m.get(554) == "secret";
    };
    s.logon_reject_text = "Invalid username or password";
    start(s);
    in("35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=30|553=bank|554=guess|");
    expect_sent({"35=5|34=1|49=ISLD|52=<T>|56=TW|58=Invalid username or password|"});
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(out.disconnects, 1);
    EXPECT_FALSE(machine->logged_on());
    EXPECT_EQ(machine->next_target_seq(), 1u);  // the rejected Logon is not counted
}

TEST_F(logon_options, credentials_handler_accepts_a_logon) {
    session_settings s = make(session_role::acceptor);
    s.credentials = [](const codec::fix::message_view& m) { return m.get(554) == "secret"; };
    start(s);
    in("35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=30|553=bank|554=secret|");
    expect_sent({"35=A|34=1|49=ISLD|52=<T>|56=TW|98=0|108=30|"});
    EXPECT_TRUE(machine->logged_on());
    EXPECT_EQ(out.disconnects, 0);
}

TEST_F(logon_options, initiator_logon_carries_configured_extra_fields) {
    session_settings s = make(session_role::initiator);
    s.logon_fields =
        "553=bank\x01"
        "554=secret\x01";
    start(s);
    expect_sent({"35=A|34=1|49=ISLD|52=<T>|56=TW|98=0|108=30|553=bank|554=secret|"});
}

}  // namespace
}  // namespace exwire::engine::fix::test
