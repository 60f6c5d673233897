#pragma once
// MoldUDP64 state machines run as engine sessions over a transport.
//
// mold_publisher_session: sends downstream packets to session_config.group (a multicast
// group, or a unicast host:port), heartbeats every heartbeat.interval_ns, and answers
// retransmission requests arriving on session_config.listen from its sequenced_store.
// The transport concept does not expose a datagram's source address, so responses are sent
// to the downstream destination (every receiver sees them; receivers drop duplicates).
//   from the application: each outbound record is the next message of the session.
//   initiate_close(): End of Session; the session then keeps answering retransmission
//   requests (and repeating End of Session) for heartbeat interval x tolerated_misses
//   (15 s by default) before it stops.
// mold_receiver_session: receives from session_config.group (joins it when multicast,
// binds it when unicast), sends retransmission requests to session_config.request_server.
//   to the application: message records (sequence = the message's number) in order, each
//   once; gap_detected / gap_filled / heartbeat_missed events; stops with end_of_session
//   once everything before End of Session was delivered, or protocol_error when
//   retransmission gives up.
// Journals: a publisher given a store (the factory: a journal_sequenced_store when
// journal.dir is set) keeps every message it publishes there and answers retransmission
// requests from it; its sequence numbers continue from the store after a restart. A receiver
// given a journal records each message (in order, sequence = its number) before delivering
// it, and starts at the journal's next sequence (1 when empty, so it recovers the whole
// session through retransmission): requested_sequence is then not used. A message the
// journal refuses ends the receiver (journal_error event, close_reason::transport_error).
// The MoldUDP64 session name is session_config.requested_session (publisher: empty = "1";
// receiver: empty = the first one seen); a receiver's requested_sequence is the first
// sequence it expects (0 = the first one seen).
//
// Threads: stepped by one shard. Backpressure: a receiver whose application ring is full
// holds what it already took (up to 2 MiB) and stops reading its sockets; datagrams the
// kernel drops meanwhile are recovered by retransmission. Beyond the held buffer, messages
// are dropped and counted (counter::records_dropped) and not re-requested.

#include <memory>
#include <string>

#include <exwire/core/result.hpp>
#include <exwire/engine/config.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/nasdaq/moldudp64_session.hpp>
#include <exwire/engine/nasdaq/soupbintcp_engine.hpp>  // held_messages
#include <exwire/engine/session.hpp>
#include <exwire/transport/transport.hpp>

namespace exwire::engine::nasdaq {

/// True for an IPv4 multicast address (224.0.0.0/4).
[[nodiscard]] bool is_multicast_ipv4(const std::string& host) noexcept;

template <transport::transport Transport>
class mold_publisher_session final : public session, private mold_publisher_handler {
  public:
    /// `store` (optional, outlives the session): the session's messages; default in memory.
    mold_publisher_session(Transport transport, const session_config& config,
                           sequenced_store* store = nullptr)
        : transport_(std::move(transport)),
          config_(config),
          store_(store != nullptr ? store : &own_store_),
          publisher_(options(config), *store_, *this),
          linger_ns_(config.heartbeat.interval_ns *
                     static_cast<std::int64_t>(config.heartbeat.tolerated_misses)) {}

    result<void> on_start(session_context& ctx, std::int64_t now) override {
        ctx_ = &ctx;
        now_ = now;
        transport::udp_options down;
        down.local = {config_.interface.empty() ? "0.0.0.0" : config_.interface, 0};
        down.remote = {config_.group.host, config_.group.port};
        if (is_multicast_ipv4(config_.group.host) && !config_.interface.empty())
            down.multicast_interface = config_.interface;
        auto d = transport_.open_udp(down);
        if (!d.ok()) return fail(d.err().message);
        downstream_ = d.value();
        if (!config_.listen.empty()) {
            transport::udp_options req;
            req.local = {config_.listen.host, config_.listen.port};
            auto r = transport_.open_udp(req);
            if (!r.ok()) return fail(r.err().message);
            responder_ = r.value();
        }
        ctx.set_active(true);
        return {};
    }

    int do_work(std::int64_t now) noexcept override {
        now_ = now;
        int work = transport_.poll(*this);
        if (linger_until_ == 0) work += drain_application(256);
        work += publisher_.on_tick(now);
        if (linger_until_ != 0 && now >= linger_until_)
            ctx_->finish(close_reason::requested, "end of session sent");
        return work;
    }

    void on_close_requested(session_context& ctx, std::int64_t now) noexcept override {
        now_ = now;
        // Everything the application sent before asking to close belongs to the session.
        while (drain_application(1024) != 0) {
        }
        (void)publisher_.end_session(now);
        (void)transport_.flush();
        // Stay to answer retransmission requests (and repeat End of Session) for a silence
        // timeout, so receivers behind can still recover; then stop.
        linger_until_ = now + linger_ns_;
        (void)ctx;
    }

    void on_stop(close_reason, std::int64_t) noexcept override {
        if (downstream_ != transport::invalid_connection) transport_.close(downstream_);
        if (responder_ != transport::invalid_connection) transport_.close(responder_);
        downstream_ = responder_ = transport::invalid_connection;
    }

    [[nodiscard]] const mold_publisher& state_machine() const noexcept { return publisher_; }

    void on_data(transport::connection_id id, bytes data) noexcept {
        if (id == responder_ && publisher_.on_request(data, now_) != 0)
            ctx_->counters().add(counter::retransmissions);
    }
    void on_event(const transport::connection_event&) noexcept {}

  private:
    int drain_application(int limit) noexcept {
        int work = 0;
        byte_ring_consumer& out = ctx_->outbound();
        for (; work < limit; ++work) {
            const ring_record r = out.peek();
            if (!r.valid()) break;
            if (!publisher_.publish(r.payload, now_)) {
                (void)ctx_->emit(record_type::journal_error, now_, publisher_.next_sequence(), 0,
                                 "message refused (larger than a datagram, or store failed)");
            }
            out.release();
        }
        return work;
    }
    static mold_publisher_options options(const session_config& c) {
        mold_publisher_options o;
        o.session = c.requested_session.empty() ? "1" : c.requested_session;
        o.heartbeat_interval_ns = c.heartbeat.interval_ns;
        return o;
    }
    bool send_packet(bytes d) noexcept override {
        ctx_->counters().add(counter::frames_out);
        ctx_->counters().add(counter::bytes_out, d.size());
        return transport_.send(downstream_, d).status == transport::send_status::ok;
    }
    bool send_response(bytes d) noexcept override { return send_packet(d); }

    Transport transport_;
    session_config config_;
    memory_store own_store_;
    sequenced_store* store_;
    mold_publisher publisher_;
    session_context* ctx_ = nullptr;
    transport::connection_id downstream_ = transport::invalid_connection;
    transport::connection_id responder_ = transport::invalid_connection;
    std::int64_t now_ = 0;
    std::int64_t linger_ns_ = 0;
    std::int64_t linger_until_ = 0;
};

template <transport::transport Transport>
class mold_receiver_session final : public session, private mold_receiver_handler {
  public:
    /// `journal` (optional, outlives the session) records every message received.
    mold_receiver_session(Transport transport, const session_config& config,
                          sequenced_store* journal = nullptr)
        : transport_(std::move(transport)),
          config_(config),
          journal_(journal),
          receiver_(options(config, journal), *this) {}

    result<void> on_start(session_context& ctx, std::int64_t now) override {
        ctx_ = &ctx;
        now_ = now;
        transport::udp_options feed;
        if (is_multicast_ipv4(config_.group.host)) {
            feed.local = {"0.0.0.0", config_.group.port};
            feed.group = config_.group.host;
            feed.multicast_interface = config_.interface.empty() ? "0.0.0.0" : config_.interface;
        } else {
            feed.local = {config_.group.host, config_.group.port};
        }
        auto f = transport_.open_udp(feed);
        if (!f.ok()) return fail(f.err().message);
        feed_ = f.value();
        if (!config_.request_server.empty()) {
            transport::udp_options req;
            req.local = {config_.interface.empty() ? "0.0.0.0" : config_.interface, 0};
            req.remote = {config_.request_server.host, config_.request_server.port};
            auto r = transport_.open_udp(req);
            if (!r.ok()) return fail(r.err().message);
            requests_ = r.value();
        }
        ctx.set_active(true);
        return {};
    }

    int do_work(std::int64_t now) noexcept override {
        now_ = now;
        int work = held_.deliver(*ctx_, now);
        if (ending_) {
            if (held_.empty() && !ctx_->finishing())
                ctx_->finish(close_reason::end_of_session, "publisher ended the session");
            return work;
        }
        // While the application is behind, leave datagrams in the socket: what the kernel
        // drops meanwhile comes back through retransmission requests.
        if (!held_.empty()) return work + transport_.flush();
        work += transport_.poll(*this);
        // Timers only while reading: unread answers are not unanswered requests.
        work += receiver_.on_tick(now);
        return work;
    }

    void on_stop(close_reason, std::int64_t) noexcept override {
        if (feed_ != transport::invalid_connection) transport_.close(feed_);
        if (requests_ != transport::invalid_connection) transport_.close(requests_);
        feed_ = requests_ = transport::invalid_connection;
    }

    [[nodiscard]] const mold_receiver& state_machine() const noexcept { return receiver_; }

    void on_data(transport::connection_id, bytes data) noexcept {
        ctx_->stamp_receive();
        ctx_->counters().add(counter::bytes_in, data.size());
        (void)receiver_.on_packet(data, now_);
    }
    void on_event(const transport::connection_event&) noexcept {}

  private:
    static mold_receiver_options options(const session_config& c, const sequenced_store* j) {
        mold_receiver_options o;
        o.session = c.requested_session;
        o.first_expected = j != nullptr ? j->next_sequence() : c.requested_sequence;
        // Patient with a busy network or publisher: 100 ms per attempt, 5 s without progress.
        o.request_timeout_ns = 100'000'000;
        o.max_retries = 50;
        o.silence_timeout_ns =
            c.heartbeat.interval_ns * static_cast<std::int64_t>(c.heartbeat.tolerated_misses);
        return o;
    }
    void on_message(std::uint64_t seq, bytes m) noexcept override {
        if (journal_failed_) return;
        if (journal_ != nullptr && journal_->append(seq, m) != store_status::ok) {
            journal_failed_ = true;
            ending_ = true;  // deliver what was recorded, then stop
            (void)ctx_->emit(record_type::journal_error, now_, seq, 0,
                             "the journal refused a received message");
            ctx_->finish(close_reason::transport_error, "journal refused a received message");
            return;
        }
        ctx_->counters().add(counter::frames_in);
        if (held_.empty() && ctx_->deliver(m, seq, now_) == ring_status::ok) return;
        if (!held_.push(seq, m)) ctx_->counters().add(counter::records_dropped);
    }
    bool send_request(bytes r) noexcept override {
        if (requests_ == transport::invalid_connection) return false;
        ctx_->counters().add(counter::retransmissions);
        return transport_.send(requests_, r).status == transport::send_status::ok;
    }
    void on_gap(std::uint64_t first, std::uint64_t count) noexcept override {
        ctx_->counters().add(counter::gaps);
        (void)ctx_->emit(record_type::gap_detected, now_, first, count);
    }
    void on_gap_filled(std::uint64_t first, std::uint64_t count) noexcept override {
        (void)ctx_->emit(record_type::gap_filled, now_, first, count);
    }
    void on_end_of_session(std::uint64_t) noexcept override {
        ending_ = true;  // finishes once every held message reached the application
    }
    void on_silence(std::uint32_t n) noexcept override {
        ctx_->counters().add(counter::heartbeats_missed);
        (void)ctx_->emit(record_type::heartbeat_missed, now_, 0, n);
    }
    void on_failure(std::uint64_t first, std::uint64_t count,
                    std::string_view text) noexcept override {
        (void)ctx_->emit(record_type::gap_detected, now_, first, count, text);
        ctx_->finish(close_reason::protocol_error, text);
    }

    Transport transport_;
    session_config config_;
    sequenced_store* journal_;
    mold_receiver receiver_;
    held_messages held_;
    bool ending_ = false;
    bool journal_failed_ = false;
    session_context* ctx_ = nullptr;
    transport::connection_id feed_ = transport::invalid_connection;
    transport::connection_id requests_ = transport::invalid_connection;
    std::int64_t now_ = 0;
};

/// Factory for protocol_registry: MoldUDP64 publishers and receivers over the socket
/// transport. Other roles are refused with a message.
[[nodiscard]] result<std::unique_ptr<session>> make_moldudp64_session(const session_config& s,
                                                                      const shard_config& shard);
/// Registers make_moldudp64_session for protocol_kind::moldudp64 and protocol_kind::itch.
/// A session whose journal.dir is not empty keeps its messages in a journal_sequenced_store
/// in `<journal.dir>/<session name>` (publisher: direction out, receiver: in).
void register_moldudp64(protocol_registry& registry);

}  // namespace exwire::engine::nasdaq
