#include <exwire/journal/crc32c.hpp>

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace exwire::journal {

namespace {

constexpr std::uint32_t poly = 0x82F63B78u;  // CRC32C, reflected

constexpr std::array<std::uint32_t, 256> make_table() {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1u) ? (c >> 1) ^ poly : c >> 1;
        t[i] = c;
    }
    return t;
}
constexpr auto table = make_table();

#if defined(__x86_64__)
// Three independent crc32 chains over consecutive thirds of the data, combined exactly: the
// crc32 instruction has a latency of 3 cycles and a throughput of 1 per cycle, so one chain
// leaves two thirds of it idle. Raw CRC states (no inversion) are linear:
//   raw(s, A|B|C) = shift(raw(s, A), |B|+|C|) ^ shift(raw(0, B), |C|) ^ raw(0, C)
// where shift(r, n) = r * x^(8n) mod P. With the state and a constant K as reflected
// 32-bit polynomials, their carry-less product read as a reflected 64-bit value is
// r * K * x, and crc32 of it from 0 multiplies by x^32: K = x^(8n-33) mod P shifts by n.

constexpr std::size_t stripe_words = 64;  // words per chain in the loop over long data
constexpr std::size_t max_shift_words = 3 * stripe_words;

/// x^m mod P in the reflected representation (bit 31 is x^0).
constexpr std::uint32_t x_pow_mod(std::size_t m) {
    std::uint32_t r = 0x80000000u;
    for (std::size_t i = 0; i < m; ++i)
        r = (r & 1u) ? (r >> 1) ^ poly : r >> 1;
    return r;
}

struct shift_table {
    std::array<std::uint64_t, max_shift_words + 1> k{};  ///< [w]: shifts by w 8-byte words
};
const shift_table shifts = [] {
    shift_table t;
    for (std::size_t w = 1; w <= max_shift_words; ++w)
        t.k[w] = x_pow_mod(64 * w - 33);
    return t;
}();

__attribute__((target("sse4.2,pclmul"))) inline std::uint64_t shift_words(std::uint64_t raw,
                                                                          std::size_t w) noexcept {
    const __m128i prod =
        _mm_clmulepi64_si128(_mm_cvtsi64_si128(static_cast<long long>(raw)),
                             _mm_cvtsi64_si128(static_cast<long long>(shifts.k[w])), 0);
    return _mm_crc32_u64(0, static_cast<std::uint64_t>(_mm_cvtsi128_si64(prod)));
}

__attribute__((target("sse4.2"))) inline std::uint64_t chain(std::uint64_t c, const std::byte* p,
                                                             std::size_t words) noexcept {
    for (std::size_t i = 0; i < words; ++i) {
        std::uint64_t v;
        std::memcpy(&v, p + 8 * i, 8);
        c = _mm_crc32_u64(c, v);
    }
    return c;
}

struct chains {
    std::uint64_t a, b, d;
};

/// Three chains over three consecutive runs of `k` words at `p`: the first continues state
/// `c`, the other two start from 0 (combined by the caller with shift_words).
__attribute__((target("sse4.2"))) inline chains three_chains(std::uint64_t c, const std::byte* p,
                                                             std::size_t k) noexcept {
    chains r{c, 0, 0};
    for (std::size_t i = 0; i < k; ++i) {
        std::uint64_t va, vb, vd;
        std::memcpy(&va, p + 8 * i, 8);
        std::memcpy(&vb, p + 8 * (k + i), 8);
        std::memcpy(&vd, p + 8 * (2 * k + i), 8);
        r.a = _mm_crc32_u64(r.a, va);
        r.b = _mm_crc32_u64(r.b, vb);
        r.d = _mm_crc32_u64(r.d, vd);
    }
    return r;
}

/// Raw state `c` extended over `words` 8-byte words at `p` with three chains.
__attribute__((target("sse4.2,pclmul"))) std::uint64_t three_way(std::uint64_t c,
                                                                 const std::byte* p,
                                                                 std::size_t words) noexcept {
    while (words >= 3 * stripe_words) {
        const chains r = three_chains(c, p, stripe_words);
        c = shift_words(r.a, 2 * stripe_words) ^ shift_words(r.b, stripe_words) ^ r.d;
        p += 8 * 3 * stripe_words;
        words -= 3 * stripe_words;
    }
    const std::size_t k = words / 3;
    if (k < 2) return chain(c, p, words);
    const std::size_t last = words - 2 * k;  // k, k + 1 or k + 2
    const chains r = three_chains(c, p, k);
    // the third run is `last` words long: its chain continues over the extra words
    const std::uint64_t d = chain(r.d, p + 8 * 3 * k, last - k);
    return shift_words(r.a, k + last) ^ shift_words(r.b, last) ^ d;
}

__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(std::uint32_t crc, const std::byte* p,
                                                             std::size_t n, bool clmul) noexcept {
    std::uint64_t c = ~crc;
    const std::size_t words = n / 8;
    c = clmul ? three_way(c, p, words) : chain(c, p, words);
    p += 8 * words;
    n -= 8 * words;
    auto c32 = static_cast<std::uint32_t>(c);
    if (n >= 4) {
        std::uint32_t v;
        std::memcpy(&v, p, 4);
        c32 = _mm_crc32_u32(c32, v);
        p += 4;
        n -= 4;
    }
    if (n >= 2) {
        std::uint16_t v;
        std::memcpy(&v, p, 2);
        c32 = _mm_crc32_u16(c32, v);
        p += 2;
        n -= 2;
    }
    if (n > 0) c32 = _mm_crc32_u8(c32, static_cast<unsigned char>(*p));
    return ~c32;
}
const bool have_sse42 = __builtin_cpu_supports("sse4.2");
const bool have_clmul = have_sse42 && __builtin_cpu_supports("pclmul");
#else
const bool have_sse42 = false;
#endif

}  // namespace

std::uint32_t crc32c_portable(std::uint32_t crc, bytes data) noexcept {
    std::uint32_t c = ~crc;
    for (std::byte b : data)
        c = table[(c ^ static_cast<std::uint32_t>(b)) & 0xFFu] ^ (c >> 8);
    return ~c;
}

std::uint32_t crc32c(std::uint32_t crc, bytes data) noexcept {
#if defined(__x86_64__)
    if (have_sse42) return crc32c_sse42(crc, data.data(), data.size(), have_clmul);
#endif
    return crc32c_portable(crc, data);
}

bool crc32c_hardware() noexcept {
    return have_sse42;
}

}  // namespace exwire::journal
