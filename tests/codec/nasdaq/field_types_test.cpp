// Field types: wire encodings and text conversion (the TypeDefinition.to_str/from_str pair).
#include <exwire/codec/nasdaq/field_types.hpp>

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "golden.hpp"

namespace nq = exwire::codec::nasdaq;

template <typename T>
std::string str(typename T::value_type v) {
    std::string s;
    T::to_str(s, v);
    return s;
}

TEST(field_types, integers_use_little_endian_unless_named_be) {
    std::array<std::byte, 8> b{};
    nq::uint_4::store(b.data(), 0x01020304u);
    EXPECT_EQ(exwire_test::to_hex({b.data(), 4}), "04030201");
    nq::uint_4_be::store(b.data(), 0x01020304u);
    EXPECT_EQ(exwire_test::to_hex({b.data(), 4}), "01020304");
    nq::int_2::store(b.data(), -2);
    EXPECT_EQ(exwire_test::to_hex({b.data(), 2}), "feff");
    EXPECT_EQ(nq::int_2_be::load(exwire_test::hex("fffe").data()), -2);
    nq::int_8_be::store(b.data(), -1);
    EXPECT_EQ(nq::uint_8_be::load(b.data()), ~std::uint64_t{0});
    EXPECT_EQ(nq::int_8::load(exwire_test::hex("0100000000000080").data()), INT64_MIN + 1);
    EXPECT_EQ(nq::uint_2_be::load(exwire_test::hex("ffff").data()), 65535);
}

TEST(field_types, integer_text_round_trips_and_rejects_out_of_range) {
    std::int16_t s = 0;
    EXPECT_TRUE(nq::int_2::from_str("-32768", s));
    EXPECT_EQ(str<nq::int_2>(s), "-32768");
    EXPECT_FALSE(nq::int_2::from_str("32768", s));
    std::uint32_t u = 0;
    EXPECT_FALSE(nq::uint_4_be::from_str("-1", u));
    EXPECT_FALSE(nq::uint_4_be::from_str("12x", u));
    EXPECT_FALSE(nq::uint_4_be::from_str("", u));
    std::uint8_t by = 0;
    EXPECT_TRUE(nq::byte_type::from_str("255", by));
    EXPECT_EQ(str<nq::byte_type>(by), "255");
    EXPECT_FALSE(nq::byte_type::from_str("256", by));
}

TEST(field_types, boolean_is_one_byte_and_text_is_true_false) {
    std::array<std::byte, 1> b{};
    nq::boolean::store(b.data(), true);
    EXPECT_EQ(b[0], std::byte{1});
    EXPECT_TRUE(nq::boolean::load(b.data()));
    EXPECT_EQ(str<nq::boolean>(true), "True");
    bool v = false;
    EXPECT_TRUE(nq::boolean::from_str("1", v));
    EXPECT_TRUE(v);
    EXPECT_TRUE(nq::boolean::from_str("False", v));
    EXPECT_FALSE(v);
    EXPECT_FALSE(nq::boolean::from_str("maybe", v));
}

TEST(field_types, fixed_strings_pad_left_or_right_justified_and_trim_on_load) {
    std::array<std::byte, 8> b{};
    nq::fixed_string<8>::store(b.data(), "AAPL");
    EXPECT_EQ(exwire_test::to_hex(b), "4141504c20202020");
    EXPECT_EQ(nq::fixed_string<8>::load(b.data()), "AAPL");
    nq::fixed_string<8, true>::store(b.data(), "135");
    EXPECT_EQ(exwire_test::to_hex(b), "2020202020313335");
    EXPECT_EQ((nq::fixed_string<8, true>::load(b.data())), "135");
    // right-justified fields also accept left-justified or NUL-padded input
    const auto left = exwire_test::hex("3133350000202020");
    EXPECT_EQ((nq::fixed_string<8, true>::load(left.data())), "135");
    nq::fixed_string<4>::store(b.data(), "TOOLONG");
    EXPECT_EQ(nq::fixed_string<4>::load(b.data()), "TOOL");
    std::string_view v;
    EXPECT_FALSE(nq::fixed_string<4>::from_str("TOOLONG", v));
}

// load() of short left-justified fields trims with word arithmetic: it must agree with a
// byte-by-byte trim for every mix of padding (space, NUL), text and high-bit bytes.
template <std::size_t N>
void check_trim_matches_bytewise() {
    constexpr unsigned char alphabet[] = {' ', 0, 'A', '1', 0xa0, 0x80, 0xff, 0x7f, 0x21, 0x1f};
    std::uint64_t x = 88172645463325252ull;
    for (int iter = 0; iter < 20000; ++iter) {
        std::array<std::byte, N> b{};
        for (auto& c : b) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            c = static_cast<std::byte>(alphabet[x % sizeof alphabet]);
        }
        std::string_view want(reinterpret_cast<const char*>(b.data()), N);
        while (!want.empty() && (want.back() == ' ' || want.back() == '\0'))
            want.remove_suffix(1);
        ASSERT_EQ(nq::fixed_string<N>::load(b.data()), want) << exwire_test::to_hex(b);
    }
}

TEST(field_types, short_fixed_string_trim_agrees_with_bytewise_trim) {
    check_trim_matches_bytewise<1>();
    check_trim_matches_bytewise<4>();
    check_trim_matches_bytewise<8>();
    check_trim_matches_bytewise<10>();  // longer fields keep the byte loop
}

TEST(field_types, length_prefixed_string_uses_int16_little_endian_length) {
    const auto b = exwire_test::hex("0300 616263");
    EXPECT_EQ(nq::prefixed_string::load(b.data()), "abc");
    EXPECT_EQ(nq::prefixed_string::length_at(b.data()), 3u);
}

TEST(field_types, timestamps_render_as_time_of_day_with_nanoseconds) {
    EXPECT_EQ(str<nq::timestamp_6>(34200000070384u), "09:30:00.000070384");
    EXPECT_EQ(str<nq::timestamp_8>(44647483486087u), "12:24:07.483486087");
    EXPECT_EQ(str<nq::timestamp_8>(0), "00:00:00.000000000");
    std::uint64_t v = 0;
    EXPECT_TRUE(nq::timestamp_8::from_str("12:24:07.483486087", v));
    EXPECT_EQ(v, 44647483486087u);
    EXPECT_TRUE(nq::timestamp_6::from_str("09:30:00.5", v));
    EXPECT_EQ(v, 34200500000000u);
    EXPECT_TRUE(nq::timestamp_6::from_str("123", v));
    EXPECT_EQ(v, 123u);
    EXPECT_FALSE(nq::timestamp_6::from_str("09:60:00", v));
    EXPECT_FALSE(nq::timestamp_6::from_str("09:30:00.1234567890", v));
    std::array<std::byte, 6> b{};
    nq::timestamp_6::store(b.data(), 0x1f1aced9f07bu);
    EXPECT_EQ(exwire_test::to_hex(b), "1f1aced9f07b");
}

TEST(field_types, prices_have_implied_decimals_in_text) {
    EXPECT_EQ(str<nq::price_4_4>(1234500), "123.4500");
    EXPECT_EQ(str<nq::price_4_4>(0x77359400), "200000.0000");
    EXPECT_EQ(str<nq::price_8_4>(4777800), "477.7800");
    EXPECT_EQ(str<nq::price_8_8>(100000000), "1.00000000");
    EXPECT_EQ(str<nq::sprice_4_4>(-15), "-0.0015");
    EXPECT_EQ(str<nq::sprice_4_4>(INT32_MIN), "-214748.3648");
    std::uint32_t p = 0;
    EXPECT_TRUE(nq::price_4_4::from_str("63.02", p));
    EXPECT_EQ(p, 630200u);
    EXPECT_TRUE(nq::price_4_4::from_str("7", p));
    EXPECT_EQ(p, 70000u);
    EXPECT_TRUE(nq::price_4_4::from_str("429496.7295", p));
    EXPECT_EQ(p, 4294967295u);
    EXPECT_FALSE(nq::price_4_4::from_str("429496.7296", p));
    EXPECT_FALSE(nq::price_4_4::from_str("1.23456", p));
    EXPECT_FALSE(nq::price_4_4::from_str("-1", p));
    EXPECT_FALSE(nq::price_4_4::from_str("1.2x", p));
    std::int32_t sp = 0;
    EXPECT_TRUE(nq::sprice_4_4::from_str("-214748.3648", sp));
    EXPECT_EQ(sp, INT32_MIN);
    EXPECT_FALSE(nq::sprice_4_4::from_str("214748.3648", sp));
}

TEST(field_types, chars_are_single_bytes) {
    char c = 0;
    EXPECT_TRUE(nq::char_ascii::from_str("B", c));
    EXPECT_EQ(c, 'B');
    EXPECT_FALSE(nq::char_ascii::from_str("BS", c));
    EXPECT_EQ(nq::fixed_size_of(nq::field_kind::timestamp_6), 6u);
    EXPECT_EQ(nq::fixed_size_of(nq::field_kind::price_8_4), 8u);
    EXPECT_EQ(nq::fixed_size_of(nq::field_kind::str_ascii), 0u);
}
