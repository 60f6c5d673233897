// ITCH 5.0: golden bytes for all 23 message types (decode and encode), typed views, visit,
// text/JSON round trips and truncated buffers.
#include <exwire/codec/nasdaq/itch50.hpp>

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "golden.hpp"

namespace nq = exwire::codec::nasdaq;
namespace itch = exwire::codec::nasdaq::itch50;
using exwire_test::hex;

namespace {

// Common header of every golden: locate 258, tracking 3, 09:30:00.000000123.
constexpr const char* hdr = "0102 0003 1f1aced9f07b";
constexpr const char* hdr_text =
    "StockLocate=258, TrackingNumber=3, Timestamp=\"09:30:00.000000123\"";

struct golden {
    const char* name;
    std::string text;  // fields after the header
    std::string wire;  // after type byte and header
    char type;
};

std::vector<golden> goldens() {
    return {
        {"SystemEvent", "EventCode=\"Q\"", "51", 'S'},
        {"StockDirectory",
         "Stock=\"AAPL\", MarketCategory=\"Q\", FinancialStatusIndicator=\"N\", RoundLotSize=100, "
         "RoundLotsOnly=\"N\", IssueClassification=\"C\", IssueSubType=\"Z\", Authenticity=\"P\", "
         "ShortSaleThresholdIndicator=\"N\", IpoFlag=\"N\", LuldReferencePriceTier=\"1\", "
         "EtpFlag=\"N\", EtpLeverageFactor=0, InverseIndicator=\"N\"",
         "4141504c20202020 51 4e 00000064 4e 43 5a20 50 4e 4e 31 4e 00000000 4e", 'R'},
        {"StockTradingAction", "Stock=\"AMC\", TradingState=\"T\", Reserved=\" \", Reason=\"LUDP\"",
         "414d432020202020 54 20 4c554450", 'H'},
        {"RegShoRestriction", "Stock=\"SOPA\", RegShoAction=\"1\"", "534f504120202020 31", 'Y'},
        {"MarketParticipantPosition",
         "Mpid=\"MAXM\", Stock=\"FGMC\", PrimaryMarketMaker=\"Y\", MarketMakerMode=\"N\", "
         "MarketParticipantState=\"A\"",
         "4d41584d 46474d4320202020 59 4e 41", 'L'},
        {"MwcbDeclineLevel", "Level1=3000.12345678, Level2=0.00000000, Level3=1.00000000",
         "00000045da21194e 0000000000000000 0000000005f5e100", 'V'},
        {"MwcbStatus", "BreachedLevel=\"1\"", "31", 'W'},
        {"IpoQuotingPeriodUpdate",
         "Stock=\"ABCD\", IpoQuotationReleaseTime=34200, IpoQuotationReleaseQualifier=\"A\", "
         "IpoPrice=10.0000",
         "4142434420202020 00008598 41 000186a0", 'K'},
        {"LuldAuctionCollar",
         "Stock=\"ZVZZT\", AuctionCollarReferencePrice=10.0000, UpperAuctionCollarPrice=11.0000, "
         "LowerAuctionCollarPrice=9.0000, AuctionCollarExtension=1",
         "5a565a5a54202020 000186a0 0001adb0 00015f90 00000001", 'J'},
        {"OperationalHalt", "Stock=\"AAPL\", MarketCode=\"Q\", OperationalHaltAction=\"H\"",
         "4141504c20202020 51 48", 'h'},
        {"AddOrder",
         "OrderReferenceNumber=123456789012345, BuySellIndicator=\"B\", Shares=100, "
         "Stock=\"AAPL\", Price=123.4500",
         "00007048860ddf79 42 00000064 4141504c20202020 0012d644", 'A'},
        {"AddOrderMpid",
         "OrderReferenceNumber=123456789012345, BuySellIndicator=\"S\", Shares=100, "
         "Stock=\"AAPL\", Price=123.4500, Attribution=\"GSCO\"",
         "00007048860ddf79 53 00000064 4141504c20202020 0012d644 4753434f", 'F'},
        {"OrderExecuted",
         "OrderReferenceNumber=123456789012345, ExecutedShares=25, MatchNumber=255547",
         "00007048860ddf79 00000019 000000000003e63b", 'E'},
        {"OrderExecutedWithPrice",
         "OrderReferenceNumber=123456789012345, ExecutedShares=25, MatchNumber=255547, "
         "Printable=\"Y\", ExecutionPrice=123.4500",
         "00007048860ddf79 00000019 000000000003e63b 59 0012d644", 'C'},
        {"OrderCancel", "OrderReferenceNumber=123456789012345, CancelledShares=100",
         "00007048860ddf79 00000064", 'X'},
        {"OrderDelete", "OrderReferenceNumber=123456789012345", "00007048860ddf79", 'D'},
        {"OrderReplace",
         "OriginalOrderReferenceNumber=15108479, NewOrderReferenceNumber=21361351, Shares=100, "
         "Price=106.2600",
         "0000000000e6897f 000000000145f2c7 00000064 001036c8", 'U'},
        {"Trade",
         "OrderReferenceNumber=0, BuySellIndicator=\"B\", Shares=100, Stock=\"GOOGL\", "
         "Price=123.4500, MatchNumber=255547",
         "0000000000000000 42 00000064 474f4f474c202020 0012d644 000000000003e63b", 'P'},
        {"CrossTrade",
         "Shares=5577, Stock=\"PTGX\", CrossPrice=19.5600, MatchNumber=255547, CrossType=\"O\"",
         "00000000000015c9 5054475820202020 0002fc10 000000000003e63b 4f", 'Q'},
        {"BrokenTrade", "MatchNumber=255547", "000000000003e63b", 'B'},
        {"Noii",
         "PairedShares=1, ImbalanceShares=0, ImbalanceDirection=\"N\", Stock=\"MDC\", "
         "FarPrice=46.4400, NearPrice=46.4400, CurrentReferencePrice=46.4400, CrossType=\"O\", "
         "PriceVariationIndicator=\"L\"",
         "0000000000000001 0000000000000000 4e 4d44432020202020 00071610 00071610 00071610 4f 4c",
         'I'},
        {"Rpii", "Stock=\"AAPL\", InterestFlag=\"B\"", "4141504c20202020 42", 'N'},
        {"Dlcr",
         "Stock=\"ABCD\", OpenEligibilityStatus=\"Y\", MinimumAllowablePrice=9.0000, "
         "MaximumAllowablePrice=11.0000, NearExecutionPrice=10.0000, "
         "NearExecutionTime=34200000000123, LowerPriceRangeCollar=9.5000, "
         "UpperPriceRangeCollar=10.5000",
         "4142434420202020 59 00015f90 0001adb0 000186a0 00001f1aced9f07b 00017318 00019a28", 'O'},
    };
}

std::vector<std::byte> wire_of(const golden& g) {
    char t[3];
    const char* d = "0123456789abcdef";
    t[0] = d[static_cast<unsigned char>(g.type) >> 4];
    t[1] = d[static_cast<unsigned char>(g.type) & 15];
    t[2] = 0;
    return hex(std::string(t) + hdr + g.wire);
}

std::string text_of(const golden& g) {
    return std::string(g.name) + "{" + hdr_text + ", " + g.text + "}";
}

}  // namespace

TEST(itch50, golden_table_covers_all_23_message_types_with_their_lengths) {
    const auto gs = goldens();
    ASSERT_EQ(gs.size(), 23u);
    ASSERT_EQ(std::size(itch::messages), 23u);
    for (const auto& g : gs) {
        const auto* m = nq::find_message(itch::set, static_cast<std::uint8_t>(g.type));
        ASSERT_NE(m, nullptr) << g.name;
        EXPECT_EQ(m->name, g.name);
        EXPECT_EQ(wire_of(g).size(), m->min_size) << g.name;
    }
}

TEST(itch50, golden_bytes_decode_to_golden_text_and_text_encodes_to_golden_bytes) {
    for (const auto& g : goldens()) {
        const auto wire = wire_of(g);
        auto text = nq::to_text(itch::set, wire);
        ASSERT_TRUE(text.ok()) << g.name << ": " << text.err().message;
        EXPECT_EQ(*text, text_of(g));
        std::array<std::byte, 64> out{};
        auto n = nq::from_text(itch::set, text_of(g), out);
        ASSERT_TRUE(n.ok()) << g.name << ": " << n.err().message;
        EXPECT_EQ(exwire_test::to_hex({out.data(), *n}), exwire_test::to_hex(wire)) << g.name;
    }
}

TEST(itch50, generated_builder_reencodes_every_golden_message_byte_for_byte) {
    for (const auto& g : goldens()) {
        const auto wire = wire_of(g);
        std::array<std::byte, 64> out{};
        std::size_t written = 0;
        const auto s = itch::visit(wire, [&]<typename V>(V v) {
            auto r = typename V::message_type::builder(out).assign(v).finish();
            ASSERT_TRUE(r.ok());
            written = r.size;
        });
        ASSERT_EQ(s, nq::visit_status::ok) << g.name;
        EXPECT_EQ(exwire_test::to_hex({out.data(), written}), exwire_test::to_hex(wire)) << g.name;
    }
}

TEST(itch50, add_order_view_reads_fields_at_spec_offsets) {
    const auto wire = wire_of(goldens()[10]);
    ASSERT_EQ(itch::add_order::check(wire), nq::visit_status::ok);
    const itch::add_order::view v(wire);
    EXPECT_EQ(v.stock_locate(), 258);
    EXPECT_EQ(v.tracking_number(), 3);
    EXPECT_EQ(v.timestamp(), 34200000000123u);
    EXPECT_EQ(v.order_reference_number(), 123456789012345u);
    EXPECT_EQ(v.buy_sell_indicator(), 'B');
    EXPECT_EQ(v.shares(), 100u);
    EXPECT_EQ(v.stock(), "AAPL");
    EXPECT_EQ(v.price(), 1234500u);
    static_assert(itch::add_order::offsets::price == 32);
    static_assert(itch::add_order::offsets::stock == 24);
    static_assert(itch::order_replace::min_size == 35);
    static_assert(itch::noii::min_size == 50);
}

TEST(itch50, builder_writes_add_order_matching_golden) {
    std::array<std::byte, 36> out{};
    auto r = itch::add_order::builder(out)
                 .stock_locate(258)
                 .tracking_number(3)
                 .timestamp(34200000000123u)
                 .order_reference_number(123456789012345u)
                 .buy_sell_indicator('B')
                 .shares(100)
                 .stock("AAPL")
                 .price(1234500)
                 .finish();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(exwire_test::to_hex({out.data(), r.size}),
              exwire_test::to_hex(wire_of(goldens()[10])));
}

TEST(itch50, builder_reports_too_small_and_writes_nothing_outside_the_span) {
    std::array<std::byte, 40> out{};
    out.fill(std::byte{0xEE});
    auto r = itch::add_order::builder(std::span(out).first(35)).shares(7).stock("X").finish();
    EXPECT_EQ(r.status, nq::encode_status::too_small);
    for (auto b : out)
        EXPECT_EQ(b, std::byte{0xEE});
}

TEST(itch50, visit_reports_truncated_for_every_short_prefix_of_every_message) {
    for (const auto& g : goldens()) {
        const auto wire = wire_of(g);
        for (std::size_t n = 0; n < wire.size(); ++n) {
            // copy to an exact-size heap buffer so a read past the end would be caught by ASan
            std::vector<std::byte> cut(wire.begin(), wire.begin() + static_cast<long>(n));
            int calls = 0;
            const auto s = itch::visit(cut, [&](auto) { ++calls; });
            EXPECT_EQ(s, nq::visit_status::truncated) << g.name << " n=" << n;
            EXPECT_EQ(calls, 0);
            EXPECT_FALSE(nq::to_text(itch::set, cut).ok());
        }
    }
}

TEST(itch50, visit_reports_oversized_message) {
    auto wire = wire_of(goldens()[0]);
    wire.push_back(std::byte{0});
    EXPECT_EQ(itch::visit(wire, [](auto) {}), nq::visit_status::oversized);
}

TEST(itch50, visit_reports_unknown_types_to_the_visitor) {
    const auto wire = hex("7a 0000 0000 000000000000");
    struct v {
        int unknown = 0;
        void operator()(itch::add_order::view) {}
        void on_unknown(exwire::bytes) { ++unknown; }
    } vis;
    EXPECT_EQ(itch::visit(wire, vis), nq::visit_status::unknown_type);
    EXPECT_EQ(vis.unknown, 1);
}

TEST(itch50, json_of_add_order_has_typed_values) {
    auto j = nq::to_json(itch::set, wire_of(goldens()[10]));
    ASSERT_TRUE(j.ok());
    EXPECT_EQ(*j,
              "{\"type\":\"AddOrder\",\"StockLocate\":258,\"TrackingNumber\":3,"
              "\"Timestamp\":\"09:30:00.000000123\",\"OrderReferenceNumber\":123456789012345,"
              "\"BuySellIndicator\":\"B\",\"Shares\":100,\"Stock\":\"AAPL\",\"Price\":123.4500}");
}

TEST(itch50, text_parser_rejects_unknown_fields_and_bad_values) {
    std::array<std::byte, 64> out{};
    EXPECT_FALSE(nq::from_text(itch::set, "AddOrder{Bogus=1}", out).ok());
    EXPECT_FALSE(nq::from_text(itch::set, "AddOrder{Shares=-1}", out).ok());
    EXPECT_FALSE(nq::from_text(itch::set, "AddOrder{Stock=\"TOOLONGSYM\"}", out).ok());
    EXPECT_FALSE(nq::from_text(itch::set, "AddOrder{Price=1.23456}", out).ok());
    EXPECT_FALSE(nq::from_text(itch::set, "NoSuch{}", out).ok());
    EXPECT_FALSE(nq::from_text(itch::set, "AddOrder{Shares=1", out).ok());
    EXPECT_FALSE(nq::from_text(itch::set, "AddOrder{}", std::span(out).first(10)).ok());
}
