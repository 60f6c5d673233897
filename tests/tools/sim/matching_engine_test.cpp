// Behaviour of the matching engine, one rule per test.
#include <gtest/gtest.h>

#include <memory_resource>

#include "../../support/alloc_counter.hpp"
#include "sim_test_support.hpp"

namespace exwire::sim::testing {
namespace {

constexpr price px(double dollars) {
    return static_cast<price>(dollars * 10'000 + 0.5);
}

class engine_test : public ::testing::Test {
  protected:
    void SetUp() override {
        auto e = matching_engine::create(small_config(), rec_);
        ASSERT_TRUE(e.ok()) << e.err().message;
        engine_.emplace(std::move(*e));
    }
    // Enters a day limit order and returns its events.
    std::vector<event> limit(client_id c, order_token t, side s, price p, quantity q,
                             time_in_force tif = time_in_force::day, const char* sym = "AAA") {
        engine_->enter({c, t, stock::from(sym), s, order_type::limit, tif, p, q});
        return rec_.take();
    }
    std::vector<event> market(client_id c, order_token t, side s, quantity q) {
        engine_->enter({c, t, stock::from("AAA"), s, order_type::market,
                        time_in_force::immediate_or_cancel, 0, q});
        return rec_.take();
    }
    std::vector<event> cancel(client_id c, order_token t, quantity remaining = 0) {
        engine_->cancel({c, t, remaining});
        return rec_.take();
    }
    std::vector<event> replace(client_id c, order_token t, order_token nt, price p, quantity q) {
        engine_->replace({c, t, nt, p, q});
        return rec_.take();
    }
    std::vector<level_info> levels(side s) {
        std::vector<level_info> out(16);
        out.resize(engine_->depth(0, s, out));
        return out;
    }
    reject_reason rejected(const std::vector<event>& ev) {
        EXPECT_EQ(ev.size(), 1U);
        const auto* r = std::get_if<order_rejected>(&ev.at(0));
        EXPECT_NE(r, nullptr);
        return r ? r->reason : reject_reason::unknown_order;
    }
    template <typename T>
    static std::vector<T> all(const std::vector<event>& ev) {
        std::vector<T> out;
        for (const event& e : ev)
            if (auto* x = std::get_if<T>(&e)) out.push_back(*x);
        return out;
    }

    recorder rec_;
    std::optional<matching_engine> engine_;
};

TEST_F(engine_test, resting_order_is_accepted_then_added_to_the_book) {
    const auto ev = limit(1, 7, side::buy, px(10.00), 300);
    ASSERT_EQ(ev.size(), 2U);
    EXPECT_EQ(ev[0], event(order_accepted{1, 7, 1, 0, side::buy, order_type::limit,
                                          time_in_force::day, px(10.00), 300}));
    EXPECT_EQ(ev[1], event(book_add{0, 1, side::buy, 300, px(10.00)}));
    EXPECT_EQ(levels(side::buy), (std::vector<level_info>{{px(10.00), 300, 1}}));
}

TEST_F(engine_test, partial_fill_leaves_the_remainder_resting_at_its_limit_price) {
    limit(1, 1, side::sell, px(10.00), 100);
    const auto ev = limit(2, 1, side::buy, px(10.05), 250);
    const auto trades = all<trade>(ev);
    ASSERT_EQ(trades.size(), 1U);
    EXPECT_EQ(trades[0].qty, 100U);
    EXPECT_EQ(trades[0].aggressor.leaves, 150U);
    EXPECT_EQ(all<book_add>(ev), (std::vector<book_add>{{0, 2, side::buy, 150, px(10.05)}}));
    EXPECT_EQ(levels(side::buy), (std::vector<level_info>{{px(10.05), 150, 1}}));
    EXPECT_TRUE(levels(side::sell).empty());
}

TEST_F(engine_test, trade_happens_at_the_resting_order_price_and_reports_both_sides) {
    limit(1, 5, side::sell, px(10.00), 100);
    const auto ev = limit(2, 9, side::buy, px(10.10), 100);
    ASSERT_EQ(ev.size(), 3U);
    EXPECT_EQ(ev[1], event(trade{1, 0, side::buy, px(10.00), 100, {2, 9, 2, 0}, {1, 5, 1, 0}}));
    // A resting order executed in full leaves the book with the execution alone.
    EXPECT_EQ(ev[2], event(book_executed{0, 1, 100, 1}));
}

TEST_F(engine_test, better_price_fills_before_an_earlier_order_at_a_worse_price) {
    limit(1, 1, side::sell, px(10.02), 100);
    limit(1, 2, side::sell, px(10.01), 100);
    const auto trades = all<trade>(limit(2, 1, side::buy, px(10.02), 200));
    ASSERT_EQ(trades.size(), 2U);
    EXPECT_EQ(trades[0].resting.token, 2U);
    EXPECT_EQ(trades[0].trade_price, px(10.01));
    EXPECT_EQ(trades[1].resting.token, 1U);
    EXPECT_EQ(trades[1].trade_price, px(10.02));
}

TEST_F(engine_test, orders_at_one_price_fill_in_arrival_order) {
    limit(1, 1, side::buy, px(9.99), 100);
    limit(2, 1, side::buy, px(9.99), 100);
    limit(3, 1, side::buy, px(9.99), 100);
    const auto trades = all<trade>(limit(4, 1, side::sell, px(9.99), 250));
    ASSERT_EQ(trades.size(), 3U);
    EXPECT_EQ(trades[0].resting.client, 1U);
    EXPECT_EQ(trades[1].resting.client, 2U);
    EXPECT_EQ(trades[2].resting.client, 3U);
    EXPECT_EQ(trades[2].qty, 50U);
    EXPECT_EQ(levels(side::buy), (std::vector<level_info>{{px(9.99), 50, 1}}));
}

TEST_F(engine_test, limit_order_does_not_trade_through_its_price) {
    limit(1, 1, side::sell, px(10.01), 100);
    limit(1, 2, side::sell, px(10.03), 100);
    const auto ev = limit(2, 1, side::buy, px(10.02), 300);
    EXPECT_EQ(all<trade>(ev).size(), 1U);
    EXPECT_EQ(levels(side::buy), (std::vector<level_info>{{px(10.02), 200, 1}}));
    EXPECT_EQ(levels(side::sell), (std::vector<level_info>{{px(10.03), 100, 1}}));
}

TEST_F(engine_test, immediate_or_cancel_remainder_is_canceled_not_rested) {
    limit(1, 1, side::sell, px(10.00), 100);
    const auto ev = limit(2, 1, side::buy, px(10.00), 300, time_in_force::immediate_or_cancel);
    EXPECT_EQ(all<trade>(ev).size(), 1U);
    EXPECT_TRUE(all<book_add>(ev).empty());
    EXPECT_EQ(all<order_canceled>(ev),
              (std::vector<order_canceled>{{2, 1, 2, 200, 0, cancel_reason::immediate_or_cancel}}));
    EXPECT_TRUE(levels(side::buy).empty());
    EXPECT_FALSE(engine_->is_live(2, 1));
}

TEST_F(engine_test, market_order_on_an_empty_side_is_canceled) {
    const auto ev = market(1, 1, side::buy, 500);
    ASSERT_EQ(ev.size(), 2U);
    EXPECT_TRUE(std::holds_alternative<order_accepted>(ev[0]));
    EXPECT_EQ(ev[1], event(order_canceled{1, 1, 1, 500, 0, cancel_reason::immediate_or_cancel}));
    EXPECT_EQ(engine_->live_orders(), 0U);
}

TEST_F(engine_test, market_order_sweeps_levels_until_filled) {
    limit(1, 1, side::buy, px(9.99), 100);
    limit(1, 2, side::buy, px(9.90), 100);
    const auto ev = market(2, 1, side::sell, 150);
    const auto trades = all<trade>(ev);
    ASSERT_EQ(trades.size(), 2U);
    EXPECT_EQ(trades[1].trade_price, px(9.90));
    EXPECT_TRUE(all<order_canceled>(ev).empty());
    EXPECT_EQ(levels(side::buy), (std::vector<level_info>{{px(9.90), 50, 1}}));
}

TEST_F(engine_test, cancel_removes_the_order_and_publishes_a_delete) {
    limit(1, 1, side::buy, px(9.99), 100);
    const auto ev = cancel(1, 1);
    ASSERT_EQ(ev.size(), 2U);
    EXPECT_EQ(ev[0], event(order_canceled{1, 1, 1, 100, 0, cancel_reason::user_requested}));
    EXPECT_EQ(ev[1], event(book_delete{0, 1}));
    EXPECT_TRUE(levels(side::buy).empty());
}

TEST_F(engine_test, partial_cancel_reduces_the_order_and_keeps_its_priority) {
    limit(1, 1, side::buy, px(9.99), 300);
    limit(2, 1, side::buy, px(9.99), 100);
    const auto ev = cancel(1, 1, 100);
    ASSERT_EQ(ev.size(), 2U);
    EXPECT_EQ(ev[0], event(order_canceled{1, 1, 1, 200, 100, cancel_reason::user_requested}));
    EXPECT_EQ(ev[1], event(book_cancel{0, 1, 200}));
    const auto trades = all<trade>(limit(3, 1, side::sell, px(9.99), 100));
    ASSERT_EQ(trades.size(), 1U);
    EXPECT_EQ(trades[0].resting.client, 1U);
}

TEST_F(engine_test, cancel_to_a_size_not_below_the_open_quantity_has_no_effect) {
    limit(1, 1, side::buy, px(9.99), 300);
    EXPECT_TRUE(cancel(1, 1, 300).empty());
    EXPECT_TRUE(cancel(1, 1, 500).empty());
    EXPECT_EQ(levels(side::buy), (std::vector<level_info>{{px(9.99), 300, 1}}));
}

TEST_F(engine_test, replace_with_smaller_quantity_at_the_same_price_keeps_priority) {
    limit(1, 1, side::buy, px(9.99), 300);
    limit(2, 1, side::buy, px(9.99), 100);
    const auto ev = replace(1, 1, 2, px(9.99), 200);
    ASSERT_EQ(ev.size(), 2U);
    EXPECT_EQ(ev[0], event(order_replaced{1, 1, 2, 1, 1, 0, side::buy, px(9.99), 200, true}));
    EXPECT_EQ(ev[1], event(book_cancel{0, 1, 100}));
    EXPECT_EQ(all<trade>(limit(3, 1, side::sell, px(9.99), 100)).at(0).resting.token, 2U);
}

TEST_F(engine_test, replace_with_larger_quantity_loses_priority) {
    limit(1, 1, side::buy, px(9.99), 100);
    limit(2, 1, side::buy, px(9.99), 100);
    const auto ev = replace(1, 1, 2, px(9.99), 200);
    ASSERT_EQ(ev.size(), 2U);
    EXPECT_EQ(ev[0], event(order_replaced{1, 1, 2, 1, 3, 0, side::buy, px(9.99), 200, false}));
    EXPECT_EQ(ev[1], event(book_replace{0, 1, 3, 200, px(9.99)}));
    EXPECT_EQ(all<trade>(limit(3, 1, side::sell, px(9.99), 100)).at(0).resting.client, 2U);
}

TEST_F(engine_test, replace_with_a_new_price_loses_priority_and_publishes_an_order_replace) {
    limit(1, 1, side::buy, px(9.99), 100);
    limit(2, 1, side::buy, px(9.98), 100);
    const auto ev = replace(1, 1, 2, px(9.98), 100);
    EXPECT_EQ(all<book_replace>(ev), (std::vector<book_replace>{{0, 1, 3, 100, px(9.98)}}));
    EXPECT_EQ(levels(side::buy), (std::vector<level_info>{{px(9.98), 200, 2}}));
    EXPECT_EQ(all<trade>(limit(3, 1, side::sell, px(9.98), 100)).at(0).resting.client, 2U);
    EXPECT_FALSE(engine_->is_live(1, 1));
    EXPECT_TRUE(engine_->is_live(1, 2));
}

TEST_F(engine_test, replace_that_crosses_trades_and_publishes_delete_executions_then_add) {
    limit(1, 1, side::buy, px(9.99), 300);
    limit(2, 1, side::sell, px(10.01), 100);
    const auto ev = replace(1, 1, 2, px(10.01), 300);
    ASSERT_EQ(ev.size(), 5U);
    EXPECT_TRUE(std::holds_alternative<order_replaced>(ev[0]));
    EXPECT_EQ(ev[1], event(book_delete{0, 1}));
    EXPECT_EQ(ev[2], event(trade{1, 0, side::buy, px(10.01), 100, {1, 2, 3, 200}, {2, 1, 2, 0}}));
    EXPECT_EQ(ev[3], event(book_executed{0, 2, 100, 1}));
    EXPECT_EQ(ev[4], event(book_add{0, 3, side::buy, 200, px(10.01)}));
}

TEST_F(engine_test, cancel_all_removes_only_that_clients_orders_in_reference_order) {
    limit(1, 1, side::buy, px(9.99), 100);
    limit(2, 1, side::buy, px(9.99), 100);
    limit(1, 2, side::sell, px(10.05), 100, time_in_force::day, "BBB");
    EXPECT_EQ(engine_->cancel_all(1), 2U);
    const auto ev = rec_.take();
    EXPECT_EQ(ev, (std::vector<event>{
                      order_canceled{1, 1, 1, 100, 0, cancel_reason::system}, book_delete{0, 1},
                      order_canceled{1, 2, 3, 100, 0, cancel_reason::system}, book_delete{1, 3}}));
    EXPECT_EQ(engine_->live_orders(), 1U);
    EXPECT_TRUE(engine_->is_live(2, 1));
    EXPECT_EQ(engine_->cancel_all(1), 0U);
}

TEST_F(engine_test, order_references_and_match_numbers_count_from_one_across_symbols) {
    limit(1, 1, side::sell, px(10.00), 100, time_in_force::day, "AAA");
    limit(1, 2, side::sell, px(10.00), 100, time_in_force::day, "BBB");
    const auto a = all<trade>(limit(2, 1, side::buy, px(10.00), 100, time_in_force::day, "BBB"));
    const auto b = all<trade>(limit(2, 2, side::buy, px(10.00), 100, time_in_force::day, "AAA"));
    EXPECT_EQ(a.at(0).match, 1U);
    EXPECT_EQ(a.at(0).aggressor.ref, 3U);
    EXPECT_EQ(b.at(0).match, 2U);
    EXPECT_EQ(b.at(0).aggressor.ref, 4U);
    EXPECT_EQ(engine_->next_order_ref(), 5U);
    EXPECT_EQ(engine_->next_match_number(), 3U);
}

TEST_F(engine_test, rejects_an_unknown_symbol) {
    EXPECT_EQ(rejected(limit(1, 1, side::buy, px(10), 100, time_in_force::day, "NOPE")),
              reject_reason::unknown_symbol);
}

TEST_F(engine_test, rejects_a_price_that_is_zero_or_negative) {
    EXPECT_EQ(rejected(limit(1, 1, side::buy, 0, 100)), reject_reason::price_not_positive);
    EXPECT_EQ(rejected(limit(1, 2, side::buy, -100, 100)), reject_reason::price_not_positive);
}

TEST_F(engine_test, rejects_a_price_off_the_tick) {
    EXPECT_EQ(rejected(limit(1, 1, side::buy, px(10.005), 100)), reject_reason::price_not_on_tick);
}

TEST_F(engine_test, rejects_a_price_outside_the_band_and_accepts_its_edges) {
    EXPECT_EQ(rejected(limit(1, 1, side::buy, px(8.99), 100)), reject_reason::price_out_of_band);
    EXPECT_EQ(rejected(limit(1, 2, side::sell, px(11.01), 100)), reject_reason::price_out_of_band);
    EXPECT_EQ(all<order_rejected>(limit(1, 3, side::buy, px(9.00), 100)).size(), 0U);
    EXPECT_EQ(all<order_rejected>(limit(1, 4, side::sell, px(11.00), 100)).size(), 0U);
}

TEST_F(engine_test, rejects_zero_quantity_and_quantity_above_the_maximum) {
    EXPECT_EQ(rejected(limit(1, 1, side::buy, px(10), 0)), reject_reason::bad_quantity);
    EXPECT_EQ(rejected(limit(1, 2, side::buy, px(10), 10'001)), reject_reason::bad_quantity);
    EXPECT_EQ(rejected(market(1, 3, side::buy, 0)), reject_reason::bad_quantity);
}

TEST_F(engine_test, rejects_a_token_the_client_already_used_even_after_the_order_is_gone) {
    limit(1, 1, side::buy, px(9.99), 100);
    EXPECT_EQ(rejected(limit(1, 1, side::buy, px(9.98), 100)), reject_reason::duplicate_token);
    cancel(1, 1);
    EXPECT_EQ(rejected(limit(1, 1, side::buy, px(9.98), 100)), reject_reason::duplicate_token);
}

TEST_F(engine_test, accepts_the_same_token_from_another_client) {
    limit(1, 1, side::buy, px(9.99), 100);
    EXPECT_TRUE(all<order_rejected>(limit(2, 1, side::buy, px(9.99), 100)).empty());
}

TEST_F(engine_test, rejected_order_does_not_consume_its_token) {
    EXPECT_EQ(rejected(limit(1, 1, side::buy, px(10.005), 100)), reject_reason::price_not_on_tick);
    EXPECT_TRUE(all<order_rejected>(limit(1, 1, side::buy, px(10.00), 100)).empty());
}

TEST_F(engine_test, rejects_cancel_and_replace_of_an_unknown_order) {
    const auto c = cancel(1, 42);
    EXPECT_EQ(c, (std::vector<event>{
                     order_rejected{1, 42, request_kind::cancel, reject_reason::unknown_order}}));
    const auto r = replace(1, 42, 43, px(10), 100);
    EXPECT_EQ(r, (std::vector<event>{
                     order_rejected{1, 43, request_kind::replace, reject_reason::unknown_order}}));
}

TEST_F(engine_test, rejects_replace_to_a_used_token_or_invalid_price_and_leaves_the_order_alone) {
    limit(1, 1, side::buy, px(9.99), 100);
    limit(1, 2, side::buy, px(9.98), 100);
    EXPECT_EQ(rejected(replace(1, 1, 2, px(9.97), 100)), reject_reason::duplicate_token);
    EXPECT_EQ(rejected(replace(1, 1, 1, px(9.97), 100)), reject_reason::duplicate_token);
    EXPECT_EQ(rejected(replace(1, 1, 3, px(12.00), 100)), reject_reason::price_out_of_band);
    EXPECT_EQ(rejected(replace(1, 1, 3, px(9.97), 0)), reject_reason::bad_quantity);
    EXPECT_EQ(engine_->find_order(1, 1)->limit_price, px(9.99));
}

TEST(sim_engine_create, refuses_an_invalid_configuration) {
    recorder rec;
    sim_config c = small_config();
    c.symbols[1].name = "AAA";
    const auto e = matching_engine::create(c, rec);
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.err().message.find("defined twice"), std::string::npos);
}

// Counts the allocations a memory resource serves.
class counting_resource final : public std::pmr::memory_resource {
  public:
    std::size_t allocations = 0;

  private:
    void* do_allocate(std::size_t b, std::size_t a) override {
        ++allocations;
        return std::pmr::new_delete_resource()->allocate(b, a);
    }
    void do_deallocate(void* p, std::size_t b, std::size_t a) override {
        std::pmr::new_delete_resource()->deallocate(p, b, a);
    }
    bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override {
        return this == &o;
    }
};

TEST(sim_engine_memory, requests_within_the_configured_capacity_do_not_allocate) {
    counting_resource mem;
    std::size_t events = 0;
    auto count = [&events](const event&) { ++events; };
    sim_config c = small_config();
    c.initial_order_capacity = 8192;
    auto e = matching_engine::create(c, count, &mem);
    ASSERT_TRUE(e.ok());
    const std::size_t at_start = mem.allocations;
    const auto news_at_start = exwire::test::allocations_everywhere();
    EXPECT_GT(at_start, 0U);
    // 4000 resting orders over 40 price levels, then 2000 that trade against them.
    for (order_token t = 1; t <= 4000; ++t)
        e->enter({1, t, stock::from(t % 2 ? "AAA" : "BBB"), side::buy, order_type::limit,
                  time_in_force::day, 99'000 + 100 * static_cast<price>(t % 20), 100});
    for (order_token t = 1; t <= 2000; ++t)
        e->enter({2, t, stock::from(t % 2 ? "AAA" : "BBB"), side::sell, order_type::limit,
                  time_in_force::immediate_or_cancel, 99'000, 150});
    EXPECT_GT(events, 10'000U);
    EXPECT_EQ(mem.allocations, at_start);
    EXPECT_EQ(exwire::test::allocations_everywhere(), news_at_start);
    // The hook does count: a vector of runtime size allocates once.
    std::vector<std::size_t> v(events);
    EXPECT_EQ(exwire::test::allocations_everywhere(), news_at_start + 1);
    EXPECT_EQ(v.size(), events);
}

}  // namespace
}  // namespace exwire::sim::testing

namespace exwire::sim::testing {
namespace {

TEST(sim_memory, system_resource_bypasses_mimalloc_and_mimalloc_resource_uses_it) {
    void* sys = system_resource()->allocate(1 << 16, 64);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(sys) % 64, 0U);
    EXPECT_FALSE(owned_by_mimalloc(sys));
    system_resource()->deallocate(sys, 1 << 16, 64);
    if (!have_mimalloc()) GTEST_SKIP() << "built without mimalloc";
    void* mi = mimalloc_resource()->allocate(1 << 16, 64);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(mi) % 64, 0U);
    EXPECT_TRUE(owned_by_mimalloc(mi));
    mimalloc_resource()->deallocate(mi, 1 << 16, 64);
    EXPECT_EQ(default_resource(), mimalloc_resource());
}

}  // namespace
}  // namespace exwire::sim::testing
