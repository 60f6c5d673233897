// FIX codec benchmarks, exwire side by side with QuickFIX 1.15 and two SOH-scan floors (a
// memchr per field, and an SSE2 count of SOH bytes), in one run. Messages are built once at
// start-up; every iteration decodes/encodes one message.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "bench_messages.hpp"
#include "exwire/codec/fix/reader.hpp"
#include "exwire/codec/fix/values.hpp"
#include "exwire/codec/fix/writer.hpp"
#ifdef EXWIRE_BENCH_DICTIONARY
#include "exwire/codec/fix/dictionary.hpp"
#include "exwire/codec/fix/fix44/market_data_snapshot_full_refresh.hpp"
#endif
#ifdef EXWIRE_BENCH_QUICKFIX
#include "quickfix_peer.hpp"
#endif

using namespace exwire::codec::fix;
using namespace fix_bench_messages;

namespace {

std::string dictionary_dir() {
    const char* dir = std::getenv("EXWIRE_FIX_DICTIONARIES");
    return dir != nullptr ? dir : "";
}

std::string make_new_order() {
    static std::array<std::byte, 1024> buf;
    writer w(buf);
    exwire::bytes out;
    (void)write_new_order(w, 215, out);
    return std::string(exwire::to_string_view(out));
}

std::string make_execution_report() {
    static std::array<std::byte, 1024> buf;
    writer w(buf);
    w.start(session(), "8", header(3))
        .add(1, "ACC-7")
        .add_decimal(6, decimal{995, -1})
        .add(11, "ORD-9")
        .add_uint(14, 200)
        .add(17, "E-77")
        .add_decimal(31, decimal{995, -1})
        .add_uint(32, 200)
        .add(37, "EX-1")
        .add_char(39, '1')
        .add_char(54, '2')
        .add(55, "IBM")
        .add(58, "partial fill")
        .add_timestamp(60, t0, 3)
        .add_char(150, 'F')
        .add_uint(151, 300);
    exwire::bytes out;
    (void)w.finish(out);
    return std::string(exwire::to_string_view(out));
}

std::string make_md_snapshot() {
    static std::array<std::byte, 2048> buf;
    writer w(buf);
    w.start(session(), "W", header(4)).add(55, "EUR/USD").add(262, "MD-1").add_uint(268, 10);
    for (int i = 0; i < 10; ++i) {
        w.add_char(269, i % 2 == 0 ? '0' : '1')
            .add_decimal(270, decimal{110000 + i, -5})
            .add_uint(271, 1000000 + static_cast<unsigned>(i) * 1000);
    }
    exwire::bytes out;
    (void)w.finish(out);
    return std::string(exwire::to_string_view(out));
}

const std::string& new_order() {
    static const std::string m = make_new_order();
    return m;
}
const std::string& execution_report() {
    static const std::string m = make_execution_report();
    return m;
}
const std::string& md_snapshot() {
    static const std::string m = make_md_snapshot();
    return m;
}

struct order_fields {
    std::string_view cl_ord_id, symbol;
    char side = 0, ord_type = 0;
    decimal qty, price;
};

// exwire: frame checks (BodyLength, CheckSum, every field well formed) and the six fields
// picked up in the same pass.
bool decode_new_order(std::string_view m, order_fields& o) noexcept {
    int found = 0;
    const frame_result r = decode(m, [&](const field& f) noexcept {
        switch (f.tag) {
            case 11:
                o.cl_ord_id = f.value;
                ++found;
                break;
            case 55:
                o.symbol = f.value;
                ++found;
                break;
            case 54:
                o.side = parse_char(f.value).value_or(0);
                ++found;
                break;
            case 40:
                o.ord_type = parse_char(f.value).value_or(0);
                ++found;
                break;
            case 38:
                o.qty = parse_decimal(f.value).value_or(decimal{});
                ++found;
                break;
            case 44:
                o.price = parse_decimal(f.value).value_or(decimal{});
                ++found;
                break;
            default:
                break;
        }
    });
    return r.status == frame_status::complete && found == 6;
}

// The same through check_frame() then a second pass with message_view.
bool decode_new_order_two_pass(std::string_view m, order_fields& o) noexcept {
    const frame_result r = check_frame(m);
    if (r.status != frame_status::complete) return false;
    int found = 0;
    for (const field& f : message_view(m.substr(0, r.length))) {
        switch (f.tag) {
            case 11:
                o.cl_ord_id = f.value;
                ++found;
                break;
            case 55:
                o.symbol = f.value;
                ++found;
                break;
            case 54:
                o.side = parse_char(f.value).value_or(0);
                ++found;
                break;
            case 40:
                o.ord_type = parse_char(f.value).value_or(0);
                ++found;
                break;
            case 38:
                o.qty = parse_decimal(f.value).value_or(decimal{});
                ++found;
                break;
            case 44:
                o.price = parse_decimal(f.value).value_or(decimal{});
                ++found;
                break;
            default:
                break;
        }
    }
    return found == 6;
}

void BM_new_order_decode_exwire_two_pass(benchmark::State& state) {
    const std::string& m = new_order();
    order_fields o;
    for (auto _ : state) {
        benchmark::DoNotOptimize(m.data());
        const bool ok = decode_new_order_two_pass(m, o);
        benchmark::DoNotOptimize(ok);
        benchmark::DoNotOptimize(o);
    }
}
BENCHMARK(BM_new_order_decode_exwire_two_pass);

void BM_new_order_decode_exwire(benchmark::State& state) {
    const std::string& m = new_order();
    order_fields o;
    for (auto _ : state) {
        benchmark::DoNotOptimize(m.data());
        const bool ok = decode_new_order(m, o);
        benchmark::DoNotOptimize(ok);
        benchmark::DoNotOptimize(o);
    }
    state.SetLabel(std::to_string(m.size()) + " bytes");
}
BENCHMARK(BM_new_order_decode_exwire);

// The same framing and field walk with nothing extracted (empty callback): how much of the
// figure above is the decode itself and how much the six-field switch and value parsing.
void BM_new_order_decode_exwire_no_extract(benchmark::State& state) {
    const std::string& m = new_order();
    for (auto _ : state) {
        benchmark::DoNotOptimize(m.data());
        const frame_result r = decode(m, [](const field&) noexcept {});
        benchmark::DoNotOptimize(r);
    }
}
BENCHMARK(BM_new_order_decode_exwire_no_extract);

// exwire with find-with-hint lookups in wire order instead of one switch pass.
void BM_new_order_decode_exwire_find_hint(benchmark::State& state) {
    const std::string& m = new_order();
    order_fields o;
    for (auto _ : state) {
        benchmark::DoNotOptimize(m.data());
        const frame_result r = check_frame(m);
        const message_view v(std::string_view(m).substr(0, r.length));
        auto it = v.find(11);
        o.cl_ord_id = it->value;
        it = v.find(38, it);
        o.qty = parse_decimal(it->value).value_or(decimal{});
        it = v.find(40, it);
        o.ord_type = parse_char(it->value).value_or(0);
        it = v.find(44, it);
        o.price = parse_decimal(it->value).value_or(decimal{});
        it = v.find(54, it);
        o.side = parse_char(it->value).value_or(0);
        it = v.find(55, it);
        o.symbol = it->value;
        benchmark::DoNotOptimize(o);
    }
}
BENCHMARK(BM_new_order_decode_exwire_find_hint);

// The floor: touch every byte looking for SOH, a memchr per field (no validation, no field
// extraction).
std::size_t count_soh_memchr(std::string_view m) noexcept {
    std::size_t n = 0;
    const char* p = m.data();
    const char* e = p + m.size();
    while ((p = static_cast<const char*>(
                std::memchr(p, '\x01', static_cast<std::size_t>(e - p)))) != nullptr) {
        ++n;
        ++p;
    }
    return n;
}

void BM_new_order_scan_soh_floor(benchmark::State& state) {
    const std::string& m = new_order();
    for (auto _ : state) {
        benchmark::DoNotOptimize(m.data());
        benchmark::DoNotOptimize(count_soh_memchr(m));
    }
}
BENCHMARK(BM_new_order_scan_soh_floor);

// A second, lower floor: count the SOH bytes 16 at a time (SSE2 compare, byte counters summed
// with psadbw), no per-field work at all. Only the bytes are touched; nothing is validated
// or extracted.
std::size_t count_soh_simd(std::string_view m) noexcept {
    const char* p = m.data();
    std::size_t left = m.size();
    std::size_t n = 0;
#if defined(__SSE2__)
    const __m128i needle = _mm_set1_epi8(1);
    while (left >= 16) {
        // Up to 255 steps per byte counter, then add the counters up.
        __m128i counts = _mm_setzero_si128();
        for (int steps = 0; steps < 255 && left >= 16; ++steps, left -= 16, p += 16) {
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
            counts = _mm_sub_epi8(counts, _mm_cmpeq_epi8(v, needle));
        }
        const __m128i sums = _mm_sad_epu8(counts, _mm_setzero_si128());
        n += static_cast<std::size_t>(_mm_cvtsi128_si64(sums)) +
             static_cast<std::size_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
    }
#endif
    for (; left > 0; --left)
        n += *p++ == '\x01' ? 1 : 0;
    return n;
}

void BM_new_order_count_soh_simd_floor(benchmark::State& state) {
    const std::string& m = new_order();
    for (auto _ : state) {
        benchmark::DoNotOptimize(m.data());
        benchmark::DoNotOptimize(count_soh_simd(m));
    }
}
BENCHMARK(BM_new_order_count_soh_simd_floor);

void BM_new_order_encode_exwire(benchmark::State& state) {
    std::array<std::byte, 1024> buf;
    writer w(buf);
    std::uint64_t seq = 1;
    std::size_t size = 0;
    for (auto _ : state) {
        // The clock moves 1 us per message, as if read per message: the fraction digits change
        // every time, the second once per million messages.
        const auto now = t0 + static_cast<std::int64_t>(seq) * 1000;
        exwire::bytes out;
        const write_status s = write_new_order(w, seq++, out, now);
        benchmark::DoNotOptimize(s);
        benchmark::DoNotOptimize(out.data());
        size = out.size();
    }
    state.SetLabel(std::to_string(size) + " bytes");
}
BENCHMARK(BM_new_order_encode_exwire);

void BM_execution_report_decode_exwire(benchmark::State& state) {
    const std::string& m = execution_report();
    for (auto _ : state) {
        benchmark::DoNotOptimize(m.data());
        std::string_view exec_id;
        decimal cum{}, last{};
        const frame_result r = decode(m, [&](const field& f) noexcept {
            if (f.tag == 17)
                exec_id = f.value;
            else if (f.tag == 14)
                cum = parse_decimal(f.value).value_or(decimal{});
            else if (f.tag == 31)
                last = parse_decimal(f.value).value_or(decimal{});
        });
        benchmark::DoNotOptimize(r);
        benchmark::DoNotOptimize(exec_id);
        benchmark::DoNotOptimize(cum);
        benchmark::DoNotOptimize(last);
    }
    state.SetLabel(std::to_string(m.size()) + " bytes");
}
BENCHMARK(BM_execution_report_decode_exwire);

void BM_md_snapshot_10_decode_exwire(benchmark::State& state) {
    const std::string& m = md_snapshot();
    for (auto _ : state) {
        benchmark::DoNotOptimize(m.data());
        std::int64_t sum = 0;
        const frame_result r = decode(m, [&](const field& f) noexcept {
            if (f.tag == 270) sum += parse_decimal(f.value).value_or(decimal{}).mantissa;
        });
        benchmark::DoNotOptimize(r);
        benchmark::DoNotOptimize(sum);
    }
    state.SetLabel(std::to_string(m.size()) + " bytes");
}
BENCHMARK(BM_md_snapshot_10_decode_exwire);

#ifdef EXWIRE_BENCH_DICTIONARY
const dictionary* fix44_dictionary() {
    static const std::unique_ptr<dictionary> d = []() -> std::unique_ptr<dictionary> {
        auto r = dictionary::load(dictionary_dir() + "/FIX44.xml");
        return r ? std::make_unique<dictionary>(std::move(*r)) : nullptr;
    }();
    return d.get();
}

// Through the generated view: group entries resolved by the dictionary-derived member list.
void BM_md_snapshot_10_decode_exwire_generated_view(benchmark::State& state) {
    const std::string& m = md_snapshot();
    for (auto _ : state) {
        benchmark::DoNotOptimize(m.data());
        const frame_result r = check_frame(m);
        const fix44::market_data_snapshot_full_refresh_view v{
            message_view(std::string_view(m).substr(0, r.length))};
        std::int64_t sum = 0;
        for (const auto& e : v.no_md_entries_entries())
            sum += e.md_entry_px().value_or(decimal{}).mantissa;
        benchmark::DoNotOptimize(sum);
    }
}
BENCHMARK(BM_md_snapshot_10_decode_exwire_generated_view);

void BM_new_order_decode_exwire_validated(benchmark::State& state) {
    const dictionary* d = fix44_dictionary();
    if (d == nullptr) {
        state.SkipWithError("FIX44.xml absent");
        return;
    }
    const std::string& m = new_order();
    order_fields o;
    for (auto _ : state) {
        benchmark::DoNotOptimize(m.data());
        const bool ok = decode_new_order(m, o) && d->validate(message_view(m)).ok();
        benchmark::DoNotOptimize(ok);
        benchmark::DoNotOptimize(o);
    }
}
BENCHMARK(BM_new_order_decode_exwire_validated);
#endif

#ifdef EXWIRE_BENCH_QUICKFIX
qf_peer::bench_state* quickfix() {
    static qf_peer::bench_state* s = qf_peer::bench_open(dictionary_dir() + "/FIX44.xml");
    return s;
}

void BM_new_order_decode_quickfix_no_dictionary(benchmark::State& state) {
    const std::string& m = new_order();
    for (auto _ : state)
        benchmark::DoNotOptimize(qf_peer::bench_decode_new_order(quickfix(), m, false));
}
BENCHMARK(BM_new_order_decode_quickfix_no_dictionary);

void BM_new_order_decode_quickfix_dictionary(benchmark::State& state) {
    const std::string& m = new_order();
    for (auto _ : state)
        benchmark::DoNotOptimize(qf_peer::bench_decode_new_order(quickfix(), m, true));
}
BENCHMARK(BM_new_order_decode_quickfix_dictionary);

void BM_new_order_encode_quickfix(benchmark::State& state) {
    int seq = 1;
    for (auto _ : state)
        benchmark::DoNotOptimize(qf_peer::bench_encode_new_order(quickfix(), seq++));
}
BENCHMARK(BM_new_order_encode_quickfix);

void BM_execution_report_decode_quickfix(benchmark::State& state) {
    const std::string& m = execution_report();
    for (auto _ : state)
        benchmark::DoNotOptimize(qf_peer::bench_decode_with_groups(quickfix(), m));
}
BENCHMARK(BM_execution_report_decode_quickfix);

void BM_md_snapshot_10_decode_quickfix(benchmark::State& state) {
    const std::string& m = md_snapshot();
    for (auto _ : state)
        benchmark::DoNotOptimize(qf_peer::bench_decode_with_groups(quickfix(), m));
}
BENCHMARK(BM_md_snapshot_10_decode_quickfix);
#endif

}  // namespace

int main(int argc, char** argv) {
    // The benchmarks measure what they claim only if the messages are right: check once.
    for (const std::string* m : {&new_order(), &execution_report(), &md_snapshot()}) {
        if (check_frame(*m).status != frame_status::complete) {
            std::fprintf(stderr, "benchmark message does not frame\n");
            return 1;
        }
    }
    order_fields o;
    if (!decode_new_order(new_order(), o) || o.price != decimal{41225, -2} || o.symbol != "MSFT")
        return 1;
    // The two floors do the same count.
    for (const std::string* m : {&new_order(), &execution_report(), &md_snapshot()})
        if (count_soh_memchr(*m) != count_soh_simd(*m) || count_soh_simd(*m) < 5) return 1;
    order_fields o2;
    if (!decode_new_order_two_pass(new_order(), o2) || o2.price != o.price ||
        o2.cl_ord_id != o.cl_ord_id)
        return 1;
#ifdef EXWIRE_BENCH_DICTIONARY
    if (fix44_dictionary() != nullptr) {
        for (const std::string* m : {&new_order(), &execution_report(), &md_snapshot()}) {
            const auto r = fix44_dictionary()->validate(message_view(*m));
            if (!r.ok()) {
                std::fprintf(stderr, "benchmark message invalid: %s tag %d\n",
                             std::string(to_string(r.reason)).c_str(), r.tag);
                return 1;
            }
        }
    }
#endif
#ifdef EXWIRE_BENCH_QUICKFIX
    if (!std::filesystem::exists(dictionary_dir() + "/FIX44.xml")) {
        std::fprintf(stderr, "FIX dictionaries absent (EXWIRE_FIX_DICTIONARIES): skipped\n");
        return 77;
    }
    std::fprintf(stderr, "NewOrderSingle: %zu bytes\n", new_order().size());
#endif
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
