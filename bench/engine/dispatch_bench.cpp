// Cost of the runtime's application boundary, per message (48-byte bodies):
//   - baseline: session_context::deliver plus a raw byte-ring read of the batch;
//   - inbound: a record the shard delivered (session_context::deliver) reaching the
//     application through pull (receive_nowait, poll(handler)) or push (dispatcher::poll
//     with a std::function handler), in batches of 64 on one thread, so the figure is the
//     software cost without cache-line transfers;
//   - inbound across two threads: a producer thread delivering, the dispatcher consuming;
//   - outbound: the application's claim/commit (and send, which copies) into the outbound
//     ring, plus the shard-side drain of the batch (read), on one thread.
#include <atomic>
#include <cstring>
#include <thread>

#include <benchmark/benchmark.h>

#include <exwire/core/cache.hpp>
#include <exwire/engine/dispatcher.hpp>
#include <exwire/engine/session.hpp>
#include <exwire/engine/session_handle.hpp>

using namespace exwire::engine;

namespace {

constexpr std::size_t batch = 64;
constexpr std::size_t body_size = 48;  // about an OUCH Enter Order

struct rig {
    rig()
        : table(counters_table::create("", "bench", {{"s", "b"}}).value()),
          ch(config(), table.writer(0)),
          ctx(ch),
          h(&ch) {}
    static session_config config() {
        session_config c;
        c.name.assign(1, 's');  // not operator=(const char*): g++ 12 -O3 warns falsely (-Wrestrict)
        c.inbound_ring_size = 1u << 20;
        c.outbound_ring_size = 1u << 20;
        return c;
    }
    void deliver_batch(std::uint64_t& seq) {
        std::byte body[body_size] = {};
        for (std::size_t i = 0; i < batch; ++i) {
            if (ctx.deliver(body, ++seq, 0) != exwire::ring_status::ok) std::abort();
        }
    }
    counters_table table;
    detail::session_channel ch;
    session_context ctx;
    session_handle h;
};

void per_message(benchmark::State& state, std::size_t messages) {
    state.SetItemsProcessed(static_cast<std::int64_t>(messages));
    state.counters["ns_per_msg"] = benchmark::Counter(
        static_cast<double>(messages), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void inbound_ring_baseline(benchmark::State& state) {
    rig r;
    std::uint64_t seq = 0, sink = 0;
    for (auto _ : state) {
        r.deliver_batch(seq);
        // The ring alone: deliver, then a raw byte-ring read with no record decoding and no
        // handler; what the pull and push variants add shows against this.
        (void)r.ch.inbound.consumer().read(
            [&](const exwire::ring_record& rec) { sink += rec.payload.size(); });
    }
    benchmark::DoNotOptimize(sink);
    per_message(state, state.iterations() * batch);
}

void inbound_pull_receive_nowait(benchmark::State& state) {
    rig r;
    std::uint64_t seq = 0, sink = 0;
    for (auto _ : state) {
        r.deliver_batch(seq);
        for (std::size_t i = 0; i < batch; ++i) {
            received m = r.h.receive_nowait();
            sink += m.record.sequence;
        }
    }
    benchmark::DoNotOptimize(sink);
    per_message(state, state.iterations() * batch);
}

void inbound_pull_poll_handler(benchmark::State& state) {
    rig r;
    std::uint64_t seq = 0, sink = 0;
    for (auto _ : state) {
        r.deliver_batch(seq);
        polled p =
            r.h.poll([&](const inbound_record& rec) { sink += rec.sequence + rec.body.size(); });
        benchmark::DoNotOptimize(p);
    }
    benchmark::DoNotOptimize(sink);
    per_message(state, state.iterations() * batch);
}

void inbound_push_dispatcher_poll(benchmark::State& state) {
    rig r;
    dispatcher d;
    std::uint64_t seq = 0, sink = 0;
    if (!d.start_dispatching(r.h, [&](session_handle, const inbound_record& rec) {
            sink += rec.sequence + rec.body.size();
        }))
        std::abort();
    for (auto _ : state) {
        r.deliver_batch(seq);
        benchmark::DoNotOptimize(d.poll());
    }
    benchmark::DoNotOptimize(sink);
    per_message(state, state.iterations() * batch);
    d.stop_dispatching(r.h);
}

// Two threads: a producer delivering as fast as the ring allows, this thread dispatching.
// Measures sustained throughput through the ring including cache-line transfers.
void inbound_push_dispatcher_two_threads(benchmark::State& state) {
    rig r;
    dispatcher d;
    std::uint64_t handled = 0;
    if (!d.start_dispatching(r.h, [&](session_handle, const inbound_record&) { ++handled; }))
        std::abort();
    constexpr std::uint64_t per_iteration = 200'000;
    for (auto _ : state) {
        handled = 0;
        std::thread producer([&] {
            std::byte body[body_size] = {};
            for (std::uint64_t s = 1; s <= per_iteration;) {
                if (r.ctx.deliver(body, s, 0) == exwire::ring_status::ok)
                    ++s;
                else
                    exwire::cpu_relax();
            }
        });
        while (handled < per_iteration) {
            if (d.poll() == 0) exwire::cpu_relax();
        }
        producer.join();
    }
    per_message(state, state.iterations() * per_iteration);
    d.stop_dispatching(r.h);
}

void outbound_claim_commit_and_drain(benchmark::State& state) {
    rig r;
    std::uint64_t sink = 0;
    exwire::byte_ring_consumer& shard_side = r.ctx.outbound();
    for (auto _ : state) {
        for (std::size_t i = 0; i < batch; ++i) {
            exwire::mutable_bytes buf;
            if (r.h.claim(body_size, buf, 'O') != send_status::ok) std::abort();
            buf[0] = std::byte{'O'};
            std::memset(buf.data() + 1, 0x20, body_size - 1);
            r.h.commit();
        }
        (void)shard_side.read([&](const exwire::ring_record& rec) { sink += rec.payload.size(); });
    }
    benchmark::DoNotOptimize(sink);
    per_message(state, state.iterations() * batch);
}

void outbound_send_copy(benchmark::State& state) {
    rig r;
    std::uint64_t sink = 0;
    std::byte body[body_size] = {};
    exwire::byte_ring_consumer& shard_side = r.ctx.outbound();
    for (auto _ : state) {
        for (std::size_t i = 0; i < batch; ++i) {
            if (r.h.send(body, 'O') != send_status::ok) std::abort();
        }
        (void)shard_side.read([&](const exwire::ring_record& rec) { sink += rec.payload.size(); });
    }
    benchmark::DoNotOptimize(sink);
    per_message(state, state.iterations() * batch);
}

}  // namespace

BENCHMARK(inbound_ring_baseline);
BENCHMARK(inbound_pull_receive_nowait);
BENCHMARK(inbound_pull_poll_handler);
BENCHMARK(inbound_push_dispatcher_poll);
BENCHMARK(inbound_push_dispatcher_two_threads)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5)
    ->UseRealTime();
BENCHMARK(outbound_claim_commit_and_drain);
BENCHMARK(outbound_send_copy);

BENCHMARK_MAIN();
