#pragma once
// The background flow of synthetic orders that keeps the simulated books alive: mostly
// passive limit orders at or a few ticks behind the touch (sometimes improving a wide
// spread), cancels and replaces of its own resting orders, and some marketable orders
// (IOC limits at the opposite touch, a few market orders). Deterministic for a seed: the
// same configuration, seed and book history give the same requests.
//
// Threading: belongs to the engine's thread; `next` reads the engine's books. Allocates
// only at construction (its list of own orders is reserved up front).

#include <cstdint>
#include <vector>

#include "exwire/sim/config.hpp"
#include "exwire/sim/matching_engine.hpp"
#include "exwire/sim/types.hpp"

namespace exwire::sim {

class synthetic_flow {
  public:
    explicit synthetic_flow(const flow_config& config);

    /// The next request for `engine`'s current books; submit it before calling again.
    [[nodiscard]] request next(const matching_engine& engine) noexcept;

    /// How many requests are due `elapsed_ns` after the flow started at the configured
    /// rate, minus those already produced by `next` (0 when the rate is 0).
    [[nodiscard]] std::uint64_t due(std::uint64_t elapsed_ns) const noexcept;

    /// Requests produced so far.
    [[nodiscard]] std::uint64_t produced() const noexcept { return produced_; }

  private:
    std::uint64_t random() noexcept;
    std::uint64_t below(std::uint64_t n) noexcept { return random() % n; }
    quantity lots() noexcept;
    request add(const matching_engine& e, symbol_id sym) noexcept;
    request marketable(const matching_engine& e, symbol_id sym) noexcept;
    bool own_order(const matching_engine& e, request& out) noexcept;

    flow_config config_;
    std::uint64_t state_;
    order_token next_token_ = 1;
    std::uint64_t produced_ = 0;
    std::vector<order_token> own_;  // tokens of orders that may still rest
};

}  // namespace exwire::sim
