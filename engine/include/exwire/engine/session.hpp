#pragma once
// The runtime's view of a protocol session, and what the runtime offers it.
//
// A protocol session (SoupBinTCP client, MoldUDP64 receiver, FIX initiator...) derives from
// `session` and is stepped by exactly one shard thread for its whole life:
//
//     on_start(ctx, now)           once, on the shard thread, before any do_work
//     do_work(now) -> work count   every pass of the shard loop; 0 means "nothing to do"
//     on_close_requested(ctx, now) once, when the application asked for a graceful close
//     on_stop(reason, now)         once, after the session called ctx.finish() or when the
//                                  shard stops; release transport resources here
//
// `now` is CLOCK_MONOTONIC nanoseconds read once per pass by the shard; sessions read no
// clock of their own, so tests drive them with any clock they like.
//
// session_context is the session's side of its channel: deliver messages and events to the
// application (inbound ring), drain what the application sent (outbound ring), report
// active (logged in) and finished. All of it is hot path: noexcept, no allocation; ring
// operations report ring_status::full when the application is not keeping up, and the
// session decides whether to retry (keep the frame, stop reading the transport) or drop it
// (count counter::records_dropped).

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <exwire/core/byte_ring.hpp>
#include <exwire/core/clock.hpp>
#include <exwire/core/result.hpp>
#include <exwire/engine/channel.hpp>
#include <exwire/engine/latency_probe.hpp>

namespace exwire::engine {

class session_context {
  public:
    session_context() = default;
    explicit session_context(detail::session_channel& ch) noexcept : ch_(&ch) {}

    [[nodiscard]] const session_config& config() const noexcept { return ch_->config; }

    // ---- inbound: to the application --------------------------------------------------

    /// Reserves a message record with a `length`-byte body; write the frame there, then
    /// commit_message(). Empty span when the ring is full (or length is too large).
    [[nodiscard]] mutable_bytes claim_message(std::size_t length, std::uint64_t sequence,
                                              std::int64_t time_ns) noexcept {
        mutable_bytes p = ch_->inbound.producer().claim(
            record_prefix_size + length, static_cast<std::uint32_t>(record_type::message));
        if (p.data() == nullptr) return {};
        // value: the latency probe's receive stamp (0 unless a probe is attached).
        encode_record_prefix(p.data(), sequence, time_ns, ch_->receive_tsc);
        return p.subspan(record_prefix_size);
    }
    void commit_message() noexcept { ch_->inbound.producer().commit(); }
    /// Publishes the claimed message with a shorter body of `length` bytes.
    void commit_message(std::size_t length) noexcept {
        ch_->inbound.producer().commit(record_prefix_size + length);
    }

    /// Copies `frame` into one message record.
    [[nodiscard]] ring_status deliver(bytes frame, std::uint64_t sequence,
                                      std::int64_t time_ns) noexcept {
        if (frame.size() + record_prefix_size > ch_->inbound.producer().max_payload())
            return ring_status::too_large;
        mutable_bytes p = claim_message(frame.size(), sequence, time_ns);
        if (p.data() == nullptr) return ring_status::full;
        if (!frame.empty()) std::memcpy(p.data(), frame.data(), frame.size());
        commit_message();
        return ring_status::ok;
    }

    /// Sends an event record (`text` is cut to what fits in a quarter of the ring).
    [[nodiscard]] ring_status emit(record_type type, std::int64_t time_ns,
                                   std::uint64_t sequence = 0, std::uint64_t value = 0,
                                   std::string_view text = {}) noexcept {
        return emit_to(*ch_, type, time_ns, sequence, value, text);
    }

    // ---- outbound: from the application -------------------------------------------------

    /// The application's sends, in order: peek()/release() or read(handler). Each record's
    /// ring type is the tag the application passed to claim()/send().
    [[nodiscard]] byte_ring_consumer& outbound() noexcept { return ch_->outbound.consumer(); }

    // ---- state -------------------------------------------------------------------------

    /// Logged in (or, for sessions without a login, ready): what session_handle::is_active shows.
    void set_active(bool active) noexcept { ch_->active.store(active, std::memory_order_release); }
    [[nodiscard]] bool close_requested() const noexcept {
        return ch_->close_requested.load(std::memory_order_acquire);
    }
    /// The session is done: after this do_work() returns, the shard calls on_stop(), marks
    /// the session closed and puts a `closed` record (reason, text) last in the inbound ring.
    void finish(close_reason reason, std::string_view text = {}) noexcept {
        if (ch_->finish_requested) return;
        ch_->finish_requested = true;
        ch_->finish_reason = reason;
        const std::size_t n = std::min(text.size(), sizeof ch_->finish_text);
        if (n != 0) std::memcpy(ch_->finish_text, text.data(), n);
        ch_->finish_text_length = static_cast<std::uint32_t>(n);
    }
    [[nodiscard]] bool finishing() const noexcept { return ch_->finish_requested; }

    // ---- latency probe (latency_probe.hpp; off unless attached) --------------------------

    /// Call when bytes were taken from the transport: message records delivered from now
    /// on carry this TSC in their value field. No-op without a probe.
    void stamp_receive() noexcept {
        if (ch_->probe != nullptr) ch_->receive_tsc = tsc_clock::now();
    }
    /// Call right after an application frame was handed to the transport. No-op without
    /// a probe.
    void stamp_sent() noexcept {
        if (ch_->probe != nullptr) ch_->probe->on_sent(tsc_clock::now());
    }

    /// This session's counters; only this shard thread may add to them.
    [[nodiscard]] session_counters& counters() noexcept { return ch_->counters; }

    /// Shared with the runtime (which emits the final `closed` record through it).
    [[nodiscard]] static ring_status emit_to(detail::session_channel& ch, record_type type,
                                             std::int64_t time_ns, std::uint64_t sequence,
                                             std::uint64_t value, std::string_view text) noexcept {
        byte_ring_producer& p = ch.inbound.producer();
        const std::size_t n = std::min(text.size(), p.max_payload() / 4);
        mutable_bytes dst = p.claim(record_prefix_size + n, static_cast<std::uint32_t>(type));
        if (dst.data() == nullptr) return ring_status::full;
        encode_record_prefix(dst.data(), sequence, time_ns, value);
        if (n != 0) std::memcpy(dst.data() + record_prefix_size, text.data(), n);
        p.commit();
        return ring_status::ok;
    }

  private:
    detail::session_channel* ch_ = nullptr;
};

/// A protocol session as the runtime steps it. See the top of this header for the order of
/// calls; every call comes from the session's one shard thread.
class session {
  public:
    session() = default;
    session(const session&) = delete;
    session& operator=(const session&) = delete;
    virtual ~session() = default;

    /// Cold: open transports, read the journal. `ctx` stays valid for the session's life.
    /// An error finishes the session with close_reason::start_failed and the message.
    [[nodiscard]] virtual result<void> on_start(session_context& ctx, std::int64_t now_ns) = 0;
    /// One step: read the transport, advance the state machine, deliver to ctx, drain
    /// ctx.outbound(), fire timers. Returns the amount of work done (0: idle).
    [[nodiscard]] virtual int do_work(std::int64_t now_ns) noexcept = 0;
    /// The application asked for a graceful close (logout, end of session). The default
    /// finishes at once; a protocol with a logout handshake finishes when it completes.
    virtual void on_close_requested(session_context& ctx, std::int64_t now_ns) noexcept {
        (void)now_ns;
        ctx.finish(close_reason::requested);
    }
    /// Last call: release transport resources. No ctx call after this.
    virtual void on_stop(close_reason reason, std::int64_t now_ns) noexcept {
        (void)reason;
        (void)now_ns;
    }
};

/// Work that a shard runs once per pass before its sessions: a transport shared by the
/// shard's sessions reaping completions, a journal flusher... One shard thread.
class agent {
  public:
    agent() = default;
    agent(const agent&) = delete;
    agent& operator=(const agent&) = delete;
    virtual ~agent() = default;
    [[nodiscard]] virtual int do_work(std::int64_t now_ns) noexcept = 0;
    /// Called on the shard thread before the first pass / after the last one.
    virtual void on_shard_start(std::int64_t now_ns) { (void)now_ns; }
    virtual void on_shard_stop(std::int64_t now_ns) noexcept { (void)now_ns; }
};

}  // namespace exwire::engine
