#include <exwire/bench/histogram.hpp>

#include <algorithm>
#include <cmath>

namespace exwire::bench {

latency_histogram::latency_histogram() : counts_(buckets, 0) {}

void latency_histogram::merge(const latency_histogram& other) noexcept {
    for (std::size_t i = 0; i < buckets; ++i)
        counts_[i] += other.counts_[i];
    if (other.count_ != 0) {
        min_ = std::min(min_, other.min_);
        max_ = std::max(max_, other.max_);
    }
    count_ += other.count_;
    overflow_ += other.overflow_;
    sum_ += other.sum_;
}

void latency_histogram::reset() noexcept {
    std::fill(counts_.begin(), counts_.end(), 0);
    count_ = overflow_ = 0;
    sum_ = 0;
    min_ = max_trackable_ns;
    max_ = 0;
}

std::int64_t latency_histogram::lower(std::size_t i) noexcept {
    if (i < linear_limit) return static_cast<std::int64_t>(i);
    const std::size_t k = i - linear_limit;
    const int e = 8 + static_cast<int>(k >> sub_bucket_bits);
    const std::uint64_t m = (1u << sub_bucket_bits) + (k & ((1u << sub_bucket_bits) - 1));
    return static_cast<std::int64_t>(m << (e - sub_bucket_bits));
}

std::int64_t latency_histogram::upper(std::size_t i) noexcept {
    if (i < linear_limit) return static_cast<std::int64_t>(i);
    const std::size_t k = i - linear_limit;
    const int e = 8 + static_cast<int>(k >> sub_bucket_bits);
    const std::uint64_t m = (1u << sub_bucket_bits) + (k & ((1u << sub_bucket_bits) - 1));
    return static_cast<std::int64_t>(((m + 1) << (e - sub_bucket_bits)) - 1);
}

std::int64_t latency_histogram::percentile(double p) const noexcept {
    if (count_ == 0) return 0;
    p = std::clamp(p, 0.0, 100.0);
    auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets; ++i) {
        seen += counts_[i];
        if (seen >= rank) return std::min(upper(i), max_);
    }
    return max_;
}

latency_summary summarize(const latency_histogram& h) noexcept {
    latency_summary s;
    s.count = h.count();
    s.mean = h.mean();
    s.min = h.min();
    s.p50 = h.percentile(50);
    s.p90 = h.percentile(90);
    s.p99 = h.percentile(99);
    s.p999 = h.percentile(99.9);
    s.p9999 = h.percentile(99.99);
    s.max = h.max();
    return s;
}

}  // namespace exwire::bench
