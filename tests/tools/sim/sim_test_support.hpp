#pragma once
// Helpers shared by the simulator tests: a small configuration, an engine that records its
// events, and a readable rendering of events for failure messages.

#include <fmt/format.h>

#include <string>
#include <vector>

#include "exwire/sim/matching_engine.hpp"

namespace exwire::sim::testing {

/// Two symbols, tick $0.01, band $9.00..$11.00 around $10.00, max order 10,000 shares; no
/// starting books unless a test adds them.
inline sim_config small_config() {
    sim_config c;
    for (const char* name : {"AAA", "BBB"}) {
        symbol_config s;
        s.name = name;
        s.tick = 100;
        s.reference_price = 100'000;
        s.band_bp = 1000;
        s.max_order_qty = 10'000;
        c.symbols.push_back(s);
    }
    c.initial_order_capacity = 1024;
    return c;
}

inline std::string to_text(const event& e) {
    return std::visit(
        [](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, order_accepted>)
                return fmt::format("accepted c{} t{} ref{} sym{} {} px{} q{}", x.client, x.token,
                                   x.ref, x.symbol, x.order_side == side::buy ? 'B' : 'S',
                                   x.limit_price, x.qty);
            else if constexpr (std::is_same_v<T, order_rejected>)
                return fmt::format("rejected c{} t{} req{} {}", x.client, x.token,
                                   static_cast<int>(x.request), to_string(x.reason));
            else if constexpr (std::is_same_v<T, trade>)
                return fmt::format(
                    "trade m{} sym{} px{} q{} agg(c{} t{} ref{} leaves{}) rest(c{} t{} ref{} "
                    "leaves{})",
                    x.match, x.symbol, x.trade_price, x.qty, x.aggressor.client, x.aggressor.token,
                    x.aggressor.ref, x.aggressor.leaves, x.resting.client, x.resting.token,
                    x.resting.ref, x.resting.leaves);
            else if constexpr (std::is_same_v<T, order_canceled>)
                return fmt::format("canceled c{} t{} ref{} q{} leaves{} {}", x.client, x.token,
                                   x.ref, x.canceled_qty, x.leaves, to_string(x.reason));
            else if constexpr (std::is_same_v<T, order_replaced>)
                return fmt::format("replaced c{} t{}->{} ref{}->{} px{} q{} kept{}", x.client,
                                   x.old_token, x.new_token, x.old_ref, x.new_ref, x.limit_price,
                                   x.qty, x.priority_kept);
            else if constexpr (std::is_same_v<T, book_add>)
                return fmt::format("A sym{} ref{} {} q{} px{}", x.symbol, x.ref,
                                   x.order_side == side::buy ? 'B' : 'S', x.qty, x.limit_price);
            else if constexpr (std::is_same_v<T, book_executed>)
                return fmt::format("E sym{} ref{} q{} m{}", x.symbol, x.ref, x.qty, x.match);
            else if constexpr (std::is_same_v<T, book_cancel>)
                return fmt::format("X sym{} ref{} q{}", x.symbol, x.ref, x.canceled_qty);
            else if constexpr (std::is_same_v<T, book_delete>)
                return fmt::format("D sym{} ref{}", x.symbol, x.ref);
            else
                return fmt::format("U sym{} ref{}->{} q{} px{}", x.symbol, x.old_ref, x.new_ref,
                                   x.qty, x.limit_price);
        },
        e);
}

/// Collects events into a vector (tests only: the vector allocates).
struct recorder {
    std::vector<event> events;
    void operator()(const event& e) { events.push_back(e); }
    std::vector<event> take() { return std::exchange(events, {}); }
};

}  // namespace exwire::sim::testing
