#pragma once
// Configuration of a journal writer. Cold path: built once and passed to writer::open().
// Parsing functions return exwire::result with a message naming the bad value.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <exwire/core/result.hpp>
#include <exwire/journal/format.hpp>

namespace exwire::journal {

/// What a committed record survives (see docs/journal.md, "Durability").
enum class durability : std::uint8_t {
    none,      ///< page cache only: survives a crash of the process, not of the machine
    periodic,  ///< the helper thread msyncs every `sync_interval`: loses at most that much on power
               ///< loss
    sync,      ///< writer::flush() msyncs synchronously; call it per batch before sending
};

/// Parses "none", "periodic" or "sync".
[[nodiscard]] result<durability> parse_durability(std::string_view text);
[[nodiscard]] std::string_view to_string(durability d) noexcept;

/// Which old segments the helper thread removes after each roll (0 = no limit). The segment
/// being written is never removed; archived segments are renamed into `archive_dir`.
struct retention_policy {
    std::size_t max_segments = 0;     ///< key retention.segments
    std::uint64_t max_bytes = 0;      ///< key retention.bytes
    std::chrono::seconds max_age{0};  ///< key retention.days (seconds here)
    bool archive = false;             ///< key retention.action = archive|delete
    std::string archive_dir;          ///< default: <journal>/archive
};

struct config {
    std::size_t segment_size = default_segment_size;  ///< key segment_size; multiple of 4096
    durability mode = durability::none;               ///< key durability
    std::chrono::milliseconds sync_interval{100};     ///< key sync_interval (periodic mode)
    retention_policy retention;                       ///< key retention.*
    std::chrono::microseconds helper_interval{1000};  ///< helper thread's idle sleep
    std::chrono::milliseconds roll_timeout{5000};     ///< longest wait for a segment at a roll
    std::chrono::milliseconds retry_interval{100};    ///< retry of a failed preallocation
    bool build_index = true;                          ///< maintain index.in / index.out
    /// A segment that retention deletes becomes the next segment instead (renamed, zeroed
    /// and pre-faulted by the helper): no new-page work for the kernel, no unlink. A reader
    /// lagging behind retention then gets read_status::missing (as with deletion), but
    /// payload spans it still holds into the recycled segment change under it.
    bool recycle_segments = true;
};

}  // namespace exwire::journal
