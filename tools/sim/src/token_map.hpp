#pragma once
// Open-addressing table (client, token) -> order slot, private to the matching engine.
// Entries are never removed: a token whose order is gone maps to `dead`, so a reused token
// is still recognised as a duplicate. Grows by doubling at half load, through the memory
// resource; lookups and inserts below that load do not allocate.

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <vector>

#include "exwire/sim/types.hpp"

namespace exwire::sim::detail {

class token_map {
  public:
    static constexpr std::uint32_t empty = 0xFFFF'FFFF;
    static constexpr std::uint32_t dead = 0xFFFF'FFFE;

    token_map(std::size_t capacity, std::pmr::memory_resource* mr) : slots_(mr) {
        std::size_t n = 16;
        while (n < capacity * 2)
            n *= 2;
        slots_.assign(n, slot{});
    }

    /// The value for the key, or `empty` when the key was never inserted.
    [[nodiscard]] std::uint32_t find(client_id c, order_token t) const noexcept {
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = hash(c, t) & mask;; i = (i + 1) & mask) {
            const slot& s = slots_[i];
            if (s.value == empty) return empty;
            if (s.token == t && s.client == c) return s.value;
        }
    }

    /// Inserts or overwrites the value for the key.
    void put(client_id c, order_token t, std::uint32_t value) {
        if ((used_ + 1) * 2 > slots_.size()) grow();
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = hash(c, t) & mask;; i = (i + 1) & mask) {
            slot& s = slots_[i];
            if (s.value == empty) {
                s = slot{t, c, value};
                ++used_;
                return;
            }
            if (s.token == t && s.client == c) {
                s.value = value;
                return;
            }
        }
    }

    [[nodiscard]] std::size_t size() const noexcept { return used_; }

    /// Calls f(value) for every entry of `c` whose value is not `dead`.
    template <typename F>
    void for_each_live(client_id c, F&& f) const {
        for (const slot& s : slots_)
            if (s.value != empty && s.value != dead && s.client == c) f(s.value);
    }

  private:
    struct slot {
        order_token token = 0;
        client_id client = 0;
        std::uint32_t value = empty;
    };

    static std::size_t hash(client_id c, order_token t) noexcept {
        // splitmix64 finaliser over the token mixed with the client: consecutive tokens
        // (the common case) spread over the table.
        std::uint64_t x = t ^ (std::uint64_t{c} * 0x9E37'79B9'7F4A'7C15ULL);
        x ^= x >> 30;
        x *= 0xBF58'476D'1CE4'E5B9ULL;
        x ^= x >> 27;
        x *= 0x94D0'49BB'1331'11EBULL;
        x ^= x >> 31;
        return static_cast<std::size_t>(x);
    }

    void grow() {
        std::pmr::vector<slot> old(slots_.get_allocator());
        old.swap(slots_);
        slots_.assign(old.size() * 2, slot{});
        used_ = 0;
        for (const slot& s : old)
            if (s.value != empty) put(s.client, s.token, s.value);
    }

    std::pmr::vector<slot> slots_;
    std::size_t used_ = 0;
};

}  // namespace exwire::sim::detail
