// FIX engine session: the session machine over the socket transport (see the header).
#include "exwire/engine/fix/engine_session.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

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
    s.sender_sub_id = c.fix.sender_sub_id;
    s.target_sub_id = c.fix.target_sub_id;
    s.sender_location_id = c.fix.sender_location_id;
    s.target_location_id = c.fix.target_location_id;
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

class fix_engine_session;

/// The listening port of one shard's acceptor sessions with the same `listen` address: one
/// transport listens and carries every connection of those sessions, all on the shard
/// thread. With one session, a connection is that session's from the start. With several,
/// it belongs to none until its first complete frame (the Logon) names the identity
/// (BeginString, SenderCompID, TargetCompID and the sub/location IDs a session sets): it goes
/// to the matching session (the one setting the most sub/location IDs if several match);
/// an unknown identity, a second connection of a session that has one, or a connection
/// that sends no frame within the logon timeout is closed without an answer.
class acceptor_port {
  public:
    explicit acceptor_port(tr::socket_transport t) : transport_(std::move(t)) {}
    tr::socket_transport& transport() noexcept { return transport_; }
    void add(fix_engine_session* s) { members_.push_back(s); }
    void remove(fix_engine_session* s) noexcept {
        members_.erase(std::remove(members_.begin(), members_.end(), s), members_.end());
    }
    /// Listens once (the first member to start).
    result<void> listen(const endpoint& at) {
        if (listening_) return {};
        auto l = transport_.listen({at.host, at.port});
        if (!l) return fail(l.err().message);
        listening_ = true;
        return {};
    }
    /// Polls the transport once per shard pass (whichever member comes first).
    int poll(std::int64_t pass_ns, std::int64_t now, std::int64_t logon_timeout_ns) noexcept;

    // transport handler
    void on_data(tr::connection_id id, bytes data) noexcept;
    void on_event(const tr::connection_event& e) noexcept;

  private:
    struct unassigned {
        tr::connection_id id;
        std::int64_t since;
        std::string in;
    };
    fix_engine_session* owner(tr::connection_id id) const noexcept;
    void route(std::size_t pending_index) noexcept;
    void drop_pending(std::size_t i) noexcept {
        transport_.close(pending_[i].id);
        pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
    }

    tr::socket_transport transport_;
    std::vector<fix_engine_session*> members_;
    std::vector<unassigned> pending_;
    std::int64_t last_pass_ = -1;
    std::int64_t now_ = 0;
    bool listening_ = false;
};

/// Acceptor ports by "shard|host:port", shared by the sessions one registry builds.
struct acceptor_ports {
    std::map<std::string, std::weak_ptr<acceptor_port>> ports;
};

class fix_engine_session final : public session, private session_output {
  public:
    /// An initiator owns `own`; an acceptor uses `port` (shared with the shard's other
    /// acceptors on the same address).
    fix_engine_session(const session_config& c, std::unique_ptr<tr::socket_transport> own,
                       std::shared_ptr<acceptor_port> port, std::unique_ptr<message_store> store,
                       session_settings settings,
                       std::shared_ptr<const codec::fix::dictionary> dictionary)
        : config_(c),
          own_(std::move(own)),
          port_(std::move(port)),
          transport_(own_ ? *own_ : port_->transport()),
          store_(std::move(store)),
          dictionary_(std::move(dictionary)),
          machine_(std::move(settings), *store_, *this) {
        held_.reserve(std::size_t{256} << 10);  // more than one read's worth of frames
        if (port_) port_->add(this);
    }
    ~fix_engine_session() override {
        if (port_) port_->remove(this);
    }

    [[nodiscard]] tr::connection_id connection() const noexcept { return conn_; }
    /// Whether a Logon (as the peer wrote it) names this session: BeginString, CompIDs and
    /// the sub/location IDs the session sets. -1: no; else how specific the session is.
    [[nodiscard]] int identity_match(const codec::fix::message_view& logon) const noexcept {
        const session_settings& st = machine_.settings();
        if (logon.begin_string() != st.begin_string || !is_peer_identity(st, logon)) return -1;
        return identity_specificity(st);
    }
    /// A connection routed here by the acceptor port, with the bytes read so far.
    void adopt(tr::connection_id id, std::string_view first_bytes) noexcept {
        tr::connection_event e;
        e.id = id;
        e.kind = tr::event_kind::accepted;
        on_event(e);
        if (conn_ == id && !first_bytes.empty())
            on_data(id, bytes(reinterpret_cast<const std::byte*>(first_bytes.data()),
                              first_bytes.size()));
    }
    [[nodiscard]] std::int64_t logon_timeout_ns() const noexcept {
        return machine_.settings().logon_timeout_ns;
    }

    result<void> on_start(session_context& ctx, std::int64_t now_ns) override {
        ctx_ = &ctx;
        wall_offset_ = wall_ns() - now_ns;
        if (port_) {
            auto l = port_->listen(config_.listen);
            if (!l) return l;
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
        // (An acceptor port shared by several sessions is read for the others anyway: this
        // session's messages are then held in memory, without flow control.)
        if (held_at_ != held_.size())
            work += transport_.flush();
        else if (port_)
            work += port_->poll(now_ns, now_, machine_.settings().logon_timeout_ns);
        else
            work += transport_.poll(*this);
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
        const std::uint64_t seq = machine_.inbound_seq();  // parsed once by the machine
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
    std::unique_ptr<tr::socket_transport> own_;
    std::shared_ptr<acceptor_port> port_;
    tr::socket_transport& transport_;
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

fix_engine_session* acceptor_port::owner(tr::connection_id id) const noexcept {
    for (fix_engine_session* m : members_)
        if (m->connection() == id) return m;
    return nullptr;
}

int acceptor_port::poll(std::int64_t pass_ns, std::int64_t now,
                        std::int64_t logon_timeout_ns) noexcept {
    if (pass_ns == last_pass_) return 0;
    last_pass_ = pass_ns;
    now_ = now;
    int work = transport_.poll(*this);
    for (std::size_t i = 0; i < pending_.size();) {
        if (now_ - pending_[i].since >= logon_timeout_ns) {
            drop_pending(i);
            ++work;
        } else {
            ++i;
        }
    }
    return work;
}

void acceptor_port::on_data(tr::connection_id id, bytes data) noexcept {
    if (fix_engine_session* m = owner(id)) {
        m->on_data(id, data);
        return;
    }
    for (std::size_t i = 0; i < pending_.size(); ++i) {
        if (pending_[i].id != id) continue;
        try {
            pending_[i].in.append(to_string_view(data));
        } catch (...) {
            drop_pending(i);
            return;
        }
        route(i);
        return;
    }
}

void acceptor_port::route(std::size_t i) noexcept {
    const std::string_view in = pending_[i].in;
    const codec::fix::frame_result r = codec::fix::check_frame(in);
    if (r.status == codec::fix::frame_status::need_more) {
        if (in.size() > (std::size_t{64} << 10)) drop_pending(i);  // no Logon is that long
        return;
    }
    if (r.status != codec::fix::frame_status::complete) {
        drop_pending(i);
        return;
    }
    const codec::fix::message_view m(in.substr(0, r.length));
    // The matching session that names the most sub/location IDs (the most specific one).
    fix_engine_session* to = nullptr;
    int best = -1;
    for (fix_engine_session* s : members_) {
        const int k = s->identity_match(m);
        if (k > best) {
            best = k;
            to = s;
        }
    }
    // Unknown identity, or one that has a connection already (1b): closed unanswered.
    if (to == nullptr || to->connection() != tr::invalid_connection) {
        drop_pending(i);
        return;
    }
    const tr::connection_id id = pending_[i].id;
    std::string first = std::move(pending_[i].in);
    pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
    to->adopt(id, first);
}

void acceptor_port::on_event(const tr::connection_event& e) noexcept {
    if (e.kind == tr::event_kind::accepted) {
        if (members_.size() == 1) {  // a port of its own: the connection is the session's
            members_.front()->on_event(e);
            return;
        }
        try {
            pending_.push_back({e.id, now_, {}});
        } catch (...) {
            transport_.close(e.id);
        }
        return;
    }
    if (fix_engine_session* m = owner(e.id)) {
        m->on_event(e);
        return;
    }
    for (std::size_t i = 0; i < pending_.size(); ++i) {
        if (pending_[i].id != e.id) continue;
        if (e.kind == tr::event_kind::closed_by_peer || e.kind == tr::event_kind::error) {
            pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
        }
        return;
    }
}

result<std::unique_ptr<session>> make_session(const session_config& c, const shard_config& shard,
                                              const fix_session_options& options,
                                              acceptor_ports* ports) {
    // Coalesced sends: the frames of one pass (a drained ring, a resend) leave in one
    // write at the end of the pass instead of one system call each.
    tr::socket_transport_options topt;
    topt.coalesce_sends = true;
    std::unique_ptr<tr::socket_transport> own;
    std::shared_ptr<acceptor_port> port;
    if (c.role == exwire::engine::session_role::acceptor ||
        c.role == exwire::engine::session_role::server) {
        const std::string key =
            shard.name + "|" + c.listen.host + ":" + std::to_string(c.listen.port);
        if (ports != nullptr && c.listen.port != 0) port = ports->ports[key].lock();
        if (!port) {
            auto t = tr::socket_transport::create(topt);
            if (!t) return fail(t.err().message);
            port = std::make_shared<acceptor_port>(std::move(*t));
            if (ports != nullptr && c.listen.port != 0) ports->ports[key] = port;
        }
    } else {
        auto t = tr::socket_transport::create(topt);
        if (!t) return fail(t.err().message);
        own = std::make_unique<tr::socket_transport>(std::move(*t));
    }
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
    return result<std::unique_ptr<session>>(std::unique_ptr<session>(
        std::make_unique<fix_engine_session>(c, std::move(own), std::move(port), std::move(store),
                                             std::move(settings), std::move(dictionary))));
}

}  // namespace

result<std::unique_ptr<session>> make_fix_session(const session_config& c,
                                                  const shard_config& shard,
                                                  const fix_session_options& options) {
    return make_session(c, shard, options, nullptr);
}

void register_fix_sessions(protocol_registry& registry, fix_session_options options) {
    // Acceptors of one shard with the same listen address share its port (several
    // identities behind one port); the map lives as long as the registry's factory.
    auto ports = std::make_shared<acceptor_ports>();
    registry.add(protocol_kind::fix,
                 [options, ports](const session_config& c, const shard_config& sh) {
                     return make_session(c, sh, options, ports.get());
                 });
}

}  // namespace exwire::engine::fix
