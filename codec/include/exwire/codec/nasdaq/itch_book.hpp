#pragma once
// A price-level order book for every symbol of an ITCH 5.0 stream, built from Add (A, F),
// Executed (E, C), Cancel (X), Delete (D) and Replace (U) messages.
//
// Laid out for the stream: Nasdaq assigns order reference numbers in increasing order
// through the day, so orders live in a paged flat array indexed by (reference - first
// reference), 8 bytes each ({level index, remaining shares}); a reference far outside that
// range (or below it) goes to a small hash table instead. Price levels live in a ladder
// per (locate, side): a window of 256 prices a cent apart (100 at 4 implied decimals)
// around the first price seen, 16 bytes per price ({shares, orders, ladder}), found by
// subtraction and division from a 16-byte header per ladder, so an Add needs no hash,
// neighbouring prices share cache lines and a level that empties costs nothing. Prices off
// the window or off its grid (e.g. a sub-dollar stock's $0.0001 ticks) go to a pool of
// levels behind a hash keyed by (locate, side, price); a window moves to a new price only
// when it and its side's hash levels are empty, so a price never has two records. An order
// points straight at its level, so Executed/Cancel/Delete never look one up. Each update
// touches the order (recent references sit in a few hot cache lines) and its level.
// Reading a ladder (bids()/asks()) collects and sorts one symbol's levels (cold path).
// No allocation per message in steady state: pages of the order array are recycled once
// all their orders are gone, a ladder keeps its block, the level pool keeps freed levels on
// a free list, tables grow geometrically (reserve() up front to avoid even that). Memory:
// 4 KiB per (locate, side) that ever had an order, plus the live orders' pages.
// Single-threaded: one thread applies messages and reads levels. To use more cores, split
// the stream by stock locate: apply_framed(bytes, book_partition) builds one part's book
// (books of different parts may be built at once from the same bytes), and
// sharded_itch_book (itch_sharded_book.hpp) runs the parts on threads of their own. References to
// unknown orders (e.g. a stream joined mid-day) are counted, never fatal.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include <sys/mman.h>

#include <exwire/codec/nasdaq/itch50.hpp>

namespace exwire::codec::nasdaq {

namespace detail {

/// Allocates blocks of 2 MiB and more on 2 MiB boundaries and asks the kernel to back them
/// with huge pages (transparent huge pages in "madvise" mode): the book's tables are read
/// at random, and with 4 KiB pages nearly every access would also miss the TLB.
template <typename T>
struct huge_page_allocator {
    using value_type = T;
    static constexpr std::size_t huge = std::size_t{1} << 21;
    huge_page_allocator() = default;
    template <typename U>
    huge_page_allocator(const huge_page_allocator<U>&) noexcept {}
    [[nodiscard]] T* allocate(std::size_t n) {
        if (n > (std::size_t{1} << 48) / sizeof(T)) throw std::bad_alloc();
        const std::size_t bytes = n * sizeof(T);
        if (bytes < huge) return std::allocator<T>{}.allocate(n);
        const std::size_t rounded = (bytes + huge - 1) & ~(huge - 1);
        void* p = std::aligned_alloc(huge, rounded);
        if (!p) throw std::bad_alloc();
        (void)::madvise(p, rounded, MADV_HUGEPAGE);  // a hint: fine if refused
        return static_cast<T*>(p);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        if (n * sizeof(T) < huge) {
            std::allocator<T>{}.deallocate(p, n);
        } else {
            std::free(p);
        }
    }
    template <typename U>
    bool operator==(const huge_page_allocator<U>&) const noexcept {
        return true;
    }
};

/// Open addressing with linear probing and backward-shift deletion; Slot has `key` (0 marks
/// an empty slot, so an entry with key 0 is kept in a slot of its own outside the table).
/// Sequential keys (Identity) keep recently added entries next to each other in memory.
template <typename Slot, bool Identity>
class probe_table {
  public:
    explicit probe_table(std::size_t expected) { rehash(capacity_for(expected)); }
    void reserve(std::size_t n) {
        if (capacity_for(n) > slots_.size()) rehash(capacity_for(n));
    }
    /// Asks the cache for the slot where a search for key starts.
    [[gnu::always_inline]] void prefetch(std::uint64_t key) const noexcept {
        __builtin_prefetch(&slots_[hash(key) & (slots_.size() - 1)]);
    }
    [[nodiscard]] Slot* find(std::uint64_t key) noexcept {
        return const_cast<Slot*>(std::as_const(*this).find(key));
    }
    [[nodiscard]] const Slot* find(std::uint64_t key) const noexcept {
        if (key == 0) [[unlikely]]
            return has_zero_ ? &zero_ : nullptr;
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = hash(key) & mask;; i = (i + 1) & mask) {
            if (slots_[i].key == key) return &slots_[i];
            if (slots_[i].key == 0) return nullptr;
        }
    }
    /// The slot for key, created zeroed (apart from key) if absent; `created` says which.
    Slot& find_or_insert(std::uint64_t key, bool& created) {
        if (key == 0) [[unlikely]] {
            created = !has_zero_;
            if (created) {
                zero_ = Slot{};
                has_zero_ = true;
                ++size_;
            }
            return zero_;
        }
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
        if (s == &zero_) [[unlikely]] {
            has_zero_ = false;
            --size_;
            return;
        }
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
        std::vector<Slot, huge_page_allocator<Slot>> old = std::move(slots_);
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
    std::vector<Slot, huge_page_allocator<Slot>> slots_;
    Slot zero_{};  // the entry with key 0, when has_zero_
    bool has_zero_ = false;
    std::size_t size_ = 0;
};

/// For each type byte, the size of its ITCH 5.0 message (every one is fixed-size), or 0
/// when no message has that type: a frame whose length differs goes to itch50::visit() for
/// its status.
struct itch_sizes {
    std::uint16_t size[256];
};
constexpr itch_sizes make_itch_sizes() {
    itch_sizes t{};
    for (const auto& m : itch50::messages)
        t.size[m.type] = static_cast<std::uint16_t>(m.min_size);
    return t;
}
inline constexpr itch_sizes itch_size_of = make_itch_sizes();

/// x % d for 16-bit x and d >= 1 without a division (Lemire, Kaser and Kurz, "Faster
/// remainder by direct computation", 2019): m = 2^32 / d rounded up, kept modulo 2^32.
struct mod16 {
    std::uint32_t m;
    std::uint32_t d;
    constexpr explicit mod16(std::uint16_t divisor) noexcept
        : m(0xffffffffu / divisor + 1), d(divisor) {}
    [[nodiscard]] constexpr std::uint32_t of(std::uint16_t x) const noexcept {
        const std::uint32_t low = m * x;  // wraps: the fraction x / d in 32 bits
        return static_cast<std::uint32_t>((std::uint64_t{low} * d) >> 32);
    }
};

}  // namespace detail

/// One of `count` disjoint parts of a stream's symbols: the part with index k holds the
/// stock locates with `locate % count == k`. The default is the whole stream.
struct book_partition {
    std::uint16_t count = 1;  ///< >= 1
    std::uint16_t index = 0;  ///< < count
};

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

    /// expected_orders: live orders (and levels) to make room for up front.
    explicit itch_book(std::size_t expected_orders = 1u << 16) : far_orders_(16), level_index_(64) {
        levels_.reserve(64);
        levels_.push_back(level_node{});  // index 0 means "no level"
        rungs_.reserve(ladder_blocks_for(expected_orders) * ladder_width);
        rungs_.resize(ladder_width);  // block 0: never a ladder's, so level index 0 is free
        reserve_pages(expected_orders);
    }

    /// Makes room so `orders` live orders (and as many levels) fit without allocating.
    void reserve(std::size_t orders) {
        rungs_.reserve(std::max(rungs_.capacity(), ladder_blocks_for(orders) * ladder_width));
        reserve_pages(orders);
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
        const handle h = find(v.order_reference_number());
        if (!h.o) {
            ++counters_.unknown_orders;
            return;
        }
        leave_level(h.o->level, h.o->shares);
        erase(h);
    }
    /// Replace: the order leaves its level and comes back under the new reference with the
    /// new price and shares (same symbol and side); it loses its time priority.
    void apply(itch50::order_replace::view v) {
        ++counters_.replaces;
        const handle h = find(v.original_order_reference_number());
        if (!h.o) {
            ++counters_.unknown_orders;
            return;
        }
        std::uint16_t locate;
        bool bid;
        if (const std::uint32_t l = h.o->level; l & far_level) [[unlikely]] {
            locate = levels_[l & ~far_level].locate;
            bid = levels_[l & ~far_level].bid;
        } else {
            locate = static_cast<std::uint16_t>(rungs_[l].owner >> 1);
            bid = (rungs_[l].owner & 1) != 0;
        }
        leave_level(h.o->level, h.o->shares);
        erase(h);
        add(v.new_order_reference_number(), locate, bid, v.price(), v.shares());
    }
    template <typename View>
    void apply(View) noexcept {}

    /// Applies any ITCH 5.0 message; returns what visit() found.
    [[nodiscard]] visit_status apply_message(exwire::bytes msg) {
        return itch50::visit(msg, [this](auto v) { apply(v); });
    }

    /// What apply_framed() got through.
    struct run_result {
        std::size_t consumed = 0;                ///< bytes of whole frames applied
        std::size_t messages = 0;                ///< messages applied
        visit_status status = visit_status::ok;  ///< ok, or why the next frame stopped it
        std::size_t frames = 0;                  ///< frames checked (with a partition, of
                                                 ///< every part; without, == messages)
    };

    /// Applies a run of length-prefixed messages (2-byte big-endian length, then the
    /// message: the layout of Nasdaq's ITCH files and of MoldUDP64 message blocks), exactly
    /// as apply_message() on each would, but looking up to 16 frames ahead to prefetch
    /// the orders, ladder headers and levels they will touch, so cache misses overlap
    /// instead of queueing.
    /// Stops before a frame cut short by the end of the span (status truncated, consumed
    /// tells where to resume) or a message visit() rejects (its status; that frame is not
    /// counted as consumed).
    run_result apply_framed(exwire::bytes framed) {
        constexpr std::size_t ahead = 16, mask = ahead - 1;
        std::array<std::size_t, ahead> at{};  // offsets of frames scouted, not yet applied
        const std::byte* const p = framed.data();
        const std::size_t n = framed.size();
        auto msg_at = [p](std::size_t pos) {
            return exwire::bytes(p + pos + 2, load_be<std::uint16_t>(p + pos));
        };
        std::size_t scout = 0;                 // offset of the next frame to scout
        std::size_t scouted = 0, applied = 0;  // frames
        run_result r;
        for (;;) {
            while (scouted - applied < ahead && scout + 2 <= n) {
                const std::size_t len = load_be<std::uint16_t>(p + scout);
                if (scout + 2 + len > n) break;
                // stage 1: its order and ladder header
                if (scout + 2 + scout_bytes <= n) [[likely]]
                    prefetch_first(p + scout + 2);
                at[scouted & mask] = scout;
                ++scouted;
                scout += 2 + len;
                later_stages(at, scouted, p, n);
            }
            if (applied == scouted) break;
            const std::size_t pos = at[applied & mask];
            const exwire::bytes m = msg_at(pos);
            if (const visit_status st = apply_message(m); st != visit_status::ok) {
                r.status = st;
                break;
            }
            r.consumed = pos + 2 + m.size();
            ++applied;
        }
        r.messages = applied;
        r.frames = applied;
        if (r.status == visit_status::ok && r.consumed < n) r.status = visit_status::truncated;
        return r;
    }

    /// apply_framed() for one part of the stream's symbols: applies, in stream order, the
    /// messages whose stock locate (offset 1; every ITCH 5.0 message has it) falls in
    /// `part`, and only checks the others. Books of disjoint parts fed the same bytes hold
    /// together what one book fed everything holds, provided every message about an order
    /// carries that order's locate (Nasdaq's feed does: a replace keeps its symbol); an E, C,
    /// X, D or U naming another part's order counts as unknown, an add reusing a reference
    /// live in another part is not a duplicate there.
    /// Every frame, of any part, gets the checks apply_message() makes (frame inside the
    /// span, type known, size exact), so the books of every part stop at the same frame with
    /// the same status, and the same `consumed` and `frames`, as one book fed everything
    /// (`messages` counts this part's frames). Any thread, one call at a time per book; books
    /// of different parts may run at once on shared read-only bytes.
    run_result apply_framed(exwire::bytes framed, book_partition part) {
        // The frames are checked in bursts of up to `ring` frames of this part; their
        // offsets go to a ring the prefetch stages and the apply step read as above. The
        // offset of every frame is stored, and the ring index moves on only for this part's
        // frames: locates of a shuffled stream alternate at random between parts, a branch
        // on the part would mispredict on every other frame.
        constexpr std::size_t ahead = 16, ring = 64, mask = ring - 1;
        constexpr std::size_t stream_ahead = 1536;
        std::array<std::size_t, ring> at{};
        const std::byte* const p = framed.data();
        const std::size_t n = framed.size();
        const detail::mod16 part_of(part.count == 0 ? 1 : part.count);
        const std::uint32_t mine_index = part.index;
        std::size_t pos = 0;      // offset of the next frame to check
        std::size_t frames = 0;   // frames checked
        std::size_t listed = 0;   // this part's frames checked and put in the ring
        std::size_t scouted = 0;  // of those, prefetched (stage 1)
        std::size_t applied = 0;  // of those, applied
        bool stopped = false;     // the checks reached the end of the span or a bad frame
        visit_status stop = visit_status::ok;
        run_result r;
        for (;;) {
            if (!stopped && listed - applied < ring / 2) {
                while (listed - applied < ring) {
                    if (n - pos < 2) {
                        stopped = true;
                        if (pos != n) stop = visit_status::truncated;
                        break;
                    }
                    // the bytes ~50 frames on: each frame's offset waits for the previous
                    // length, and under the book's misses the hardware prefetch lags
                    if (pos + stream_ahead < n) __builtin_prefetch(p + pos + stream_ahead);
                    const std::size_t len = load_be<std::uint16_t>(p + pos);
                    if (n - pos - 2 < len) {
                        stopped = true;
                        stop = visit_status::truncated;
                        break;
                    }
                    if (len == 0 ||
                        detail::itch_size_of.size[static_cast<std::uint8_t>(p[pos + 2])] != len)
                        [[unlikely]] {
                        const visit_status st =
                            itch50::visit(exwire::bytes(p + pos + 2, len), [](auto) {});
                        if (st != visit_status::ok) {
                            stopped = true;
                            stop = st;
                            break;
                        }
                        if (len < 3) {  // no locate (no such message in ITCH 5.0): part 0's
                            at[listed & mask] = pos;
                            listed += mine_index == 0;
                            pos += 2 + len;
                            ++frames;
                            continue;
                        }
                    }
                    at[listed & mask] = pos;
                    listed += part_of.of(load_be<std::uint16_t>(p + pos + 3)) == mine_index;
                    pos += 2 + len;
                    ++frames;
                }
            }
            while (scouted != listed && scouted - applied < ahead) {
                // the stages as in apply_framed() above, over this part's frames
                if (const std::size_t q = at[scouted & mask]; q + 2 + scout_bytes <= n) [[likely]]
                    prefetch_first(p + q + 2);
                ++scouted;
                later_stages(at, scouted, p, n);
            }
            if (applied == scouted) break;  // only once the checks have stopped
            const std::size_t q = at[applied & mask];
            const exwire::bytes m(p + q + 2, load_be<std::uint16_t>(p + q));
            apply_checked(m);
            ++applied;
        }
        r.consumed = pos;
        r.messages = applied;
        r.frames = frames;
        r.status = stop;
        return r;
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

    [[nodiscard]] std::size_t live_orders() const noexcept { return live_orders_; }
    [[nodiscard]] std::size_t live_levels() const noexcept {
        return ladder_levels_ + level_index_.size();
    }
    [[nodiscard]] const counters& stats() const noexcept { return counters_; }

  private:
    struct order {
        std::uint32_t level;  // index into rungs_, or far_level | index into levels_; 0 = none
        std::uint32_t shares;
    };
    struct far_order {
        std::uint64_t key;  // order reference + 1 (0 = empty slot)
        order o;
    };
    struct alignas(32) level_node {  // 32 bytes: never straddles a cache line
        std::uint64_t shares;
        std::uint32_t price;
        std::uint32_t orders;  // 0: on the free list (price holds the next free index)
        std::uint16_t locate;
        bool bid;
    };
    // A price level of a ladder: the price follows from its place in the ladder's block.
    struct rung {
        std::uint64_t shares;
        std::uint32_t orders;
        std::uint32_t owner;  // locate * 2 + bid of the ladder whose block holds it
    };
    // One (locate, side)'s window of ladder_width prices on the tick grid, from `base`.
    struct ladder {
        std::uint32_t base;   // price of the block's first rung
        std::uint32_t block;  // rungs_[block * ladder_width ...]; 0 = no block yet
        std::uint32_t live;   // rungs with orders
        std::uint32_t far;    // its levels in the hash; the window moves only when both are 0,
                              // so no price ever has a rung and a hash level at once
    };
    struct level_slot {
        std::uint64_t key;  // level_key(); 0 = empty slot
        std::uint32_t index;
    };
    struct page {
        std::unique_ptr<order[]> data;  // page_size orders, or null
        std::uint32_t live = 0;
    };
    struct handle {
        order* o = nullptr;
        far_order* far = nullptr;  // set when the order lives in far_orders_
        std::size_t page = 0;
    };

    static constexpr unsigned page_bits = 12;
    static constexpr std::size_t page_size = std::size_t{1} << page_bits;
    static constexpr std::uint64_t page_mask = page_size - 1;
    // A reference up to this many pages past the newest page gets a page; further out, the
    // hash (a gap that large is not the increasing-reference stream the pages are for).
    static constexpr std::size_t page_window = 16;
    static constexpr std::size_t max_pages = std::size_t{1} << 20;  // 2^32 references

    // Price ladders: a window of ladder_width prices, ticks of tick_size (a cent at 4 implied
    // decimals) around the first price seen; prices off the window or off the grid go to
    // the level hash (levels_, marked by far_level in an order's level index).
    static constexpr std::uint32_t ladder_width = 256;
    static constexpr std::uint32_t tick_size = 100;
    static constexpr std::size_t max_ladders = std::size_t{2} << 16;  // every locate, both sides
    static constexpr std::uint32_t far_level = std::uint32_t{1} << 31;
    // Ladder blocks to reserve for this many live orders (memory is committed on use).
    static std::size_t ladder_blocks_for(std::size_t orders) {
        return std::min<std::size_t>(orders / 256 + 2, 16384);
    }

    // The rung index of (locate, bid, price), or 0 when no ladder window holds that price.
    [[nodiscard]] std::uint32_t rung_of(std::uint16_t locate, bool bid,
                                        std::uint32_t price) const noexcept {
        const std::size_t id = std::size_t{locate} * 2 + bid;
        if (id >= ladders_.size()) return 0;
        const ladder& l = ladders_[id];
        return l.block == 0 ? 0 : rung_in(l, price);
    }
    [[nodiscard]] static std::uint32_t rung_in(const ladder& l, std::uint32_t price) noexcept {
        const std::uint32_t d = price - l.base;  // wraps below the window: far past its end
        const std::uint32_t q = d / tick_size;
        if (q >= ladder_width || q * tick_size != d) return 0;
        return l.block * ladder_width + q;
    }

    static constexpr std::uint64_t level_key(std::uint16_t locate, bool bid,
                                             std::uint32_t price) noexcept {
        return (std::uint64_t{1} << 63) | (std::uint64_t{locate} << 33) |
               (std::uint64_t{bid} << 32) | price;
    }

    // The prefetch stages of apply_framed() read a message at fixed offsets whatever its
    // type, so they never branch on it (a shuffled mix of types would mispredict in each
    // stage): the reference at 11 (A/F/E/C/X/D, U's original), an add's locate at 1, side at
    // 19 and price at 32, a replace's price at 31. The bytes at those offsets of other types
    // only make a useless prefetch. They run on frames with scout_bytes readable bytes.
    static constexpr std::size_t scout_bytes = 36;

    // The order slot of the reference at offset 11 (a dummy when it has no page).
    [[gnu::always_inline]] const order* scout_order(const std::byte* q) const noexcept {
        const std::uint64_t idx = load_be<std::uint64_t>(q + 11) - base_;
        const std::uint64_t pg = idx >> page_bits;
        const order* data = pg < pages_.size() ? pages_[pg].data.get() : nullptr;
        return data ? data + (idx & page_mask) : &no_order_;
    }
    // The ladder of an add's (locate, side) (a dummy without block when it has none).
    [[gnu::always_inline]] const ladder& scout_ladder(const std::byte* q) const noexcept {
        const std::size_t id =
            std::size_t{load_be<std::uint16_t>(q + 1)} * 2 + (q[19] == std::byte{'B'});
        return id < ladders_.size() ? ladders_[id] : no_ladder_;
    }
    // rung_in() without branches: 0 when the price is off the window or off the grid.
    [[gnu::always_inline]] static std::uint32_t scout_rung(const ladder& l,
                                                           std::uint32_t price) noexcept {
        const std::uint32_t d = price - l.base;
        const std::uint32_t q = d / tick_size;
        const bool in = (q < ladder_width) & (q * tick_size == d) & (l.block != 0);
        return in ? l.block * ladder_width + q : 0;
    }
    // Where level index l lives (valid for every index an order slot holds, and 0).
    [[gnu::always_inline]] const void* scout_level(std::uint32_t l) const noexcept {
        const void* far = levels_.data() + (l & ~far_level);
        const void* near = rungs_.data() + (l & ~far_level);
        return (l & far_level) ? far : near;
    }
    [[gnu::always_inline]] static bool is_add(const std::byte* q) noexcept {
        const auto t = static_cast<std::uint8_t>(q[0]);
        return t == itch50::add_order::type || t == itch50::add_order_mpid::type;
    }

    // Stages 2 and 3 of the prefetch pipeline, run after the frame at at[scouted - 1] had
    // stage 1: stage 2 (the level, found through what stage 1 fetched) for the frame
    // stage_gap frames back, stage 3 (what changes when the level empties; a replace's new
    // level) for the one 2 * stage_gap back. `at` is a ring of frame offsets.
    static constexpr std::size_t stage_gap = 5;
    template <std::size_t Ring>
    [[gnu::always_inline]] void later_stages(const std::array<std::size_t, Ring>& at,
                                             std::size_t scouted, const std::byte* p,
                                             std::size_t n) const noexcept {
        static_assert((Ring & (Ring - 1)) == 0 && Ring > 2 * stage_gap);
        if (scouted > stage_gap) {
            const std::size_t q = at[(scouted - 1 - stage_gap) & (Ring - 1)];
            if (q + 2 + scout_bytes <= n) [[likely]]
                prefetch_second(p + q + 2);
        }
        if (scouted > 2 * stage_gap) {
            const std::size_t q = at[(scouted - 1 - 2 * stage_gap) & (Ring - 1)];
            if (q + 2 + scout_bytes <= n) [[likely]]
                prefetch_third(p + q + 2);
        }
    }

    // apply_message() for a message visit() accepts: the book's types dispatched here
    // (visit() checks the size again and is not always inlined).
    [[gnu::always_inline]] void apply_checked(exwire::bytes m) {
        switch (static_cast<std::uint8_t>(m[0])) {
            case itch50::add_order::type:
                apply(itch50::add_order::view(m));
                break;
            case itch50::add_order_mpid::type:
                apply(itch50::add_order_mpid::view(m));
                break;
            case itch50::order_executed::type:
                apply(itch50::order_executed::view(m));
                break;
            case itch50::order_executed_with_price::type:
                apply(itch50::order_executed_with_price::view(m));
                break;
            case itch50::order_cancel::type:
                apply(itch50::order_cancel::view(m));
                break;
            case itch50::order_delete::type:
                apply(itch50::order_delete::view(m));
                break;
            case itch50::order_replace::type:
                apply(itch50::order_replace::view(m));
                break;
            default:
                break;
        }
    }

    // Stage 1: the order the message names and the ladder header of an add.
    [[gnu::always_inline]] void prefetch_first(const std::byte* q) const noexcept {
        __builtin_prefetch(scout_order(q));
        __builtin_prefetch(&scout_ladder(q));
    }

    // Stage 2: an add's rung (through the now cached header), or the level the (now
    // cached) order points at.
    [[gnu::always_inline]] void prefetch_second(const std::byte* q) const noexcept {
        const bool add = is_add(q);
        const std::uint32_t r = scout_rung(scout_ladder(q), load_be<std::uint32_t>(q + 32));
        const void* held = scout_level(scout_order(q)->level);
        __builtin_prefetch(add ? static_cast<const void*>(&rungs_[r]) : held);
        if (add && r == 0) [[unlikely]] {  // off the ladder: the hash slot
            const itch50::add_order::view v(exwire::bytes(q, itch50::add_order::min_size));
            level_index_.prefetch(
                level_key(v.stock_locate(), v.buy_sell_indicator() == 'B', v.price()));
        }
    }

    // Stage 3: the ladder header whose count changes when the order's rung empties; a
    // replace's rung at its new price; for levels in the hash, the slot a level leaves or
    // an add's record.
    [[gnu::always_inline]] void prefetch_third(const std::byte* q) const noexcept {
        const bool add = is_add(q);
        const std::uint32_t l = scout_order(q)->level;
        if ((l & far_level) ||
            (add && scout_rung(scout_ladder(q), load_be<std::uint32_t>(q + 32)) == 0))
            [[unlikely]] {
            prefetch_far(q, add, l);
            return;
        }
        const rung& g = rungs_[l];
        const ladder& owner = ladders_[g.owner];  // ladders_[0] exists
        __builtin_prefetch(g.orders == 1 && !add ? &owner : &no_ladder_);
        if (static_cast<std::uint8_t>(q[0]) == itch50::order_replace::type) {
            const std::uint32_t r = scout_rung(owner, load_be<std::uint32_t>(q + 31));
            __builtin_prefetch(&rungs_[r]);
        }
    }

    // Stage 3 for levels in the hash.
    void prefetch_far(const std::byte* q, bool add, std::uint32_t l) const noexcept {
        if (add) {
            const itch50::add_order::view v(exwire::bytes(q, itch50::add_order::min_size));
            if (const level_slot* s = level_index_.find(
                    level_key(v.stock_locate(), v.buy_sell_indicator() == 'B', v.price())))
                __builtin_prefetch(&levels_[s->index]);
            return;
        }
        l &= ~far_level;
        if (l == 0 || l >= levels_.size()) return;
        const level_node& n = levels_[l];
        if (n.orders == 1) level_index_.prefetch(level_key(n.locate, n.bid, n.price));
        if (static_cast<std::uint8_t>(q[0]) == itch50::order_replace::type) {
            const std::uint32_t price = load_be<std::uint32_t>(q + 31);
            if (const std::uint32_t r = rung_of(n.locate, n.bid, price))
                __builtin_prefetch(&rungs_[r]);
            else
                level_index_.prefetch(level_key(n.locate, n.bid, price));
        }
    }

    [[nodiscard]] handle find(std::uint64_t ref) noexcept {
        const std::uint64_t idx = ref - base_;  // wraps for ref < base_: beyond every page
        const std::uint64_t p = idx >> page_bits;
        if (p < pages_.size()) {
            order* data = pages_[p].data.get();
            if (data && data[idx & page_mask].level != 0)
                return handle{&data[idx & page_mask], nullptr, static_cast<std::size_t>(p)};
        }
        if (far_orders_.size() != 0) [[unlikely]] {
            if (far_order* f = far_orders_.find(ref + 1)) return handle{&f->o, f, 0};
        }
        return handle{};
    }

    void erase(const handle& h) noexcept {
        --live_orders_;
        if (h.far) [[unlikely]] {
            far_orders_.erase(h.far);
            return;
        }
        h.o->level = 0;
        page& pg = pages_[h.page];
        if (--pg.live == 0 && h.page + 1 < pages_.size()) release_page(pg);
    }

    // Where a new order with this reference goes (page allocated on demand, or the hash).
    order& place(std::uint64_t ref) {
        if (!have_base_) [[unlikely]] {
            base_ = ref & ~page_mask;
            have_base_ = true;
        }
        const std::uint64_t idx = ref - base_;
        const std::uint64_t p = idx >> page_bits;
        if (p < pages_.size() && pages_[p].data) [[likely]] {
            ++pages_[p].live;
            return pages_[p].data[idx & page_mask];
        }
        if (p < max_pages && p < pages_.size() + page_window) {
            page& pg = open_page(static_cast<std::size_t>(p));
            ++pg.live;
            return pg.data[idx & page_mask];
        }
        bool created = false;
        far_order& f = far_orders_.find_or_insert(ref + 1, created);
        return f.o;
    }

    void add(std::uint64_t ref, std::uint16_t locate, bool bid, std::uint32_t price,
             std::uint32_t shares) {
        if (const handle h = find(ref); h.o) [[unlikely]] {
            // a live reference added again: the new order replaces it
            ++counters_.duplicate_adds;
            leave_level(h.o->level, h.o->shares);
            erase(h);
        }
        const std::uint32_t l = enter_level(locate, bid, price, shares);
        order& o = place(ref);
        o.level = l;
        o.shares = shares;
        ++live_orders_;
    }

    void reduce(std::uint64_t ref, std::uint32_t by) noexcept {
        const handle h = find(ref);
        if (!h.o) {
            ++counters_.unknown_orders;
            return;
        }
        order& o = *h.o;
        if (by >= o.shares) {
            leave_level(o.level, o.shares);
            erase(h);
        } else {
            o.shares -= by;
            if (o.level & far_level) [[unlikely]]
                levels_[o.level & ~far_level].shares -= by;
            else
                rungs_[o.level].shares -= by;
        }
    }

    // Adds one order of `shares` to the level (created if absent); returns its index.
    std::uint32_t enter_level(std::uint16_t locate, bool bid, std::uint32_t price,
                              std::uint32_t shares) {
        const std::size_t id = std::size_t{locate} * 2 + bid;
        if (id >= ladders_.size()) [[unlikely]]
            ladders_.resize(id + 1);
        ladder& l = ladders_[id];
        std::uint32_t r = l.block == 0 ? 0 : rung_in(l, price);
        if (r == 0) [[unlikely]]
            r = open_window(l, static_cast<std::uint32_t>(id), price);
        if (r != 0) [[likely]] {
            rung& g = rungs_[r];
            g.shares += shares;
            if (g.orders++ == 0) {
                ++l.live;
                ++ladder_levels_;
            }
            return r;
        }
        return far_level | enter_far_level(locate, bid, price, shares);
    }

    // A ladder without a block gets one; an empty ladder moves its window to the price.
    // Returns the price's rung, or 0 when it stays off the window (the hash takes it).
    std::uint32_t open_window(ladder& l, std::uint32_t id, std::uint32_t price) {
        if (l.block != 0 && (l.live != 0 || l.far != 0)) return 0;
        // the price in the middle of the window, or as low as the grid allows
        l.base = price - tick_size * std::min(ladder_width / 2, price / tick_size);
        if (l.block == 0) {
            l.block = static_cast<std::uint32_t>(rungs_.size() / ladder_width);
            rungs_.resize(rungs_.size() + ladder_width, rung{0, 0, id});
        }
        return rung_in(l, price);
    }

    // The hash-table path for prices no ladder window holds; returns the levels_ index.
    std::uint32_t enter_far_level(std::uint16_t locate, bool bid, std::uint32_t price,
                                  std::uint32_t shares) {
        bool created = false;
        level_slot& s = level_index_.find_or_insert(level_key(locate, bid, price), created);
        if (created) [[unlikely]] {
            ++ladders_[std::size_t{locate} * 2 + bid].far;  // enter_level made the entry
            s.index = new_level();
            levels_[s.index] = level_node{shares, price, 1, locate, bid};
            return s.index;
        }
        level_node& n = levels_[s.index];
        n.shares += shares;
        ++n.orders;
        return s.index;
    }

    // The order leaves level l, taking `shares` with it; an empty level is freed.
    void leave_level(std::uint32_t l, std::uint32_t shares) noexcept {
        if (!(l & far_level)) [[likely]] {
            rung& g = rungs_[l];
            g.shares -= std::min<std::uint64_t>(shares, g.shares);
            if (--g.orders == 0) {
                g.shares = 0;
                --ladders_[g.owner].live;
                --ladder_levels_;
            }
            return;
        }
        l &= ~far_level;
        level_node& n = levels_[l];
        n.shares -= std::min<std::uint64_t>(shares, n.shares);
        if (--n.orders != 0) [[likely]]
            return;
        if (level_slot* s = level_index_.find(level_key(n.locate, n.bid, n.price)))
            level_index_.erase(s);
        --ladders_[std::size_t{n.locate} * 2 + n.bid].far;
        n.price = free_level_;
        free_level_ = l;
    }

    std::uint32_t new_level() {
        if (free_level_ != 0) {
            const std::uint32_t l = free_level_;
            free_level_ = levels_[l].price;
            __builtin_prefetch(&levels_[free_level_]);  // the next new level's node
            return l;
        }
        levels_.push_back(level_node{});
        return static_cast<std::uint32_t>(levels_.size() - 1);
    }

    page& open_page(std::size_t p) {
        if (p >= pages_.size()) pages_.resize(p + 1);
        page& pg = pages_[p];
        if (!spare_pages_.empty()) {
            pg.data = std::move(spare_pages_.back());  // all zero: every order left it
            spare_pages_.pop_back();
        } else {
            pg.data = std::make_unique<order[]>(page_size);
        }
        return pg;
    }

    void release_page(page& pg) noexcept {
        if (spare_pages_.size() < spare_pages_.capacity()) {
            spare_pages_.push_back(std::move(pg.data));
        } else {
            pg.data.reset();
        }
    }

    void reserve_pages(std::size_t orders) {
        const std::size_t n = orders / page_size + 1;
        spare_pages_.reserve(std::max(spare_pages_.capacity(), n + page_window));
        pages_.reserve(n);
        while (spare_pages_.size() < n)
            spare_pages_.push_back(std::make_unique<order[]>(page_size));
    }

    [[nodiscard]] std::vector<level> side(std::uint16_t locate, bool bid,
                                          std::size_t max_levels) const {
        std::vector<level> out;
        if (const std::size_t id = std::size_t{locate} * 2 + bid;
            id < ladders_.size() && ladders_[id].block != 0) {
            const ladder& l = ladders_[id];
            for (std::uint32_t q = 0; q < ladder_width; ++q) {
                const rung& g = rungs_[std::size_t{l.block} * ladder_width + q];
                if (g.orders != 0) out.push_back(level{l.base + q * tick_size, g.shares, g.orders});
            }
        }
        for (std::size_t i = 1; i < levels_.size(); ++i) {
            const level_node& n = levels_[i];
            if (n.orders != 0 && n.locate == locate && n.bid == bid)
                out.push_back(level{n.price, n.shares, n.orders});
        }
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

    std::vector<page> pages_;  // page p holds references base_ + p * page_size ...
    std::vector<std::unique_ptr<order[]>> spare_pages_;
    std::uint64_t base_ = 0;
    bool have_base_ = false;
    std::size_t live_orders_ = 0;
    detail::probe_table<far_order, false> far_orders_;
    std::vector<level_node, detail::huge_page_allocator<level_node>> levels_;
    std::uint32_t free_level_ = 0;         // head of the free list (0: empty)
    static constexpr order no_order_{};    // what scout_order() finds without a page
    static constexpr ladder no_ladder_{};  // what scout_ladder() finds without a ladder
    detail::probe_table<level_slot, false> level_index_;
    // by locate * 2 + bid; [0] always exists (prefetch_third() may read it)
    std::vector<ladder> ladders_ = std::vector<ladder>(2);
    std::vector<rung, detail::huge_page_allocator<rung>> rungs_;  // ladder_width per block
    std::size_t ladder_levels_ = 0;                               // rungs with orders
    counters counters_;
};

}  // namespace exwire::codec::nasdaq
