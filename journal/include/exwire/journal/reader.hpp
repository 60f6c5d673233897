#pragma once
// Reading a journal: iterate from the start or from a position, look a record up by
// (direction, sequence) through the index, or tail a journal another process is writing.
//
// A reader maps segments read-only and never writes, so any number of readers in any
// process may follow one writer. One thread per reader. Records become visible to next()
// once the writer has published their length word; each committed record is returned
// exactly once, in order. Payload spans point into the mapping: valid until the reader
// moves to another segment (a later next()/find()/seek()) or is destroyed.
// Hot path next(): noexcept, no allocation except when it opens the next segment.

#include <cstdint>
#include <memory>
#include <string>

#include <exwire/core/mapped_file.hpp>
#include <exwire/core/result.hpp>
#include <exwire/journal/format.hpp>

namespace exwire::journal {

enum class read_status : std::uint8_t {
    ok,         ///< a record was returned
    end,        ///< nothing committed beyond this point (yet): poll again to tail
    corrupt,    ///< a bad length or checksum at position(); corruption() says which
    missing,    ///< the next segment file is gone (removed by retention?)
    not_found,  ///< find(): no such (direction, sequence)
};

struct reader_options {
    bool verify_checksums = true;  ///< check each record's CRC32C (tools, verify); off for speed
    /// Segments kept mapped at once (1..8). More makes lookups across segments cheap; fewer
    /// releases the space of segments removed by retention sooner.
    std::size_t mapped_segments = 8;
    /// Fault a segment's pages in when mapping it (reads then never fault). Off for a
    /// reader that trails the writer (the writer's index helper): populating the unwritten
    /// rest of the segment would allocate and zero its page-cache pages ahead of need.
    bool populate = true;
};

class reader {
  public:
    /// Opens the journal in `dir` read-only, positioned at its first record.
    [[nodiscard]] static result<reader> open(const std::string& dir, reader_options options = {});

    reader(reader&&) noexcept;
    reader& operator=(reader&&) noexcept;
    ~reader();

    /// The next record after the current position.
    [[nodiscard]] read_status next(record_view& out) noexcept;

    /// Positions at the oldest record still present.
    void seek_start() noexcept;
    /// Positions at a global position previously returned in record_view::position (or
    /// position()); the next next() reads the record there.
    void seek(std::uint64_t position) noexcept;
    /// Global position of the record next() will read.
    [[nodiscard]] std::uint64_t position() const noexcept;

    /// Finds the record with this direction and sequence number: one index load when the
    /// index covers it, else a scan of the part the index has not covered yet. On success
    /// the reader is positioned after it, so next() continues a resend range.
    [[nodiscard]] read_status find(direction d, std::uint64_t sequence, record_view& out) noexcept;

    /// The last sequence number the index holds for `d` (0 when none), and whether the
    /// index file exists.
    [[nodiscard]] bool last_indexed_sequence(direction d, std::uint64_t& seq) noexcept;

    [[nodiscard]] std::size_t segment_size() const noexcept { return segment_size_; }
    [[nodiscard]] std::uint64_t journal_id() const noexcept { return journal_id_; }
    /// Why the last next() returned corrupt.
    [[nodiscard]] const char* corruption() const noexcept { return corruption_; }
    [[nodiscard]] const std::string& directory() const noexcept { return dir_; }

  private:
    struct indexes;
    reader() = default;
    bool map_segment(std::uint64_t index) noexcept;
    void open_indexes() noexcept;

    std::string dir_;
    std::string path_buf_;
    reader_options options_;
    std::size_t segment_size_ = 0;
    std::uint64_t journal_id_ = 0;
    // A few recently used segments stay mapped, so lookups that hop between segments do
    // not remap (and re-fault) them every time.
    static constexpr std::size_t cached_segments = 8;
    struct cached {
        mapped_file file;
        std::uint64_t index = ~std::uint64_t{0};
        std::uint64_t used = 0;
    };
    cached cache_[cached_segments];
    std::uint64_t use_clock_ = 0;
    const std::byte* base_ = nullptr;
    std::uint64_t seg_index_ = 0;
    std::uint64_t mapped_index_ = ~std::uint64_t{0};
    std::uint32_t seed_ = 0;  ///< checksum seed of the mapped segment
    std::size_t off_ = segment_header_size;
    const char* corruption_ = "";
    std::unique_ptr<indexes> idx_;
};

}  // namespace exwire::journal
