// OUCH 5.0: golden bytes for every inbound and outbound message (decode and encode), the real
// capture bytes, optional Appendage Length handling, TagValue appendages, truncation.
#include <exwire/codec/nasdaq/ouch50.hpp>
#include <exwire/codec/nasdaq/ouch_tags.hpp>

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>
#include <vector>

#include "golden.hpp"

namespace nq = exwire::codec::nasdaq;
namespace ouch = exwire::codec::nasdaq::ouch50;
using exwire_test::hex;

namespace {

struct golden {
    nq::direction dir;
    std::string text;
    std::string wire;
};

// Shared values: Timestamp 12:24:07.483486087, UserRefNum 7682701, 40 ADBE @ 477.7800,
// ClOrdId 7682701, Firm MLRO, order reference 257340661, match 255547.
#define TS "0000289b4d64af87"
#define TS_T "Timestamp=\"12:24:07.483486087\""
#define URN "00753a8d"
#define CLORD "37363832373031 20202020202020"

std::vector<golden> goldens() {
    using d = nq::direction;
    return {
        // inbound: real Enter Order bytes from a capture
        {d::incoming,
         "EnterOrder{UserRefNum=113, Side=\"T\", Quantity=225, Symbol=\"CVLT\", Price=63.0200, "
         "TimeInForce=\"0\", Display=\"Y\", Capacity=\"A\", InterMarketSweepEligibility=\"N\", "
         "CrossType=\"N\", ClOrdId=\"H8FUB8IV\", Appendage=\"05024c494d45\"}",
         "4f 00000071 54 000000e1 43564c5420202020 0000000000099db8 30 59 41 4e 4e "
         "4838465542384956202020202020 0006 05024c494d45"},
        {d::incoming,
         "ReplaceOrder{OrigUserRefNum=7682700, UserRefNum=7682701, Quantity=40, Price=477.7800, "
         "TimeInForce=\"0\", Display=\"Y\", InterMarketSweepEligibility=\"N\", "
         "ClOrdId=\"7682701\", "
         "Appendage=\"\"}",
         "55 00753a8c " URN " 00000028 000000000048e748 30 59 4e " CLORD " 0000"},
        {d::incoming, "CancelOrder{UserRefNum=7679601, Quantity=0}", "58 00752e71 00000000"},
        {d::incoming, "CancelOrder{UserRefNum=7679601, Quantity=0, Appendage=\"021c01\"}",
         "58 00752e71 00000000 0003 021c01"},
        {d::incoming, "ModifyOrder{UserRefNum=7682701, Side=\"E\", Quantity=20}",
         "4d " URN " 45 00000014"},
        {d::incoming,
         "MassCancel{UserRefNum=7682701, Firm=\"MLRO\", Symbol=\"ADBE\", Appendage=\"021b42\"}",
         "43 " URN " 4d4c524f 4144424520202020 0003 021b42"},
        {d::incoming, "DisableOrderEntry{UserRefNum=7682701, Firm=\"MLRO\", Appendage=\"\"}",
         "44 " URN " 4d4c524f 0000"},
        {d::incoming, "EnableOrderEntry{UserRefNum=7682701, Firm=\"MLRO\", Appendage=\"\"}",
         "45 " URN " 4d4c524f 0000"},
        {d::incoming, "AccountQuery{}", "51"},
        {d::incoming, "AccountQuery{Appendage=\"\"}", "51 0000"},
        // outbound
        {d::outgoing, "SystemEvent{" TS_T ", EventCode=\"S\"}", "53 " TS " 53"},
        // real Order Accepted bytes from a capture
        {d::outgoing,
         "OrderAccepted{" TS_T ", UserRefNum=7682701, Side=\"B\", Quantity=40, Symbol=\"ADBE\", "
         "Price=477.7800, TimeInForce=\"5\", Display=\"Y\", OrderReferenceNumber=257340661, "
         "Capacity=\"A\", InterMarketSweepEligibility=\"N\", CrossType=\"N\", OrderState=\"L\", "
         "ClOrdId=\"7682701\", Appendage=\"05024d4c524f021230\"}",
         "41 " TS " " URN " 42 00000028 4144424520202020 000000000048e748 35 59 000000000f56b4f5 "
         "41 4e 4e 4c " CLORD " 0009 05024d4c524f 021230"},
        {d::outgoing,
         "OrderReplaced{" TS_T ", OrigUserRefNum=7682700, UserRefNum=7682701, Side=\"B\", "
         "Quantity=40, Symbol=\"ADBE\", Price=477.7800, TimeInForce=\"0\", Display=\"Y\", "
         "OrderReferenceNumber=257340661, Capacity=\"A\", InterMarketSweepEligibility=\"N\", "
         "CrossType=\"N\", OrderState=\"L\", ClOrdId=\"7682701\", Appendage=\"\"}",
         "55 " TS " 00753a8c " URN " 42 00000028 4144424520202020 000000000048e748 30 59 "
         "000000000f56b4f5 41 4e 4e 4c " CLORD " 0000"},
        // real Order Canceled bytes (no Appendage Length)
        {d::outgoing,
         "OrderCanceled{Timestamp=\"12:24:07.483708183\", UserRefNum=7682701, Quantity=40, "
         "Reason=\"U\"}",
         "43 0000289b4d681317 " URN " 00000028 55"},
        {d::outgoing,
         "AiqCanceled{" TS_T ", UserRefNum=7682701, DecrementShares=40, Reason=\"Q\", "
         "QuantityPreventedFromTrading=40, ExecutionPrice=477.7800, LiquidityFlag=\"A\", "
         "AiqStrategy=\"O\", Appendage=\"\"}",
         "44 " TS " " URN " 00000028 51 00000028 000000000048e748 41 4f 0000"},
        {d::outgoing,
         "OrderExecuted{" TS_T ", UserRefNum=7682701, Quantity=40, Price=477.7800, "
         "LiquidityFlag=\"R\", MatchNumber=255547, Appendage=\"\"}",
         "45 " TS " " URN " 00000028 000000000048e748 52 000000000003e63b 0000"},
        {d::outgoing,
         "BrokenTrade{" TS_T ", UserRefNum=7682701, MatchNumber=255547, Reason=\"E\", "
         "ClOrdId=\"7682701\"}",
         "42 " TS " " URN " 000000000003e63b 45 " CLORD},
        {d::outgoing, "Rejected{" TS_T ", UserRefNum=7682701, Reason=23, ClOrdId=\"7682701\"}",
         "4a " TS " " URN " 0017 " CLORD},
        {d::outgoing, "CancelPending{" TS_T ", UserRefNum=7682701}", "50 " TS " " URN},
        {d::outgoing, "CancelReject{" TS_T ", UserRefNum=7682701, Appendage=\"021c02\"}",
         "49 " TS " " URN " 0003 021c02"},
        {d::outgoing,
         "OrderPriorityUpdate{" TS_T ", UserRefNum=7682701, Price=477.7800, Display=\"Y\", "
         "OrderReferenceNumber=257340661}",
         "54 " TS " " URN " 000000000048e748 59 000000000f56b4f5"},
        {d::outgoing, "OrderModified{" TS_T ", UserRefNum=7682701, Side=\"T\", Quantity=20}",
         "4d " TS " " URN " 54 00000014"},
        {d::outgoing,
         "OrderRestated{" TS_T ", UserRefNum=7682701, Reason=\"R\", Appendage=\"051600000064\"}",
         "52 " TS " " URN " 52 0006 051600000064"},
        {d::outgoing,
         "MassCancelResponse{" TS_T
         ", UserRefNum=7682701, Firm=\"MLRO\", Symbol=\"\", Appendage=\"\"}",
         "58 " TS " " URN " 4d4c524f 2020202020202020 0000"},
        {d::outgoing,
         "DisableOrderEntryResponse{" TS_T ", UserRefNum=7682701, Firm=\"MLRO\", Appendage=\"\"}",
         "47 " TS " " URN " 4d4c524f 0000"},
        {d::outgoing,
         "EnableOrderEntryResponse{" TS_T ", UserRefNum=7682701, Firm=\"MLRO\", Appendage=\"\"}",
         "4b " TS " " URN " 4d4c524f 0000"},
        {d::outgoing, "AccountQueryResponse{" TS_T ", NextUserRefNum=7682702, Appendage=\"\"}",
         "51 " TS " 00753a8e 0000"},
    };
}

template <typename F>
nq::visit_status visit_dir(nq::direction d, exwire::bytes b, F&& f) {
    return d == nq::direction::incoming ? ouch::visit_incoming(b, f) : ouch::visit_outgoing(b, f);
}

}  // namespace

TEST(ouch50, golden_table_covers_every_message_of_both_directions) {
    std::set<std::string> seen;
    for (const auto& g : goldens())
        seen.insert(g.text.substr(0, g.text.find('{')) +
                    (g.dir == nq::direction::incoming ? "<" : ">"));
    EXPECT_EQ(seen.size(), std::size(ouch::messages));
    EXPECT_EQ(std::size(ouch::messages), 8u + 17u);
}

TEST(ouch50, golden_bytes_decode_to_golden_text_and_back) {
    for (const auto& g : goldens()) {
        const auto wire = hex(g.wire);
        auto text = nq::to_text(ouch::set, wire, g.dir);
        ASSERT_TRUE(text.ok()) << g.text << ": " << text.err().message;
        EXPECT_EQ(*text, g.text);
        std::array<std::byte, 128> out{};
        auto n = nq::from_text(ouch::set, g.text, out, g.dir);
        ASSERT_TRUE(n.ok()) << g.text << ": " << n.err().message;
        EXPECT_EQ(exwire_test::to_hex({out.data(), *n}), exwire_test::to_hex(wire)) << g.text;
    }
}

TEST(ouch50, generated_builders_reencode_every_golden_byte_for_byte) {
    for (const auto& g : goldens()) {
        const auto wire = hex(g.wire);
        std::array<std::byte, 128> out{};
        std::size_t written = 0;
        const auto s = visit_dir(g.dir, wire, [&]<typename V>(V v) {
            auto r = typename V::message_type::builder(out).assign(v).finish();
            ASSERT_TRUE(r.ok());
            written = r.size;
        });
        ASSERT_EQ(s, nq::visit_status::ok) << g.text;
        EXPECT_EQ(exwire_test::to_hex({out.data(), written}), exwire_test::to_hex(wire)) << g.text;
    }
}

TEST(ouch50, enter_order_builder_matches_the_captured_bytes) {
    std::array<std::byte, 64> out{};
    const auto firm = hex("05024c494d45");
    auto r = ouch::enter_order::builder(out)
                 .user_ref_num(113)
                 .side('T')
                 .quantity(225)
                 .symbol("CVLT")
                 .price(630200)
                 .time_in_force('0')
                 .display('Y')
                 .capacity('A')
                 .inter_market_sweep_eligibility('N')
                 .cross_type('N')
                 .cl_ord_id("H8FUB8IV")
                 .appendage(firm)
                 .finish();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(exwire_test::to_hex({out.data(), r.size}),
              exwire_test::to_hex(hex(goldens()[0].wire)));
    // without an appendage the message is the 47-byte fixed part with length 0
    auto r2 = ouch::enter_order::builder(out).user_ref_num(1).finish();
    ASSERT_TRUE(r2.ok());
    EXPECT_EQ(r2.size, 47u);
}

TEST(ouch50, order_accepted_view_and_appendage_tags) {
    const auto wire = hex(goldens()[11].wire);
    ASSERT_EQ(ouch::order_accepted::check(wire), nq::visit_status::ok);
    const ouch::order_accepted::view v(wire);
    EXPECT_EQ(v.timestamp(), 44647483486087u);
    EXPECT_EQ(v.user_ref_num(), 7682701u);
    EXPECT_EQ(v.side(), 'B');
    EXPECT_EQ(v.quantity(), 40u);
    EXPECT_EQ(v.symbol(), "ADBE");
    EXPECT_EQ(v.price(), 4777800u);
    EXPECT_EQ(v.order_reference_number(), 257340661u);
    EXPECT_EQ(v.order_state(), 'L');
    EXPECT_EQ(v.cl_ord_id(), "7682701");
    std::vector<std::pair<int, std::string>> tags;
    ASSERT_EQ(nq::ouch_tags::for_each(v.appendage(),
                                      [&](std::uint8_t tag, exwire::bytes value) {
                                          tags.emplace_back(
                                              tag, std::string(exwire::to_string_view(value)));
                                      }),
              nq::frame_status::complete);
    ASSERT_EQ(tags.size(), 2u);
    EXPECT_EQ(tags[0], (std::pair<int, std::string>{2, "MLRO"}));
    EXPECT_EQ(tags[1], (std::pair<int, std::string>{18, "0"}));
}

TEST(ouch50, optional_appendage_length_may_be_absent) {
    const auto cancel = hex("58 00752e71 00000000");
    ASSERT_EQ(ouch::cancel_order::check(cancel), nq::visit_status::ok);
    EXPECT_FALSE(ouch::cancel_order::view(cancel).has_appendage());
    EXPECT_TRUE(ouch::cancel_order::view(cancel).appendage().empty());
    std::array<std::byte, 16> out{};
    auto r = ouch::cancel_order::builder(out)
                 .user_ref_num(7679601)
                 .quantity(0)
                 .omit_appendage()
                 .finish();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(exwire_test::to_hex({out.data(), r.size}), exwire_test::to_hex(cancel));
    // 10 bytes: one byte of a length field is neither form
    const auto bad = hex("58 00752e71 00000000 00");
    EXPECT_EQ(ouch::visit_incoming(bad, [](auto) {}), nq::visit_status::truncated);
}

TEST(ouch50, appendage_running_past_the_message_is_truncated) {
    const auto wire = hex("45 00753a8d 4d4c524f 0005 0202");
    EXPECT_EQ(ouch::visit_incoming(wire, [](auto) {}), nq::visit_status::truncated);
    EXPECT_FALSE(nq::to_text(ouch::set, wire, nq::direction::incoming).ok());
}

TEST(ouch50, visit_reports_truncated_for_every_short_prefix) {
    for (const auto& g : goldens()) {
        const auto wire = hex(g.wire);
        for (std::size_t n = 0; n < wire.size(); ++n) {
            std::vector<std::byte> cut(wire.begin(), wire.begin() + static_cast<long>(n));
            int calls = 0;
            const auto s = visit_dir(g.dir, cut, [&](auto) { ++calls; });
            // a shorter prefix is either truncated or (for optional tails) a valid shorter form
            if (s == nq::visit_status::ok) {
                EXPECT_EQ(calls, 1);
            } else {
                EXPECT_EQ(s, nq::visit_status::truncated) << g.text << " n=" << n;
                EXPECT_EQ(calls, 0);
            }
        }
    }
}

TEST(ouch50, the_same_type_byte_means_different_messages_per_direction) {
    const auto q_in = hex("51");
    int in_calls = 0;
    EXPECT_EQ(ouch::visit_incoming(q_in, [&](ouch::account_query::view) { ++in_calls; }),
              nq::visit_status::ok);
    EXPECT_EQ(in_calls, 1);
    EXPECT_EQ(ouch::visit_outgoing(q_in, [](auto) {}), nq::visit_status::truncated);
    EXPECT_EQ(ouch::visit_incoming(hex("5a 00"), [](auto) {}), nq::visit_status::unknown_type);
}

TEST(ouch_tags, malformed_elements_are_reported) {
    int n = 0;
    auto count = [&](std::uint8_t, exwire::bytes) { ++n; };
    EXPECT_EQ(nq::ouch_tags::for_each(hex("05 02 4c49"), count), nq::frame_status::malformed);
    EXPECT_EQ(nq::ouch_tags::for_each(hex("00"), count), nq::frame_status::malformed);
    EXPECT_EQ(nq::ouch_tags::for_each(hex(""), count), nq::frame_status::complete);
    EXPECT_EQ(n, 0);
    std::array<std::byte, 16> out{};
    std::size_t pos = nq::ouch_tags::append(out, 0, 2, exwire::to_bytes("LIME"));
    EXPECT_EQ(exwire_test::to_hex({out.data(), pos}), "05024c494d45");
    EXPECT_EQ(nq::ouch_tags::append(std::span(out).first(8), pos, 2, exwire::to_bytes("LIME")), 0u);
}
