#include "exwire/sim/synthetic_flow.hpp"

#include <algorithm>

namespace exwire::sim {

synthetic_flow::synthetic_flow(const flow_config& config) : config_(config), state_(config.seed) {
    own_.reserve(std::size_t{config.max_live_orders} + 1);
}

std::uint64_t synthetic_flow::random() noexcept {
    // splitmix64: small, fast and the same on every platform (unlike std distributions).
    std::uint64_t z = (state_ += 0x9E37'79B9'7F4A'7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58'476D'1CE4'E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D0'49BB'1331'11EBULL;
    return z ^ (z >> 31);
}

quantity synthetic_flow::lots() noexcept {
    return config_.lot * static_cast<quantity>(1 + below(config_.max_lots));
}

std::uint64_t synthetic_flow::due(std::uint64_t elapsed_ns) const noexcept {
    if (config_.orders_per_second <= 0) return 0;
    const auto total = static_cast<std::uint64_t>(config_.orders_per_second *
                                                  (static_cast<double>(elapsed_ns) / 1e9));
    return total > produced_ ? total - produced_ : 0;
}

request synthetic_flow::next(const matching_engine& e) noexcept {
    ++produced_;
    const auto sym = static_cast<symbol_id>(below(e.symbol_count()));
    const std::uint64_t total =
        std::uint64_t{config_.add_weight} + config_.cancel_weight + config_.marketable_weight;
    std::uint64_t roll = below(total);
    const bool full = own_.size() >= config_.max_live_orders;
    if (roll < config_.add_weight && !full) return add(e, sym);
    roll = roll < config_.add_weight ? config_.add_weight
                                     : roll;  // a full list turns adds into cancels
    if (roll < std::uint64_t{config_.add_weight} + config_.cancel_weight || full) {
        request r;
        if (own_order(e, r)) return r;
        return add(e, sym);
    }
    return marketable(e, sym);
}

request synthetic_flow::add(const matching_engine& e, symbol_id sym) noexcept {
    const symbol_config& sc = e.symbol(sym);
    const side s = below(2) == 0 ? side::buy : side::sell;
    const auto same = e.best(sym, s);
    const auto other = e.best(sym, opposite(s));
    const price dir = s == side::buy ? -1 : 1;  // "behind the touch" for this side
    price px;
    if (same) {
        // Geometric depth: half at the touch, a quarter one tick behind, ...
        std::uint32_t k = 0;
        while (k < config_.depth_ticks && below(2) == 0)
            ++k;
        px = same->px + dir * sc.tick * k;
        // Improve a wide spread now and then, never crossing it.
        if (k == 0 && other && below(4) == 0 && (other->px - same->px) * -dir > sc.tick)
            px = same->px - dir * sc.tick;
    } else if (other) {
        px = other->px + dir * sc.tick;
    } else {
        px = sc.reference_price + dir * sc.tick;
    }
    px = std::clamp(px, sc.min_price(), sc.max_price());
    const order_token t = next_token_++;
    own_.push_back(t);
    return new_order{
        config_.client, t, stock::from(sc.name), s, order_type::limit, time_in_force::day, px,
        lots()};
}

request synthetic_flow::marketable(const matching_engine& e, symbol_id sym) noexcept {
    const symbol_config& sc = e.symbol(sym);
    const side s = below(2) == 0 ? side::buy : side::sell;
    const auto other = e.best(sym, opposite(s));
    const order_token t = next_token_++;
    if (!other || below(4) == 0)
        return new_order{config_.client,
                         t,
                         stock::from(sc.name),
                         s,
                         order_type::market,
                         time_in_force::immediate_or_cancel,
                         0,
                         lots()};
    return new_order{config_.client,
                     t,
                     stock::from(sc.name),
                     s,
                     order_type::limit,
                     time_in_force::immediate_or_cancel,
                     other->px,
                     lots()};
}

bool synthetic_flow::own_order(const matching_engine& e, request& out) noexcept {
    // Pick random own tokens; forget those whose orders have gone (executed by others).
    for (int tries = 0; tries < 8 && !own_.empty(); ++tries) {
        const std::size_t i = below(own_.size());
        const order_token t = own_[i];
        const auto o = e.find_order(config_.client, t);
        if (!o) {
            own_[i] = own_.back();
            own_.pop_back();
            continue;
        }
        const std::uint64_t what = below(10);
        const symbol_config& sc = e.symbol(o->symbol);
        if (what < 6 || o->leaves <= config_.lot) {  // cancel it
            own_[i] = own_.back();
            own_.pop_back();
            out = cancel_order{config_.client, t, 0};
        } else if (what < 8) {  // reduce it by about half
            out = cancel_order{config_.client, t, o->leaves / 2};
        } else {  // move it one tick, keeping or changing its size
            const price dir = below(2) == 0 ? -1 : 1;
            const price px =
                std::clamp(o->limit_price + dir * sc.tick, sc.min_price(), sc.max_price());
            const order_token nt = next_token_++;
            own_[i] = nt;
            out = replace_order{config_.client, t, nt, px, below(2) == 0 ? o->leaves : lots()};
        }
        return true;
    }
    return false;
}

}  // namespace exwire::sim
