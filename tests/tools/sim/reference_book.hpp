#pragma once
// An obviously-correct model of the matching engine for tests: all resting orders of all
// symbols in one vector, scanned linearly for the best price and, within it, the lowest
// arrival number. Slow on purpose; it shares no code with the engine.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "exwire/sim/config.hpp"
#include "exwire/sim/events.hpp"

namespace exwire::sim::testing {

class reference_book {
  public:
    explicit reference_book(const sim_config& c) : config_(c) {}

    std::vector<event> events;

    void submit(const request& r) {
        if (auto* o = std::get_if<new_order>(&r))
            enter(*o);
        else if (auto* c = std::get_if<cancel_order>(&r))
            cancel(*c);
        else
            replace(std::get<replace_order>(r));
    }

    void load_starting_books() {
        order_token token = 1;
        for (const symbol_config& sc : config_.symbols) {
            for (const level_seed& l : sc.bids)
                for (std::uint32_t k = 0; k < l.orders; ++k)
                    enter({config_.house_client, token++, stock::from(sc.name), side::buy,
                           order_type::limit, time_in_force::day, l.px, l.qty_each});
            for (const level_seed& l : sc.asks)
                for (std::uint32_t k = 0; k < l.orders; ++k)
                    enter({config_.house_client, token++, stock::from(sc.name), side::sell,
                           order_type::limit, time_in_force::day, l.px, l.qty_each});
        }
    }

    /// Price levels of one side, best first: (price, total quantity, order count).
    std::vector<std::tuple<price, std::uint64_t, std::uint32_t>> levels(symbol_id sym,
                                                                        side s) const {
        std::vector<std::tuple<price, std::uint64_t, std::uint32_t>> out;
        for (const order& o : book_)
            if (o.symbol == sym && o.s == s) {
                auto it = std::find_if(out.begin(), out.end(),
                                       [&](const auto& l) { return std::get<0>(l) == o.px; });
                if (it == out.end())
                    out.emplace_back(o.px, o.leaves, 1);
                else {
                    std::get<1>(*it) += o.leaves;
                    std::get<2>(*it) += 1;
                }
            }
        std::sort(out.begin(), out.end(), [s](const auto& a, const auto& b) {
            return s == side::buy ? std::get<0>(a) > std::get<0>(b)
                                  : std::get<0>(a) < std::get<0>(b);
        });
        return out;
    }

    std::size_t live() const { return book_.size(); }

    std::size_t cancel_all(client_id c) {
        std::vector<order> mine;
        for (const order& o : book_)
            if (o.client == c) mine.push_back(o);
        std::sort(mine.begin(), mine.end(),
                  [](const order& a, const order& b) { return a.ref < b.ref; });
        for (const order& o : mine) {
            events.push_back(
                order_canceled{o.client, o.token, o.ref, o.leaves, 0, cancel_reason::system});
            events.push_back(book_delete{o.symbol, o.ref});
        }
        std::erase_if(book_, [c](const order& o) { return o.client == c; });
        return mine.size();
    }

  private:
    struct order {
        client_id client;
        order_token token;
        order_ref ref;
        symbol_id symbol;
        side s;
        price px;
        quantity leaves;
        std::uint64_t seq;
    };

    std::optional<symbol_id> find_symbol(const stock& name) const {
        for (std::size_t i = 0; i < config_.symbols.size(); ++i)
            if (stock::from(config_.symbols[i].name) == name) return static_cast<symbol_id>(i);
        return std::nullopt;
    }

    std::optional<reject_reason> price_problem(symbol_id sym, price px) const {
        const symbol_config& sc = config_.symbols[sym];
        if (px <= 0) return reject_reason::price_not_positive;
        if (px % sc.tick != 0) return reject_reason::price_not_on_tick;
        if (px < sc.min_price() || px > sc.max_price()) return reject_reason::price_out_of_band;
        return std::nullopt;
    }

    bool qty_problem(symbol_id sym, quantity q) const {
        return q == 0 || q > config_.symbols[sym].max_order_qty;
    }

    // Index of the best resting order on side s of sym, or -1.
    long best(symbol_id sym, side s) const {
        long b = -1;
        for (std::size_t i = 0; i < book_.size(); ++i) {
            const order& o = book_[i];
            if (o.symbol != sym || o.s != s) continue;
            if (b < 0) {
                b = static_cast<long>(i);
                continue;
            }
            const order& cur = book_[static_cast<std::size_t>(b)];
            const bool better = s == side::buy ? o.px > cur.px : o.px < cur.px;
            if (better || (o.px == cur.px && o.seq < cur.seq)) b = static_cast<long>(i);
        }
        return b;
    }

    long find_live(client_id c, order_token t) const {
        for (std::size_t i = 0; i < book_.size(); ++i)
            if (book_[i].client == c && book_[i].token == t) return static_cast<long>(i);
        return -1;
    }

    bool can_trade(const order& a, bool market) const {
        const long b = best(a.symbol, a.s == side::buy ? side::sell : side::buy);
        if (b < 0) return false;
        if (market) return true;
        const price p = book_[static_cast<std::size_t>(b)].px;
        return a.s == side::buy ? a.px >= p : a.px <= p;
    }

    // Trades `a` (not in the book) against the opposite side.
    void match(order& a, bool market) {
        while (a.leaves > 0 && can_trade(a, market)) {
            const auto b =
                static_cast<std::size_t>(best(a.symbol, a.s == side::buy ? side::sell : side::buy));
            order& r = book_[b];
            const quantity q = std::min(a.leaves, r.leaves);
            a.leaves -= q;
            r.leaves -= q;
            const match_number m = next_match_++;
            events.push_back(trade{m,
                                   a.symbol,
                                   a.s,
                                   r.px,
                                   q,
                                   {a.client, a.token, a.ref, a.leaves},
                                   {r.client, r.token, r.ref, r.leaves}});
            events.push_back(book_executed{a.symbol, r.ref, q, m});
            if (r.leaves == 0) book_.erase(book_.begin() + static_cast<long>(b));
        }
    }

    void enter(const new_order& o) {
        auto rej = [&](reject_reason why) {
            events.push_back(order_rejected{o.client, o.token, request_kind::enter, why});
        };
        const auto sym = find_symbol(o.symbol);
        if (!sym) return rej(reject_reason::unknown_symbol);
        if (qty_problem(*sym, o.qty)) return rej(reject_reason::bad_quantity);
        const bool market = o.type == order_type::market;
        if (!market)
            if (auto p = price_problem(*sym, o.limit_price)) return rej(*p);
        if (used_.count({o.client, o.token})) return rej(reject_reason::duplicate_token);
        used_.insert({o.client, o.token});
        order a{o.client, o.token,    next_ref_++, *sym, o.order_side, market ? 0 : o.limit_price,
                o.qty,    next_seq_++};
        events.push_back(order_accepted{o.client, o.token, a.ref, *sym, o.order_side, o.type,
                                        market ? time_in_force::immediate_or_cancel : o.tif, a.px,
                                        o.qty});
        match(a, market);
        if (a.leaves == 0) return;
        if (!market && o.tif == time_in_force::day) {
            book_.push_back(a);
            events.push_back(book_add{a.symbol, a.ref, a.s, a.leaves, a.px});
        } else {
            events.push_back(order_canceled{a.client, a.token, a.ref, a.leaves, 0,
                                            cancel_reason::immediate_or_cancel});
        }
    }

    void cancel(const cancel_order& c) {
        const long i = find_live(c.client, c.token);
        if (i < 0) {
            events.push_back(order_rejected{c.client, c.token, request_kind::cancel,
                                            reject_reason::unknown_order});
            return;
        }
        order& o = book_[static_cast<std::size_t>(i)];
        if (c.remaining >= o.leaves) return;
        const quantity gone = o.leaves - c.remaining;
        o.leaves = c.remaining;
        events.push_back(order_canceled{o.client, o.token, o.ref, gone, o.leaves,
                                        cancel_reason::user_requested});
        if (o.leaves == 0) {
            events.push_back(book_delete{o.symbol, o.ref});
            book_.erase(book_.begin() + i);
        } else {
            events.push_back(book_cancel{o.symbol, o.ref, gone});
        }
    }

    void replace(const replace_order& r) {
        auto rej = [&](reject_reason why) {
            events.push_back(order_rejected{r.client, r.new_token, request_kind::replace, why});
        };
        const long i = find_live(r.client, r.token);
        if (i < 0) return rej(reject_reason::unknown_order);
        order o = book_[static_cast<std::size_t>(i)];
        if (qty_problem(o.symbol, r.new_qty)) return rej(reject_reason::bad_quantity);
        if (auto p = price_problem(o.symbol, r.new_price)) return rej(*p);
        if (used_.count({r.client, r.new_token})) return rej(reject_reason::duplicate_token);
        used_.insert({r.client, r.new_token});
        if (r.new_price == o.px && r.new_qty <= o.leaves) {
            order& in = book_[static_cast<std::size_t>(i)];
            const quantity gone = in.leaves - r.new_qty;
            in.token = r.new_token;
            in.leaves = r.new_qty;
            events.push_back(order_replaced{o.client, r.token, r.new_token, o.ref, o.ref, o.symbol,
                                            o.s, o.px, r.new_qty, true});
            if (gone > 0) events.push_back(book_cancel{o.symbol, o.ref, gone});
            return;
        }
        book_.erase(book_.begin() + i);
        const order_ref old_ref = o.ref;
        o.ref = next_ref_++;
        o.token = r.new_token;
        o.px = r.new_price;
        o.leaves = r.new_qty;
        o.seq = next_seq_++;
        events.push_back(order_replaced{o.client, r.token, r.new_token, old_ref, o.ref, o.symbol,
                                        o.s, o.px, o.leaves, false});
        if (!can_trade(o, false)) {
            book_.push_back(o);
            events.push_back(book_replace{o.symbol, old_ref, o.ref, o.leaves, o.px});
            return;
        }
        events.push_back(book_delete{o.symbol, old_ref});
        match(o, false);
        if (o.leaves == 0) return;
        book_.push_back(o);
        events.push_back(book_add{o.symbol, o.ref, o.s, o.leaves, o.px});
    }

    sim_config config_;
    std::vector<order> book_;
    std::set<std::pair<client_id, order_token>> used_;
    order_ref next_ref_ = 1;
    match_number next_match_ = 1;
    std::uint64_t next_seq_ = 0;
};

}  // namespace exwire::sim::testing
