// Initiator side, sequence reset on logon, FIXT.1.1, timeouts and the logout handshake.
#include "scenario.hpp"

namespace exwire::engine::fix::test {
namespace {

// Here the machine is the initiator ISLD and the scripted peer the acceptor TW.
class initiator : public scenario {
  protected:
    session_settings make(std::string begin = "FIX.4.4") {
        session_settings s;
        s.role = session_role::initiator;
        s.begin_string = std::move(begin);
        s.sender_comp_id = "ISLD";
        s.target_comp_id = "TW";
        s.heartbeat_interval_s = 30;
        return s;
    }
};

TEST_F(initiator, sends_logon_on_connect_and_logs_on_with_the_answer) {
    start(make());
    expect_sent({"35=A|34=1|49=ISLD|52=<T>|56=TW|98=0|108=30|"});
    EXPECT_EQ(machine->state(), session_state::logon_sent);
    in("35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=30|");
    expect_nothing_sent();
    EXPECT_EQ(machine->state(), session_state::logged_on);
    EXPECT_TRUE(out.saw(event_kind::logon, "Received logon response"));
    EXPECT_TRUE(out.saw(event_kind::state_changed, "logged_on"));
}

TEST_F(initiator, reset_on_logon_sends_reset_seq_num_flag_from_one) {
    store.set_next_sender_seq(40);
    store.set_next_target_seq(50);
    session_settings s = make();
    s.reset_on_logon = true;
    start(s);
    expect_sent({"35=A|34=1|49=ISLD|52=<T>|56=TW|98=0|108=30|141=Y|"});
    in("35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=30|141=Y|");
    expect_nothing_sent();  // our reset was answered: no second Logon
    EXPECT_TRUE(machine->logged_on());
    EXPECT_EQ(machine->next_target_seq(), 2u);
    EXPECT_EQ(machine->next_sender_seq(), 2u);
}

TEST_F(initiator, fixt_logon_carries_default_appl_ver_id) {
    session_settings s = make("FIXT.1.1");
    s.default_appl_ver_id = "9";
    start(s);
    expect_sent({"35=A|34=1|49=ISLD|52=<T>|56=TW|98=0|108=30|1137=9|"});
    in("35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=30|1137=9|");
    EXPECT_TRUE(machine->logged_on());
    ASSERT_EQ(machine->send_app("D",
                                "11=A\x01"
                                "54=1\x01",
                                now),
              command_status::ok);
    expect_sent({"35=D|34=2|49=ISLD|52=<T>|56=TW|11=A|54=1|"});
}

TEST_F(initiator, logon_timeout_disconnects) {
    start(make());
    advance(9 * sec);
    EXPECT_EQ(out.disconnects, 0);
    advance(1 * sec);
    EXPECT_EQ(out.disconnects, 1);
    EXPECT_TRUE(out.saw(event_kind::timeout, "Timed out waiting for logon response"));
    EXPECT_EQ(machine->state(), session_state::disconnected);
}

TEST_F(initiator, application_send_refused_before_logon) {
    start(make());
    EXPECT_EQ(machine->send_app("D", "11=A\x01", now), command_status::not_logged_on);
}

TEST_F(initiator, logout_handshake_completes_on_the_answer) {
    start(make());
    in("35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=30|");
    seen_ = out.sent.size();
    machine->logout("bye", now);
    expect_sent({"35=5|34=2|49=ISLD|52=<T>|56=TW|58=bye|"});
    EXPECT_EQ(machine->state(), session_state::logout_sent);
    in("35=5|34=2|49=TW|52=<T>|56=ISLD|");
    expect_nothing_sent();
    EXPECT_EQ(out.disconnects, 1);
    EXPECT_TRUE(out.saw(event_kind::logout, "Received logout response"));
}

TEST_F(initiator, logout_without_answer_disconnects_at_the_timeout) {
    start(make());
    in("35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=30|");
    machine->logout({}, now);
    advance(1'999'000'000);
    EXPECT_EQ(out.disconnects, 0);
    advance(1'000'000);
    EXPECT_EQ(out.disconnects, 1);
}

TEST_F(initiator, sequence_numbers_survive_a_reconnect_through_the_store) {
    start(make());
    in("35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=30|");
    in("35=0|34=2|49=TW|52=<T>|56=ISLD|");
    machine->on_disconnected(now);
    EXPECT_EQ(machine->state(), session_state::disconnected);
    seen_ = out.sent.size();
    machine->on_connected(now);
    expect_sent({"35=A|34=2|49=ISLD|52=<T>|56=TW|98=0|108=30|"});
    in("35=A|34=3|49=TW|52=<T>|56=ISLD|98=0|108=30|");
    EXPECT_TRUE(machine->logged_on());
    EXPECT_EQ(machine->next_target_seq(), 4u);
}

TEST_F(initiator, test_request_command_is_sent_with_its_id) {
    start(make());
    in("35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=30|");
    seen_ = out.sent.size();
    EXPECT_EQ(machine->send_test_request("abc", now), command_status::ok);
    expect_sent({"35=1|34=2|49=ISLD|52=<T>|56=TW|112=abc|"});
}

using acceptor = scenario;

TEST_F(acceptor, adopts_the_peers_heart_bt_int) {
    start_acceptor();
    in("35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=7|");
    expect_sent({"35=A|34=1|49=ISLD|52=<T>|56=TW|98=0|108=7|"});
    EXPECT_EQ(machine->heartbeat_interval_s(), 7u);
}

TEST_F(acceptor, session_reset_on_received_reset_seq_num_flag) {
    store.set_next_sender_seq(17);
    store.set_next_target_seq(23);
    start_acceptor();
    in("35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=30|141=Y|");
    expect_sent({"35=A|34=1|49=ISLD|52=<T>|56=TW|98=0|108=30|141=Y|"});
    EXPECT_TRUE(machine->logged_on());
    EXPECT_EQ(machine->next_target_seq(), 2u);
    EXPECT_EQ(machine->next_sender_seq(), 2u);
}

TEST_F(acceptor, logon_timeout_without_logon_disconnects) {
    start_acceptor();
    advance(10 * sec);
    EXPECT_EQ(out.disconnects, 1);
    EXPECT_TRUE(out.saw(event_kind::timeout, "Timed out waiting for logon request"));
}

TEST_F(acceptor, second_logon_while_logged_on_disconnects) {
    start_acceptor();
    log_on();
    in("35=A|34=2|49=TW|52=<T>|56=ISLD|98=0|108=30|");
    EXPECT_EQ(out.disconnects, 1);
}

TEST_F(acceptor, fix42_session_logs_on_and_rejects_with_ref_msg_type) {
    start_acceptor("FIX.4.2");
    in("35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=30|");
    expect_sent({"35=A|34=1|49=ISLD|52=<T>|56=TW|98=0|108=30|"});
    in("35=4|34=0|49=TW|52=<T>|56=ISLD|36=1|");
    expect_sent(
        {"35=3|34=2|49=ISLD|52=<T>|56=TW|45=0|58=Value is incorrect (out of range) for "
         "this tag|372=4|373=5|"});
}

}  // namespace
}  // namespace exwire::engine::fix::test
