// Replaces the global operator new and delete of the test binary that links this file, to
// count allocations (see alloc_counter.hpp). In its own translation unit, so that no caller
// sees, and inlines around, the replacement.
#include "alloc_counter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::uint64_t> everywhere{0};
thread_local std::uint64_t on_this_thread = 0;

void count() noexcept {
    everywhere.fetch_add(1, std::memory_order_relaxed);
    ++on_this_thread;
}
}  // namespace

std::uint64_t exwire::test::allocations_everywhere() noexcept {
    return everywhere.load(std::memory_order_relaxed);
}

std::uint64_t exwire::test::allocations_on_this_thread() noexcept {
    return on_this_thread;
}

void* operator new(std::size_t n) {
    count();
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
// The nothrow form as well (std::stable_sort's temporary buffer uses it), so that every block
// operator delete frees came from malloc.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    count();
    return std::malloc(n == 0 ? 1 : n);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
