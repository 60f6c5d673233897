#include "exwire/sim/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <set>

namespace exwire::sim {

namespace {

// Band edges in exact integer arithmetic: reference * (10000 -/+ band_bp) / 10000, rounded
// inwards to the tick.
price band_edge(const symbol_config& s, bool upper) noexcept {
    // validate() keeps reference_price below 2^32, so the products fit in 64 bits.
    if (s.tick <= 0 || s.reference_price <= 0 || s.reference_price > 0xFFFF'FFFFLL)
        return upper ? 0 : 1;
    const std::int64_t bp = upper
                                ? 10'000 + std::int64_t{s.band_bp}
                                : 10'000 - std::int64_t{std::min<std::uint32_t>(s.band_bp, 10'000)};
    const std::int64_t raw = s.reference_price * bp;  // scaled by 10000
    const std::int64_t tick = s.tick * 10'000;
    std::int64_t ticks = raw / tick;
    if (!upper && ticks * tick < raw) ++ticks;  // round the lower edge up
    return ticks * s.tick;
}

// The embedded default. Prices have 4 implied decimals.
symbol_config make_symbol(const char* name, price reference, price tick, quantity lot) {
    symbol_config s;
    s.name = name;
    s.tick = tick;
    s.reference_price = reference;
    s.band_bp = 1000;
    s.max_order_qty = 1'000'000;
    // Five levels a side around a one-tick spread: the reference price is the best ask.
    for (int i = 0; i < 5; ++i) {
        s.bids.push_back({reference - tick * (i + 1), lot * static_cast<quantity>(1 + i % 3),
                          static_cast<std::uint32_t>(2 + i)});
        s.asks.push_back({reference + tick * i, lot * static_cast<quantity>(1 + (i + 1) % 3),
                          static_cast<std::uint32_t>(2 + i)});
    }
    return s;
}

sim_config make_default() {
    sim_config c;
    c.symbols.push_back(make_symbol("AAPL", 1'900'000, 100, 100));  // $190.00, tick $0.01
    c.symbols.push_back(make_symbol("MSFT", 4'100'000, 100, 100));  // $410.00
    c.symbols.push_back(make_symbol("QQQ", 4'500'000, 100, 200));   // $450.00
    c.symbols.push_back(make_symbol("EXWR", 123'400, 100, 500));    // $12.34
    c.symbols.push_back(make_symbol("PNNY", 5'000, 1, 1000));       // $0.50, tick $0.0001
    return c;
}

}  // namespace

price symbol_config::min_price() const noexcept {
    return band_edge(*this, false);
}
price symbol_config::max_price() const noexcept {
    return band_edge(*this, true);
}

const sim_config& default_config() {
    static const sim_config c = make_default();
    return c;
}

result<void> validate(const sim_config& config) {
    if (config.symbols.empty()) return fail("configuration has no symbols");
    if (config.symbols.size() > 65'535) return fail("too many symbols (at most 65535)");
    std::set<std::string> seen;
    for (const symbol_config& s : config.symbols) {
        if (s.name.empty() || s.name.size() > 8)
            return fail(fmt::format("symbol '{}': name must have 1 to 8 characters", s.name));
        for (char ch : s.name)
            if (ch <= ' ' || ch > '~')
                return fail(
                    fmt::format("symbol '{}': name must be printable without spaces", s.name));
        if (!seen.insert(s.name).second)
            return fail(fmt::format("symbol '{}': defined twice", s.name));
        if (s.tick <= 0) return fail(fmt::format("symbol '{}': tick must be positive", s.name));
        if (s.reference_price <= 0 || s.reference_price > 0xFFFF'FFFFLL ||
            s.reference_price % s.tick != 0)
            return fail(fmt::format(
                "symbol '{}': reference_price must be positive, below 2^32 and on tick", s.name));
        if (s.band_bp == 0 || s.band_bp >= 10'000)
            return fail(fmt::format("symbol '{}': band_bp must be 1..9999", s.name));
        if (s.min_price() <= 0 || s.min_price() > s.max_price())
            return fail(fmt::format("symbol '{}': the price band holds no tick", s.name));
        if (s.max_price() > price{0xFFFF'FFFF})
            return fail(
                fmt::format("symbol '{}': band reaches above ITCH's largest price", s.name));
        if (s.max_order_qty == 0)
            return fail(fmt::format("symbol '{}': max_order_qty must be positive", s.name));
        price best_bid = 0;
        price best_ask = std::numeric_limits<price>::max();
        for (const auto* seeds : {&s.bids, &s.asks}) {
            const bool bids = seeds == &s.bids;
            for (const level_seed& l : *seeds) {
                const char* what = bids ? "bids" : "asks";
                if (l.px < s.min_price() || l.px > s.max_price() || l.px % s.tick != 0)
                    return fail(
                        fmt::format("symbol '{}': {} price {} is off tick or outside the band",
                                    s.name, what, l.px));
                if (l.qty_each == 0 || l.qty_each > s.max_order_qty || l.orders == 0)
                    return fail(
                        fmt::format("symbol '{}': {} level {} has a bad quantity or order count",
                                    s.name, what, l.px));
                if (bids)
                    best_bid = std::max(best_bid, l.px);
                else
                    best_ask = std::min(best_ask, l.px);
            }
        }
        if (best_bid >= best_ask)
            return fail(fmt::format("symbol '{}': starting book is crossed ({} >= {})", s.name,
                                    best_bid, best_ask));
    }
    const flow_config& f = config.flow;
    if (f.orders_per_second < 0) return fail("flow rate must not be negative");
    if (f.add_weight + f.cancel_weight + f.marketable_weight == 0)
        return fail("flow weights must not all be zero");
    if (f.lot == 0 || f.max_lots == 0) return fail("flow lot and max_lots must be positive");
    if (f.client == config.house_client) return fail("flow client must differ from house_client");
    if (config.initial_order_capacity == 0) return fail("order_capacity must be positive");
    return {};
}

}  // namespace exwire::sim
