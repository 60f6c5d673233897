#pragma once
// Constant-rate pacing with coordinated-omission-correct accounting.
//
// pacer: operation i is intended to start at start + i / rate. A sender asks due(now) how
// many operations should have started by now and sends every one of them, late ones at
// once: a stall of the sender (or of what it waits on) does not thin out the schedule.
//
// co_recorder: records each operation twice. `corrected` measures from the intended start
// time, so a stall counts against every operation it delayed, as a user sending at that
// rate would see it; `uncorrected` measures from the moment the operation actually started,
// the figure a closed-loop benchmark reports (it hides stalls: coordinated omission).
//
// Plain values on one thread; no clock is read here (times are passed in), so tests drive
// them with a fake clock. Hot path members are noexcept and do not allocate.

#include <cstdint>

#include <exwire/bench/histogram.hpp>

namespace exwire::bench {

class pacer {
  public:
    /// `rate_per_second` > 0. `start_ns` is the intended time of operation 0.
    pacer(double rate_per_second, std::int64_t start_ns) noexcept
        : start_ns_(start_ns), rate_(rate_per_second) {}

    [[nodiscard]] std::int64_t start_ns() const noexcept { return start_ns_; }
    [[nodiscard]] double interval_ns() const noexcept { return 1e9 / rate_; }
    /// Intended start time of operation `i`.
    [[nodiscard]] std::int64_t intended_ns(std::uint64_t i) const noexcept {
        // Multiply first: i x 1e9 / rate is exact whenever the result is a whole number.
        return start_ns_ + static_cast<std::int64_t>(static_cast<long double>(i) * 1e9L / rate_);
    }
    /// How many operations are due at `now_ns` (those with intended time <= now).
    [[nodiscard]] std::uint64_t due(std::int64_t now_ns) const noexcept {
        if (now_ns < start_ns_) return 0;
        auto n = static_cast<std::uint64_t>(static_cast<long double>(now_ns - start_ns_) * rate_ /
                                            1e9L) +
                 1;
        // Floating rounding: step to the exact boundary.
        while (n > 0 && intended_ns(n - 1) > now_ns)
            --n;
        while (intended_ns(n) <= now_ns)
            ++n;
        return n;
    }

  private:
    std::int64_t start_ns_;
    long double rate_;
};

/// Latency of paced operations, corrected for coordinated omission and not.
struct co_recorder {
    latency_histogram corrected;    ///< end - intended start
    latency_histogram uncorrected;  ///< end - actual start

    void record(std::int64_t intended_ns, std::int64_t actual_start_ns,
                std::int64_t end_ns) noexcept {
        corrected.record(end_ns - intended_ns);
        uncorrected.record(end_ns - actual_start_ns);
    }
};

}  // namespace exwire::bench
