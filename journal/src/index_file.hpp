#pragma once
// The per-direction sequence index: a file of 8-byte global positions indexed by
// `sequence - base`, so a lookup is one load. The file is mapped once over a large virtual
// range and grown with fallocate, so growing never moves the mapping under a concurrent
// lookup. Only the writer's helper thread writes it; any process may read it.
//
// header (64 bytes): magic | version u32 | direction u32 | journal id | base sequence |
//                    count | indexed_upto (global position, release-published) |
//                    segment size | last sequence
// Entry 0 means "no record"; positions are never 0 because segment headers come first.

#include <cstddef>
#include <cstdint>
#include <string>

#include <exwire/core/result.hpp>
#include <exwire/journal/format.hpp>

namespace exwire::journal::detail {

class index_file {
  public:
    static constexpr std::size_t header_bytes = 64;
    static constexpr std::uint64_t max_entries = std::uint64_t{1} << 28;   // 2 GiB of positions
    static constexpr std::uint64_t grow_entries = std::uint64_t{1} << 13;  // 64 KiB steps

    index_file() = default;
    index_file(index_file&& o) noexcept;
    index_file& operator=(index_file&& o) noexcept;
    index_file(const index_file&) = delete;
    index_file& operator=(const index_file&) = delete;
    ~index_file();

    /// Opens or creates the index for writing; resets it when its header does not match.
    [[nodiscard]] static result<index_file> open_rw(const std::string& path, direction d,
                                                    std::uint64_t journal_id,
                                                    std::uint64_t segment_size);
    /// Opens an existing index read-only.
    [[nodiscard]] static result<index_file> open_ro(const std::string& path);

    [[nodiscard]] bool is_open() const noexcept { return base_ != nullptr; }
    [[nodiscard]] bool matches(std::uint64_t journal_id, std::uint64_t segment_size) const noexcept;
    /// Empties the index (cold path).
    [[nodiscard]] result<void> reset(direction d, std::uint64_t journal_id,
                                     std::uint64_t segment_size);

    /// Records `seq` at `position`; false when it cannot (sequence below base or too far
    /// ahead: not indexed, lookups fall back to a scan; or the file cannot grow: `errno_`).
    bool put(std::uint64_t seq, std::uint64_t position) noexcept;
    /// Publishes everything put so far as covering the journal up to `position`.
    void publish(std::uint64_t position) noexcept;

    /// Global position of `seq`, or 0 when the index does not know it.
    [[nodiscard]] std::uint64_t lookup(std::uint64_t seq) const noexcept;
    [[nodiscard]] std::uint64_t indexed_upto() const noexcept;
    [[nodiscard]] std::uint64_t base() const noexcept;
    [[nodiscard]] std::uint64_t count() const noexcept;
    [[nodiscard]] std::uint64_t last_sequence() const noexcept;
    [[nodiscard]] std::uint64_t journal_id() const noexcept;
    [[nodiscard]] int grow_errno() const noexcept { return errno_; }
    /// open_rw() found an existing index that did not match and emptied it.
    [[nodiscard]] bool was_reset() const noexcept { return was_reset_; }

  private:
    [[nodiscard]] std::uint64_t& field(std::size_t off) const noexcept {
        return *reinterpret_cast<std::uint64_t*>(base_ + off);
    }
    std::byte* base_ = nullptr;
    int fd_ = -1;
    std::uint64_t capacity_ = 0;  // entries the file holds now (writer side)
    int errno_ = 0;
    bool was_reset_ = false;
};

}  // namespace exwire::journal::detail
