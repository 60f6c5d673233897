#pragma once
// A file mapped shared into memory: the carrier for shared-memory rings, counters and
// anything a second process attaches to. Cold path; errors name the path and errno text.
// Move-only; the mapping is removed (and the descriptor closed) on destruction.

#include <cstddef>
#include <string>

#include <exwire/core/bytes.hpp>
#include <exwire/core/result.hpp>

namespace exwire {

class mapped_file {
  public:
    mapped_file() = default;
    mapped_file(mapped_file&& other) noexcept;
    mapped_file& operator=(mapped_file&& other) noexcept;
    mapped_file(const mapped_file&) = delete;
    mapped_file& operator=(const mapped_file&) = delete;
    ~mapped_file();

    /// Creates (or truncates) `path` at `size` bytes, allocates its blocks (so a full disk
    /// shows here, not later as SIGBUS) and maps it read-write, pre-faulted unless `populate`
    /// is false (the caller faults in what it needs, e.g. ahead of a writer).
    [[nodiscard]] static result<mapped_file> create(const std::string& path, std::size_t size,
                                                    bool populate = true);
    /// Maps an existing file, read-write or read-only, pre-faulted unless `populate` is false.
    [[nodiscard]] static result<mapped_file> open(const std::string& path, bool writable,
                                                  bool populate = true);

    [[nodiscard]] mutable_bytes data() const noexcept { return {base_, size_}; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] const std::string& path() const noexcept { return path_; }

  private:
    std::byte* base_ = nullptr;
    std::size_t size_ = 0;
    int fd_ = -1;
    std::string path_;
};

}  // namespace exwire
