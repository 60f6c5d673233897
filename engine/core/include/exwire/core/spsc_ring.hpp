#pragma once
// spsc_ring<T>: a bounded single-producer/single-consumer queue of fixed slots.
//
// Threads: exactly one producer thread calls the try_push* family, exactly one consumer
// thread calls try_pop*/front/pop; size()/empty() may be called from either as a hint.
// Memory: slots are allocated once in the constructor (capacity must be a power of two);
// nothing allocates afterwards. Errors: try_* return false when full (push) or empty (pop).
//
// Each side keeps its own index on its own cache line together with a cached copy of the
// other side's index, so in steady state a push or pop touches the other side's line only
// when the cached value says the ring looks full or empty.
//
// The consumer hands freed slots back in batches: it publishes its index after every
// capacity/8 pops (every pop below a capacity of 16), whenever it finds the ring empty, and
// on flush(). A producer running ahead of the consumer then reloads that index once per
// batch instead of once per element, and the index's cache line stops moving between the
// cores on every pop. A consumer that keeps polling always hands back everything it popped;
// one that stops part-way through a backlog should call flush().

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <exwire/core/bytes.hpp>
#include <exwire/core/cache.hpp>

namespace exwire {

template <typename T>
class spsc_ring {
    static_assert(std::is_nothrow_destructible_v<T>,
                  "spsc_ring<T> requires T to be nothrow destructible");
    static_assert(std::is_nothrow_move_assignable_v<T> || std::is_nothrow_copy_assignable_v<T>,
                  "spsc_ring<T>::try_pop moves T out and must not throw");

  public:
    using value_type = T;

    /// Capacity must be a power of two, at least 2; throws std::invalid_argument otherwise.
    explicit spsc_ring(std::size_t capacity)
        : mask_(check_capacity(capacity) - 1),
          slots_(
              static_cast<T*>(::operator new (capacity * sizeof(T), std::align_val_t{alignment}))) {
    }

    ~spsc_ring() {
        std::uint64_t r = read_local_.load(std::memory_order_relaxed);  // read_ may lag a batch
        const std::uint64_t w = write_.load(std::memory_order_relaxed);
        for (; r != w; ++r)
            slots_[r & mask_].~T();
        ::operator delete (slots_, std::align_val_t{alignment});
    }

    spsc_ring(const spsc_ring&) = delete;
    spsc_ring& operator=(const spsc_ring&) = delete;

    /// Constructs an element in place. Producer only.
    template <typename... Args>
    [[nodiscard]] bool try_emplace(Args&&... args) noexcept(
        std::is_nothrow_constructible_v<T, Args...>) {
        static_assert(std::is_constructible_v<T, Args...>);
        const std::uint64_t w = write_local_;
        if (w - cached_read_ > mask_) {
            cached_read_ = read_.load(std::memory_order_acquire);
            if (w - cached_read_ > mask_) return false;
        }
        ::new (static_cast<void*>(&slots_[w & mask_])) T(std::forward<Args>(args)...);
        write_local_ = w + 1;
        write_.store(w + 1, std::memory_order_release);
        return true;
    }

    [[nodiscard]] bool try_push(const T& v) noexcept(std::is_nothrow_copy_constructible_v<T>) {
        return try_emplace(v);
    }
    [[nodiscard]] bool try_push(T&& v) noexcept(std::is_nothrow_move_constructible_v<T>) {
        return try_emplace(std::move(v));
    }

    /// Copies as many of `items` as fit, publishing them with one release store.
    /// Returns how many were pushed (0 when full). Producer only.
    [[nodiscard]] std::size_t try_push_batch(std::span<const T> items) noexcept(
        std::is_nothrow_copy_constructible_v<T>) {
        const std::uint64_t w = write_local_;
        std::uint64_t free_slots = capacity() - (w - cached_read_);
        if (free_slots < items.size()) {
            cached_read_ = read_.load(std::memory_order_acquire);
            free_slots = capacity() - (w - cached_read_);
        }
        const std::size_t n = items.size() < free_slots ? items.size() : free_slots;
        for (std::size_t i = 0; i < n; ++i)
            ::new (static_cast<void*>(&slots_[(w + i) & mask_])) T(items[i]);
        if (n != 0) {
            write_local_ = w + n;
            write_.store(w + n, std::memory_order_release);
        }
        return n;
    }

    /// The oldest element, or nullptr when empty. Consumer only; valid until pop().
    [[nodiscard]] T* front() noexcept {
        const std::uint64_t r = read_local_.load(std::memory_order_relaxed);
        if (r == cached_write_) {
            cached_write_ = write_.load(std::memory_order_acquire);
            if (r == cached_write_) {
                if (published_read_ != r) publish_read(r);  // drained: hand every slot back
                return nullptr;
            }
        }
        return &slots_[r & mask_];
    }

    /// Destroys the element front() returned. Consumer only; front() must have been non-null.
    void pop() noexcept {
        const std::uint64_t r = read_local_.load(std::memory_order_relaxed);
        slots_[r & mask_].~T();
        read_local_.store(r + 1, std::memory_order_relaxed);
        if (r + 1 - published_read_ >= release_batch_) publish_read(r + 1);
    }

    /// Hands every popped slot back to the producer now. Consumer only.
    void flush() noexcept {
        if (const auto rl = read_local_.load(std::memory_order_relaxed); published_read_ != rl)
            publish_read(rl);
    }

    /// Moves the oldest element into `out`. Consumer only.
    [[nodiscard]] bool try_pop(T& out) noexcept {
        T* p = front();
        if (p == nullptr) return false;
        out = std::move(*p);
        pop();
        return true;
    }

    /// Moves up to out.size() elements into `out`, releasing them with one store.
    /// Returns how many were popped. Consumer only.
    [[nodiscard]] std::size_t try_pop_batch(std::span<T> out) noexcept {
        const std::uint64_t r = read_local_.load(std::memory_order_relaxed);
        std::uint64_t avail = cached_write_ - r;
        if (avail < out.size()) {
            cached_write_ = write_.load(std::memory_order_acquire);
            avail = cached_write_ - r;
        }
        const std::size_t n = out.size() < avail ? out.size() : avail;
        for (std::size_t i = 0; i < n; ++i) {
            T& slot = slots_[(r + i) & mask_];
            out[i] = std::move(slot);
            slot.~T();
        }
        if (n != 0) read_local_.store(r + n, std::memory_order_relaxed);
        if (const auto rl = read_local_.load(std::memory_order_relaxed); published_read_ != rl)
            publish_read(rl);
        return n;
    }

    /// Number of elements; exact only when both sides are quiet. (It counts the consumer's
    /// own position, not the one it has handed back to the producer yet.)
    [[nodiscard]] std::size_t size() const noexcept {
        const std::uint64_t r = read_local_.load(std::memory_order_acquire);
        const std::uint64_t w = write_.load(std::memory_order_acquire);
        return static_cast<std::size_t>(w - r);
    }
    [[nodiscard]] bool empty() const noexcept { return size() == 0; }
    [[nodiscard]] std::size_t capacity() const noexcept { return mask_ + 1; }

  private:
    static constexpr std::size_t alignment = alignof(T) > cache_line_size ? alignof(T)
                                                                          : cache_line_size;

    void publish_read(std::uint64_t r) noexcept {
        published_read_ = r;
        read_.store(r, std::memory_order_release);
    }

    static std::size_t check_capacity(std::size_t capacity) {
        if (capacity < 2 || !is_power_of_two(capacity))
            throw std::invalid_argument("spsc_ring capacity must be a power of two >= 2");
        return capacity;
    }

    // Each side's private state (its own index and its cached view of the other's) sits on
    // a line the other side never reads; the published indexes sit on lines of their own.
    // A side polling the other's published index then never disturbs the other's private
    // state, and a published index moves between cores only when it changes.
    alignas(cache_line_size) std::atomic<std::uint64_t> write_{0};  // published by the producer
    alignas(cache_line_size) std::atomic<std::uint64_t> read_{0};   // published by the consumer
    alignas(cache_line_size) std::uint64_t write_local_ = 0;        // producer only
    std::uint64_t cached_read_ = 0;
    // consumer's position: written by the consumer only, read elsewhere only by size()
    alignas(cache_line_size) std::atomic<std::uint64_t> read_local_{0};
    std::uint64_t cached_write_ = 0;
    std::uint64_t published_read_ = 0;  // last value stored to read_
    // Read-only after construction.
    alignas(cache_line_size) const std::uint64_t mask_;
    const std::uint64_t release_batch_ = (mask_ + 1) >= 16 ? (mask_ + 1) / 8 : 1;
    T* const slots_;
};

}  // namespace exwire
