// Sub and location IDs as parts of a session's identity: SenderSubID (50), TargetSubID (57),
// SenderLocationID (142) and TargetLocationID (143). A set one is written in every header we
// send (QuickFIX's header order: ascending tags after 35) and must come back mirrored; a
// mismatch is handled as a CompID mismatch (before logon: disconnect without an answer, as
// scenario 1c; after logon: Reject 373=9 and Logout, as scenario 2i/2k).
#include "scenario.hpp"

namespace exwire::engine::fix::test {
namespace {

using identity = scenario;

constexpr std::string_view order = "11=ID|21=3|40=1|54=1|55=INTC|60=20261121-20:00:00|";

session_settings acceptor_with_ids() {
    session_settings s;
    s.role = session_role::acceptor;
    s.begin_string = "FIX.4.4";
    s.sender_comp_id = "ISLD";
    s.target_comp_id = "TW";
    s.sender_sub_id = "DESK";
    s.target_sub_id = "TRDR";
    s.sender_location_id = "LDN";
    s.target_location_id = "NY";
    return s;
}

// The peer's header: its 50/142 are our target IDs, its 57/143 ours.
constexpr std::string_view peer_ids = "49=TW|50=TRDR|52=<T>|56=ISLD|57=DESK|142=NY|143=LDN|";
const std::string report = replace_all("11=ID|17=1|37=1|39=0|54=1|55=INTC|150=0|", "|", "\x01");
constexpr std::string_view our_ids = "49=ISLD|50=DESK|52=<T>|56=TW|57=TRDR|142=LDN|143=NY|";

TEST_F(identity, headers_carry_sub_and_location_ids_in_ascending_tag_order) {
    start(acceptor_with_ids());
    in("35=A|34=1|" + std::string(peer_ids) + "98=0|108=30|");
    expect_sent({"35=A|34=1|" + std::string(our_ids) + "98=0|108=30|"});
    ASSERT_EQ(machine->state(), session_state::logged_on);
    in("35=D|34=2|" + std::string(peer_ids) + std::string(order));
    ASSERT_EQ(out.app.size(), 1u);
    ASSERT_EQ(machine->send_app("8", report, now), command_status::ok);
    expect_sent({"35=8|34=2|" + std::string(our_ids) + "11=ID|17=1|37=1|39=0|54=1|55=INTC|150=0|"});
}

TEST_F(identity, resent_messages_keep_the_sub_and_location_ids_once) {
    start(acceptor_with_ids());
    in("35=A|34=1|" + std::string(peer_ids) + "98=0|108=30|");
    ASSERT_EQ(machine->send_app("8", report, now), command_status::ok);
    expect_sent({"35=A|34=1|" + std::string(our_ids) + "98=0|108=30|",
                 "35=8|34=2|" + std::string(our_ids) + "11=ID|17=1|37=1|39=0|54=1|55=INTC|150=0|"});
    in("35=2|34=2|" + std::string(peer_ids) + "7=2|16=0|");
    // The stored header's 50/57/142/143 are not copied as body: they appear once.
    expect_sent(
        {"35=8|34=2|43=Y|49=ISLD|50=DESK|52=<T>|56=TW|57=TRDR|122=<T>|142=LDN|143=NY|"
         "11=ID|17=1|37=1|39=0|54=1|55=INTC|150=0|"});
}

TEST_F(identity, logon_with_wrong_sender_sub_id_disconnects_without_answer) {
    start(acceptor_with_ids());
    in("35=A|34=1|49=TW|50=OTHER|52=<T>|56=ISLD|57=DESK|142=NY|143=LDN|98=0|108=30|");
    expect_nothing_sent();
    EXPECT_EQ(out.disconnects, 1);
    EXPECT_EQ(machine->state(), session_state::disconnected);
}

TEST_F(identity, logon_without_a_required_target_sub_id_disconnects_without_answer) {
    start(acceptor_with_ids());
    in("35=A|34=1|49=TW|50=TRDR|52=<T>|56=ISLD|142=NY|143=LDN|98=0|108=30|");
    expect_nothing_sent();
    EXPECT_EQ(out.disconnects, 1);
}

TEST_F(identity, logon_with_wrong_location_ids_disconnects_without_answer) {
    start(acceptor_with_ids());
    in("35=A|34=1|49=TW|50=TRDR|52=<T>|56=ISLD|57=DESK|142=PAR|143=LDN|98=0|108=30|");
    expect_nothing_sent();
    EXPECT_EQ(out.disconnects, 1);
    start(acceptor_with_ids());
    in("35=A|34=1|49=TW|50=TRDR|52=<T>|56=ISLD|57=DESK|142=NY|143=FRA|98=0|108=30|");
    EXPECT_EQ(out.disconnects, 2);
}

TEST_F(identity, sub_id_mismatch_after_logon_is_rejected_as_comp_id_problem_with_logout) {
    start(acceptor_with_ids());
    in("35=A|34=1|" + std::string(peer_ids) + "98=0|108=30|");
    ASSERT_EQ(machine->state(), session_state::logged_on);
    expect_sent({"35=A|34=1|" + std::string(our_ids) + "98=0|108=30|"});
    in("35=D|34=2|49=TW|50=INTRUDER|52=<T>|56=ISLD|57=DESK|142=NY|143=LDN|" + std::string(order));
    expect_sent({"35=3|34=2|" + std::string(our_ids) + "45=2|58=CompID problem|372=D|373=9|",
                 "35=5|34=3|" + std::string(our_ids)});
    EXPECT_TRUE(out.app.empty());
    EXPECT_EQ(machine->state(), session_state::logout_sent);
    EXPECT_TRUE(out.saw(event_kind::reject_sent, "CompID problem"));
}

TEST_F(identity, location_id_mismatch_after_logon_is_rejected_as_comp_id_problem_with_logout) {
    start(acceptor_with_ids());
    in("35=A|34=1|" + std::string(peer_ids) + "98=0|108=30|");
    seen_ = out.sent.size();
    in("35=D|34=2|49=TW|50=TRDR|52=<T>|56=ISLD|57=DESK|142=NY|" + std::string(order));
    expect_sent({"35=3|34=2|" + std::string(our_ids) + "45=2|58=CompID problem|372=D|373=9|",
                 "35=5|34=3|" + std::string(our_ids)});
    EXPECT_TRUE(out.app.empty());
}

TEST_F(identity, ids_not_configured_are_not_part_of_the_identity) {
    start_acceptor();  // CompIDs only
    in("35=A|34=1|49=TW|50=ANY|52=<T>|56=ISLD|57=WHATEVER|142=X|98=0|108=30|");
    expect_sent({"9=61|35=A|34=1|49=ISLD|52=<T>|56=TW|98=0|108=30|"});
    in("35=D|34=2|49=TW|50=OTHER|52=<T>|56=ISLD|" + std::string(order));
    EXPECT_EQ(out.app.size(), 1u);
    expect_nothing_sent();
}

TEST_F(identity, initiator_writes_its_ids_on_logon_and_checks_the_answer) {
    session_settings s;
    s.role = session_role::initiator;
    s.begin_string = "FIX.4.4";
    s.sender_comp_id = "TW";
    s.target_comp_id = "ISLD";
    s.sender_sub_id = "TRDR";
    s.target_sub_id = "DESK";
    start(std::move(s));
    expect_sent({"35=A|34=1|49=TW|50=TRDR|52=<T>|56=ISLD|57=DESK|98=0|108=30|"});
    // An answer from another desk is not this session's.
    in("35=A|34=1|49=ISLD|50=DESK2|52=<T>|56=TW|57=TRDR|98=0|108=30|");
    EXPECT_EQ(out.disconnects, 1);
    machine->on_connected(now);
    expect_sent({"35=A|34=2|49=TW|50=TRDR|52=<T>|56=ISLD|57=DESK|98=0|108=30|"});
    in("35=A|34=1|49=ISLD|50=DESK|52=<T>|56=TW|57=TRDR|98=0|108=30|");
    EXPECT_EQ(machine->state(), session_state::logged_on);
}

TEST(identity_match, mirrors_sub_and_location_ids_and_counts_specificity) {
    session_settings s;
    s.sender_comp_id = "EXCH";
    s.target_comp_id = "BANK";
    EXPECT_EQ(identity_specificity(s), 0);
    const std::string a = wire("8=FIX.4.4|35=A|34=1|49=BANK|50=D1|52=<T>|56=EXCH|", t0);
    EXPECT_TRUE(is_peer_identity(s, codec::fix::message_view(a)));
    s.target_sub_id = "D1";
    EXPECT_EQ(identity_specificity(s), 1);
    EXPECT_TRUE(is_peer_identity(s, codec::fix::message_view(a)));
    s.target_sub_id = "D2";
    EXPECT_FALSE(is_peer_identity(s, codec::fix::message_view(a)));
    s.target_sub_id.clear();
    s.sender_sub_id = "X";  // the peer must write 57=X
    EXPECT_FALSE(is_peer_identity(s, codec::fix::message_view(a)));
    const std::string b = wire("8=FIX.4.4|35=A|34=1|49=BANK|52=<T>|56=EXCH|57=X|", t0);
    EXPECT_TRUE(is_peer_identity(s, codec::fix::message_view(b)));
    const std::string c = wire("8=FIX.4.4|35=A|34=1|49=FUND|52=<T>|56=EXCH|57=X|", t0);
    EXPECT_FALSE(is_peer_identity(s, codec::fix::message_view(c)));
}

}  // namespace
}  // namespace exwire::engine::fix::test
