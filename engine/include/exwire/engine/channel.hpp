#pragma once
// The state one session shares between its shard thread and the application: two byte
// rings and a few flags. Users never touch it directly: the shard side sees it through
// session_context (session.hpp), the application through session_handle
// (session_handle.hpp) and dispatcher (dispatcher.hpp).
//
// Threads and ownership:
//   inbound ring   producer: the shard thread; consumer: whoever holds the consumer mode
//                  (the application thread pulling, or the one dispatcher serving it)
//   outbound ring  producer: one application thread; consumer: the shard thread
//   lifecycle, active, close_reason: written by the shard thread, read by anyone
//   close_requested: written by the application, read by the shard
//   mode, dispatch_busy: the consumer-mode handshake (see dispatcher.hpp)

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include <exwire/core/byte_ring.hpp>
#include <exwire/core/cache.hpp>
#include <exwire/engine/config.hpp>
#include <exwire/engine/counters.hpp>
#include <exwire/engine/records.hpp>

namespace exwire::engine {

class session;
class session_handle;
class latency_probe;

/// A push-mode handler: called on the dispatching thread for every inbound record. The
/// record's bytes live until the handler returns.
using record_handler = std::function<void(session_handle, const inbound_record&)>;

namespace detail {

enum class lifecycle : std::uint8_t {
    created,   ///< not started yet
    running,   ///< the shard steps it
    stopped,   ///< the session stopped; its final `closed` record may still be pending
    finished,  ///< the final record is in the ring (or was dropped): end of queue once drained
};

enum class consumer_mode : std::uint8_t { pull, dispatching, paused };

class session_channel {
  public:
    /// Allocates both rings (sizes from the configuration). Cold path; throws on bad sizes.
    session_channel(const session_config& config, session_counters counters);
    ~session_channel();
    session_channel(const session_channel&) = delete;
    session_channel& operator=(const session_channel&) = delete;

    const session_config config;
    byte_ring inbound;
    byte_ring outbound;

    // Written rarely; read by both sides.
    alignas(cache_line_size) std::atomic<lifecycle> state{lifecycle::created};
    std::atomic<bool> active{false};
    std::atomic<bool> close_requested{false};
    std::atomic<std::uint32_t> reason{0};  ///< close_reason once stopped
    std::atomic<bool> final_record_dropped{false};

    // Consumer side (application or dispatcher).
    alignas(cache_line_size) std::atomic<consumer_mode> mode{consumer_mode::pull};
    std::atomic<std::uint32_t> dispatch_busy{0};  ///< dispatchers inside drain() now
    std::atomic<const void*> dispatcher_owner{nullptr};
    record_handler handler;
    bool pull_pending_release = false;

    // Shard side only.
    alignas(cache_line_size) std::unique_ptr<session> impl;
    const void* shard_owner = nullptr;  ///< the shard it was added to (set once, cold path)
    session_counters counters;
    bool close_forwarded = false;
    bool finish_requested = false;
    close_reason finish_reason = close_reason::requested;
    std::uint32_t finish_text_length = 0;
    char finish_text[120] = {};
    // Latency probe (latency_probe.hpp): set before start, null unless attached.
    latency_probe* probe = nullptr;
    std::uint64_t receive_tsc = 0;  ///< stamp of the current read; message records' value
};

}  // namespace detail

}  // namespace exwire::engine
