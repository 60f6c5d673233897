#include <exwire/core/byte_ring.hpp>

#include <algorithm>
#include <bit>
#include <new>
#include <stdexcept>

#include <fmt/format.h>

namespace exwire {

using byte_ring_detail::control_block;

result<void> byte_ring_initialize(mutable_bytes memory) {
    if (reinterpret_cast<std::uintptr_t>(memory.data()) % cache_line_size != 0)
        return fail("byte ring memory must be aligned to a cache line");
    if (memory.size() < byte_ring_control_size + 64)
        return fail(fmt::format("byte ring memory of {} bytes is too small (needs at least {})",
                                memory.size(), byte_ring_control_size + 64));
    const std::size_t capacity = std::bit_floor(memory.size() - byte_ring_control_size);
    auto* c = ::new (static_cast<void*>(memory.data())) control_block{};
    c->capacity = capacity;
    c->version = byte_ring_detail::version;
    c->tail.store(0, std::memory_order_relaxed);
    c->head.store(0, std::memory_order_relaxed);
    // The magic goes last so an attacher never sees a half-formatted block as valid.
    std::atomic_ref<std::uint64_t>(c->magic).store(byte_ring_detail::magic,
                                                   std::memory_order_release);
    return {};
}

namespace {

result<control_block*> check(mutable_bytes memory) {
    if (memory.size() < byte_ring_control_size + 64 ||
        reinterpret_cast<std::uintptr_t>(memory.data()) % cache_line_size != 0)
        return fail("byte ring memory is too small or misaligned");
    auto* c = std::launder(reinterpret_cast<control_block*>(memory.data()));
    if (std::atomic_ref<std::uint64_t>(c->magic).load(std::memory_order_acquire) !=
        byte_ring_detail::magic)
        return fail("memory does not hold a byte ring (bad magic; was it initialised?)");
    if (c->version != byte_ring_detail::version)
        return fail(fmt::format("byte ring version {} is not supported (expected {})", c->version,
                                byte_ring_detail::version));
    if (!is_power_of_two(c->capacity) || c->capacity + byte_ring_control_size > memory.size())
        return fail(fmt::format("byte ring capacity {} does not fit its {} bytes of memory",
                                c->capacity, memory.size()));
    return c;
}

}  // namespace

result<byte_ring_producer> byte_ring_producer::attach(mutable_bytes memory) {
    auto c = check(memory);
    if (!c) return std::move(c).err();
    byte_ring_producer p;
    p.control_ = *c;
    p.data_ = memory.data() + byte_ring_control_size;
    p.capacity_ = (*c)->capacity;
    p.mask_ = p.capacity_ - 1;
    // Half the ring, and never a length the 32-bit header field cannot carry.
    p.max_payload_ =
        std::min<std::size_t>(p.capacity_ / 2 - byte_ring_record_header_size, 0xFFFF'FFF8u);
    p.tail_ = (*c)->tail.load(std::memory_order_acquire);
    p.cached_head_ = (*c)->head.load(std::memory_order_acquire);
    p.pending_tail_ = p.tail_;
    return p;
}

result<byte_ring_consumer> byte_ring_consumer::attach(mutable_bytes memory) {
    auto c = check(memory);
    if (!c) return std::move(c).err();
    byte_ring_consumer k;
    k.control_ = *c;
    k.data_ = memory.data() + byte_ring_control_size;
    k.capacity_ = (*c)->capacity;
    k.mask_ = k.capacity_ - 1;
    k.head_ = (*c)->head.load(std::memory_order_acquire);
    k.cached_tail_ = k.head_;
    k.pending_head_ = k.head_;
    k.published_head_ = k.head_;
    k.release_batch_ = k.capacity_ / 8;
    return k;
}

byte_ring::byte_ring(std::size_t capacity) {
    if (capacity < 64 || !is_power_of_two(capacity))
        throw std::invalid_argument("byte_ring capacity must be a power of two >= 64");
    const std::size_t size = byte_ring_memory_size(capacity);
    memory_.reset(static_cast<std::byte*>(
        ::operator new (size, std::align_val_t{byte_ring_detail::false_sharing_range})));
    const mutable_bytes mem{memory_.get(), size};
    if (auto r = byte_ring_initialize(mem); !r) throw std::invalid_argument(r.err().message);
    producer_ = std::move(byte_ring_producer::attach(mem).value());
    consumer_ = std::move(byte_ring_consumer::attach(mem).value());
}

}  // namespace exwire
