#pragma once
// A circular byte queue for bytes accepted by send() that the kernel has not taken yet.
// Capacity is a power of two, allocated once. Owned by one thread.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include <exwire/core/bytes.hpp>

namespace exwire::transport::detail {

class send_queue {
  public:
    send_queue() = default;
    explicit send_queue(std::size_t capacity)
        : data_(std::make_unique<std::byte[]>(capacity)), capacity_(capacity) {}

    [[nodiscard]] std::size_t size() const noexcept {
        return static_cast<std::size_t>(tail_ - head_);
    }
    [[nodiscard]] bool empty() const noexcept { return tail_ == head_; }
    [[nodiscard]] std::size_t free() const noexcept { return capacity_ - size(); }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

    /// Appends up to free() bytes; returns how many were taken.
    std::size_t push(bytes b) noexcept {
        const std::size_t n = std::min(b.size(), free());
        const std::size_t at = index(tail_);
        const std::size_t first = std::min(n, capacity_ - at);
        std::memcpy(data_.get() + at, b.data(), first);
        std::memcpy(data_.get(), b.data() + first, n - first);
        tail_ += n;
        return n;
    }

    /// The oldest queued bytes, skipping `offset` of them, up to the wrap point.
    [[nodiscard]] bytes front(std::size_t offset = 0) const noexcept {
        if (offset >= size()) return {};
        const std::size_t at = index(head_ + offset);
        const std::size_t n = std::min(size() - offset, capacity_ - at);
        return {data_.get() + at, n};
    }
    /// The second contiguous part (after the wrap), empty if none.
    [[nodiscard]] bytes second() const noexcept {
        const bytes f = front();
        if (f.size() == size()) return {};
        return {data_.get(), size() - f.size()};
    }

    void consume(std::size_t n) noexcept {
        head_ += n;
        if (head_ == tail_) head_ = tail_ = 0;  // restart at offset 0: fewer wrapped writes
    }
    void clear() noexcept { head_ = tail_ = 0; }

  private:
    [[nodiscard]] std::size_t index(std::uint64_t i) const noexcept {
        return static_cast<std::size_t>(i & (capacity_ - 1));
    }

    std::unique_ptr<std::byte[]> data_;
    std::size_t capacity_ = 0;
    std::uint64_t head_ = 0;
    std::uint64_t tail_ = 0;
};

}  // namespace exwire::transport::detail
