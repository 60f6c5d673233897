#pragma once
// A variable-length single-producer/single-consumer byte ring for frames.
//
// Layout of the memory it runs over (supplied by the caller: heap, huge pages, or a
// shared-memory file mapped by two processes):
//
//   [control block: 384 bytes][data: capacity bytes, a power of two]
//
// The control block holds the format (magic, capacity, version), the producer's tail index
// and the consumer's head index, each in its own 128-byte block, so the two sides never
// write into the same pair of cache lines (x86 prefetches lines in adjacent pairs).
//
// Records are an 8-byte header {u32 length, u32 type} followed by `length` payload bytes,
// padded to 8. A record that would straddle the end of the data area is preceded by a
// padding record that fills the rest; so every record is contiguous. The largest payload is
// capacity/2 - 8 bytes, which always fits once the ring drains.
//
// Threads: one producer (claim/commit/try_write) and one consumer (peek/release/read), in
// the same or in different processes. Each side keeps private cached copies of the other
// side's index in its handle, never in the shared block, so a handle is owned by one thread.
// Hot path: noexcept, no allocation, no syscall.
//
// Publication: the producer writes header and payload, then stores the tail index with
// one release store; the consumer loads it with acquire, only when its cached copy says the
// ring looks empty. The consumer hands space back by storing the head index with release,
// lazily (every capacity/8 bytes, or when it finds the ring empty: see release()); the
// producer loads it with acquire only when its cached copy says the ring
// looks full. So in steady state each side's index line crosses to the other core once per
// batch, not once per record.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include <exwire/core/bytes.hpp>
#include <exwire/core/cache.hpp>
#include <exwire/core/result.hpp>

namespace exwire {

namespace byte_ring_detail {

inline constexpr std::uint64_t magic = 0x45585752'42524e47ULL;  // "EXWRBRNG"
inline constexpr std::uint32_t version = 2;                     // 2: 384-byte control block

/// Distance that keeps the producer's and the consumer's fields from sharing cache lines,
/// including the pair of lines the adjacent-line prefetcher of x86 cores fetches together.
inline constexpr std::size_t false_sharing_range = 2 * cache_line_size;

// The indexes sit false_sharing_range bytes apart by explicit padding rather than alignas,
// so the block needs only cache-line alignment (what attach() checks), not 128 bytes.
struct alignas(cache_line_size) control_block {
    std::uint64_t magic;
    std::uint64_t capacity;
    std::uint32_t version;
    std::byte pad0[false_sharing_range - 20];
    std::atomic<std::uint64_t> tail;  // written by the producer, at false_sharing_range
    std::byte pad1[false_sharing_range - 8];
    std::atomic<std::uint64_t> head;  // written by the consumer, at 2 * false_sharing_range
    std::byte pad2[false_sharing_range - 8];
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
              "the byte ring needs lock-free 64-bit atomics to work across processes");
static_assert(sizeof(control_block) == 3 * false_sharing_range);

struct record_header {
    std::uint32_t length;
    std::uint32_t type;
};
static_assert(sizeof(record_header) == 8);

}  // namespace byte_ring_detail

/// Record type reserved for the ring's own padding; applications use any other value.
inline constexpr std::uint32_t byte_ring_padding_type = 0xFFFF'FFFFu;
/// Bytes of control block in front of the data area.
inline constexpr std::size_t byte_ring_control_size = sizeof(byte_ring_detail::control_block);
/// Record header size and alignment.
inline constexpr std::size_t byte_ring_record_header_size = 8;
inline constexpr std::size_t byte_ring_alignment = 8;

/// Bytes of memory a ring of `capacity` data bytes needs.
[[nodiscard]] constexpr std::size_t byte_ring_memory_size(std::size_t capacity) noexcept {
    return byte_ring_control_size + capacity;
}

/// Formats `memory` as an empty ring using the largest power-of-two data area that fits.
/// `memory` must be aligned to a cache line and hold at least control + 64 bytes.
/// Cold path; call once before any producer or consumer attaches.
[[nodiscard]] result<void> byte_ring_initialize(mutable_bytes memory);

/// What try_write reports.
enum class [[nodiscard]] ring_status : std::uint8_t{ok, full, too_large};

/// The producer's handle. One thread.
class alignas(cache_line_size) byte_ring_producer {
  public:
    byte_ring_producer() = default;
    /// Attaches to memory formatted by byte_ring_initialize (checks magic, version, size).
    [[nodiscard]] static result<byte_ring_producer> attach(mutable_bytes memory);

    /// Reserves a record of `length` payload bytes. Returns the payload to write into, or an
    /// empty span (data() == nullptr) when the ring is full or the length is above
    /// max_payload(). Nothing is visible to the consumer until commit().
    [[nodiscard]] mutable_bytes claim(std::size_t length, std::uint32_t type) noexcept {
        const std::size_t rec =
            align_up(byte_ring_record_header_size + length, byte_ring_alignment);
        if (length > max_payload_) return {};
        std::uint64_t t = tail_;
        std::size_t off = static_cast<std::size_t>(t & mask_);
        const std::size_t to_end = capacity_ - off;
        const std::size_t need = rec <= to_end ? rec : to_end + rec;
        if (capacity_ - (t - cached_head_) < need) {
            cached_head_ = control_->head.load(std::memory_order_acquire);
            if (capacity_ - (t - cached_head_) < need) return {};
        }
        if (rec > to_end) {
            write_header(off, static_cast<std::uint32_t>(to_end - byte_ring_record_header_size),
                         byte_ring_padding_type);
            t += to_end;
            off = 0;
        }
        write_header(off, static_cast<std::uint32_t>(length), type);
        claim_start_ = t;
        claim_offset_ = off;
        pending_tail_ = t + rec;
        return {data_ + off + byte_ring_record_header_size, length};
    }

    /// Publishes the record of the last claim().
    void commit() noexcept {
        tail_ = pending_tail_;
        control_->tail.store(tail_, std::memory_order_release);
    }

    /// Publishes the last claim() with a shorter payload of `length` bytes (<= claimed).
    void commit(std::size_t length) noexcept {
        std::uint32_t len32 = static_cast<std::uint32_t>(length);
        std::memcpy(data_ + claim_offset_, &len32, sizeof len32);
        pending_tail_ =
            claim_start_ + align_up(byte_ring_record_header_size + length, byte_ring_alignment);
        commit();
    }

    /// Drops the last claim(); nothing becomes visible.
    void abort() noexcept { pending_tail_ = tail_; }

    /// Copies `payload` into one record and publishes it.
    [[nodiscard]] ring_status try_write(std::uint32_t type, bytes payload) noexcept {
        if (payload.size() > max_payload_) return ring_status::too_large;
        mutable_bytes dst = claim(payload.size(), type);
        if (dst.data() == nullptr) return ring_status::full;
        if (!payload.empty()) std::memcpy(dst.data(), payload.data(), payload.size());
        commit();
        return ring_status::ok;
    }

    [[nodiscard]] std::size_t max_payload() const noexcept { return max_payload_; }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

  private:
    void write_header(std::size_t off, std::uint32_t length, std::uint32_t type) noexcept {
        const byte_ring_detail::record_header h{length, type};
        std::memcpy(data_ + off, &h, sizeof h);
    }

    byte_ring_detail::control_block* control_ = nullptr;
    std::byte* data_ = nullptr;
    std::size_t capacity_ = 0;
    std::uint64_t mask_ = 0;
    std::size_t max_payload_ = 0;
    std::uint64_t tail_ = 0;
    std::uint64_t cached_head_ = 0;
    std::uint64_t pending_tail_ = 0;
    std::uint64_t claim_start_ = 0;
    std::size_t claim_offset_ = 0;
};

/// A record as the consumer sees it; payload lives until release().
struct ring_record {
    std::uint32_t type = 0;
    bytes payload;
    [[nodiscard]] bool valid() const noexcept { return payload.data() != nullptr; }
};

/// The consumer's handle. One thread.
class alignas(cache_line_size) byte_ring_consumer {
  public:
    byte_ring_consumer() = default;
    [[nodiscard]] static result<byte_ring_consumer> attach(mutable_bytes memory);

    /// The oldest committed record, or an invalid record when the ring is empty.
    /// Calling peek() again without release() returns the same record.
    [[nodiscard]] ring_record peek() noexcept {
        if (head_ == cached_tail_) {
            cached_tail_ = control_->tail.load(std::memory_order_acquire);
            if (head_ == cached_tail_) {
                flush();  // drained: hand every released byte back
                return {};
            }
        }
        std::uint64_t h = head_;
        byte_ring_detail::record_header hdr = read_header(h);
        if (hdr.type == byte_ring_padding_type) [[unlikely]] {
            // A padding record is always committed together with the record after it.
            h += byte_ring_record_header_size + hdr.length;
            hdr = read_header(h);
        }
        pending_head_ =
            h + align_up(byte_ring_record_header_size + hdr.length, byte_ring_alignment);
        return {hdr.type, bytes{data_ + (h & mask_) + byte_ring_record_header_size, hdr.length}};
    }

    /// Frees the record returned by the last peek(); its payload must no longer be used.
    ///
    /// The freed space reaches the producer lazily: the head index is stored only once
    /// release_batch() bytes have been freed since the last store, or when peek() or empty()
    /// finds the ring empty. So a consumer that keeps polling always hands space back to a
    /// producer waiting for it; one that stops part-way through a backlog may call flush()
    /// to hand back what it freed so far.
    void release() noexcept {
        head_ = pending_head_;
        if (head_ - published_head_ >= release_batch_) publish();
    }

    /// Makes every released byte visible to the producer now.
    void flush() noexcept {
        if (head_ != published_head_) publish();
    }

    /// Bytes release() may free before it stores the head index (capacity / 8).
    [[nodiscard]] std::size_t release_batch() const noexcept { return release_batch_; }

    /// Calls handler(const ring_record&) for up to `limit` committed records, then frees them
    /// all with one store. Returns the number handled.
    template <typename Handler>
    std::size_t read(Handler&& handler, std::size_t limit = SIZE_MAX) noexcept(
        noexcept(handler(std::declval<const ring_record&>()))) {
        const std::uint64_t tail = control_->tail.load(std::memory_order_acquire);
        cached_tail_ = tail;
        std::uint64_t h = head_;
        std::size_t n = 0;
        while (h != tail && n < limit) {
            byte_ring_detail::record_header hdr = read_header(h);
            if (hdr.type != byte_ring_padding_type) {
                const ring_record rec{
                    hdr.type,
                    bytes{data_ + (h & mask_) + byte_ring_record_header_size, hdr.length}};
                handler(rec);
                ++n;
            }
            h += align_up(byte_ring_record_header_size + hdr.length, byte_ring_alignment);
        }
        head_ = h;
        flush();
        return n;
    }

    /// True when no committed record is waiting (refreshes the cached tail; when empty, hands
    /// every released byte back like peek()).
    [[nodiscard]] bool empty() noexcept {
        cached_tail_ = control_->tail.load(std::memory_order_acquire);
        if (head_ != cached_tail_) return false;
        flush();
        return true;
    }
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

  private:
    void publish() noexcept {
        published_head_ = head_;
        control_->head.store(head_, std::memory_order_release);
    }

    byte_ring_detail::record_header read_header(std::uint64_t pos) const noexcept {
        byte_ring_detail::record_header h;
        std::memcpy(&h, data_ + (pos & mask_), sizeof h);
        return h;
    }

    byte_ring_detail::control_block* control_ = nullptr;
    std::byte* data_ = nullptr;
    std::size_t capacity_ = 0;
    std::uint64_t mask_ = 0;
    std::uint64_t head_ = 0;
    std::uint64_t cached_tail_ = 0;
    std::uint64_t pending_head_ = 0;
    std::uint64_t published_head_ = 0;
    std::uint64_t release_batch_ = 0;
};

/// A ring that owns its (heap) memory, with both handles. For rings inside one process.
class byte_ring {
  public:
    /// `capacity` data bytes, a power of two >= 64; throws std::invalid_argument otherwise.
    explicit byte_ring(std::size_t capacity);

    [[nodiscard]] byte_ring_producer& producer() noexcept { return producer_; }
    [[nodiscard]] byte_ring_consumer& consumer() noexcept { return consumer_; }

  private:
    struct free_aligned {
        void operator()(std::byte* p) const noexcept {
            ::operator delete (p, std::align_val_t{byte_ring_detail::false_sharing_range});
        }
    };
    std::unique_ptr<std::byte, free_aligned> memory_;
    // 128 bytes apart, so the adjacent-line prefetcher never pairs the two handles' lines.
    alignas(byte_ring_detail::false_sharing_range) byte_ring_producer producer_;
    alignas(byte_ring_detail::false_sharing_range) byte_ring_consumer consumer_;
};

}  // namespace exwire
