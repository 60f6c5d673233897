// Validation against the FIX 4.4 dictionary (QuickFIX scenarios 2q, 14a-14i, 15, 21): each
// failure is answered with a Reject carrying RefSeqNum, RefTagID, RefMsgType,
// SessionRejectReason and QuickFIX's text, and consumes the sequence number.
#include "scenario.hpp"

namespace exwire::engine::fix::test {
namespace {

class validation : public scenario {
  protected:
    void SetUp() override {
        dict_ = fix44_dictionary();
        if (dict_ == nullptr) GTEST_SKIP() << "EXWIRE_FIX_DICTIONARIES not set";
        session_settings s;
        s.role = session_role::acceptor;
        s.sender_comp_id = "ISLD";
        s.target_comp_id = "TW";
        s.dictionary = dict_;
        start(std::move(s));
        log_on();
    }
    /// Sends an order with body `body` as 34=2 and expects the given Reject (or nothing).
    void order(std::string_view body) { in("35=D|34=2|49=TW|52=<T>|56=ISLD|" + std::string(body)); }
    void expect_reject(std::string_view tail) {
        expect_sent({"35=3|34=2|49=ISLD|52=<T>|56=TW|45=2|" + std::string(tail)});
        EXPECT_TRUE(out.app.empty());
        EXPECT_EQ(machine->next_target_seq(), 3u);
        EXPECT_EQ(out.disconnects, 0);
    }
    const codec::fix::dictionary* dict_ = nullptr;
};

constexpr std::string_view good = "11=ID|21=1|38=100|40=1|54=1|55=INTC|60=20261121-20:00:00|";

TEST_F(validation, valid_order_is_delivered) {
    order(good);
    expect_nothing_sent();
    EXPECT_EQ(out.app.size(), 1u);
}

TEST_F(validation, s2q_msg_type_not_valid) {
    in("35=*|34=2|49=TW|52=<T>|56=ISLD|");
    expect_sent({"9=86|35=3|34=2|49=ISLD|52=<T>|56=TW|45=2|58=Invalid MsgType|372=*|373=11|"});
    EXPECT_EQ(machine->next_target_seq(), 3u);
}

TEST_F(validation, s14a_bad_field_invalid_tag_number) {
    order("11=ID|21=1|38=100|40=1|54=1|55=INTC|60=20261121-20:00:00|9999=x|");
    expect_reject("58=Invalid tag number|371=9999|372=D|373=0|");
}

TEST_F(validation, s14b_required_field_missing) {
    order("21=1|38=100|40=1|54=1|55=INTC|60=20261121-20:00:00|");
    expect_reject("58=Required tag missing|371=11|372=D|373=1|");
}

TEST_F(validation, s14c_tag_not_defined_for_message_type) {
    order("11=ID|21=1|38=100|40=1|54=1|55=INTC|60=20261121-20:00:00|7=1|");
    expect_reject("58=Tag not defined for this message type|371=7|372=D|373=2|");
}

TEST_F(validation, s14d_tag_specified_without_a_value) {
    order("11=ID|21=1|38=100|40=1|54=1|55=|60=20261121-20:00:00|");
    expect_reject("58=Tag specified without a value|371=55|372=D|373=4|");
    // The sequence number is consumed: the next order is in sequence and delivered.
    in("35=D|34=3|49=TW|52=<T>|56=ISLD|" + std::string(good));
    expect_nothing_sent();
    EXPECT_EQ(out.app.size(), 1u);
}

TEST_F(validation, s14e_incorrect_enum_value) {
    order("11=ID|21=1|38=100|40=1|54=Z|55=INTC|60=20261121-20:00:00|");
    expect_reject("58=Value is incorrect (out of range) for this tag|371=54|372=D|373=5|");
}

TEST_F(validation, s14f_incorrect_data_format) {
    order("11=ID|21=1|38=abc|40=1|54=1|55=INTC|60=20261121-20:00:00|");
    expect_reject("58=Incorrect data format for value|371=38|372=D|373=6|");
}

TEST_F(validation, s14g_header_body_trailer_fields_out_of_order) {
    order("11=ID|21=1|38=100|40=1|54=1|55=INTC|60=20261121-20:00:00|115=X|");
    expect_reject("58=Tag specified out of required order|371=115|372=D|373=14|");
}

TEST_F(validation, s14h_repeated_tag) {
    order("11=ID|21=1|38=100|40=1|54=1|55=INTC|55=INTC|60=20261121-20:00:00|");
    expect_reject("58=Tag appears more than once|371=55|372=D|373=13|");
}

TEST_F(validation, s14i_repeating_group_count_not_equal) {
    order("11=ID|21=1|38=100|40=1|54=1|55=INTC|60=20261121-20:00:00|453=2|448=A|447=D|452=1|");
    expect_reject("58=Incorrect NumInGroup count for repeating group|371=453|372=D|373=16|");
}

TEST_F(validation, s15_header_and_body_fields_ordered_differently_are_accepted) {
    order("60=20261121-20:00:00|55=INTC|54=1|40=1|38=100|21=1|11=ID|");
    expect_nothing_sent();
    EXPECT_EQ(out.app.size(), 1u);
}

TEST_F(validation, s21_repeating_group_specifier_with_value_of_zero_is_accepted) {
    order("11=ID|21=1|38=100|40=1|54=1|55=INTC|60=20261121-20:00:00|453=0|");
    expect_nothing_sent();
    EXPECT_EQ(out.app.size(), 1u);
}

TEST_F(validation, reject_resent_message_then_process_the_queue_in_order) {
    in("35=1|34=3|49=TW|52=<T>|56=ISLD|112=HELLO1|");
    expect_sent({"9=58|35=2|34=2|49=ISLD|52=<T>|56=TW|7=2|16=0|"});
    in("35=D|34=2|43=Y|49=TW|52=<T>|56=ISLD|122=<T>|11=ID|21=3|38=100|40=1|54=1|55=IVP|"
       "60=20261121-20:00:00|126=20040415|");
    in("35=1|34=4|49=TW|52=<T>|56=ISLD|112=HELLO2|");
    // QuickFIX sends the first Heartbeat only when 34=4 arrives; the frames are the same.
    expect_sent(
        {"9=109|35=3|34=3|49=ISLD|52=<T>|56=TW|45=2|58=Incorrect data format for "
         "value|371=126|372=D|373=6|",
         "9=60|35=0|34=4|49=ISLD|52=<T>|56=TW|112=HELLO1|",
         "9=60|35=0|34=5|49=ISLD|52=<T>|56=TW|112=HELLO2|"});
    EXPECT_TRUE(out.app.empty());
    in("35=5|34=11|49=TW|52=<T>|56=ISLD|");
    expect_sent({"9=49|35=5|34=6|49=ISLD|52=<T>|56=TW|"});
}

}  // namespace
}  // namespace exwire::engine::fix::test
