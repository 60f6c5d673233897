#pragma once
// Per-session counters, optionally in a shared-memory file that `exwire stat` (or any other
// process) reads while the engine runs.
//
// File layout (native byte order; readers check magic and version):
//     header, 128 bytes: u64 magic "EXWCNTRS", u32 version, u32 slot_count, u32 slot_size,
//                        u32 counter_count, char engine[32], u64 ready (1 once formatted)
//     slot_count slots of slot_size bytes: char session[32], char shard[32], u64 values[16]
//
// Writers: each slot has exactly one writer, the thread of the session's shard, which
// updates a counter with a relaxed load and a relaxed store (no read-modify-write, no
// fence: the cost of a plain increment). Readers load each value relaxed: every counter is
// exact and never torn, but two counters of one slot may be read a few instructions apart
// (bytes_in may already include a frame that frames_in does not yet count). Nothing a
// reader does touches a line a writer needs exclusively, so reading does not slow a shard.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <exwire/core/cache.hpp>
#include <exwire/core/mapped_file.hpp>
#include <exwire/core/result.hpp>

namespace exwire::engine {

enum class counter : std::uint32_t {
    frames_in,
    bytes_in,
    frames_out,
    bytes_out,
    heartbeats_in,
    heartbeats_out,
    heartbeats_missed,
    gaps,
    retransmissions,
    reconnects,
    records_dropped,  ///< inbound records the application's ring could not take
};
inline constexpr std::size_t counter_count = 11;
inline constexpr std::size_t counter_capacity = 16;  ///< room in each slot for later counters
[[nodiscard]] std::string_view to_string(counter c) noexcept;

namespace counters_detail {
inline constexpr std::uint64_t magic = 0x5352544e'43575845ULL;  // "EXWCNTRS" little-endian
inline constexpr std::uint32_t version = 1;
struct header {
    std::uint64_t magic;
    std::uint32_t version;
    std::uint32_t slot_count;
    std::uint32_t slot_size;
    std::uint32_t counter_count;
    char engine[32];
    std::atomic<std::uint64_t> ready;
    char reserved[128 - 64];
};
static_assert(sizeof(header) == 128);
struct alignas(cache_line_size) slot {
    char session[32];
    char shard[32];
    std::atomic<std::uint64_t> values[counter_capacity];
};
static_assert(sizeof(slot) == 3 * cache_line_size);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
}  // namespace counters_detail

/// The writer's handle on one session's counters. Only the session's shard thread may call
/// add(); any thread may call get(). Trivially copyable; valid while its table lives.
class session_counters {
  public:
    session_counters() = default;
    explicit session_counters(counters_detail::slot* s) noexcept : slot_(s) {}

    void add(counter c, std::uint64_t n = 1) noexcept {
        std::atomic<std::uint64_t>& v = slot_->values[static_cast<std::size_t>(c)];
        // Single writer: a relaxed load and store is an exact increment without a locked
        // instruction; readers see either the old or the new value.
        v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t get(counter c) const noexcept {
        return slot_->values[static_cast<std::size_t>(c)].load(std::memory_order_relaxed);
    }
    [[nodiscard]] bool valid() const noexcept { return slot_ != nullptr; }

  private:
    counters_detail::slot* slot_ = nullptr;
};

/// One row of a snapshot read from a counters file.
struct counters_row {
    std::string session;
    std::string shard;
    std::array<std::uint64_t, counter_count> values{};
    [[nodiscard]] std::uint64_t operator[](counter c) const noexcept {
        return values[static_cast<std::size_t>(c)];
    }
};
struct counters_snapshot {
    std::string engine;
    std::vector<counters_row> rows;
};

/// Owns the counters of an engine's sessions: in a shared file, or in private memory when
/// no path is given. Cold path (create/read) returns result with the path and the reason.
class counters_table {
  public:
    struct entry {
        std::string session;
        std::string shard;
    };

    counters_table() = default;
    counters_table(counters_table&&) noexcept = default;
    counters_table& operator=(counters_table&&) noexcept = default;

    /// Creates (or replaces) `path` with one zeroed slot per entry; empty path: private memory.
    [[nodiscard]] static result<counters_table> create(const std::string& path,
                                                       std::string_view engine,
                                                       const std::vector<entry>& entries);
    /// Reads a counters file written by another process (read-only mapping; never blocks it).
    [[nodiscard]] static result<counters_snapshot> read(const std::string& path);

    [[nodiscard]] session_counters writer(std::size_t index) noexcept;
    [[nodiscard]] std::size_t size() const noexcept { return count_; }
    [[nodiscard]] const std::string& path() const noexcept { return file_.path(); }

  private:
    mapped_file file_;
    std::unique_ptr<counters_detail::slot[]> heap_;
    counters_detail::slot* slots_ = nullptr;
    std::size_t count_ = 0;
};

}  // namespace exwire::engine
