#pragma once
// CRC32C (Castagnoli), the record checksum of the journal. Uses the SSE4.2 crc32
// instruction when the CPU has it (checked once at start-up) and a table otherwise; both
// give identical results. Thread-safe: pure functions.

#include <cstddef>
#include <cstdint>

#include <exwire/core/bytes.hpp>

namespace exwire::journal {

/// Extends `crc` (start with 0) over `data`. Hot path: noexcept, no allocation.
[[nodiscard]] std::uint32_t crc32c(std::uint32_t crc, bytes data) noexcept;

/// The portable table implementation, exposed so tests can compare it with the fast path.
[[nodiscard]] std::uint32_t crc32c_portable(std::uint32_t crc, bytes data) noexcept;

/// True when crc32c() uses the SSE4.2 instruction on this machine.
[[nodiscard]] bool crc32c_hardware() noexcept;

}  // namespace exwire::journal
