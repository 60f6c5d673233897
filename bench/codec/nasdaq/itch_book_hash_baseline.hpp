#pragma once
// The order book exwire had before the flat-array book (commit c883195), kept only as a
// baseline so the book benchmark measures both designs side by side in one run: orders and
// levels in two open-addressing hash tables (orders by reference, levels by locate, side and
// price), every update probing both. Not part of the library.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <exwire/codec/nasdaq/itch50.hpp>

namespace itch_bench_baseline {

using exwire::codec::nasdaq::visit_status;
namespace itch50 = exwire::codec::nasdaq::itch50;

namespace detail {

/// Open addressing with linear probing and backward-shift deletion; Slot has `key` (0 = empty).
/// Sequential keys (Identity) keep recently added entries next to each other in memory.
template <typename Slot, bool Identity>
class probe_table {
  public:
    explicit probe_table(std::size_t expected) { rehash(capacity_for(expected)); }
    void reserve(std::size_t n) {
        if (capacity_for(n) > slots_.size()) rehash(capacity_for(n));
    }
    [[nodiscard]] Slot* find(std::uint64_t key) noexcept {
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = hash(key) & mask;; i = (i + 1) & mask) {
            if (slots_[i].key == key) return &slots_[i];
            if (slots_[i].key == 0) return nullptr;
        }
    }
    /// The slot for key, created zeroed (apart from key) if absent; `created` says which.
    Slot& find_or_insert(std::uint64_t key, bool& created) {
        if ((size_ + 1) * 2 > slots_.size()) rehash(slots_.size() * 2);
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = hash(key) & mask;
        while (slots_[i].key != 0) {
            if (slots_[i].key == key) {
                created = false;
                return slots_[i];
            }
            i = (i + 1) & mask;
        }
        slots_[i] = Slot{};
        slots_[i].key = key;
        ++size_;
        created = true;
        return slots_[i];
    }
    void erase(Slot* s) noexcept {
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = static_cast<std::size_t>(s - slots_.data());
        std::size_t j = i;
        for (;;) {
            j = (j + 1) & mask;
            if (slots_[j].key == 0) break;
            const std::size_t home = hash(slots_[j].key) & mask;
            const bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
            if (!stays) {
                slots_[i] = slots_[j];
                i = j;
            }
        }
        slots_[i].key = 0;
        --size_;
    }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] const std::vector<Slot>& slots() const noexcept { return slots_; }

  private:
    static std::size_t capacity_for(std::size_t n) {
        std::size_t cap = 16;
        while (cap < n * 2)
            cap <<= 1;
        return cap;
    }
    [[nodiscard]] static std::size_t hash(std::uint64_t k) noexcept {
        if constexpr (Identity) return static_cast<std::size_t>(k);
        k ^= k >> 33;  // MurmurHash3 fmix64: every input bit reaches the low bits used
        k *= 0xff51afd7ed558ccdULL;
        k ^= k >> 33;
        k *= 0xc4ceb9fe1a85ec53ULL;
        k ^= k >> 33;
        return static_cast<std::size_t>(k);
    }
    void rehash(std::size_t cap) {
        std::vector<Slot> old = std::move(slots_);
        slots_.assign(cap, Slot{});
        const std::size_t mask = cap - 1;
        for (const auto& s : old) {
            if (s.key == 0) continue;
            std::size_t i = hash(s.key) & mask;
            while (slots_[i].key != 0)
                i = (i + 1) & mask;
            slots_[i] = s;
        }
    }
    std::vector<Slot> slots_;
    std::size_t size_ = 0;
};

}  // namespace detail

class hash_itch_book {
  public:
    struct level {
        std::uint32_t price;   ///< 4 implied decimals
        std::uint64_t shares;  ///< total displayed shares at this price
        std::uint32_t orders;  ///< number of orders
    };

    struct counters {
        std::uint64_t adds = 0, executions = 0, cancels = 0, deletes = 0, replaces = 0;
        std::uint64_t unknown_orders = 0;  ///< E/C/X/D/U naming an order not in the book
        std::uint64_t duplicate_adds = 0;  ///< A/F reusing a live order reference
    };

    explicit hash_itch_book(std::size_t expected_orders = 1u << 16)
        : orders_(expected_orders), levels_(expected_orders / 2 + 16) {}

    /// Grows the tables so `orders` live orders (and as many levels) fit without rehashing.
    void reserve(std::size_t orders) {
        orders_.reserve(orders);
        levels_.reserve(orders);
    }

    /// Applies one message if it changes the book; other types are ignored. The message must
    /// have passed the size check (itch50::visit does it).
    void apply(itch50::add_order::view v) {
        ++counters_.adds;
        add(v.order_reference_number(), v.stock_locate(), v.buy_sell_indicator() == 'B', v.price(),
            v.shares());
    }
    void apply(itch50::add_order_mpid::view v) {
        ++counters_.adds;
        add(v.order_reference_number(), v.stock_locate(), v.buy_sell_indicator() == 'B', v.price(),
            v.shares());
    }
    void apply(itch50::order_executed::view v) noexcept {
        ++counters_.executions;
        reduce(v.order_reference_number(), v.executed_shares());
    }
    void apply(itch50::order_executed_with_price::view v) noexcept {
        ++counters_.executions;
        reduce(v.order_reference_number(), v.executed_shares());
    }
    void apply(itch50::order_cancel::view v) noexcept {
        ++counters_.cancels;
        reduce(v.order_reference_number(), v.cancelled_shares());
    }
    void apply(itch50::order_delete::view v) noexcept {
        ++counters_.deletes;
        order* o = orders_.find(key_of(v.order_reference_number()));
        if (!o) {
            ++counters_.unknown_orders;
            return;
        }
        leave_level(*o, o->shares);
        orders_.erase(o);
    }
    void apply(itch50::order_replace::view v) {
        ++counters_.replaces;
        order* o = orders_.find(key_of(v.original_order_reference_number()));
        if (!o) {
            ++counters_.unknown_orders;
            return;
        }
        const std::uint16_t locate = o->locate;
        const bool bid = o->bid;
        leave_level(*o, o->shares);
        orders_.erase(o);
        add(v.new_order_reference_number(), locate, bid, v.price(), v.shares());
    }
    template <typename View>
    void apply(View) noexcept {}

    /// Applies any ITCH 5.0 message; returns what visit() found.
    [[nodiscard]] visit_status apply_message(exwire::bytes msg) {
        return itch50::visit(msg, [this](auto v) { apply(v); });
    }

    /// Up to max_levels levels of one side, best first (bids highest first, asks lowest
    /// first). Cold path: scans the level table and sorts.
    [[nodiscard]] std::vector<level> bids(std::uint16_t locate,
                                          std::size_t max_levels = ~std::size_t{0}) const {
        return side(locate, true, max_levels);
    }
    [[nodiscard]] std::vector<level> asks(std::uint16_t locate,
                                          std::size_t max_levels = ~std::size_t{0}) const {
        return side(locate, false, max_levels);
    }

    [[nodiscard]] std::size_t live_orders() const noexcept { return orders_.size(); }
    [[nodiscard]] std::size_t live_levels() const noexcept { return levels_.size(); }
    [[nodiscard]] const counters& stats() const noexcept { return counters_; }

  private:
    struct order {
        std::uint64_t key;  // order reference + 1 (0 = empty slot)
        std::uint32_t price;
        std::uint32_t shares;
        std::uint16_t locate;
        bool bid;
    };
    struct level_slot {
        std::uint64_t key;  // level_key(); 0 = empty slot
        std::uint64_t shares;
        std::uint32_t orders;
    };
    static constexpr std::uint64_t key_of(std::uint64_t ref) noexcept { return ref + 1; }
    static constexpr std::uint64_t level_key(std::uint16_t locate, bool bid,
                                             std::uint32_t price) noexcept {
        return (std::uint64_t{1} << 63) | (std::uint64_t{locate} << 33) |
               (std::uint64_t{bid} << 32) | price;
    }

    void add(std::uint64_t ref, std::uint16_t locate, bool bid, std::uint32_t price,
             std::uint32_t shares) {
        bool created = false;
        order& o = orders_.find_or_insert(key_of(ref), created);
        if (!created) {  // a live reference added again: the new order replaces it
            ++counters_.duplicate_adds;
            leave_level(o, o.shares);
        }
        o.price = price;
        o.shares = shares;
        o.locate = locate;
        o.bid = bid;
        level_slot& l = levels_.find_or_insert(level_key(locate, bid, price), created);
        l.shares += shares;
        ++l.orders;
    }

    void reduce(std::uint64_t ref, std::uint32_t by) noexcept {
        order* o = orders_.find(key_of(ref));
        if (!o) {
            ++counters_.unknown_orders;
            return;
        }
        const std::uint32_t take = std::min(by, o->shares);
        if (take == o->shares) {
            leave_level(*o, take);
            orders_.erase(o);
        } else {
            o->shares -= take;
            if (level_slot* l = levels_.find(level_key(o->locate, o->bid, o->price)))
                l->shares -= take;
        }
    }

    // The order leaves its level, taking `shares` with it.
    void leave_level(const order& o, std::uint32_t shares) noexcept {
        level_slot* l = levels_.find(level_key(o.locate, o.bid, o.price));
        if (!l) return;
        l->shares -= std::min<std::uint64_t>(shares, l->shares);
        if (--l->orders == 0) levels_.erase(l);
    }

    [[nodiscard]] std::vector<level> side(std::uint16_t locate, bool bid,
                                          std::size_t max_levels) const {
        std::vector<level> out;
        const std::uint64_t want = level_key(locate, bid, 0);
        for (const auto& s : levels_.slots())
            if (s.key != 0 && (s.key & ~std::uint64_t{0xffffffff}) == want)
                out.push_back(level{static_cast<std::uint32_t>(s.key), s.shares, s.orders});
        if (bid) {
            std::sort(out.begin(), out.end(),
                      [](const level& a, const level& b) { return a.price > b.price; });
        } else {
            std::sort(out.begin(), out.end(),
                      [](const level& a, const level& b) { return a.price < b.price; });
        }
        if (out.size() > max_levels) out.resize(max_levels);
        return out;
    }

    // ITCH order references are assigned in increasing order, so the identity hash keeps
    // recent orders (the ones most updates touch) in a few cache lines.
    detail::probe_table<order, true> orders_;
    detail::probe_table<level_slot, false> levels_;
    counters counters_;
};

}  // namespace itch_bench_baseline
