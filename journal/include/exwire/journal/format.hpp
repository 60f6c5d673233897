#pragma once
// On-disk layout of a journal. A journal is a directory of fixed-size segment files
// (`<20-digit index>.seg`) plus one sequence index file per direction (`index.in`,
// `index.out`). Everything is little-endian (native order on the supported targets).
//
// Segment: a 64-byte header, then records back to back, each aligned to 8 bytes.
//   header: magic "EXWJSEG1" | version u32 | header size u32 | segment size u64 |
//           segment index u64 | created ns i64 | journal id u64 | reserved
// Record: a 32-byte header, then the payload (the exact wire frame), padded to 8.
//   0  u32 length     32 + payload length; 0 = not (yet) written; end_of_segment = the
//                     writer moved on to the next segment. Published last, with release.
//   4  u32 checksum   CRC32C of bytes 8..32 and the payload, seeded with the length (xor,
//                     in segments of version 2, a value derived from the segment index, so
//                     a record of a recycled file's previous life never checks out).
//   8  u16 type       application-defined record type (0 is a valid type)
//   10 u8  direction  0 = in (received), 1 = out (sent)
//   11 u8  flags      0 (reserved)
//   12 u32 reserved   0
//   16 u64 sequence   session-level sequence number, supplied by the owner
//   24 i64 timestamp  ns since the Unix epoch, supplied by the owner
// A global position is `segment index * segment size + offset in the segment`.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <exwire/core/bytes.hpp>

namespace exwire::journal {

enum class direction : std::uint8_t { in = 0, out = 1 };

[[nodiscard]] constexpr std::string_view to_string(direction d) noexcept {
    return d == direction::in ? "in" : "out";
}

inline constexpr std::uint64_t segment_magic = 0x31474553'4A575845ull;  // "EXWJSEG1"
inline constexpr std::uint64_t index_magic = 0x31584449'4A575845ull;    // "EXWJIDX1"
inline constexpr std::uint32_t format_version = 1;  ///< index files; segments written before 2
/// Segments created now: record checksums seeded with the segment index too. Segments of
/// version 1 (older journals) are still read and continued with their own checksum.
inline constexpr std::uint32_t segment_version = 2;
inline constexpr std::size_t segment_header_size = 64;
inline constexpr std::size_t record_header_size = 32;
inline constexpr std::size_t record_alignment = 8;
inline constexpr std::uint32_t end_of_segment = 0xFFFFFFFFu;
inline constexpr std::size_t min_segment_size = 4096;
inline constexpr std::size_t default_segment_size = std::size_t{64} << 20;

/// Largest payload a journal with this segment size accepts.
[[nodiscard]] constexpr std::size_t max_payload(std::size_t segment_size) noexcept {
    return segment_size - segment_header_size - record_header_size;
}

/// Bytes a record with `payload` bytes occupies in its segment.
[[nodiscard]] constexpr std::size_t record_span(std::size_t payload) noexcept {
    return align_up(record_header_size + payload, record_alignment);
}

/// Metadata the owner supplies with each record.
struct record_meta {
    std::uint16_t type = 0;
    direction dir = direction::out;
    std::uint64_t sequence = 0;
    std::int64_t timestamp_ns = 0;
};

/// A record as read from a mapped segment. `payload` points into the mapping and stays
/// valid while the reader that produced it keeps that segment mapped (until its next call
/// that moves to another segment, or its destruction).
struct record_view {
    record_meta meta;
    std::uint64_t position = 0;  ///< global position of the record header
    bytes payload;
};

/// File name of segment `index` inside a journal directory.
[[nodiscard]] std::string segment_file_name(std::uint64_t index);
/// Parses a segment file name; false when `name` is not one.
[[nodiscard]] bool parse_segment_file_name(std::string_view name, std::uint64_t& index) noexcept;
/// File name of the index of one direction.
[[nodiscard]] std::string index_file_name(direction d);

/// Checksum of a record whose header starts at `hdr` (the length word must be its final value)
/// in a segment whose checksum seed is `segment_seed` (0 in version-1 segments).
[[nodiscard]] std::uint32_t record_checksum(std::uint32_t length, const std::byte* hdr,
                                            std::uint32_t segment_seed = 0) noexcept;

/// Checksum seed of the records of segment `index` in a segment of `version`.
[[nodiscard]] constexpr std::uint32_t segment_checksum_seed(std::uint32_t version,
                                                            std::uint64_t index) noexcept {
    return version >= 2 ? static_cast<std::uint32_t>(((index + 1) * 0x9E3779B97F4A7C15ull) >> 32)
                        : 0u;
}

}  // namespace exwire::journal
