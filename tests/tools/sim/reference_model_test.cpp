// The matching engine against the reference model on randomised, seeded order streams:
// every event (order of events, order references, match numbers, quantities) and the
// resulting books must be identical.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>

#include "exwire/sim/synthetic_flow.hpp"
#include "reference_book.hpp"
#include "sim_test_support.hpp"

namespace exwire::sim::testing {
namespace {

// splitmix64, so the streams are the same on every platform.
struct rng {
    std::uint64_t s;
    std::uint64_t next() {
        std::uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    std::uint64_t below(std::uint64_t n) { return next() % n; }
    bool chance(std::uint64_t percent) { return below(100) < percent; }
};

// A hostile stream: prices in a narrow range (so orders cross often), invalid prices and
// quantities, unknown symbols, reused and unknown tokens, partial cancels, replaces.
class stream {
  public:
    stream(std::uint64_t seed, const matching_engine& engine) : r_{seed}, engine_(engine) {}

    request next() {
        const std::uint64_t k = r_.below(100);
        const client_id c = static_cast<client_id>(1 + r_.below(3));
        if (k < 55) {
            new_order o;
            o.client = c;
            o.token = token(c);
            o.symbol = stock::from(r_.chance(4) ? "ZZZ" : (r_.chance(50) ? "AAA" : "BBB"));
            o.order_side = r_.chance(50) ? side::buy : side::sell;
            o.type = r_.chance(8) ? order_type::market : order_type::limit;
            o.tif = r_.chance(20) ? time_in_force::immediate_or_cancel : time_in_force::day;
            o.limit_price = price_();
            o.qty = qty();
            return o;
        }
        if (k < 80) {
            return cancel_order{c, existing(c),
                                r_.chance(70) ? 0 : static_cast<quantity>(r_.below(1500))};
        }
        replace_order r{c, existing(c), token(c), price_(), qty()};
        // Often aim at the priority boundary: same price, one share fewer, equal or more.
        // (The engine is only asked what the order looks like; the model checks the result.)
        if (const auto o = engine_.find_order(c, r.token); o && r_.chance(40)) {
            r.new_price = o->limit_price;
            r.new_qty = o->leaves - 1 + static_cast<quantity>(r_.below(3));
        }
        return r;
    }

  private:
    order_token token(client_id c) {
        if (next_[c] > 1 && r_.chance(3)) return 1 + r_.below(next_[c] - 1);  // a used token
        return next_[c]++;
    }
    // Mostly one of the client's recent tokens (likely live), sometimes any, or one never used.
    order_token existing(client_id c) {
        if (r_.chance(80))
            return next_[c] - 1 - r_.below(std::min<order_token>(next_[c] - 1, 20) + 1);
        return 1 + r_.below(next_[c] + 1);
    }
    price price_() {
        const std::uint64_t k = r_.below(100);
        if (k < 2) return -100 * static_cast<price>(r_.below(2));  // 0 or -$0.01
        if (k < 5) return 100'037;                                 // off tick
        if (k < 7) return r_.chance(50) ? 89'900 : 110'100;        // out of band
        return 99'000 + 100 * static_cast<price>(r_.below(21));    // $9.90 .. $10.10
    }
    quantity qty() {
        const std::uint64_t k = r_.below(100);
        if (k < 2) return 0;
        if (k < 3) return 10'001;
        if (k < 20) return static_cast<quantity>(1 + r_.below(2000));
        return static_cast<quantity>(100 * (1 + r_.below(10)));
    }

    rng r_;
    const matching_engine& engine_;
    std::array<order_token, 4> next_{1, 1, 1, 1};
};

void expect_same_books(const matching_engine& e, const reference_book& ref) {
    ASSERT_EQ(e.live_orders(), ref.live());
    for (symbol_id sym = 0; sym < e.symbol_count(); ++sym)
        for (side s : {side::buy, side::sell}) {
            std::vector<level_info> got(e.level_count(sym, s) + 1);
            got.resize(e.depth(sym, s, got));
            const auto want = ref.levels(sym, s);
            ASSERT_EQ(got.size(), want.size()) << "symbol " << sym;
            for (std::size_t i = 0; i < got.size(); ++i) {
                EXPECT_EQ(got[i].px, std::get<0>(want[i]));
                EXPECT_EQ(got[i].qty, std::get<1>(want[i]));
                EXPECT_EQ(got[i].orders, std::get<2>(want[i]));
            }
        }
}

void expect_same_events(std::size_t step, const std::vector<event>& got,
                        const std::vector<event>& want) {
    if (got == want) return;
    std::string msg = fmt::format("request {}:\nengine:\n", step);
    for (const event& e : got)
        msg += "  " + to_text(e) + "\n";
    msg += "model:\n";
    for (const event& e : want)
        msg += "  " + to_text(e) + "\n";
    FAIL() << msg;
}

TEST(sim_reference_model, random_streams_give_identical_events_and_books) {
    std::uint64_t trades = 0;
    std::uint64_t replaces = 0;
    std::uint64_t kept = 0;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        SCOPED_TRACE(fmt::format("seed {}", seed));
        recorder rec;
        auto engine = matching_engine::create(small_config(), rec);
        ASSERT_TRUE(engine.ok());
        reference_book ref(small_config());
        stream s(seed, *engine);
        for (std::size_t i = 0; i < 3000; ++i) {
            const request r = s.next();
            engine->submit(r);
            ref.submit(r);
            for (const event& e : rec.events) {
                trades += std::holds_alternative<trade>(e);
                replaces += std::holds_alternative<order_replaced>(e);
                if (const auto* x = std::get_if<order_replaced>(&e)) kept += x->priority_kept;
            }
            ASSERT_NO_FATAL_FAILURE(
                expect_same_events(i, rec.take(), std::exchange(ref.events, {})));
        }
        ASSERT_NO_FATAL_FAILURE(expect_same_books(*engine, ref));
        // A client disconnects: all its orders go, in order-reference order.
        const auto gone = engine->cancel_all(2);
        EXPECT_EQ(gone, ref.cancel_all(2));
        EXPECT_GT(gone, 0U);
        ASSERT_NO_FATAL_FAILURE(
            expect_same_events(3000, rec.take(), std::exchange(ref.events, {})));
        ASSERT_NO_FATAL_FAILURE(expect_same_books(*engine, ref));
    }
    // The streams must actually exercise matching and replacing.
    EXPECT_GT(trades, 5000U) << trades;
    EXPECT_GT(replaces, 1000U) << replaces;
    EXPECT_GT(kept, 300U) << kept;
    std::printf("%llu trades, %llu replaces (%llu keeping priority)\n",
                static_cast<unsigned long long>(trades), static_cast<unsigned long long>(replaces),
                static_cast<unsigned long long>(kept));
}

TEST(sim_reference_model, synthetic_flow_on_default_books_gives_identical_events_and_books) {
    const sim_config& cfg = default_config();
    recorder rec;
    auto engine = matching_engine::create(cfg, rec);
    ASSERT_TRUE(engine.ok());
    reference_book ref(cfg);
    engine->load_starting_books();
    ref.load_starting_books();
    ASSERT_NO_FATAL_FAILURE(expect_same_events(0, rec.take(), std::exchange(ref.events, {})));
    synthetic_flow flow(cfg.flow);
    for (std::size_t i = 0; i < 20'000; ++i) {
        const request r = flow.next(*engine);
        engine->submit(r);
        ref.submit(r);
        ASSERT_NO_FATAL_FAILURE(expect_same_events(i, rec.take(), std::exchange(ref.events, {})));
    }
    ASSERT_NO_FATAL_FAILURE(expect_same_books(*engine, ref));
}

}  // namespace
}  // namespace exwire::sim::testing
