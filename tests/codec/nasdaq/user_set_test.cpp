// A user-defined message set in Nasdaq's XML format, generated at build time like exwire's
// own sets: enums, fielddefs, records, count-prefixed arrays, LE integers, prefixed strings.
#include "example_quote.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "golden.hpp"

namespace nq = exwire::codec::nasdaq;
namespace eq = exwire::codec::nasdaq::example_quote;
using exwire_test::hex;

namespace {
const char* quote_wire =
    "51 2a000000 01 0200 42 1a04000000000000 00000064 53 fbffffffffffffff 00000001 0400 41434331 "
    "09";
const char* quote_text =
    "Quote{OrderBookId=42, Active=True, Sides=[{Side=\"B\", Price=1050, Quantity=100}, "
    "{Side=\"S\", Price=-5, Quantity=1}], Account=\"ACC1\", Tag=9}";
const char* status_wire =
    "52 2a000000 0700 42 1a04000000000000 00000064 0002 0100 ffff 0100 e9 20202037";
const char* status_text =
    "QuoteStatus{OrderBookId=42, Status=7, Best={Side=\"B\", Price=1050, Quantity=100}, "
    "Levels=[1, -1], Text=\"\\xe9\", Code=\"7\"}";
}  // namespace

TEST(user_set, golden_bytes_decode_to_text_and_text_encodes_to_golden_bytes) {
    for (auto [w, t, d] : {std::tuple{quote_wire, quote_text, nq::direction::incoming},
                           std::tuple{status_wire, status_text, nq::direction::outgoing},
                           std::tuple{"50", "Ping{}", nq::direction::incoming}}) {
        const auto wire = hex(w);
        auto text = nq::to_text(eq::set, wire, d);
        ASSERT_TRUE(text.ok()) << text.err().message;
        EXPECT_EQ(*text, t);
        std::array<std::byte, 128> out{};
        auto n = nq::from_text(eq::set, t, out, d);
        ASSERT_TRUE(n.ok()) << n.err().message;
        EXPECT_EQ(exwire_test::to_hex({out.data(), *n}), exwire_test::to_hex(wire));
    }
}

TEST(user_set, views_read_arrays_records_enums_and_fields_after_variable_ones) {
    const auto wire = hex(quote_wire);
    ASSERT_EQ(eq::quote::check(wire), nq::visit_status::ok);
    const eq::quote::view v(wire);
    EXPECT_EQ(v.order_book_id(), 42u);
    EXPECT_TRUE(v.active());
    ASSERT_EQ(v.sides().size(), 2u);
    EXPECT_EQ(v.sides()[0].side(), eq::enum_side::bid);
    EXPECT_EQ(v.sides()[0].price(), 1050);
    EXPECT_EQ(v.sides()[1].side(), eq::enum_side::ask);
    EXPECT_EQ(v.sides()[1].price(), -5);
    EXPECT_EQ(v.sides()[1].quantity(), 1u);
    EXPECT_EQ(v.account(), "ACC1");
    EXPECT_EQ(v.tag(), 9);

    const auto sw = hex(status_wire);
    ASSERT_EQ(eq::quote_status::check(sw), nq::visit_status::ok);
    const eq::quote_status::view s(sw);
    EXPECT_EQ(s.status(), eq::enum_quote_status::rejected);
    EXPECT_EQ(s.best().quantity(), 100u);
    ASSERT_EQ(s.levels().size(), 2u);
    EXPECT_EQ(s.levels()[1], -1);
    EXPECT_EQ(s.text(), "\xe9");
    EXPECT_EQ(s.code(), "7");
}

TEST(user_set, builder_writes_variable_fields_in_order) {
    std::array<std::byte, 32> rec{};
    auto r1 = eq::quote_side::builder(std::span(rec).first(13))
                  .side(eq::enum_side::bid)
                  .price(1050)
                  .quantity(100)
                  .finish();
    auto r2 = eq::quote_side::builder(std::span(rec).subspan(13, 13))
                  .side(eq::enum_side::ask)
                  .price(-5)
                  .quantity(1)
                  .finish();
    ASSERT_TRUE(r1.ok());
    ASSERT_TRUE(r2.ok());
    std::array<std::byte, 64> out{};
    auto r = eq::quote::builder(out)
                 .order_book_id(42)
                 .active(true)
                 .sides(2, std::span(rec).first(26))
                 .account("ACC1")
                 .tag(9)
                 .finish();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(exwire_test::to_hex({out.data(), r.size}), exwire_test::to_hex(hex(quote_wire)));
    // too small for the variable part: reported, nothing past the span written
    std::array<std::byte, 40> small{};
    small.fill(std::byte{0xEE});
    auto bad =
        eq::quote::builder(std::span(small).first(20)).sides(2, std::span(rec).first(26)).finish();
    EXPECT_EQ(bad.status, nq::encode_status::too_small);
    for (std::size_t i = 20; i < small.size(); ++i)
        EXPECT_EQ(small[i], std::byte{0xEE});
}

TEST(user_set, visit_dispatches_per_direction_and_reports_truncation) {
    const auto wire = hex(quote_wire);
    int quotes = 0;
    EXPECT_EQ(eq::visit_incoming(wire, [&](eq::quote::view) { ++quotes; }), nq::visit_status::ok);
    EXPECT_EQ(quotes, 1);
    EXPECT_EQ(eq::visit_outgoing(wire, [](auto) {}), nq::visit_status::unknown_type);
    for (std::size_t n = 0; n < wire.size(); ++n) {
        std::vector<std::byte> cut(wire.begin(), wire.begin() + static_cast<long>(n));
        EXPECT_EQ(eq::visit_incoming(cut, [](auto) {}), nq::visit_status::truncated) << n;
        EXPECT_FALSE(nq::to_text(eq::set, cut, nq::direction::incoming).ok());
    }
    // negative string length
    const auto neg = hex("51 2a000000 01 0000 ffff 09");
    EXPECT_EQ(eq::visit_incoming(neg, [](auto) {}), nq::visit_status::malformed);
}
