#pragma once
// SoupBinTCP (and OUCH-over-SoupBinTCP) state machines run as engine sessions over a
// transport (any type modelling exwire::transport::transport).
//
// soup_client_session: connects to session_config.connect, logs in with username, password,
// requested_session and requested_sequence (0 there: the journal's next sequence, or 1
// without a journal), reconnects
// with backoff (reconnect_config) and resumes at the next expected sequence number.
//   to the application:  message records: Sequenced Data (sequence = its number) and
//                        Unsequenced Data (sequence 0), payloads without the SoupBinTCP header;
//                        events connected, logged_in (sequence: next expected),
//                        login_rejected (text: reason code and meaning), disconnected (text).
//   from the application: each outbound record is one Unsequenced Data packet (tag '+':
//                        a Debug packet instead). initiate_close() sends a Logout Request.
// soup_server_session: listens on session_config.listen and serves up to `max_clients`
// connections from one sequenced_store (its own memory_store unless one is given).
//   to the application:  Unsequenced Data from clients as message records (sequence 0,
//                        time of receipt); connected / logged_in / disconnected events, the
//                        latter with the reason a client was dropped.
//   from the application: each outbound record is appended to the store as the next
//                        Sequenced Data message and sent to every logged-in client (tag 'U':
//                        an Unsequenced Data packet to every logged-in client instead).
//                        initiate_close() sends End of Session to every client.
// Heartbeats: heartbeat_config.interval_ns, silence timeout = interval * tolerated_misses;
// a client with on_silence = notify reports heartbeat_missed (value: consecutive timeouts)
// instead of dropping the connection.
//
// Threads: as every engine session, stepped by its one shard. Backpressure: a client whose
// application ring is full holds what it already read (held_messages) and stops reading the
// connection until the application catches up; only beyond that buffer (2 MiB) are messages
// dropped and counted (counter::records_dropped). A server delivers clients' Unsequenced
// Data best effort: dropped and counted when the ring is full.

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include <exwire/core/result.hpp>
#include <exwire/engine/config.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/nasdaq/soupbintcp_session.hpp>
#include <exwire/engine/session.hpp>
#include <exwire/transport/transport.hpp>

namespace exwire::engine::nasdaq {

/// Bytes a transport could not take yet, sent again on later passes. Capacity fixed at
/// construction (no allocation afterwards).
class pending_output {
  public:
    explicit pending_output(std::size_t capacity = 1u << 18) { buf_.reserve(capacity); }

    /// Sends `data` after anything already pending; false when the connection is gone or
    /// the pending space is exhausted.
    template <transport::transport T>
    [[nodiscard]] bool write(T& t, transport::connection_id id, bytes data) noexcept {
        if (buf_.empty()) {
            const transport::send_result r = t.send(id, data);
            if (r.status == transport::send_status::ok) return true;
            if (r.status != transport::send_status::partial &&
                r.status != transport::send_status::would_block)
                return false;
            data = data.subspan(r.accepted);
        }
        if (buf_.size() + data.size() > buf_.capacity()) return false;
        buf_.insert(buf_.end(), data.begin(), data.end());
        return true;
    }
    /// Retries the pending bytes; returns work done.
    template <transport::transport T>
    int flush(T& t, transport::connection_id id) noexcept {
        if (buf_.empty()) return 0;
        const transport::send_result r = t.send(id, bytes(buf_.data(), buf_.size()));
        if (r.status == transport::send_status::ok) {
            buf_.clear();
            return 1;
        }
        if (r.status == transport::send_status::partial) {
            buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(r.accepted));
            return 1;
        }
        return 0;
    }
    [[nodiscard]] bool empty() const noexcept { return buf_.empty(); }
    void clear() noexcept { buf_.clear(); }

  private:
    std::vector<std::byte> buf_;
};

/// Messages read from the connection that the application's inbound ring could not take
/// yet, in order. While it holds any, the client session stops reading its connection (TCP
/// flow control then holds the server back). Capacity fixed at construction.
class held_messages {
  public:
    explicit held_messages(std::size_t capacity = 2u << 20) { buf_.reserve(capacity); }
    [[nodiscard]] bool empty() const noexcept { return read_ == buf_.size(); }
    /// False when there is no room (the message is lost; the caller counts it).
    [[nodiscard]] bool push(std::uint64_t sequence, bytes m) noexcept {
        if (buf_.size() + 12 + m.size() > buf_.capacity()) return false;
        const std::size_t at = buf_.size();
        buf_.resize(at + 12 + m.size());
        std::memcpy(buf_.data() + at, &sequence, 8);
        const auto n = static_cast<std::uint32_t>(m.size());
        std::memcpy(buf_.data() + at + 8, &n, 4);
        if (!m.empty()) std::memcpy(buf_.data() + at + 12, m.data(), m.size());
        return true;
    }
    /// Delivers held messages until the ring is full; returns how many were delivered.
    int deliver(session_context& ctx, std::int64_t now) noexcept {
        int n = 0;
        while (!empty()) {
            std::uint64_t seq = 0;
            std::uint32_t len = 0;
            std::memcpy(&seq, buf_.data() + read_, 8);
            std::memcpy(&len, buf_.data() + read_ + 8, 4);
            if (ctx.deliver(bytes(buf_.data() + read_ + 12, len), seq, now) != ring_status::ok)
                break;
            read_ += 12 + len;
            ++n;
        }
        if (empty()) {
            buf_.clear();
            read_ = 0;
        }
        return n;
    }
    void clear() noexcept {
        buf_.clear();
        read_ = 0;
    }

  private:
    std::vector<std::byte> buf_;
    std::size_t read_ = 0;
};

[[nodiscard]] inline soup_timing timing_from(const heartbeat_config& hb) noexcept {
    soup_timing t;
    t.heartbeat_interval_ns = hb.interval_ns;
    t.silence_timeout_ns = hb.interval_ns * static_cast<std::int64_t>(hb.tolerated_misses);
    return t;
}

// ---------------------------------------------------------------------------------------

template <transport::transport Transport>
class soup_client_session final : public session, private soup_client_handler {
  public:
    /// `journal` (optional, outlives the session) records every Sequenced Data message.
    soup_client_session(Transport transport, const session_config& config,
                        sequenced_store* journal = nullptr)
        : transport_(std::move(transport)),
          reconnect_(config.reconnect),
          remote_{config.connect.host, config.connect.port},
          client_(client_options(config, journal), *this, journal) {}

    result<void> on_start(session_context& ctx, std::int64_t now) override {
        ctx_ = &ctx;
        now_ = now;
        return connect();
    }

    int do_work(std::int64_t now) noexcept override {
        now_ = now;
        int work = held_.deliver(*ctx_, now);
        if (finished_ && held_.empty() && !ctx_->finishing())
            ctx_->finish(finish_reason_, finish_text_);
        // What the application committed goes out first (no read of the connection in its
        // way), in one write when the transport coalesces sends.
        if (!finished_) {
            if (const int sent = drain_application(); sent > 0) {
                work += sent;
                (void)transport_.flush();
            }
        }
        // Read the connection only when everything read before reached the application.
        work += held_.empty() ? transport_.poll(*this) : transport_.flush();
        if (conn_ != transport::invalid_connection) work += pending_.flush(transport_, conn_);
        if (finished_) return work;
        work += client_.on_tick(now);
        if (conn_ == transport::invalid_connection && !connecting_ && !finished_ &&
            now >= reconnect_at_) {
            if (!connect().ok()) schedule_reconnect("reconnect failed");
            ++work;
        }
        return work;
    }

    void on_close_requested(session_context& ctx, std::int64_t now) noexcept override {
        now_ = now;
        if (conn_ != transport::invalid_connection && client_.logout(now)) {
            (void)pending_.flush(transport_, conn_);
            (void)transport_.flush();
        }
        drop_connection();
        finish(close_reason::requested, "logged out");
        (void)ctx;
    }

    void on_stop(close_reason, std::int64_t) noexcept override { drop_connection(); }

    [[nodiscard]] const soup_client& state_machine() const noexcept { return client_; }

    // transport handler (called from poll)
    void on_data(transport::connection_id id, bytes data) noexcept {
        if (id != conn_) return;
        ctx_->stamp_receive();
        ctx_->counters().add(counter::bytes_in, data.size());
        client_.on_bytes(data, now_);
    }
    void on_event(const transport::connection_event& e) noexcept {
        if (e.id != conn_) return;
        switch (e.kind) {
            case transport::event_kind::connected:
                connecting_ = false;
                // attempts_ counts connects: more than one means this is a reconnect.
                (void)ctx_->emit(record_type::connected, now_, 0, attempts_ > 1 ? 1 : 0);
                if (attempts_ > 1) ctx_->counters().add(counter::reconnects);
                client_.on_connected(now_);
                return;
            case transport::event_kind::writable:
                (void)pending_.flush(transport_, conn_);
                return;
            default:
                conn_ = transport::invalid_connection;
                connecting_ = false;
                pending_.clear();
                client_.on_disconnected();
                ctx_->set_active(false);
                schedule_reconnect(transport::reason(e));
                return;
        }
    }

  private:
    static soup_client_options client_options(const session_config& c,
                                              const sequenced_store* journal) {
        soup_client_options o;
        o.username = c.username;
        o.password = c.password;
        o.requested_session = c.requested_session;
        // 0: the next one the journal expects (1 without a journal).
        o.requested_sequence = c.requested_sequence != 0 ? c.requested_sequence
                               : journal != nullptr      ? journal->next_sequence()
                                                         : 1;
        o.timing = timing_from(c.heartbeat);
        o.close_on_silence = c.heartbeat.on_silence == silence_action::close;
        return o;
    }

    result<void> connect() {
        ++attempts_;
        auto id = transport_.connect(remote_, 5'000'000'000);
        if (!id.ok()) return fail(id.err().message);
        conn_ = id.value();
        connecting_ = true;
        return {};
    }

    void drop_connection() noexcept {
        if (conn_ == transport::invalid_connection) return;
        transport_.close(conn_);
        conn_ = transport::invalid_connection;
        connecting_ = false;
        pending_.clear();
        client_.on_disconnected();
        ctx_->set_active(false);
    }

    /// Stops the session once every held message reached the application (`text` must be
    /// static: it may be used on a later pass).
    void finish(close_reason r, std::string_view text) noexcept {
        finished_ = true;
        finish_reason_ = r;
        finish_text_ = text;
        if (held_.empty()) ctx_->finish(r, text);
    }

    void schedule_reconnect(std::string_view why) noexcept {
        (void)ctx_->emit(record_type::disconnected, now_, 0, 0, why);
        if (finished_) return;
        if (!reconnect_.enabled ||
            (reconnect_.attempts != 0 && attempts_ - 1 >= reconnect_.attempts)) {
            finish(close_reason::transport_error, why);
            return;
        }
        const std::int64_t delay =
            std::min(reconnect_.max_delay_ns,
                     reconnect_.delay_ns << std::min<std::uint32_t>(failures_in_row_, 16));
        ++failures_in_row_;
        reconnect_at_ = now_ + delay;
    }

    int drain_application() noexcept {
        if (client_.current_state() != soup_client::state::active) return 0;
        int work = 0;
        byte_ring_consumer& out = ctx_->outbound();
        for (int i = 0; i < 64 && pending_.empty(); ++i) {
            const ring_record r = out.peek();
            if (!r.valid()) break;
            const bool sent = r.type == '+' ? client_.send_debug(to_string_view(r.payload), now_)
                                            : client_.send_unsequenced(r.payload, now_);
            if (!sent) break;  // the failure path has run
            ctx_->stamp_sent();
            ctx_->counters().add(counter::frames_out);
            ctx_->counters().add(counter::bytes_out, r.payload.size() + 3);
            out.release();
            ++work;
        }
        return work;
    }

    // soup_client_handler
    bool send(bytes packet) noexcept override {
        if (conn_ == transport::invalid_connection) return false;
        return pending_.write(transport_, conn_, packet);
    }
    void on_login_accepted(std::string_view, std::uint64_t next) noexcept override {
        failures_in_row_ = 0;
        ctx_->set_active(true);
        (void)ctx_->emit(record_type::logged_in, now_, next);
    }
    void on_login_rejected(char reason) noexcept override {
        const char* text = reason == 'A'   ? "A: not authorized"
                           : reason == 'S' ? "S: session not available"
                                           : "unknown reason code";
        (void)ctx_->emit(record_type::login_rejected, now_, 0, static_cast<std::uint8_t>(reason),
                         text);
    }
    void on_sequenced(std::uint64_t seq, bytes m) noexcept override { deliver(m, seq); }
    void on_unsequenced(bytes m) noexcept override { deliver(m, 0); }
    void on_server_heartbeat() noexcept override { ctx_->counters().add(counter::heartbeats_in); }
    void on_silence(std::uint32_t n) noexcept override {
        ctx_->counters().add(counter::heartbeats_missed);
        (void)ctx_->emit(record_type::heartbeat_missed, now_, 0, n);
    }
    void on_failure(soup_close reason, std::string_view text) noexcept override {
        const transport::connection_id id = conn_;
        if (reason == soup_close::journal_failed) {
            drop_connection();
            (void)ctx_->emit(record_type::journal_error, now_, client_.next_expected(), 0, text);
            finish(close_reason::transport_error, text);
            return;
        }
        if (reason == soup_close::end_of_session || reason == soup_close::login_rejected) {
            (void)transport_.flush();
            drop_connection();
            (void)ctx_->emit(record_type::disconnected, now_, 0, 0, text);
            finish(reason == soup_close::end_of_session ? close_reason::end_of_session
                                                        : close_reason::login_rejected,
                   text);
            return;
        }
        if (reason == soup_close::silence_timeout) ctx_->counters().add(counter::heartbeats_missed);
        if (id != transport::invalid_connection) {
            transport_.close(id);
            conn_ = transport::invalid_connection;
            pending_.clear();
            ctx_->set_active(false);
        }
        schedule_reconnect(text);
    }
    void deliver(bytes m, std::uint64_t seq) noexcept {
        ctx_->counters().add(counter::frames_in);
        if (held_.empty() && ctx_->deliver(m, seq, now_) == ring_status::ok) return;
        if (!held_.push(seq, m)) ctx_->counters().add(counter::records_dropped);
    }

    Transport transport_;
    held_messages held_;
    reconnect_config reconnect_;
    transport::endpoint remote_;
    soup_client client_;
    pending_output pending_;
    session_context* ctx_ = nullptr;
    transport::connection_id conn_ = transport::invalid_connection;
    std::int64_t now_ = 0;
    std::int64_t reconnect_at_ = 0;
    std::uint32_t attempts_ = 0;
    std::uint32_t failures_in_row_ = 0;
    bool connecting_ = false;
    bool finished_ = false;
    close_reason finish_reason_{};
    std::string_view finish_text_;
};

// ---------------------------------------------------------------------------------------

template <transport::transport Transport>
class soup_server_session final : public session {
  public:
    static constexpr std::size_t max_clients = 16;

    /// `store` (optional, outlives the session): the session's sequenced messages; without
    /// one the session keeps its own memory_store. `auth` (optional, outlives the session):
    /// without one, username/password from the configuration are required (none: anyone).
    soup_server_session(Transport transport, const session_config& config,
                        sequenced_store* store = nullptr, soup_authenticator* auth = nullptr)
        : transport_(std::move(transport)),
          local_{config.listen.host, config.listen.port},
          default_auth_(config.username, config.password),
          auth_(auth != nullptr ? auth : &default_auth_),
          store_(store != nullptr ? store : &own_store_) {
        options_.session = config.requested_session.empty() ? "1" : config.requested_session;
        options_.timing = timing_from(config.heartbeat);
        for (auto& s : slots_) {
            s.owner = this;
            s.machine = std::make_unique<soup_server_connection>(options_, *store_, *auth_, s);
        }
    }

    result<void> on_start(session_context& ctx, std::int64_t now) override {
        ctx_ = &ctx;
        now_ = now;
        auto id = transport_.listen(local_);
        if (!id.ok()) return fail(id.err().message);
        listener_ = id.value();
        ctx.set_active(true);
        return {};
    }

    int do_work(std::int64_t now) noexcept override {
        now_ = now;
        // What the application committed goes out first (stored, then sent by each
        // connection's tick; one write per client when the transport coalesces sends),
        // then the connections are read.
        const int drained = drain_application();
        int work = drained;
        for (auto& s : slots_) {
            if (s.id == transport::invalid_connection) continue;
            work += s.pending.flush(transport_, s.id);
            if (s.pending.empty()) work += s.machine->on_tick(now);
            if (s.closing) release(s);
        }
        if (drained > 0) (void)transport_.flush();
        work += transport_.poll(*this);
        return work;
    }

    void on_close_requested(session_context& ctx, std::int64_t now) noexcept override {
        now_ = now;
        // Everything the application sent before asking to close belongs to the session.
        while (drain_application() != 0) {
        }
        for (auto& s : slots_) {
            if (s.id == transport::invalid_connection) continue;
            (void)s.machine->end_session(now);
            (void)s.pending.flush(transport_, s.id);
        }
        (void)transport_.flush();
        for (auto& s : slots_)
            release(s);
        ctx.finish(close_reason::requested, "end of session");
    }

    void on_stop(close_reason, std::int64_t) noexcept override {
        for (auto& s : slots_)
            release(s);
        if (listener_ != transport::invalid_connection) transport_.close(listener_);
        listener_ = transport::invalid_connection;
    }

    /// The port listened on (useful with port 0), when the transport can tell.
    [[nodiscard]] Transport& transport_object() noexcept { return transport_; }
    [[nodiscard]] const sequenced_store& store() const noexcept { return *store_; }

    // transport handler
    void on_data(transport::connection_id id, bytes data) noexcept {
        slot* s = find(id);
        if (s == nullptr || s->closing) return;
        ctx_->counters().add(counter::bytes_in, data.size());
        s->machine->on_bytes(data, now_);
        if (s->closing) release(*s);
    }
    void on_event(const transport::connection_event& e) noexcept {
        if (e.kind == transport::event_kind::accepted) {
            slot* s = find(transport::invalid_connection);
            if (s == nullptr) {
                transport_.close(e.id);
                (void)ctx_->emit(record_type::disconnected, now_, 0, 0,
                                 "client refused: too many connections");
                return;
            }
            s->id = e.id;
            s->closing = false;
            s->machine->on_connected(now_);
            (void)ctx_->emit(record_type::connected, now_, static_cast<std::uint64_t>(e.id));
            return;
        }
        slot* s = find(e.id);
        if (s == nullptr) return;
        if (e.kind == transport::event_kind::writable) {
            (void)s->pending.flush(transport_, s->id);
            return;
        }
        if (e.kind == transport::event_kind::closed_by_peer ||
            e.kind == transport::event_kind::error) {
            (void)ctx_->emit(record_type::disconnected, now_, static_cast<std::uint64_t>(e.id), 0,
                             transport::reason(e));
            s->id = transport::invalid_connection;  // the transport released it
            s->pending.clear();
            s->closing = false;
        }
    }

  private:
    struct slot final : soup_server_handler {
        soup_server_session* owner = nullptr;
        std::unique_ptr<soup_server_connection> machine;
        transport::connection_id id = transport::invalid_connection;
        pending_output pending;
        bool closing = false;

        bool send(bytes packet) noexcept override {
            if (id == transport::invalid_connection) return false;
            return pending.write(owner->transport_, id, packet);
        }
        bool can_send() noexcept override { return pending.empty(); }
        void on_logged_in(const soup_login&, std::uint64_t first) noexcept override {
            (void)owner->ctx_->emit(record_type::logged_in, owner->now_, first,
                                    static_cast<std::uint64_t>(id));
        }
        void on_unsequenced(bytes m) noexcept override {
            owner->ctx_->counters().add(counter::frames_in);
            if (owner->ctx_->deliver(m, 0, owner->now_) != ring_status::ok)
                owner->ctx_->counters().add(counter::records_dropped);
        }
        void on_failure(soup_close reason, std::string_view text) noexcept override {
            // The reason is logged as the disconnected event's text.
            (void)owner->ctx_->emit(record_type::disconnected, owner->now_,
                                    static_cast<std::uint64_t>(id),
                                    static_cast<std::uint64_t>(reason), text);
            closing = true;  // released after the current call returns
        }
    };

    slot* find(transport::connection_id id) noexcept {
        for (auto& s : slots_)
            if (s.id == id) return &s;
        return nullptr;
    }
    void release(slot& s) noexcept {
        if (s.id == transport::invalid_connection) return;
        (void)s.pending.flush(transport_, s.id);
        (void)transport_.flush();
        transport_.close(s.id);
        s.id = transport::invalid_connection;
        s.pending.clear();
        s.closing = false;
    }

    int drain_application() noexcept {
        int work = 0;
        if (store_failed_) return 0;
        byte_ring_consumer& out = ctx_->outbound();
        for (int i = 0; i < 256; ++i) {
            const ring_record r = out.peek();
            if (!r.valid()) break;
            if (r.type == 'U') {
                for (auto& s : slots_)
                    if (s.id != transport::invalid_connection)
                        (void)s.machine->send_unsequenced(r.payload, now_);
            } else if (store_->append(store_->next_sequence(), r.payload) != store_status::ok) {
                // Not recorded, so never sent: report once and end the session.
                store_failed_ = true;
                (void)ctx_->emit(record_type::journal_error, now_, store_->next_sequence(), 0,
                                 "the sequenced store refused a message");
                // What was recorded before still goes out in this pass; on_stop() closes.
                ctx_->finish(close_reason::transport_error, "journal refused an outbound message");
                return work;
            }
            ctx_->counters().add(counter::frames_out);
            ctx_->counters().add(counter::bytes_out, r.payload.size() + 3);
            out.release();
            ++work;
        }
        return work;
    }

    Transport transport_;
    transport::endpoint local_;
    static_authenticator default_auth_;
    soup_authenticator* auth_;
    memory_store own_store_;
    sequenced_store* store_;
    bool store_failed_ = false;
    soup_server_options options_;
    std::array<slot, max_clients> slots_{};
    session_context* ctx_ = nullptr;
    transport::connection_id listener_ = transport::invalid_connection;
    std::int64_t now_ = 0;
};

/// Factories for protocol_registry: SoupBinTCP (and OUCH, which rides on it) clients and
/// servers over the plain-socket transport. Other roles are refused with a message.
[[nodiscard]] result<std::unique_ptr<session>> make_soupbintcp_session(const session_config& s,
                                                                       const shard_config& shard);
/// Registers make_soupbintcp_session for protocol_kind::soupbintcp and protocol_kind::ouch.
/// Registers the SoupBinTCP/OUCH factory. A session whose journal.dir is not empty keeps
/// its sequenced messages in a journal_sequenced_store in `<journal.dir>/<session name>`
/// (server: outbound, client: inbound); otherwise in memory.
void register_soupbintcp(protocol_registry& registry);

}  // namespace exwire::engine::nasdaq
