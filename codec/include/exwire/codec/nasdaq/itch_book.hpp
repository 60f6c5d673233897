#pragma once
// A price-level order book for every symbol of an ITCH 5.0 stream, built from Add (A, F),
// Executed (E, C), Cancel (X), Delete (D) and Replace (U) messages.
//
// Orders live in one open-addressing hash table keyed by order reference number; each
// symbol (stock locate) has bid and ask levels in sorted vectors (best first), so the top of
// book and a ladder are direct reads. Memory grows only when the order table passes half
// full or a side gains a new level beyond its capacity (reserve() up front to avoid that).
// Single-threaded: one thread applies messages and reads levels. References to unknown
// orders (e.g. a stream joined mid-day) are counted, never fatal.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <exwire/codec/nasdaq/itch50.hpp>

namespace exwire::codec::nasdaq {

class itch_book {
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

    explicit itch_book(std::size_t expected_orders = 1u << 16) { rehash(capacity_for(expected_orders)); }

    /// Grows the order table so `orders` live orders fit without rehashing.
    void reserve(std::size_t orders) {
        const std::size_t cap = capacity_for(orders);
        if (cap > slots_.size()) rehash(cap);
    }

    /// Applies one message if it changes the book; other types are ignored. The message must
    /// have passed the size check (itch50::visit does it).
    void apply(itch50::add_order::view v) noexcept {
        add(v.order_reference_number(), v.stock_locate(), v.buy_sell_indicator() == 'B', v.price(), v.shares());
    }
    void apply(itch50::add_order_mpid::view v) noexcept {
        add(v.order_reference_number(), v.stock_locate(), v.buy_sell_indicator() == 'B', v.price(), v.shares());
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
        slot* s = find(v.order_reference_number());
        if (!s) {
            ++counters_.unknown_orders;
            return;
        }
        remove_from_level(*s, s->shares);
        erase(s);
    }
    void apply(itch50::order_replace::view v) noexcept {
        ++counters_.replaces;
        slot* s = find(v.original_order_reference_number());
        if (!s) {
            ++counters_.unknown_orders;
            return;
        }
        const std::uint16_t locate = s->locate;
        const bool bid = s->bid;
        remove_from_level(*s, s->shares);
        erase(s);
        --counters_.adds;  // add() counts it; a replace is not a new add
        add(v.new_order_reference_number(), locate, bid, v.price(), v.shares());
    }
    template <typename View>
    void apply(View) noexcept {}

    /// Applies any ITCH 5.0 message; returns what visit() found.
    [[nodiscard]] visit_status apply_message(exwire::bytes msg) noexcept {
        return itch50::visit(msg, [this](auto v) { apply(v); });
    }

    /// Levels of one side, best first (bids highest first, asks lowest first). The span is
    /// valid until the next apply.
    [[nodiscard]] std::span<const level> bids(std::uint16_t locate) const noexcept { return side(locate, true); }
    [[nodiscard]] std::span<const level> asks(std::uint16_t locate) const noexcept { return side(locate, false); }

    [[nodiscard]] std::size_t live_orders() const noexcept { return live_; }
    [[nodiscard]] const counters& stats() const noexcept { return counters_; }

private:
    struct slot {
        std::uint64_t ref;  // 0 = empty (ITCH order references start at 1)
        std::uint32_t price;
        std::uint32_t shares;
        std::uint16_t locate;
        bool bid;
    };
    struct book {
        std::vector<level> bids, asks;
    };

    static std::size_t capacity_for(std::size_t orders) {
        std::size_t cap = 16;
        while (cap < orders * 2) cap <<= 1;
        return cap;
    }
    [[nodiscard]] static std::size_t hash(std::uint64_t k) noexcept {
        k ^= k >> 33;
        k *= 0xff51afd7ed558ccdULL;
        k ^= k >> 33;
        return static_cast<std::size_t>(k);
    }

    [[nodiscard]] std::span<const level> side(std::uint16_t locate, bool bid) const noexcept {
        if (locate >= books_.size() || !books_[locate]) return {};
        return bid ? std::span<const level>(books_[locate]->bids) : std::span<const level>(books_[locate]->asks);
    }

    book& book_for(std::uint16_t locate) {
        if (locate >= books_.size()) books_.resize(std::size_t{locate} + 1);
        if (!books_[locate]) books_[locate] = std::make_unique<book>();
        return *books_[locate];
    }

    // Sorted best-first: bids descending, asks ascending.
    static std::vector<level>::iterator find_level(std::vector<level>& v, std::uint32_t price, bool bid) noexcept {
        return bid ? std::lower_bound(v.begin(), v.end(), price,
                                      [](const level& l, std::uint32_t p) { return l.price > p; })
                   : std::lower_bound(v.begin(), v.end(), price,
                                      [](const level& l, std::uint32_t p) { return l.price < p; });
    }

    void add(std::uint64_t ref, std::uint16_t locate, bool bid, std::uint32_t price, std::uint32_t shares) {
        ++counters_.adds;
        if (ref == 0) return;
        if ((live_ + 1) * 2 > slots_.size()) rehash(slots_.size() * 2);
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = hash(ref) & mask;
        while (slots_[i].ref != 0) {
            if (slots_[i].ref == ref) {  // duplicate: replace the old order
                ++counters_.duplicate_adds;
                remove_from_level(slots_[i], slots_[i].shares);
                --live_;
                break;
            }
            i = (i + 1) & mask;
        }
        slots_[i] = slot{ref, price, shares, locate, bid};
        ++live_;
        auto& v = bid ? book_for(locate).bids : book_for(locate).asks;
        auto it = find_level(v, price, bid);
        if (it != v.end() && it->price == price) {
            it->shares += shares;
            ++it->orders;
        } else {
            v.insert(it, level{price, shares, 1});
        }
    }

    void reduce(std::uint64_t ref, std::uint32_t by) noexcept {
        slot* s = find(ref);
        if (!s) {
            ++counters_.unknown_orders;
            return;
        }
        const std::uint32_t take = std::min(by, s->shares);
        if (take == s->shares) {
            remove_from_level(*s, take);
            erase(s);
        } else {
            s->shares -= take;
            auto& v = s->bid ? books_[s->locate]->bids : books_[s->locate]->asks;
            auto it = find_level(v, s->price, s->bid);
            if (it != v.end() && it->price == s->price) it->shares -= take;
        }
    }

    // Removes `shares` and one order from the order's level (the order leaves the level).
    void remove_from_level(const slot& s, std::uint32_t shares) noexcept {
        auto& v = s.bid ? books_[s.locate]->bids : books_[s.locate]->asks;
        auto it = find_level(v, s.price, s.bid);
        if (it == v.end() || it->price != s.price) return;
        it->shares -= std::min<std::uint64_t>(shares, it->shares);
        if (--it->orders == 0) v.erase(it);
    }

    [[nodiscard]] slot* find(std::uint64_t ref) noexcept {
        if (ref == 0) return nullptr;
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = hash(ref) & mask;; i = (i + 1) & mask) {
            if (slots_[i].ref == ref) return &slots_[i];
            if (slots_[i].ref == 0) return nullptr;
        }
    }

    // Backward-shift deletion keeps probe chains intact without tombstones.
    void erase(slot* s) noexcept {
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = static_cast<std::size_t>(s - slots_.data());
        std::size_t j = i;
        for (;;) {
            j = (j + 1) & mask;
            if (slots_[j].ref == 0) break;
            const std::size_t home = hash(slots_[j].ref) & mask;
            // move j back to i if its home is not in (i, j] cyclically
            const bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
            if (!between) {
                slots_[i] = slots_[j];
                i = j;
            }
        }
        slots_[i].ref = 0;
        --live_;
    }

    void rehash(std::size_t cap) {
        std::vector<slot> old = std::move(slots_);
        slots_.assign(cap, slot{0, 0, 0, 0, false});
        const std::size_t mask = cap - 1;
        for (const auto& s : old) {
            if (s.ref == 0) continue;
            std::size_t i = hash(s.ref) & mask;
            while (slots_[i].ref != 0) i = (i + 1) & mask;
            slots_[i] = s;
        }
    }

    std::vector<slot> slots_;
    std::size_t live_ = 0;
    std::vector<std::unique_ptr<book>> books_;
    counters counters_;
};

}  // namespace exwire::codec::nasdaq
