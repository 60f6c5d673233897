#pragma once
// Push-mode delivery: a dispatcher calls each attached session's handler for every inbound
// record, either when the application's thread calls poll(), or from a thread of its own
// (start_thread). A session is served by at most one dispatcher at a time; while it is, the
// handle's pull calls report dispatcher_active.
//
// Handlers run on the dispatching thread; a record's bytes live until its handler returns.
// A handler may call pause_dispatching() on any session, including its own.
// When a session has stopped and its last record (`closed`) was handled, the dispatcher
// detaches it by itself; the handle then reports end_of_queue.
//
// Attach/detach (start_dispatching, stop_dispatching) and poll are for any thread, but
// poll() must not run on two threads at once, nor while the dispatcher's own thread runs.
// The consumer handoff between pull and push is a Dekker-style handshake on seq_cst
// atomics per session (its mode and a count of dispatchers inside it), so a pause or a
// detach never overlaps a dispatch.

#include <array>
#include <atomic>
#include <cstddef>
#include <thread>

#include <exwire/core/idle_strategy.hpp>
#include <exwire/core/result.hpp>
#include <exwire/core/thread.hpp>
#include <exwire/engine/session_handle.hpp>

namespace exwire::engine {

class dispatcher {
  public:
    static constexpr std::size_t max_sessions = 256;

    dispatcher() = default;
    dispatcher(const dispatcher&) = delete;
    dispatcher& operator=(const dispatcher&) = delete;
    /// Stops its thread and detaches every session (they return to pull mode).
    ~dispatcher();

    /// Attaches `s` with `handler`. Call from the thread that has been pulling from `s` (a
    /// record it still holds is released). Errors: already dispatched, no free slot.
    [[nodiscard]] result<void> start_dispatching(session_handle s, record_handler handler);
    /// Detaches `s` (back to pull mode), waiting for a dispatch in progress to finish.
    void stop_dispatching(session_handle s) noexcept;

    /// One pass over the attached sessions, up to `limit_per_session` records each.
    /// Returns the number of records handled.
    std::size_t poll(std::size_t limit_per_session = 256);

    /// Runs poll() on a thread of its own with `idle` between empty passes.
    [[nodiscard]] result<void> start_thread(thread_options options, idle_strategy idle);
    void stop_thread() noexcept;
    [[nodiscard]] bool thread_running() const noexcept { return thread_.joinable(); }

    /// Number of sessions attached now.
    [[nodiscard]] std::size_t attached() const noexcept;

  private:
    std::size_t drain(detail::session_channel& ch, std::size_t limit, bool& ended);
    void detach_slot(std::size_t index, detail::session_channel* ch) noexcept;

    std::array<std::atomic<detail::session_channel*>, max_sessions> slots_{};
    std::atomic<std::size_t> high_water_{0};
    std::jthread thread_;
};

}  // namespace exwire::engine
