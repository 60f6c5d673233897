#pragma once
// The one cache-line constant. 64 bytes on every x86-64 and most ARM servers; Apple M and
// some POWER parts use 128, where false sharing would then cost a little but stay correct.

#include <cstddef>

namespace exwire {

inline constexpr std::size_t cache_line_size = 64;

/// Tells the CPU this is a spin-wait loop (x86 PAUSE, ARM YIELD); a no-op elsewhere.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield" ::: "memory");
#endif
}

}  // namespace exwire
