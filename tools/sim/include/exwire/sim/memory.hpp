#pragma once
// Memory resources the simulator allocates through. The matching engine takes a
// `std::pmr::memory_resource*`; its order pool, price levels and token table come from it
// in large blocks at start-up and on growth, never per event.
//
// Linking mimalloc (Debian's shared libmimalloc) also routes every malloc/new of the
// process through it; `system_resource` still reaches the C library's allocator.
//
// All functions are thread-safe and return resources that live for the whole process.

#include <memory_resource>

namespace exwire::sim {

/// True when the library was built with mimalloc (Debian libmimalloc-dev).
[[nodiscard]] bool have_mimalloc() noexcept;

/// A resource over mi_malloc_aligned / mi_free, or nullptr when built without mimalloc.
[[nodiscard]] std::pmr::memory_resource* mimalloc_resource() noexcept;

/// A resource over the C library's own allocator. Linking Debian's libmimalloc.so replaces
/// malloc process-wide, so on glibc this calls glibc's allocator looked up in libc.so.6
/// (__libc_memalign / __libc_free); elsewhere it is aligned_alloc / free.
[[nodiscard]] std::pmr::memory_resource* system_resource() noexcept;

/// True when `p` lies in memory mimalloc manages (always false without mimalloc). May walk
/// the calling thread's heap: for checks and tests, not for a hot path.
[[nodiscard]] bool owned_by_mimalloc(const void* p) noexcept;

/// mimalloc when available, the system allocator otherwise.
[[nodiscard]] std::pmr::memory_resource* default_resource() noexcept;

}  // namespace exwire::sim
