#pragma once
// latency_histogram: a log-linear histogram of latencies in nanoseconds, 1 ns to 60 s.
//
// Values below 256 ns have a bucket each; above, every power of two is cut into 128 equal
// buckets, so a reported value is never below the true one and at most 1/128 (0.8 %) above
// it. Recording is a few instructions: no allocation, no lock (one thread records into one
// histogram; merge() combines histograms of several threads afterwards). Values above 60 s
// are counted in the last bucket and in overflow(); negative values count as 0.
//
// Memory: the 3840 counters are allocated once in the constructor. Percentiles, mean and
// buckets are read on the cold path, from any thread once recording has stopped.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace exwire::bench {

class latency_histogram {
  public:
    static constexpr std::int64_t max_trackable_ns = 60'000'000'000;
    static constexpr int sub_bucket_bits = 7;  ///< 128 buckets per power of two
    static constexpr std::size_t linear_limit = std::size_t{2} << sub_bucket_bits;  ///< 256
    static constexpr std::size_t buckets = linear_limit + (36 - 8) * (1u << sub_bucket_bits);

    latency_histogram();

    /// Records one latency. Hot path: noexcept, no allocation.
    void record(std::int64_t ns) noexcept {
        if (ns < 0) ns = 0;
        if (ns > max_trackable_ns) {
            ns = max_trackable_ns;
            ++overflow_;
        }
        ++counts_[index_of(ns)];
        ++count_;
        sum_ += static_cast<double>(ns);
        if (ns < min_) min_ = ns;
        if (ns > max_) max_ = ns;
    }

    /// Adds every sample of `other` to this histogram.
    void merge(const latency_histogram& other) noexcept;
    void reset() noexcept;

    [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
    [[nodiscard]] std::uint64_t overflow() const noexcept { return overflow_; }
    /// 0 when empty.
    [[nodiscard]] std::int64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
    [[nodiscard]] std::int64_t max() const noexcept { return max_; }
    [[nodiscard]] double mean() const noexcept {
        return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_);
    }
    /// The value at percentile `p` (0..100): the highest value of the bucket holding the
    /// sample of rank ceil(p/100 * count), capped at max(). 0 when empty.
    [[nodiscard]] std::int64_t percentile(double p) const noexcept;

    /// Bucket `i` holds values lower(i)..upper(i) inclusive.
    [[nodiscard]] static std::size_t index_of(std::int64_t ns) noexcept {
        const auto v = static_cast<std::uint64_t>(ns);
        if (v < linear_limit) return static_cast<std::size_t>(v);
        const int e = 63 - __builtin_clzll(v);  // 8..35
        const int shift = e - sub_bucket_bits;
        return linear_limit + static_cast<std::size_t>(e - 8) * (1u << sub_bucket_bits) +
               static_cast<std::size_t>((v >> shift) - (1u << sub_bucket_bits));
    }
    [[nodiscard]] static std::int64_t lower(std::size_t i) noexcept;
    [[nodiscard]] static std::int64_t upper(std::size_t i) noexcept;
    [[nodiscard]] std::uint64_t count_at(std::size_t i) const noexcept { return counts_[i]; }

  private:
    std::vector<std::uint64_t> counts_;
    std::uint64_t count_ = 0;
    std::uint64_t overflow_ = 0;
    double sum_ = 0;
    std::int64_t min_ = max_trackable_ns;
    std::int64_t max_ = 0;
};

/// The figures every report shows for one latency metric (nanoseconds).
struct latency_summary {
    std::uint64_t count = 0;
    double mean = 0;
    std::int64_t min = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, p9999 = 0, max = 0;
};
[[nodiscard]] latency_summary summarize(const latency_histogram& h) noexcept;

}  // namespace exwire::bench
