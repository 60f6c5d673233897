#pragma once
// A shard: one thread stepping its agents and sessions in a loop, with an idle strategy
// for passes that did nothing. Each session belongs to exactly one shard for its life.
//
// One pass (do_work):
//   1. every agent's do_work(now)       (shared transports reaping completions...)
//   2. for every running session: forward a pending close request once
//      (on_close_requested), then do_work(now); a session that called ctx.finish() gets
//      on_stop(reason) and is marked stopped
//   3. for every stopped session: put its final `closed` record in the inbound ring as soon
//      as there is room, then mark it finished (end of queue for the application)
// `now` is monotonic_ns() read once per pass.
//
// Threads: add_* and start/stop from one controlling thread; do_work() only on the shard's
// own thread, or, for deterministic tests, from the test's thread through begin()/
// do_work()/end() without start(). Cold-path errors (pinning, idle strategy) come back as
// result with the shard's name in the message.

#include <atomic>
#include <cstdint>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <exwire/core/idle_strategy.hpp>
#include <exwire/core/result.hpp>
#include <exwire/engine/config.hpp>
#include <exwire/engine/session.hpp>

namespace exwire::engine {

class shard {
  public:
    explicit shard(shard_config config);
    shard(const shard&) = delete;
    shard& operator=(const shard&) = delete;
    ~shard();

    [[nodiscard]] const shard_config& config() const noexcept { return config_; }

    /// Before start(): the channel's session (ch.impl) will run on this shard, and only on
    /// it: adding a session that already belongs to a shard throws std::logic_error.
    void add_session(detail::session_channel& ch);
    /// Before start(): an agent stepped once per pass before the sessions.
    void add_agent(agent& a);
    /// Before start(): an agent stepped once per pass right after the session named
    /// `session` (which must already be on this shard; std::logic_error otherwise). What
    /// that session delivered in this pass reaches the agent in the same pass, and what the
    /// agent sends on a session stepped later goes out in the same pass too (a strategy
    /// between a market data session and an order session).
    void add_agent_after(agent& a, std::string_view session);

    /// Starts the thread (named after the shard, pinned and prioritised as configured) and
    /// returns once every session's on_start has run on it.
    [[nodiscard]] result<void> start();
    /// Stops the loop and joins; sessions still running get on_stop(engine_stopped) and a
    /// final `closed` record. Idempotent.
    void stop() noexcept;
    [[nodiscard]] bool running() const noexcept { return thread_.joinable(); }

    // Stepping by hand (tests, or an application that runs the loop on its own thread).
    void begin(std::int64_t now_ns);
    [[nodiscard]] int do_work(std::int64_t now_ns) noexcept;
    void end(std::int64_t now_ns) noexcept;

    /// Loop passes so far (relaxed; for tests and statistics).
    [[nodiscard]] std::uint64_t passes() const noexcept {
        return passes_.load(std::memory_order_relaxed);
    }
    /// Sessions not yet finished.
    [[nodiscard]] std::size_t live_sessions() const noexcept {
        return running_.size() + stopping_.size();
    }

  private:
    void stop_session(detail::session_channel& ch, close_reason reason,
                      std::int64_t now_ns) noexcept;
    [[nodiscard]] bool publish_final(detail::session_channel& ch, std::int64_t now_ns) noexcept;

    shard_config config_;
    idle_strategy idle_;
    std::vector<agent*> agents_;
    std::vector<std::pair<const detail::session_channel*, agent*>> agents_after_;
    std::vector<detail::session_channel*> all_;
    std::vector<detail::session_channel*> running_;
    std::vector<detail::session_channel*> stopping_;
    std::vector<session_context> contexts_;
    std::atomic<std::uint64_t> passes_{0};
    std::jthread thread_;
};

}  // namespace exwire::engine
