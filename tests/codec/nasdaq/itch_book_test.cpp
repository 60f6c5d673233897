// itch_book: level aggregation per message type, and a randomized cross-check against a
// simple std::map reference model.
// gtest 1.12 triggers a -Wnull-dereference false positive inside gtest.h at -O2 here.
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <exwire/codec/nasdaq/itch_book.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <random>
#include <tuple>
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

// ---- differential checks against a plain std::map book --------------------------------

#include "../../../bench/codec/nasdaq/itch_synth.hpp"

namespace {

// The obvious book: orders in a std::map by reference, levels recomputed on demand. Same
// rules as itch_book: E/C/X take min(n, remaining) shares and remove an order at zero, a
// duplicate add replaces the live order, a replace keeps symbol and side.
struct reference_book {
    struct ord {
        std::uint16_t loc;
        bool bid;
        std::uint32_t price, shares;
    };
    std::map<std::uint64_t, ord> live;
    std::uint64_t unknown = 0, duplicates = 0;

    void add(std::uint64_t ref, std::uint16_t loc, bool bid, std::uint32_t price,
             std::uint32_t shares) {
        if (live.count(ref)) ++duplicates;
        live[ref] = ord{loc, bid, price, shares};
    }
    void reduce(std::uint64_t ref, std::uint32_t n) {
        auto it = live.find(ref);
        if (it == live.end()) {
            ++unknown;
            return;
        }
        if (n >= it->second.shares)
            live.erase(it);
        else
            it->second.shares -= n;
    }
    void apply(itch::add_order::view v) {
        add(v.order_reference_number(), v.stock_locate(), v.buy_sell_indicator() == 'B', v.price(),
            v.shares());
    }
    void apply(itch::add_order_mpid::view v) {
        add(v.order_reference_number(), v.stock_locate(), v.buy_sell_indicator() == 'B', v.price(),
            v.shares());
    }
    void apply(itch::order_executed::view v) {
        reduce(v.order_reference_number(), v.executed_shares());
    }
    void apply(itch::order_executed_with_price::view v) {
        reduce(v.order_reference_number(), v.executed_shares());
    }
    void apply(itch::order_cancel::view v) {
        reduce(v.order_reference_number(), v.cancelled_shares());
    }
    void apply(itch::order_delete::view v) {
        if (live.erase(v.order_reference_number()) == 0) ++unknown;
    }
    void apply(itch::order_replace::view v) {
        auto it = live.find(v.original_order_reference_number());
        if (it == live.end()) {
            ++unknown;
            return;
        }
        const ord o = it->second;
        live.erase(it);
        add(v.new_order_reference_number(), o.loc, o.bid, v.price(), v.shares());
    }
    template <typename View>
    void apply(View) {}

    // {price, shares, orders} best first.
    [[nodiscard]] std::vector<std::tuple<std::uint32_t, std::uint64_t, std::uint32_t>> side(
        std::uint16_t loc, bool bid) const {
        std::map<std::uint32_t, std::pair<std::uint64_t, std::uint32_t>> lv;
        for (const auto& [ref, o] : live)
            if (o.loc == loc && o.bid == bid) {
                lv[o.price].first += o.shares;
                ++lv[o.price].second;
            }
        std::vector<std::tuple<std::uint32_t, std::uint64_t, std::uint32_t>> out;
        for (const auto& [p, sv] : lv)
            out.emplace_back(p, sv.first, sv.second);
        if (bid) std::reverse(out.begin(), out.end());
        return out;
    }
    [[nodiscard]] std::size_t levels() const {
        std::map<std::tuple<std::uint16_t, bool, std::uint32_t>, int> lv;
        for (const auto& [ref, o] : live)
            lv[{o.loc, o.bid, o.price}] = 1;
        return lv.size();
    }
};

void expect_same_book(const nq::itch_book& book, const reference_book& ref,
                      const std::vector<std::uint16_t>& locates) {
    ASSERT_EQ(book.live_orders(), ref.live.size());
    ASSERT_EQ(book.live_levels(), ref.levels());
    EXPECT_EQ(book.stats().unknown_orders, ref.unknown);
    EXPECT_EQ(book.stats().duplicate_adds, ref.duplicates);
    for (const std::uint16_t loc : locates) {
        for (const bool bid : {true, false}) {
            const auto want = ref.side(loc, bid);
            const auto got = bid ? book.bids(loc) : book.asks(loc);
            ASSERT_EQ(got.size(), want.size()) << "locate " << loc << (bid ? " bids" : " asks");
            for (std::size_t i = 0; i < got.size(); ++i) {
                ASSERT_EQ(got[i].price, std::get<0>(want[i])) << "locate " << loc << " level " << i;
                ASSERT_EQ(got[i].shares, std::get<1>(want[i]))
                    << "locate " << loc << " level " << i;
                ASSERT_EQ(got[i].orders, std::get<2>(want[i]))
                    << "locate " << loc << " level " << i;
            }
        }
    }
}

// Applies framed bytes to the reference one message at a time.
void apply_reference(reference_book& ref, exwire::bytes framed) {
    std::size_t pos = 0;
    while (pos + 2 <= framed.size()) {
        const std::size_t len = exwire::load_be<std::uint16_t>(framed.data() + pos);
        ASSERT_LE(pos + 2 + len, framed.size());
        (void)itch::visit(framed.subspan(pos + 2, len), [&](auto v) { ref.apply(v); });
        pos += 2 + len;
    }
}

}  // namespace

TEST(itch_book, matches_a_map_book_over_the_synthetic_stream_both_ways) {
    const auto s = itch_synth::generate(300'000, 7);
    reference_book ref;
    apply_reference(ref, exwire::bytes(s.bytes));
    ASSERT_EQ(ref.unknown, 0u);

    nq::itch_book framed(1024);  // small on purpose: pages, pool and index all grow
    const auto r = framed.apply_framed(exwire::bytes(s.bytes));
    EXPECT_EQ(r.status, nq::visit_status::ok);
    EXPECT_EQ(r.messages, s.messages);
    EXPECT_EQ(r.consumed, s.bytes.size());

    nq::itch_book one_by_one;
    std::size_t pos = 0;
    while (pos < s.bytes.size()) {
        const std::size_t len = exwire::load_be<std::uint16_t>(s.bytes.data() + pos);
        ASSERT_EQ(one_by_one.apply_message(exwire::bytes(s.bytes).subspan(pos + 2, len)),
                  nq::visit_status::ok);
        pos += 2 + len;
    }
    std::vector<std::uint16_t> locates;
    for (std::uint16_t l = 1; l <= 60; ++l)
        locates.push_back(l);
    for (std::uint16_t l = 61; l <= 8000; l += 97)
        locates.push_back(l);
    expect_same_book(framed, ref, locates);
    expect_same_book(one_by_one, ref, locates);
}

// Random streams that break the increasing-reference pattern: references far ahead (the
// fallback hash), below the first one, reused while live, unknown; sparse and dense.
// With wide_prices, prices also leave the ladder windows: a mid that jumps $3 every 4,000
// messages (after the live orders are deleted, except half of those far from the mid: the
// hash keeps levels that the moved windows may cover), prices off the cent grid, far from
// the mid, near 0 and near the top of the 32-bit range.
void run_random_stream(std::uint64_t seed, std::uint64_t first_ref, std::uint64_t spread,
                       bool wide_prices = false) {
    std::mt19937_64 rng(seed);
    std::vector<std::byte> framed;
    std::array<std::byte, 64> buf{};
    auto put = [&](std::size_t n) {
        const auto at = framed.size();
        framed.resize(at + 2 + n);
        exwire::store_be<std::uint16_t>(framed.data() + at, static_cast<std::uint16_t>(n));
        std::memcpy(framed.data() + at + 2, buf.data(), n);
    };
    std::vector<std::uint64_t> refs;
    std::uint64_t next = first_ref;
    auto pick_ref = [&]() -> std::uint64_t {
        const auto roll = rng() % 100;
        if (refs.empty() || roll < 3) return rng() % (next + spread + 10);  // maybe unknown
        return refs[rng() % refs.size()];
    };
    std::vector<std::size_t> checkpoints;  // where the books are compared (and at the end)
    std::vector<std::uint64_t> far_refs;   // orders added far from the mid
    bool far_price = false;
    auto pick_price = [&](int i) -> std::uint32_t {
        far_price = false;
        if (!wide_prices) return static_cast<std::uint32_t>(100000 + (rng() % 40) * 100);
        const auto mid = static_cast<std::uint32_t>(200000 + (i / 4000) * 30000);
        const auto kind = rng() % 100;
        const auto ticks = static_cast<std::uint32_t>(rng() % 40);
        if (kind < 70) return mid - 2000 + ticks * 100;                   // near the mid
        if (kind < 78) return mid - 2000 + ticks * 100 + 1 + rng() % 99;  // off the grid
        if (kind < 90) {                                                  // window edges, beyond
            const auto d = static_cast<std::uint32_t>(100 + rng() % 200) * 100;
            far_price = true;
            return rng() & 1 ? mid + d : mid - d;
        }
        if (kind < 95) return static_cast<std::uint32_t>(rng() % 30000);  // under $3
        return ~std::uint32_t{0} - static_cast<std::uint32_t>(rng() % 30000);
    };
    for (int i = 0; i < 40'000; ++i) {
        if (wide_prices && i % 4000 == 3999) {     // windows empty and move
            checkpoints.push_back(framed.size());  // compare the books before the sweep
            std::sort(far_refs.begin(), far_refs.end());
            std::vector<std::uint64_t> kept;
            for (const std::uint64_t r : refs) {
                if (std::binary_search(far_refs.begin(), far_refs.end(), r) && rng() % 2 == 0) {
                    kept.push_back(r);
                } else {
                    put(itch::order_delete::builder(buf).order_reference_number(r).finish().size);
                }
            }
            refs = kept;
            far_refs = kept;
        }
        const auto op = rng() % 100;
        const auto loc = static_cast<std::uint16_t>(1 + rng() % 5);
        const auto price = pick_price(i);
        const auto shares = static_cast<std::uint32_t>(1 + rng() % 400);
        if (op < 35) {
            std::uint64_t ref;
            const auto kind = rng() % 100;
            if (kind < 80) {
                ref = next++;
            } else if (kind < 88) {
                ref = next + spread + rng() % (spread + 1);  // far ahead
            } else if (kind < 94) {
                ref = first_ref > 0 ? rng() % first_ref : rng();  // below the first
            } else if (kind < 97 && !refs.empty()) {
                ref = refs[rng() % refs.size()];  // duplicate of a (maybe) live order
            } else {
                ref = rng();  // anywhere in 64 bits
            }
            refs.push_back(ref);
            if (far_price) far_refs.push_back(ref);
            const bool mpid = rng() % 10 == 0;
            auto b = [&](auto builder) {
                return builder.stock_locate(loc)
                    .order_reference_number(ref)
                    .buy_sell_indicator(rng() & 1 ? 'B' : 'S')
                    .shares(shares)
                    .stock("R")
                    .price(price);
            };
            if (mpid) {
                put(b(itch::add_order_mpid::builder(buf)).attribution("X").finish().size);
            } else {
                put(b(itch::add_order::builder(buf)).finish().size);
            }
        } else if (op < 55) {
            put(itch::order_executed::builder(buf)
                    .order_reference_number(pick_ref())
                    .executed_shares(static_cast<std::uint32_t>(1 + rng() % 300))
                    .finish()
                    .size);
        } else if (op < 60) {
            put(itch::order_executed_with_price::builder(buf)
                    .order_reference_number(pick_ref())
                    .executed_shares(static_cast<std::uint32_t>(1 + rng() % 300))
                    .printable('Y')
                    .execution_price(price)
                    .finish()
                    .size);
        } else if (op < 70) {
            put(itch::order_cancel::builder(buf)
                    .order_reference_number(pick_ref())
                    .cancelled_shares(static_cast<std::uint32_t>(1 + rng() % 300))
                    .finish()
                    .size);
        } else if (op < 88) {
            put(itch::order_delete::builder(buf).order_reference_number(pick_ref()).finish().size);
        } else if (op < 97) {
            const std::uint64_t nref = rng() % 4 == 0 ? next + spread : next++;
            refs.push_back(nref);
            if (far_price) far_refs.push_back(nref);
            put(itch::order_replace::builder(buf)
                    .original_order_reference_number(pick_ref())
                    .new_order_reference_number(nref)
                    .shares(shares)
                    .price(price)
                    .finish()
                    .size);
        } else {
            put(itch::system_event::builder(buf).event_code('O').finish().size);
        }
    }
    checkpoints.push_back(framed.size());
    reference_book ref;
    nq::itch_book framed_book(16), one_by_one(16);
    std::size_t pos = 0;
    for (const std::size_t until : checkpoints) {
        const exwire::bytes part = exwire::bytes(framed).subspan(pos, until - pos);
        apply_reference(ref, part);
        const auto r = framed_book.apply_framed(part);
        ASSERT_EQ(r.status, nq::visit_status::ok);
        while (pos < until) {
            const std::size_t len = exwire::load_be<std::uint16_t>(framed.data() + pos);
            ASSERT_EQ(one_by_one.apply_message(exwire::bytes(framed).subspan(pos + 2, len)),
                      nq::visit_status::ok);
            pos += 2 + len;
        }
        expect_same_book(framed_book, ref, {1, 2, 3, 4, 5});
        expect_same_book(one_by_one, ref, {1, 2, 3, 4, 5});
    }
    EXPECT_GT(ref.unknown, 0u);
    EXPECT_GT(ref.duplicates, 0u);
}

TEST(itch_book, matches_a_map_book_over_random_streams_with_dense_references) {
    run_random_stream(1, 1, 50);
}

TEST(itch_book, matches_a_map_book_over_random_streams_with_gaps_and_outliers) {
    run_random_stream(2, 1'000'000, 1'000'000);  // far references land in the fallback hash
    run_random_stream(3, std::uint64_t{1} << 40, 70'000);
}

TEST(itch_book, matches_a_map_book_when_prices_leave_the_ladder_windows) {
    run_random_stream(4, 1, 50, true);
    run_random_stream(5, 1'000'000, 1'000'000, true);
}

TEST(itch_book, sums_level_shares_past_32_bits) {
    feeder f;
    for (const std::uint32_t price : {100000u, 100001u}) {  // a ladder rung, a hash level
        const std::uint64_t r = price;
        f.add(r, 7, 'B', 4'000'000'000u, price);
        f.add(r + 10, 7, 'B', 3'000'000'000u, price);
        auto shares = [&] {
            for (const auto& l : f.book.bids(7))
                if (l.price == price) return l.shares;
            return std::uint64_t{0};
        };
        EXPECT_EQ(shares(), 7'000'000'000u);
        f.exec(r, 1'000'000'000u);
        EXPECT_EQ(shares(), 6'000'000'000u);
        f.cancel(r + 10, 2'999'999'999u);
        EXPECT_EQ(shares(), 3'000'000'001u);
        f.del(r);
        EXPECT_EQ(shares(), 1u);
        f.add(r + 20, 7, 'B', 4'294'967'295u, price);
        EXPECT_EQ(shares(), 4'294'967'296u);
        f.del(r + 10);
        f.del(r + 20);
        EXPECT_EQ(shares(), 0u);
        f.add(r + 30, 7, 'B', 5, price);  // the emptied level starts again from zero
        EXPECT_EQ(shares(), 5u);
        f.del(r + 30);
    }
    EXPECT_EQ(f.book.live_orders(), 0u);
    EXPECT_EQ(f.book.live_levels(), 0u);
}

TEST(itch_book, keeps_orders_at_the_extremes_of_the_reference_range) {
    // The fallback hash stores reference + 1, which wraps to 0 (its empty mark) for the
    // largest reference: that order must still be found, and erasing it must not disturb
    // the table (a fuzzer found a hang here).
    constexpr std::uint64_t top = ~std::uint64_t{0};
    feeder f;
    f.add(1000, 1, 'B', 100, 50000);
    f.add(top, 1, 'B', 200, 50000);
    f.add(top - 1, 1, 'S', 300, 50100);
    f.add(0, 1, 'S', 400, 50100);
    EXPECT_EQ(f.book.live_orders(), 4u);
    f.exec(top, 50);
    auto b = f.book.bids(1, 1);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_EQ(b[0].shares, 250u);
    f.add(top, 1, 'B', 10, 50000);  // a live reference added again replaces it
    EXPECT_EQ(f.book.stats().duplicate_adds, 1u);
    EXPECT_EQ(f.book.bids(1, 1)[0].shares, 110u);
    f.del(top);
    f.del(top);  // already gone: counted as unknown, nothing else changes
    EXPECT_EQ(f.book.stats().unknown_orders, 1u);
    f.replace(top - 1, top, 30, 50200);
    for (std::uint64_t r = 1; r <= 2000; ++r)  // many far orders around the wrapped key
        f.add(top - 1 - r * 7919, 2, 'B', 1, 40000 + static_cast<std::uint32_t>(r % 50));
    for (std::uint64_t r = 1; r <= 2000; ++r)
        f.del(top - 1 - r * 7919);
    EXPECT_EQ(f.book.live_orders(), 3u);
    auto a = f.book.asks(1, 2);
    ASSERT_EQ(a.size(), 2u);
    EXPECT_EQ(a[0].price, 50100u);
    EXPECT_EQ(a[0].shares, 400u);
    EXPECT_EQ(a[1].price, 50200u);
    EXPECT_EQ(a[1].shares, 30u);
    f.del(top);
    f.del(0);
    f.del(1000);
    EXPECT_EQ(f.book.live_orders(), 0u);
    EXPECT_TRUE(f.book.asks(1, 1).empty());
    EXPECT_TRUE(f.book.bids(2, 1).empty());
}

TEST(itch_book, frees_and_reuses_order_pages_as_old_orders_go) {
    feeder f;
    // 20 pages' worth of orders, then delete all but the newest: old pages empty out
    for (std::uint64_t r = 1; r <= 20 * 4096; ++r)
        f.add(r, 1, 'B', 100, 100000 + static_cast<std::uint32_t>(r % 7) * 100);
    for (std::uint64_t r = 1; r < 20 * 4096; ++r)
        f.del(r);
    EXPECT_EQ(f.book.live_orders(), 1u);
    // the freed pages serve the next references; the book stays exact
    for (std::uint64_t r = 20 * 4096 + 1; r <= 40 * 4096; ++r)
        f.add(r, 2, 'S', 10, 200000);
    const auto a = f.book.asks(2);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].orders, 20u * 4096u);
    EXPECT_EQ(a[0].shares, 10u * 20u * 4096u);
    ASSERT_EQ(f.book.bids(1).size(), 1u);
    EXPECT_EQ(f.book.bids(1)[0].orders, 1u);
    EXPECT_EQ(f.book.stats().unknown_orders, 0u);
}

TEST(itch_book, apply_framed_stops_at_a_cut_frame_and_at_a_bad_message) {
    std::vector<std::byte> framed;
    std::array<std::byte, 64> buf{};
    auto put = [&](std::size_t n) {
        const auto at = framed.size();
        framed.resize(at + 2 + n);
        exwire::store_be<std::uint16_t>(framed.data() + at, static_cast<std::uint16_t>(n));
        std::memcpy(framed.data() + at + 2, buf.data(), n);
    };
    put(itch::add_order::builder(buf)
            .order_reference_number(5)
            .buy_sell_indicator('B')
            .shares(10)
            .stock("A")
            .price(100)
            .finish()
            .size);
    put(itch::order_delete::builder(buf).order_reference_number(5).finish().size);
    const std::size_t two = framed.size();
    put(itch::add_order::builder(buf)
            .order_reference_number(6)
            .buy_sell_indicator('S')
            .shares(10)
            .stock("A")
            .price(100)
            .finish()
            .size);
    {
        nq::itch_book book;
        const auto r = book.apply_framed(exwire::bytes(framed).first(framed.size() - 3));
        EXPECT_EQ(r.status, nq::visit_status::truncated);
        EXPECT_EQ(r.messages, 2u);
        EXPECT_EQ(r.consumed, two);
        EXPECT_EQ(book.live_orders(), 0u);
    }
    // a frame with an unknown type byte after the three good ones
    framed.push_back(std::byte{0});
    framed.push_back(std::byte{1});
    framed.push_back(std::byte{'!'});
    nq::itch_book book;
    const auto r = book.apply_framed(exwire::bytes(framed));
    EXPECT_EQ(r.status, nq::visit_status::unknown_type);
    EXPECT_EQ(r.messages, 3u);
    EXPECT_EQ(r.consumed, framed.size() - 3);
    EXPECT_EQ(book.live_orders(), 1u);
}
