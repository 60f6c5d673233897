#pragma once
// A price-level order book for every symbol of an ITCH 5.0 stream, built from Add (A, F),
// Executed (E, C), Cancel (X), Delete (D) and Replace (U) messages.
//
// Orders live in a table indexed by order reference number (16-byte slots; references
// increase through the day, so slot = reference mod capacity is in effect a direct-mapped
// array, with linear probing as the fallback and backward-shift deletion). Each order names
// its price level by index into a level pool (total shares, order count), so executions,
// cancels and deletes touch one order slot and one level record (and the level table only
// when a level empties); adds also search the level table, a hash of (stock locate, side,
// price) -> pool index holding live levels only. Large tables are asked for 2 MB pages.
// Reading a ladder (bids()/asks()) collects and sorts one symbol's levels (cold path).
// Memory grows only when a table passes half full (reserve() up front to avoid that).
// Single-threaded: one thread applies messages and reads levels. References to unknown
// orders (e.g. a stream joined mid-day) are counted, never fatal.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <sys/mman.h>

#include <exwire/codec/nasdaq/itch50.hpp>

namespace exwire::codec::nasdaq {

namespace detail {

/// Zero-filled storage for `n` trivially copyable slots. Buffers of 2 MB or more come from
/// mmap with MADV_HUGEPAGE, so a random probe into a large table costs a cache miss but
/// rarely a TLB miss too (the kernel may still use 4 KB pages; then nothing changes).
template <typename Slot>
class slot_buffer {
  public:
    slot_buffer() = default;
    explicit slot_buffer(std::size_t n) : size_(n) {
        static_assert(std::is_trivially_copyable_v<Slot>);
        bytes_ = n * sizeof(Slot);
        if (bytes_ >= huge_) {
            bytes_ = (bytes_ + huge_ - 1) / huge_ * huge_;
            void* p =
                ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) throw std::bad_alloc();
            (void)::madvise(p, bytes_, MADV_HUGEPAGE);
            mapped_ = true;
            data_ = static_cast<Slot*>(p);
        } else {
            data_ = static_cast<Slot*>(::operator new(bytes_));
        }
        std::memset(static_cast<void*>(data_), 0, n * sizeof(Slot));  // fault pages in now
    }
    slot_buffer(slot_buffer&& o) noexcept { swap(o); }
    slot_buffer& operator=(slot_buffer&& o) noexcept {
        slot_buffer t(std::move(o));
        swap(t);
        return *this;
    }
    slot_buffer(const slot_buffer&) = delete;
    slot_buffer& operator=(const slot_buffer&) = delete;
    ~slot_buffer() {
        if (!data_) return;
        if (mapped_)
            ::munmap(data_, bytes_);
        else
            ::operator delete(data_);
    }
    [[nodiscard]] Slot* data() const noexcept { return data_; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    Slot& operator[](std::size_t i) const noexcept { return data_[i]; }

  private:
    void swap(slot_buffer& o) noexcept {
        std::swap(data_, o.data_);
        std::swap(size_, o.size_);
        std::swap(bytes_, o.bytes_);
        std::swap(mapped_, o.mapped_);
    }
    static constexpr std::size_t huge_ = std::size_t{2} << 20;
    Slot* data_ = nullptr;
    std::size_t size_ = 0, bytes_ = 0;
    bool mapped_ = false;
};

/// Open addressing with linear probing and backward-shift deletion; Slot has `key` (0 = empty)
/// and is all-zero when empty. Hash maps a key to its home slot (before masking).
template <typename Slot, typename Hash>
class probe_table {
  public:
    explicit probe_table(std::size_t expected) { rehash(capacity_for(expected)); }
    void reserve(std::size_t n) {
        if (capacity_for(n) > slots_.size()) rehash(capacity_for(n));
    }
    [[nodiscard]] Slot* find(std::uint64_t key) noexcept {
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = Hash{}(key)&mask;; i = (i + 1) & mask) {
            if (slots_[i].key == key) return &slots_[i];
            if (slots_[i].key == 0) return nullptr;
        }
    }
    /// The slot for key, created zeroed (apart from key) if absent; `created` says which.
    Slot& find_or_insert(std::uint64_t key, bool& created) {
        if ((size_ + 1) * 2 > slots_.size()) rehash(slots_.size() * 2);
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = Hash{}(key)&mask;
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
            const std::size_t home = Hash{}(slots_[j].key) & mask;
            const bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
            if (!stays) {
                slots_[i] = slots_[j];
                i = j;
            }
        }
        slots_[i] = Slot{};
        --size_;
    }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    /// Asks the CPU to fetch key's home slot (no effect on the table's contents).
    void prefetch(std::uint64_t key) const noexcept {
        __builtin_prefetch(slots_.data() + (Hash{}(key) & (slots_.size() - 1)));
    }

  private:
    static std::size_t capacity_for(std::size_t n) {
        std::size_t cap = 16;
        while (cap < n * 2)
            cap <<= 1;
        return cap;
    }
    void rehash(std::size_t cap) {
        slot_buffer<Slot> old = std::move(slots_);
        slots_ = slot_buffer<Slot>(cap);
        const std::size_t mask = cap - 1;
        for (std::size_t k = 0; k < old.size(); ++k) {
            const Slot& s = old[k];
            if (s.key == 0) continue;
            std::size_t i = Hash{}(s.key) & mask;
            while (slots_[i].key != 0)
                i = (i + 1) & mask;
            slots_[i] = s;
        }
    }
    slot_buffer<Slot> slots_;
    std::size_t size_ = 0;
};

/// ITCH order references increase through the day: the identity keeps orders added close
/// in time in adjacent slots (in effect a direct-mapped array with linear-probe fallback).
/// (Tombstone deletion instead of backward shift was tried: inserts then scan the runs of
/// tombstones the deletes leave behind, four times the instructions on the benchmark.)
struct identity_hash {
    std::size_t operator()(std::uint64_t k) const noexcept { return static_cast<std::size_t>(k); }
};

/// Level keys (locate << 33 | side << 32 | price), scrambled with MurmurHash3's fmix64.
/// (Placing one side's prices in adjacent slots was tried: no fewer cache misses on the
/// benchmark stream, and longer probe runs.)
struct level_hash {
    std::size_t operator()(std::uint64_t k) const noexcept {
        k ^= k >> 33;
        k *= 0xff51afd7ed558ccdULL;
        k ^= k >> 33;
        k *= 0xc4ceb9fe1a85ec53ULL;
        k ^= k >> 33;
        return static_cast<std::size_t>(k);
    }
};

}  // namespace detail

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

    /// `expected_orders` sizes the order table; the level table starts small and grows
    /// (levels are far fewer than orders, and a compact level table stays in cache).
    explicit itch_book(std::size_t expected_orders = 1u << 16)
        : orders_(expected_orders), level_index_(1u << 12) {
        level_pool_.reserve(1u << 12);
    }

    /// Grows the order table so `orders` live orders fit without rehashing.
    void reserve(std::size_t orders) { orders_.reserve(orders); }

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
        leave_level(o->level, o->shares);
        orders_.erase(o);
    }
    void apply(itch50::order_replace::view v) {
        ++counters_.replaces;
        order* o = orders_.find(key_of(v.original_order_reference_number()));
        if (!o) {
            ++counters_.unknown_orders;
            return;
        }
        const std::uint64_t old_key = level_pool_[o->level].key;
        leave_level(o->level, o->shares);
        orders_.erase(o);
        add(v.new_order_reference_number(), locate_of(old_key), bid_of(old_key), v.price(),
            v.shares());
    }
    template <typename View>
    void apply(View) noexcept {}

    /// Applies any ITCH 5.0 message; returns what visit() found.
    [[nodiscard]] visit_status apply_message(exwire::bytes msg) {
        return itch50::visit(msg, [this](auto v) { apply(v); });
    }

    /// A hint for a message to be applied soon (a few messages ahead): prefetches the order
    /// slot it names and, for adds, its level-table slot. Reads only msg (at most its first
    /// 36 bytes, never past its end); changes nothing, so calling it or not gives the same book.
    void prefetch(exwire::bytes msg) const noexcept {
        if (msg.size() < 19) return;
        const std::byte* p = msg.data();
        switch (static_cast<char>(p[0])) {
            case 'A':
            case 'F':
                if (msg.size() < 36) return;
                level_index_.prefetch(level_key(exwire::load_be<std::uint16_t>(p + 1),
                                                static_cast<char>(p[19]) == 'B',
                                                exwire::load_be<std::uint32_t>(p + 32)));
                break;
            case 'E':
            case 'C':
            case 'X':
            case 'D':
            case 'U':
                orders_.prefetch(key_of(exwire::load_be<std::uint64_t>(p + 11)));
                break;
            default:
                break;
        }
    }

    /// Up to max_levels levels of one side, best first (bids highest first, asks lowest
    /// first). Cold path: scans the level pool and sorts.
    [[nodiscard]] std::vector<level> bids(std::uint16_t locate,
                                          std::size_t max_levels = ~std::size_t{0}) const {
        return side(locate, true, max_levels);
    }
    [[nodiscard]] std::vector<level> asks(std::uint16_t locate,
                                          std::size_t max_levels = ~std::size_t{0}) const {
        return side(locate, false, max_levels);
    }

    [[nodiscard]] std::size_t live_orders() const noexcept { return orders_.size(); }
    [[nodiscard]] std::size_t live_levels() const noexcept { return level_index_.size(); }
    [[nodiscard]] const counters& stats() const noexcept { return counters_; }

  private:
    // 16 bytes: the order names its level by pool index, so executions, cancels and deletes
    // touch the order slot and the level record and never search the level table.
    struct order {
        std::uint64_t key;  // order reference + 1 (0 = empty slot)
        std::uint32_t shares;
        std::uint32_t level;  // index into level_pool_
    };
    struct level_rec {
        std::uint64_t key;  // level_key(); 0 = free record
        std::uint64_t shares;
        std::uint32_t orders;
        std::uint32_t next_free;  // free list link while key == 0
    };
    struct level_slot {  // level table: level_key() -> pool index, used only by adds
        std::uint64_t key;
        std::uint32_t index;
    };
    static constexpr std::uint32_t no_free = ~std::uint32_t{0};
    static constexpr std::uint64_t key_of(std::uint64_t ref) noexcept { return ref + 1; }
    static constexpr std::uint64_t level_key(std::uint16_t locate, bool bid,
                                             std::uint32_t price) noexcept {
        return (std::uint64_t{1} << 63) | (std::uint64_t{locate} << 33) |
               (std::uint64_t{bid} << 32) | price;
    }
    static constexpr std::uint16_t locate_of(std::uint64_t level_key) noexcept {
        return static_cast<std::uint16_t>(level_key >> 33);
    }
    static constexpr bool bid_of(std::uint64_t level_key) noexcept {
        return ((level_key >> 32) & 1) != 0;
    }

    void add(std::uint64_t ref, std::uint16_t locate, bool bid, std::uint32_t price,
             std::uint32_t shares) {
        bool created = false;
        order& o = orders_.find_or_insert(key_of(ref), created);
        if (!created) {  // a live reference added again: the new order replaces it
            ++counters_.duplicate_adds;
            leave_level(o.level, o.shares);
        }
        const std::uint64_t lk = level_key(locate, bid, price);
        level_slot& s = level_index_.find_or_insert(lk, created);
        if (created) s.index = new_level(lk);
        level_rec& l = level_pool_[s.index];
        l.shares += shares;
        ++l.orders;
        o.shares = shares;
        o.level = s.index;
    }

    std::uint32_t new_level(std::uint64_t lk) {
        std::uint32_t i = free_head_;
        if (i != no_free) {
            free_head_ = level_pool_[i].next_free;
            level_pool_[i] = level_rec{lk, 0, 0, 0};
        } else {
            i = static_cast<std::uint32_t>(level_pool_.size());
            level_pool_.push_back(level_rec{lk, 0, 0, 0});
        }
        return i;
    }

    void reduce(std::uint64_t ref, std::uint32_t by) noexcept {
        order* o = orders_.find(key_of(ref));
        if (!o) {
            ++counters_.unknown_orders;
            return;
        }
        const std::uint32_t take = std::min(by, o->shares);
        if (take == o->shares) {
            leave_level(o->level, take);
            orders_.erase(o);
        } else {
            o->shares -= take;
            level_pool_[o->level].shares -= take;
        }
    }

    // An order leaves level `li`, taking `shares` with it. An emptied level leaves the level
    // table and its record goes on the free list, so the table holds live levels only.
    // (Keeping empty levels in the table until it fills, to skip this search, was tried:
    // the larger table missed the cache more often on adds than the search it saved.)
    void leave_level(std::uint32_t li, std::uint32_t shares) noexcept {
        level_rec& l = level_pool_[li];
        l.shares -= std::min<std::uint64_t>(shares, l.shares);
        if (--l.orders == 0) {
            if (level_slot* s = level_index_.find(l.key)) level_index_.erase(s);
            l.key = 0;
            l.next_free = free_head_;
            free_head_ = li;
        }
    }

    [[nodiscard]] std::vector<level> side(std::uint16_t locate, bool bid,
                                          std::size_t max_levels) const {
        std::vector<level> out;
        const std::uint64_t want = level_key(locate, bid, 0);
        for (const auto& l : level_pool_)
            if (l.key != 0 && (l.key & ~std::uint64_t{0xffffffff}) == want)
                out.push_back(level{static_cast<std::uint32_t>(l.key), l.shares, l.orders});
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

    detail::probe_table<order, detail::identity_hash> orders_;
    detail::probe_table<level_slot, detail::level_hash> level_index_;
    std::vector<level_rec> level_pool_;
    std::uint32_t free_head_ = no_free;
    counters counters_;
};

}  // namespace exwire::codec::nasdaq
