// Framing and field iteration of the FIX reader against golden vectors.
#include "exwire/codec/fix/reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fix_test_util.hpp"

using namespace exwire::codec::fix;
using fix_test::from_bars;
using fix_test::read_golden;

namespace {

const char* const golden_files[] = {
    "logon_fix44.fix",         "heartbeat_fixt11.fix",  "new_order_single_fix44.fix",
    "news_raw_data_fix42.fix", "md_snapshot_fix44.fix", "execution_report_wikipedia_fix42.fix",
};

std::vector<field> fields_of(std::string_view frame) {
    std::vector<field> out;
    for (const field& f : message_view(frame))
        out.push_back(f);
    return out;
}

}  // namespace

TEST(fix_reader, accepts_every_golden_vector_as_one_complete_frame) {
    for (const char* name : golden_files) {
        const std::string m = read_golden(name);
        ASSERT_FALSE(m.empty()) << name;
        const frame_result r = check_frame(m);
        EXPECT_EQ(r.status, frame_status::complete) << name << ": " << to_string(r.reason);
        EXPECT_EQ(r.length, m.size()) << name;
    }
}

TEST(fix_reader, reports_need_more_for_every_truncation_of_every_golden_vector) {
    for (const char* name : golden_files) {
        const std::string m = read_golden(name);
        for (std::size_t n = 0; n < m.size(); ++n) {
            // A copy of exactly n bytes so any read past the end is caught by ASan builds.
            const std::string part = m.substr(0, n);
            const frame_result r = check_frame(part);
            EXPECT_EQ(r.status, frame_status::need_more) << name << " cut at " << n;
        }
    }
}

TEST(fix_reader, iterates_fields_in_wire_order_with_values_in_place) {
    const std::string m = read_golden("execution_report_wikipedia_fix42.fix");
    const auto fields = fields_of(m);
    ASSERT_EQ(fields.size(), 25u);
    EXPECT_EQ(fields[0].tag, 8);
    EXPECT_EQ(fields[0].value, "FIX.4.2");
    EXPECT_EQ(fields[1].tag, 9);
    EXPECT_EQ(fields[1].value, "178");
    EXPECT_EQ(fields[2].tag, 35);
    EXPECT_EQ(fields[2].value, "8");
    EXPECT_EQ(fields[16].tag, 58);
    EXPECT_EQ(fields[16].value, "PHLX EQUITY TESTING");
    EXPECT_EQ(fields.back().tag, 10);
    EXPECT_EQ(fields.back().value, "128");
    // Values are views into the buffer, not copies.
    EXPECT_GE(fields[16].value.data(), m.data());
    EXPECT_LT(fields[16].value.data(), m.data() + m.size());
    const message_view v(m);
    EXPECT_EQ(v.begin_string(), "FIX.4.2");
    EXPECT_EQ(v.msg_type(), "8");
}

TEST(fix_reader, takes_data_fields_by_length_even_when_they_hold_soh_and_equals) {
    const std::string m = read_golden("news_raw_data_fix42.fix");
    ASSERT_EQ(check_frame(m).status, frame_status::complete);
    const message_view v(m);
    EXPECT_EQ(v.get(95), "7");
    EXPECT_EQ(v.get(96), std::string_view("ab\x01"
                                          "cd=e",
                                          7));
    EXPECT_EQ(v.get(10), "119");
}

TEST(fix_reader, finds_fields_with_and_without_hint) {
    const std::string m = read_golden("new_order_single_fix44.fix");
    const message_view v(m);
    auto it = v.find(11);
    ASSERT_NE(it, v.end());
    EXPECT_EQ(it->value, "13346");
    // Hint past the field: find wraps round.
    auto later = v.find(55, it);
    ASSERT_NE(later, v.end());
    EXPECT_EQ(later->value, "MSFT");
    auto earlier = v.find(34, later);
    ASSERT_NE(earlier, v.end());
    EXPECT_EQ(earlier->value, "215");
    EXPECT_EQ(v.find(9999, later), v.end());
    EXPECT_EQ(v.get(9999), "");
}

TEST(fix_reader, finds_repeated_group_fields_in_order_with_a_hint) {
    const std::string m = read_golden("md_snapshot_fix44.fix");
    const message_view v(m);
    std::vector<std::string_view> prices;
    auto it = v.begin();
    while ((it = v.find(270, it)) != v.end()) {
        if (!prices.empty() && it->value == prices.front()) break;  // wrapped round
        prices.push_back(it->value);
        ++it;
        if (it == v.end()) break;
    }
    EXPECT_EQ(prices, (std::vector<std::string_view>{"1.10010", "1.10020", "1.10015"}));
}

struct bad_case {
    const char* text;
    malformed_reason reason;
};

TEST(fix_reader, rejects_malformed_frames_with_the_reason) {
    const bad_case cases[] = {
        {"8=FIX.4.4|9=4|35=0|10=000|", malformed_reason::body_length_mismatch},
        {"8=FIX.4.4|9=x|35=0|10=000|", malformed_reason::bad_body_length},
        {"8=FIX.4.4|9=|35=0|10=000|", malformed_reason::bad_body_length},
        {"8=FIX.4.4|35=0|9=5|10=000|", malformed_reason::bad_body_length},
        {"8=FIX.4.4|9=5|34=0|10=000|", malformed_reason::bad_msg_type},
        {"8=FIX.4.4|9=4|35=|10=000|", malformed_reason::bad_msg_type},
        {"8=FIX.4.4|9=5|35=0|10=001|", malformed_reason::checksum_mismatch},
        {"8=FIX.4.4|9=5|35=0|10=01|8", malformed_reason::bad_checksum_format},
        {"8=FIX.4.4|9=5|35=0|10=0a1|", malformed_reason::bad_checksum_format},
        {"8=FIX.4.4|9=5|35=0|11=000|", malformed_reason::body_length_mismatch},
        {"8=FIX.4.4|9=99999999999|35=0|", malformed_reason::body_too_long},
        {"8=FIX.4.4=|9=5|35=0|10=000|", malformed_reason::bad_begin_string},
        {"garbage8=FIX.4.4|", malformed_reason::garbage},
    };
    for (const bad_case& c : cases) {
        const std::string m = from_bars(c.text);
        const frame_result r = check_frame(m);
        EXPECT_EQ(r.status, frame_status::malformed) << c.text;
        EXPECT_EQ(r.reason, c.reason) << c.text << ": got " << to_string(r.reason);
        EXPECT_GT(r.length, 0u) << c.text;
    }
}

// Builds a frame with a correct BodyLength and CheckSum around an arbitrary body, so the
// field-level checks are what fails.
std::string framed(std::string body) {
    body = from_bars(body);
    std::string m =
        "8=FIX.4.4\x01"
        "9=" +
        std::to_string(body.size()) + "\x01" + body;
    char cs[8];
    std::snprintf(cs, sizeof cs, "%03u", checksum(m));
    return m + "10=" + cs + "\x01";
}

TEST(fix_reader, rejects_field_level_errors_with_the_reason) {
    const std::pair<const char*, malformed_reason> cases[] = {
        {"35=0|x=1|", malformed_reason::bad_tag},
        {"35=0|=1|", malformed_reason::bad_tag},
        {"35=0|0=1|", malformed_reason::bad_tag},
        {"35=0|1234567890=1|", malformed_reason::bad_tag},
        {"35=0|58|", malformed_reason::missing_equals},
        {"35=0|58=|", malformed_reason::empty_value},
        {"35=0|95=9|96=abc|", malformed_reason::bad_data_length},
        {"35=0|95=x|96=abc|", malformed_reason::bad_data_length},
    };
    for (const auto& [body, reason] : cases) {
        const std::string m = framed(body);
        const frame_result r = check_frame(m);
        EXPECT_EQ(r.status, frame_status::malformed) << body;
        EXPECT_EQ(r.reason, reason) << body << ": got " << to_string(r.reason);
    }
    EXPECT_EQ(check_frame(framed("35=0|58=a b|")).status, frame_status::complete);
}

TEST(fix_reader, resynchronises_on_the_next_begin_string_after_garbage) {
    const std::string good = read_golden("logon_fix44.fix");
    const std::string corrupt = from_bars("8=FIX.4.4|9=5|35=0|10=999|");
    std::string stream = "\r\nnoise 8=FI" + corrupt + good + good.substr(0, 20);
    std::size_t pos = 0;
    int complete = 0;
    std::vector<malformed_reason> reasons;
    for (int guard = 0; guard < 100; ++guard) {
        const frame_result r = check_frame(std::string_view(stream).substr(pos));
        if (r.status == frame_status::need_more) break;
        if (r.status == frame_status::complete)
            ++complete;
        else
            reasons.push_back(r.reason);
        pos += r.length;
    }
    EXPECT_EQ(complete, 1);
    EXPECT_EQ(reasons, (std::vector<malformed_reason>{malformed_reason::garbage,
                                                      malformed_reason::checksum_mismatch}));
    EXPECT_EQ(stream.size() - pos, 20u);  // the partial next message is kept
}

TEST(fix_reader, keeps_a_trailing_partial_begin_string_when_skipping_garbage) {
    EXPECT_EQ(find_begin_string("xxxx8=F", 0), 4u);
    EXPECT_EQ(find_begin_string("xxxx8=X", 0), 7u);
    EXPECT_EQ(find_begin_string("xx8=FIX.4.2", 0), 2u);
    const frame_result r = check_frame(std::string_view("abc8=FI"));
    EXPECT_EQ(r.status, frame_status::malformed);
    EXPECT_EQ(r.length, 3u);
}
