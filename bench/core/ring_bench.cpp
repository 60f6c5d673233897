// Ring benchmarks: two-thread throughput and ping-pong round trip for exwire::spsc_ring,
// the exwire byte ring and boost::lockfree::spsc_queue, side by side in one run.
//
// Threads: the benchmark thread is pinned to the first cpu of EXWIRE_BENCH_CPUS (default
// "0,1") and the partner thread to the second; both busy-spin (pause instruction) while
// waiting, which is the point of the measurement. At the end a table prints exwire's
// median figures as ratios against boost's.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>
#include <boost/lockfree/spsc_queue.hpp>

#include <exwire/core/byte_ring.hpp>
#include <exwire/core/cache.hpp>
#include <exwire/core/clock.hpp>
#include <exwire/core/spsc_ring.hpp>
#include <exwire/core/thread.hpp>

namespace {

constexpr std::size_t ring_slots = 4096;
constexpr std::int64_t throughput_items = 4'000'000;
constexpr int pingpong_rounds = 200'000;

std::vector<int> bench_cpus() {
    const char* s = std::getenv("EXWIRE_BENCH_CPUS");
    auto cpus = exwire::parse_cpu_list(s != nullptr ? s : "0,1");
    if (!cpus || cpus->size() < 2) return {};
    return *cpus;
}

void pin(int index) {
    static const std::vector<int> cpus = bench_cpus();
    if (cpus.size() >= 2) (void)exwire::pin_current_thread({cpus[static_cast<std::size_t>(index)]});
}

// Adapters giving the three queues one shape: push/pop of a 64-bit value.
struct exwire_slots {
    exwire::spsc_ring<std::uint64_t> q{ring_slots};
    bool push(std::uint64_t v) noexcept { return q.try_push(v); }
    bool pop(std::uint64_t& v) noexcept { return q.try_pop(v); }
};

struct exwire_bytes {
    exwire::byte_ring r{ring_slots * 16};  // 16 bytes per 8-byte record: same item count
    bool push(std::uint64_t v) noexcept {
        auto dst = r.producer().claim(sizeof v, 1);
        if (dst.data() == nullptr) return false;
        std::memcpy(dst.data(), &v, sizeof v);
        r.producer().commit();
        return true;
    }
    bool pop(std::uint64_t& v) noexcept {
        const exwire::ring_record rec = r.consumer().peek();
        if (!rec.valid()) return false;
        std::memcpy(&v, rec.payload.data(), sizeof v);
        r.consumer().release();
        return true;
    }
};

struct boost_queue {
    boost::lockfree::spsc_queue<std::uint64_t, boost::lockfree::capacity<ring_slots>> q;
    bool push(std::uint64_t v) noexcept { return q.push(v); }
    bool pop(std::uint64_t& v) noexcept { return q.pop(v); }
};

// Medians recorded per benchmark family, for the closing ratio table.
std::map<std::string, std::vector<double>> throughput_runs;
std::map<std::string, std::vector<double>> rtt_p50_runs;
std::map<std::string, std::vector<double>> rtt_p99_runs;

template <typename Queue>
void throughput(benchmark::State& state, const char* name) {
    pin(0);
    for (auto _ : state) {
        auto q = std::make_unique<Queue>();
        std::atomic<bool> go{false};
        std::uint64_t sum = 0;
        std::thread consumer([&] {
            pin(1);
            while (!go.load(std::memory_order_acquire))
                exwire::cpu_relax();
            std::uint64_t v = 0;
            for (std::int64_t i = 0; i < throughput_items;) {
                if (q->pop(v)) {
                    sum += v;
                    ++i;
                } else {
                    exwire::cpu_relax();
                }
            }
        });
        const auto t0 = exwire::monotonic_ns();
        go.store(true, std::memory_order_release);
        for (std::int64_t i = 0; i < throughput_items;) {
            if (q->push(static_cast<std::uint64_t>(i)))
                ++i;
            else
                exwire::cpu_relax();
        }
        consumer.join();
        const auto t1 = exwire::monotonic_ns();
        if (sum != static_cast<std::uint64_t>(throughput_items) * (throughput_items - 1) / 2)
            state.SkipWithError("items lost or damaged");
        state.SetIterationTime(static_cast<double>(t1 - t0) / 1e9);
        throughput_runs[name].push_back(static_cast<double>(throughput_items) * 1e9 /
                                        static_cast<double>(t1 - t0));
    }
    state.SetItemsProcessed(state.iterations() * throughput_items);
}

template <typename Queue>
void round_trip(benchmark::State& state, const char* name) {
    pin(0);
    exwire::tsc_clock::calibrate();
    std::vector<std::uint64_t> ticks(pingpong_rounds);
    for (auto _ : state) {
        auto ping = std::make_unique<Queue>();
        auto pong = std::make_unique<Queue>();
        std::thread echo([&] {
            pin(1);
            std::uint64_t v = 0;
            for (int i = 0; i < pingpong_rounds; ++i) {
                while (!ping->pop(v))
                    exwire::cpu_relax();
                while (!pong->push(v))
                    exwire::cpu_relax();
            }
        });
        const auto t0 = exwire::monotonic_ns();
        std::uint64_t v = 0;
        for (int i = 0; i < pingpong_rounds; ++i) {
            const std::uint64_t start = exwire::tsc_clock::now();
            while (!ping->push(static_cast<std::uint64_t>(i)))
                exwire::cpu_relax();
            while (!pong->pop(v))
                exwire::cpu_relax();
            ticks[static_cast<std::size_t>(i)] = exwire::tsc_clock::now() - start;
        }
        echo.join();
        state.SetIterationTime(static_cast<double>(exwire::monotonic_ns() - t0) / 1e9);
        std::sort(ticks.begin(), ticks.end());
        const double p50 = exwire::tsc_clock::to_ns(ticks[ticks.size() / 2]);
        const double p99 = exwire::tsc_clock::to_ns(ticks[ticks.size() * 99 / 100]);
        state.counters["p50_ns"] = p50;
        state.counters["p99_ns"] = p99;
        rtt_p50_runs[name].push_back(p50);
        rtt_p99_runs[name].push_back(p99);
    }
    state.SetItemsProcessed(state.iterations() * pingpong_rounds);
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

void print_range(const char* what, const std::map<std::string, std::vector<double>>& runs,
                 double scale, const char* unit) {
    for (const auto& [name, v] : runs) {
        if (v.empty()) continue;
        std::printf("  %-28s %-14s median %10.2f  range %10.2f .. %-10.2f %s (%zu runs)\n", what,
                    name.c_str(), median(v) / scale, *std::min_element(v.begin(), v.end()) / scale,
                    *std::max_element(v.begin(), v.end()) / scale, unit, v.size());
    }
}

}  // namespace

void throughput_spsc_ring(benchmark::State& s) {
    throughput<exwire_slots>(s, "spsc_ring");
}
void throughput_byte_ring(benchmark::State& s) {
    throughput<exwire_bytes>(s, "byte_ring");
}
void throughput_boost_spsc(benchmark::State& s) {
    throughput<boost_queue>(s, "boost");
}
void round_trip_spsc_ring(benchmark::State& s) {
    round_trip<exwire_slots>(s, "spsc_ring");
}
void round_trip_byte_ring(benchmark::State& s) {
    round_trip<exwire_bytes>(s, "byte_ring");
}
void round_trip_boost_spsc(benchmark::State& s) {
    round_trip<boost_queue>(s, "boost");
}

// Interleaved so that noise from the rest of the machine hits every contender alike.
BENCHMARK(throughput_spsc_ring)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(throughput_boost_spsc)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(throughput_byte_ring)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(round_trip_spsc_ring)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(round_trip_boost_spsc)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(round_trip_byte_ring)->Iterations(3)->UseManualTime()->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    const auto cpus = bench_cpus();
    std::printf("threads pinned to cpus %s; waiting by busy-spin (pause)\n",
                cpus.size() >= 2 ? (std::to_string(cpus[0]) + "," + std::to_string(cpus[1])).c_str()
                                 : "(not pinned)");
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();

    std::printf("\nSide by side (every repetition of every benchmark above):\n");
    print_range("throughput", throughput_runs, 1e6, "M items/s");
    print_range("round trip p50", rtt_p50_runs, 1, "ns");
    print_range("round trip p99", rtt_p99_runs, 1, "ns");
    const double boost_tp = median(throughput_runs["boost"]);
    const double boost_p50 = median(rtt_p50_runs["boost"]);
    if (boost_tp > 0 && boost_p50 > 0) {
        std::printf(
            "\nRatios against boost::lockfree::spsc_queue (medians; throughput >1 is better, round "
            "trip <1 is better):\n");
        for (const char* name : {"spsc_ring", "byte_ring"}) {
            const double tp = median(throughput_runs[name]);
            const double p50 = median(rtt_p50_runs[name]);
            if (tp > 0) std::printf("  %-10s throughput x%.2f", name, tp / boost_tp);
            if (p50 > 0) std::printf("   round-trip p50 x%.2f", p50 / boost_p50);
            std::printf("\n");
        }
    }
    return 0;
}
