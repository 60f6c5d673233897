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
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(std::uint32_t crc, const std::byte* p,
                                                             std::size_t n) noexcept {
    std::uint64_t c = ~crc;
    while (n >= 8) {
        std::uint64_t v;
        std::memcpy(&v, p, 8);
        c = _mm_crc32_u64(c, v);
        p += 8;
        n -= 8;
    }
    auto c32 = static_cast<std::uint32_t>(c);
    while (n > 0) {
        c32 = _mm_crc32_u8(c32, static_cast<unsigned char>(*p));
        ++p;
        --n;
    }
    return ~c32;
}
const bool have_sse42 = __builtin_cpu_supports("sse4.2");
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
    if (have_sse42) return crc32c_sse42(crc, data.data(), data.size());
#endif
    return crc32c_portable(crc, data);
}

bool crc32c_hardware() noexcept {
    return have_sse42;
}

}  // namespace exwire::journal
