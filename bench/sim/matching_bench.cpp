// The simulator's matching engine on a synthetic order stream, with its storage from
// mimalloc and from the C library's allocator side by side in one process.
//
// The stream: 200,000 requests of the simulator's own background flow (passive adds near
// the touch, cancels, partial cancels, replaces, marketable IOC and market orders) over
// the embedded default symbols and starting books, recorded once before timing. Each
// iteration replays it into a fresh engine. Three views of the allocator's share:
//   engine_stream_presized  pools sized up front; timing covers the requests only
//   engine_stream_growing   pools start tiny and grow during the run; timing covers
//                           creation, the requests and destruction
//   engine_create_destroy   an engine with the default 65,536-order capacity made and freed
// Items per second = requests per second (creations per second for the last); the
// counter `faults` is minor page faults per iteration inside the timed part.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdint>
#include <cstdio>
#include <memory_resource>
#include <vector>

#include "exwire/sim/matching_engine.hpp"
#include "exwire/sim/synthetic_flow.hpp"

namespace {

using namespace exwire::sim;

constexpr std::size_t stream_length = 200'000;

struct event_counter {
    std::uint64_t events = 0;
    std::uint64_t traded = 0;
    void operator()(const event& e) noexcept {
        ++events;
        if (const auto* t = std::get_if<trade>(&e)) traded += t->qty;
    }
};

long minor_faults() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_minflt;
}

void report_faults(benchmark::State& state, long faults) {
    state.counters["faults"] =
        benchmark::Counter(static_cast<double>(faults), benchmark::Counter::kAvgIterations);
}

const std::vector<request>& recorded_stream() {
    static const std::vector<request> stream = [] {
        std::vector<request> out;
        out.reserve(stream_length);
        event_counter sink;
        auto e = matching_engine::create(default_config(), sink);
        e->load_starting_books();
        synthetic_flow flow(default_config().flow);
        for (std::size_t i = 0; i < stream_length; ++i) {
            out.push_back(flow.next(*e));
            e->submit(out.back());
        }
        return out;
    }();
    return stream;
}

std::pmr::memory_resource* resource(int which) {
    return which == 0 ? mimalloc_resource() : system_resource();
}

bool usable(benchmark::State& state) {
    if (resource(static_cast<int>(state.range(0))) == nullptr) {
        state.SkipWithError("built without mimalloc");
        return false;
    }
    state.SetLabel(state.range(0) == 0 ? "mimalloc" : "system");
    return true;
}

void engine_stream_presized(benchmark::State& state) {
    if (!usable(state)) return;
    const auto& stream = recorded_stream();
    sim_config cfg = default_config();
    cfg.initial_order_capacity = 1 << 18;  // never grows during the stream
    event_counter sink;
    long faults = 0;
    for (auto _ : state) {
        state.PauseTiming();
        {
            auto e = matching_engine::create(cfg, sink, resource(static_cast<int>(state.range(0))));
            e->load_starting_books();
            const long before = minor_faults();
            state.ResumeTiming();
            for (const request& r : stream)
                e->submit(r);
            benchmark::DoNotOptimize(sink.events);
            state.PauseTiming();
            faults += minor_faults() - before;
        }
        state.ResumeTiming();
    }
    report_faults(state, faults);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
}

void engine_stream_growing(benchmark::State& state) {
    if (!usable(state)) return;
    const auto& stream = recorded_stream();
    sim_config cfg = default_config();
    cfg.initial_order_capacity = 16;  // pools, levels and token table grow as the run goes
    event_counter sink;
    const long before = minor_faults();
    for (auto _ : state) {
        auto e = matching_engine::create(cfg, sink, resource(static_cast<int>(state.range(0))));
        e->load_starting_books();
        for (const request& r : stream)
            e->submit(r);
        benchmark::DoNotOptimize(sink.events);
    }
    report_faults(state, minor_faults() - before);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
}

void engine_create_destroy(benchmark::State& state) {
    if (!usable(state)) return;
    event_counter sink;
    const long before = minor_faults();
    for (auto _ : state) {
        auto e = matching_engine::create(default_config(), sink,
                                         resource(static_cast<int>(state.range(0))));
        benchmark::DoNotOptimize(e.ok());
    }
    report_faults(state, minor_faults() - before);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// Arguments: 0 = mimalloc, 1 = system; interleaved so that machine noise hits both.
BENCHMARK(engine_stream_presized)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(engine_stream_growing)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(engine_create_destroy)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    const auto& s = recorded_stream();
    std::size_t news = 0, cancels = 0, replaces = 0;
    for (const request& r : s) {
        news += std::holds_alternative<new_order>(r);
        cancels += std::holds_alternative<cancel_order>(r);
        replaces += std::holds_alternative<replace_order>(r);
    }
    std::printf("stream: %zu requests (%zu new, %zu cancel, %zu replace); mimalloc %s\n", s.size(),
                news, cancels, replaces, have_mimalloc() ? "linked" : "absent");
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
