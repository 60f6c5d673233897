#pragma once
// A session that replays a journal into the application: the recorded frames of one
// direction (or both) come out of session_handle pull or a dispatcher exactly as live traffic
// would, with their recorded sequence numbers and timestamps, then a `closed` record.
//
// The journal is opened read-only in on_start() (cold; an error fails the session with
// close_reason::start_failed). do_work() runs on the session's shard thread: it reads the
// next records with exwire::journal::reader and delivers each through
// session_context::deliver(frame, recorded sequence, recorded timestamp). When the inbound
// ring is full the record is kept and retried on the next pass: nothing is ever dropped, so
// the same journal always yields the same records in the same order (a deterministic re-run).
//
// Pace: as fast as the application takes the records, or at the recorded pace, where a
// record is due `its timestamp - the first replayed record's timestamp` (divided by `speed`)
// after the `now` of the pass that delivered the first record. `now` is the shard's clock,
// so a test drives the pace with any clock it likes.
//
// The end: after the last committed record the session finishes with
// close_reason::end_of_session and the text "end of journal" (unless `follow`, which keeps
// polling for records another process appends). A corrupt record or a missing segment
// finishes it with close_reason::protocol_error and the reader's reason; a record larger than
// the inbound ring can ever hold finishes it the same way (it could never be delivered).
// An application close request finishes it at once (close_reason::requested).
// The application's sends (outbound ring) are drained and ignored: a replay talks to no peer.

#include <cstdint>
#include <optional>
#include <string>

#include <exwire/core/result.hpp>
#include <exwire/engine/session.hpp>
#include <exwire/journal/format.hpp>
#include <exwire/journal/reader.hpp>

namespace exwire::engine {

enum class replay_pace : std::uint8_t {
    as_fast_as_possible,  ///< every pass delivers until the ring is full or max_per_pass
    recorded,             ///< each record when its recorded offset (/ speed) has passed
};

struct replay_options {
    std::string directory;  ///< the journal directory
    /// Direction to replay: `in` (what the session received, the default), `out`, or
    /// nullopt for both in journal order.
    std::optional<journal::direction> direction = journal::direction::in;
    replay_pace pace = replay_pace::as_fast_as_possible;
    double speed = 1.0;              ///< recorded pace: 2.0 replays twice as fast; > 0
    std::size_t max_per_pass = 256;  ///< records read per do_work at most (fairness)
    bool follow = false;             ///< at the end, keep tailing instead of finishing
    bool verify_checksums = true;    ///< check each record's CRC32C while reading
};

/// Replays one journal; construct on the controlling thread, then hand it to the runtime as
/// the channel's session (or return it from a protocol_registry factory).
class replay_session final : public session {
  public:
    explicit replay_session(replay_options options);

    [[nodiscard]] result<void> on_start(session_context& ctx, std::int64_t now_ns) override;
    [[nodiscard]] int do_work(std::int64_t now_ns) noexcept override;
    void on_stop(close_reason reason, std::int64_t now_ns) noexcept override;

    /// Records delivered so far (shard thread; for tests and statistics).
    [[nodiscard]] std::uint64_t delivered() const noexcept { return delivered_; }
    /// Passes on which the ring was full and a record waited (shard thread).
    [[nodiscard]] std::uint64_t ring_full_retries() const noexcept { return retries_; }

  private:
    [[nodiscard]] bool wanted(const journal::record_view& v) const noexcept {
        return !options_.direction || v.meta.dir == *options_.direction;
    }

    replay_options options_;
    session_context* ctx_ = nullptr;
    std::optional<journal::reader> reader_;
    journal::record_view pending_{};
    bool has_pending_ = false;
    bool paced_base_set_ = false;
    std::int64_t base_now_ = 0;
    std::int64_t base_recorded_ = 0;
    std::uint64_t delivered_ = 0;
    std::uint64_t retries_ = 0;
};

}  // namespace exwire::engine
