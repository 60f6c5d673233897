#pragma once
// Idle strategies: what a polling loop does after a pass that found no work.
//
// A loop calls `idle(work_count)` after every pass; a non-zero count resets the strategy,
// zero advances it. Kinds (names as in configuration):
//   busy-spin   pause instruction only; lowest latency, burns its core (production cores)
//   yield       sched_yield(); gives the core to any runnable thread
//   backoff     spin, then yield, then sleep with the sleep doubling up to a bound
//   sleep       sleep a fixed period every idle pass (tests, CI, low-priority shards)
// Parameters (all optional) follow the name: "backoff:spins=100,yields=10,min=1us,max=1ms",
// "sleep:100us". Owned by one thread; not thread-safe. `idle()` never allocates.

#include <cstdint>
#include <string>
#include <string_view>

#include <exwire/core/result.hpp>

namespace exwire {

class idle_strategy {
  public:
    enum class kind : std::uint8_t { busy_spin, yield, backoff, sleep };

    /// Defaults to backoff, the safe choice on a shared machine.
    idle_strategy() noexcept = default;

    [[nodiscard]] static idle_strategy busy_spin() noexcept {
        return idle_strategy(kind::busy_spin);
    }
    [[nodiscard]] static idle_strategy yielding() noexcept { return idle_strategy(kind::yield); }
    [[nodiscard]] static idle_strategy backoff(std::uint32_t max_spins = 100,
                                               std::uint32_t max_yields = 10,
                                               std::int64_t min_park_ns = 1'000,
                                               std::int64_t max_park_ns = 1'000'000) noexcept;
    [[nodiscard]] static idle_strategy sleeping(std::int64_t period_ns = 1'000'000) noexcept;

    /// Parses a configuration value such as "busy-spin" or "backoff:max=500us".
    [[nodiscard]] static result<idle_strategy> parse(std::string_view text);

    /// Call after every pass of the loop with the amount of work it did.
    void idle(int work_count) noexcept {
        if (work_count > 0) {
            reset();
            return;
        }
        idle();
    }
    /// Call when a pass found nothing to do.
    void idle() noexcept;
    /// Back to the first (most eager) stage.
    void reset() noexcept {
        spins_ = 0;
        yields_ = 0;
        park_ns_ = min_park_ns_;
    }

    [[nodiscard]] kind type() const noexcept { return kind_; }
    /// The canonical configuration text of this strategy (round-trips through parse()).
    [[nodiscard]] std::string describe() const;

  private:
    explicit idle_strategy(kind k) noexcept : kind_(k) {}

    kind kind_ = kind::backoff;
    std::uint32_t max_spins_ = 100;
    std::uint32_t max_yields_ = 10;
    std::int64_t min_park_ns_ = 1'000;
    std::int64_t max_park_ns_ = 1'000'000;
    std::uint32_t spins_ = 0;
    std::uint32_t yields_ = 0;
    std::int64_t park_ns_ = 1'000;
};

/// Parses durations such as "250ns", "10us", "5ms", "2s" (a bare number is nanoseconds).
[[nodiscard]] result<std::int64_t> parse_duration_ns(std::string_view text);

}  // namespace exwire
