// Interop with QuickFIX 1.15: exwire reads QuickFIX-built messages field for field, and
// exwire-written messages pass QuickFIX's parsing with dictionary validation on.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "exwire/codec/fix/dictionary.hpp"
#include "exwire/codec/fix/reader.hpp"
#include "exwire/codec/fix/values.hpp"
#include "exwire/codec/fix/writer.hpp"
#include "../../../bench/codec/fix/bench_messages.hpp"
#include "fix_test_util.hpp"
#include "quickfix_peer.hpp"

using namespace exwire::codec::fix;

namespace {

std::string dictionary_file(const char* name) {
    const char* dir = std::getenv("EXWIRE_FIX_DICTIONARIES");
    return std::string(dir != nullptr ? dir : "") + "/" + name;
}

using pairs = std::vector<std::pair<int, std::string>>;

pairs sorted(pairs p) {
    std::sort(p.begin(), p.end());
    return p;
}

// 2026-11-21 19:30:02.123 UTC
constexpr std::int64_t t0 = (20778LL * 86400 + 70202) * 1000000000LL + 123000000;

std::string text(exwire::bytes b) {
    return std::string(exwire::to_string_view(b));
}

header_values header(std::uint64_t seq) {
    header_values hv;
    hv.seq_num = seq;
    hv.sending_time_ns = t0;
    hv.time_digits = 3;
    return hv;
}

}  // namespace

TEST(fix_interop_quickfix, reads_quickfix_built_messages_field_for_field) {
    const auto samples = qf_peer::build_samples();
    ASSERT_EQ(samples.size(), 5u);
    for (const auto& s : samples) {
        const frame_result r = check_frame(s.wire);
        ASSERT_EQ(r.status, frame_status::complete) << s.name << ": " << to_string(r.reason) << "\n"
                                                    << fix_test::bar(s.wire);
        EXPECT_EQ(r.length, s.wire.size()) << s.name;
        pairs ours;
        for (const field& f : message_view(s.wire))
            ours.emplace_back(f.tag, std::string(f.value));
        pairs theirs;
        for (const auto& tv : s.fields)
            theirs.emplace_back(tv.tag, tv.value);
        EXPECT_EQ(sorted(ours), sorted(theirs)) << s.name << "\n" << fix_test::bar(s.wire);
    }
}

TEST(fix_interop_quickfix, reads_typed_values_quickfix_wrote) {
    const auto samples = qf_peer::build_samples();
    const message_view nos(samples[0].wire);
    EXPECT_EQ(parse_decimal(nos.get(44)), (decimal{41225, -2}));
    EXPECT_EQ(parse_decimal(nos.get(38)), (decimal{5000, 0}));
    EXPECT_EQ(parse_char(nos.get(54)), '1');
    EXPECT_EQ(parse_seqnum(nos.get(34)), 215u);
    const auto tt = parse_utc_timestamp(nos.get(60));
    ASSERT_TRUE(tt) << nos.get(60);
    EXPECT_EQ(tt->millis(), t0 / 1000000);
    const message_view news(samples[4].wire);
    EXPECT_EQ(news.get(96), std::string_view("ab\x01"
                                             "cd=e",
                                             7));
}

TEST(fix_interop_quickfix, exwire_written_messages_pass_quickfix_validation) {
    const session_header h44("FIX.4.4", "CLIENT12", "EXCH");
    const session_header h42("FIX.4.2", "CLIENT12", "EXCH");
    std::array<std::byte, 2048> buf{};
    exwire::bytes out;
    struct written {
        const char* name;
        const char* dict;
        std::string wire;
    };
    std::vector<written> all;

    writer w(buf);
    // The NewOrderSingle the FIX benchmarks decode and encode (session header with SubIDs,
    // Text), so QuickFIX's validation also covers exactly what the benchmarks measure.
    ASSERT_EQ(fix_bench_messages::write_new_order(w, 215, out), write_status::ok);
    all.push_back({"NewOrderSingle", "FIX44.xml", text(out)});

    w.start(h44, "8", header(3))
        .add_decimal(6, decimal{995, -1})
        .add(11, "ORD-9")
        .add_uint(14, 200)
        .add(17, "E-77")
        .add_decimal(31, decimal{995, -1})
        .add_uint(32, 200)
        .add(37, "EX-1")
        .add_char(39, '1')
        .add_char(54, '2')
        .add(55, "IBM")
        .add(58, "partial fill")
        .add_char(150, 'F')
        .add_uint(151, 300);
    ASSERT_EQ(w.finish(out), write_status::ok);
    all.push_back({"ExecutionReport", "FIX44.xml", text(out)});

    w.start(h44, "W", header(4)).add(55, "EUR/USD").add(262, "MD-1").add_uint(268, 10);
    for (int i = 0; i < 10; ++i) {
        w.add_char(269, i % 2 == 0 ? '0' : '1')
            .add_decimal(270, decimal{110000 + i, -5})
            .add_uint(271, 1000000 + static_cast<unsigned>(i) * 1000);
    }
    ASSERT_EQ(w.finish(out), write_status::ok);
    all.push_back({"MarketDataSnapshotFullRefresh", "FIX44.xml", text(out)});

    w.start(h44, "A", header(1)).add_uint(98, 0).add_uint(108, 30).add_bool(141, true);
    ASSERT_EQ(w.finish(out), write_status::ok);
    all.push_back({"Logon", "FIX44.xml", text(out)});

    w.start(h44, "0", header(2));
    ASSERT_EQ(w.finish(out), write_status::ok);
    all.push_back({"Heartbeat", "FIX44.xml", text(out)});

    w.start(h42, "B", header(9))
        .add_uint(33, 1)
        .add(58, "trading halted")
        .add_data(95, 96,
                  std::string_view("ab\x01"
                                   "cd=e",
                                   7))
        .add(148, "Halt");
    ASSERT_EQ(w.finish(out), write_status::ok);
    all.push_back({"News with RawData", "FIX42.xml", text(out)});

    for (const auto& m : all) {
        EXPECT_EQ(qf_peer::validate(dictionary_file(m.dict), m.wire), "")
            << m.name << ": " << fix_test::bar(m.wire);
    }
}

TEST(fix_interop_quickfix, quickfix_rejects_exwire_messages_that_break_the_dictionary) {
    // Negative controls: the validation above can fail.
    const session_header h("FIX.4.4", "CLIENT12", "EXCH");
    std::array<std::byte, 1024> buf{};
    exwire::bytes out;
    writer w(buf);
    w.start(h, "D", header(5)).add(11, "X").add_char(40, '1').add_timestamp(60, t0, 3);  // no 54
    ASSERT_EQ(w.finish(out), write_status::ok);
    EXPECT_NE(qf_peer::validate(dictionary_file("FIX44.xml"), text(out)), "");
    w.start(h, "D", header(6))
        .add(11, "X")
        .add_char(40, 'Z')
        .add_char(54, '1')
        .add_timestamp(60, t0, 3);
    ASSERT_EQ(w.finish(out), write_status::ok);
    EXPECT_NE(qf_peer::validate(dictionary_file("FIX44.xml"), text(out)), "");
    w.start(h, "W", header(7)).add(55, "X").add_uint(268, 3).add_char(269, '0').add(270, "1");
    ASSERT_EQ(w.finish(out), write_status::ok);
    EXPECT_NE(qf_peer::validate(dictionary_file("FIX44.xml"), text(out)), "");
}

TEST(fix_interop_quickfix, exwire_validation_agrees_with_quickfix_on_reason_and_tag) {
    const session_header h("FIX.4.4", "CLIENT12", "EXCH");
    std::array<std::byte, 2048> buf{};
    auto nos = [](writer& w) -> writer& {
        return w.add(11, "A")
            .add_char(21, '1')
            .add(55, "MSFT")
            .add_char(54, '1')
            .add_timestamp(60, t0, 3)
            .add_uint(38, 100)
            .add_char(40, '2')
            .add_decimal(44, decimal{1025, -2});
    };
    struct case_ {
        const char* what;
        std::function<void(writer&)> body;
        const char* type;
    };
    const case_ cases[] = {
        {"valid", [&](writer& w) { nos(w); }, "D"},
        {"unknown tag", [&](writer& w) { nos(w).add(4999, "x"); }, "D"},
        {"tag not in message", [&](writer& w) { nos(w).add(108, "30"); }, "D"},
        {"required missing",
         [](writer& w) { w.add(11, "A").add(55, "X").add_timestamp(60, t0, 3).add_char(40, '1'); },
         "D"},
        {"enum out of range", [&](writer& w) { nos(w).add_char(59, 'Z'); }, "D"},
        {"bad int", [](writer& w) { w.add(98, "zero").add_uint(108, 30); }, "A"},
        {"bad timestamp",
         [](writer& w) {
             w.add(11, "A")
                 .add_char(21, '1')
                 .add_char(54, '1')
                 .add(55, "X")
                 .add(60, "2026-11-21")
                 .add_char(40, '1');
         },
         "D"},
        {"repeated tag", [&](writer& w) { nos(w).add(55, "IBM"); }, "D"},
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
         "W"},
        {"group ok",
         [](writer& w) {
             w.add(55, "X")
                 .add_uint(268, 2)
                 .add_char(269, '0')
                 .add(270, "1")
                 .add_char(269, '1')
                 .add(270, "2");
         },
         "W"},
        {"unknown msg type", [](writer& w) { w.add(58, "x"); }, "ZZ"},
    };
    const auto d = dictionary::load(dictionary_file("FIX44.xml"));
    ASSERT_TRUE(d);
    for (const case_& c : cases) {
        writer w(buf);
        w.start(h, c.type, header(10));
        c.body(w);
        exwire::bytes out;
        ASSERT_EQ(w.finish(out), write_status::ok);
        const std::string m = text(out);
        const validation_result ours = d->validate(message_view(m));
        const qf_peer::verdict theirs = qf_peer::validate_detail(dictionary_file("FIX44.xml"), m);
        const int our_reason = ours.ok() ? -1 : static_cast<int>(ours.reason);
        EXPECT_EQ(our_reason, theirs.reason) << c.what << ": QuickFIX said " << theirs.text << "\n"
                                             << fix_test::bar(m);
        if (!ours.ok() && theirs.tag != 0) {
            EXPECT_EQ(ours.tag, theirs.tag) << c.what << ": " << theirs.text;
        }
    }
}

int main(int argc, char** argv) {
    if (!std::filesystem::exists(dictionary_file("FIX44.xml"))) {
        std::fprintf(stderr, "FIX dictionaries absent (EXWIRE_FIX_DICTIONARIES): skipped\n");
        return 77;
    }
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
