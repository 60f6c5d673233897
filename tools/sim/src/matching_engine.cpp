#include "exwire/sim/matching_engine.hpp"

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "token_map.hpp"

namespace exwire::sim {
namespace {

constexpr std::uint32_t nil = 0xFFFF'FFFF;
constexpr std::uint32_t chunk_shift = 12;
constexpr std::uint32_t chunk_size = 1U << chunk_shift;

std::uint64_t key_of(const stock& s) noexcept {
    std::uint64_t k = 0;
    std::memcpy(&k, s.text, sizeof k);
    return k;
}

struct order_node {
    order_ref ref = 0;
    order_token token = 0;
    price px = 0;
    client_id client = 0;
    quantity leaves = 0;
    std::uint32_t prev = nil;
    std::uint32_t next = nil;
    symbol_id symbol = 0;
    side order_side = side::buy;
};

// Orders live in fixed chunks so that their addresses and indexes stay stable; freed
// slots are reused through a free list threaded through `next`.
class order_pool {
  public:
    order_pool(std::size_t capacity, std::pmr::memory_resource* mr) : mr_(mr), chunks_(mr) {
        while (chunks_.size() * chunk_size < capacity)
            add_chunk();
    }
    order_pool(const order_pool&) = delete;
    order_pool& operator=(const order_pool&) = delete;
    ~order_pool() {
        for (order_node* c : chunks_)
            mr_->deallocate(c, sizeof(order_node) * chunk_size, alignof(order_node));
    }

    std::uint32_t alloc() {
        if (free_ == nil) add_chunk();
        const std::uint32_t i = free_;
        free_ = at(i).next;
        return i;
    }
    void release(std::uint32_t i) noexcept {
        at(i).next = free_;
        free_ = i;
    }
    order_node& at(std::uint32_t i) noexcept {
        return chunks_[i >> chunk_shift][i & (chunk_size - 1)];
    }
    const order_node& at(std::uint32_t i) const noexcept {
        return chunks_[i >> chunk_shift][i & (chunk_size - 1)];
    }

  private:
    void add_chunk() {
        auto* c = static_cast<order_node*>(
            mr_->allocate(sizeof(order_node) * chunk_size, alignof(order_node)));
        const auto base = static_cast<std::uint32_t>(chunks_.size() * chunk_size);
        chunks_.push_back(c);
        // Thread the new slots into the free list, lowest index first.
        for (std::uint32_t j = chunk_size; j-- > 0;) {
            new (&c[j]) order_node{};
            c[j].next = free_;
            free_ = base + j;
        }
    }

    std::pmr::memory_resource* mr_;
    std::pmr::vector<order_node*> chunks_;
    std::uint32_t free_ = nil;
};

struct level {
    price px = 0;
    std::uint32_t head = nil;
    std::uint32_t tail = nil;
    std::uint64_t qty = 0;
    std::uint32_t count = 0;
};

// One side of a book: levels sorted worst first, so the best level is at the back and
// most activity (near the touch) touches the end of the vector.
struct book_side {
    explicit book_side(side s, std::pmr::memory_resource* mr) : which(s), levels(mr) {
        levels.reserve(256);
    }
    // True when price a is worse than price b for this side.
    [[nodiscard]] bool worse(price a, price b) const noexcept {
        return which == side::buy ? a < b : a > b;
    }
    // Index of the level with price px, or the index where it would be inserted.
    [[nodiscard]] std::size_t position(price px) const noexcept {
        // Most prices are at or near the touch: look at the last few levels first, then
        // fall back to a binary search so that deep books stay O(log n).
        std::size_t i = levels.size();
        for (int step = 0; step < 8 && i > 0 && worse(px, levels[i - 1].px); ++step)
            --i;
        if (i > 0 && worse(px, levels[i - 1].px)) {
            const auto it = std::partition_point(levels.begin(),
                                                 levels.begin() + static_cast<std::ptrdiff_t>(i),
                                                 [&](const level& l) { return !worse(px, l.px); });
            i = static_cast<std::size_t>(it - levels.begin());
        }
        if (i > 0 && levels[i - 1].px == px) return i - 1;
        return i;
    }
    side which;
    std::pmr::vector<level> levels;
};

struct book {
    book(std::pmr::memory_resource* mr) : bids(side::buy, mr), asks(side::sell, mr) {}
    book_side bids;
    book_side asks;
    book_side& of(side s) noexcept { return s == side::buy ? bids : asks; }
    const book_side& of(side s) const noexcept { return s == side::buy ? bids : asks; }
};

struct symbol_rules {
    price tick;
    price min_px;
    price max_px;
    quantity max_qty;
};

}  // namespace

struct matching_engine::state {
    state(const sim_config& c, event_sink s, std::pmr::memory_resource* mr)
        : config(c),
          sink(s),
          names(mr),
          rules(mr),
          pool(c.initial_order_capacity, mr),
          tokens(c.initial_order_capacity, mr) {
        books.reserve(c.symbols.size());
        for (std::size_t i = 0; i < c.symbols.size(); ++i) {
            const symbol_config& sc = c.symbols[i];
            names.emplace_back(key_of(stock::from(sc.name)), static_cast<symbol_id>(i));
            rules.push_back({sc.tick, sc.min_price(), sc.max_price(), sc.max_order_qty});
            books.emplace_back(mr);
        }
        std::sort(names.begin(), names.end());
    }

    sim_config config;
    event_sink sink;
    std::pmr::vector<std::pair<std::uint64_t, symbol_id>> names;
    std::pmr::vector<symbol_rules> rules;
    std::vector<book> books;
    order_pool pool;
    detail::token_map tokens;
    order_ref next_ref = 1;
    match_number next_match = 1;
    std::size_t live = 0;

    void emit(const event& e) noexcept { sink(e); }

    std::optional<symbol_id> find(const stock& s) const noexcept {
        const std::uint64_t k = key_of(s);
        auto it = std::lower_bound(names.begin(), names.end(), k,
                                   [](const auto& p, std::uint64_t key) { return p.first < key; });
        if (it == names.end() || it->first != k) return std::nullopt;
        return it->second;
    }

    std::optional<reject_reason> check_price(symbol_id sym, price px) const noexcept {
        const symbol_rules& r = rules[sym];
        if (px <= 0) return reject_reason::price_not_positive;
        if (px % r.tick != 0) return reject_reason::price_not_on_tick;
        if (px < r.min_px || px > r.max_px) return reject_reason::price_out_of_band;
        return std::nullopt;
    }
    bool bad_qty(symbol_id sym, quantity q) const noexcept {
        return q == 0 || q > rules[sym].max_qty;
    }

    // Appends an order (already filled in) to the back of its price level.
    void rest(std::uint32_t idx) {
        order_node& n = pool.at(idx);
        book_side& bs = books[n.symbol].of(n.order_side);
        std::size_t i = bs.position(n.px);
        if (i == bs.levels.size() || bs.levels[i].px != n.px) {
            bs.levels.insert(bs.levels.begin() + static_cast<std::ptrdiff_t>(i), level{n.px});
        }
        level& lv = bs.levels[i];
        n.prev = lv.tail;
        n.next = nil;
        if (lv.tail != nil)
            pool.at(lv.tail).next = idx;
        else
            lv.head = idx;
        lv.tail = idx;
        lv.qty += n.leaves;
        ++lv.count;
        ++live;
    }

    // Takes a resting order out of its level (the slot stays allocated).
    void unlink(std::uint32_t idx) noexcept {
        order_node& n = pool.at(idx);
        book_side& bs = books[n.symbol].of(n.order_side);
        const std::size_t i = bs.position(n.px);
        level& lv = bs.levels[i];
        if (n.prev != nil)
            pool.at(n.prev).next = n.next;
        else
            lv.head = n.next;
        if (n.next != nil)
            pool.at(n.next).prev = n.prev;
        else
            lv.tail = n.prev;
        lv.qty -= n.leaves;
        --lv.count;
        --live;
        if (lv.count == 0) bs.levels.erase(bs.levels.begin() + static_cast<std::ptrdiff_t>(i));
    }

    void retire(std::uint32_t idx) {
        const order_node& n = pool.at(idx);
        tokens.put(n.client, n.token, detail::token_map::dead);
        pool.release(idx);
    }

    bool crosses(const order_node& n, bool market) const noexcept {
        const book_side& opp = books[n.symbol].of(opposite(n.order_side));
        if (opp.levels.empty()) return false;
        if (market) return true;
        const price best = opp.levels.back().px;
        return n.order_side == side::buy ? n.px >= best : n.px <= best;
    }

    // Matches the aggressive order `idx` against the opposite side until it is filled or
    // no longer crosses.
    void execute(std::uint32_t idx, bool market) {
        order_node& a = pool.at(idx);
        book_side& opp = books[a.symbol].of(opposite(a.order_side));
        while (a.leaves > 0 && crosses(a, market)) {
            level& lv = opp.levels.back();
            while (a.leaves > 0 && lv.head != nil) {
                const std::uint32_t ridx = lv.head;
                order_node& r = pool.at(ridx);
                const quantity q = std::min(a.leaves, r.leaves);
                a.leaves -= q;
                r.leaves -= q;
                lv.qty -= q;
                const match_number m = next_match++;
                emit(trade{m,
                           a.symbol,
                           a.order_side,
                           lv.px,
                           q,
                           {a.client, a.token, a.ref, a.leaves},
                           {r.client, r.token, r.ref, r.leaves}});
                emit(book_executed{a.symbol, r.ref, q, m});
                if (r.leaves == 0) {
                    lv.head = r.next;
                    if (lv.head != nil)
                        pool.at(lv.head).prev = nil;
                    else
                        lv.tail = nil;
                    --lv.count;
                    --live;
                    retire(ridx);
                }
            }
            if (lv.head == nil) opp.levels.pop_back();
        }
    }

    void reject(client_id c, order_token t, request_kind k, reject_reason r) noexcept {
        emit(order_rejected{c, t, k, r});
    }

    void enter(const new_order& o) {
        const std::optional<symbol_id> sym = find(o.symbol);
        if (!sym)
            return reject(o.client, o.token, request_kind::enter, reject_reason::unknown_symbol);
        if (bad_qty(*sym, o.qty))
            return reject(o.client, o.token, request_kind::enter, reject_reason::bad_quantity);
        const bool market = o.type == order_type::market;
        if (!market) {
            if (auto r = check_price(*sym, o.limit_price))
                return reject(o.client, o.token, request_kind::enter, *r);
        }
        if (tokens.find(o.client, o.token) != detail::token_map::empty)
            return reject(o.client, o.token, request_kind::enter, reject_reason::duplicate_token);

        const std::uint32_t idx = pool.alloc();
        order_node& n = pool.at(idx);
        n = order_node{next_ref++, o.token, market ? 0 : o.limit_price,
                       o.client,   o.qty,   nil,
                       nil,        *sym,    o.order_side};
        tokens.put(o.client, o.token, idx);
        emit(order_accepted{o.client, o.token, n.ref, *sym, o.order_side, o.type,
                            market ? time_in_force::immediate_or_cancel : o.tif, n.px, o.qty});
        execute(idx, market);
        if (n.leaves == 0) return retire(idx);
        if (!market && o.tif == time_in_force::day) {
            rest(idx);
            emit(book_add{n.symbol, n.ref, n.order_side, n.leaves, n.px});
            return;
        }
        emit(order_canceled{n.client, n.token, n.ref, n.leaves, 0,
                            cancel_reason::immediate_or_cancel});
        retire(idx);
    }

    std::uint32_t live_slot(client_id c, order_token t) const noexcept {
        const std::uint32_t v = tokens.find(c, t);
        return v == detail::token_map::empty || v == detail::token_map::dead ? nil : v;
    }

    void cancel(const cancel_order& c) {
        const std::uint32_t idx = live_slot(c.client, c.token);
        if (idx == nil)
            return reject(c.client, c.token, request_kind::cancel, reject_reason::unknown_order);
        order_node& n = pool.at(idx);
        if (c.remaining >= n.leaves) return;  // nothing to reduce: no effect, as OUCH
        const quantity gone = n.leaves - c.remaining;
        if (c.remaining == 0) {
            unlink(idx);
            emit(order_canceled{n.client, n.token, n.ref, gone, 0, cancel_reason::user_requested});
            emit(book_delete{n.symbol, n.ref});
            retire(idx);
            return;
        }
        book_side& bs = books[n.symbol].of(n.order_side);
        bs.levels[bs.position(n.px)].qty -= gone;
        n.leaves = c.remaining;
        emit(order_canceled{n.client, n.token, n.ref, gone, n.leaves,
                            cancel_reason::user_requested});
        emit(book_cancel{n.symbol, n.ref, gone});
    }

    void replace(const replace_order& r) {
        const std::uint32_t idx = live_slot(r.client, r.token);
        if (idx == nil)
            return reject(r.client, r.new_token, request_kind::replace,
                          reject_reason::unknown_order);
        order_node& n = pool.at(idx);
        if (bad_qty(n.symbol, r.new_qty))
            return reject(r.client, r.new_token, request_kind::replace,
                          reject_reason::bad_quantity);
        if (auto why = check_price(n.symbol, r.new_price))
            return reject(r.client, r.new_token, request_kind::replace, *why);
        if (tokens.find(r.client, r.new_token) != detail::token_map::empty)
            return reject(r.client, r.new_token, request_kind::replace,
                          reject_reason::duplicate_token);

        tokens.put(n.client, n.token, detail::token_map::dead);
        tokens.put(n.client, r.new_token, idx);
        const order_token old_token = n.token;
        n.token = r.new_token;

        if (r.new_price == n.px && r.new_qty <= n.leaves) {
            const quantity gone = n.leaves - r.new_qty;
            emit(order_replaced{n.client, old_token, n.token, n.ref, n.ref, n.symbol, n.order_side,
                                n.px, r.new_qty, true});
            if (gone > 0) {
                book_side& bs = books[n.symbol].of(n.order_side);
                bs.levels[bs.position(n.px)].qty -= gone;
                n.leaves = r.new_qty;
                emit(book_cancel{n.symbol, n.ref, gone});
            }
            return;
        }

        unlink(idx);
        const order_ref old_ref = n.ref;
        n.ref = next_ref++;
        n.px = r.new_price;
        n.leaves = r.new_qty;
        emit(order_replaced{n.client, old_token, n.token, old_ref, n.ref, n.symbol, n.order_side,
                            n.px, n.leaves, false});
        if (!crosses(n, false)) {
            rest(idx);
            emit(book_replace{n.symbol, old_ref, n.ref, n.leaves, n.px});
            return;
        }
        emit(book_delete{n.symbol, old_ref});
        execute(idx, false);
        if (n.leaves == 0) return retire(idx);
        rest(idx);
        emit(book_add{n.symbol, n.ref, n.order_side, n.leaves, n.px});
    }
};

result<matching_engine> matching_engine::create(const sim_config& config, event_sink sink,
                                                std::pmr::memory_resource* memory) {
    if (auto v = validate(config); !v) return v.err();
    if (memory == nullptr) memory = default_resource();
    return matching_engine(std::make_unique<state>(config, sink, memory));
}

matching_engine::matching_engine(std::unique_ptr<state> s) noexcept : s_(std::move(s)) {}
matching_engine::matching_engine(matching_engine&&) noexcept = default;
matching_engine& matching_engine::operator=(matching_engine&&) noexcept = default;
matching_engine::~matching_engine() = default;

void matching_engine::load_starting_books() noexcept {
    order_token token = 1;
    for (std::size_t i = 0; i < s_->config.symbols.size(); ++i) {
        const symbol_config& sc = s_->config.symbols[i];
        const stock name = stock::from(sc.name);
        for (const auto* seeds : {&sc.bids, &sc.asks}) {
            const side sd = seeds == &sc.bids ? side::buy : side::sell;
            for (const level_seed& l : *seeds)
                for (std::uint32_t k = 0; k < l.orders; ++k)
                    s_->enter(new_order{s_->config.house_client, token++, name, sd,
                                        order_type::limit, time_in_force::day, l.px, l.qty_each});
        }
    }
}

void matching_engine::submit(const request& r) noexcept {
    std::visit(
        [this](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, new_order>)
                s_->enter(x);
            else if constexpr (std::is_same_v<T, cancel_order>)
                s_->cancel(x);
            else
                s_->replace(x);
        },
        r);
}

void matching_engine::enter(const new_order& o) noexcept {
    s_->enter(o);
}
void matching_engine::cancel(const cancel_order& c) noexcept {
    s_->cancel(c);
}
void matching_engine::replace(const replace_order& r) noexcept {
    s_->replace(r);
}
void matching_engine::set_sink(event_sink sink) noexcept {
    s_->sink = sink;
}

std::size_t matching_engine::cancel_all(client_id client) {
    std::vector<std::pair<order_ref, std::uint32_t>> live;
    s_->tokens.for_each_live(
        client, [&](std::uint32_t idx) { live.emplace_back(s_->pool.at(idx).ref, idx); });
    std::sort(live.begin(), live.end());
    for (const auto& [ref, idx] : live) {
        const order_node& n = s_->pool.at(idx);
        s_->unlink(idx);
        s_->emit(order_canceled{n.client, n.token, n.ref, n.leaves, 0, cancel_reason::system});
        s_->emit(book_delete{n.symbol, n.ref});
        s_->retire(idx);
    }
    return live.size();
}

std::optional<symbol_id> matching_engine::find_symbol(const stock& name) const noexcept {
    return s_->find(name);
}
std::size_t matching_engine::symbol_count() const noexcept {
    return s_->config.symbols.size();
}
const symbol_config& matching_engine::symbol(symbol_id id) const noexcept {
    return s_->config.symbols[id];
}

std::optional<level_info> matching_engine::best(symbol_id id, side s) const noexcept {
    const auto& lv = s_->books[id].of(s).levels;
    if (lv.empty()) return std::nullopt;
    return level_info{lv.back().px, lv.back().qty, lv.back().count};
}

std::size_t matching_engine::depth(symbol_id id, side s, std::span<level_info> out) const noexcept {
    const auto& lv = s_->books[id].of(s).levels;
    std::size_t n = 0;
    for (auto it = lv.rbegin(); it != lv.rend() && n < out.size(); ++it)
        out[n++] = level_info{it->px, it->qty, it->count};
    return n;
}

std::size_t matching_engine::level_count(symbol_id id, side s) const noexcept {
    return s_->books[id].of(s).levels.size();
}

std::optional<order_info> matching_engine::find_order(client_id client,
                                                      order_token token) const noexcept {
    const std::uint32_t idx = s_->live_slot(client, token);
    if (idx == nil) return std::nullopt;
    const order_node& n = s_->pool.at(idx);
    return order_info{n.ref, n.symbol, n.order_side, n.px, n.leaves};
}
bool matching_engine::is_live(client_id client, order_token token) const noexcept {
    return s_->live_slot(client, token) != nil;
}
std::size_t matching_engine::live_orders() const noexcept {
    return s_->live;
}
order_ref matching_engine::next_order_ref() const noexcept {
    return s_->next_ref;
}
match_number matching_engine::next_match_number() const noexcept {
    return s_->next_match;
}

}  // namespace exwire::sim
