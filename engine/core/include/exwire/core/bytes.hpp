#pragma once
// Byte spans and endian-aware loads and stores: the zero-copy boundary of every module.
//
// Loads and stores go through memcpy, so they are safe at any alignment and compile to a
// single move (plus bswap for the foreign order). Thread-safe: pure functions.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>

namespace exwire {

/// Read-only bytes; the caller keeps them alive for as long as any view built over them.
using bytes = std::span<const std::byte>;
/// Writable bytes supplied by a caller (encoders write into these, never allocate).
using mutable_bytes = std::span<std::byte>;

static_assert(std::endian::native == std::endian::little ||
              std::endian::native == std::endian::big);

/// Reverses the bytes of an integer (g++ 12 in C++20 mode has no std::byteswap).
template <typename T>
[[nodiscard]] constexpr T byte_swap(T v) noexcept {
    static_assert(std::is_integral_v<T>);
    if constexpr (sizeof(T) == 1) {
        return v;
    } else if constexpr (sizeof(T) == 2) {
        return static_cast<T>(__builtin_bswap16(static_cast<std::uint16_t>(v)));
    } else if constexpr (sizeof(T) == 4) {
        return static_cast<T>(__builtin_bswap32(static_cast<std::uint32_t>(v)));
    } else {
        static_assert(sizeof(T) == 8);
        return static_cast<T>(__builtin_bswap64(static_cast<std::uint64_t>(v)));
    }
}

/// Loads a T stored big-endian at p (no alignment needed).
template <typename T>
[[nodiscard]] inline T load_be(const std::byte* p) noexcept {
    T v;
    std::memcpy(&v, p, sizeof v);
    if constexpr (std::endian::native == std::endian::little) v = byte_swap(v);
    return v;
}

/// Loads a T stored little-endian at p (no alignment needed).
template <typename T>
[[nodiscard]] inline T load_le(const std::byte* p) noexcept {
    T v;
    std::memcpy(&v, p, sizeof v);
    if constexpr (std::endian::native == std::endian::big) v = byte_swap(v);
    return v;
}

/// Stores v big-endian at p.
template <typename T>
inline void store_be(std::byte* p, T v) noexcept {
    if constexpr (std::endian::native == std::endian::little) v = byte_swap(v);
    std::memcpy(p, &v, sizeof v);
}

/// Stores v little-endian at p.
template <typename T>
inline void store_le(std::byte* p, T v) noexcept {
    if constexpr (std::endian::native == std::endian::big) v = byte_swap(v);
    std::memcpy(p, &v, sizeof v);
}

/// Loads a 48-bit big-endian unsigned integer (ITCH timestamps).
[[nodiscard]] inline std::uint64_t load_be48(const std::byte* p) noexcept {
    return (std::uint64_t{load_be<std::uint16_t>(p)} << 32) | load_be<std::uint32_t>(p + 2);
}

/// Stores the low 48 bits of v big-endian.
inline void store_be48(std::byte* p, std::uint64_t v) noexcept {
    store_be<std::uint16_t>(p, static_cast<std::uint16_t>(v >> 32));
    store_be<std::uint32_t>(p + 2, static_cast<std::uint32_t>(v));
}

/// Views text as bytes (no copy; lives as long as the text).
[[nodiscard]] inline bytes to_bytes(std::string_view s) noexcept {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

/// Views bytes as text (no copy; lives as long as the bytes).
[[nodiscard]] inline std::string_view to_string_view(bytes b) noexcept {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// Rounds n up to a multiple of a power-of-two alignment.
[[nodiscard]] constexpr std::size_t align_up(std::size_t n, std::size_t alignment) noexcept {
    return (n + alignment - 1) & ~(alignment - 1);
}

[[nodiscard]] constexpr bool is_power_of_two(std::size_t n) noexcept {
    return n != 0 && (n & (n - 1)) == 0;
}

}  // namespace exwire
