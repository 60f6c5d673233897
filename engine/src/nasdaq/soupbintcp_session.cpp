// SoupBinTCP client and server-connection state machines (see soupbintcp_session.hpp).

#include <exwire/engine/nasdaq/soupbintcp_session.hpp>

#include <algorithm>
#include <cstring>

namespace exwire::engine::nasdaq {

namespace sb = codec::nasdaq::soupbintcp;

namespace {
constexpr std::size_t username_width = 6;
constexpr std::size_t password_width = 10;
constexpr std::size_t session_width = 10;
constexpr std::size_t sequence_width = 20;
constexpr std::size_t login_request_size = username_width + password_width + session_width +
                                           sequence_width;  // 46 (4.00), 51 with 4.10's timeout
constexpr std::size_t login_accepted_size = session_width + sequence_width;  // 30

std::string_view as_text(bytes b) noexcept {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}
bytes as_bytes(const char* p, std::size_t n) noexcept {
    return {reinterpret_cast<const std::byte*>(p), n};
}
}  // namespace

std::string_view to_string(soup_close r) noexcept {
    switch (r) {
        case soup_close::login_timeout:
            return "login timeout";
        case soup_close::login_rejected:
            return "login rejected";
        case soup_close::silence_timeout:
            return "peer silent too long";
        case soup_close::malformed:
            return "malformed stream";
        case soup_close::unknown_packet:
            return "unknown packet type";
        case soup_close::unexpected_packet:
            return "unexpected packet";
        case soup_close::end_of_session:
            return "end of session";
        case soup_close::logout:
            return "logout";
        case soup_close::send_failed:
            return "send failed";
        case soup_close::journal_failed:
            return "journal failed";
    }
    return "?";
}

bool parse_soup_number(std::string_view field, std::uint64_t& out) noexcept {
    std::size_t i = 0;
    const auto pad = [&](std::size_t k) { return field[k] == ' ' || field[k] == '\0'; };
    while (i < field.size() && pad(i))
        ++i;
    std::uint64_t v = 0;
    std::size_t digits = 0;
    for (; i < field.size() && field[i] >= '0' && field[i] <= '9'; ++i, ++digits) {
        const auto d = static_cast<std::uint64_t>(field[i] - '0');
        if (v > (~std::uint64_t{0} - d) / 10) return false;
        v = v * 10 + d;
    }
    while (i < field.size() && pad(i))
        ++i;
    if (digits == 0 || i != field.size()) return false;
    out = v;
    return true;
}

void format_soup_number(std::uint64_t value, char* field, std::size_t width) noexcept {
    std::memset(field, ' ', width);
    std::size_t pos = width;
    do {
        field[--pos] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0 && pos > 0);
}

void format_soup_alpha(std::string_view text, char* field, std::size_t width) noexcept {
    std::memset(field, ' ', width);
    std::memcpy(field, text.data(), std::min(text.size(), width));
}

std::string_view trim_soup_alpha(std::string_view field) noexcept {
    while (!field.empty() && (field.back() == ' ' || field.back() == '\0'))
        field.remove_suffix(1);
    return field;
}

// ---------------------------------------------------------------------------------------
// soup_client

soup_client::soup_client(soup_client_options options, soup_client_handler& handler,
                         sequenced_store* journal)
    : options_(std::move(options)), handler_(handler), journal_(journal) {}

void soup_client::on_connected(std::int64_t now) noexcept {
    framer_.reset();
    state_ = state::logging_in;
    connected_at_ = now;
    last_received_ = now;
    char login[login_request_size];
    format_soup_alpha(options_.username, login, username_width);
    format_soup_alpha(options_.password, login + username_width, password_width);
    // A reconnect asks for the session it joined and the next message it expects.
    const bool resume = next_expected_ != 0;
    format_soup_alpha(resume ? session() : std::string_view(options_.requested_session),
                      login + username_width + password_width, session_width);
    format_soup_number(resume ? next_expected_ : options_.requested_sequence,
                       login + username_width + password_width + session_width, sequence_width);
    (void)send_packet('L', as_bytes(login, sizeof login), now);
}

void soup_client::on_disconnected() noexcept {
    if (state_ != state::ended) state_ = state::disconnected;
    framer_.reset();
}

void soup_client::fail(soup_close reason, std::string_view text) noexcept {
    if (state_ == state::disconnected) return;
    state_ = reason == soup_close::end_of_session ? state::ended : state::disconnected;
    handler_.on_failure(reason, text);
}

bool soup_client::send_packet(std::uint8_t type, bytes payload, std::int64_t now) noexcept {
    std::byte buf[3 + login_request_size + 8];
    std::size_t n = 0;
    if (payload.size() + 3 <= sizeof buf) {
        n = sb::encode_packet(mutable_bytes(buf, sizeof buf), type, payload);
        if (!handler_.send(bytes(buf, n))) {
            fail(soup_close::send_failed, "the transport refused a packet");
            return false;
        }
    } else {
        // Large payloads: header and payload as two writes (the transport keeps order).
        if (payload.size() > 65534) return false;
        store_be<std::uint16_t>(buf, static_cast<std::uint16_t>(payload.size() + 1));
        buf[2] = static_cast<std::byte>(type);
        if (!handler_.send(bytes(buf, 3)) || !handler_.send(payload)) {
            fail(soup_close::send_failed, "the transport refused a packet");
            return false;
        }
    }
    last_sent_ = now;
    return true;
}

void soup_client::on_bytes(bytes data, std::int64_t now) noexcept {
    if (state_ != state::logging_in && state_ != state::active) return;
    last_received_ = now;
    silences_ = 0;
    const auto st = framer_.feed(data, [&](const sb::packet& p) {
        if (state_ == state::logging_in || state_ == state::active) on_packet(p, now);
    });
    if (st == codec::nasdaq::frame_status::malformed)
        fail(soup_close::malformed, framer_.last_error());
}

void soup_client::on_packet(const sb::packet& p, std::int64_t now) noexcept {
    (void)now;
    if (!p.known) {
        fail(soup_close::unknown_packet, "server sent an unknown packet type");
        return;
    }
    switch (p.type) {
        case '+':
            handler_.on_debug(p.payload);
            return;
        case 'H':
            handler_.on_server_heartbeat();
            return;
        case 'A': {
            if (state_ != state::logging_in || p.payload.size() != login_accepted_size) {
                fail(soup_close::unexpected_packet, state_ != state::logging_in
                                                        ? "Login Accepted while logged in"
                                                        : "Login Accepted of the wrong length");
                return;
            }
            std::uint64_t seq = 0;
            if (!parse_soup_number(as_text(p.payload.subspan(session_width)), seq) || seq == 0) {
                fail(soup_close::unexpected_packet, "Login Accepted with a bad sequence number");
                return;
            }
            const std::string_view s = trim_soup_alpha(as_text(p.payload.first(session_width)));
            std::memcpy(session_, s.data(), s.size());
            session_length_ = s.size();
            next_expected_ = seq;
            state_ = state::active;
            handler_.on_login_accepted(session(), seq);
            return;
        }
        case 'J': {
            if (state_ != state::logging_in) {
                fail(soup_close::unexpected_packet, "Login Rejected while logged in");
                return;
            }
            const char code = p.payload.empty() ? '?' : static_cast<char>(p.payload[0]);
            rejected_ = true;
            handler_.on_login_rejected(code);
            const char* text = code == 'A'   ? "login rejected: not authorized (A)"
                               : code == 'S' ? "login rejected: session not available (S)"
                                             : "login rejected: unknown reason code";
            fail(soup_close::login_rejected, text);
            return;
        }
        case 'S': {
            if (state_ != state::active) {
                fail(soup_close::unexpected_packet, "Sequenced Data before Login Accepted");
                return;
            }
            const std::uint64_t seq = next_expected_;
            // Journaled before the application sees it; what the journal fails to record is
            // not taken (a later login asks for it again). A store that does not continue at
            // this number (joined at another sequence) just does not record it.
            if (journal_ != nullptr && journal_->append(seq, p.payload) == store_status::failed) {
                fail(soup_close::journal_failed, "the journal refused a received message");
                return;
            }
            ++next_expected_;
            handler_.on_sequenced(seq, p.payload);
            return;
        }
        case 'U':  // 4.00: servers may send unsequenced, best-effort data too
            if (state_ != state::active) {
                fail(soup_close::unexpected_packet, "Unsequenced Data before Login Accepted");
                return;
            }
            handler_.on_unsequenced(p.payload);
            return;
        case 'Z':
            fail(soup_close::end_of_session, "server ended the session");
            return;
        default:  // L, R, O: client packets
            fail(soup_close::unexpected_packet, "server sent a client packet type");
            return;
    }
}

int soup_client::on_tick(std::int64_t now) noexcept {
    if (state_ == state::logging_in) {
        if (now - connected_at_ >= options_.timing.login_timeout_ns) {
            fail(soup_close::login_timeout, "no answer to the Login Request");
            return 1;
        }
        return 0;
    }
    if (state_ != state::active) return 0;
    if (now - last_received_ >= options_.timing.silence_timeout_ns) {
        if (options_.close_on_silence) {
            fail(soup_close::silence_timeout,
                 "nothing heard from the server for the silence timeout");
            return 1;
        }
        last_received_ = now;  // re-arm: reported again after another timeout
        handler_.on_silence(++silences_);
        return 1;
    }
    if (now - last_sent_ >= options_.timing.heartbeat_interval_ns) {
        (void)send_packet('R', {}, now);
        return 1;
    }
    return 0;
}

bool soup_client::send_unsequenced(bytes message, std::int64_t now) noexcept {
    if (state_ != state::active) return false;
    return send_packet('U', message, now);
}

bool soup_client::send_debug(std::string_view text, std::int64_t now) noexcept {
    if (state_ != state::active && state_ != state::logging_in) return false;
    return send_packet('+', to_bytes(text), now);
}

bool soup_client::logout(std::int64_t now) noexcept {
    if (state_ != state::active && state_ != state::logging_in) return false;
    (void)send_packet('O', {}, now);
    state_ = state::disconnected;
    return true;
}

// ---------------------------------------------------------------------------------------
// soup_server_connection

soup_server_connection::soup_server_connection(const soup_server_options& options,
                                               const sequenced_store& store,
                                               soup_authenticator& auth,
                                               soup_server_handler& handler)
    : options_(options), store_(store), auth_(auth), handler_(handler) {}

void soup_server_connection::on_connected(std::int64_t now) noexcept {
    framer_.reset();
    state_ = state::awaiting_login;
    connected_at_ = now;
    last_received_ = now;
    last_sent_ = now;
    next_to_send_ = 0;
}

void soup_server_connection::fail(soup_close reason, std::string_view text) noexcept {
    if (state_ == state::closed) return;
    state_ = state::closed;
    handler_.on_failure(reason, text);
}

bool soup_server_connection::send_packet(std::uint8_t type, bytes payload,
                                         std::int64_t now) noexcept {
    std::byte header[3];
    store_be<std::uint16_t>(header, static_cast<std::uint16_t>(payload.size() + 1));
    header[2] = static_cast<std::byte>(type);
    bool ok = false;
    if (payload.size() <= 61) {
        std::byte buf[64];
        std::memcpy(buf, header, 3);
        if (!payload.empty()) std::memcpy(buf + 3, payload.data(), payload.size());
        ok = handler_.send(bytes(buf, 3 + payload.size()));
    } else if (payload.size() <= 65534) {
        ok = handler_.send(bytes(header, 3)) && handler_.send(payload);
    }
    if (!ok) {
        fail(soup_close::send_failed, "the transport refused a packet");
        return false;
    }
    last_sent_ = now;
    return true;
}

void soup_server_connection::on_bytes(bytes data, std::int64_t now) noexcept {
    if (state_ == state::closed) return;
    last_received_ = now;
    const auto st = framer_.feed(data, [&](const sb::packet& p) {
        if (state_ != state::closed) on_packet(p, now);
    });
    if (st == codec::nasdaq::frame_status::malformed)
        fail(soup_close::malformed, framer_.last_error());
}

void soup_server_connection::on_packet(const sb::packet& p, std::int64_t now) noexcept {
    if (!p.known) {
        fail(soup_close::unknown_packet, "client sent an unknown packet type");
        return;
    }
    if (state_ == state::awaiting_login) {
        if (p.type == 'L') {
            on_login(p.payload, now);
        } else {
            fail(soup_close::unexpected_packet, "client sent data before logging in");
        }
        return;
    }
    switch (p.type) {
        case 'R':
            return;
        case '+':
            handler_.on_debug(p.payload);
            return;
        case 'U':
            handler_.on_unsequenced(p.payload);
            return;
        case 'O':
            fail(soup_close::logout, "client logged out");
            return;
        case 'L':
            fail(soup_close::unexpected_packet, "second Login Request");
            return;
        default:
            fail(soup_close::unexpected_packet, "client sent a server packet type");
            return;
    }
}

void soup_server_connection::on_login(bytes payload, std::int64_t now) noexcept {
    // 4.00 login is 46 bytes after the type; 4.10 adds a 5-byte heartbeat timeout.
    if (payload.size() != login_request_size && payload.size() != login_request_size + 5) {
        fail(soup_close::malformed, "Login Request of the wrong length");
        return;
    }
    const std::string_view text = as_text(payload);
    soup_login login;
    login.username = trim_soup_alpha(text.substr(0, username_width));
    login.password = trim_soup_alpha(text.substr(username_width, password_width));
    login.requested_session =
        trim_soup_alpha(text.substr(username_width + password_width, session_width));
    const std::string_view seq_field =
        text.substr(username_width + password_width + session_width, sequence_width);
    if (trim_soup_alpha(seq_field).empty()) {
        login.requested_sequence = 0;  // blank: the current position
    } else if (!parse_soup_number(seq_field, login.requested_sequence)) {
        fail(soup_close::malformed, "Login Request with a non-numeric sequence number");
        return;
    }
    char reason = 0;
    if (!login.requested_session.empty() && login.requested_session != options_.session) {
        reason = 'S';
    } else {
        reason = auth_.authenticate(login);
    }
    if (reason != 0) {
        const char code[1] = {reason};
        if (!send_packet('J', as_bytes(code, 1), now)) return;
        fail(soup_close::login_rejected,
             reason == 'S' ? "login rejected: unknown session" : "login rejected: not authorized");
        return;
    }
    const std::uint64_t current = store_.next_sequence();
    std::uint64_t first = login.requested_sequence;
    if (first == 0 || first > current) first = current;  // 0 or beyond the end: live only
    next_to_send_ = first;
    char accepted[login_accepted_size];
    format_soup_alpha(options_.session, accepted, session_width);
    format_soup_number(first, accepted + session_width, sequence_width);
    if (!send_packet('A', as_bytes(accepted, sizeof accepted), now)) return;
    state_ = state::active;
    handler_.on_logged_in(login, first);
}

int soup_server_connection::pump(std::int64_t now) noexcept {
    if (state_ != state::active) return 0;
    int sent = 0;
    const std::uint64_t end = store_.next_sequence();
    while (next_to_send_ < end && sent < static_cast<int>(options_.max_packets_per_tick) &&
           (draining_ || handler_.can_send())) {
        const bytes m = store_.read(next_to_send_);
        if (m.data() == nullptr) {
            fail(soup_close::send_failed, "a stored sequenced message is missing");
            return sent + 1;
        }
        if (!send_packet('S', m, now)) return sent + 1;
        ++next_to_send_;
        ++sent;
    }
    return sent;
}

int soup_server_connection::on_tick(std::int64_t now) noexcept {
    if (state_ == state::closed) return 0;
    if (state_ == state::awaiting_login) {
        if (now - connected_at_ >= options_.timing.login_timeout_ns) {
            fail(soup_close::login_timeout, "no Login Request in time");
            return 1;
        }
        return 0;
    }
    if (now - last_received_ >= options_.timing.silence_timeout_ns) {
        fail(soup_close::silence_timeout, "nothing heard from the client for the silence timeout");
        return 1;
    }
    int work = pump(now);
    if (state_ == state::active && now - last_sent_ >= options_.timing.heartbeat_interval_ns) {
        (void)send_packet('H', {}, now);
        ++work;
    }
    return work;
}

bool soup_server_connection::send_unsequenced(bytes message, std::int64_t now) noexcept {
    if (state_ != state::active) return false;
    return send_packet('U', message, now);
}

bool soup_server_connection::end_session(std::int64_t now) noexcept {
    if (state_ != state::active) return false;
    // Everything stored goes out first (even into a backed-up output); Z is the last packet.
    draining_ = true;
    while (state_ == state::active && next_to_send_ < store_.next_sequence()) {
        if (pump(now) == 0) break;
    }
    draining_ = false;
    if (state_ != state::active) return false;
    if (!send_packet('Z', {}, now)) return false;
    fail(soup_close::end_of_session, "server ended the session");
    return true;
}

}  // namespace exwire::engine::nasdaq
