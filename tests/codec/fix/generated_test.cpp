// Generated typed messages: builders write what views and the dictionary read back.
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "exwire/codec/fix/dictionary.hpp"
#include "exwire/codec/fix/fix42/news.hpp"
#include "exwire/codec/fix/fix44/fields.hpp"
#include "exwire/codec/fix/fix44/market_data_snapshot_full_refresh.hpp"
#include "exwire/codec/fix/fix44/new_order_single.hpp"
#include "exwire/codec/fix/fix50sp2/execution_report.hpp"
#include "fix_test_util.hpp"

using namespace exwire::codec::fix;

namespace {

std::string dictionary_path(const char* name) {
    const char* dir = std::getenv("EXWIRE_FIX_DICTIONARIES");
    return std::string(dir != nullptr ? dir : "") + "/" + name;
}

constexpr std::int64_t t0 = (20778LL * 86400 + 70202) * 1000000000LL + 123000000;

header_values header(std::uint64_t seq) {
    header_values hv;
    hv.seq_num = seq;
    hv.sending_time_ns = t0;
    return hv;
}

}  // namespace

TEST(fix_generated, exposes_tags_and_enum_values_as_constants) {
    static_assert(fix44::tag::ClOrdID == 11);
    static_assert(fix44::tag::NoMDEntries == 268);
    static_assert(fix44::values::Side::BUY == "1");
    static_assert(fix44::values::OrdType::LIMIT == "2");
    static_assert(fix44::new_order_single_view::message_type == "D");
    static_assert(fix50sp2::execution_report_view::message_type == "8");
    SUCCEED();
}

TEST(fix_generated, builder_output_reads_back_through_the_typed_view_and_validates) {
    const session_header h("FIX.4.4", "CLIENT12", "EXCH");
    std::array<std::byte, 1024> buf{};
    writer w(buf);
    fix44::new_order_single_builder b(w, h, header(7));
    b.cl_ord_id("ORD-1").side(fix44::values::Side::BUY[0]).symbol("MSFT").transact_time(t0, 3);
    b.order_qty(decimal{100, 0}).ord_type('2').price(decimal{41225, -2}).no_party_ids(1);
    fix44::groups::no_party_ids_builder(w).party_id("P1").party_id_source('D').party_role(3);
    exwire::bytes out;
    ASSERT_EQ(b.finish(out), write_status::ok);
    const std::string m(exwire::to_string_view(out));
    ASSERT_EQ(check_frame(m).status, frame_status::complete);

    const fix44::new_order_single_view v{message_view(m)};
    EXPECT_EQ(v.cl_ord_id(), "ORD-1");
    EXPECT_EQ(v.side(), '1');
    EXPECT_EQ(v.price(), (decimal{41225, -2}));
    EXPECT_EQ(v.order_qty(), (decimal{100, 0}));
    ASSERT_TRUE(v.transact_time());
    EXPECT_EQ(v.transact_time()->millis(), t0 / 1000000);
    EXPECT_FALSE(v.account());  // absent
    int parties = 0;
    for (const auto& p : v.no_party_ids_entries()) {
        EXPECT_EQ(p.party_id(), "P1");
        EXPECT_EQ(p.party_role(), 3);
        ++parties;
    }
    EXPECT_EQ(parties, 1);

    const auto d = dictionary::load(dictionary_path("FIX44.xml"));
    ASSERT_TRUE(d);
    const validation_result r = d->validate(message_view(m));
    EXPECT_TRUE(r.ok()) << to_string(r.reason) << " tag " << r.tag << " " << fix_test::bar(m);
}

TEST(fix_generated, iterates_group_entries_of_a_snapshot_with_typed_values) {
    const std::string m = fix_test::read_golden("md_snapshot_fix44.fix");
    const fix44::market_data_snapshot_full_refresh_view v{message_view(m)};
    EXPECT_EQ(v.symbol(), "EUR/USD");
    EXPECT_EQ(v.no_md_entries(), 3);
    std::vector<decimal> px;
    std::vector<char> types;
    auto entries = v.no_md_entries_entries();
    EXPECT_EQ(entries.declared_count(), 3u);
    for (const auto& e : entries) {
        px.push_back(e.md_entry_px().value_or(decimal{}));
        types.push_back(e.md_entry_type().value_or('?'));
    }
    EXPECT_EQ(px, (std::vector<decimal>{{110010, -5}, {110020, -5}, {110015, -5}}));
    EXPECT_EQ(types, (std::vector<char>{'0', '1', '2'}));
}

TEST(fix_generated, reads_nested_group_entries_within_their_parent_entry) {
    const session_header h("FIX.4.4", "CLIENT12", "EXCH");
    std::array<std::byte, 1024> buf{};
    writer w(buf);
    fix44::new_order_single_builder b(w, h, header(8));
    b.cl_ord_id("ORD-2").side('1').symbol("X").transact_time(t0).ord_type('1').no_party_ids(2);
    fix44::groups::no_party_ids_builder(w)
        .party_id("A")
        .party_id_source('D')
        .party_role(1)
        .no_party_sub_ids(2);
    fix44::groups::no_party_sub_ids_builder(w).party_sub_id("A1").party_sub_id_type(1);
    fix44::groups::no_party_sub_ids_builder(w).party_sub_id("A2").party_sub_id_type(2);
    fix44::groups::no_party_ids_builder(w).party_id("B").party_id_source('D').party_role(3);
    exwire::bytes out;
    ASSERT_EQ(b.finish(out), write_status::ok);
    const std::string m(exwire::to_string_view(out));
    const fix44::new_order_single_view v{message_view(m)};
    std::vector<std::string> seen;
    for (const auto& p : v.no_party_ids_entries()) {
        seen.emplace_back(p.party_id().value_or("?"));
        for (const auto& s : p.no_party_sub_ids_entries())
            seen.push_back("  " + std::string(s.party_sub_id().value_or("?")));
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"A", "  A1", "  A2", "B"}));
}

TEST(fix_generated, fix42_and_fix50sp2_views_read_their_versions) {
    const std::string news = fix_test::read_golden("news_raw_data_fix42.fix");
    const fix42::news_view n{message_view(news)};
    EXPECT_EQ(n.headline(), "Headline");
    EXPECT_EQ(n.raw_data(), std::string_view("ab\x01"
                                             "cd=e",
                                             7));
    int lines = 0;
    for (const auto& l : n.lines_of_text_entries()) {
        EXPECT_EQ(l.text(), "line");
        ++lines;
    }
    EXPECT_EQ(lines, 1);

    const session_header h("FIXT.1.1", "EXCH", "CLIENT12", {{1128, "9"}});
    std::array<std::byte, 1024> buf{};
    writer w(buf);
    fix50sp2::execution_report_builder b(w, h, header(3));
    b.order_id("O1").exec_id("E1").exec_type('F').ord_status('2').side('1').leaves_qty(
        decimal{0, 0});
    b.cum_qty(decimal{100, 0}).symbol("MSFT").last_px(decimal{4125, -1});
    exwire::bytes out;
    ASSERT_EQ(b.finish(out), write_status::ok);
    const std::string m(exwire::to_string_view(out));
    const fix50sp2::execution_report_view er{message_view(m)};
    EXPECT_EQ(er.exec_id(), "E1");
    EXPECT_EQ(er.last_px(), (decimal{4125, -1}));
    const auto d = dictionary::load(dictionary_path("FIX50SP2.xml"));
    ASSERT_TRUE(d);
    const validation_result r = d->validate(message_view(m));
    EXPECT_TRUE(r.ok()) << to_string(r.reason) << " tag " << r.tag << " " << fix_test::bar(m);
}

int main(int argc, char** argv) {
    if (!std::filesystem::exists(dictionary_path("FIX44.xml"))) {
        std::fprintf(stderr, "FIX dictionaries absent (EXWIRE_FIX_DICTIONARIES): skipped\n");
        return 77;
    }
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
