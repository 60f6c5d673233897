// The background flow: deterministic for a seed, realistic in mix, paced by rate.
#include <gtest/gtest.h>

#include "exwire/sim/synthetic_flow.hpp"
#include "sim_test_support.hpp"

namespace exwire::sim::testing {
namespace {

struct tally {
    std::size_t accepted = 0, rejected = 0, trades = 0, adds = 0, canceled = 0, replaced = 0;
    void operator()(const event& e) {
        accepted += std::holds_alternative<order_accepted>(e);
        rejected += std::holds_alternative<order_rejected>(e);
        trades += std::holds_alternative<trade>(e);
        adds += std::holds_alternative<book_add>(e);
        canceled += std::holds_alternative<order_canceled>(e);
        replaced += std::holds_alternative<order_replaced>(e);
    }
};

std::vector<request> run(std::uint64_t seed, std::size_t n, tally& t) {
    sim_config c = default_config();
    c.flow.seed = seed;
    auto e = matching_engine::create(c, t);
    e->load_starting_books();
    t = tally{};
    synthetic_flow flow(c.flow);
    std::vector<request> out;
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(flow.next(*e));
        e->submit(out.back());
    }
    return out;
}

TEST(sim_synthetic_flow, same_seed_gives_the_same_requests_and_another_seed_does_not) {
    tally t;
    EXPECT_EQ(run(7, 2000, t), run(7, 2000, t));
    EXPECT_NE(run(7, 2000, t), run(8, 2000, t));
}

TEST(sim_synthetic_flow, mix_is_mostly_passive_adds_with_cancels_and_some_trades_and_no_rejects) {
    tally t;
    const auto reqs = run(1, 20'000, t);
    std::size_t news = 0, cancels = 0, replaces = 0;
    for (const request& r : reqs) {
        news += std::holds_alternative<new_order>(r);
        cancels += std::holds_alternative<cancel_order>(r);
        replaces += std::holds_alternative<replace_order>(r);
    }
    EXPECT_EQ(t.rejected, 0U);
    EXPECT_GT(news, reqs.size() / 2);
    EXPECT_GT(cancels, reqs.size() / 10);
    EXPECT_GT(replaces, reqs.size() / 50);
    EXPECT_GT(t.trades, reqs.size() / 20);
    EXPECT_LT(t.trades, reqs.size() / 2);
    EXPECT_GT(t.adds, t.trades);
}

TEST(sim_synthetic_flow, books_stay_two_sided_near_the_reference_price) {
    const sim_config& c = default_config();
    auto sink = [](const event&) {};
    auto e = matching_engine::create(c, sink);
    e->load_starting_books();
    synthetic_flow flow(c.flow);
    for (int i = 0; i < 50'000; ++i)
        e->submit(flow.next(*e));
    for (symbol_id s = 0; s < e->symbol_count(); ++s) {
        const auto bid = e->best(s, side::buy);
        const auto ask = e->best(s, side::sell);
        ASSERT_TRUE(bid && ask) << c.symbols[s].name;
        EXPECT_LT(bid->px, ask->px);
        EXPECT_GE(bid->px, c.symbols[s].min_price());
        EXPECT_LE(ask->px, c.symbols[s].max_price());
    }
    EXPECT_LE(e->live_orders(), c.flow.max_live_orders + 200U);  // + the starting books
}

TEST(sim_synthetic_flow, due_paces_requests_at_the_configured_rate) {
    flow_config f;
    f.orders_per_second = 1000;
    synthetic_flow flow(f);
    EXPECT_EQ(flow.due(0), 0U);
    EXPECT_EQ(flow.due(1'000'000), 1U);
    EXPECT_EQ(flow.due(2'500'000'000ULL), 2500U);
    f.orders_per_second = 0;
    EXPECT_EQ(synthetic_flow(f).due(1'000'000'000ULL), 0U);
}

}  // namespace
}  // namespace exwire::sim::testing
