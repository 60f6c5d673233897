// Replaces global operator new to count calls, for the allocation test in
// matching_engine_test.cpp. In its own file so that no caller sees (and inlines) the
// replacement.
#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::size_t> news{0};
}  // namespace

std::size_t global_new_count() noexcept {
    return news.load(std::memory_order_relaxed);
}

void* operator new(std::size_t n) {
    news.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
// The nothrow form as well, so every block operator delete frees came from malloc.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    news.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(n == 0 ? 1 : n);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
