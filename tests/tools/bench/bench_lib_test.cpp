// The benchmark library: histogram percentiles against a sorted reference, pacing and
// coordinated-omission accounting under a fake clock, report files, progress bar.
#include <exwire/bench/histogram.hpp>
#include <exwire/bench/pacer.hpp>
#include <exwire/bench/progress.hpp>
#include <exwire/bench/report.hpp>

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <new>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "../../support/alloc_counter.hpp"

namespace eb = exwire::bench;

namespace {

std::int64_t reference_percentile(const std::vector<std::int64_t>& sorted, double p) {
    auto rank =
        static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    rank = std::clamp<std::uint64_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

void expect_close_above(std::int64_t got, std::int64_t want) {
    // Never below the true value, at most 1/128 above it (+1 for the bucket's last value).
    EXPECT_GE(got, want);
    EXPECT_LE(static_cast<double>(got), static_cast<double>(want) * (1.0 + 1.0 / 128) + 1)
        << "want " << want;
}

std::string read_file(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

}  // namespace

TEST(latency_histogram, buckets_cover_the_range_without_gaps) {
    for (std::size_t i = 0; i + 1 < eb::latency_histogram::buckets; ++i) {
        ASSERT_EQ(eb::latency_histogram::upper(i) + 1, eb::latency_histogram::lower(i + 1)) << i;
        ASSERT_EQ(eb::latency_histogram::index_of(eb::latency_histogram::lower(i)), i);
        ASSERT_EQ(eb::latency_histogram::index_of(eb::latency_histogram::upper(i)), i);
    }
    EXPECT_EQ(eb::latency_histogram::index_of(eb::latency_histogram::max_trackable_ns),
              eb::latency_histogram::index_of(eb::latency_histogram::max_trackable_ns));
    EXPECT_LT(eb::latency_histogram::index_of(eb::latency_histogram::max_trackable_ns),
              eb::latency_histogram::buckets);
}

TEST(latency_histogram, percentiles_match_a_sorted_reference_on_random_data) {
    std::mt19937_64 rng(42);
    for (int round = 0; round < 5; ++round) {
        eb::latency_histogram h;
        std::vector<std::int64_t> values;
        // Log-uniform from 1 ns to 10 s, plus a cluster, as latencies look.
        std::uniform_real_distribution<double> exp10(0.0, 10.0);
        std::normal_distribution<double> cluster(2'000.0, 150.0);
        const int n = 20'000 + round * 7'919;
        for (int i = 0; i < n; ++i) {
            const auto v = i % 3 == 0 ? static_cast<std::int64_t>(std::pow(10.0, exp10(rng)))
                                      : std::max<std::int64_t>(0, std::llround(cluster(rng)));
            values.push_back(v);
            h.record(v);
        }
        std::sort(values.begin(), values.end());
        for (double p : {0.0, 1.0, 10.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0})
            expect_close_above(h.percentile(p), reference_percentile(values, p));
        EXPECT_EQ(h.count(), values.size());
        EXPECT_EQ(h.min(), values.front());
        EXPECT_EQ(h.max(), values.back());
        double sum = 0;
        for (auto v : values)
            sum += static_cast<double>(v);
        EXPECT_NEAR(h.mean(), sum / static_cast<double>(values.size()), 1e-6 * h.mean());
    }
}

TEST(latency_histogram, merge_equals_recording_everything_in_one) {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::int64_t> d(0, 5'000'000);
    eb::latency_histogram a, b, all;
    for (int i = 0; i < 10'000; ++i) {
        const auto v = d(rng);
        (i % 2 == 0 ? a : b).record(v);
        all.record(v);
    }
    a.merge(b);
    EXPECT_EQ(a.count(), all.count());
    EXPECT_EQ(a.min(), all.min());
    EXPECT_EQ(a.max(), all.max());
    for (double p : {50.0, 90.0, 99.0, 99.99})
        EXPECT_EQ(a.percentile(p), all.percentile(p));
}

TEST(latency_histogram, clamps_negative_and_counts_overflow) {
    eb::latency_histogram h;
    h.record(-5);
    h.record(eb::latency_histogram::max_trackable_ns * 2);
    EXPECT_EQ(h.count(), 2u);
    EXPECT_EQ(h.min(), 0);
    EXPECT_EQ(h.overflow(), 1u);
    EXPECT_EQ(h.max(), eb::latency_histogram::max_trackable_ns);
    eb::latency_histogram empty;
    EXPECT_EQ(empty.percentile(50), 0);
    EXPECT_EQ(empty.min(), 0);
}

TEST(latency_histogram, recording_and_pacing_allocate_nothing) {
    eb::latency_histogram h;
    eb::co_recorder rec;
    const eb::pacer p(10'000, 0);
    const std::uint64_t before = exwire::test::allocations_everywhere();
    std::int64_t sink = 0;
    for (std::int64_t i = 0; i < 100'000; ++i) {
        h.record(i * 7919 % 50'000'000);
        rec.record(p.intended_ns(static_cast<std::uint64_t>(i)), i * 100'000, i * 100'000 + 5'000);
        sink += static_cast<std::int64_t>(p.due(i * 100'000));
    }
    EXPECT_EQ(exwire::test::allocations_everywhere(), before);
    EXPECT_GT(sink, 0);
    EXPECT_EQ(h.count(), 100'000u);
    // The hook does count: a vector of runtime size allocates once.
    std::vector<std::int64_t> v(h.count());
    EXPECT_EQ(exwire::test::allocations_everywhere(), before + 1);
    EXPECT_EQ(v.size(), h.count());
}

TEST(pacer, intended_times_follow_the_rate) {
    eb::pacer p(3.0, 1'000);  // one every 333333333.3 ns
    EXPECT_EQ(p.intended_ns(0), 1'000);
    EXPECT_EQ(p.intended_ns(3), 1'000 + 1'000'000'000);
    EXPECT_EQ(p.intended_ns(1), 1'000 + 333'333'333);
    EXPECT_EQ(p.due(999), 0u);
    EXPECT_EQ(p.due(1'000), 1u);
    EXPECT_EQ(p.due(1'000 + 333'333'332), 1u);
    EXPECT_EQ(p.due(1'000 + 333'333'333), 2u);
    EXPECT_EQ(p.due(1'000 + 1'000'000'000), 4u);
    eb::pacer fast(10'000, 0);
    for (std::uint64_t i = 0; i < 100'000; i += 997) {
        EXPECT_EQ(fast.intended_ns(i), static_cast<std::int64_t>(i) * 100'000);
        EXPECT_EQ(fast.due(fast.intended_ns(i)), i + 1);
        EXPECT_EQ(fast.due(fast.intended_ns(i) + 99'999), i + 1);
    }
}

TEST(co_recorder, a_stall_counts_against_every_operation_it_delays) {
    // 1000 operations at 1000/s; each takes 10 us of service; the sender stalls 100 ms at
    // operation 500. A fake clock drives the loop exactly as exwire bench's sender does.
    eb::pacer p(1'000, 0);
    eb::co_recorder rec;
    std::int64_t now = 0;
    std::uint64_t sent = 0;
    constexpr std::int64_t service = 10'000;
    while (sent < 1'000) {
        const std::uint64_t due = p.due(now);
        if (sent >= due) {
            now = p.intended_ns(sent);  // sleep until the next one is due
            continue;
        }
        if (sent == 500) now += 100'000'000;  // the stall
        const std::int64_t start = now;
        now += service;
        rec.record(p.intended_ns(sent), start, now);
        ++sent;
    }
    EXPECT_EQ(rec.corrected.count(), 1'000u);
    EXPECT_EQ(rec.uncorrected.count(), 1'000u);
    // Uncorrected: every operation took 10 us, the stall is invisible.
    EXPECT_LE(rec.uncorrected.max(), service + service / 100);
    // Corrected: operation 500 waited 100 ms, then the ~100 operations due during the stall
    // each waited less and less (100 ms, 99 ms, ...): about 10 % of samples above 1 ms.
    EXPECT_GE(rec.corrected.max(), 100'000'000);
    EXPECT_GE(rec.corrected.percentile(90), 900'000);
    EXPECT_GE(rec.corrected.percentile(95), 40'000'000);
    EXPECT_LE(rec.corrected.percentile(50), service + service / 100);
}

TEST(report, json_parses_and_has_the_expected_keys) {
    eb::run_report r;
    r.started_utc = "2026-01-01T00:00:00Z";
    r.options = {{"rate", "1000"}, {"note", "quote \" and \\ and\nnewline"}};
    r.machine = eb::detect_machine();
    r.counts = {{"orders_sent", 3}};
    r.figures = {{"throughput_per_s", 999.5}, {"nan_is_null", std::nan("")}};
    eb::metric_report m;
    m.name = "tick_to_trade";
    m.title = "Tick to trade";
    m.description = "from <a> to <b>";
    for (int i = 1; i <= 1000; ++i)
        m.histogram.record(i * 37);
    r.metrics.push_back(std::move(m));
    eb::metric_report empty;
    empty.name = "empty";
    r.metrics.push_back(std::move(empty));
    r.notes = {"a note"};

    char dir[] = "/tmp/exwire_bench_report_XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    ASSERT_TRUE(eb::write_reports(r, dir).ok());
    const std::string json = std::string(dir) + "/results.json";
    const std::string check =
        "python3 -c \"import json,sys; d=json.load(open(sys.argv[1])); "
        "m=d['metrics']['tick_to_trade']; "
        "assert d['options']['note']=='quote \\\" and \\\\\\\\ and\\\\nnewline', d['options']; "
        "assert d['counts']['orders_sent']==3; assert d['figures']['nan_is_null'] is None; "
        "assert m['count']==1000 and m['max_ns']==37000 and m['min_ns']==37; "
        "assert abs(m['p50_ns']-18500)<=18500/128+1, m['p50_ns']; "
        "assert sum(c for _,c in m['histogram'])==1000; "
        "assert d['metrics']['empty']['count']==0; "
        "assert {'cpu_model','cores','kernel','compiler','build_type'} <= set(d['machine'])\" " +
        json;
    EXPECT_EQ(std::system(check.c_str()), 0) << read_file(json);

    const std::string html = read_file(std::string(dir) + "/report.html");
    EXPECT_NE(html.find("<svg class=\"histogram\""), std::string::npos);
    EXPECT_NE(html.find("<svg class=\"percentiles\""), std::string::npos);
    EXPECT_NE(html.find("<polyline"), std::string::npos);
    EXPECT_NE(html.find("from &lt;a&gt; to &lt;b&gt;"), std::string::npos);
    EXPECT_EQ(html.find("<script"), std::string::npos);
    const std::string rm = std::string("rm -r ") + dir;
    EXPECT_EQ(std::system(rm.c_str()), 0);
}

TEST(progress_bar, plain_lines_off_a_terminal_at_most_one_per_tenth) {
    std::FILE* f = std::tmpfile();
    ASSERT_NE(f, nullptr);
    eb::progress_bar bar("orders", 1000, f, false);
    std::int64_t now = 0;
    int written = 0;
    for (std::uint64_t i = 0; i <= 1000; ++i) {
        now += 1'000'000;  // 1 ms per step: the time limit alone would allow 100 lines
        written += bar.update(i, now) ? 1 : 0;
    }
    bar.finish(1000, now);
    EXPECT_EQ(written, 11);  // 0 %, 10 %, ..., 100 %
    std::rewind(f);
    std::string out(4096, '\0');
    out.resize(std::fread(out.data(), 1, out.size(), f));
    std::fclose(f);
    EXPECT_EQ(out.find('\r'), std::string::npos);
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 12);
    EXPECT_NE(out.find("100% 1000/1000"), std::string::npos);
}

TEST(progress_bar, redraws_a_terminal_at_most_ten_times_a_second) {
    std::FILE* f = std::tmpfile();
    ASSERT_NE(f, nullptr);
    eb::progress_bar bar("orders", 0, f, true);
    int written = 0;
    for (std::int64_t t = 0; t < 2'000'000'000; t += 1'000'000)
        written += bar.update(static_cast<std::uint64_t>(t / 1000), t) ? 1 : 0;
    EXPECT_EQ(written, 20);
    std::fclose(f);
}
