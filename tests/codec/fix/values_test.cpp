// Typed value parsing: exact decimals, integers, times at every precision.
#include "exwire/codec/fix/values.hpp"

#include <gtest/gtest.h>

using namespace exwire::codec::fix;

TEST(fix_values, parses_signed_and_unsigned_integers_and_rejects_junk) {
    EXPECT_EQ(parse_int("0"), 0);
    EXPECT_EQ(parse_int("-42"), -42);
    EXPECT_EQ(parse_int("123456789012345678"), 123456789012345678);
    EXPECT_FALSE(parse_int(""));
    EXPECT_FALSE(parse_int("-"));
    EXPECT_FALSE(parse_int("12a"));
    EXPECT_FALSE(parse_int("1234567890123456789"));  // would overflow the check
    EXPECT_EQ(parse_uint("18446744073709551"), 18446744073709551u);
    EXPECT_FALSE(parse_uint("-1"));
    EXPECT_EQ(parse_seqnum("215"), 215u);
    EXPECT_FALSE(parse_seqnum("0"));
}

TEST(fix_values, parses_chars_and_booleans) {
    EXPECT_EQ(parse_char("1"), '1');
    EXPECT_FALSE(parse_char("12"));
    EXPECT_EQ(parse_bool("Y"), true);
    EXPECT_EQ(parse_bool("N"), false);
    EXPECT_FALSE(parse_bool("y"));
}

TEST(fix_values, parses_decimals_exactly_as_mantissa_and_exponent) {
    EXPECT_EQ(parse_decimal("5.25"), (decimal{525, -2}));
    EXPECT_EQ(parse_decimal("-0.0001"), (decimal{-1, -4}));
    EXPECT_EQ(parse_decimal("1.10010"), (decimal{110010, -5}));
    EXPECT_EQ(parse_decimal("5000"), (decimal{5000, 0}));
    EXPECT_EQ(parse_decimal("15."), (decimal{15, 0}));
    EXPECT_EQ(parse_decimal(".5"), (decimal{5, -1}));
    EXPECT_FALSE(parse_decimal(""));
    EXPECT_FALSE(parse_decimal("."));
    EXPECT_FALSE(parse_decimal("1.2.3"));
    EXPECT_FALSE(parse_decimal("1e5"));
    EXPECT_FALSE(parse_decimal("1234567890.123456789"));  // 19 digits
}

TEST(fix_values, parses_utc_timestamps_at_second_milli_micro_and_nano_precision) {
    // 2026-11-21 is 20778 days after the epoch.
    constexpr std::int64_t day = 20778LL * 86400;
    const auto s = parse_utc_timestamp("20261121-19:30:02");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->seconds(), day + 19 * 3600 + 30 * 60 + 2);
    EXPECT_EQ(s->fraction_digits, 0);
    const auto ms = parse_utc_timestamp("20261121-19:30:02.123");
    ASSERT_TRUE(ms);
    EXPECT_EQ(ms->millis(), (day + 70202) * 1000 + 123);
    EXPECT_EQ(ms->fraction_digits, 3);
    const auto us = parse_utc_timestamp("20261121-19:30:02.123456");
    ASSERT_TRUE(us);
    EXPECT_EQ(us->micros(), (day + 70202) * 1000000 + 123456);
    const auto ns = parse_utc_timestamp("20261121-19:30:02.123456789");
    ASSERT_TRUE(ns);
    EXPECT_EQ(ns->nanos, (day + 70202) * 1000000000 + 123456789);
    EXPECT_EQ(ns->fraction_digits, 9);
    EXPECT_EQ(parse_utc_timestamp("19700101-00:00:00")->nanos, 0);
    EXPECT_FALSE(parse_utc_timestamp("20261121-19:30:02."));
    EXPECT_FALSE(parse_utc_timestamp("20261121-19:30:02.1234567890"));
    EXPECT_FALSE(parse_utc_timestamp("20261121-24:00:00"));
    EXPECT_FALSE(parse_utc_timestamp("20261131-10:00:00"));
    EXPECT_FALSE(parse_utc_timestamp("20261121 10:00:00"));
    EXPECT_TRUE(parse_utc_timestamp("20161231-23:59:60"));  // leap second
}

TEST(fix_values, refuses_timestamps_whose_nanoseconds_do_not_fit_64_bits) {
    // Found by the fuzzer: year 0622 overflowed the nanosecond count.
    EXPECT_FALSE(parse_utc_timestamp("06221121-19:30:02.123456"));
    EXPECT_FALSE(parse_utc_timestamp("16771231-23:59:59"));
    EXPECT_FALSE(parse_utc_timestamp("22620101-00:00:00"));
    ASSERT_TRUE(parse_utc_timestamp("16780101-00:00:00"));
    EXPECT_LT(parse_utc_timestamp("16780101-00:00:00")->nanos, 0);
    EXPECT_TRUE(parse_utc_timestamp("22611231-23:59:59.999999999"));
}

TEST(fix_values, parses_time_only_date_only_and_month_year) {
    const auto t = parse_utc_time_only("13:20:00.5");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->nanos, (13 * 3600 + 20 * 60) * 1000000000LL + 500000000);
    EXPECT_EQ(t->millis(), (13 * 3600 + 20 * 60) * 1000LL + 500);
    EXPECT_FALSE(parse_utc_time_only("1:20:00"));
    EXPECT_EQ(parse_date("20240229"), (date{2024, 2, 29}));
    EXPECT_FALSE(parse_date("20230229"));
    EXPECT_EQ(parse_date("19700102")->days_since_epoch(), 1);
    EXPECT_EQ(parse_month_year("202612"), (month_year{2026, 12, 0, 0}));
    EXPECT_EQ(parse_month_year("20261218"), (month_year{2026, 12, 18, 0}));
    EXPECT_EQ(parse_month_year("202612w3"), (month_year{2026, 12, 0, 3}));
    EXPECT_FALSE(parse_month_year("202613"));
    EXPECT_FALSE(parse_month_year("202612w9"));
}
