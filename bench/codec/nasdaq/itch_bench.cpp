// ITCH 5.0 decode, memcpy baseline and book build over one synthetic stream (generated once,
// EXWIRE_ITCH_BENCH_MESSAGES messages, default 50 million); OUCH 5.0 encode/decode.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>
#include <type_traits>
#include <vector>

#include <exwire/codec/nasdaq/itch50.hpp>
#include <exwire/codec/nasdaq/itch50_framed.hpp>
#include <exwire/codec/nasdaq/itch_book.hpp>
#include <exwire/codec/nasdaq/itch_file.hpp>
#include <exwire/codec/nasdaq/itch_sharded_book.hpp>
#include <exwire/codec/nasdaq/ouch50.hpp>

#include "itch_synth.hpp"

namespace nq = exwire::codec::nasdaq;
namespace itch = exwire::codec::nasdaq::itch50;
namespace ouch = exwire::codec::nasdaq::ouch50;

namespace {

const itch_synth::stream& stream() {
    static const itch_synth::stream s = [] {
        const char* env = std::getenv("EXWIRE_ITCH_BENCH_MESSAGES");
        const std::size_t n = env ? std::strtoull(env, nullptr, 10) : 50'000'000ull;
        return itch_synth::generate(n);
    }();
    return s;
}

// Folds a decoded field into the checksum so no field read can be optimised away.
struct field_sum {
    std::uint64_t sum = 0;
    template <typename T>
    void operator()(std::string_view, const T& v) noexcept {
        if constexpr (std::is_integral_v<T>) {
            sum += static_cast<std::uint64_t>(v);
        } else if constexpr (std::is_same_v<T, std::string_view>) {
            sum += v.size() + static_cast<unsigned char>(v.empty() ? 0 : v[0]);
        }
    }
};

// Frame every message (2-byte prefix), dispatch on its type and decode every field.
void BM_itch_full_decode(benchmark::State& state) {
    const auto& s = stream();
    const exwire::bytes all(s.bytes);
    for (auto _ : state) {
        field_sum f;
        std::size_t pos = 0;
        while (pos < all.size()) {
            const std::size_t len = exwire::load_be<std::uint16_t>(all.data() + pos);
            const auto msg = all.subspan(pos + 2, len);
            if (itch::visit(msg, [&](auto v) { v.for_each_field(f); }) != nq::visit_status::ok)
                state.SkipWithError("bad");
            pos += 2 + len;
        }
        benchmark::DoNotOptimize(f.sum);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.messages));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * s.bytes.size()));
    state.counters["messages"] = static_cast<double>(s.messages);
}

// The same work (frame, check, decode every field of every message) through
// visit_framed_grouped(): inside each batch of 256 messages the visitor sees them grouped by
// type, not in stream order (see itch50_framed.hpp).
void BM_itch_full_decode_grouped(benchmark::State& state) {
    const auto& s = stream();
    const exwire::bytes all(s.bytes);
    for (auto _ : state) {
        field_sum f;
        const auto r = itch::visit_framed_grouped(all, [&](auto v) { v.for_each_field(f); });
        if (r.status != nq::visit_status::ok || r.messages != s.messages)
            state.SkipWithError("bad");
        benchmark::DoNotOptimize(f.sum);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.messages));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * s.bytes.size()));
    state.counters["messages"] = static_cast<double>(s.messages);
}

// The physical limit: copy the same bytes once.
void BM_itch_memcpy_same_bytes(benchmark::State& state) {
    const auto& s = stream();
    std::vector<std::byte> dst(s.bytes.size());
    for (auto _ : state) {
        std::memcpy(dst.data(), s.bytes.data(), s.bytes.size());
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.messages));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * s.bytes.size()));
}

// Build every symbol's book from the whole stream (a fresh book per iteration), one
// apply_message() per message: frame, dispatch, update.
template <typename Book>
void book_build_per_message(benchmark::State& state) {
    const auto& s = stream();
    const exwire::bytes all(s.bytes);
    for (auto _ : state) {
        state.PauseTiming();
        auto book = std::make_unique<Book>(s.messages / 8);
        state.ResumeTiming();
        std::size_t pos = 0;
        while (pos < all.size()) {
            const std::size_t len = exwire::load_be<std::uint16_t>(all.data() + pos);
            (void)book->apply_message(all.subspan(pos + 2, len));
            pos += 2 + len;
        }
        benchmark::DoNotOptimize(book->live_orders());
        if (book->stats().unknown_orders != 0) state.SkipWithError("book lost orders");
        state.counters["live_orders"] = static_cast<double>(book->live_orders());
        state.counters["live_levels"] = static_cast<double>(book->live_levels());
        state.PauseTiming();
        book.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.messages));
}

void BM_itch_book_build(benchmark::State& state) {
    book_build_per_message<nq::itch_book>(state);
}

// One apply_framed() over the whole stream into a book from make_book(); checks that every
// frame was applied and no update named an unknown order.
template <typename MakeBook>
void book_build_whole(benchmark::State& state, MakeBook make_book) {
    const auto& s = stream();
    for (auto _ : state) {
        state.PauseTiming();
        auto book = make_book(s.messages);
        state.ResumeTiming();
        const auto r = book->apply_framed(exwire::bytes(s.bytes));
        benchmark::DoNotOptimize(book->live_orders());
        if (r.status != nq::visit_status::ok || r.messages != s.messages || r.frames != s.messages)
            state.SkipWithError("stream not applied");
        if (book->stats().unknown_orders != 0) state.SkipWithError("book lost orders");
        state.counters["live_orders"] = static_cast<double>(book->live_orders());
        state.counters["live_levels"] = static_cast<double>(book->live_levels());
        state.PauseTiming();
        book.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.messages));
}

// The same build through apply_framed(): the book frames the stream itself and prefetches
// the orders, ladder headers and levels of the frames 6-16 ahead of the one it applies.
void BM_itch_book_build_framed(benchmark::State& state) {
    book_build_whole(
        state, [](std::size_t messages) { return std::make_unique<nq::itch_book>(messages / 8); });
}

// The same build split by stock locate over state.range(0) shards, one thread each
// (sharded_itch_book::apply_framed starts them and joins them; the calling thread runs shard
// 0). Wall time: the CPU column is the whole process's CPU time (every shard thread).
void BM_itch_book_build_sharded(benchmark::State& state) {
    const auto shards = static_cast<std::uint16_t>(state.range(0));
    book_build_whole(state, [shards](std::size_t messages) {
        return std::make_unique<nq::sharded_itch_book>(
            nq::sharded_itch_book::options{shards, messages / 8, {}});
    });
}

void BM_ouch_enter_order_encode(benchmark::State& state) {
    alignas(64) std::array<std::byte, 64> out{};
    std::uint32_t urn = 1;
    for (auto _ : state) {
        auto r = ouch::enter_order::builder(out)
                     .user_ref_num(urn++)
                     .side('B')
                     .quantity(100)
                     .symbol("AAPL")
                     .price(1234500)
                     .time_in_force('0')
                     .display('Y')
                     .capacity('A')
                     .inter_market_sweep_eligibility('N')
                     .cross_type('N')
                     .cl_ord_id("ORDER0000001")
                     .finish();
        benchmark::DoNotOptimize(r);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_ouch_order_accepted_decode(benchmark::State& state) {
    // the captured Order Accepted (73 bytes, Firm + BBO weight appendage)
    static const unsigned char raw[] = {
        0x41, 0x00, 0x00, 0x28, 0x9b, 0x4d, 0x64, 0xaf, 0x87, 0x00, 0x75, 0x3a, 0x8d, 0x42, 0x00,
        0x00, 0x00, 0x28, 0x41, 0x44, 0x42, 0x45, 0x20, 0x20, 0x20, 0x20, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x48, 0xe7, 0x48, 0x35, 0x59, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x56, 0xb4, 0xf5, 0x41,
        0x4e, 0x4e, 0x4c, 0x37, 0x36, 0x38, 0x32, 0x37, 0x30, 0x31, 0x20, 0x20, 0x20, 0x20, 0x20,
        0x20, 0x20, 0x00, 0x09, 0x05, 0x02, 0x4d, 0x4c, 0x52, 0x4f, 0x02, 0x12, 0x30};
    exwire::bytes msg(reinterpret_cast<const std::byte*>(raw), sizeof raw);
    for (auto _ : state) {
        benchmark::DoNotOptimize(msg);
        field_sum f;
        const auto st = ouch::visit_outgoing(msg, [&](auto v) { v.for_each_field(f); });
        benchmark::DoNotOptimize(st);
        benchmark::DoNotOptimize(f.sum);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

}  // namespace

BENCHMARK(BM_itch_full_decode)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_itch_full_decode_grouped)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_itch_memcpy_same_bytes)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_itch_book_build)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_itch_book_build_framed)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_itch_book_build_sharded)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0)
    ->UseRealTime()
    ->MeasureProcessCPUTime();
BENCHMARK(BM_ouch_enter_order_encode);
BENCHMARK(BM_ouch_order_accepted_decode);
BENCHMARK_MAIN();
