#pragma once
// SoupBinTCP 4.00 session state machines: a client (soup_client) and the server side of
// one client connection (soup_server_connection).
//
// Both are pure: they take the bytes a connection received (on_bytes), the passage of time
// (on_tick, with the `now` the caller read) and application commands, and produce bytes to
// write (through the handler's send()), events (handler callbacks) and sequenced records (a
// sequenced_store). They do no I/O and read no clock, so every scenario can be driven with a
// fake clock; the engine adapters (soupbintcp_engine.hpp) run them over a transport.
//
// Threads: one thread per object (the shard's). Bytes passed to handler callbacks live until
// the callback returns. Hot-path calls are noexcept and do not allocate (the stream framer's
// 64 KiB reassembly buffer is allocated in the constructor). A connection that must end is
// reported once through handler.on_failure(reason, text); the caller closes the transport.

#include <cstdint>
#include <string>
#include <string_view>

#include <exwire/codec/nasdaq/soupbintcp.hpp>
#include <exwire/core/bytes.hpp>
#include <exwire/engine/nasdaq/sequenced_store.hpp>

namespace exwire::engine::nasdaq {

/// Why a SoupBinTCP connection ended.
enum class soup_close : std::uint8_t {
    login_timeout,      ///< no Login Accepted/Rejected (client) or Login Request (server) in time
    login_rejected,     ///< the server refused the login (client side)
    silence_timeout,    ///< nothing heard from the peer for the silence timeout
    malformed,          ///< the byte stream is not SoupBinTCP (garbage, zero length)
    unknown_packet,     ///< a packet type SoupBinTCP does not define
    unexpected_packet,  ///< a defined packet at the wrong time or from the wrong side
    end_of_session,     ///< the server sent End of Session (client) / we sent it (server)
    logout,             ///< the client logged out
    send_failed,        ///< the transport refused our bytes
    journal_failed,     ///< the client's journal refused a received message
};
[[nodiscard]] std::string_view to_string(soup_close r) noexcept;

struct soup_timing {
    std::int64_t heartbeat_interval_ns =
        1'000'000'000;  ///< send a heartbeat after this much send silence
    std::int64_t silence_timeout_ns = 15'000'000'000;  ///< peer silence that ends the connection
    std::int64_t login_timeout_ns = 5'000'000'000;     ///< login handshake limit
};

/// Parses a SoupBinTCP numeric field: ASCII digits with spaces or NULs on either side.
/// False when it holds anything else, no digit, or overflows 64 bits.
[[nodiscard]] bool parse_soup_number(std::string_view field, std::uint64_t& out) noexcept;
/// Writes `value` right-justified, space-padded on the left, into `field` (as in real captures).
void format_soup_number(std::uint64_t value, char* field, std::size_t width) noexcept;
/// Copies `text` left-justified and space-padded into `field` (cut to `width`).
void format_soup_alpha(std::string_view text, char* field, std::size_t width) noexcept;
/// `field` without trailing spaces and NULs.
[[nodiscard]] std::string_view trim_soup_alpha(std::string_view field) noexcept;

// ---------------------------------------------------------------------------------------
// Client

struct soup_client_options {
    std::string username;           ///< up to 6 characters
    std::string password;           ///< up to 10 characters
    std::string requested_session;  ///< empty: the current session
    /// Sequence number asked for on the first login (1: from the start, 0: only new ones).
    /// Reconnects ask for the next expected sequence number instead.
    std::uint64_t requested_sequence = 1;
    soup_timing timing;
    /// Server silence ends the connection (true), or is only reported through
    /// on_silence() once per silence timeout (false).
    bool close_on_silence = true;
};

/// What a soup_client produces. send() writes a whole packet to the connection and says
/// whether the transport took it (false ends the connection with soup_close::send_failed).
class soup_client_handler {
  public:
    virtual ~soup_client_handler() = default;
    [[nodiscard]] virtual bool send(bytes packet) noexcept = 0;
    virtual void on_login_accepted(std::string_view session, std::uint64_t next_sequence) noexcept {
        (void)session;
        (void)next_sequence;
    }
    /// reason: 'A' not authorised, 'S' session not available (or what the server sent).
    virtual void on_login_rejected(char reason) noexcept { (void)reason; }
    virtual void on_sequenced(std::uint64_t sequence, bytes message) noexcept {
        (void)sequence;
        (void)message;
    }
    virtual void on_unsequenced(bytes message) noexcept { (void)message; }
    virtual void on_debug(bytes text) noexcept { (void)text; }
    virtual void on_server_heartbeat() noexcept {}
    /// The server was silent for the silence timeout `consecutive` times in a row (only
    /// when close_on_silence is false).
    virtual void on_silence(std::uint32_t consecutive) noexcept { (void)consecutive; }
    /// The connection is over (reason, human-readable text); close the transport.
    virtual void on_failure(soup_close reason, std::string_view text) noexcept {
        (void)reason;
        (void)text;
    }
};

class soup_client {
  public:
    enum class state : std::uint8_t {
        disconnected,  ///< no connection (initial, and after a failure or logout)
        logging_in,    ///< Login Request sent, waiting for the answer
        active,        ///< logged in
        ended,         ///< End of Session received (the connection is over)
    };

    /// `journal` (optional) receives every Sequenced Data message with its sequence number;
    /// it must outlive the client.
    soup_client(soup_client_options options, soup_client_handler& handler,
                sequenced_store* journal = nullptr);

    /// The transport connected: sends the Login Request (session and sequence from the last
    /// Login Accepted when there was one, so a reconnect resumes where it stopped).
    void on_connected(std::int64_t now) noexcept;
    /// Bytes read from the connection (any split). Ignored unless connected.
    void on_bytes(bytes data, std::int64_t now) noexcept;
    /// Timers: login timeout, heartbeat, silence. Returns work done (packets sent, 1 on a
    /// failure).
    int on_tick(std::int64_t now) noexcept;
    /// The transport went away (closed by the peer, error): forget the connection.
    void on_disconnected() noexcept;

    /// Sends an Unsequenced Data packet; false when not logged in or the send failed.
    [[nodiscard]] bool send_unsequenced(bytes message, std::int64_t now) noexcept;
    /// Sends a Debug packet (text); false when not connected or the send failed.
    [[nodiscard]] bool send_debug(std::string_view text, std::int64_t now) noexcept;
    /// Sends a Logout Request and ends the connection (no on_failure); the caller closes the
    /// transport. False when there was no connection.
    bool logout(std::int64_t now) noexcept;

    [[nodiscard]] state current_state() const noexcept { return state_; }
    /// Sequence number of the next Sequenced Data packet expected (0 before any login).
    [[nodiscard]] std::uint64_t next_expected() const noexcept { return next_expected_; }
    /// The session joined at the last Login Accepted (empty before).
    [[nodiscard]] std::string_view session() const noexcept { return {session_, session_length_}; }
    /// Rejected logins are final; a reconnect should not be attempted.
    [[nodiscard]] bool rejected() const noexcept { return rejected_; }

  private:
    void on_packet(const codec::nasdaq::soupbintcp::packet& p, std::int64_t now) noexcept;
    bool send_packet(std::uint8_t type, bytes payload, std::int64_t now) noexcept;
    void fail(soup_close reason, std::string_view text) noexcept;

    soup_client_options options_;
    soup_client_handler& handler_;
    sequenced_store* journal_;
    codec::nasdaq::soupbintcp::stream_framer framer_;
    state state_ = state::disconnected;
    std::int64_t connected_at_ = 0;
    std::int64_t last_sent_ = 0;
    std::int64_t last_received_ = 0;
    std::uint32_t silences_ = 0;
    std::uint64_t next_expected_ = 0;
    char session_[10] = {};
    std::size_t session_length_ = 0;
    bool rejected_ = false;
};

// ---------------------------------------------------------------------------------------
// Server (one client connection)

/// What a client asked for in its Login Request (fields trimmed).
struct soup_login {
    std::string_view username;
    std::string_view password;
    std::string_view requested_session;    ///< empty: the current session
    std::uint64_t requested_sequence = 0;  ///< 0: the current (next) sequence number
};

/// Decides logins. Returns 0 to accept, or the Login Rejected reason code ('A': not
/// authorised). An unknown session is refused with 'S' before the authenticator is asked.
class soup_authenticator {
  public:
    virtual ~soup_authenticator() = default;
    [[nodiscard]] virtual char authenticate(const soup_login& login) noexcept = 0;
};

/// Accepts one username/password pair (or anyone when the username is empty).
class static_authenticator final : public soup_authenticator {
  public:
    static_authenticator(std::string username, std::string password)
        : username_(std::move(username)), password_(std::move(password)) {}
    [[nodiscard]] char authenticate(const soup_login& login) noexcept override {
        if (username_.empty()) return 0;
        return login.username == username_ && login.password == password_ ? 0 : 'A';
    }

  private:
    std::string username_;
    std::string password_;
};

class soup_server_handler {
  public:
    virtual ~soup_server_handler() = default;
    [[nodiscard]] virtual bool send(bytes packet) noexcept = 0;
    /// False while the connection's output is backed up: rehydration pauses (heartbeats
    /// and answers still go through send()).
    [[nodiscard]] virtual bool can_send() noexcept { return true; }
    virtual void on_logged_in(const soup_login& login, std::uint64_t first_sequence) noexcept {
        (void)login;
        (void)first_sequence;
    }
    virtual void on_unsequenced(bytes message) noexcept { (void)message; }
    virtual void on_debug(bytes text) noexcept { (void)text; }
    /// The connection is over (reason, text for the log); close the transport after flushing.
    virtual void on_failure(soup_close reason, std::string_view text) noexcept {
        (void)reason;
        (void)text;
    }
};

struct soup_server_options {
    std::string session = "1";  ///< the current session's name (up to 10 characters)
    soup_timing timing;
    std::uint32_t max_packets_per_tick = 256;  ///< bound on rehydration per on_tick
};

class soup_server_connection {
  public:
    enum class state : std::uint8_t {
        awaiting_login,  ///< connected, no Login Request yet
        active,          ///< logged in: sequenced messages flow from the store
        closed,          ///< over (failure, logout, end of session)
    };

    /// `store` holds the session's sequenced messages (shared by every connection of the
    /// server); `auth` decides logins. All three must outlive the connection.
    soup_server_connection(const soup_server_options& options, const sequenced_store& store,
                           soup_authenticator& auth, soup_server_handler& handler);

    /// The connection was accepted at `now` (starts the login timeout).
    void on_connected(std::int64_t now) noexcept;
    void on_bytes(bytes data, std::int64_t now) noexcept;
    /// Timers, and sends the store's messages from the client's position on (up to
    /// max_packets_per_tick). Returns work done.
    int on_tick(std::int64_t now) noexcept;
    /// Sends what the store holds beyond what this client has (bounded); returns packets sent.
    int pump(std::int64_t now) noexcept;
    [[nodiscard]] bool send_unsequenced(bytes message, std::int64_t now) noexcept;
    /// Sends End of Session after every stored message, then ends the connection
    /// (on_failure(end_of_session)). False if the client is not logged in.
    bool end_session(std::int64_t now) noexcept;

    [[nodiscard]] state current_state() const noexcept { return state_; }
    /// Sequence number of the next Sequenced Data packet this client will get.
    [[nodiscard]] std::uint64_t next_to_send() const noexcept { return next_to_send_; }

  private:
    void on_packet(const codec::nasdaq::soupbintcp::packet& p, std::int64_t now) noexcept;
    void on_login(bytes payload, std::int64_t now) noexcept;
    bool send_packet(std::uint8_t type, bytes payload, std::int64_t now) noexcept;
    void fail(soup_close reason, std::string_view text) noexcept;

    const soup_server_options& options_;
    const sequenced_store& store_;
    soup_authenticator& auth_;
    soup_server_handler& handler_;
    codec::nasdaq::soupbintcp::stream_framer framer_;
    state state_ = state::closed;
    std::int64_t connected_at_ = 0;
    std::int64_t last_sent_ = 0;
    std::int64_t last_received_ = 0;
    std::uint64_t next_to_send_ = 0;
    bool draining_ = false;
};

}  // namespace exwire::engine::nasdaq
