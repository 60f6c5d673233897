#pragma once
// Private helpers shared by the writer, the reader and the index.

#include <atomic>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <exwire/core/result.hpp>
#include <exwire/journal/format.hpp>

namespace exwire::journal::detail {

struct segment_header {
    std::uint64_t magic;
    std::uint32_t version;
    std::uint32_t header_size;
    std::uint64_t segment_size;
    std::uint64_t segment_index;
    std::int64_t created_ns;
    std::uint64_t journal_id;
    std::uint64_t reserved[2];
};
static_assert(sizeof(segment_header) == segment_header_size);

[[nodiscard]] inline segment_header read_segment_header(const std::byte* base) noexcept {
    segment_header h;
    std::memcpy(&h, base, sizeof h);
    return h;
}

[[nodiscard]] inline std::uint32_t checksum_seed(const segment_header& h) noexcept {
    return segment_checksum_seed(h.version, h.segment_index);
}

[[nodiscard]] inline bool header_valid(const segment_header& h, std::size_t file_size) noexcept {
    return h.magic == segment_magic &&
           (h.version == format_version || h.version == segment_version) &&
           h.header_size == segment_header_size && h.segment_size == file_size &&
           h.segment_size >= min_segment_size && h.segment_size % 4096 == 0;
}

/// std::atomic_thread_fence(order). GCC's ThreadSanitizer does not model fences and rejects
/// them (-Wtsan); in such a build (used for the ring tests, which never recycle a segment) a
/// compiler barrier stands in, which on x86 (total store order) still keeps loads after
/// loads and stores after stores, the two orders the journal's fences are for.
inline void memory_fence(std::memory_order order) noexcept {
#if defined(__SANITIZE_THREAD__)
    (void)order;
    asm volatile("" ::: "memory");
#else
    std::atomic_thread_fence(order);
#endif
}

/// Whether the segment mapped at `base` still is segment `index`: the writer's helper zeroes
/// the header of a segment it recycles before anything else, so a reader that has read a
/// record and then still finds its index here read it from that segment's current life.
[[nodiscard]] inline bool still_segment(const std::byte* base, std::uint64_t index) noexcept {
    // Orders the record's loads before the header's (the helper zeroes the header first).
    memory_fence(std::memory_order_acquire);
    const auto idx = std::atomic_ref<std::uint64_t>(
                         *reinterpret_cast<std::uint64_t*>(const_cast<std::byte*>(base) + 24))
                         .load(std::memory_order_relaxed);
    const auto magic = std::atomic_ref<std::uint64_t>(
                           *reinterpret_cast<std::uint64_t*>(const_cast<std::byte*>(base)))
                           .load(std::memory_order_relaxed);
    return idx == index && magic == segment_magic;
}

[[nodiscard]] inline std::uint32_t load_length(const std::byte* p) noexcept {
    // The length word is the publication point: acquire pairs with the writer's release so
    // the header and payload written before it are visible.
    return std::atomic_ref<std::uint32_t>(
               *reinterpret_cast<std::uint32_t*>(const_cast<std::byte*>(p)))
        .load(std::memory_order_acquire);
}

inline void store_length(std::byte* p, std::uint32_t v, std::memory_order order) noexcept {
    std::atomic_ref<std::uint32_t>(*reinterpret_cast<std::uint32_t*>(p)).store(v, order);
}

enum class slot : std::uint8_t {
    record,
    empty,
    end_marker,
    segment_full,
    bad_length,
    bad_checksum
};

/// Classifies what lies at `off` in a segment mapped at `base`.
[[nodiscard]] inline slot check_slot(const std::byte* base, std::size_t seg_size, std::size_t off,
                                     bool verify, std::uint32_t& length,
                                     std::uint32_t seed) noexcept {
    if (off + 4 > seg_size) return slot::segment_full;
    length = load_length(base + off);
    if (length == 0) return slot::empty;
    if (length == end_of_segment) return slot::end_marker;
    if (length < record_header_size || off + align_up(length, record_alignment) > seg_size)
        return slot::bad_length;
    if (verify) {
        std::uint32_t stored;
        std::memcpy(&stored, base + off + 4, 4);
        if (stored != record_checksum(length, base + off, seed)) return slot::bad_checksum;
    }
    return slot::record;
}

[[nodiscard]] inline record_view make_view(const std::byte* p, std::uint32_t length,
                                           std::uint64_t position) noexcept {
    record_view v;
    std::uint16_t type;
    std::memcpy(&type, p + 8, 2);
    v.meta.type = type;
    v.meta.dir = static_cast<direction>(p[10]);
    std::memcpy(&v.meta.sequence, p + 16, 8);
    std::memcpy(&v.meta.timestamp_ns, p + 24, 8);
    v.position = position;
    v.payload = {p + record_header_size, length - record_header_size};
    return v;
}

/// Segment indexes present in `dir`, ascending.
[[nodiscard]] result<std::vector<std::uint64_t>> list_segments(const std::string& dir);

/// Reads the header of a segment file without mapping it.
[[nodiscard]] result<segment_header> read_header_file(const std::string& path);

}  // namespace exwire::journal::detail
