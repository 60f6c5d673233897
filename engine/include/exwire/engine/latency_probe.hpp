#pragma once
// latency_probe: an optional measurement hook on one session, off unless attached. It lets
// a benchmark (exwire bench) see two instants inside the shard that the application cannot
// observe itself:
//
//   receive  the TSC (tsc_clock::now()) when the session took the datagram or TCP segment
//            from its transport. With a probe attached, every message record the session
//            delivers carries it in the record's `value` field (inbound_record::value; 0
//            otherwise). A message delivered later from a held buffer keeps the stamp of
//            the read that completed the last packet before it (the stamp is per read).
//   sent     the TSC right after the session handed an application frame to the transport
//            (transport send accepted it, or queued it behind earlier bytes). One stamp per
//            outbound frame, in the order the application committed them, pushed into this
//            probe's ring; the application pops them with next_sent().
//
// Attach with session_handle::attach_probe() before engine::start(); the probe must outlive
// the engine. Without one the sessions pay a null-pointer test per read and per sent frame.
// Sessions that stamp: the SoupBinTCP/OUCH client (receive and sent) and the MoldUDP64/ITCH
// receiver (receive).
//
// Threads: the shard thread pushes (on_sent), one application thread pops (next_sent). When
// the ring is full a stamp is dropped and counted (dropped()); the pairing of later stamps
// with frames is then lost, which the reader detects by the count.

#include <atomic>
#include <cstddef>
#include <cstdint>

#include <exwire/core/spsc_ring.hpp>

namespace exwire::engine {

class latency_probe {
  public:
    /// `capacity`: sent stamps held until popped; a power of two (throws otherwise).
    explicit latency_probe(std::size_t capacity = 1u << 16) : sent_(capacity) {}

    /// Shard thread: a frame was handed to the transport at `tsc`.
    void on_sent(std::uint64_t tsc) noexcept {
        if (!sent_.try_push(tsc)) dropped_.fetch_add(1, std::memory_order_relaxed);
    }
    /// Application thread: the next send stamp, in frame order; false when none is there.
    [[nodiscard]] bool next_sent(std::uint64_t& tsc) noexcept { return sent_.try_pop(tsc); }
    /// Send stamps lost because the ring was full.
    [[nodiscard]] std::uint64_t dropped() const noexcept {
        return dropped_.load(std::memory_order_relaxed);
    }

  private:
    spsc_ring<std::uint64_t> sent_;
    std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace exwire::engine
