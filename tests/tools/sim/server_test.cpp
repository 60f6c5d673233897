// `exwire sim`'s server over loopback: real exwire client sessions (two OUCH clients, a
// MoldUDP64 receiver, a SoupBinTCP ITCH client, a FIX initiator) on their own shard talk to
// the simulator. Every wait is bounded; both shards use sleeping backoff idle strategies.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <exwire/codec/nasdaq/itch50.hpp>
#include <exwire/codec/nasdaq/itch_book.hpp>
#include <exwire/codec/nasdaq/ouch50.hpp>
#include <exwire/core/clock.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/fix/engine_session.hpp>
#include <exwire/engine/nasdaq/moldudp64_engine.hpp>
#include <exwire/engine/nasdaq/soupbintcp_engine.hpp>
#include <exwire/sim/server.hpp>
#include "../../support/loopback.hpp"

using namespace std::chrono_literals;
namespace ee = exwire::engine;
namespace itch = exwire::codec::nasdaq::itch50;
namespace ouch = exwire::codec::nasdaq::ouch50;
using exwire::sim::price;

namespace {

using exwire::test::free_udp_port;
using exwire::test::wait_until;

constexpr const char* idle = "backoff:spins=10,yields=5,min=20us,max=500us";

/// One symbol TEST around $100, with a one-level starting book, no background flow.
exwire::sim::sim_config test_market() {
    exwire::sim::sim_config c;
    exwire::sim::symbol_config s;
    s.name = "TEST";
    s.tick = 100;
    s.reference_price = 1'000'000;  // $100.00, band $90.00..$110.00
    s.max_order_qty = 10'000;
    s.bids.push_back({950'000, 100, 1});    // $95.00
    s.asks.push_back({1'050'000, 100, 1});  // $105.00
    c.symbols.push_back(s);
    c.flow.orders_per_second = 0;
    return c;
}

struct message {
    std::vector<std::byte> bytes;
    std::uint64_t sequence = 0;
    [[nodiscard]] char type() const { return static_cast<char>(bytes.at(0)); }
    [[nodiscard]] exwire::bytes view() const { return {bytes.data(), bytes.size()}; }
};

/// Pulls a session's records into a list (messages) and remembers its events.
struct collector {
    ee::session_handle h;
    std::vector<message> messages;
    std::vector<ee::record_type> events;
    std::size_t taken = 0;  ///< messages handed out by next()

    void pull() {
        (void)h.poll([&](const ee::inbound_record& r) {
            if (r.is_message())
                messages.push_back({{r.body.begin(), r.body.end()}, r.sequence});
            else
                events.push_back(r.type);
        });
    }
    /// Waits (bounded) until `n` messages were received in total.
    bool wait_count(std::size_t n, std::chrono::milliseconds limit = 5000ms) {
        const auto end = std::chrono::steady_clock::now() + limit;
        for (;;) {
            pull();
            if (messages.size() >= n) return true;
            if (std::chrono::steady_clock::now() > end) return false;
            std::this_thread::sleep_for(1ms);
        }
    }
    /// The next message not yet handed out (waits for it, bounded); nullptr on timeout.
    const message* next(std::chrono::milliseconds limit = 5000ms) {
        if (!wait_count(taken + 1, limit)) return nullptr;
        return &messages[taken++];
    }
    /// Nothing more arrives within `quiet`.
    bool stays_quiet(std::chrono::milliseconds quiet) {
        const std::size_t n = messages.size();
        const auto end = std::chrono::steady_clock::now() + quiet;
        while (std::chrono::steady_clock::now() < end) {
            pull();
            std::this_thread::sleep_for(2ms);
        }
        return messages.size() == n;
    }
};

// ---- OUCH requests ---------------------------------------------------------------------

void send_enter(ee::session_handle h, std::uint32_t token, char side, std::uint32_t qty,
                std::string_view symbol, std::uint64_t px, char tif = '0',
                std::string_view cl_ord_id = "") {
    std::byte buf[ouch::enter_order::fixed_size];
    ouch::enter_order::builder b(buf);
    auto r = b.user_ref_num(token)
                 .side(side)
                 .quantity(qty)
                 .symbol(symbol)
                 .price(px)
                 .time_in_force(tif)
                 .display('Y')
                 .capacity('A')
                 .inter_market_sweep_eligibility('N')
                 .cross_type('N')
                 .cl_ord_id(cl_ord_id)
                 .finish();
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(h.send(exwire::bytes(buf, r.size)), ee::send_status::ok);
}

void send_cancel(ee::session_handle h, std::uint32_t token, std::uint32_t remaining) {
    std::byte buf[ouch::cancel_order::fixed_size];
    ouch::cancel_order::builder b(buf);
    auto r = b.user_ref_num(token).quantity(remaining).finish();
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(h.send(exwire::bytes(buf, r.size)), ee::send_status::ok);
}

void send_replace(ee::session_handle h, std::uint32_t old_token, std::uint32_t new_token,
                  std::uint32_t qty, std::uint64_t px) {
    std::byte buf[ouch::replace_order::fixed_size];
    ouch::replace_order::builder b(buf);
    auto r = b.orig_user_ref_num(old_token)
                 .user_ref_num(new_token)
                 .quantity(qty)
                 .price(px)
                 .time_in_force('0')
                 .display('Y')
                 .inter_market_sweep_eligibility('N')
                 .cl_ord_id("REPL")
                 .finish();
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(h.send(exwire::bytes(buf, r.size)), ee::send_status::ok);
}

/// The message as a T view; on a missing or wrong message the test fails and the view
/// reads zeros (so later checks fail instead of crashing).
template <typename T>
typename T::view as(const message* m) {
    static const std::array<std::byte, 256> zeros{};
    const typename T::view none(exwire::bytes(zeros.data(), T::min_size));
    EXPECT_NE(m, nullptr);
    if (m == nullptr) return none;
    EXPECT_EQ(m->type(), static_cast<char>(T::type)) << "message type";
    EXPECT_EQ(T::check(m->view()), exwire::codec::nasdaq::visit_status::ok);
    if (m->type() != static_cast<char>(T::type) ||
        T::check(m->view()) != exwire::codec::nasdaq::visit_status::ok)
        return none;
    return typename T::view(m->view());
}

// ---- the fixture -------------------------------------------------------------------------

struct sim_fixture : ::testing::Test {
    std::unique_ptr<exwire::sim::server> srv;
    std::unique_ptr<ee::engine> clients;
    collector c0, c1, mold, soup, fix;
    std::uint16_t mold_port = 0;

    void SetUp() override {
        exwire::sim::server_options o;
        o.market = test_market();
        o.ouch_clients = 2;
        o.background_flow = false;
        mold_port = free_udp_port();
        o.mold_destination = "127.0.0.1:" + std::to_string(mold_port);
        o.idle = idle;
        configure(o);
        auto made = exwire::sim::server::create(o);
        ASSERT_TRUE(made.ok()) << made.err().message;
        srv = std::move(made).value();
        ASSERT_TRUE(srv->start().ok());
        const exwire::sim::server_ports p = srv->ports();
        ASSERT_NE(p.ouch_first, 0);
        ASSERT_EQ(srv->ouch_ports().size(), 2u);
        ASSERT_EQ(srv->ouch_ports()[1], p.ouch_first + 1);

        ee::engine_config c;
        c.name = "sim-clients";
        ee::shard_config sh;
        sh.name = "clients";
        sh.idle = idle;
        c.shards.push_back(sh);
        const auto session = [&](const char* name, ee::protocol_kind proto, ee::session_role role) {
            ee::session_config s;
            s.name = name;
            s.protocol = proto;
            s.role = role;
            s.journal.dir.clear();
            return s;
        };
        for (int i = 0; i < 2; ++i) {
            auto s =
                session(i == 0 ? "c0" : "c1", ee::protocol_kind::ouch, ee::session_role::client);
            s.connect = {"127.0.0.1", static_cast<std::uint16_t>(p.ouch_first + i)};
            s.reconnect.enabled = false;
            c.sessions.push_back(s);
        }
        {
            auto s = session("soup-itch", ee::protocol_kind::soupbintcp, ee::session_role::client);
            s.connect = {"127.0.0.1", p.itch_soup};
            s.requested_sequence = 1;
            s.reconnect.enabled = false;
            c.sessions.push_back(s);
        }
        {
            auto s = session("mold-itch", ee::protocol_kind::moldudp64, ee::session_role::receiver);
            s.group = {"127.0.0.1", mold_port};
            s.request_server = {"127.0.0.1", p.mold_retransmit};
            s.requested_sequence = 1;  // from the start: what was missed comes by retransmission
            c.sessions.push_back(s);
        }
        {
            auto s = session("fix", ee::protocol_kind::fix, ee::session_role::initiator);
            s.connect = {"127.0.0.1", p.fix};
            s.sender_comp_id = "EXWCLI";
            s.target_comp_id = "EXWSIM";
            c.sessions.push_back(s);
        }
        ee::protocol_registry reg;
        ee::nasdaq::register_soupbintcp(reg);
        ee::nasdaq::register_moldudp64(reg);
        ee::fix::register_fix_sessions(reg);
        auto ce = ee::engine::create(std::move(c), reg);
        ASSERT_TRUE(ce.ok()) << ce.err().message;
        clients = std::move(ce).value();
        ASSERT_TRUE(clients->start().ok());
        c0.h = clients->session("c0");
        c1.h = clients->session("c1");
        soup.h = clients->session("soup-itch");
        mold.h = clients->session("mold-itch");
        fix.h = clients->session("fix");
        ASSERT_TRUE(wait_until(
            [&] {
                return c0.h.is_active() && c1.h.is_active() && soup.h.is_active() &&
                       fix.h.is_active();
            },
            5000ms))
            << "clients did not log in";
    }

    /// Lets a derived fixture change the server's options.
    virtual void configure(exwire::sim::server_options&) {}

    void TearDown() override {
        if (srv) srv->stop();
        if (clients) clients->stop();
    }

    /// The ITCH preamble both feeds start with: 'O', the directory, the starting book.
    void expect_preamble(collector& feed) {
        auto s = as<itch::system_event>(feed.next());
        EXPECT_EQ(s.event_code(), 'O');
        auto d = as<itch::stock_directory>(feed.next());
        EXPECT_EQ(d.stock_locate(), 1);
        EXPECT_EQ(d.stock(), "TEST");
        auto bid = as<itch::add_order>(feed.next());
        EXPECT_EQ(bid.buy_sell_indicator(), 'B');
        EXPECT_EQ(bid.price(), 950'000u);
        EXPECT_EQ(bid.shares(), 100u);
        auto ask = as<itch::add_order>(feed.next());
        EXPECT_EQ(ask.buy_sell_indicator(), 'S');
        EXPECT_EQ(ask.price(), 1'050'000u);
    }
};

}  // namespace

TEST_F(sim_fixture, ouch_orders_trade_cancel_replace_and_both_itch_feeds_publish_it_in_order) {
    // A buy rests: Accepted to client 0, Add Order on the feeds.
    send_enter(c0.h, 1, 'B', 100, "TEST", 990'000, '0', "FIRST");
    auto acc = as<ouch::order_accepted>(c0.next());
    EXPECT_EQ(acc.user_ref_num(), 1u);
    EXPECT_EQ(acc.side(), 'B');
    EXPECT_EQ(acc.quantity(), 100u);
    EXPECT_EQ(acc.symbol(), "TEST");
    EXPECT_EQ(acc.price(), 990'000u);
    EXPECT_EQ(acc.cl_ord_id(), "FIRST");
    const std::uint64_t resting_ref = acc.order_reference_number();

    // A sell from the second client's port crosses it: executions on both sides.
    send_enter(c1.h, 1, 'S', 60, "TEST", 990'000);
    auto acc1 = as<ouch::order_accepted>(c1.next());
    EXPECT_EQ(acc1.user_ref_num(), 1u);
    auto ex1 = as<ouch::order_executed>(c1.next());
    EXPECT_EQ(ex1.quantity(), 60u);
    EXPECT_EQ(ex1.price(), 990'000u);
    EXPECT_EQ(ex1.liquidity_flag(), 'R');
    auto ex0 = as<ouch::order_executed>(c0.next());
    EXPECT_EQ(ex0.user_ref_num(), 1u);
    EXPECT_EQ(ex0.quantity(), 60u);
    EXPECT_EQ(ex0.liquidity_flag(), 'A');
    EXPECT_EQ(ex0.match_number(), ex1.match_number());

    // Cancel the rest of the buy.
    send_cancel(c0.h, 1, 0);
    auto can = as<ouch::order_canceled>(c0.next());
    EXPECT_EQ(can.user_ref_num(), 1u);
    EXPECT_EQ(can.quantity(), 40u);
    EXPECT_EQ(can.reason(), 'U');

    // Replace a new order at another price: new token, new reference.
    send_enter(c0.h, 2, 'B', 100, "TEST", 980'000);
    auto acc2 = as<ouch::order_accepted>(c0.next());
    send_replace(c0.h, 2, 3, 150, 985'000);
    auto rep = as<ouch::order_replaced>(c0.next());
    EXPECT_EQ(rep.orig_user_ref_num(), 2u);
    EXPECT_EQ(rep.user_ref_num(), 3u);
    EXPECT_EQ(rep.quantity(), 150u);
    EXPECT_EQ(rep.price(), 985'000u);
    EXPECT_NE(rep.order_reference_number(), acc2.order_reference_number());

    // Both feeds: the preamble, then every book change in order.
    for (collector* feed : {&mold, &soup}) {
        SCOPED_TRACE(feed == &mold ? "MoldUDP64" : "SoupBinTCP");
        expect_preamble(*feed);
        auto add = as<itch::add_order>(feed->next());
        EXPECT_EQ(add.order_reference_number(), resting_ref);
        EXPECT_EQ(add.buy_sell_indicator(), 'B');
        EXPECT_EQ(add.shares(), 100u);
        EXPECT_EQ(add.price(), 990'000u);
        EXPECT_EQ(add.stock_locate(), 1);
        auto exe = as<itch::order_executed>(feed->next());
        EXPECT_EQ(exe.order_reference_number(), resting_ref);
        EXPECT_EQ(exe.executed_shares(), 60u);
        EXPECT_EQ(exe.match_number(), ex0.match_number());
        auto del = as<itch::order_delete>(feed->next());
        EXPECT_EQ(del.order_reference_number(), resting_ref);
        auto add2 = as<itch::add_order>(feed->next());
        EXPECT_EQ(add2.order_reference_number(), acc2.order_reference_number());
        auto repl = as<itch::order_replace>(feed->next());
        EXPECT_EQ(repl.original_order_reference_number(), acc2.order_reference_number());
        EXPECT_EQ(repl.new_order_reference_number(), rep.order_reference_number());
        EXPECT_EQ(repl.shares(), 150u);
        EXPECT_EQ(repl.price(), 985'000u);
    }
    // The two feeds carry the same bytes, message for message, numbered alike.
    ASSERT_EQ(mold.messages.size(), soup.messages.size());
    for (std::size_t i = 0; i < mold.messages.size(); ++i) {
        EXPECT_EQ(mold.messages[i].bytes, soup.messages[i].bytes) << "message " << i;
        EXPECT_EQ(mold.messages[i].sequence, i + 1);
        EXPECT_EQ(soup.messages[i].sequence, i + 1);
    }
    // The receiver joined after the preamble was published: it recovered it by retransmission.
    mold.pull();
    EXPECT_NE(std::find(mold.events.begin(), mold.events.end(), ee::record_type::gap_detected),
              mold.events.end());
    const auto st = srv->statistics();
    EXPECT_EQ(st.orders, 3u);  // the three entered (the starting book is not counted)
    EXPECT_EQ(st.trades, 1u);
    EXPECT_EQ(st.itch_messages, mold.messages.size());
}

TEST_F(sim_fixture, a_burst_of_20000_enter_orders_is_answered_in_order) {
    constexpr std::uint32_t count = 20'000;
    std::uint32_t sent = 0;
    std::uint32_t answered = 0;
    std::uint32_t bad = 0;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (answered < count && std::chrono::steady_clock::now() < deadline) {
        while (sent < count) {
            std::byte buf[ouch::enter_order::fixed_size];
            auto r = ouch::enter_order::builder(buf)
                         .user_ref_num(sent + 1)
                         .side('B')
                         .quantity(1)
                         .symbol("TEST")
                         .price(910'000 + 100 * (sent % 50))
                         .time_in_force('0')
                         .finish();
            ASSERT_TRUE(r.ok());
            if (c0.h.send(exwire::bytes(buf, r.size)) != ee::send_status::ok) break;
            ++sent;
        }
        c0.pull();
        for (; c0.taken < c0.messages.size(); ++c0.taken) {
            const message& m = c0.messages[c0.taken];
            if (m.type() != 'A' ||
                ouch::order_accepted::view(m.view()).user_ref_num() != answered + 1)
                ++bad;
            ++answered;
        }
        std::this_thread::sleep_for(200us);
    }
    EXPECT_EQ(sent, count);
    EXPECT_EQ(answered, count);
    EXPECT_EQ(bad, 0u);
    EXPECT_EQ(srv->statistics().orders, count);
    EXPECT_EQ(srv->statistics().dropped, 0u);
}

TEST_F(sim_fixture, each_reject_reason_reaches_the_ouch_client_with_its_code) {
    send_enter(c0.h, 1, 'B', 100, "TEST", 990'000);
    ASSERT_NE(c0.next(), nullptr);  // accepted: token 1 is now used
    struct bad {
        std::uint32_t token;
        std::string_view symbol;
        std::uint32_t qty;
        std::uint64_t px;
        std::uint16_t code;
        const char* what;
    };
    const bad cases[] = {
        {10, "NOPE", 100, 990'000, 0x0017, "unknown symbol"},
        {11, "TEST", 100, 990'050, 0x001D, "price not on tick"},
        {12, "TEST", 100, 0, 0x001D, "price not positive"},
        {13, "TEST", 100, 1'200'000, 0x001D, "price out of band"},
        {14, "TEST", 0, 990'000, 0x0013, "zero quantity"},
        {15, "TEST", 20'000, 990'000, 0x0013, "quantity above the maximum"},
        {1, "TEST", 100, 990'000, 0x000F, "duplicate token"},
    };
    for (const bad& b : cases) {
        SCOPED_TRACE(b.what);
        send_enter(c0.h, b.token, 'B', b.qty, b.symbol, b.px, '0', "BAD");
        auto j = as<ouch::rejected>(c0.next());
        EXPECT_EQ(j.user_ref_num(), b.token);
        EXPECT_EQ(j.reason(), b.code);
        EXPECT_EQ(j.cl_ord_id(), "BAD");
    }
    // A replace to a used token is rejected with the new token; the order stays.
    send_replace(c0.h, 1, 1, 100, 990'000);
    auto j = as<ouch::rejected>(c0.next());
    EXPECT_EQ(j.user_ref_num(), 1u);
    EXPECT_EQ(j.reason(), 0x000F);
    // A cancel of an unknown order has no OUCH answer.
    send_cancel(c0.h, 99, 0);
    EXPECT_TRUE(c0.stays_quiet(200ms));
    EXPECT_EQ(srv->statistics().rejects, 9u);
    // A message type the simulator does not take (Modify Order) is dropped and counted.
    {
        std::byte buf[ouch::modify_order::fixed_size];
        auto r = ouch::modify_order::builder(buf).user_ref_num(1).side('B').quantity(50).finish();
        ASSERT_TRUE(r.ok());
        ASSERT_EQ(c0.h.send(exwire::bytes(buf, r.size)), ee::send_status::ok);
    }
    EXPECT_TRUE(wait_until([&] { return srv->statistics().dropped == 1; }, 2000ms));
    EXPECT_TRUE(c0.stays_quiet(100ms));
    // Rejected orders never reach the market data: preamble and one Add only.
    ASSERT_TRUE(soup.wait_count(5));
    EXPECT_TRUE(soup.stays_quiet(100ms));
    EXPECT_EQ(soup.messages.size(), 5u);
}

TEST_F(sim_fixture, injected_order_is_published_with_its_intended_time) {
    ASSERT_TRUE(soup.wait_count(4));
    soup.taken = 4;  // after the preamble
    const std::int64_t intended = exwire::monotonic_ns() - 1'234'567;
    exwire::sim::new_order o;
    o.symbol = exwire::sim::stock::from("TEST");
    o.order_side = exwire::sim::side::sell;
    o.limit_price = 1'010'000;
    o.qty = 300;
    ASSERT_TRUE(srv->inject(o, intended));
    auto add = as<itch::add_order>(soup.next());
    EXPECT_EQ(add.timestamp(), static_cast<std::uint64_t>(intended % 86'400'000'000'000));
    EXPECT_EQ(add.buy_sell_indicator(), 'S');
    EXPECT_EQ(add.shares(), 300u);
    EXPECT_EQ(add.price(), 1'010'000u);
    // An OUCH order crossing it: the Execute on the feed carries the agent's time, later.
    send_enter(c0.h, 1, 'B', 300, "TEST", 1'010'000);
    auto exe = as<itch::order_executed>(soup.next());
    EXPECT_EQ(exe.order_reference_number(), add.order_reference_number());
    EXPECT_GT(exe.timestamp(), add.timestamp() + 1'000'000);
}

TEST_F(sim_fixture, fix_orders_get_execution_reports_and_cancel_rejects) {
    const auto send_fix = [&](std::string_view type, const std::string& body) {
        ASSERT_EQ(
            fix.h.send(exwire::bytes(reinterpret_cast<const std::byte*>(body.data()), body.size()),
                       ee::fix::fix_msg_type_tag(type)),
            ee::send_status::ok);
    };
    // The fields of an inbound FIX frame.
    const auto field = [](const message* m, std::string_view tag) -> std::string {
        if (m == nullptr) return "<none>";
        const std::string s(reinterpret_cast<const char*>(m->bytes.data()), m->bytes.size());
        const std::string key = "\x01" + std::string(tag) + "=";
        const std::size_t at = s.find(key);
        if (at == std::string::npos) return "";
        const std::size_t b = at + key.size();
        return s.substr(b, s.find('\x01', b) - b);
    };
    send_fix("D",
             "11=A1\x01"
             "55=TEST\x01"
             "54=1\x01"
             "38=100\x01"
             "40=2\x01"
             "44=99.5\x01"
             "59=0\x01");
    const message* m = fix.next();
    EXPECT_EQ(field(m, "35"), "8");
    EXPECT_EQ(field(m, "150"), "0");
    EXPECT_EQ(field(m, "11"), "A1");
    EXPECT_EQ(field(m, "44"), "99.5000");
    EXPECT_EQ(field(m, "151"), "100");

    // An OUCH sell crosses it: a fill report.
    send_enter(c0.h, 1, 'S', 40, "TEST", 995'000);
    m = fix.next();
    EXPECT_EQ(field(m, "150"), "F");
    EXPECT_EQ(field(m, "39"), "1");
    EXPECT_EQ(field(m, "32"), "40");
    EXPECT_EQ(field(m, "31"), "99.5000");
    EXPECT_EQ(field(m, "14"), "40");
    EXPECT_EQ(field(m, "151"), "60");

    // Replace: 150=5 with the new ClOrdID and price.
    send_fix("G",
             "41=A1\x01"
             "11=A2\x01"
             "55=TEST\x01"
             "54=1\x01"
             "38=100\x01"
             "40=2\x01"
             "44=99.6\x01");
    m = fix.next();
    EXPECT_EQ(field(m, "150"), "5");
    EXPECT_EQ(field(m, "11"), "A2");
    EXPECT_EQ(field(m, "41"), "A1");
    EXPECT_EQ(field(m, "44"), "99.6000");
    EXPECT_EQ(field(m, "151"), "60");

    // Cancel of the old ClOrdID: OrderCancelReject; of the new one: 150=4.
    send_fix("F",
             "41=A1\x01"
             "11=A3\x01"
             "55=TEST\x01"
             "54=1\x01");
    m = fix.next();
    EXPECT_EQ(field(m, "35"), "9");
    EXPECT_EQ(field(m, "434"), "1");
    send_fix("F",
             "41=A2\x01"
             "11=A4\x01"
             "55=TEST\x01"
             "54=1\x01");
    m = fix.next();
    EXPECT_EQ(field(m, "35"), "8");
    EXPECT_EQ(field(m, "150"), "4");
    EXPECT_EQ(field(m, "11"), "A4");
    EXPECT_EQ(field(m, "41"), "A2");

    // An unknown symbol: 150=8 with the reason.
    send_fix("D",
             "11=B1\x01"
             "55=NOPE\x01"
             "54=2\x01"
             "38=10\x01"
             "40=2\x01"
             "44=100\x01"
             "59=0\x01");
    m = fix.next();
    EXPECT_EQ(field(m, "150"), "8");
    EXPECT_EQ(field(m, "11"), "B1");
    EXPECT_NE(field(m, "58").find("symbol"), std::string::npos) << field(m, "58");

    // A NewOrderSingle without OrderQty: rejected by the front end, fields echoed.
    send_fix("D",
             "11=M1\x01"
             "55=TEST\x01"
             "54=1\x01"
             "40=2\x01"
             "44=100\x01");
    m = fix.next();
    EXPECT_EQ(field(m, "150"), "8");
    EXPECT_EQ(field(m, "11"), "M1");
    EXPECT_EQ(field(m, "37"), "NONE");
    EXPECT_NE(field(m, "58").find("malformed"), std::string::npos) << field(m, "58");

    // A resting FIX order is canceled when the FIX client logs out (cancel on disconnect).
    send_fix("D",
             "11=C1\x01"
             "55=TEST\x01"
             "54=2\x01"
             "38=10\x01"
             "40=2\x01"
             "44=101\x01"
             "59=0\x01");
    m = fix.next();
    EXPECT_EQ(field(m, "150"), "0");
    const std::string ref = field(m, "37");
    ASSERT_TRUE(fix.h.close(3s));
    bool deleted = false;
    for (const message* x = soup.next(); x != nullptr && !deleted; x = soup.next(1000ms))
        deleted =
            x->type() == 'D' &&
            std::to_string(itch::order_delete::view(x->view()).order_reference_number()) == ref;
    EXPECT_TRUE(deleted) << "no ITCH Order Delete for order " << ref;
}

TEST_F(sim_fixture, stop_ends_every_session_and_the_feeds_with_end_of_messages) {
    ASSERT_TRUE(soup.wait_count(4));
    ASSERT_TRUE(mold.wait_count(4));
    soup.taken = mold.taken = 4;  // after the preamble
    srv->stop();
    auto c = as<itch::system_event>(soup.next());
    EXPECT_EQ(c.event_code(), 'C');
    auto cm = as<itch::system_event>(mold.next());
    EXPECT_EQ(cm.event_code(), 'C');
    EXPECT_TRUE(wait_until(
        [&] { return c0.h.is_closed() && c1.h.is_closed() && soup.h.is_closed(); }, 5000ms));
    EXPECT_EQ(c0.h.reason(), ee::close_reason::end_of_session);
    EXPECT_EQ(soup.h.reason(), ee::close_reason::end_of_session);
    EXPECT_TRUE(wait_until([&] { return mold.h.is_closed(); }, 5000ms));
    EXPECT_EQ(mold.h.reason(), ee::close_reason::end_of_session);
    EXPECT_TRUE(wait_until([&] { return fix.h.is_closed(); }, 5000ms));
}

TEST_F(sim_fixture, ioc_and_market_orders_never_rest_and_a_lost_client_has_its_orders_canceled) {
    ASSERT_TRUE(soup.wait_count(4));
    soup.taken = 2;
    const std::uint64_t bid_ref = as<itch::add_order>(soup.next()).order_reference_number();
    const std::uint64_t ask_ref = as<itch::add_order>(soup.next()).order_reference_number();

    // IOC buy for 200 at the ask: 100 fill, the rest canceled ('I'), nothing rests.
    send_enter(c1.h, 1, 'B', 200, "TEST", 1'050'000, '3');
    auto acc = as<ouch::order_accepted>(c1.next());
    EXPECT_EQ(acc.time_in_force(), '3');
    auto ex = as<ouch::order_executed>(c1.next());
    EXPECT_EQ(ex.quantity(), 100u);
    auto can = as<ouch::order_canceled>(c1.next());
    EXPECT_EQ(can.quantity(), 100u);
    EXPECT_EQ(can.reason(), 'I');

    // Market sell (OUCH price $214,748.3647) for 50: trades at the bid.
    send_enter(c1.h, 2, 'S', 50, "TEST", 2'147'483'647);
    auto macc = as<ouch::order_accepted>(c1.next());
    EXPECT_EQ(macc.price(), 2'147'483'647u);
    auto mex = as<ouch::order_executed>(c1.next());
    EXPECT_EQ(mex.quantity(), 50u);
    EXPECT_EQ(mex.price(), 950'000u);

    // Client 0 rests an order and logs out: the simulator cancels it (cancel on disconnect).
    send_enter(c0.h, 7, 'B', 10, "TEST", 960'000);
    const std::uint64_t ref = as<ouch::order_accepted>(c0.next()).order_reference_number();
    ASSERT_TRUE(c0.h.close(2s));

    auto e1 = as<itch::order_executed>(soup.next());
    EXPECT_EQ(e1.order_reference_number(), ask_ref);
    EXPECT_EQ(e1.executed_shares(), 100u);
    auto e2 = as<itch::order_executed>(soup.next());
    EXPECT_EQ(e2.order_reference_number(), bid_ref);
    EXPECT_EQ(e2.executed_shares(), 50u);
    auto add = as<itch::add_order>(soup.next());
    EXPECT_EQ(add.order_reference_number(), ref);
    auto del = as<itch::order_delete>(soup.next());
    EXPECT_EQ(del.order_reference_number(), ref);
    EXPECT_TRUE(soup.stays_quiet(100ms));
}

/// The embedded default market with a fast background flow.
struct sim_flow_fixture : sim_fixture {
    void configure(exwire::sim::server_options& o) override {
        o.market = exwire::sim::default_config();
        o.market.flow.orders_per_second = 5000;
        o.background_flow = true;
    }
};

TEST_F(sim_flow_fixture, background_flow_gives_identical_consistent_feeds) {
    std::this_thread::sleep_for(1000ms);
    srv->stop();
    const auto st = srv->statistics();
    EXPECT_GT(st.orders, 2000u);  // about 5000 due in the second
    EXPECT_GT(st.trades, 0u);
    EXPECT_EQ(st.rejects, 0u);  // the flow never makes invalid requests
    EXPECT_EQ(st.dropped, 0u);
    // Both feeds end with End of Messages ('C') after every message of the day.
    ASSERT_TRUE(soup.wait_count(st.itch_messages, 10000ms)) << soup.messages.size();
    ASSERT_TRUE(mold.wait_count(st.itch_messages, 10000ms)) << mold.messages.size();
    ASSERT_EQ(soup.messages.size(), st.itch_messages);
    ASSERT_EQ(mold.messages.size(), st.itch_messages);
    exwire::codec::nasdaq::itch_book book;
    std::uint64_t last_ts = 0;
    std::size_t out_of_order = 0, differ = 0;
    for (std::size_t i = 0; i < soup.messages.size(); ++i) {
        const message& m = soup.messages[i];
        if (m.bytes != mold.messages[i].bytes || m.sequence != i + 1 ||
            mold.messages[i].sequence != i + 1)
            ++differ;
        ASSERT_EQ(book.apply_message(m.view()), exwire::codec::nasdaq::visit_status::ok) << i;
        const std::uint64_t ts = exwire::load_be48(m.bytes.data() + 5);
        if (ts < last_ts) ++out_of_order;
        last_ts = ts;
    }
    EXPECT_EQ(differ, 0u);
    EXPECT_EQ(out_of_order, 0u);  // no injected orders here: time only moves forward
    EXPECT_EQ(soup.messages.back().type(), 'S');
    EXPECT_EQ(book.stats().unknown_orders, 0u);
    EXPECT_EQ(book.stats().duplicate_adds, 0u);
    EXPECT_GT(book.stats().executions, 0u);
    for (std::uint16_t locate = 1; locate <= 5; ++locate) {
        const auto bids = book.bids(locate, 1);
        const auto asks = book.asks(locate, 1);
        ASSERT_FALSE(bids.empty()) << locate;
        ASSERT_FALSE(asks.empty()) << locate;
        EXPECT_LT(bids[0].price, asks[0].price) << "crossed book for locate " << locate;
    }
}

TEST(sim_server, publishes_moldudp64_to_a_multicast_group_on_loopback) {
    exwire::sim::server_options o;
    o.market = test_market();
    o.background_flow = false;
    o.fix = false;
    const std::uint16_t port = free_udp_port();
    o.mold_destination = "239.255.0.77:" + std::to_string(port);
    o.idle = idle;
    auto made = exwire::sim::server::create(o);
    ASSERT_TRUE(made.ok()) << made.err().message;
    auto srv = std::move(made).value();

    ee::engine_config c;
    ee::shard_config sh;
    sh.name = "rx";
    sh.idle = idle;
    c.shards.push_back(sh);
    ee::session_config s;
    s.name = "mold-itch";
    s.protocol = ee::protocol_kind::itch;
    s.role = ee::session_role::receiver;
    s.group = {"239.255.0.77", port};
    s.interface = "127.0.0.1";
    s.request_server = {"127.0.0.1", srv->ports().mold_retransmit};
    s.requested_sequence = 1;
    s.journal.dir.clear();
    c.sessions.push_back(s);
    ee::protocol_registry reg;
    ee::nasdaq::register_moldudp64(reg);
    auto rx = ee::engine::create(std::move(c), reg);
    ASSERT_TRUE(rx.ok()) << rx.err().message;
    if (!(*rx)->start().ok() || (*rx)->session("mold-itch").is_closed())
        GTEST_SKIP() << "cannot join a multicast group on loopback here";
    ASSERT_TRUE(srv->start().ok());
    collector feed;
    feed.h = (*rx)->session("mold-itch");
    if (!feed.wait_count(4, 3000ms)) GTEST_SKIP() << "no multicast route on loopback here";
    EXPECT_EQ(as<itch::system_event>(feed.next()).event_code(), 'O');
    EXPECT_EQ(as<itch::stock_directory>(feed.next()).stock(), "TEST");
    EXPECT_EQ(as<itch::add_order>(feed.next()).price(), 950'000u);
    EXPECT_EQ(as<itch::add_order>(feed.next()).price(), 1'050'000u);
    srv->stop();
    EXPECT_EQ(as<itch::system_event>(feed.next()).event_code(), 'C');
    (*rx)->stop();
}

TEST(sim_server, create_refuses_a_bad_market_and_bad_options) {
    exwire::sim::server_options o;
    o.market = test_market();
    o.market.symbols[0].tick = 0;
    auto r = exwire::sim::server::create(o);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.err().message.find("TEST"), std::string::npos) << r.err().message;
    exwire::sim::server_options o2;
    o2.ouch_clients = 0;
    EXPECT_FALSE(exwire::sim::server::create(o2).ok());
    exwire::sim::server_options o3;
    o3.mold_destination = "nonsense";
    EXPECT_FALSE(exwire::sim::server::create(o3).ok());
}

TEST(sim_config_file, parses_every_key_and_names_the_bad_one) {
    auto c = exwire::sim::parse_sim_config(R"(
house_client = 7
order_capacity = 1000
[flow]
rate = 50
seed = 3
client = 9
[[symbols]]
name = "ABC"
tick = "0.05"
reference_price = "20.00"
band_bp = 500
max_order_qty = 5000
bids = [{ px = "19.95", qty_each = 100, orders = 2 }]
asks = [{ px = 200500, qty_each = 300 }]
)",
                                           "t.toml");
    ASSERT_TRUE(c.ok()) << c.err().message;
    EXPECT_EQ(c->house_client, 7u);
    EXPECT_EQ(c->initial_order_capacity, 1000u);
    EXPECT_EQ(c->flow.orders_per_second, 50.0);
    EXPECT_EQ(c->flow.seed, 3u);
    EXPECT_EQ(c->flow.client, 9u);
    ASSERT_EQ(c->symbols.size(), 1u);
    EXPECT_EQ(c->symbols[0].tick, 500);
    EXPECT_EQ(c->symbols[0].reference_price, 200'000);
    EXPECT_EQ(c->symbols[0].band_bp, 500u);
    EXPECT_EQ(c->symbols[0].max_order_qty, 5000u);
    ASSERT_EQ(c->symbols[0].bids.size(), 1u);
    EXPECT_EQ(c->symbols[0].bids[0].px, 199'500);
    EXPECT_EQ(c->symbols[0].bids[0].orders, 2u);
    EXPECT_EQ(c->symbols[0].asks[0].px, 200'500);
    EXPECT_EQ(c->symbols[0].asks[0].orders, 1u);

    auto bad_key = exwire::sim::parse_sim_config(
        "[[symbols]]\nname = \"A\"\nreference_price = 100\ntikc = 1\n", "b.toml");
    ASSERT_FALSE(bad_key.ok());
    EXPECT_NE(bad_key.err().message.find("b.toml:4:"), std::string::npos) << bad_key.err().message;
    EXPECT_NE(bad_key.err().message.find("symbols[0].tikc: unknown key"), std::string::npos)
        << bad_key.err().message;
    auto bad_price = exwire::sim::parse_sim_config(
        "[[symbols]]\nname = \"A\"\nreference_price = 1.5\n", "p.toml");
    ASSERT_FALSE(bad_price.ok());
    EXPECT_NE(bad_price.err().message.find("symbols[0].reference_price: expected a price"),
              std::string::npos)
        << bad_price.err().message;
    auto invalid = exwire::sim::parse_sim_config(
        "[[symbols]]\nname = \"A\"\nreference_price = 150\n", "v.toml");
    ASSERT_FALSE(invalid.ok());  // not on the default tick of 100
    EXPECT_NE(invalid.err().message.find("v.toml: "), std::string::npos) << invalid.err().message;
    auto syntax = exwire::sim::parse_sim_config("[[symbols]\n", "s.toml");
    ASSERT_FALSE(syntax.ok());
    EXPECT_NE(syntax.err().message.find("s.toml:1:"), std::string::npos) << syntax.err().message;
}
