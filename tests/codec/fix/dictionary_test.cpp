// Loading QuickFIX-format dictionaries and validating messages against them.
#include "exwire/codec/fix/dictionary.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

#include "exwire/codec/fix/writer.hpp"
#include "fix_test_util.hpp"

using namespace exwire::codec::fix;

namespace {

std::string dictionary_path(const char* name) {
    const char* dir = std::getenv("EXWIRE_FIX_DICTIONARIES");
    return std::string(dir != nullptr ? dir : "") + "/" + name;
}

const dictionary& fix44() {
    static const dictionary d = *dictionary::load(dictionary_path("FIX44.xml"));
    return d;
}

const dictionary& fix42() {
    static const dictionary d = *dictionary::load(dictionary_path("FIX42.xml"));
    return d;
}

constexpr std::int64_t t0 = (20778LL * 86400 + 70202) * 1000000000LL + 123000000;

// Writes a FIX 4.4 message with a valid session header and `body` written by the callback.
std::string write44(std::string_view type, const std::function<void(writer&)>& body) {
    static const session_header h("FIX.4.4", "CLIENT12", "EXCH");
    static std::array<std::byte, 4096> buf;
    writer w(buf);
    header_values hv;
    hv.seq_num = 2;
    hv.sending_time_ns = t0;
    w.start(h, type, hv);
    body(w);
    exwire::bytes out;
    if (w.finish(out) != write_status::ok) return {};
    return std::string(exwire::to_string_view(out));
}

validation_result check(const dictionary& d, const std::string& m) {
    EXPECT_EQ(check_frame(m).status, frame_status::complete) << fix_test::bar(m);
    return d.validate(message_view(m));
}

void new_order_body(writer& w) {
    w.add(11, "ORD-1").add_char(21, '1').add(55, "MSFT").add_char(54, '1').add_timestamp(60, t0, 3);
    w.add_uint(38, 100).add_char(40, '2').add_decimal(44, decimal{1025, -2});
}

}  // namespace

TEST(fix_dictionary, loads_the_four_quickfix_dictionaries) {
    struct expect {
        const char* file;
        const char* begin_string;
        std::size_t messages;
    };
    for (const expect& e :
         {expect{"FIX42.xml", "FIX.4.2", 46}, expect{"FIX43.xml", "FIX.4.3", 68},
          expect{"FIX44.xml", "FIX.4.4", 93}, expect{"FIX50SP2.xml", "FIXT.1.1", 163}}) {
        const auto d = dictionary::load(dictionary_path(e.file));
        ASSERT_TRUE(d) << d.err().message;
        EXPECT_EQ(d->begin_string(), e.begin_string) << e.file;
        EXPECT_EQ(d->messages().size(), e.messages) << e.file;
        ASSERT_NE(d->message("D"), nullptr) << e.file;
        EXPECT_EQ(d->message("D")->name, "NewOrderSingle");
        ASSERT_NE(d->field(55), nullptr);
        EXPECT_EQ(d->field(55)->name, "Symbol");
        EXPECT_EQ(d->value_name(54, "1"), "BUY");
    }
    // FIX 5.0 SP2 carries the FIXT 1.1 session layer (header, trailer, admin messages).
    const auto d50 = dictionary::load(dictionary_path("FIX50SP2.xml"));
    ASSERT_NE(d50->message("A"), nullptr);
    EXPECT_TRUE(d50->message("A")->admin);
    EXPECT_GE(d50->header().find(1128), 0);  // ApplVerID
}

TEST(fix_dictionary, reports_load_errors_with_a_message) {
    EXPECT_FALSE(dictionary::load("/nonexistent/FIX44.xml"));
    EXPECT_FALSE(
        dictionary::load_string("<fix major='4' minor='4'><messages><message name='X' msgtype='X'>"
                                "<field name='Nope' required='Y'/></message></messages></fix>"));
    EXPECT_FALSE(dictionary::load_string("<notfix/>"));
}

TEST(fix_dictionary, accepts_valid_messages_and_golden_vectors) {
    EXPECT_TRUE(check(fix44(), write44("D", new_order_body)).ok());
    EXPECT_TRUE(check(fix44(), fix_test::read_golden("logon_fix44.fix")).ok());
    EXPECT_TRUE(check(fix44(), fix_test::read_golden("md_snapshot_fix44.fix")).ok());
    // The well-known example execution report omits MsgSeqNum: framing accepts it, the
    // dictionary names the missing tag.
    const auto r = check(fix42(), fix_test::read_golden("execution_report_wikipedia_fix42.fix"));
    EXPECT_EQ(r.reason, reject_reason::required_tag_missing);
    EXPECT_EQ(r.tag, 34);
    const auto news = check(fix42(), fix_test::read_golden("news_raw_data_fix42.fix"));
    EXPECT_TRUE(news.ok()) << to_string(news.reason) << " tag " << news.tag;
}

struct bad {
    const char* what;
    std::function<void(writer&)> body;
    const char* type;
    reject_reason reason;
    int tag;
};

TEST(fix_dictionary, names_tag_and_reason_for_each_quickfix_category) {
    const bad cases[] = {
        {"unknown tag",
         [](writer& w) {
             new_order_body(w);
             w.add(4999, "x");
         },
         "D", reject_reason::invalid_tag_number, 4999},
        {"tag not in message",
         [](writer& w) {
             new_order_body(w);
             w.add(108, "30");
         },
         "D", reject_reason::tag_not_defined_for_message, 108},
        {"required missing",
         [](writer& w) { w.add(11, "A").add(55, "X").add_timestamp(60, t0, 3).add_char(40, '1'); },
         "D", reject_reason::required_tag_missing, 54},
        {"enum out of range",
         [](writer& w) {
             new_order_body(w);
             w.add_char(59, 'Z');
         },
         "D", reject_reason::value_out_of_range, 59},
        {"bad int", [](writer& w) { w.add(98, "zero").add_uint(108, 30); }, "A",
         reject_reason::incorrect_data_format, 98},
        {"bad price",
         [](writer& w) {
             new_order_body(w);
             w.add(99, "1.2.3");
         },
         "D", reject_reason::incorrect_data_format, 99},
        {"bad timestamp",
         [](writer& w) {
             w.add(11, "A").add_char(54, '1').add(60, "2026-11-21").add_char(40, '1');
         },
         "D", reject_reason::incorrect_data_format, 60},
        {"repeated tag",
         [](writer& w) {
             new_order_body(w);
             w.add(55, "IBM");
         },
         "D", reject_reason::tag_appears_more_than_once, 55},
        {"header in body",
         [](writer& w) {
             new_order_body(w);
             w.add(50, "SUB");
         },
         "D", reject_reason::tag_out_of_order, 50},
        {"unknown msg type", [](writer& w) { w.add(58, "x"); }, "ZZ",
         reject_reason::invalid_msg_type, 35},
        {"group count",
         [](writer& w) {
             w.add(55, "X")
                 .add_uint(268, 2)
                 .add_char(269, '0')
                 .add(270, "1")
                 .add_char(269, '1')
                 .add(270, "2")
                 .add_char(269, '2')
                 .add(270, "3");
         },
         "W", reject_reason::group_count_mismatch, 268},
        {"group delimiter",
         [](writer& w) { w.add(55, "X").add_uint(268, 1).add(270, "1").add_char(269, '0'); }, "W",
         reject_reason::group_fields_out_of_order, 270},
        {"group required member",
         [](writer& w) {
             w.add(55, "X").add_uint(268, 1).add_char(269, '0').add(270, "1");
             w.add_uint(146, 1).add_char(269, '0');  // not in W: ends the group, then fails
         },
         "W", reject_reason::tag_not_defined_for_message, 146},
        {"nested group count",
         [](writer& w) {
             new_order_body(w);
             w.add_uint(453, 1)
                 .add(448, "P1")
                 .add_char(447, 'D')
                 .add_uint(452, 1)
                 .add_uint(802, 2)
                 .add(523, "S1")
                 .add_uint(803, 1);
         },
         "D", reject_reason::group_count_mismatch, 802},
    };
    for (const bad& c : cases) {
        const std::string m = write44(c.type, c.body);
        ASSERT_FALSE(m.empty()) << c.what;
        const validation_result r = check(fix44(), m);
        EXPECT_EQ(r.reason, c.reason)
            << c.what << ": got " << to_string(r.reason) << " tag " << r.tag << "\n"
            << fix_test::bar(m);
        EXPECT_EQ(r.tag, c.tag) << c.what;
    }
}

TEST(fix_dictionary, resolves_nested_groups_and_accepts_correct_counts) {
    const std::string m = write44("D", [](writer& w) {
        new_order_body(w);
        w.add_uint(453, 2);
        w.add(448, "P1").add_char(447, 'D').add_uint(452, 1).add_uint(802, 2);
        w.add(523, "S1").add_uint(803, 1).add(523, "S2").add_uint(803, 2);
        w.add(448, "P2").add_char(447, 'D').add_uint(452, 3);
    });
    const validation_result r = check(fix44(), m);
    EXPECT_TRUE(r.ok()) << to_string(r.reason) << " tag " << r.tag;
    EXPECT_EQ(check(fix44(), write44("0", [](writer&) {})).reason, reject_reason::none);
}

TEST(fix_dictionary, rejects_a_begin_string_of_another_version) {
    const std::string m = fix_test::read_golden("news_raw_data_fix42.fix");
    const validation_result r = check(fix44(), m);
    EXPECT_EQ(r.reason, reject_reason::value_out_of_range);
    EXPECT_EQ(r.tag, 8);
}

int main(int argc, char** argv) {
    if (!std::filesystem::exists(dictionary_path("FIX44.xml"))) {
        std::fprintf(stderr, "FIX dictionaries absent (EXWIRE_FIX_DICTIONARIES): skipped\n");
        return 77;
    }
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
