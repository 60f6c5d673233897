// MoldUDP64 receiver and publisher state machines (see moldudp64_session.hpp).

#include <exwire/engine/nasdaq/moldudp64_session.hpp>

#include <algorithm>
#include <cstring>

namespace exwire::engine::nasdaq {

namespace mold = codec::nasdaq::moldudp64;

// ---------------------------------------------------------------------------------------
// mold_receiver

mold_receiver::mold_receiver(mold_receiver_options options, mold_receiver_handler& handler)
    : options_(std::move(options)),
      handler_(handler),
      window_(options_.window == 0 ? 1 : options_.window),
      requests_(std::max<std::uint32_t>(1, options_.max_outstanding)),
      next_expected_(options_.first_expected),
      highest_seen_(options_.first_expected) {
    if (!options_.session.empty()) {
        std::memset(session_, ' ', sizeof session_);
        std::memcpy(session_, options_.session.data(),
                    std::min(options_.session.size(), sizeof session_));
        have_session_ = true;
    }
    if (options_.max_request_count == 0) options_.max_request_count = 1;
}

std::uint32_t mold_receiver::outstanding_requests() const noexcept {
    std::uint32_t n = 0;
    for (const auto& r : requests_)
        n += r.active ? 1 : 0;
    return n;
}

bool mold_receiver::held(std::uint64_t sequence) const noexcept {
    if (sequence < next_expected_) return true;
    if (sequence - next_expected_ >= window_.size()) return false;
    return window_[sequence % window_.size()].present;
}

std::uint64_t mold_receiver::first_missing(std::uint64_t from, std::uint64_t end) const noexcept {
    from = std::max(from, next_expected_);
    while (from < end && held(from))
        ++from;
    return from;
}

void mold_receiver::note_announced(std::uint64_t first, std::uint64_t end) noexcept {
    if (first > highest_seen_) {
        const std::uint64_t missing = first - highest_seen_;
        if (!in_gap_) {
            in_gap_ = true;
            gap_first_ = highest_seen_;
            gap_missing_ = 0;
        }
        gap_missing_ += missing;
        handler_.on_gap(highest_seen_, missing);
    }
    highest_seen_ = std::max(highest_seen_, end);
}

int mold_receiver::accept(std::uint64_t sequence, bytes message) noexcept {
    if (sequence < next_expected_) return 0;  // duplicate (or retransmitted twice)
    if (sequence == next_expected_) {
        handler_.on_message(sequence, message);
        ++next_expected_;
        return 1 + drain_window();
    }
    if (sequence - next_expected_ >= window_.size()) return 0;  // re-requested later
    slot& s = window_[sequence % window_.size()];
    if (!s.present) {
        try {
            s.data.assign(message.begin(), message.end());
        } catch (...) {
            return 0;  // dropped: it will be re-requested
        }
        s.present = true;
    }
    return 0;
}

int mold_receiver::drain_window() noexcept {
    int n = 0;
    for (;;) {
        slot& s = window_[next_expected_ % window_.size()];
        if (!s.present) break;
        s.present = false;
        handler_.on_message(next_expected_, bytes(s.data.data(), s.data.size()));
        ++next_expected_;
        ++n;
    }
    return n;
}

void mold_receiver::check_progress() noexcept {
    if (in_gap_ && next_expected_ >= highest_seen_) {
        in_gap_ = false;
        handler_.on_gap_filled(gap_first_, gap_missing_);
    }
    if (end_seen_ && next_expected_ >= end_sequence_ && state_ == state::running) {
        state_ = state::ended;
        handler_.on_end_of_session(next_expected_);
    }
}

int mold_receiver::on_packet(bytes datagram, std::int64_t now) noexcept {
    if (state_ != state::running) return 0;
    mold::packet p;
    if (mold::packet::decode(datagram, p) != codec::nasdaq::frame_status::complete) {
        ++malformed_;
        return 0;
    }
    // Sequence numbers start at 1 and a packet's messages must not run past 2^64 - 1: a
    // packet saying otherwise is malformed (it would wrap the expected sequence to 0).
    if (p.sequence() == 0 || p.next_sequence() < p.sequence()) {
        ++malformed_;
        return 0;
    }
    if (!have_session_) {
        std::memcpy(session_, p.session().data(), sizeof session_);
        have_session_ = true;
    } else if (p.session() != std::string_view(session_, sizeof session_)) {
        ++foreign_;
        return 0;
    }
    last_received_ = now;
    clock_started_ = true;
    silences_ = 0;
    if (next_expected_ == 0) {  // join at whatever the stream is at
        next_expected_ = p.sequence();
        highest_seen_ = p.sequence();
    }
    int delivered = 0;
    switch (p.kind()) {
        case mold::packet_kind::heartbeat:
            note_announced(p.sequence(), p.sequence());
            break;
        case mold::packet_kind::end_of_session:
            note_announced(p.sequence(), p.sequence());
            end_seen_ = true;
            end_sequence_ = p.sequence();
            break;
        case mold::packet_kind::data:
            note_announced(p.sequence(), p.next_sequence());
            for (const mold::block b : p)
                delivered += accept(b.sequence, b.message);
            break;
    }
    (void)manage_requests(now);
    check_progress();
    return delivered;
}

bool mold_receiver::send_request(std::uint64_t first, std::uint64_t end) noexcept {
    std::byte req[mold::header_size];
    (void)mold::encode_header(mutable_bytes(req, sizeof req), std::string_view(session_, 10), first,
                              static_cast<std::uint16_t>(end - first));
    ++requests_sent_;
    return handler_.send_request(bytes(req, sizeof req));
}

int mold_receiver::manage_requests(std::int64_t now) noexcept {
    int work = 0;
    // Requests answered (or overtaken) end; late ones are asked again for what is still missing.
    for (auto& r : requests_) {
        if (!r.active) continue;
        const std::uint64_t m = first_missing(r.first, r.end);
        if (m >= r.end) {
            r.active = false;
            continue;
        }
        if (m > r.first) {
            // Partly answered (a response holds what fits one datagram): ask for the rest
            // now; progress is not a failed attempt.
            r.first = m;
            r.retries = 0;
            r.sent_at = now;
            (void)send_request(r.first, r.end);
            ++work;
            continue;
        }
        if (now - r.sent_at < options_.request_timeout_ns) continue;
        if (r.retries >= options_.max_retries) {
            state_ = state::failed;
            handler_.on_failure(m, r.end - m, "retransmission requests unanswered; giving up");
            return work + 1;
        }
        ++r.retries;
        r.first = m;
        r.sent_at = now;
        (void)send_request(r.first, r.end);
        ++work;
    }
    // New requests for missing ranges nobody asked for yet, within the reorder window.
    const std::uint64_t limit = std::min(highest_seen_, next_expected_ + window_.size());
    for (auto& r : requests_) {
        if (r.active) continue;
        const std::uint64_t m = first_missing(std::max(request_cursor_, next_expected_), limit);
        if (m >= limit) break;
        std::uint64_t end = std::min<std::uint64_t>(m + options_.max_request_count, limit);
        // Stop the range at the first message already held: ask for holes only.
        for (std::uint64_t s = m + 1; s < end; ++s)
            if (held(s)) {
                end = s;
                break;
            }
        r = {true, m, end, now, 0};
        request_cursor_ = end;
        (void)send_request(m, end);
        ++work;
    }
    return work;
}

int mold_receiver::on_tick(std::int64_t now) noexcept {
    if (state_ != state::running) return 0;
    int work = manage_requests(now);
    if (clock_started_ && now - last_received_ >= options_.silence_timeout_ns) {
        last_received_ = now;  // re-arm: report again after another timeout
        handler_.on_silence(++silences_);
        ++work;
    }
    return work;
}

// ---------------------------------------------------------------------------------------
// mold_publisher

mold_publisher::mold_publisher(mold_publisher_options options, sequenced_store& store,
                               mold_publisher_handler& handler)
    : options_(std::move(options)),
      store_(store),
      handler_(handler),
      packet_(std::max<std::size_t>(options_.max_datagram, mold::header_size + 2)),
      response_(packet_.size()),
      packet_size_(mold::header_size) {}

int mold_publisher::flush(std::int64_t now) noexcept {
    if (packet_count_ == 0) return 0;
    (void)mold::encode_header(mutable_bytes(packet_.data(), mold::header_size), options_.session,
                              packet_first_, packet_count_);
    (void)handler_.send_packet(bytes(packet_.data(), packet_size_));  // lost = recoverable
    packet_size_ = mold::header_size;
    packet_count_ = 0;
    last_sent_ = now;
    return 1;
}

bool mold_publisher::publish(bytes message, std::int64_t now) noexcept {
    if (ended_ || mold::header_size + 2 + message.size() > packet_.size()) return false;
    if (packet_size_ + 2 + message.size() > packet_.size() || packet_count_ == 0xFFFE)
        (void)flush(now);
    const std::uint64_t seq = store_.next_sequence();
    if (store_.append(seq, message) != store_status::ok) return false;
    if (packet_count_ == 0) packet_first_ = seq;
    packet_size_ =
        mold::append_block(mutable_bytes(packet_.data(), packet_.size()), packet_size_, message);
    ++packet_count_;
    return true;
}

bool mold_publisher::send_header_only(std::uint16_t count, std::int64_t now) noexcept {
    std::byte h[mold::header_size];
    (void)mold::encode_header(mutable_bytes(h, sizeof h), options_.session, store_.next_sequence(),
                              count);
    last_sent_ = now;
    return handler_.send_packet(bytes(h, sizeof h));
}

int mold_publisher::on_tick(std::int64_t now) noexcept {
    int work = flush(now);
    if (now - last_sent_ >= options_.heartbeat_interval_ns) {
        (void)send_header_only(ended_ ? mold::end_of_session_count : 0, now);
        ++work;
    }
    return work;
}

bool mold_publisher::end_session(std::int64_t now) noexcept {
    if (ended_) return false;
    (void)flush(now);
    ended_ = true;
    return send_header_only(mold::end_of_session_count, now);
}

int mold_publisher::on_request(bytes datagram, std::int64_t now) noexcept {
    (void)now;
    mold::request r;
    if (mold::decode_request(datagram, r) != codec::nasdaq::frame_status::complete) {
        ++bad_requests_;
        return 0;
    }
    char own[10];
    std::memset(own, ' ', sizeof own);
    std::memcpy(own, options_.session.data(), std::min(options_.session.size(), sizeof own));
    if (r.session != std::string_view(own, sizeof own) || r.count == 0 ||
        r.count == mold::end_of_session_count || r.sequence == 0 ||
        r.sequence >= store_.next_sequence()) {
        ++bad_requests_;
        return 0;
    }
    std::size_t pos = mold::header_size;
    std::uint16_t n = 0;
    for (std::uint64_t s = r.sequence; n < r.count && s < store_.next_sequence(); ++s) {
        const bytes m = store_.read(s);
        if (m.data() == nullptr || pos + 2 + m.size() > response_.size()) break;
        pos = mold::append_block(mutable_bytes(response_.data(), response_.size()), pos, m);
        ++n;
    }
    if (n == 0) {
        ++bad_requests_;  // no longer held (or larger than a datagram)
        return 0;
    }
    (void)mold::encode_header(mutable_bytes(response_.data(), mold::header_size), options_.session,
                              r.sequence, n);
    ++responses_;
    return handler_.send_response(bytes(response_.data(), pos)) ? 1 : 0;
}

}  // namespace exwire::engine::nasdaq
