// The appending hot path allocates nothing: operator new is counted on the appending thread
// while records are claimed, committed, appended and abandoned in steady state (no roll).

#include <new>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <exwire/journal/writer.hpp>

#include "../support/alloc_counter.hpp"
#include "temp_dir.hpp"

namespace exwire::journal {
namespace {

TEST(journal_alloc, the_counting_hook_sees_this_threads_allocations_only) {
    using exwire::test::allocations_everywhere;
    using exwire::test::allocations_on_this_thread;
    // Read every counter before any check: a failing check allocates its message.
    const auto here = allocations_on_this_thread();
    const auto all = allocations_everywhere();
    std::uint64_t on_other = 0;
    std::thread other([&] {
        const auto start = allocations_on_this_thread();
        void* q = ::operator new(16);
        ::operator delete(q);
        on_other = allocations_on_this_thread() - start;
    });
    other.join();
    const auto here_delta = allocations_on_this_thread() - here;  // std::thread's own state
    const auto all_delta = allocations_everywhere() - all;
    const auto before = allocations_on_this_thread();
    void* p = ::operator new(16);
    ::operator delete(p);
    const auto mine = allocations_on_this_thread() - before;
    EXPECT_EQ(on_other, 1u);
    EXPECT_EQ(all_delta - here_delta, 1u);  // the other thread's allocation, not counted here
    EXPECT_EQ(mine, 1u);
}

TEST(journal_alloc, append_claim_commit_and_abandon_allocate_nothing) {
    testing::temp_dir t;
    config c;
    c.segment_size = 4 << 20;
    auto w = writer::open(t.path(), c);
    ASSERT_TRUE(w.ok());
    std::vector<std::byte> payload(100, std::byte{1});
    // Only the appending thread counts: the writer's background thread (segment preparation)
    // may allocate at any time, which is not the hot path under test.
    const auto before = exwire::test::allocations_on_this_thread();
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
    EXPECT_EQ(exwire::test::allocations_on_this_thread() - before, 0u);
}

}  // namespace
}  // namespace exwire::journal
