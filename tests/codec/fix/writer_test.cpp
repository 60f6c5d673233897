// The FIX writer: header order, formatting, BodyLength/CheckSum, buffer limits.
#include "exwire/codec/fix/writer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "../../../bench/codec/fix/bench_messages.hpp"
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

std::string timestamp(std::int64_t ns, unsigned digits) {
    char text[max_timestamp_chars];
    const char* e = format_utc_timestamp(text, ns, digits);
    return std::string(text, static_cast<std::size_t>(e - text));
}

// A UTCTimestamp rendered through std::chrono's calendar and printf, for comparison.
std::string reference_timestamp(std::int64_t ns, unsigned digits) {
    using namespace std::chrono;
    const sys_time<nanoseconds> tp{nanoseconds{ns}};
    const sys_days day = floor<days>(tp);
    const year_month_day ymd{day};
    const std::int64_t in_day = (tp - day).count();
    const std::int64_t sec = in_day / 1000000000;
    char text[64];
    std::snprintf(text, sizeof text, "%04d%02u%02u-%02lld:%02lld:%02lld.%09lld",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<long long>(sec / 3600),
                  static_cast<long long>(sec / 60 % 60), static_cast<long long>(sec % 60),
                  static_cast<long long>(in_day % 1000000000));
    return std::string(text, digits == 0 ? 17 : 18 + digits);
}

// A message using every kind of field, the header with every optional part.
write_status write_every_kind(writer& w, exwire::bytes& out) {
    const session_header h("FIXT.1.1", "EXCHANGE-A", "CLIENT-1234567890",
                           {{1128, "9"}, {128, "DEST"}, {50, "SUB"}});
    header_values hv;
    hv.seq_num = 7;
    hv.sending_time_ns = t0;
    hv.time_digits = 9;
    hv.poss_dup = true;
    hv.orig_sending_time_ns = t0 - 86400000000000LL;
    w.start(h, "8", hv)
        .add(1, "ab")
        .add(2, "abc")
        .add(3, "abcdefgh")
        .add(4, "abcdefghijklmnop")
        .add(17, "0123456789abcdef0123")
        .add_int(14, -1)
        .add_int(32, -9223372036854775807LL - 1)
        .add_uint(151, 0)
        .add_uint(152, 18446744073709551615ULL)
        .add_decimal(6, decimal{-5, -3})
        .add_decimal(31, decimal{0, -4})
        .add_decimal(44, decimal{123456789, -9})
        .add_decimal(99, decimal{7, 3})
        .add_decimal(100, decimal{0, 5})
        .add_decimal(101, decimal{-999999999999999999LL, -18})
        .add_timestamp(60, t0, 6)
        .add_timestamp(62, -1, 9)
        .add_timestamp(126, t0, 0)
        .add_bool(114, false)
        .add_data(95, 96,
                  std::string_view("a\x01"
                                   "z",
                                   3))
        .add(9999999, "x")
        .add(10000000, "y")
        .add(2147483647, "z");
    return w.finish(out);
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

TEST(fix_writer, writes_the_benchmark_new_order_single_byte_for_byte) {
    // The message fix_bench encodes and decodes, written by the benchmark's own function.
    std::array<std::byte, 512> buf{};
    writer w(buf);
    exwire::bytes out;
    ASSERT_EQ(fix_bench_messages::write_new_order(w, 10000001, out), write_status::ok);
    EXPECT_EQ(bar(as_string(out)),
              "8=FIX.4.4|9=194|35=D|34=10000001|49=CLIENT12|50=DESK7|52=20261121-19:30:02.123|"
              "56=EXCH|57=ROUTER|1=ACC-7|11=ORD-10001|38=5000|40=2|44=412.25|54=1|55=MSFT|59=0|"
              "60=20261121-19:30:02.123|58=exwire benchmark order|10=046|");
    EXPECT_EQ(check_frame(as_string(out)).status, frame_status::complete);
}

TEST(fix_writer, writes_every_field_kind_byte_for_byte) {
    std::array<std::byte, 1024> buf{};
    writer w(buf);
    exwire::bytes out;
    ASSERT_EQ(write_every_kind(w, out), write_status::ok);
    EXPECT_EQ(bar(as_string(out)),
              "8=FIXT.1.1|9=469|35=8|34=7|43=Y|49=EXCHANGE-A|50=SUB|52=20261121-19:30:02.123456789|"
              "56=CLIENT-1234567890|122=20261120-19:30:02.123456789|128=DEST|1128=9|1=ab|2=abc|"
              "3=abcdefgh|4=abcdefghijklmnop|17=0123456789abcdef0123|14=-1|"
              "32=-9223372036854775808|151=0|152=18446744073709551615|6=-0.005|31=0.0000|"
              "44=0.123456789|99=7000|100=0|101=-0.999999999999999999|"
              "60=20261121-19:30:02.123456|62=19691231-23:59:59.999999999|126=20261121-19:30:02|"
              "114=N|95=3|96=a|z|9999999=x|10000000=y|2147483647=z|10=252|");
}

TEST(fix_writer, formats_timestamps_like_a_calendar_across_second_minute_day_and_year_rollovers) {
    constexpr std::int64_t s = 1000000000;
    // Seconds just before a rollover: of a minute, a day, a month, a year, a leap day, the epoch.
    const std::int64_t edges[] = {
        20778LL * 86400 + 70259,   // 2026-11-21 19:30:59
        20778LL * 86400 + 86399,   // 2026-11-21 23:59:59
        20787LL * 86400 + 86399,   // 2026-11-30 23:59:59
        20818LL * 86400 + 86399,   // 2026-12-31 23:59:59
        21243LL * 86400 + 86399,   // 2028-02-28 23:59:59
        21244LL * 86400 + 86399,   // 2028-02-29 23:59:59
        11016LL * 86400 + 86399,   // 2000-02-29 23:59:59
        -1,                        // 1969-12-31 23:59:59
        -25567LL * 86400 + 86399,  // 1900-01-01 23:59:59
    };
    const std::int64_t steps[] = {0, 1, 999, 1000, 999999, 1000000, 999999999, s - 1, s, 60 * s};
    for (const std::int64_t edge : edges) {
        std::vector<std::int64_t> times;
        for (const std::int64_t d : steps) {
            times.push_back(edge * s + d);
            times.push_back(edge * s - d);
            times.push_back(edge * s + s - 1 + d);
        }
        // Forwards, backwards and repeated, so the per-thread cache is hit and missed both ways.
        for (int pass = 0; pass < 2; ++pass) {
            for (std::size_t i = 0; i < times.size(); ++i) {
                const std::int64_t t = pass == 0 ? times[i] : times[times.size() - 1 - i];
                for (unsigned d : {0u, 3u, 6u, 9u, 9u, 3u})
                    ASSERT_EQ(timestamp(t, d), reference_timestamp(t, d)) << t << " " << d;
            }
        }
    }
}

TEST(fix_writer, formats_every_fraction_digit_position_exactly) {
    const std::int64_t base = (20778LL * 86400 + 70202) * 1000000000LL;
    std::vector<std::int64_t> fractions = {0, 1, 9, 10, 99999999, 100000000, 999999999};
    for (std::int64_t f = 0; f < 1000000000; f += 99991)
        fractions.push_back(f);
    for (std::int64_t f = 1; f < 1000000000; f *= 10) {
        fractions.push_back(f - 1);
        fractions.push_back(9 * f);
        fractions.push_back(5 * f + 1);
    }
    for (const std::int64_t f : fractions) {
        char nine[16];
        std::snprintf(nine, sizeof nine, "%09lld", static_cast<long long>(f));
        const std::string date = "20261121-19:30:02";
        ASSERT_EQ(timestamp(base + f, 9), date + "." + nine) << f;
        ASSERT_EQ(timestamp(base + f, 6), date + "." + std::string(nine, 6)) << f;
        ASSERT_EQ(timestamp(base + f, 3), date + "." + std::string(nine, 3)) << f;
        ASSERT_EQ(timestamp(base + f, 0), date) << f;
    }
}

TEST(fix_writer, keeps_each_threads_timestamp_cache_apart) {
    const std::int64_t a = t0;
    const std::int64_t b = t0 + 86400LL * 1000000000 + 1000000000;
    bool other_ok = true;
    std::thread other([&] {
        for (int i = 0; i < 20000; ++i)
            other_ok = other_ok && timestamp(b + i, 3) == "20261122-19:30:03.123";
    });
    bool own_ok = true;
    for (int i = 0; i < 20000; ++i)
        own_ok = own_ok && timestamp(a + i, 3) == "20261121-19:30:02.123";
    other.join();
    EXPECT_TRUE(other_ok);
    EXPECT_TRUE(own_ok);
}

TEST(fix_writer, reports_too_small_at_every_cut_of_every_field_kind_and_never_writes_past_it) {
    std::array<std::byte, 1024> big{};
    writer full(big);
    exwire::bytes ref;
    ASSERT_EQ(write_every_kind(full, ref), write_status::ok);
    const std::string expected = as_string(ref);
    const std::size_t end = static_cast<std::size_t>(ref.data() + ref.size() - big.data());
    // The writer checks room for a field's longest rendering before writing it, so a buffer
    // up to a few dozen bytes longer than the message may still be reported too small.
    constexpr std::size_t slack = 64;
    for (std::size_t n = 0; n <= end + slack; ++n) {
        std::array<std::byte, 1024> buf;
        buf.fill(std::byte{0xAA});
        writer w(std::span<std::byte>(buf.data(), n));
        exwire::bytes out;
        const write_status st = write_every_kind(w, out);
        if (n < end) {
            ASSERT_EQ(st, write_status::too_small) << n;
        } else if (n == end + slack) {
            ASSERT_EQ(st, write_status::ok) << n;
        }
        if (st == write_status::ok) {
            EXPECT_EQ(as_string(out), expected) << n;
        }
        for (std::size_t i = n; i < buf.size(); ++i)
            ASSERT_EQ(buf[i], std::byte{0xAA}) << n << " " << i;
    }
}
