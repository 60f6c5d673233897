// FIX engine session: the session machine over the socket transport (see the header).
#include "exwire/engine/fix/engine_session.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include <exwire/core/clock.hpp>
#include <exwire/engine/journal_store.hpp>
#include <exwire/transport/socket_transport.hpp>

namespace exwire::engine::fix {

namespace tr = exwire::transport;

session_settings settings_from(const session_config& c) {
    session_settings s;
    s.role = c.role == exwire::engine::session_role::acceptor ||
                     c.role == exwire::engine::session_role::server
                 ? fix::session_role::acceptor
                 : fix::session_role::initiator;
    s.begin_string = c.fix_version;
    if (s.begin_string == "FIXT.1.1")
        s.default_appl_ver_id = c.fix.default_appl_ver_id.empty() ? std::string("9")  // 5.0 SP2
                                                                  : c.fix.default_appl_ver_id;
    s.sender_comp_id = c.sender_comp_id;
    s.target_comp_id = c.target_comp_id;
    const std::int64_t hb = c.heartbeat.interval_ns / 1'000'000'000;
    s.heartbeat_interval_s = hb < 1 ? 1u : static_cast<std::uint32_t>(hb);
    s.reset_on_logon = c.fix.reset_on_logon;
    s.next_expected_msg_seq_num = c.fix.next_expected_msg_seq_num;
    s.logon_timeout_ns = c.fix.logon_timeout_ns;
    s.logout_timeout_ns = c.fix.logout_timeout_ns;
    s.check_latency = c.fix.check_latency;
    s.max_latency_ns = c.fix.max_latency_ns;
    s.time_digits = static_cast<std::uint8_t>(c.fix.time_digits > 9 ? 9 : c.fix.time_digits);
    if (!c.fix.start_time.empty()) {
        // validate() refused a schedule that does not parse; make_fix_session checks again.
        auto sc =
            session_schedule::parse(c.fix.start_time, c.fix.end_time, c.fix.days, c.fix.time_zone);
        if (sc) s.schedule = *sc;
    }
    return s;
}

namespace {

class fix_engine_session final : public session, private session_output {
  public:
    fix_engine_session(const session_config& c, tr::socket_transport t,
                       std::unique_ptr<message_store> store, session_settings settings,
                       std::shared_ptr<const codec::fix::dictionary> dictionary)
        : config_(c),
          transport_(std::move(t)),
          store_(std::move(store)),
          dictionary_(std::move(dictionary)),
          machine_(std::move(settings), *store_, *this) {
        held_.reserve(std::size_t{256} << 10);  // more than one read's worth of frames
    }

    result<void> on_start(session_context& ctx, std::int64_t now_ns) override {
        ctx_ = &ctx;
        wall_offset_ = wall_ns() - now_ns;
        if (machine_.settings().role == fix::session_role::acceptor) {
            auto l = transport_.listen({config_.listen.host, config_.listen.port});
            if (!l) return fail(l.err().message);
        } else {
            now_ = now_ns + wall_offset_;
            if (!in_window()) {
                reconnect_at_ = now_ + 1'000'000'000;  // connect when the schedule opens
                return {};
            }
            auto c = connect();
            if (!c) return c;
        }
        return {};
    }

    int do_work(std::int64_t now_ns) noexcept override {
        now_ = now_ns + wall_offset_;
        // Messages the application's full ring could not take go first; while any remain
        // the connection is not read (TCP flow control holds the peer back), only flushed.
        int work = deliver_held();
        work += held_at_ == held_.size() ? transport_.poll(*this) : transport_.flush();
        if (close_pending_) {
            close_pending_ = false;
            if (conn_ != tr::invalid_connection) close_conn();
            conn_ = tr::invalid_connection;
            after_disconnect();
        }
        flush_pending();
        // The application's sends, while logged on; kept in the ring until then, and while
        // the socket refuses bytes (backpressure: the ring fills, the application waits).
        if (machine_.logged_on() && pending_.empty()) {
            byte_ring_consumer& out = ctx_->outbound();
            for (int i = 0; i < 1024 && pending_.empty(); ++i) {
                const ring_record r = out.peek();
                if (!r.valid()) break;
                char type[4];
                std::size_t n = 0;
                for (; n < 4 && ((r.type >> (8 * n)) & 0xFFu) != 0; ++n)
                    type[n] = static_cast<char>((r.type >> (8 * n)) & 0xFFu);
                if (machine_.send_app(std::string_view(type, n), to_string_view(r.payload), now_) !=
                    command_status::ok)
                    ctx_->counters().add(counter::records_dropped);
                out.release();
                ++work;
            }
        }
        machine_.on_tick(now_);
        // Sends are coalesced: everything this pass wrote leaves in one write.
        work += transport_.flush();
        if (conn_ == tr::invalid_connection && !connecting_ && reconnect_at_ != 0 &&
            now_ >= reconnect_at_ && !closing_ && !store_failed_) {
            reconnect_at_ = 0;
            if (!in_window()) {
                reconnect_at_ = now_ + 1'000'000'000;  // outside the schedule: look again in 1 s
            } else if (!connect().ok()) {
                schedule_reconnect("reconnect failed");
            }
            ++work;
        }
        if (!store_->healthy() && !store_failed_) {
            // What the store could not record was not sent; nothing more is sent either.
            store_failed_ = true;
            const char* why = store_->failure() != nullptr ? store_->failure() : "store failed";
            (void)ctx_->emit(record_type::journal_error, now_, store_->next_sender_seq(), 0, why);
            if (conn_ != tr::invalid_connection) close_conn();
            conn_ = tr::invalid_connection;
            ctx_->finish(close_reason::transport_error, "journal refused an outbound message");
        }
        return work;
    }

    void on_close_requested(session_context& ctx, std::int64_t now_ns) noexcept override {
        closing_ = true;
        if (!machine_.logged_on()) {
            ctx.finish(close_reason::requested);
            return;
        }
        machine_.logout({}, now_ns + wall_offset_);
    }

    void on_stop(close_reason, std::int64_t) noexcept override {
        if (conn_ != tr::invalid_connection) close_conn();
        conn_ = tr::invalid_connection;
    }

    // transport handler
    void on_data(tr::connection_id id, bytes data) noexcept {
        if (id != conn_) return;
        ctx_->counters().add(counter::bytes_in, data.size());
        machine_.on_bytes(to_string_view(data), now_);
    }
    void on_event(const tr::connection_event& e) noexcept {
        switch (e.kind) {
            case tr::event_kind::connected:
            case tr::event_kind::accepted:
                if (conn_ != tr::invalid_connection && e.id != conn_) {
                    transport_.close(e.id);  // one connection per session at a time
                    return;
                }
                conn_ = e.id;
                connecting_ = false;
                // value 1: a reconnect (the initiator connected before).
                (void)ctx_->emit(record_type::connected, now_, 0, connects_ > 1 ? 1 : 0);
                if (connects_ > 1) ctx_->counters().add(counter::reconnects);
                machine_.on_connected(now_);
                break;
            case tr::event_kind::connect_failed:
                if (e.id != conn_) return;
                conn_ = tr::invalid_connection;
                connecting_ = false;
                schedule_reconnect(tr::reason(e));
                break;
            case tr::event_kind::closed_by_peer:
            case tr::event_kind::error:
                if (e.id != conn_) return;
                conn_ = tr::invalid_connection;
                machine_.on_disconnected(now_);
                after_disconnect();
                break;
            case tr::event_kind::writable:
                flush_pending();
                break;
        }
    }

  private:
    /// Closes the connection after writing what the pass queued (sends are coalesced).
    void close_conn() noexcept {
        (void)transport_.flush();
        transport_.close(conn_);
    }

    void after_disconnect() noexcept {
        pending_.clear();
        ctx_->set_active(false);
        if (closing_)
            ctx_->finish(close_reason::requested);
        else if (machine_.settings().role == fix::session_role::initiator) {
            if (peer_logged_out_)
                ctx_->finish(close_reason::peer_logout, last_reason_);
            else
                schedule_reconnect(last_reason_);
        }
    }

    [[nodiscard]] bool in_window() const noexcept {
        const auto& sc = machine_.settings().schedule;
        return !sc || sc->in_session(now_);
    }

    result<void> connect() {
        ++connects_;
        auto c = transport_.connect({config_.connect.host, config_.connect.port}, 5'000'000'000);
        if (!c) return fail(c.err().message);
        conn_ = *c;
        connecting_ = true;
        return {};
    }

    /// Initiator after a lost or failed connection: reconnect with a doubling delay
    /// (reconnect.delay .. reconnect.max_delay), or finish when reconnecting is off or
    /// reconnect.attempts consecutive attempts failed. `why` must outlive the session.
    void schedule_reconnect(std::string_view why) noexcept {
        const reconnect_config& rc = config_.reconnect;
        if (!rc.enabled || closing_ || (rc.attempts != 0 && failures_in_row_ >= rc.attempts)) {
            ctx_->finish(close_reason::transport_error, why);
            return;
        }
        const std::int64_t delay =
            std::min(rc.max_delay_ns, rc.delay_ns << std::min<std::uint32_t>(failures_in_row_, 16));
        ++failures_in_row_;
        reconnect_at_ = now_ + delay;
    }

    // session_output
    void send(std::string_view frame) noexcept override {
        if (conn_ == tr::invalid_connection) return;
        ctx_->counters().add(counter::frames_out);
        ctx_->counters().add(counter::bytes_out, frame.size());
        // Frames are sequenced and stored: one the socket refuses waits in pending_ (and
        // later ones behind it) until the transport reports `writable`.
        if (!pending_.empty()) {
            pending_.append(frame);
            return;
        }
        const tr::send_result r = transport_.send(
            conn_, bytes(reinterpret_cast<const std::byte*>(frame.data()), frame.size()));
        switch (r.status) {
            case tr::send_status::ok:
                return;
            case tr::send_status::partial:
            case tr::send_status::would_block:
                pending_.assign(frame.substr(r.accepted));
                return;
            case tr::send_status::closed:
            case tr::send_status::error:
                last_reason_ = "send failed";
                close_pending_ = true;
                return;
        }
    }
    void flush_pending() noexcept {
        if (pending_.empty() || conn_ == tr::invalid_connection) return;
        const tr::send_result r = transport_.send(
            conn_, bytes(reinterpret_cast<const std::byte*>(pending_.data()), pending_.size()));
        switch (r.status) {
            case tr::send_status::ok:
                pending_.clear();
                return;
            case tr::send_status::partial:
                pending_.erase(0, r.accepted);
                return;
            case tr::send_status::would_block:
                return;
            case tr::send_status::closed:
            case tr::send_status::error:
                pending_.clear();
                last_reason_ = "send failed";
                close_pending_ = true;
                return;
        }
    }
    void disconnect() noexcept override { close_pending_ = true; }
    void on_event(const session_event& e) noexcept override {
        switch (e.kind) {
            case event_kind::logon:
                failures_in_row_ = 0;
                ctx_->set_active(true);
                (void)ctx_->emit(record_type::logged_in, now_, machine_.next_target_seq());
                break;
            case event_kind::logout:
                if (e.text == "Received logout request") peer_logged_out_ = true;
                break;
            case event_kind::sequence_gap:
                (void)ctx_->emit(record_type::gap_detected, now_, e.from, e.to - e.from + 1);
                break;
            case event_kind::gap_filled:
                (void)ctx_->emit(record_type::gap_filled, now_, e.from, e.to - e.from + 1);
                break;
            case event_kind::disconnect:
                last_reason_ = e.text;
                (void)ctx_->emit(record_type::disconnected, now_, 0, 0, e.text);
                break;
            default:
                break;
        }
    }
    app_verdict on_app_message(const codec::fix::message_view& m) noexcept override {
        const std::string_view f = m.bytes();
        ctx_->counters().add(counter::frames_in);
        const std::uint64_t seq = codec::fix::parse_uint(m.get(34)).value_or(0);
        if (held_at_ == held_.size() &&
            ctx_->deliver(bytes(reinterpret_cast<const std::byte*>(f.data()), f.size()), seq,
                          now_) == ring_status::ok)
            return app_verdict::accepted;
        // The ring is full (or older messages wait): the machine has accepted this one, so
        // keep it, in order, and stop reading until the application has taken them all.
        // The buffer grows past its reserve only if one read held more than it.
        hold(seq, f);
        return app_verdict::accepted;
    }

    void hold(std::uint64_t seq, std::string_view frame) noexcept {
        char head[12];
        const auto n = static_cast<std::uint32_t>(frame.size());
        std::memcpy(head, &seq, 8);
        std::memcpy(head + 8, &n, 4);
        try {
            held_.append(head, sizeof head);
            held_.append(frame);
        } catch (...) {  // out of memory: the message is lost, counted
            ctx_->counters().add(counter::records_dropped);
        }
    }

    /// Delivers held messages until the ring is full; returns how many were delivered.
    int deliver_held() noexcept {
        int n = 0;
        while (held_at_ < held_.size()) {
            std::uint64_t seq = 0;
            std::uint32_t len = 0;
            std::memcpy(&seq, held_.data() + held_at_, 8);
            std::memcpy(&len, held_.data() + held_at_ + 8, 4);
            if (ctx_->deliver(
                    bytes(reinterpret_cast<const std::byte*>(held_.data() + held_at_ + 12), len),
                    seq, now_) != ring_status::ok)
                break;
            held_at_ += 12 + len;
            ++n;
        }
        if (held_at_ == held_.size() && held_at_ != 0) {
            held_.clear();
            held_at_ = 0;
        }
        return n;
    }

    session_config config_;
    tr::socket_transport transport_;
    std::unique_ptr<message_store> store_;
    std::shared_ptr<const codec::fix::dictionary> dictionary_;  ///< from fix.dictionary, if any
    session_machine machine_;
    session_context* ctx_ = nullptr;
    tr::connection_id conn_ = tr::invalid_connection;
    std::int64_t wall_offset_ = 0;
    std::int64_t now_ = 0;
    bool close_pending_ = false;
    bool closing_ = false;
    bool store_failed_ = false;
    bool connecting_ = false;
    std::uint32_t connects_ = 0;         ///< connects started (initiator)
    std::uint32_t failures_in_row_ = 0;  ///< failed connections since the last logon
    std::int64_t reconnect_at_ = 0;      ///< wall ns; 0: no reconnect pending
    bool peer_logged_out_ = false;
    std::string_view last_reason_;
    std::string pending_;  ///< bytes the socket refused, sent first when it is writable
    /// Application messages the inbound ring could not take yet: [seq 8][len 4][frame]...
    std::string held_;
    std::size_t held_at_ = 0;  ///< first held byte not yet delivered
};

}  // namespace

result<std::unique_ptr<session>> make_fix_session(const session_config& c, const shard_config&,
                                                  const fix_session_options& options) {
    // Coalesced sends: the frames of one pass (a drained ring, a resend) leave in one
    // write at the end of the pass instead of one system call each.
    tr::socket_transport_options topt;
    topt.coalesce_sends = true;
    auto t = tr::socket_transport::create(topt);
    if (!t) return fail(t.err().message);
    session_settings settings = settings_from(c);
    if (!c.fix.start_time.empty() && !settings.schedule) {
        auto sc =
            session_schedule::parse(c.fix.start_time, c.fix.end_time, c.fix.days, c.fix.time_zone);
        return fail("session '" + c.name + "': fix.start_time: " + sc.err().message);
    }
    std::shared_ptr<const codec::fix::dictionary> dictionary;
    settings.dictionary = options.dictionary;
    if (settings.dictionary == nullptr && !c.fix.dictionary.empty()) {
        auto d = codec::fix::dictionary::load(c.fix.dictionary);
        if (!d) return fail("session '" + c.name + "': fix.dictionary: " + d.err().message);
        dictionary = std::make_shared<const codec::fix::dictionary>(std::move(*d));
        settings.dictionary = dictionary.get();
    }
    if (options.customize) options.customize(c, settings);
    std::unique_ptr<message_store> store;
    if (options.make_store) {
        store = options.make_store(c);
    } else if (!c.journal.dir.empty()) {
        // A configured journal keeps sequence numbers and sent messages across restarts.
        auto j =
            journal_message_store::open(session_journal_dir(c), journal_config_from(c.journal));
        if (!j) return fail("session '" + c.name + "': " + j.err().message);
        store = std::move(*j);
    } else {
        store = std::make_unique<memory_store>();
    }
    if (!store) return fail("session '" + c.name + "': no message store");
    return result<std::unique_ptr<session>>(
        std::unique_ptr<session>(std::make_unique<fix_engine_session>(
            c, std::move(*t), std::move(store), std::move(settings), std::move(dictionary))));
}

void register_fix_sessions(protocol_registry& registry, fix_session_options options) {
    registry.add(protocol_kind::fix, [options](const session_config& c, const shard_config& sh) {
        return make_fix_session(c, sh, options);
    });
}

}  // namespace exwire::engine::fix
