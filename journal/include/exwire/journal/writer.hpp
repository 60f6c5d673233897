#pragma once
// The journal writer: appends records to memory-mapped segment files.
//
// One writer per journal directory, used by one thread (the session's). A background
// helper thread owned by the writer preallocates and pre-faults the next segment,
// unmaps retired ones, maintains the sequence index, runs periodic msync and retention,
// so the appending thread takes no page fault and makes no system call in steady state.
//
// Hot path: claim()/commit() and append() are noexcept, allocate nothing and return an
// append_status. Anything other than `ok` means the record was NOT journaled: the owner
// must stop sending (a full disk, a failed preallocation, a mapping failure). The journal
// stays consistent: everything committed before remains readable and verifies clean.
// Cold path: open() recovers the journal and returns exwire::result with a message.

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <exwire/core/bytes.hpp>
#include <exwire/core/mapped_file.hpp>
#include <exwire/core/result.hpp>
#include <exwire/journal/config.hpp>
#include <exwire/journal/format.hpp>

namespace exwire::journal {

enum class append_status : std::uint8_t {
    ok,
    too_large,  ///< payload above max_payload(), or commit() beyond the claimed size
    no_space,   ///< the next segment could not be allocated: disk full or file size limit
    io_error,   ///< creating or mapping the next segment failed otherwise (last_error())
    not_ready,  ///< the helper did not deliver the next segment within roll_timeout
    no_claim,   ///< commit() without a claim()
};

[[nodiscard]] const char* to_string(append_status s) noexcept;

/// What open() found and did.
struct recovery_report {
    std::uint64_t segment = 0;          ///< segment the writer continues in
    std::uint64_t end_position = 0;     ///< global position of the next record
    std::uint64_t records_scanned = 0;  ///< committed records found in that segment
    bool created = false;               ///< the journal was new
    bool torn_tail = false;             ///< a torn or corrupt tail was discarded
    std::uint64_t discarded_position = 0;
    std::uint64_t discarded_bytes = 0;  ///< non-zero bytes cleared after the committed end
    std::string discard_reason;         ///< "bad record length", "checksum mismatch"
    std::size_t removed_segments = 0;   ///< preallocated segments never written, removed
    bool index_rebuilt[2] = {false, false};
};

class writer {
  public:
    /// Opens (creating if needed) the journal in `dir`: recovers the committed end,
    /// discards a torn tail, rebuilds or catches up the index, starts the helper thread.
    /// An existing journal keeps its segment size whatever `cfg.segment_size` says.
    [[nodiscard]] static result<std::unique_ptr<writer>> open(const std::string& dir,
                                                              const config& cfg);

    writer(const writer&) = delete;
    writer& operator=(const writer&) = delete;
    /// Stops the helper (final index catch-up; msync unless durability is none).
    ~writer();

    /// Reserves room for a payload of up to `max_len` bytes and returns it in `out`; write
    /// the frame there, then commit(). Nothing is visible before commit().
    [[nodiscard]] append_status claim(std::size_t max_len, mutable_bytes& out) noexcept;
    /// Publishes the claimed record with `len` (<= claimed) payload bytes. Claimed bytes
    /// beyond the committed record are cleared, so claim close to the real size.
    [[nodiscard]] append_status commit(std::size_t len, const record_meta& meta) noexcept;
    /// Drops a claim; nothing becomes visible (the claimed bytes are cleared).
    void abandon() noexcept;
    /// Copies `payload` into a new record (claim + memcpy + commit). Inline for the common
    /// case (no claim open, the record fits in the current segment); rolls out of line.
    [[nodiscard]] append_status append(const record_meta& meta, bytes payload) noexcept {
        const std::size_t n = payload.size();
        const std::size_t next = pos_ + record_span(n);
        if (claimed_ != no_claim_ || n > max_payload_ || next > seg_size_) [[unlikely]]
            return append_slow(meta, payload);
        std::byte* const p = base_ + pos_;
        // The padding is already zero: the segment is zero beyond the committed end (a larger
        // claim is cleared when it is committed or abandoned).
        if (n != 0) std::memcpy(p + record_header_size, payload.data(), n);
        const auto length = static_cast<std::uint32_t>(record_header_size + n);
        write_header(p, length, meta);
        // Release: the header and payload become visible with the length word.
        std::atomic_ref<std::uint32_t>(*reinterpret_cast<std::uint32_t*>(p))
            .store(length, std::memory_order_release);
        pos_ = next;
        pos_pub_.store(next, std::memory_order_relaxed);  // for the helper's pre-fault
        return append_status::ok;
    }

    /// msync everything committed and not yet synced (MS_SYNC). In `sync` mode call it per
    /// batch before the frames reach the socket. Returns io_error when msync fails.
    [[nodiscard]] append_status flush() noexcept;

    [[nodiscard]] std::uint64_t position() const noexcept { return seg_index_ * seg_size_ + pos_; }
    [[nodiscard]] std::size_t segment_size() const noexcept { return seg_size_; }
    [[nodiscard]] std::size_t max_payload_size() const noexcept { return max_payload_; }
    [[nodiscard]] const recovery_report& recovery() const noexcept { return recovery_; }
    [[nodiscard]] std::uint64_t journal_id() const noexcept { return journal_id_; }
    [[nodiscard]] const std::string& directory() const noexcept { return dir_; }
    /// Message of the last helper failure (preallocation, index, retention); cold path.
    [[nodiscard]] std::string last_error() const;
    /// Global position up to which the index covers the journal (for tests and tools).
    [[nodiscard]] std::uint64_t indexed_upto() const noexcept {
        return indexed_upto_.load(std::memory_order_acquire);
    }

  private:
    /// Writes the record header at `p` except its length word (type, direction, flags and
    /// reserved bytes in one store, sequence, timestamp), then the checksum over it and the
    /// payload already in place. The caller publishes the length word last, with release.
    void write_header(std::byte* p, std::uint32_t length, const record_meta& meta) const noexcept {
        const std::uint64_t word8 =
            std::uint64_t{meta.type} | (std::uint64_t{static_cast<std::uint8_t>(meta.dir)} << 16);
        std::memcpy(p + 8, &word8, 8);
        std::memcpy(p + 16, &meta.sequence, 8);
        std::memcpy(p + 24, &meta.timestamp_ns, 8);
        const std::uint32_t crc = record_checksum(length, p, seed_);
        std::memcpy(p + 4, &crc, 4);
    }

    struct helper_state;
    writer() = default;
    [[nodiscard]] append_status roll() noexcept;
    [[nodiscard]] append_status append_slow(const record_meta& meta, bytes payload) noexcept;
    void helper_loop();
    /// Helper thread: faults the current segment in ahead of the writer; true if it did any.
    bool keep_ahead() noexcept;
    void set_error(const std::string& msg, int code);

    static constexpr std::size_t no_claim_ = ~std::size_t{0};
    enum : int { next_empty = 0, next_ready = 1, next_failed = 2 };

    // Appending thread.
    std::byte* base_ = nullptr;
    std::size_t pos_ = 0;
    std::size_t claimed_ = no_claim_;
    std::uint64_t seg_index_ = 0;
    std::uint32_t seed_ = 0;  ///< checksum seed of the current segment
    std::size_t seg_size_ = 0;
    std::size_t max_payload_ = 0;
    std::size_t synced_pos_ = 0;
    mapped_file cur_;

    // Hand-offs with the helper thread.
    alignas(64) std::atomic<std::byte*> cur_base_{nullptr};
    std::atomic<std::uint64_t> cur_index_{0};
    std::atomic<std::size_t> pos_pub_{0};  ///< pos_, for the helper's pre-fault ahead of it
    alignas(64) std::atomic<int> next_state_{next_empty};
    std::atomic<int> helper_errno_{0};
    mapped_file next_;
    std::atomic<bool> retired_full_{false};
    mapped_file retired_;
    std::atomic<std::uint64_t> indexed_upto_{0};
    std::atomic<bool> stop_{false};
    std::atomic<bool> roll_waiting_{false};

    // Cold.
    std::string dir_;
    config cfg_;
    std::uint64_t journal_id_ = 0;
    recovery_report recovery_;
    mutable std::mutex error_mu_;
    std::string last_error_;
    std::unique_ptr<helper_state> helper_;
    std::thread thread_;
};

}  // namespace exwire::journal
