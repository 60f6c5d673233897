#pragma once
// The application's handle on a running session.
//
// Sending (one application thread per session): claim space in the outbound ring, encode
// the message body in place, commit. The shard thread picks it up, frames it, journals it
// and sends it. `tag` travels with the record to the protocol session (e.g. 'U' for a
// SoupBinTCP unsequenced packet); its meaning is the protocol's.
//
// Receiving, pull mode (the application's thread): receive_nowait(), receive(timeout) or
// poll(handler). A record from receive*() stays valid until the next receive*()/poll() on
// this handle. Once the session has stopped and every record (the last is always `closed`)
// has been taken, receive* report end_of_queue. While a dispatcher serves the session,
// pulling reports dispatcher_active: a state error, nothing is consumed.
//
// Receiving, push mode: see dispatcher.hpp. pause_dispatching() returns a guard during
// whose life the dispatcher leaves this session alone (and pulling is allowed).
//
// A handle is a pointer: cheap to copy, valid while the engine that made it lives.
// Hot-path members are noexcept and do not allocate.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <exwire/core/byte_ring.hpp>
#include <exwire/engine/channel.hpp>

namespace exwire::engine {

enum class [[nodiscard]] send_status : std::uint8_t{
    ok,
    full,       ///< the outbound ring has no room now; retry later
    too_large,  ///< larger than the ring can ever hold
    closed,     ///< the session has stopped
};

enum class [[nodiscard]] receive_status : std::uint8_t{
    ok,
    empty,              ///< receive_nowait: nothing yet
    timeout,            ///< receive: nothing within the timeout
    end_of_queue,       ///< the session stopped and everything was taken
    dispatcher_active,  ///< state error: a dispatcher serves this session
};
[[nodiscard]] std::string_view to_string(receive_status s) noexcept;

struct received {
    receive_status status = receive_status::empty;
    inbound_record record;  ///< valid when status == ok
    [[nodiscard]] bool ok() const noexcept { return status == receive_status::ok; }
};

/// Result of a pull-mode poll(handler).
struct polled {
    receive_status status = receive_status::ok;  ///< ok, end_of_queue or dispatcher_active
    std::size_t count = 0;
};

class dispatch_pause;

class session_handle {
  public:
    session_handle() = default;
    explicit session_handle(detail::session_channel* ch) noexcept : ch_(ch) {}

    [[nodiscard]] bool valid() const noexcept { return ch_ != nullptr; }
    [[nodiscard]] const session_config& config() const noexcept { return ch_->config; }
    [[nodiscard]] std::string_view name() const noexcept { return ch_->config.name; }
    friend bool operator==(const session_handle& a, const session_handle& b) noexcept {
        return a.ch_ == b.ch_;
    }

    // ---- sending --------------------------------------------------------------------

    /// Reserves `length` bytes for one outbound message; write the body and commit().
    /// `out` is empty unless the status is ok.
    [[nodiscard]] send_status claim(std::size_t length, mutable_bytes& out,
                                    std::uint32_t tag = 0) noexcept {
        out = {};
        if (is_closed()) return send_status::closed;
        byte_ring_producer& p = ch_->outbound.producer();
        if (length > p.max_payload()) return send_status::too_large;
        out = p.claim(length, tag);
        return out.data() == nullptr ? send_status::full : send_status::ok;
    }
    /// Publishes the last claim() to the shard.
    void commit() noexcept { ch_->outbound.producer().commit(); }
    /// Publishes the last claim() shortened to `length` bytes.
    void commit(std::size_t length) noexcept { ch_->outbound.producer().commit(length); }
    /// Drops the last claim().
    void abort() noexcept { ch_->outbound.producer().abort(); }
    /// Copies `body` into one outbound message.
    [[nodiscard]] send_status send(bytes body, std::uint32_t tag = 0) noexcept;

    // ---- state ----------------------------------------------------------------------

    /// Logged in (or ready, for a protocol without login).
    [[nodiscard]] bool is_active() const noexcept {
        return ch_->active.load(std::memory_order_acquire) && !is_closed();
    }
    /// The session has stopped (it may still have records to take).
    [[nodiscard]] bool is_closed() const noexcept {
        return ch_->state.load(std::memory_order_acquire) >= detail::lifecycle::stopped;
    }
    /// Why it stopped; meaningful once is_closed().
    [[nodiscard]] close_reason reason() const noexcept {
        return static_cast<close_reason>(ch_->reason.load(std::memory_order_acquire));
    }
    /// Asks the session to close gracefully (logout...); returns at once.
    void initiate_close() noexcept { ch_->close_requested.store(true, std::memory_order_release); }
    /// initiate_close() and waits, sleeping, until the session has stopped or `timeout`
    /// passed. True when it stopped. Records stay to be taken.
    [[nodiscard]] bool close(std::chrono::nanoseconds timeout) noexcept;

    // ---- pull -----------------------------------------------------------------------

    [[nodiscard]] received receive_nowait() noexcept;
    /// Waits (spin, yield, then short sleeps) up to `timeout` for a record.
    [[nodiscard]] received receive(std::chrono::nanoseconds timeout) noexcept;

    /// Calls handler(const inbound_record&) for up to `limit` records, releasing them
    /// together afterwards. Pull mode: the cheapest way to drain from the app's own loop.
    template <typename Handler>
    [[nodiscard]] polled poll(Handler&& handler, std::size_t limit = 256) {
        const receive_status s = prepare_pull();
        if (s != receive_status::ok) return {s, 0};
        const std::size_t n = ch_->inbound.consumer().read(
            [&](const ring_record& r) { handler(inbound_record::decode(r.type, r.payload)); },
            limit);
        if (n == 0 && drained_and_finished()) return {receive_status::end_of_queue, 0};
        return {receive_status::ok, n};
    }

    // ---- push control -----------------------------------------------------------------

    /// Stops the dispatcher from serving this session until the guard is destroyed (then it
    /// resumes). Waits for a dispatch in progress on another thread to finish. Without a
    /// dispatcher the guard does nothing.
    [[nodiscard]] dispatch_pause pause_dispatching() noexcept;
    [[nodiscard]] bool dispatching() const noexcept {
        return ch_->mode.load(std::memory_order_acquire) == detail::consumer_mode::dispatching;
    }

    [[nodiscard]] detail::session_channel* channel() const noexcept { return ch_; }

    /// Attaches a latency probe (latency_probe.hpp) to this session. Cold path: only before
    /// engine::start(); `probe` must outlive the engine. nullptr detaches.
    void attach_probe(latency_probe* probe) noexcept { ch_->probe = probe; }

  private:
    /// Releases a record taken by the previous receive and checks the consumer mode.
    [[nodiscard]] receive_status prepare_pull() noexcept {
        if (ch_->mode.load(std::memory_order_acquire) == detail::consumer_mode::dispatching)
            return receive_status::dispatcher_active;
        if (ch_->pull_pending_release) {
            ch_->inbound.consumer().release();
            ch_->pull_pending_release = false;
        }
        return receive_status::ok;
    }
    [[nodiscard]] bool drained_and_finished() noexcept {
        // `finished` is stored after the final record is committed, so once it is seen an
        // empty ring really is the end.
        return ch_->state.load(std::memory_order_acquire) == detail::lifecycle::finished &&
               ch_->inbound.consumer().empty();
    }

    detail::session_channel* ch_ = nullptr;
};

/// Scope guard from session_handle::pause_dispatching(). Move-only.
class dispatch_pause {
  public:
    dispatch_pause() = default;
    explicit dispatch_pause(detail::session_channel* ch) noexcept : ch_(ch) {}
    dispatch_pause(dispatch_pause&& o) noexcept : ch_(o.ch_) { o.ch_ = nullptr; }
    dispatch_pause& operator=(dispatch_pause&& o) noexcept {
        if (this != &o) {
            resume();
            ch_ = o.ch_;
            o.ch_ = nullptr;
        }
        return *this;
    }
    ~dispatch_pause() { resume(); }
    /// True when a dispatcher was actually paused.
    [[nodiscard]] bool engaged() const noexcept { return ch_ != nullptr; }
    /// Resumes dispatching now rather than at destruction.
    void resume() noexcept;

  private:
    detail::session_channel* ch_ = nullptr;
};

}  // namespace exwire::engine
