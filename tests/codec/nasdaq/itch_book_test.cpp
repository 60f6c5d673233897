// itch_book: level aggregation per message type, and a randomized cross-check against a
// simple std::map reference model.
// gtest 1.12 triggers a -Wnull-dereference false positive inside gtest.h at -O2 here.
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <exwire/codec/nasdaq/itch_book.hpp>

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <random>
#include <vector>

namespace nq = exwire::codec::nasdaq;
namespace itch = exwire::codec::nasdaq::itch50;

namespace {

struct feeder {
    nq::itch_book book;
    std::array<std::byte, 64> buf{};
    void add(std::uint64_t ref, std::uint16_t loc, char side, std::uint32_t shares,
             std::uint32_t price) {
        auto r = itch::add_order::builder(buf)
                     .stock_locate(loc)
                     .order_reference_number(ref)
                     .buy_sell_indicator(side)
                     .shares(shares)
                     .stock("X")
                     .price(price)
                     .finish();
        ASSERT_EQ(book.apply_message({buf.data(), r.size}), nq::visit_status::ok);
    }
    void exec(std::uint64_t ref, std::uint32_t n) {
        auto r = itch::order_executed::builder(buf)
                     .order_reference_number(ref)
                     .executed_shares(n)
                     .finish();
        ASSERT_EQ(book.apply_message({buf.data(), r.size}), nq::visit_status::ok);
    }
    void cancel(std::uint64_t ref, std::uint32_t n) {
        auto r = itch::order_cancel::builder(buf)
                     .order_reference_number(ref)
                     .cancelled_shares(n)
                     .finish();
        ASSERT_EQ(book.apply_message({buf.data(), r.size}), nq::visit_status::ok);
    }
    void del(std::uint64_t ref) {
        auto r = itch::order_delete::builder(buf).order_reference_number(ref).finish();
        ASSERT_EQ(book.apply_message({buf.data(), r.size}), nq::visit_status::ok);
    }
    void replace(std::uint64_t old_ref, std::uint64_t new_ref, std::uint32_t shares,
                 std::uint32_t price) {
        auto r = itch::order_replace::builder(buf)
                     .original_order_reference_number(old_ref)
                     .new_order_reference_number(new_ref)
                     .shares(shares)
                     .price(price)
                     .finish();
        ASSERT_EQ(book.apply_message({buf.data(), r.size}), nq::visit_status::ok);
    }
};

}  // namespace

TEST(itch_book, aggregates_levels_best_first_and_applies_every_update_type) {
    feeder f;
    f.add(1, 7, 'B', 100, 100000);
    f.add(2, 7, 'B', 50, 101000);
    f.add(3, 7, 'B', 25, 100000);
    f.add(4, 7, 'S', 10, 102000);
    f.add(5, 7, 'S', 20, 103000);
    auto b = f.book.bids(7);
    ASSERT_EQ(b.size(), 2u);
    EXPECT_EQ(b[0].price, 101000u);
    EXPECT_EQ(b[1].price, 100000u);
    EXPECT_EQ(b[1].shares, 125u);
    EXPECT_EQ(b[1].orders, 2u);
    EXPECT_EQ(f.book.asks(7)[0].price, 102000u);
    f.exec(1, 40);  // 60 left
    EXPECT_EQ(f.book.bids(7)[1].shares, 85u);
    f.cancel(3, 25);  // order 3 gone
    EXPECT_EQ(f.book.bids(7)[1].orders, 1u);
    f.del(2);
    ASSERT_EQ(f.book.bids(7).size(), 1u);
    f.replace(4, 6, 30, 102500);
    ASSERT_EQ(f.book.asks(7).size(), 2u);
    EXPECT_EQ(f.book.asks(7)[0].price, 102500u);
    EXPECT_EQ(f.book.asks(7)[0].shares, 30u);
    f.exec(6, 5);  // the new reference is live
    EXPECT_EQ(f.book.asks(7)[0].shares, 25u);
    f.del(4);  // the old reference is gone
    EXPECT_EQ(f.book.stats().unknown_orders, 1u);
    EXPECT_EQ(f.book.live_orders(), 3u);
    EXPECT_TRUE(f.book.bids(8).empty());
}

// Random A/E/X/D/U over `locates` symbols and 50 prices, compared with a std::map model
// every `check_every` steps (levels empty and refill at the same prices many times).
void run_against_reference_model(std::uint16_t locates, int steps, int check_every) {
    feeder f;
    std::mt19937_64 rng(42);
    struct ord {
        std::uint16_t loc;
        bool bid;
        std::uint32_t price, shares;
    };
    std::map<std::uint64_t, ord> live;
    std::uint64_t next = 1;
    auto check = [&] {
        ASSERT_EQ(f.book.live_orders(), live.size());
        EXPECT_EQ(f.book.stats().unknown_orders, 0u);
        std::size_t levels = 0;
        for (std::uint16_t loc = 0; loc < locates; ++loc) {
            for (bool bid : {true, false}) {
                std::map<std::uint32_t, std::pair<std::uint64_t, std::uint32_t>> ref;
                for (auto& [k, o] : live)
                    if (o.loc == loc && o.bid == bid) {
                        ref[o.price].first += o.shares;
                        ++ref[o.price].second;
                    }
                auto got = bid ? f.book.bids(loc) : f.book.asks(loc);
                ASSERT_EQ(got.size(), ref.size());
                levels += ref.size();
                std::vector<std::pair<std::uint32_t, std::pair<std::uint64_t, std::uint32_t>>> want(
                    ref.begin(), ref.end());
                if (bid) std::reverse(want.begin(), want.end());
                for (std::size_t i = 0; i < got.size(); ++i) {
                    EXPECT_EQ(got[i].price, want[i].first);
                    EXPECT_EQ(got[i].shares, want[i].second.first);
                    EXPECT_EQ(got[i].orders, want[i].second.second);
                }
            }
        }
        EXPECT_EQ(f.book.live_levels(), levels);
    };
    for (int step = 0; step < steps; ++step) {
        if (step % check_every == 0) check();
        const int op = static_cast<int>(rng() % 10);
        if (live.empty() || op < 4) {
            ord o{static_cast<std::uint16_t>(rng() % locates), (rng() & 1) != 0,
                  static_cast<std::uint32_t>(100000 + (rng() % 50) * 100),
                  static_cast<std::uint32_t>(1 + rng() % 500)};
            f.add(next, o.loc, o.bid ? 'B' : 'S', o.shares, o.price);
            live[next++] = o;
            continue;
        }
        auto it = live.begin();
        std::advance(it, static_cast<long>(rng() % live.size()));
        const std::uint32_t n = static_cast<std::uint32_t>(1 + rng() % 300);
        if (op < 6) {
            f.exec(it->first, n);
        } else if (op < 7) {
            f.cancel(it->first, n);
        } else if (op < 9) {
            f.del(it->first);
            live.erase(it);
            continue;
        } else {
            ord o = it->second;
            o.price = static_cast<std::uint32_t>(100000 + (rng() % 50) * 100);
            o.shares = static_cast<std::uint32_t>(1 + rng() % 500);
            f.replace(it->first, next, o.shares, o.price);
            live.erase(it);
            live[next++] = o;
            continue;
        }
        if (n >= it->second.shares)
            live.erase(it);
        else
            it->second.shares -= n;
    }
    check();
}

TEST(itch_book, matches_a_reference_model_under_random_updates) {
    run_against_reference_model(3, 20000, 1000);
}

TEST(itch_book, matches_a_reference_model_when_the_level_table_grows) {
    run_against_reference_model(200, 40000, 5000);  // up to 20,000 distinct levels
}
