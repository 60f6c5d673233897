// Ring benchmarks: two-thread throughput and ping-pong round trip for exwire::spsc_ring,
// the exwire byte ring and boost::lockfree::spsc_queue, side by side in one run, for 8-byte
// items and 64-byte frames (plus, for comparison, the byte ring with 56-byte frames, i.e.
// 64-byte records).
//
// Threads: the benchmark thread is pinned to the first cpu of EXWIRE_BENCH_CPUS (default
// "0,1") and the partner thread to the second; both busy-spin (pause instruction) while
// waiting, which is the point of the measurement. Every contender moves items one at a time
// through the same adapter shape (push one, pop one). At the end a table prints every
// repetition's median and range and exwire's ratios against boost.
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

// The two item shapes: a bare sequence number, and a 64-byte frame that carries one.
struct frame64 {
    std::uint64_t seq;
    std::byte body[56];
};
static_assert(sizeof(frame64) == 64);
// 56 bytes: with the byte ring's 8-byte header, a 64-byte record (the others' slot size).
struct frame56 {
    std::uint64_t seq;
    std::byte body[48];
};

template <typename T>
T make_item(std::uint64_t seq) {
    if constexpr (std::is_same_v<T, std::uint64_t>) {
        return seq;
    } else {
        T f;
        f.seq = seq;
        std::memset(f.body, static_cast<int>(seq & 0xFF), sizeof f.body);
        return f;
    }
}
template <typename T>
std::uint64_t seq_of(const T& v) {
    if constexpr (std::is_same_v<T, std::uint64_t>)
        return v;
    else
        return v.seq;
}

// Adapters giving the three queues one shape: push one item, pop one item.
template <typename T>
struct exwire_slots {
    exwire::spsc_ring<T> q{ring_slots};
    bool push(const T& v) noexcept { return q.try_push(v); }
    bool pop(T& v) noexcept { return q.try_pop(v); }
};

template <typename T>
struct exwire_bytes {
    // Header (8 bytes) + payload per record, so the same number of items fit as in the others.
    exwire::byte_ring r{std::bit_ceil(ring_slots * (sizeof(T) + 8))};
    bool push(const T& v) noexcept {
        auto dst = r.producer().claim(sizeof v, 1);
        if (dst.data() == nullptr) return false;
        std::memcpy(dst.data(), &v, sizeof v);
        r.producer().commit();
        return true;
    }
    bool pop(T& v) noexcept {
        const exwire::ring_record rec = r.consumer().peek();
        if (!rec.valid()) return false;
        std::memcpy(&v, rec.payload.data(), sizeof v);
        r.consumer().release();
        return true;
    }
};

template <typename T>
struct boost_queue {
    boost::lockfree::spsc_queue<T, boost::lockfree::capacity<ring_slots>> q;
    bool push(const T& v) noexcept { return q.push(v); }
    bool pop(T& v) noexcept { return q.pop(v); }
};

// Every repetition's figure, keyed "contender/size", for the closing table.
std::map<std::string, std::vector<double>> throughput_runs;
std::map<std::string, std::vector<double>> rtt_p50_runs;
std::map<std::string, std::vector<double>> rtt_p99_runs;

template <typename Queue, typename T>
void throughput(benchmark::State& state, const std::string& name) {
    pin(0);
    for (auto _ : state) {
        auto q = std::make_unique<Queue>();
        std::atomic<bool> go{false};
        std::uint64_t sum = 0;
        std::thread consumer([&] {
            pin(1);
            while (!go.load(std::memory_order_acquire))
                exwire::cpu_relax();
            T v{};
            for (std::int64_t i = 0; i < throughput_items;) {
                if (q->pop(v)) {
                    sum += seq_of(v);
                    ++i;
                } else {
                    exwire::cpu_relax();
                }
            }
        });
        const auto t0 = exwire::monotonic_ns();
        go.store(true, std::memory_order_release);
        for (std::int64_t i = 0; i < throughput_items;) {
            if (q->push(make_item<T>(static_cast<std::uint64_t>(i))))
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
    state.SetBytesProcessed(state.iterations() * throughput_items *
                            static_cast<std::int64_t>(sizeof(T)));
}

template <typename Queue, typename T>
void round_trip(benchmark::State& state, const std::string& name) {
    pin(0);
    exwire::tsc_clock::calibrate();
    std::vector<std::uint64_t> ticks(pingpong_rounds);
    for (auto _ : state) {
        auto ping = std::make_unique<Queue>();
        auto pong = std::make_unique<Queue>();
        std::thread echo([&] {
            pin(1);
            T v{};
            for (int i = 0; i < pingpong_rounds; ++i) {
                while (!ping->pop(v))
                    exwire::cpu_relax();
                while (!pong->push(v))
                    exwire::cpu_relax();
            }
        });
        const auto t0 = exwire::monotonic_ns();
        T v{};
        bool ok = true;
        for (int i = 0; i < pingpong_rounds; ++i) {
            const std::uint64_t start = exwire::tsc_clock::now();
            while (!ping->push(make_item<T>(static_cast<std::uint64_t>(i))))
                exwire::cpu_relax();
            while (!pong->pop(v))
                exwire::cpu_relax();
            ticks[static_cast<std::size_t>(i)] = exwire::tsc_clock::now() - start;
            ok = ok && seq_of(v) == static_cast<std::uint64_t>(i);
        }
        echo.join();
        if (!ok) state.SkipWithError("echo returned the wrong item");
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
        std::printf("  %-16s %-16s median %9.2f  range %9.2f .. %-9.2f %s (%zu runs)\n", what,
                    name.c_str(), median(v) / scale, *std::min_element(v.begin(), v.end()) / scale,
                    *std::max_element(v.begin(), v.end()) / scale, unit, v.size());
    }
}

template <template <typename> class Queue, typename T>
void register_throughput(const char* contender, const char* size) {
    const std::string key = std::string(contender) + "/" + size;
    benchmark::RegisterBenchmark(("throughput/" + key).c_str(),
                                 [key](benchmark::State& s) { throughput<Queue<T>, T>(s, key); })
        ->Iterations(3)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
}

template <template <typename> class Queue, typename T>
void register_pair(const char* contender, const char* size) {
    register_throughput<Queue, T>(contender, size);
    const std::string key = std::string(contender) + "/" + size;
    benchmark::RegisterBenchmark(("round_trip/" + key).c_str(),
                                 [key](benchmark::State& s) { round_trip<Queue<T>, T>(s, key); })
        ->Iterations(3)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
    register_pair<exwire_slots, std::uint64_t>("spsc_ring", "8B");
    register_pair<exwire_bytes, std::uint64_t>("byte_ring", "8B");
    register_pair<boost_queue, std::uint64_t>("boost", "8B");
    register_pair<exwire_slots, frame64>("spsc_ring", "64B");
    register_pair<exwire_bytes, frame64>("byte_ring", "64B");
    register_pair<boost_queue, frame64>("boost", "64B");
    // For comparison only: 56-byte payloads, i.e. 64-byte records, the slot size of the
    // others. Against byte_ring/64B (72-byte records) it shows what the header costs there.
    register_throughput<exwire_bytes, frame56>("byte_ring", "56B");
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    const auto cpus = bench_cpus();
    std::printf("threads pinned to cpus %s; waiting by busy-spin (pause)\n",
                cpus.size() >= 2 ? (std::to_string(cpus[0]) + "," + std::to_string(cpus[1])).c_str()
                                 : "(not pinned)");
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();

    std::printf("\nSide by side (every iteration of every repetition above):\n");
    print_range("throughput", throughput_runs, 1e6, "M items/s");
    print_range("round trip p50", rtt_p50_runs, 1, "ns");
    print_range("round trip p99", rtt_p99_runs, 1, "ns");
    std::printf(
        "\nRatios against boost::lockfree::spsc_queue (medians; throughput above 1 is better, "
        "round trip below 1 "
        "is better):\n");
    for (const char* size : {"8B", "64B"}) {
        const double boost_tp = median(throughput_runs[std::string("boost/") + size]);
        const double boost_p50 = median(rtt_p50_runs[std::string("boost/") + size]);
        for (const char* name : {"spsc_ring", "byte_ring"}) {
            const std::string key = std::string(name) + "/" + size;
            const double tp = median(throughput_runs[key]);
            const double p50 = median(rtt_p50_runs[key]);
            std::printf("  %-14s", key.c_str());
            if (tp > 0 && boost_tp > 0) std::printf(" throughput x%.2f", tp / boost_tp);
            if (p50 > 0 && boost_p50 > 0) std::printf("   round-trip p50 x%.2f", p50 / boost_p50);
            std::printf("\n");
        }
    }
    const double tp56 = median(throughput_runs["byte_ring/56B"]);
    const double boost64 = median(throughput_runs["boost/64B"]);
    if (tp56 > 0 && boost64 > 0)
        std::printf(
            "  byte_ring/56B  throughput x%.2f of boost/64B (64-byte records; for comparison)\n",
            tp56 / boost64);
    return 0;
}
