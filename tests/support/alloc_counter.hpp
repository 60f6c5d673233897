#pragma once
// Counts calls to the global operator new, for the tests that prove a hot path allocates
// nothing. A test binary that uses it links tests/support/alloc_counter.cpp (meson:
// `alloc_counter` in tests/meson.build), which replaces the global operator new and delete
// for that binary only. A test reads a counter before and after the code it checks and
// compares the difference; it first shows the counter sees an allocation, so the check can
// fail.

#include <cstdint>

namespace exwire::test {

/// Calls to the global operator new (plain and nothrow) made so far by every thread.
[[nodiscard]] std::uint64_t allocations_everywhere() noexcept;

/// Calls to the global operator new (plain and nothrow) made so far by the calling thread
/// (for code that owns helper threads whose set-up may allocate).
[[nodiscard]] std::uint64_t allocations_on_this_thread() noexcept;

}  // namespace exwire::test
