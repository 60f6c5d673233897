// The 'data' suite: real captures and the sample ITCH file from the shared data folder
// (EXWIRE_SHARED_DATA), decoded with exwire and checked against the values a person reads
// off them (the captures README and NASDAQ-WIRE.md worked examples). Exit 77 when absent.
#include <exwire/codec/nasdaq/itch50.hpp>
#include <exwire/codec/nasdaq/itch_file.hpp>
#include <exwire/codec/nasdaq/moldudp64.hpp>
#include <exwire/codec/nasdaq/ouch50.hpp>
#include <exwire/codec/nasdaq/ouch_tags.hpp>
#include <exwire/codec/nasdaq/soupbintcp.hpp>
#include <exwire/codec/nasdaq/soupbintcp40.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "pcap_reader.hpp"

namespace nq = exwire::codec::nasdaq;
namespace itch = exwire::codec::nasdaq::itch50;
namespace ouch = exwire::codec::nasdaq::ouch50;
namespace mold = exwire::codec::nasdaq::moldudp64;
namespace soup = exwire::codec::nasdaq::soupbintcp;

namespace {

std::string data_dir() {
    const char* d = std::getenv("EXWIRE_SHARED_DATA");
    return d ? d : "";
}

std::string capture(const std::string& name) {
    return data_dir() + "/captures/" + name + ".pcap";
}

struct mold_packet {
    std::string session;
    std::uint64_t sequence;
    std::uint16_t count;
    std::vector<std::vector<std::byte>> messages;
};

std::vector<mold_packet> read_mold(const std::string& name) {
    std::vector<mold_packet> out;
    auto r = exwire_tools::pcap::read_file(
        capture(name),
        [&](const exwire_tools::pcap::udp_datagram& d) {
            mold::packet p;
            const char* why = "";
            EXPECT_EQ(mold::packet::decode(d.payload, p, &why), nq::frame_status::complete) << why;
            mold_packet m{std::string(p.session()), p.sequence(), p.count(), {}};
            for (const auto b : p)
                m.messages.emplace_back(b.message.begin(), b.message.end());
            out.push_back(std::move(m));
        },
        [](const auto&) { ADD_FAILURE() << "unexpected TCP"; });
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().message);
    return out;
}

// All ITCH messages of a capture, each checked with visit (must be ok).
std::vector<std::vector<std::byte>> itch_messages(const std::string& name) {
    std::vector<std::vector<std::byte>> all;
    for (auto& p : read_mold(name))
        for (auto& m : p.messages) {
            EXPECT_EQ(itch::visit(m, [](auto) {}), nq::visit_status::ok);
            all.push_back(m);
        }
    return all;
}

struct soup_packet {
    std::uint8_t type;
    std::vector<std::byte> message;  // from the type byte
};

std::vector<soup_packet> read_soup(const std::string& name) {
    std::vector<soup_packet> out;
    std::map<std::pair<exwire_tools::pcap::endpoint, exwire_tools::pcap::endpoint>,
             soup::stream_framer>
        framers;
    auto r = exwire_tools::pcap::read_file(
        capture(name), [](const auto&) { ADD_FAILURE() << "unexpected UDP"; },
        [&](const exwire_tools::pcap::tcp_bytes& t) {
            auto& f = framers[{t.src, t.dst}];
            EXPECT_EQ(f.feed(t.data,
                             [&](const soup::packet& p) {
                                 out.push_back({p.type, {p.message.begin(), p.message.end()}});
                             }),
                      nq::frame_status::need_more);
        });
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.err().message);
    for (auto& [k, f] : framers)
        EXPECT_EQ(f.buffered(), 0u);
    return out;
}

std::string ts(std::uint64_t ns) {
    std::string s;
    nq::timestamp_6::to_str(s, ns);
    return s;
}

}  // namespace

TEST(data_itch_moldudp64, add_order_no_mpid) {
    auto ps = read_mold("nasdaq-itch50-moldudp64__AddOrderNoMpidAttributionMessage");
    ASSERT_EQ(ps.size(), 1u);
    EXPECT_EQ(ps[0].session, "000010059B");
    EXPECT_EQ(ps[0].sequence, 14757721u);
    ASSERT_EQ(ps[0].count, 1u);
    const itch::add_order::view v(ps[0].messages[0]);
    ASSERT_EQ(itch::add_order::check(ps[0].messages[0]), nq::visit_status::ok);
    EXPECT_EQ(v.stock_locate(), 5528);
    EXPECT_EQ(ts(v.timestamp()), "09:29:59.999894278");
    EXPECT_EQ(v.order_reference_number(), 23508286u);
    EXPECT_EQ(v.buy_sell_indicator(), 'B');
    EXPECT_EQ(v.shares(), 1600u);
    EXPECT_EQ(v.stock(), "IVOO");
    EXPECT_EQ(v.price(), 873900u);
}

TEST(data_itch_moldudp64, market_participant_position) {
    auto ps = read_mold("nasdaq-itch50-moldudp64__MarketParticipantPositionMessage");
    ASSERT_EQ(ps.size(), 1u);
    EXPECT_EQ(ps[0].sequence, 17861990u);
    ASSERT_EQ(itch::market_participant_position::check(ps[0].messages.at(0)), nq::visit_status::ok);
    const itch::market_participant_position::view v(ps[0].messages[0]);
    EXPECT_EQ(v.mpid(), "MAXM");
    EXPECT_EQ(v.stock(), "FGMC");
    EXPECT_EQ(v.primary_market_maker(), 'Y');
    EXPECT_EQ(v.market_maker_mode(), 'N');
    EXPECT_EQ(v.market_participant_state(), 'A');
}

TEST(data_itch_moldudp64, multiple_packets_hold_39_messages) {
    auto ps = read_mold("nasdaq-itch50-moldudp64__Multiple.Packets");
    ASSERT_EQ(ps.size(), 2u);
    EXPECT_EQ(ps[0].sequence, 14764496u);
    ASSERT_EQ(ps[0].count, 1u);
    ASSERT_EQ(itch::order_delete::check(ps[0].messages[0]), nq::visit_status::ok);
    EXPECT_EQ(itch::order_delete::view(ps[0].messages[0]).order_reference_number(), 23485802u);
    EXPECT_EQ(ps[1].sequence, 19009117u);
    ASSERT_EQ(ps[1].count, 38u);
    int adds = 0, mpid = 0;
    for (const auto& m : ps[1].messages) {
        ASSERT_EQ(
            itch::visit(m,
                        [&]<typename V>(V v) {
                            if constexpr (std::is_same_v<V, itch::add_order::view>) {
                                ++adds;
                                EXPECT_EQ(v.stock(), "META");
                            } else if constexpr (std::is_same_v<V, itch::add_order_mpid::view>) {
                                ++mpid;
                                EXPECT_EQ(v.stock(), "META");
                                EXPECT_EQ(v.attribution(), "UBSS");
                            } else {
                                ADD_FAILURE() << "unexpected type";
                            }
                        }),
            nq::visit_status::ok);
    }
    EXPECT_EQ(adds, 36);
    EXPECT_EQ(mpid, 2);
    EXPECT_EQ(ts(itch::add_order::view(ps[1].messages[0]).timestamp()), "09:30:38.952381153");
}

TEST(data_itch_moldudp64, noii_delete_executed_replace_trading_action) {
    {
        auto m = itch_messages("nasdaq-itch50-moldudp64__NetOrderImbalanceIndicatorMessage");
        ASSERT_EQ(m.size(), 1u);
        const itch::noii::view v(m[0]);
        EXPECT_EQ(v.stock(), "MDC");
        EXPECT_EQ(v.paired_shares(), 1u);
        EXPECT_EQ(v.imbalance_shares(), 0u);
        EXPECT_EQ(v.imbalance_direction(), 'N');
        EXPECT_EQ(v.far_price(), 464400u);
        EXPECT_EQ(v.near_price(), 464400u);
        EXPECT_EQ(v.current_reference_price(), 464400u);
        EXPECT_EQ(v.cross_type(), 'O');
        EXPECT_EQ(v.price_variation_indicator(), 'L');
    }
    {
        auto m = itch_messages("nasdaq-itch50-moldudp64__OrderDeleteMessage");
        ASSERT_EQ(m.size(), 1u);
        const itch::order_delete::view v(m[0]);
        EXPECT_EQ(v.stock_locate(), 3517);
        EXPECT_EQ(v.order_reference_number(), 23497686u);
    }
    {
        auto m = itch_messages("nasdaq-itch50-moldudp64__OrderExecutedMessage");
        ASSERT_EQ(m.size(), 1u);
        const itch::order_executed::view v(m[0]);
        EXPECT_EQ(v.order_reference_number(), 23499418u);
        EXPECT_EQ(v.executed_shares(), 25u);
        EXPECT_EQ(v.match_number(), 255547u);
        EXPECT_EQ(v.tracking_number(), 2);
    }
    {
        auto ps = read_mold("nasdaq-itch50-moldudp64__OrderReplaceMessage");
        ASSERT_EQ(ps.size(), 1u);
        EXPECT_EQ(ps[0].sequence, 14757701u);
        const itch::order_replace::view v(ps[0].messages.at(0));
        EXPECT_EQ(v.stock_locate(), 7603);
        EXPECT_EQ(ts(v.timestamp()), "09:29:59.999836649");
        EXPECT_EQ(v.original_order_reference_number(), 15108479u);
        EXPECT_EQ(v.new_order_reference_number(), 21361351u);
        EXPECT_EQ(v.shares(), 100u);
        EXPECT_EQ(v.price(), 1062600u);
    }
    {
        auto ps = read_mold("nasdaq-itch50-moldudp64__StockTradingActionMessage");
        ASSERT_EQ(ps.size(), 1u);
        EXPECT_EQ(ps[0].sequence, 34147961u);
        auto t = nq::to_text(itch::set, ps[0].messages.at(0));
        ASSERT_TRUE(t.ok());
        const itch::stock_trading_action::view v(ps[0].messages[0]);
        EXPECT_EQ(v.stock(), "AMC");
        EXPECT_EQ(v.trading_state(), 'T');
        EXPECT_EQ(v.reserved(), ' ');
        EXPECT_EQ(v.reason(), "");
    }
}

TEST(data_itch_anonymised, system_event_and_mpid_adds) {
    auto se = itch_messages("nasdaq-itch50-moldudp64-anonhdr__SystemEvent");
    ASSERT_EQ(se.size(), 1u);
    const itch::system_event::view s(se[0]);
    EXPECT_EQ(s.event_code(), 'Q');
    EXPECT_EQ(ts(s.timestamp()), "09:30:00.000070384");
    EXPECT_EQ(s.stock_locate(), 0);

    auto f = itch_messages("nasdaq-itch50-moldudp64-anonhdr__AddOrderWithMPID");
    ASSERT_EQ(f.size(), 5u);
    std::vector<std::string> stocks;
    std::set<std::string> mpids;
    for (auto& m : f) {
        const itch::add_order_mpid::view v(m);
        stocks.emplace_back(v.stock());
        mpids.emplace(v.attribution());
        EXPECT_EQ(v.buy_sell_indicator(), 'S');
    }
    EXPECT_EQ(stocks, (std::vector<std::string>{"CASY", "TSVT", "EIDO", "QLYS", "VCYT"}));
    EXPECT_EQ(mpids, (std::set<std::string>{"FLTU", "GSCO"}));
}

TEST(data_itch_anonymised, executions_cancels_trades_crosses_collars_regsho) {
    auto c = itch_messages("nasdaq-itch50-moldudp64-anonhdr__OrderExecutedWithPrice");
    ASSERT_EQ(c.size(), 5u);
    int n = 0, y = 0;
    for (auto& m : c)
        (itch::order_executed_with_price::view(m).printable() == 'N' ? n : y)++;
    EXPECT_EQ(n, 2);
    EXPECT_EQ(y, 3);

    auto x = itch_messages("nasdaq-itch50-moldudp64-anonhdr__OrderCancel");
    std::vector<std::uint32_t> cancelled;
    for (auto& m : x)
        cancelled.push_back(itch::order_cancel::view(m).cancelled_shares());
    EXPECT_EQ(cancelled, (std::vector<std::uint32_t>{100, 100, 200, 2000, 200}));

    auto p = itch_messages("nasdaq-itch50-moldudp64-anonhdr__NonCrossTrade");
    std::vector<std::string> ps;
    for (auto& m : p) {
        const itch::trade::view v(m);
        EXPECT_EQ(v.order_reference_number(), 0u);
        EXPECT_EQ(v.buy_sell_indicator(), 'B');
        ps.emplace_back(v.stock());
    }
    EXPECT_EQ(ps, (std::vector<std::string>{"GOOGL", "MU", "QCOM", "ASML", "ASML"}));

    auto q = itch_messages("nasdaq-itch50-moldudp64-anonhdr__CrossTrade");
    ASSERT_EQ(q.size(), 5u);
    std::map<std::string, std::pair<std::uint64_t, std::uint32_t>> crosses;
    for (auto& m : q) {
        const itch::cross_trade::view v(m);
        EXPECT_EQ(v.cross_type(), 'O');
        crosses[std::string(v.stock())] = {v.shares(), v.cross_price()};
    }
    EXPECT_EQ(crosses["BAC-Q"], (std::pair<std::uint64_t, std::uint32_t>{0, 0}));
    EXPECT_EQ(crosses["GCV"], (std::pair<std::uint64_t, std::uint32_t>{0, 0}));
    EXPECT_EQ(crosses["BNED"], (std::pair<std::uint64_t, std::uint32_t>{0, 0}));
    EXPECT_EQ(crosses["PTGX"], (std::pair<std::uint64_t, std::uint32_t>{5577, 195600}));
    EXPECT_EQ(crosses["IBTG"], (std::pair<std::uint64_t, std::uint32_t>{5379, 224800}));

    auto j = itch_messages("nasdaq-itch50-moldudp64-anonhdr__LULDAuctionCollar");
    ASSERT_EQ(j.size(), 5u);
    std::set<std::string> js;
    for (auto& m : j)
        js.emplace(itch::luld_auction_collar::view(m).stock());
    EXPECT_EQ(js, (std::set<std::string>{"ZXZZT", "ZVZZT", "LTRY", "SHLT"}));
    EXPECT_EQ(itch::luld_auction_collar::view(j[4]).auction_collar_extension(), 1u);

    auto y2 = itch_messages("nasdaq-itch50-moldudp64-anonhdr__RegSHORestriction");
    std::vector<std::string> ys;
    for (auto& m : y2) {
        EXPECT_EQ(itch::reg_sho_restriction::view(m).reg_sho_action(), '1');
        ys.emplace_back(itch::reg_sho_restriction::view(m).stock());
    }
    EXPECT_EQ(ys, (std::vector<std::string>{"SOPA", "CPHI", "CUENW", "MSGM", "YCBD-A"}));
}

TEST(data_moldudp64, ise_heartbeat) {
    auto ps = read_mold("nasdaq-ise-ordercombo-moldudp64__Heartbeat");
    ASSERT_EQ(ps.size(), 1u);
    EXPECT_EQ(ps[0].session, "000008367I");
    EXPECT_EQ(ps[0].sequence, 383265u);
    EXPECT_EQ(ps[0].count, 0u);
}

TEST(data_ouch_soupbintcp, enter_order_with_firm_appendage) {
    auto ps = read_soup("nasdaq-ouch50-soupbintcp__EnterOrderMessage");
    ASSERT_EQ(ps.size(), 1u);
    ASSERT_EQ(ps[0].type, 'U');
    const auto body = exwire::bytes(ps[0].message).subspan(1);
    ASSERT_EQ(body.size(), 53u);
    ASSERT_EQ(ouch::visit_incoming(body,
                                   [](ouch::enter_order::view v) {
                                       EXPECT_EQ(v.user_ref_num(), 113u);
                                       EXPECT_EQ(v.side(), 'T');
                                       EXPECT_EQ(v.quantity(), 225u);
                                       EXPECT_EQ(v.symbol(), "CVLT");
                                       EXPECT_EQ(v.price(), 630200u);
                                       EXPECT_EQ(v.time_in_force(), '0');
                                       EXPECT_EQ(v.display(), 'Y');
                                       EXPECT_EQ(v.capacity(), 'A');
                                       EXPECT_EQ(v.inter_market_sweep_eligibility(), 'N');
                                       EXPECT_EQ(v.cross_type(), 'N');
                                       EXPECT_EQ(v.cl_ord_id(), "H8FUB8IV");
                                       int tags = 0;
                                       EXPECT_EQ(nq::ouch_tags::for_each(
                                                     v.appendage(),
                                                     [&](std::uint8_t t, exwire::bytes val) {
                                                         ++tags;
                                                         EXPECT_EQ(t, 2);
                                                         EXPECT_EQ(exwire::to_string_view(val),
                                                                   "LIME");
                                                     }),
                                                 nq::frame_status::complete);
                                       EXPECT_EQ(tags, 1);
                                   }),
              nq::visit_status::ok);
}

TEST(data_ouch_soupbintcp, accepted_cancel_canceled_heartbeats) {
    {
        auto ps = read_soup("nasdaq-ouch50-soupbintcp__OrderAcceptedMessage");
        ASSERT_EQ(ps.size(), 1u);
        ASSERT_EQ(ps[0].type, 'S');
        auto t = nq::to_text(ouch::set, exwire::bytes(ps[0].message).subspan(1),
                             nq::direction::outgoing);
        ASSERT_TRUE(t.ok()) << t.err().message;
        EXPECT_EQ(
            *t,
            "OrderAccepted{Timestamp=\"12:24:07.483486087\", UserRefNum=7682701, Side=\"B\", "
            "Quantity=40, Symbol=\"ADBE\", Price=477.7800, TimeInForce=\"5\", Display=\"Y\", "
            "OrderReferenceNumber=257340661, Capacity=\"A\", InterMarketSweepEligibility=\"N\", "
            "CrossType=\"N\", OrderState=\"L\", ClOrdId=\"7682701\", "
            "Appendage=\"05024d4c524f021230\"}");
    }
    {
        auto ps = read_soup("nasdaq-ouch50-soupbintcp__CancelOrderMessage");
        ASSERT_EQ(ps.size(), 1u);
        ASSERT_EQ(ps[0].type, 'U');
        const auto body = exwire::bytes(ps[0].message).subspan(1);
        ASSERT_EQ(ouch::cancel_order::check(body), nq::visit_status::ok);
        const ouch::cancel_order::view v(body);
        EXPECT_EQ(v.user_ref_num(), 7679601u);
        EXPECT_EQ(v.quantity(), 0u);
        EXPECT_FALSE(v.has_appendage());
    }
    {
        auto ps = read_soup("nasdaq-ouch50-soupbintcp__CanceledMessage");
        ASSERT_EQ(ps.size(), 1u);
        const auto body = exwire::bytes(ps[0].message).subspan(1);
        ASSERT_EQ(ouch::order_canceled::check(body), nq::visit_status::ok);
        const ouch::order_canceled::view v(body);
        EXPECT_EQ(ts(v.timestamp()), "12:24:07.483708183");
        EXPECT_EQ(v.user_ref_num(), 7682701u);
        EXPECT_EQ(v.quantity(), 40u);
        EXPECT_EQ(v.reason(), 'U');
    }
    auto r = read_soup("nasdaq-ouch50-soupbintcp__ClientHeartbeatPacket");
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].type, 'R');
    auto h = read_soup("nasdaq-ouch50-soupbintcp__ServerHeartbeatPacket");
    ASSERT_EQ(h.size(), 1u);
    EXPECT_EQ(h[0].type, 'H');
}

TEST(data_soupbintcp, jnx_login_request_and_accept) {
    auto rq = read_soup("jnx-ouch111-soupbintcp__LoginRequestPacket");
    ASSERT_EQ(rq.size(), 1u);
    ASSERT_EQ(rq[0].message.size(), 47u);
    namespace s40 = nq::soupbintcp40;
    ASSERT_EQ(s40::login_request::check(rq[0].message), nq::visit_status::ok);
    const s40::login_request::view l(rq[0].message);
    EXPECT_EQ(l.username(), "user");
    EXPECT_EQ(l.password(), "password");
    EXPECT_EQ(l.requested_session(), "");
    EXPECT_EQ(l.requested_sequence_number(), "0");
    auto ac = read_soup("jnx-ouch111-soupbintcp__LoginAcceptedPacket");
    ASSERT_EQ(ac.size(), 1u);
    const s40::login_accepted::view a(ac[0].message);
    EXPECT_EQ(a.session(), "1689192121");
    EXPECT_EQ(a.sequence_number(), "135");
}

TEST(data_itch_file, sample_file_has_12012_messages_with_documented_counts) {
    const auto path = data_dir() + "/itch/ex20101224.TEST_ITCH_50";
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in) << path;
    std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_EQ(raw.size(), 465048u);
    const exwire::bytes all(reinterpret_cast<const std::byte*>(raw.data()), raw.size());
    EXPECT_EQ(nq::itch_file::next_frame(all).status,
              nq::frame_status::malformed);  // zeroed prefixes
    std::map<char, int> counts;
    std::set<std::string> directory;
    std::uint64_t first = 0, last = 0;
    std::size_t pos = 0, n = 0;
    while (pos < all.size()) {
        const auto f = nq::itch_file::next_frame(all.subspan(pos), {.allow_zero_prefix = true});
        ASSERT_EQ(f.status, nq::frame_status::complete) << "at byte offset " << pos;
        ASSERT_EQ(itch::visit(f.message,
                              [&]<typename V>(V v) {
                                  if constexpr (std::is_same_v<V, itch::stock_directory::view>)
                                      directory.emplace(v.stock());
                                  if (n == 0) first = v.timestamp();
                                  last = v.timestamp();
                              }),
                  nq::visit_status::ok);
        ++counts[static_cast<char>(f.message[0])];
        pos += f.size;
        ++n;
    }
    EXPECT_EQ(pos, all.size());
    EXPECT_EQ(n, 12012u);
    EXPECT_EQ(counts, (std::map<char, int>{{'S', 6},
                                           {'R', 3},
                                           {'H', 3},
                                           {'A', 4997},
                                           {'F', 3},
                                           {'E', 198},
                                           {'X', 45},
                                           {'D', 1745},
                                           {'U', 12},
                                           {'P', 5000}}));
    EXPECT_EQ(directory, (std::set<std::string>{"ALC", "BOB", "CHAR"}));
    EXPECT_EQ(ts(first), "03:06:42.475298710");
    EXPECT_EQ(ts(last), "19:04:58.845099321");
}

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    if (data_dir().empty() || !std::filesystem::exists(data_dir() + "/captures")) {
        std::fprintf(stderr, "shared data folder absent: skipped\n");
        return 77;
    }
    return RUN_ALL_TESTS();
}
