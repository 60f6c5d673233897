#pragma once
// Heartbeat monitor: watches a peer for silence, as the reference API's HeartbeatMonitor.
//
// Every `interval` after start() the monitor checks whether the peer was heard (any
// on_activity()) since the previous check. A heard interval resets the count of missed
// checks; a silent one adds one, and when the count reaches `tolerated_misses` the monitor
// trips. After a trip it stops (stop_on_trip) or keeps checking, tripping again at every
// further silent check until the peer is heard. start() counts as activity, so the first
// interval never misses. With interval 1 s and tolerated_misses 15 a SoupBinTCP client trips
// after at least 15 s of server silence.
//
// Used on the sending side too: a monitor fed with our own sends, tolerated_misses 1 and
// stop_on_trip false trips once per silent interval: the moment to send a heartbeat.
//
// Pure state over an explicit clock: every call takes `now_ns`; no clock is read, so tests
// drive it with a fake clock. One thread (the session's shard); noexcept; no allocation.

#include <cstdint>

#include <exwire/engine/config.hpp>
#include <exwire/engine/session.hpp>

namespace exwire::engine {

enum class [[nodiscard]] heartbeat_verdict : std::uint8_t{
    none,     ///< no check due, or the peer was heard
    missed,   ///< a silent check below the threshold
    tripped,  ///< the threshold was reached: apply the configured action
};

class heartbeat_monitor {
  public:
    heartbeat_monitor() = default;
    explicit heartbeat_monitor(const heartbeat_config& config) noexcept : config_(config) {}

    /// Arms the monitor: the first check is at now + interval.
    void start(std::int64_t now_ns) noexcept {
        running_ = true;
        misses_ = 0;
        last_activity_ns_ = now_ns;
        next_check_ns_ = now_ns + config_.interval_ns;
    }
    void stop() noexcept { running_ = false; }
    [[nodiscard]] bool running() const noexcept { return running_; }

    /// The peer was heard at `now_ns` (any frame, not only heartbeats).
    void on_activity(std::int64_t now_ns) noexcept { last_activity_ns_ = now_ns; }

    /// Runs every check due at `now_ns` (several if the caller was late) and reports the
    /// strongest verdict. Cheap when no check is due: one comparison.
    [[nodiscard]] heartbeat_verdict check(std::int64_t now_ns) noexcept {
        if (!running_ || now_ns < next_check_ns_) return heartbeat_verdict::none;
        heartbeat_verdict verdict = heartbeat_verdict::none;
        while (running_ && now_ns >= next_check_ns_) {
            const std::int64_t window_start = next_check_ns_ - config_.interval_ns;
            // Heard since the previous check (inclusive); start() itself counts as heard.
            if (last_activity_ns_ >= window_start) {
                misses_ = 0;
            } else {
                ++misses_;
                ++total_misses_;
                if (misses_ >= config_.tolerated_misses) {
                    verdict = heartbeat_verdict::tripped;
                    ++trips_;
                    if (config_.stop_on_trip) running_ = false;
                } else if (verdict == heartbeat_verdict::none) {
                    verdict = heartbeat_verdict::missed;
                }
            }
            next_check_ns_ += config_.interval_ns;
        }
        return verdict;
    }

    /// Consecutive silent checks so far.
    [[nodiscard]] std::uint32_t consecutive_misses() const noexcept { return misses_; }
    [[nodiscard]] std::uint64_t total_misses() const noexcept { return total_misses_; }
    [[nodiscard]] std::uint64_t trips() const noexcept { return trips_; }
    /// When the next check is due (for timer wheels / sleeping idle strategies).
    [[nodiscard]] std::int64_t next_check_ns() const noexcept { return next_check_ns_; }
    [[nodiscard]] silence_action action() const noexcept { return config_.on_silence; }
    [[nodiscard]] const heartbeat_config& config() const noexcept { return config_; }

  private:
    heartbeat_config config_;
    bool running_ = false;
    std::uint32_t misses_ = 0;
    std::uint64_t total_misses_ = 0;
    std::uint64_t trips_ = 0;
    std::int64_t last_activity_ns_ = 0;
    std::int64_t next_check_ns_ = 0;
};

/// What a session usually does with a verdict: a `heartbeat_missed` event (value: consecutive
/// misses) and counter::heartbeats_missed for every silent check, and on a trip with action
/// close, ctx.finish(close_reason::heartbeat_timeout). Returns true when it finished the session.
inline bool apply_heartbeat_verdict(heartbeat_verdict v, const heartbeat_monitor& m,
                                    session_context& ctx, std::int64_t now_ns) noexcept {
    if (v == heartbeat_verdict::none) return false;
    ctx.counters().add(counter::heartbeats_missed);
    (void)ctx.emit(record_type::heartbeat_missed, now_ns, 0, m.consecutive_misses());
    if (v == heartbeat_verdict::tripped && m.action() == silence_action::close) {
        ctx.finish(close_reason::heartbeat_timeout, "peer silent for too long");
        return true;
    }
    return false;
}

}  // namespace exwire::engine
