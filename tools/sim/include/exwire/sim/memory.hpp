#pragma once
// Memory resources the simulator allocates through. The matching engine takes a
// `std::pmr::memory_resource*`; its order pool, price levels and token table come from it
// in large blocks at start-up and on growth, never per event.
//
// All functions are thread-safe and return resources that live for the whole process.

#include <memory_resource>

namespace exwire::sim {

/// True when the library was built with mimalloc (Debian libmimalloc-dev).
[[nodiscard]] bool have_mimalloc() noexcept;

/// A resource over mi_malloc_aligned / mi_free, or nullptr when built without mimalloc.
[[nodiscard]] std::pmr::memory_resource* mimalloc_resource() noexcept;

/// A resource over the C library's aligned_alloc / free (the system allocator).
[[nodiscard]] std::pmr::memory_resource* system_resource() noexcept;

/// mimalloc when available, the system allocator otherwise.
[[nodiscard]] std::pmr::memory_resource* default_resource() noexcept;

}  // namespace exwire::sim
