#include <exwire/core/clock.hpp>

#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace exwire {

bool tsc_clock::invariant() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (__get_cpuid(0x80000000u, &a, &b, &c, &d) == 0 || a < 0x80000007u) return false;
    __get_cpuid(0x80000007u, &a, &b, &c, &d);
    return (d & (1u << 8)) != 0;  // CPUID.80000007H:EDX[8] = invariant TSC
#else
    return false;
#endif
}

void tsc_clock::calibrate(std::chrono::nanoseconds duration) {
#if defined(__x86_64__) || defined(__i386__)
    // Bracket each clock_gettime with rdtsc reads and keep the midpoint, so the error is
    // bounded by the bracket width, not by where the kernel call happened to land.
    auto sample = [](std::int64_t& ns, std::uint64_t& ticks) {
        const std::uint64_t t0 = __rdtsc();
        ns = monotonic_ns();
        const std::uint64_t t1 = __rdtsc();
        ticks = t0 + (t1 - t0) / 2;
    };
    std::int64_t ns0 = 0, ns1 = 0;
    std::uint64_t tk0 = 0, tk1 = 0;
    sample(ns0, tk0);
    std::this_thread::sleep_for(duration);
    sample(ns1, tk1);
    if (tk1 > tk0 && ns1 > ns0) {
        ns_per_tick_ = static_cast<double>(ns1 - ns0) / static_cast<double>(tk1 - tk0);
        calibrated_ = true;
        return;
    }
#else
    (void)duration;
#endif
    ns_per_tick_ = 1.0;
    calibrated_ = true;
}

}  // namespace exwire
