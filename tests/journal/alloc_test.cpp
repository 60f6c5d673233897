// The appending hot path allocates nothing: operator new is counted on the appending thread
// while records are claimed, committed, appended and abandoned in steady state (no roll).

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include <gtest/gtest.h>

#include <exwire/journal/writer.hpp>

#include "temp_dir.hpp"

namespace {
std::atomic<long> allocations{0};
// Only the appending thread counts: the writer's background thread (segment preparation)
// may allocate at any time, which is not the hot path under test.
thread_local bool counting = false;
}  // namespace

void* operator new(std::size_t n) {
    if (counting) allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    if (counting) allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(n == 0 ? 1 : n);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}

namespace exwire::journal {
namespace {

TEST(journal_alloc, append_claim_commit_and_abandon_allocate_nothing) {
    testing::temp_dir t;
    config c;
    c.segment_size = 4 << 20;
    auto w = writer::open(t.path(), c);
    ASSERT_TRUE(w.ok());
    std::vector<std::byte> payload(100, std::byte{1});
    counting = true;
    for (std::uint64_t i = 1; i <= 10000; ++i) {
        if ((*w)->append({.sequence = i}, payload) != append_status::ok) ADD_FAILURE();
        mutable_bytes out;
        if ((*w)->claim(64, out) != append_status::ok) ADD_FAILURE();
        if (i % 2 == 0) {
            (*w)->abandon();
        } else if ((*w)->commit(10, {.sequence = i}) != append_status::ok) {
            ADD_FAILURE();
        }
    }
    counting = false;
    EXPECT_EQ(allocations.load(), 0);
}

}  // namespace
}  // namespace exwire::journal
