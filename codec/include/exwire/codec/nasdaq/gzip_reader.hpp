#pragma once
// Streaming gzip (and zlib) decompression over bytes, for gzip-compressed ITCH files.
// No I/O: the caller feeds compressed bytes and receives decompressed ones.
// Single-threaded. Errors (corrupt input) are reported with the compressed byte offset.

#include <cstddef>
#include <memory>
#include <string>

#include <exwire/core/bytes.hpp>
#include <exwire/core/result.hpp>

namespace exwire::codec::nasdaq {

/// True when data starts with the gzip magic bytes 1f 8b.
[[nodiscard]] inline bool looks_gzip(exwire::bytes data) noexcept {
    return data.size() >= 2 && data[0] == std::byte{0x1f} && data[1] == std::byte{0x8b};
}

class gzip_reader {
  public:
    gzip_reader();
    ~gzip_reader();
    gzip_reader(const gzip_reader&) = delete;
    gzip_reader& operator=(const gzip_reader&) = delete;

    /// Decompresses as much of `in` as fits into `out`. Returns the number of bytes written
    /// to out and sets `consumed` to the input bytes used. Feed the rest of `in` again when
    /// consumed < in.size(). finished() is true after the end of the gzip stream.
    [[nodiscard]] result<std::size_t> inflate(exwire::bytes in, exwire::mutable_bytes out,
                                              std::size_t& consumed);
    [[nodiscard]] bool finished() const noexcept { return finished_; }
    /// Compressed bytes consumed so far.
    [[nodiscard]] std::size_t offset() const noexcept { return offset_; }

  private:
    struct state;
    std::unique_ptr<state> s_;
    bool finished_ = false;
    std::size_t offset_ = 0;
};

}  // namespace exwire::codec::nasdaq
