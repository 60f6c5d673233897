// FIX session state machine; see the header. The order of checks and the texts follow
// QuickFIX's Session.cpp so that its acceptance scenarios can be replayed byte for byte.
#include "exwire/engine/fix/session_machine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include <exwire/codec/fix/values.hpp>

namespace exwire::engine::fix {

namespace cf = exwire::codec::fix;

std::string_view to_string(session_state s) noexcept {
    switch (s) {
        case session_state::disconnected:
            return "disconnected";
        case session_state::awaiting_logon:
            return "awaiting_logon";
        case session_state::logon_sent:
            return "logon_sent";
        case session_state::logged_on:
            return "logged_on";
        case session_state::logout_sent:
            return "logout_sent";
    }
    return "?";
}

std::string_view to_string(event_kind k) noexcept {
    switch (k) {
        case event_kind::state_changed:
            return "state_changed";
        case event_kind::logon:
            return "logon";
        case event_kind::logout:
            return "logout";
        case event_kind::sequence_gap:
            return "sequence_gap";
        case event_kind::gap_filled:
            return "gap_filled";
        case event_kind::resend_served:
            return "resend_served";
        case event_kind::sequence_reset:
            return "sequence_reset";
        case event_kind::reject_sent:
            return "reject_sent";
        case event_kind::reject_received:
            return "reject_received";
        case event_kind::message_ignored:
            return "message_ignored";
        case event_kind::test_request_sent:
            return "test_request_sent";
        case event_kind::timeout:
            return "timeout";
        case event_kind::disconnect:
            return "disconnect";
        case event_kind::error:
            return "error";
    }
    return "?";
}

namespace {

// QuickFIX's texts for SessionRejectReason values.
std::string_view reject_text(int reason) noexcept {
    switch (reason) {
        case 0:
            return "Invalid tag number";
        case 1:
            return "Required tag missing";
        case 2:
            return "Tag not defined for this message type";
        case 3:
            return "Undefined Tag";
        case 4:
            return "Tag specified without a value";
        case 5:
            return "Value is incorrect (out of range) for this tag";
        case 6:
            return "Incorrect data format for value";
        case 7:
            return "Decryption problem";
        case 8:
            return "Signature problem";
        case 9:
            return "CompID problem";
        case 10:
            return "SendingTime accuracy problem";
        case 11:
            return "Invalid MsgType";
        case 13:
            return "Tag appears more than once";
        case 14:
            return "Tag specified out of required order";
        case 15:
            return "Repeating group fields out of order";
        case 16:
            return "Incorrect NumInGroup count for repeating group";
        case 17:
            return "Non Data value includes field delimiter (SOH character)";
        default:
            return "Other";
    }
}

bool is_admin(std::string_view t) noexcept {
    return t.size() == 1 && (t[0] == '0' || t[0] == '1' || t[0] == '2' || t[0] == '3' ||
                             t[0] == '4' || t[0] == '5' || t[0] == 'A');
}

// Standard header and trailer tags: everything else of a stored frame is body to resend.
bool is_header_or_trailer(int tag) noexcept {
    switch (tag) {
        case 8:
        case 9:
        case 10:
        case 34:
        case 35:
        case 43:
        case 49:
        case 50:
        case 52:
        case 56:
        case 57:
        case 89:
        case 90:
        case 91:
        case 93:
        case 97:
        case 115:
        case 116:
        case 122:
        case 128:
        case 129:
        case 142:
        case 143:
        case 144:
        case 145:
        case 212:
        case 213:
        case 347:
        case 369:
        case 627:
        case 628:
        case 629:
        case 630:
        case 1128:
        case 1129:
        case 1156:
            return true;
        default:
            return false;
    }
}

constexpr std::uint64_t no_seq = ~std::uint64_t{0};  // RefSeqNum unknown (no MsgSeqNum)

// Copies the body fields of `m` (from its first non-header field) to `w`.
void copy_body(const cf::message_view& m, cf::writer& w) noexcept {
    for (const cf::field& f : m)
        if (!is_header_or_trailer(f.tag)) w.add(f.tag, f.value);
}

// The header fields of the optional identity parts, rendered once by session_header.
std::vector<std::pair<int, std::string>> identity_fields(const session_settings& s) {
    std::vector<std::pair<int, std::string>> f;
    if (!s.sender_sub_id.empty()) f.emplace_back(50, s.sender_sub_id);
    if (!s.target_sub_id.empty()) f.emplace_back(57, s.target_sub_id);
    if (!s.sender_location_id.empty()) f.emplace_back(142, s.sender_location_id);
    if (!s.target_location_id.empty()) f.emplace_back(143, s.target_location_id);
    return f;
}

// The identity check over anything with get(tag): a message_view, or the session's parsed
// inbound header (whose CompIDs come from its slots; sub/location IDs, read only when
// configured, from the frame).
template <class Message>
bool peer_identity_of(const session_settings& s, const Message& m) noexcept {
    if (m.get(49) != s.target_comp_id || m.get(56) != s.sender_comp_id) return false;
    if (!s.target_sub_id.empty() && m.get(50) != s.target_sub_id) return false;
    if (!s.sender_sub_id.empty() && m.get(57) != s.sender_sub_id) return false;
    if (!s.target_location_id.empty() && m.get(142) != s.target_location_id) return false;
    if (!s.sender_location_id.empty() && m.get(143) != s.sender_location_id) return false;
    return true;
}

}  // namespace

bool is_peer_identity(const session_settings& s, const cf::message_view& m) noexcept {
    return peer_identity_of(s, m);
}

int identity_specificity(const session_settings& s) noexcept {
    return int{!s.sender_sub_id.empty()} + int{!s.target_sub_id.empty()} +
           int{!s.sender_location_id.empty()} + int{!s.target_location_id.empty()};
}

int session_machine::inbound::slot_of(int tag) noexcept {
    switch (tag) {
        case 34:
            return 0;
        case 43:
            return 1;
        case 49:
            return 2;
        case 52:
            return 3;
        case 56:
            return 4;
        case 122:
            return 5;
        case 7:
            return 6;
        case 16:
            return 7;
        case 36:
            return 8;
        case 58:
            return 9;
        case 108:
            return 10;
        case 112:
            return 11;
        case 123:
            return 12;
        case 141:
            return 13;
        case 789:
            return 14;
        default:
            return -1;
    }
}

void session_machine::inbound::load(std::string_view frame) noexcept {
    view = cf::message_view(frame);
    begin_string = view.begin_string();
    (void)cf::decode(frame, [this](const cf::field& f) noexcept { on_field(f); });
}

session_machine::session_machine(session_settings settings, message_store& store,
                                 session_output& out)
    : settings_(std::move(settings)),
      store_(store),
      out_(out),
      header_(settings_.begin_string, settings_.sender_comp_id, settings_.target_comp_id,
              identity_fields(settings_)),
      out_buf_(64 * 1024),
      heart_bt_int_(settings_.heartbeat_interval_s) {
    in_buf_.reserve(64 * 1024);
}

// ---- small helpers ---------------------------------------------------------------------

void session_machine::set_state(session_state s) noexcept {
    if (s == state_) return;
    state_ = s;
    emit(event_kind::state_changed, to_string(s));
}

void session_machine::emit(event_kind k, std::string_view text, std::uint64_t from,
                           std::uint64_t to) noexcept {
    session_event e;
    e.kind = k;
    e.state = state_;
    e.from = from;
    e.to = to;
    e.text = text;
    out_.on_event(e);
}

void session_machine::reset_session_flags() noexcept {
    sent_logon_ = received_logon_ = sent_logout_ = false;
    sent_reset_ = received_reset_ = false;
    resend_from_ = resend_to_ = 0;
    test_requests_ = 0;
    queue_.clear();
    heart_bt_int_ = settings_.heartbeat_interval_s;
}

void session_machine::do_disconnect(std::string_view why) noexcept {
    if (!connected_) return;
    connected_ = false;
    emit(event_kind::disconnect, why);
    out_.disconnect();
    reset_session_flags();
    set_state(session_state::disconnected);
}

bool session_machine::check_schedule(std::int64_t now) noexcept {
    if (!settings_.schedule) return true;
    const session_schedule& sch = *settings_.schedule;
    const std::int64_t p = sch.period_start(now);
    if (p != period_) {
        const bool first = period_ == session_schedule::none;
        period_ = p;
        if (p != session_schedule::none && (!first || store_.creation_time_ns() < p)) {
            if (connected_ && (sent_logon_ || received_logon_)) {  // a session under way ends
                if (received_logon_ && !sent_logout_) send_logout("New session period", now);
                do_disconnect("new session period");
            }
            store_.reset();
            store_.set_creation_time_ns(now);
            emit(event_kind::sequence_reset, "New session period: sequence numbers reset to 1", 1,
                 1);
        }
    }
    if (sch.in_session(now)) return true;
    if (connected_) {
        if (received_logon_ && !sent_logout_) send_logout("Outside session time", now);
        emit(event_kind::error, "Logon attempt not within session time");
        do_disconnect("outside session time");
    }
    return false;
}

void session_machine::incr_target() noexcept {
    store_.set_next_target_seq(store_.next_target_seq() + 1);
}

// ---- connection -------------------------------------------------------------------------

void session_machine::on_connected(std::int64_t now) noexcept {
    store_.set_time(now);
    reset_session_flags();
    in_buf_.clear();
    connected_ = true;
    connected_time_ = now;
    last_received_ = now;
    last_sent_ = now;
    if (!check_schedule(now)) return;
    if (settings_.role == session_role::initiator) {
        if (settings_.reset_on_logon) {
            store_.reset();
            sent_reset_ = true;
        }
        send_logon(now, sent_reset_, store_.next_target_seq());
        set_state(session_state::logon_sent);
    } else {
        set_state(session_state::awaiting_logon);
    }
}

void session_machine::on_disconnected(std::int64_t now) noexcept {
    store_.set_time(now);
    if (!connected_) return;
    connected_ = false;
    emit(event_kind::disconnect, "connection closed by peer");
    reset_session_flags();
    set_state(session_state::disconnected);
}

namespace {
// Length of the frame at the start of `buf` from its BodyLength, or 0 when `buf` does not
// hold "8=...<SOH>9=<digits><SOH>" yet (or holds something else).
std::size_t declared_length(std::string_view buf) noexcept {
    if (buf.size() < 2 || buf[0] != '8' || buf[1] != '=') return 0;
    const std::size_t soh1 = buf.find(cf::soh, 2);
    if (soh1 == std::string_view::npos || soh1 + 3 >= buf.size() || buf[soh1 + 1] != '9' ||
        buf[soh1 + 2] != '=')
        return 0;
    std::size_t body = 0;
    std::size_t i = soh1 + 3;
    for (; i < buf.size() && buf[i] >= '0' && buf[i] <= '9' && i < soh1 + 12; ++i)
        body = body * 10 + static_cast<std::size_t>(buf[i] - '0');
    if (i >= buf.size() || buf[i] != cf::soh) return 0;
    return i + 1 + body + 7;  // "10=nnn<SOH>"
}
}  // namespace

void session_machine::on_bytes(std::string_view bytes, std::int64_t now) noexcept {
    store_.set_time(now);
    if (!connected_) return;
    // Frames are processed where the bytes are; only a frame split across reads is copied,
    // and only up to its end, so the bytes after it are again read in place.
    while (!in_buf_.empty() && !bytes.empty()) {
        const std::size_t want = declared_length(in_buf_);
        std::size_t take = want > in_buf_.size() ? want - in_buf_.size() : 64;
        take = std::min(take, bytes.size());
        in_buf_.append(bytes.substr(0, take));
        bytes.remove_prefix(take);
        const std::size_t used = consume(in_buf_, now);
        if (!connected_) {
            in_buf_.clear();
            return;
        }
        in_buf_.erase(0, used);
    }
    if (!in_buf_.empty()) return;
    const std::size_t used = consume(bytes, now);
    if (connected_) in_buf_.assign(bytes.substr(used));
}

std::size_t session_machine::consume(std::string_view buf, std::int64_t now) noexcept {
    std::size_t pos = 0;
    inbound m;
    while (connected_ && pos < buf.size()) {
        const std::string_view rest(buf.data() + pos, buf.size() - pos);
        m = inbound{};
        const cf::frame_result r =
            cf::decode(rest, [&m](const cf::field& f) noexcept { m.on_field(f); });
        if (r.status == cf::frame_status::need_more) break;
        if (r.status == cf::frame_status::malformed) {
            // 14d: a well-framed message with a field `tag=` and no value is answered with
            // Reject(4) and consumes its sequence number, as QuickFIX does.
            if (r.reason == cf::malformed_reason::empty_value && received_logon_) {
                std::size_t body_start = 0;
                std::size_t body_end = 0;
                const cf::frame_result env = cf::detail::check_envelope(
                    rest, cf::default_max_body_length, body_start, body_end);
                if (env.status == cf::frame_status::complete &&
                    reject_empty_value(rest.substr(0, env.length), now)) {
                    last_received_ = now;
                    pos += env.length;
                    continue;
                }
            }
            pos += r.length == 0 ? rest.size() : r.length;
            if (r.reason == cf::malformed_reason::garbage) continue;
            emit(event_kind::message_ignored, cf::to_string(r.reason));
            // QuickFIX drops a garbled frame; before logon there is no session to keep.
            if (!received_logon_) do_disconnect("invalid message before logon");
            continue;
        }
        last_received_ = now;
        m.view = cf::message_view(rest.substr(0, r.length));
        m.begin_string = m.view.begin_string();
        process(m, now, false);
        pos += r.length;
    }
    return connected_ ? pos : buf.size();
}

// ---- inbound ----------------------------------------------------------------------------

bool session_machine::reject_empty_value(std::string_view frame, std::int64_t now) noexcept {
    inbound m;
    m.load(frame);  // the fields up to the empty one, as message_view finds them
    if (m.begin_string != settings_.begin_string || !peer_identity_of(settings_, m)) return false;
    const auto seq = cf::parse_uint(m.get(34));
    // Only the expected message is answered; anything else stays a garbled frame (dropped).
    if (!seq || *seq != store_.next_target_seq() || resend_from_ != 0) return false;
    // The first field without a value: SOH (or the frame start) tag '=' SOH.
    int tag = 0;
    for (std::size_t i = 0; i + 1 < frame.size(); ++i) {
        if (frame[i] != '=' || frame[i + 1] != '\x01') continue;
        std::size_t b = i;
        while (b > 0 && frame[b - 1] >= '0' && frame[b - 1] <= '9')
            --b;
        if (b == i || (b > 0 && frame[b - 1] != '\x01')) continue;
        tag = static_cast<int>(cf::parse_uint(frame.substr(b, i - b)).value_or(0));
        break;
    }
    if (tag == 0) return false;
    send_reject(m, m.msg_type, *seq, 4, tag, now);
    next_queued(now);
    return true;
}

bool session_machine::valid_logon_state(std::string_view t) const noexcept {
    const bool logon = t == "A";
    if ((logon && sent_reset_) || received_reset_) return true;
    if ((logon && !received_logon_) || (!logon && received_logon_)) return true;
    if (t == "5" && sent_logon_) return true;
    if (t != "5" && sent_logout_) return true;
    if (t == "4" || t == "3") return true;
    return false;
}

void session_machine::process(const inbound& m, std::int64_t now, bool from_queue) noexcept {
    const std::string_view type = m.msg_type;

    if (m.begin_string != settings_.begin_string) {
        if (!received_logon_) {
            do_disconnect("Incorrect BeginString");
            return;
        }
        // QuickFIX answers with a Logout and waits for the peer's (or the logout timeout).
        if (cf::parse_uint(m.get(34)).value_or(0) == store_.next_target_seq()) incr_target();
        if (!sent_logout_) send_logout("Incorrect BeginString", now);
        return;
    }
    const auto seq_opt = cf::parse_uint(m.get(34));  // 0 is legal on SequenceReset-Reset
    if (!received_logon_ && !peer_identity_of(settings_, m)) {
        // An acceptor finds sessions by identity: an unknown one has no session to answer.
        do_disconnect("unknown session identity (CompID, SubID or LocationID)");
        return;
    }
    if (!seq_opt) {
        if (type == "A") {
            do_disconnect("Required field missing from logon");
        } else {
            send_reject(m, type, no_seq, 1, 34, now);
        }
        return;
    }
    const std::uint64_t seq = *seq_opt;
    inbound_seq_ = seq;

    if (settings_.dictionary != nullptr) {
        const cf::validation_result v = settings_.dictionary->validate(m.view);
        if (!v.ok()) {
            if (type == "A") {
                do_disconnect("Logon message is not valid");
                return;
            }
            const int reason = static_cast<int>(v.reason);
            const int tag = v.reason == cf::reject_reason::invalid_msg_type ? 0 : v.tag;
            send_reject(m, type, seq, reason, tag, now);
            if (!from_queue) next_queued(now);
            return;
        }
    }

    if (type == "A") {
        // A Logon with ResetSeqNumFlag=Y is valid at any time: it resets a running session.
        if (m.get(141) != "Y" && !valid_logon_state(type)) {
            do_disconnect("Logon state is not valid for message");
            return;
        }
        on_logon(m, seq, now);
    } else if (!valid_logon_state(type)) {
        do_disconnect("Logon state is not valid for message");
        return;
    } else if (type == "0") {
        if (verify(m, type, seq, true, true, now)) incr_target();
    } else if (type == "1") {
        if (verify(m, type, seq, true, true, now)) {
            send_heartbeat(m.get(112), now);
            incr_target();
        }
    } else if (type == "2") {
        on_resend_request(m, seq, now);
    } else if (type == "3") {
        if (verify(m, type, seq, false, true, now)) {
            emit(event_kind::reject_received, m.get(58), seq);
            incr_target();
        }
    } else if (type == "4") {
        on_sequence_reset(m, seq, now);
    } else if (type == "5") {
        on_logout(m, now);
        return;
    } else {
        if (verify(m, type, seq, true, true, now)) {
            if (out_.on_app_message(m.view) == app_verdict::unsupported_message_type)
                send_business_reject(m, type, seq, 3, "Unsupported Message Type", now);
            else
                incr_target();
        }
    }
    if (!from_queue) next_queued(now);
}

bool session_machine::verify(const inbound& m, std::string_view type, std::uint64_t seq,
                             bool check_too_high, bool check_too_low, std::int64_t now) noexcept {
    const std::string_view st = m.get(52);
    if (st.empty()) {
        send_reject(m, type, seq, 1, 52, now);
        return false;
    }
    // Consecutive messages mostly share their SendingTime: the last one parsed is kept.
    if (st != std::string_view(last_sending_time_, last_sending_time_len_)) {
        const auto t = cf::parse_utc_timestamp(st);
        if (!t) {
            send_reject(m, type, seq, 6, 52, now);
            return false;
        }
        last_sending_time_ns_ = t->nanos;
        last_sending_time_len_ = std::min(st.size(), sizeof last_sending_time_);
        std::memcpy(last_sending_time_, st.data(), last_sending_time_len_);
    }
    if (settings_.check_latency) {
        const std::int64_t d = last_sending_time_ns_ - now;
        if (d > settings_.max_latency_ns || -d > settings_.max_latency_ns) {
            if (type == "A") {  // no session yet to reject in: QuickFIX just disconnects
                do_disconnect("SendingTime accuracy problem on logon");
                return false;
            }
            send_reject(m, type, seq, 10, 0, now);
            send_logout({}, now);
            return false;
        }
    }
    if (!peer_identity_of(settings_, m)) {  // sub/location IDs count as CompIDs here
        send_reject(m, type, seq, 9, 0, now);
        send_logout({}, now);
        return false;
    }
    const std::uint64_t expected = store_.next_target_seq();
    if (check_too_high && seq > expected) {
        do_target_too_high(m, seq, now);
        return false;
    }
    if (check_too_low && seq < expected) {
        do_target_too_low(m, type, seq, now);
        return false;
    }
    if ((check_too_high || check_too_low) && resend_from_ != 0 && seq >= resend_to_) {
        emit(event_kind::gap_filled, "ResendRequest satisfied", resend_from_, resend_to_);
        resend_from_ = resend_to_ = 0;
    }
    test_requests_ = 0;
    return true;
}

void session_machine::do_target_too_high(const inbound& m, std::uint64_t seq,
                                         std::int64_t now) noexcept {
    const std::uint64_t expected = store_.next_target_seq();
    char text[128];
    const auto n =
        fmt::format_to_n(text, sizeof text, "MsgSeqNum too high, expecting {} but received {}",
                         expected, seq)
            .size;
    emit(event_kind::error, std::string_view(text, std::min(n, sizeof text)), expected, seq);
    queue_[seq] = std::string(m.bytes());
    if (resend_from_ != 0 && seq >= resend_from_) return;  // already asked; not again
    // FIX.4.2 and later: EndSeqNo 0 means "everything after BeginSeqNo".
    send_resend_request(expected, 0, now);
    resend_from_ = expected;
    resend_to_ = seq - 1;
    emit(event_kind::sequence_gap, "ResendRequest sent", resend_from_, resend_to_);
}

void session_machine::do_target_too_low(const inbound& m, std::string_view type, std::uint64_t seq,
                                        std::int64_t now) noexcept {
    const std::uint64_t expected = store_.next_target_seq();
    if (m.get(43) != "Y") {
        char text[128];
        const auto n =
            fmt::format_to_n(text, sizeof text, "MsgSeqNum too low, expecting {} but received {}",
                             expected, seq)
                .size;
        const std::string_view t(text, std::min(n, sizeof text));
        send_logout(t, now);
        do_disconnect(t);
        return;
    }
    if (type != "4") {
        const std::string_view orig = m.get(122);
        if (orig.empty()) {
            send_reject(m, type, seq, 1, 122, now);
            return;
        }
        const auto o = cf::parse_utc_timestamp(orig);
        const auto s = cf::parse_utc_timestamp(m.get(52));
        if (!o || !s || o->nanos > s->nanos) {
            send_reject(m, type, seq, 10, 0, now);
            send_logout({}, now);
            return;
        }
    }
    emit(event_kind::message_ignored, "possible duplicate already received", seq, seq);
}

void session_machine::on_logon(const inbound& m, std::uint64_t seq, std::int64_t now) noexcept {
    if (!check_schedule(now)) return;
    const bool reset_flag = m.get(141) == "Y";
    if (reset_flag) {
        received_reset_ = true;
        emit(event_kind::sequence_reset,
             "Logon contains ResetSeqNumFlag=Y, resetting sequence numbers to 1", 1, 1);
        if (!sent_reset_) store_.reset();
    }
    if (settings_.role == session_role::initiator && !sent_logon_ && !received_reset_) {
        do_disconnect("Received logon response before sending request");
        return;
    }
    if (!verify(m, "A", seq, false, true, now)) return;
    // NextExpectedMsgSeqNum: what the peer expects from us, checked against what we sent.
    std::uint64_t peer_expects = 0;
    const std::uint64_t next_sender = store_.next_sender_seq();
    if (settings_.next_expected_msg_seq_num) {
        if (const auto v = cf::parse_uint(m.get(789)); v && *v > 0) {
            if (*v > next_sender) {
                char text[160];
                const auto n = fmt::format_to_n(text, sizeof text,
                                                "NextExpectedMsgSeqNum too high, expecting {} "
                                                "but received {}",
                                                next_sender, *v)
                                   .size;
                const std::string_view why(text, std::min(n, sizeof text));
                emit(event_kind::error, why, next_sender, *v);
                send_logout(why, now);
                do_disconnect(why);
                return;
            }
            peer_expects = *v;
        }
    }
    const bool too_high = seq > store_.next_target_seq() && !reset_flag;
    if (settings_.role == session_role::acceptor && settings_.credentials &&
        !settings_.credentials(m.view)) {
        emit(event_kind::error, settings_.logon_reject_text);
        // QuickFIX's RejectLogon: a Logout with the reason, then the connection is closed.
        send_logout(settings_.logon_reject_text, now);
        do_disconnect(settings_.logon_reject_text);
        return;
    }
    received_logon_ = true;
    if (settings_.role == session_role::acceptor || (received_reset_ && !sent_reset_)) {
        if (const auto hb = cf::parse_uint(m.get(108)); hb && *hb <= 86400)
            heart_bt_int_ = static_cast<std::uint32_t>(*hb);
        emit(event_kind::logon, "Received logon request");
        // Our 789 counts their Logon as received unless it leaves a gap.
        send_logon(now, received_reset_, store_.next_target_seq() + (too_high ? 0 : 1));
    } else {
        emit(event_kind::logon, "Received logon response");
    }
    sent_reset_ = false;
    received_reset_ = false;
    if (sent_logon_) set_state(session_state::logged_on);
    if (peer_expects != 0 && peer_expects < next_sender) {
        serve_resend(peer_expects, next_sender - 1, now);
        emit(event_kind::resend_served, "NextExpectedMsgSeqNum on Logon", peer_expects,
             next_sender - 1);
    }
    if (too_high && peer_expects != 0) {
        // Both sides use 789: the peer resends what we lack on its own.
        const std::uint64_t expected = store_.next_target_seq();
        queue_[seq] = std::string(m.bytes());
        resend_from_ = expected;
        resend_to_ = seq - 1;
        emit(event_kind::sequence_gap, "awaiting resend after NextExpectedMsgSeqNum", expected,
             seq - 1);
    } else if (too_high) {
        do_target_too_high(m, seq, now);
    } else {
        incr_target();
    }
}

struct session_machine::replay final : store_visitor {
    session_machine& s;
    std::int64_t now;
    std::uint64_t current;
    std::uint64_t gap_begin = 0;
    std::size_t resent = 0;
    replay(session_machine& sm, std::int64_t t, std::uint64_t begin) noexcept
        : s(sm), now(t), current(begin) {}

    void on_stored(std::uint64_t seq, std::string_view frame) noexcept override {
        if (seq != current && gap_begin == 0) gap_begin = current;
        const cf::message_view m(frame);
        const std::string_view type = m.msg_type();
        if (is_admin(type) || !s.out_.should_replay(m)) {
            if (gap_begin == 0) gap_begin = seq;
        } else {
            if (gap_begin != 0) s.send_gap_fill(gap_begin, seq, now);
            gap_begin = 0;
            cf::header_values hv;
            hv.seq_num = seq;
            hv.sending_time_ns = now;
            hv.time_digits = s.settings_.time_digits;
            hv.poss_dup = true;
            const auto orig = cf::parse_utc_timestamp(m.get(52));
            hv.orig_sending_time_ns = orig ? orig->nanos : now;
            cf::writer w(s.out_buf_);
            w.start(s.header_, type, hv);
            copy_body(m, w);
            exwire::bytes out;
            if (w.finish(out) == cf::write_status::ok) {
                s.write_out(exwire::to_string_view(out), now);
                ++resent;
            } else {
                s.emit(event_kind::error, "resent message does not fit the send buffer", seq);
            }
        }
        current = seq + 1;
    }
};

void session_machine::on_resend_request(const inbound& m, std::uint64_t seq,
                                        std::int64_t now) noexcept {
    if (!verify(m, "2", seq, false, false, now)) return;
    const auto b = cf::parse_uint(m.get(7));
    const auto e = cf::parse_uint(m.get(16));  // 0: infinity
    if (!b || !e) {
        send_reject(m, "2", seq, 1, !b ? 7 : 16, now);
        return;
    }
    const std::uint64_t begin = *b == 0 ? 1 : *b;
    std::uint64_t end = *e;
    const std::uint64_t next_sender = store_.next_sender_seq();
    if (end == 0 || end == 999999 || end >= next_sender) end = next_sender - 1;
    if (begin <= end) serve_resend(begin, end, now);
    emit(event_kind::resend_served, "Received ResendRequest", begin, end);
    const std::uint64_t expected = store_.next_target_seq();
    if (seq == expected)
        incr_target();
    else if (seq > expected)
        do_target_too_high(m, seq, now);  // their gap too: ask while serving theirs
}

void session_machine::on_sequence_reset(const inbound& m, std::uint64_t seq,
                                        std::int64_t now) noexcept {
    const bool gap_fill = m.get(123) == "Y";
    if (!verify(m, "4", seq, gap_fill, gap_fill, now)) return;
    const auto new_seq = cf::parse_seqnum(m.get(36));
    if (!new_seq) {
        send_reject(m, "4", seq, 1, 36, now);
        return;
    }
    const std::uint64_t expected = store_.next_target_seq();
    if (*new_seq > expected) {
        store_.set_next_target_seq(*new_seq);
        emit(event_kind::sequence_reset, gap_fill ? "SequenceReset-GapFill" : "SequenceReset",
             expected, *new_seq);
        if (resend_from_ != 0 && *new_seq > resend_to_) {  // the reset covers the open request
            emit(event_kind::gap_filled, "ResendRequest satisfied", resend_from_, resend_to_);
            resend_from_ = resend_to_ = 0;
        }
    } else if (*new_seq < expected) {
        send_reject(m, "4", seq, 5, 0, now);
    }
}

void session_machine::on_logout(const inbound& m, std::int64_t now) noexcept {
    const std::uint64_t seq = cf::parse_uint(m.get(34)).value_or(0);
    if (!verify(m, "5", seq, false, false, now)) return;
    if (!sent_logout_) {
        emit(event_kind::logout, "Received logout request");
        send_logout({}, now);
    } else {
        emit(event_kind::logout, "Received logout response");
    }
    if (seq == store_.next_target_seq()) incr_target();
    do_disconnect("logout");
}

void session_machine::serve_resend(std::uint64_t begin, std::uint64_t end,
                                   std::int64_t now) noexcept {
    replay r(*this, now, begin);
    store_.load(begin, end, r);
    if (r.current <= end) {  // nothing stored for the tail: fill it too
        if (r.gap_begin == 0) r.gap_begin = r.current;
        r.current = end + 1;
    }
    if (r.gap_begin != 0) send_gap_fill(r.gap_begin, r.current, now);
}

void session_machine::next_queued(std::int64_t now) noexcept {
    while (connected_ && !queue_.empty()) {
        const std::uint64_t expected = store_.next_target_seq();
        queue_.erase(queue_.begin(), queue_.lower_bound(expected));
        auto it = queue_.find(expected);
        if (it == queue_.end()) break;
        auto node = queue_.extract(it);
        const std::string frame = std::move(node.mapped());
        inbound m;
        m.load(frame);
        // Their Logon and ResendRequest were acted on when they arrived.
        if (m.msg_type == "A" || m.msg_type == "2")
            incr_target();
        else
            process(m, now, true);
    }
}

// ---- outbound ---------------------------------------------------------------------------

template <typename Body>
void session_machine::send_message(std::string_view msg_type, std::int64_t now,
                                   Body&& body) noexcept {
    cf::header_values hv;
    hv.seq_num = store_.next_sender_seq();
    hv.sending_time_ns = now;
    hv.time_digits = settings_.time_digits;
    cf::writer w(out_buf_);
    w.start(header_, msg_type, hv);
    body(w);
    exwire::bytes out;
    if (w.finish(out) != cf::write_status::ok) {
        emit(event_kind::error, "message does not fit the send buffer");
        return;
    }
    const std::string_view frame = exwire::to_string_view(out);
    // Stored before it reaches the connection, so a resend can always serve it.
    store_.save(hv.seq_num, frame);
    store_.set_next_sender_seq(hv.seq_num + 1);
    if (!store_.healthy()) {
        // Not journaled, so not sent: a message the store lost must never reach the peer.
        emit(event_kind::error, "message store failed: message not sent");
        return;
    }
    write_out(frame, now);
}

void session_machine::write_out(std::string_view frame, std::int64_t now) noexcept {
    last_sent_ = now;
    out_.send(frame);
}

void session_machine::send_logon(std::int64_t now, bool reset,
                                 std::uint64_t next_expected) noexcept {
    send_message("A", now, [&](cf::writer& w) {
        w.add_uint(98, 0).add_uint(108, heart_bt_int_);
        if (reset) w.add_char(141, 'Y');
        if (settings_.next_expected_msg_seq_num) w.add_uint(789, next_expected);
        if (!settings_.default_appl_ver_id.empty()) w.add(1137, settings_.default_appl_ver_id);
        const std::string_view extra = settings_.logon_fields;
        for (cf::message_view::iterator it(extra.data(), extra.data() + extra.size());
             it != cf::message_view::iterator(); ++it)
            w.add(it->tag, it->value);
    });
    sent_logon_ = true;
    logon_sent_time_ = now;
}

void session_machine::send_logout(std::string_view text, std::int64_t now) noexcept {
    send_message("5", now, [&](cf::writer& w) {
        if (!text.empty()) w.add(58, text);
    });
    sent_logout_ = true;
    logout_sent_time_ = now;
    set_state(session_state::logout_sent);
    emit(event_kind::logout, text.empty() ? std::string_view("Sent logout") : text);
}

void session_machine::send_heartbeat(std::string_view test_req_id, std::int64_t now) noexcept {
    send_message("0", now, [&](cf::writer& w) {
        if (!test_req_id.empty()) w.add(112, test_req_id);
    });
}

void session_machine::send_resend_request(std::uint64_t begin, std::uint64_t end,
                                          std::int64_t now) noexcept {
    send_message("2", now, [&](cf::writer& w) { w.add_uint(7, begin).add_uint(16, end); });
}

void session_machine::send_gap_fill(std::uint64_t seq, std::uint64_t new_seq,
                                    std::int64_t now) noexcept {
    cf::header_values hv;
    hv.seq_num = seq;
    hv.sending_time_ns = now;
    hv.time_digits = settings_.time_digits;
    hv.poss_dup = true;
    hv.orig_sending_time_ns = now;
    cf::writer w(out_buf_);
    w.start(header_, "4", hv).add_uint(36, new_seq).add_char(123, 'Y');
    exwire::bytes out;
    if (w.finish(out) == cf::write_status::ok) write_out(exwire::to_string_view(out), now);
}

void session_machine::send_reject(const inbound& m, std::string_view msg_type, std::uint64_t seq,
                                  int reason, int ref_tag, std::int64_t now) noexcept {
    if (msg_type != "A" && msg_type != "4" && seq == store_.next_target_seq()) incr_target();
    (void)m;
    const std::string_view text = reject_text(reason);
    send_message("3", now, [&](cf::writer& w) {
        if (seq != no_seq) w.add_uint(45, seq);
        w.add(58, text);
        if (ref_tag != 0) w.add_uint(371, static_cast<std::uint64_t>(ref_tag));
        w.add(372, msg_type).add_uint(373, static_cast<std::uint64_t>(reason));
    });
    emit(event_kind::reject_sent, text, seq, static_cast<std::uint64_t>(ref_tag));
}

void session_machine::send_business_reject(const inbound& m, std::string_view msg_type,
                                           std::uint64_t seq, int reason, std::string_view text,
                                           std::int64_t now) noexcept {
    (void)m;
    if (seq == store_.next_target_seq()) incr_target();
    send_message("j", now, [&](cf::writer& w) {
        w.add_uint(45, seq).add(58, text).add(372, msg_type);
        w.add_uint(380, static_cast<std::uint64_t>(reason));
    });
    emit(event_kind::reject_sent, text, seq);
}

// ---- timers and commands ------------------------------------------------------------------

void session_machine::on_tick(std::int64_t now) noexcept {
    store_.set_time(now);
    if (!check_schedule(now)) return;
    if (!connected_) return;
    if (sent_logout_ && now - logout_sent_time_ >= settings_.logout_timeout_ns) {
        emit(event_kind::timeout, "Timed out waiting for logout response");
        do_disconnect("logout timeout");
        return;
    }
    if (!received_logon_) {
        const std::int64_t since =
            settings_.role == session_role::initiator ? logon_sent_time_ : connected_time_;
        if (now - since >= settings_.logon_timeout_ns) {
            emit(event_kind::timeout, settings_.role == session_role::initiator
                                          ? "Timed out waiting for logon response"
                                          : "Timed out waiting for logon request");
            do_disconnect("logon timeout");
        }
        return;
    }
    if (heart_bt_int_ == 0) return;
    const std::int64_t hb = std::int64_t{heart_bt_int_} * 1'000'000'000;
    const std::int64_t quiet_in = now - last_received_;
    const std::int64_t quiet_out = now - last_sent_;
    if (quiet_in < hb && quiet_out < hb) return;
    if (quiet_in * 10 >= hb * 24) {
        emit(event_kind::timeout, "Timed out waiting for heartbeat");
        do_disconnect("heartbeat timeout");
        return;
    }
    if (quiet_in * 10 >= hb * 12 * (test_requests_ + 1)) {
        send_message("1", now, [](cf::writer& w) { w.add(112, "TEST"); });
        ++test_requests_;
        emit(event_kind::test_request_sent, "TEST");
    } else if (quiet_out >= hb && test_requests_ == 0) {
        send_heartbeat({}, now);
    }
}

command_status session_machine::send_app(std::string_view msg_type, std::string_view body,
                                         std::int64_t now) noexcept {
    store_.set_time(now);
    if (state_ != session_state::logged_on) return command_status::not_logged_on;
    if (body.size() + 256 > out_buf_.size()) return command_status::too_large;
    // The body's well-formed fields (up to the first malformed one, which ends it) are
    // copied as they are: one walk to check them, then one copy. Written as the first
    // field's tag with everything after its '=' as the value, add() reproduces the bytes.
    cf::message_view::iterator it(body.data(), body.data() + body.size());
    const cf::message_view::iterator end;
    if (it == end) {
        send_message(msg_type, now, [](cf::writer&) {});
        return command_status::ok;
    }
    const int first_tag = it->tag;
    const char* const first_value = it->value.data();
    const char* last_end = first_value;
    for (; it != end; ++it)
        last_end = it->value.data() + it->value.size();  // at the field's SOH
    send_message(msg_type, now, [&](cf::writer& w) {
        w.add(first_tag,
              std::string_view(first_value, static_cast<std::size_t>(last_end - first_value)));
    });
    return command_status::ok;
}

void session_machine::logout(std::string_view text, std::int64_t now) noexcept {
    store_.set_time(now);
    if (!connected_) return;
    if (!sent_logon_ || sent_logout_) {
        if (!sent_logon_) do_disconnect("logout before logon");
        return;
    }
    send_logout(text, now);
}

command_status session_machine::send_test_request(std::string_view test_req_id,
                                                  std::int64_t now) noexcept {
    store_.set_time(now);
    if (state_ != session_state::logged_on) return command_status::not_logged_on;
    send_message("1", now, [&](cf::writer& w) { w.add(112, test_req_id); });
    emit(event_kind::test_request_sent, test_req_id);
    return command_status::ok;
}

}  // namespace exwire::engine::fix
