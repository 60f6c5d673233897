// Journal benchmarks, side by side in one run:
//   append/{64,256}          writer::append: mean ns (Google Benchmark timing) and bytes/s
//   append_recycled/{64,256} the same on a journal already past its retention (every segment
//                            written is a recycled one), filled untimed first
//   append_latency/{64,256}  the same with a TSC read around every append: p50/p99/p99.9
//   checksum/{64,256}        the record checksum (CRC32C) of such a record alone
//   memcpy/{64,256}          copying the payload into a pre-faulted buffer (the limit)
//   write_syscall/{64,256}   write(2) of each payload to a file (the naive way)
//   write_to_read            append in one thread, tailing reader in another: p50/p99
//   index_lookup             reader::find of a random outbound sequence, ns per lookup
//   resend_range             find the first, then next() over 1000 records, ns per record
// Percentiles come from per-operation TSC samples, so they include one TSC read (~7 ns).
// Journals go to the system temp folder with default 64 MiB segments and keep 4 segments.

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <exwire/core/cache.hpp>
#include <exwire/core/clock.hpp>
#include <exwire/journal/reader.hpp>
#include <exwire/journal/writer.hpp>

namespace xj = exwire::journal;

namespace {

std::string bench_dir(const std::string& name) {
    const auto p = std::filesystem::temp_directory_path() / ("exwire-journal-bench-" + name);
    std::filesystem::remove_all(p);
    return p.string();
}

constexpr std::size_t bench_retention = 4;  // segments kept

std::unique_ptr<xj::writer> open_bench_writer(const std::string& dir) {
    xj::config c;
    c.retention.max_segments = bench_retention;  // bounds the disk a long run uses
    auto w = xj::writer::open(dir, c);
    if (!w) {
        std::fprintf(stderr, "%s\n", w.err().message.c_str());
        std::abort();
    }
    return std::move(*w);
}

long thread_minor_faults() {
    rusage ru{};
    getrusage(RUSAGE_THREAD, &ru);
    return ru.ru_minflt;
}

void calibrate_once() {
    static const bool done = [] {
        exwire::tsc_clock::calibrate();
        return true;
    }();
    (void)done;
}

void report_percentiles(benchmark::State& state, std::vector<std::uint64_t>& ticks) {
    if (ticks.empty()) return;
    std::sort(ticks.begin(), ticks.end());
    auto pct = [&](double p) {
        const auto i = std::min(ticks.size() - 1,
                                static_cast<std::size_t>(p * static_cast<double>(ticks.size())));
        return exwire::tsc_clock::to_ns(ticks[i]);
    };
    state.counters["p50_ns"] = pct(0.50);
    state.counters["p99_ns"] = pct(0.99);
    state.counters["p99.9_ns"] = pct(0.999);
    state.counters["max_ns"] = exwire::tsc_clock::to_ns(ticks.back());
}

// `recycled`: first fills the journal, untimed, until retention has recycled a segment, so
// that every segment the timed loop writes is a recycled one (a journal that has been running
// for a while); otherwise the timed loop starts on a new journal, whose first segments are
// new files.
void run_append(benchmark::State& state, bool recycled) {
    const auto size = static_cast<std::size_t>(state.range(0));
    const std::string dir = bench_dir(recycled ? "append-recycled" : "append");
    auto w = open_bench_writer(dir);
    std::vector<std::byte> payload(size, std::byte{0x5A});
    xj::record_meta m{.type = 1, .dir = xj::direction::out, .sequence = 0, .timestamp_ns = 0};
    if (recycled) {
        // max_segments + 2 segments: the helper has recycled the first one by then.
        const std::uint64_t until = (bench_retention + 2) * w->segment_size();
        while (w->position() < until) {
            ++m.sequence;
            if (w->append(m, payload) != xj::append_status::ok) {
                state.SkipWithError("append failed");
                return;
            }
        }
    }
    const std::uint64_t start_position = w->position();
    const long faults_before = thread_minor_faults();
    for (auto _ : state) {
        ++m.sequence;
        m.timestamp_ns = static_cast<std::int64_t>(m.sequence);
        if (w->append(m, payload) != xj::append_status::ok) {
            state.SkipWithError("append failed");
            break;
        }
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    // Segments the timed loop went through (its last run; the sustained mean crosses this many
    // rolls).
    state.counters["segments"] =
        static_cast<double>((w->position() - start_position) / w->segment_size());
    // Page faults the appending thread took itself (the helper did not fault ahead in time).
    state.counters["writer_faults"] = static_cast<double>(thread_minor_faults() - faults_before);
    w.reset();
    std::filesystem::remove_all(dir);
}

void bm_append(benchmark::State& state) {
    run_append(state, false);
}

void bm_append_recycled(benchmark::State& state) {
    run_append(state, true);
}

void bm_append_latency(benchmark::State& state) {
    calibrate_once();
    const auto size = static_cast<std::size_t>(state.range(0));
    const std::string dir = bench_dir("append-latency");
    auto w = open_bench_writer(dir);
    std::vector<std::byte> payload(size, std::byte{0x5A});
    std::vector<std::uint64_t> ticks;
    ticks.reserve(1 << 24);
    xj::record_meta m{.type = 1, .dir = xj::direction::out, .sequence = 0, .timestamp_ns = 0};
    for (auto _ : state) {
        ++m.sequence;
        const std::uint64_t t0 = exwire::tsc_clock::now();
        const auto st = w->append(m, payload);
        const std::uint64_t t1 = exwire::tsc_clock::now();
        if (st != xj::append_status::ok) {
            state.SkipWithError("append failed");
            break;
        }
        if (ticks.size() < ticks.capacity()) ticks.push_back(t1 - t0);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
    state.counters["segments"] = static_cast<double>(w->position() / w->segment_size());
    report_percentiles(state, ticks);
    w.reset();
    std::filesystem::remove_all(dir);
}

// The record checksum alone (CRC32C of the 24 header bytes after the checksum word and
// the payload), over a record that stays in the cache.
void bm_checksum(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    std::vector<std::byte> rec(xj::record_span(size), std::byte{0x5A});
    const auto length = static_cast<std::uint32_t>(xj::record_header_size + size);
    for (auto _ : state) {
        benchmark::DoNotOptimize(rec.data());
        benchmark::DoNotOptimize(xj::record_checksum(length, rec.data()));
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

void bm_memcpy(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    const std::size_t buf_size = xj::default_segment_size;
    std::unique_ptr<std::byte[]> buf(new std::byte[buf_size]);
    std::memset(buf.get(), 1, buf_size);  // pre-fault
    std::vector<std::byte> payload(size, std::byte{0x5A});
    const std::size_t span = xj::record_span(size);
    std::size_t pos = 0;
    for (auto _ : state) {
        if (pos + span > buf_size) pos = 0;
        std::memcpy(buf.get() + pos, payload.data(), size);
        benchmark::DoNotOptimize(buf.get() + pos);
        pos += span;
    }
    benchmark::ClobberMemory();
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void bm_write_syscall(benchmark::State& state) {
    const auto size = static_cast<std::size_t>(state.range(0));
    const std::string path = bench_dir("write") + ".dat";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    std::vector<std::byte> payload(size, std::byte{0x5A});
    std::size_t written = 0;
    for (auto _ : state) {
        if (written + size > xj::default_segment_size) {
            state.PauseTiming();
            if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
                state.SkipWithError("truncate failed");
            written = 0;
            state.ResumeTiming();
        }
        if (::write(fd, payload.data(), size) != static_cast<ssize_t>(size)) {
            state.SkipWithError("write failed");
            break;
        }
        written += size;
    }
    ::close(fd);
    ::unlink(path.c_str());
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// One record every ~2 us from this thread; a reader thread tails the journal and records
// the TSC difference between the append and its arrival.
void bm_write_to_read(benchmark::State& state) {
    calibrate_once();
    const std::string dir = bench_dir("w2r");
    auto w = open_bench_writer(dir);
    auto rd = xj::reader::open(dir, {.verify_checksums = true});
    if (!rd) {
        state.SkipWithError("reader open failed");
        return;
    }
    constexpr std::size_t samples_max = 1 << 20;
    std::vector<std::uint64_t> ticks;
    ticks.reserve(samples_max);
    std::atomic<std::uint64_t> target{~std::uint64_t{0}};
    std::atomic<bool> done{false};
    std::thread reader_thread([&] {
        xj::record_view v;
        std::uint64_t seen = 0;
        for (;;) {
            const auto st = rd->next(v);
            if (st == xj::read_status::ok) {
                const std::uint64_t now = exwire::tsc_clock::now();
                std::uint64_t sent;
                std::memcpy(&sent, v.payload.data(), 8);
                if (ticks.size() < samples_max) ticks.push_back(now - sent);
                if (++seen == target.load(std::memory_order_acquire)) break;
                continue;
            }
            if (done.load(std::memory_order_acquire) &&
                seen >= target.load(std::memory_order_acquire))
                break;
            exwire::cpu_relax();
        }
    });
    std::byte payload[64] = {};
    const std::uint64_t gap = exwire::tsc_clock::from_ns(2000);
    std::uint64_t n = 0;
    for (auto _ : state) {
        const std::uint64_t t = exwire::tsc_clock::now();
        std::memcpy(payload, &t, 8);
        ++n;
        if (w->append({.type = 1, .dir = xj::direction::out, .sequence = n, .timestamp_ns = 0},
                      payload) != xj::append_status::ok) {
            state.SkipWithError("append failed");
            break;
        }
        while (exwire::tsc_clock::now() - t < gap)
            exwire::cpu_relax();
    }
    target.store(n, std::memory_order_release);
    done.store(true, std::memory_order_release);
    reader_thread.join();
    report_percentiles(state, ticks);
    state.counters["samples"] = static_cast<double>(ticks.size());
    w.reset();
    std::filesystem::remove_all(dir);
}

// A journal of 1M outbound and 1M inbound 128-byte records, built once.
const std::string& lookup_journal() {
    static const std::string dir = [] {
        std::string d = bench_dir("lookup");
        xj::config c;
        auto w = xj::writer::open(d, c);
        if (!w) std::abort();
        std::vector<std::byte> payload(128, std::byte{0x33});
        for (std::uint64_t i = 1; i <= 1'000'000; ++i) {
            if ((*w)->append(
                    {.type = 1, .dir = xj::direction::out, .sequence = i, .timestamp_ns = 0},
                    payload) != xj::append_status::ok ||
                (*w)->append(
                    {.type = 1, .dir = xj::direction::in, .sequence = i, .timestamp_ns = 0},
                    payload) != xj::append_status::ok)
                std::abort();
        }
        return d;  // the writer's destructor finishes the index
    }();
    return dir;
}

void bm_index_lookup(benchmark::State& state) {
    auto rd = xj::reader::open(lookup_journal(), {.verify_checksums = state.range(0) != 0});
    if (!rd) {
        state.SkipWithError("open failed");
        return;
    }
    std::mt19937_64 rng(42);
    xj::record_view v;
    for (auto _ : state) {
        const std::uint64_t seq = 1 + rng() % 1'000'000;
        if (rd->find(xj::direction::out, seq, v) != xj::read_status::ok) {
            state.SkipWithError("lookup failed");
            break;
        }
        benchmark::DoNotOptimize(v.payload.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void bm_resend_range(benchmark::State& state) {
    auto rd = xj::reader::open(lookup_journal(), {.verify_checksums = state.range(0) != 0});
    if (!rd) {
        state.SkipWithError("open failed");
        return;
    }
    std::mt19937_64 rng(7);
    xj::record_view v;
    std::int64_t records = 0;
    for (auto _ : state) {
        const std::uint64_t first = 1 + rng() % 998'000;
        if (rd->find(xj::direction::out, first, v) != xj::read_status::ok) {
            state.SkipWithError("lookup failed");
            break;
        }
        std::uint64_t got = 1;
        while (got < 1000 && rd->next(v) == xj::read_status::ok) {
            if (v.meta.dir == xj::direction::out) ++got;
            benchmark::DoNotOptimize(v.payload.data());
        }
        records += static_cast<std::int64_t>(got);
    }
    state.SetItemsProcessed(records);
}

}  // namespace

BENCHMARK(bm_append)->Name("append")->Arg(64)->Arg(256);
BENCHMARK(bm_append_recycled)->Name("append_recycled")->Arg(64)->Arg(256);
BENCHMARK(bm_append_latency)->Name("append_latency")->Arg(64)->Arg(256);
BENCHMARK(bm_checksum)->Name("checksum")->Arg(64)->Arg(256);
BENCHMARK(bm_memcpy)->Name("memcpy")->Arg(64)->Arg(256);
BENCHMARK(bm_write_syscall)->Name("write_syscall")->Arg(64)->Arg(256);
BENCHMARK(bm_write_to_read)->Name("write_to_read")->Iterations(200'000)->UseRealTime();
BENCHMARK(bm_index_lookup)->Name("index_lookup")->ArgName("verify")->Arg(0)->Arg(1);
BENCHMARK(bm_resend_range)->Name("resend_range")->ArgName("verify")->Arg(0)->Arg(1);

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    std::error_code ec;
    std::filesystem::remove_all(
        std::filesystem::temp_directory_path() / "exwire-journal-bench-lookup", ec);
    return 0;
}
