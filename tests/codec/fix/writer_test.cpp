// The FIX writer: header order, formatting, BodyLength/CheckSum, buffer limits.
#include "exwire/codec/fix/writer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "exwire/codec/fix/values.hpp"
#include "fix_test_util.hpp"

using namespace exwire::codec::fix;
using fix_test::bar;
using fix_test::read_golden;

namespace {

// 2026-11-21 19:30:02.123456789 UTC
constexpr std::int64_t t0 = (20778LL * 86400 + 70202) * 1000000000LL + 123456789;

std::string as_string(exwire::bytes b) {
    return std::string(exwire::to_string_view(b));
}

}  // namespace

TEST(fix_writer, writes_the_golden_new_order_single_byte_for_byte) {
    const session_header h("FIX.4.4", "CLIENT12", "B");
    std::array<std::byte, 512> buf{};
    writer w(buf);
    header_values hv;
    hv.seq_num = 215;
    hv.sending_time_ns = t0 - 789;
    hv.time_digits = 6;
    w.start(h, "D", hv)
        .add(11, "13346")
        .add_char(21, '1')
        .add_char(40, '2')
        .add_decimal(44, decimal{525, -2})
        .add_char(54, '1')
        .add(55, "MSFT")
        .add_uint(38, 5000)
        .add_char(59, '0')
        .add_timestamp(60, t0, 3);
    exwire::bytes out;
    ASSERT_EQ(w.finish(out), write_status::ok);
    EXPECT_EQ(bar(as_string(out)), bar(read_golden("new_order_single_fix44.fix")));
}

TEST(fix_writer, orders_header_fields_as_quickfix_does) {
    const session_header h("FIX.4.4", "S", "T",
                           {{128, "DEST"}, {50, "SUB"}, {115, "OBO"}, {57, "TSUB"}});
    std::array<std::byte, 512> buf{};
    writer w(buf);
    header_values hv;
    hv.seq_num = 9;
    hv.sending_time_ns = t0;
    hv.time_digits = 0;
    hv.poss_dup = true;
    hv.orig_sending_time_ns = t0 - 1000000000;
    w.start(h, "0", hv);
    exwire::bytes out;
    ASSERT_EQ(w.finish(out), write_status::ok);
    const std::string s = bar(as_string(out));
    EXPECT_EQ(s.substr(0, s.rfind("10=")),
              "8=FIX.4.4|9=100|35=0|34=9|43=Y|49=S|50=SUB|52=20261121-19:30:02|56=T|57=TSUB|"
              "115=OBO|122=20261121-19:30:01|128=DEST|");
    EXPECT_EQ(check_frame(as_string(out)).status, frame_status::complete);
}

TEST(fix_writer, formats_integers_decimals_and_timestamps_exactly) {
    std::array<std::byte, 512> buf{};
    writer w(buf);
    w.start_raw("FIX.4.2", "8")
        .add_int(1, -9223372036854775807LL - 1)
        .add_uint(2, 18446744073709551615ULL)
        .add_decimal(3, decimal{-5, -3})
        .add_decimal(4, decimal{12, 2})
        .add_decimal(5, decimal{0, 0})
        .add_timestamp(6, t0, 9)
        .add_timestamp(7, 0, 3)
        .add_bool(9000, true)
        .add_data(95, 96,
                  std::string_view("a\x01"
                                   "b",
                                   3));
    exwire::bytes out;
    ASSERT_EQ(w.finish(out), write_status::ok);
    const std::string s = as_string(out);
    ASSERT_EQ(check_frame(s).status, frame_status::complete);
    const message_view v(s);
    EXPECT_EQ(v.get(1), "-9223372036854775808");
    EXPECT_EQ(v.get(2), "18446744073709551615");
    EXPECT_EQ(v.get(3), "-0.005");
    EXPECT_EQ(v.get(4), "1200");
    EXPECT_EQ(v.get(5), "0");
    EXPECT_EQ(v.get(6), "20261121-19:30:02.123456789");
    EXPECT_EQ(v.get(7), "19700101-00:00:00.000");
    EXPECT_EQ(v.get(9000), "Y");
    EXPECT_EQ(v.get(96), std::string_view("a\x01"
                                          "b",
                                          3));
}

TEST(fix_writer, round_trips_timestamps_through_the_parser_at_every_precision) {
    for (std::int64_t t = -86400LL * 1000000000; t < 4102444800LL * 1000000000;
         t += 7777777777777777LL) {
        for (unsigned d : {0u, 3u, 6u, 9u}) {
            char text[max_timestamp_chars];
            const char* e = format_utc_timestamp(text, t, d);
            const auto parsed =
                parse_utc_timestamp(std::string_view(text, static_cast<std::size_t>(e - text)));
            ASSERT_TRUE(parsed) << std::string_view(text, static_cast<std::size_t>(e - text));
            std::int64_t unit = 1000000000;
            for (unsigned k = 0; k < d; ++k)
                unit /= 10;
            const std::int64_t floored = (t >= 0 ? t / unit : -((-t + unit - 1) / unit)) * unit;
            EXPECT_EQ(parsed->nanos, floored);
        }
    }
}

TEST(fix_writer, reports_too_small_for_every_short_buffer_and_never_writes_past_it) {
    const session_header h("FIX.4.4", "CLIENT12", "B");
    header_values hv;
    hv.seq_num = 1;
    hv.sending_time_ns = t0;
    std::array<std::byte, 256> big{};
    writer full(big);
    full.start(h, "D", hv).add(11, "abc").add_decimal(44, decimal{1, -1});
    exwire::bytes ref;
    ASSERT_EQ(full.finish(ref), write_status::ok);
    const std::size_t needed = static_cast<std::size_t>(ref.data() + ref.size() - big.data());
    for (std::size_t n = 0; n < needed; ++n) {
        std::array<std::byte, 300> buf;
        buf.fill(std::byte{0xAA});
        writer w(std::span<std::byte>(buf.data(), n));
        w.start(h, "D", hv).add(11, "abc").add_decimal(44, decimal{1, -1});
        exwire::bytes out;
        EXPECT_EQ(w.finish(out), write_status::too_small) << n;
        for (std::size_t i = n; i < buf.size(); ++i)
            ASSERT_EQ(buf[i], std::byte{0xAA}) << n;
    }
}
