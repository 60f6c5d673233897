#pragma once
// Where the Nasdaq sessions keep sequenced messages: the journal sink of a SoupBinTCP client
// (every Sequenced Data packet it receives), and the store a SoupBinTCP server rehydrates
// clients from and a MoldUDP64 publisher answers retransmission requests from.
//
// sequenced_store is the small interface the sessions need; the journal module will provide
// an implementation backed by its files. memory_store keeps everything in memory (tests, and
// sessions configured without a journal).
//
// Sequence numbers start at 1 and are dense: append() takes exactly next_sequence().
// Threads: one thread (the session's shard) uses a store. Bytes returned by read() live
// until the next append() (memory_store: until the store is cleared or destroyed).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include <exwire/core/bytes.hpp>

namespace exwire::engine::nasdaq {

enum class [[nodiscard]] store_status : std::uint8_t{
    ok,
    out_of_order,  ///< append()ed sequence is not next_sequence()
    failed,        ///< the backing journal could not record it
};

class sequenced_store {
  public:
    sequenced_store() = default;
    sequenced_store(const sequenced_store&) = delete;
    sequenced_store& operator=(const sequenced_store&) = delete;
    virtual ~sequenced_store() = default;

    /// The sequence number the next append() must carry (1 for an empty store).
    [[nodiscard]] virtual std::uint64_t next_sequence() const noexcept = 0;
    /// Records message `sequence`. Hot path: no allocation beyond the store's own growth.
    virtual store_status append(std::uint64_t sequence, bytes message) noexcept = 0;
    /// The message with `sequence`, or an empty span with a null data() when it is not held.
    [[nodiscard]] virtual bytes read(std::uint64_t sequence) const noexcept = 0;
};

/// A sequenced_store in memory. Grows by doubling (amortised; reserve() up front to keep
/// the hot path allocation-free). Can start at a later first sequence (a session joined late).
class memory_store final : public sequenced_store {
  public:
    explicit memory_store(std::uint64_t first_sequence = 1) : first_(first_sequence) {
        offsets_.push_back(0);
    }
    void reserve(std::size_t messages, std::size_t bytes_total) {
        offsets_.reserve(messages + 1);
        data_.reserve(bytes_total);
    }

    [[nodiscard]] std::uint64_t next_sequence() const noexcept override {
        return first_ + offsets_.size() - 1;
    }
    store_status append(std::uint64_t sequence, bytes message) noexcept override {
        if (sequence != next_sequence()) return store_status::out_of_order;
        try {
            const std::size_t at = data_.size();
            data_.resize(at + message.size());
            if (!message.empty()) std::memcpy(data_.data() + at, message.data(), message.size());
            offsets_.push_back(data_.size());
        } catch (...) {
            return store_status::failed;
        }
        return store_status::ok;
    }
    [[nodiscard]] bytes read(std::uint64_t sequence) const noexcept override {
        if (sequence < first_ || sequence >= next_sequence()) return {};
        const std::size_t i = sequence - first_;
        const std::size_t begin = offsets_[i];
        // A non-null pointer even for an empty message, so "held" and "absent" differ.
        return bytes(data_.data() == nullptr ? &empty_ : data_.data() + begin,
                     offsets_[i + 1] - begin);
    }
    [[nodiscard]] std::uint64_t first_sequence() const noexcept { return first_; }

  private:
    std::uint64_t first_;
    std::vector<std::size_t> offsets_;
    std::vector<std::byte> data_;
    std::byte empty_{};
};

}  // namespace exwire::engine::nasdaq
