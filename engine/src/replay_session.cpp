// Journal replay as an engine session: see replay_session.hpp.
#include <exwire/engine/replay_session.hpp>

#include <utility>

namespace exwire::engine {

replay_session::replay_session(replay_options options) : options_(std::move(options)) {
    if (options_.max_per_pass == 0) options_.max_per_pass = 1;
    if (!(options_.speed > 0.0)) options_.speed = 1.0;
}

result<void> replay_session::on_start(session_context& ctx, std::int64_t now_ns) {
    (void)now_ns;
    ctx_ = &ctx;
    auto r =
        journal::reader::open(options_.directory, {.verify_checksums = options_.verify_checksums});
    if (!r) return fail("journal replay: " + r.err().message);
    reader_.emplace(std::move(*r));
    ctx.set_active(true);
    return {};
}

int replay_session::do_work(std::int64_t now_ns) noexcept {
    if (ctx_ == nullptr || ctx_->finishing()) return 0;
    int work = 0;

    // Nothing is sent to a peer: the application's sends are consumed and ignored, so a
    // handler written for live traffic can run unchanged.
    byte_ring_consumer& out = ctx_->outbound();
    while (out.peek().valid()) {
        out.release();
        ++work;
    }

    for (std::size_t n = 0; n < options_.max_per_pass; ++n) {
        if (!has_pending_) {
            const journal::read_status s = reader_->next(pending_);
            if (s == journal::read_status::end) {
                if (!options_.follow) ctx_->finish(close_reason::end_of_session, "end of journal");
                return work;
            }
            if (s == journal::read_status::corrupt) {
                ctx_->finish(close_reason::protocol_error, reader_->corruption());
                return work;
            }
            if (s != journal::read_status::ok) {
                ctx_->finish(close_reason::protocol_error, "journal segment missing");
                return work;
            }
            if (!wanted(pending_)) continue;
            has_pending_ = true;
        }
        if (options_.pace == replay_pace::recorded) {
            if (!paced_base_set_) {
                paced_base_set_ = true;
                base_now_ = now_ns;
                base_recorded_ = pending_.meta.timestamp_ns;
            }
            const double offset =
                static_cast<double>(pending_.meta.timestamp_ns - base_recorded_) / options_.speed;
            if (now_ns < base_now_ + static_cast<std::int64_t>(offset)) return work;
        }
        const ring_status rs =
            ctx_->deliver(pending_.payload, pending_.meta.sequence, pending_.meta.timestamp_ns);
        if (rs == ring_status::full) {
            ++retries_;  // keep the record (its bytes stay mapped) and retry next pass
            return work;
        }
        if (rs != ring_status::ok) {
            ctx_->finish(close_reason::protocol_error,
                         "journal record larger than the inbound ring can hold");
            return work;
        }
        has_pending_ = false;
        ++delivered_;
        ctx_->counters().add(counter::frames_in);
        ctx_->counters().add(counter::bytes_in, pending_.payload.size());
        ++work;
    }
    return work;
}

void replay_session::on_stop(close_reason reason, std::int64_t now_ns) noexcept {
    (void)reason;
    (void)now_ns;
    reader_.reset();
}

}  // namespace exwire::engine
