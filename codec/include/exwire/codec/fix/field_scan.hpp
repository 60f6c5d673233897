#pragma once
// Bitmask scanners for the FIX reader: where SOH and '=' are in up to 64 bytes, as two
// 64-bit masks (bit i = byte i). decode() walks fields with these masks (count trailing zeros)
// instead of scanning each field byte by byte.
//
// Two implementations with identical results: scalar_scanner (portable, any target) and
// sse2_scanner (x86-64 baseline, inlined); best_scanner is SSE2 where the target has it.
//
// Thread-safety: pure functions; any thread may call them. Nothing is read outside [lo, hi).

#include <cstddef>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace exwire::codec::fix::detail {

/// Positions of SOH and '=' among up to 64 bytes; bits beyond the bytes scanned are zero.
struct block_masks {
    std::uint64_t soh = 0;
    std::uint64_t eq = 0;
};

/// Byte at a time, for any target; the reference the SIMD scanners are tested against.
struct scalar_scanner {
    /// Masks of [p, p + n), 1 <= n <= 64, with lo <= p and p + n <= hi. Reads only [p, p + n).
    [[nodiscard]] static block_masks scan(const char* p, std::size_t n, const char* /*lo*/,
                                          const char* /*hi*/) noexcept {
        block_masks m;
        for (std::size_t i = 0; i < n; ++i) {
            m.soh |= std::uint64_t{p[i] == '\x01'} << i;
            m.eq |= std::uint64_t{p[i] == '='} << i;
        }
        return m;
    }

    /// Masks of the 64 bytes [p, p + 64).
    [[nodiscard]] static block_masks scan64(const char* p) noexcept {
        return scan(p, 64, p, p + 64);
    }
};

#if defined(__SSE2__)
/// 16 bytes per compare; SSE2 is part of the x86-64 baseline, so this inlines everywhere.
struct sse2_scanner {
    [[nodiscard]] static block_masks chunk(const char* p) noexcept {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const auto s =
            static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(1))));
        const auto e =
            static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('='))));
        return {s, e};
    }

    /// Masks of the 64 bytes [p, p + 64).
    [[nodiscard]] static block_masks scan64(const char* p) noexcept {
        const block_masks a = chunk(p), b = chunk(p + 16), c = chunk(p + 32), d = chunk(p + 48);
        return {a.soh | b.soh << 16 | c.soh << 32 | d.soh << 48,
                a.eq | b.eq << 16 | c.eq << 32 | d.eq << 48};
    }

    /// Masks of [p, p + n), 1 <= n <= 64, lo <= p, p + n <= hi. Reads only within [lo, hi):
    /// with a span of 64 bytes or more, a block shorter than 64 is one 64-byte scan (from p,
    /// or of the 64 bytes ending at hi, shifted down to p); in a shorter span, a tail shorter
    /// than 16 bytes is loaded from hi - 16 when the bytes after it are not in the span, and
    /// scanned byte by byte when the whole span is shorter than 16 bytes.
    [[nodiscard]] static block_masks scan(const char* p, std::size_t n, const char* lo,
                                          const char* hi) noexcept {
        if (n == 64) return scan64(p);
        // A shorter block (the end of a body) in one 64-byte scan where the span allows it:
        // from p, or the 64 bytes ending at hi shifted down to p; bits from n on cleared.
        if (hi - lo >= 64) {
            const std::uint64_t keep = (std::uint64_t{1} << n) - 1;
            if (hi - p >= 64) {
                const block_masks m = scan64(p);
                return {m.soh & keep, m.eq & keep};
            }
            const char* const from = hi - 64;  // from < p: hi - p < 64
            const auto shift = static_cast<unsigned>(p - from);
            const block_masks m = scan64(from);
            return {(m.soh >> shift) & keep, (m.eq >> shift) & keep};
        }
        block_masks m;
        std::size_t i = 0;
        for (; i + 16 <= n; i += 16) {
            const block_masks c = chunk(p + i);
            m.soh |= c.soh << i;
            m.eq |= c.eq << i;
        }
        if (i < n) {
            const std::size_t rest = n - i;  // 1..15
            const std::uint64_t keep = (std::uint64_t{1} << rest) - 1;
            const char* t = p + i;
            block_masks c;
            if (hi - t >= 16) {
                c = chunk(t);
            } else if (hi - lo >= 16) {
                c = chunk(hi - 16);
                const auto shift = static_cast<unsigned>(t - (hi - 16));
                c.soh >>= shift;
                c.eq >>= shift;
            } else {
                c = scalar_scanner::scan(t, rest, lo, hi);
            }
            m.soh |= (c.soh & keep) << i;
            m.eq |= (c.eq & keep) << i;
        }
        return m;
    }
};
#endif

#if defined(__SSE2__)
/// The scanner decode() uses. SSE2 rather than AVX2 behind a run-time check: with 64-byte
/// blocks and fields of a few bytes the scan is a small share of decode, and an AVX2
/// version (out of line, selected at run time) measured no faster on a 200-byte message.
using best_scanner = sse2_scanner;
#else
using best_scanner = scalar_scanner;
#endif

}  // namespace exwire::codec::fix::detail
