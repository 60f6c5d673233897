#pragma once
// MoldUDP64 session state machines: a receiver (downstream packets in, messages out in
// sequence order, retransmission requests out) and a publisher (messages in, downstream
// packets and heartbeats out, retransmission responses served from a sequenced_store).
//
// Pure like the SoupBinTCP machines: datagrams and `now` in, datagrams and handler events
// out; no I/O, no clock. Threads: one thread per object. Bytes passed to handler callbacks
// live until the callback returns. Allocation: the receiver's reorder window and the
// publisher's packet buffer are allocated in the constructor; a window slot's buffer grows
// the first time it holds a larger message and keeps its capacity afterwards.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <exwire/codec/nasdaq/moldudp64.hpp>
#include <exwire/core/bytes.hpp>
#include <exwire/engine/nasdaq/sequenced_store.hpp>

namespace exwire::engine::nasdaq {

// ---------------------------------------------------------------------------------------
// Receiver

struct mold_receiver_options {
    std::string session;               ///< expected session (10 chars); empty: the first one seen
    std::uint64_t first_expected = 1;  ///< 0: start with the first sequence number seen
    std::uint32_t window = 1u << 14;   ///< messages held ahead of a gap (power of two)
    std::uint16_t max_request_count = 256;         ///< messages asked for per request
    std::uint32_t max_outstanding = 4;             ///< requests in flight at once
    std::int64_t request_timeout_ns = 50'000'000;  ///< re-request after this long
    std::uint32_t max_retries = 10;                ///< re-requests of one range before giving up
    std::int64_t silence_timeout_ns = 15'000'000'000;  ///< no packet at all for this long
};

class mold_receiver_handler {
  public:
    virtual ~mold_receiver_handler() = default;
    /// One message, in sequence order, each exactly once.
    virtual void on_message(std::uint64_t sequence, bytes message) noexcept = 0;
    /// A 20-byte request packet for the re-request server; false if it could not be sent
    /// (it is retried after request_timeout_ns like a lost one).
    [[nodiscard]] virtual bool send_request(bytes request) noexcept = 0;
    /// Messages [first, first + count) were found missing.
    virtual void on_gap(std::uint64_t first, std::uint64_t count) noexcept {
        (void)first;
        (void)count;
    }
    /// Every gap since `first` is filled; `count` messages were missing in all.
    virtual void on_gap_filled(std::uint64_t first, std::uint64_t count) noexcept {
        (void)first;
        (void)count;
    }
    /// Every message before End of Session was delivered.
    virtual void on_end_of_session(std::uint64_t next_sequence) noexcept { (void)next_sequence; }
    /// Nothing received for the silence timeout (repeats every timeout while silent).
    virtual void on_silence(std::uint32_t consecutive) noexcept { (void)consecutive; }
    /// Retransmission gave up on [first, first + count): the receiver stops.
    virtual void on_failure(std::uint64_t first, std::uint64_t count,
                            std::string_view text) noexcept {
        (void)first;
        (void)count;
        (void)text;
    }
};

class mold_receiver {
  public:
    enum class state : std::uint8_t { running, ended, failed };

    mold_receiver(mold_receiver_options options, mold_receiver_handler& handler);

    /// One datagram (downstream or retransmitted: same format). Returns messages delivered.
    int on_packet(bytes datagram, std::int64_t now) noexcept;
    /// Retransmission timers and silence. Returns work done.
    int on_tick(std::int64_t now) noexcept;

    [[nodiscard]] state current_state() const noexcept { return state_; }
    [[nodiscard]] std::uint64_t next_expected() const noexcept { return next_expected_; }
    /// One past the highest sequence number any packet announced.
    [[nodiscard]] std::uint64_t highest_seen() const noexcept { return highest_seen_; }
    [[nodiscard]] std::uint64_t requests_sent() const noexcept { return requests_sent_; }
    [[nodiscard]] std::uint64_t malformed_packets() const noexcept { return malformed_; }
    [[nodiscard]] std::uint64_t foreign_packets() const noexcept { return foreign_; }
    [[nodiscard]] std::uint32_t outstanding_requests() const noexcept;

  private:
    struct slot {
        bool present = false;
        std::vector<std::byte> data;
    };
    struct request_state {
        bool active = false;
        std::uint64_t first = 0;
        std::uint64_t end = 0;
        std::int64_t sent_at = 0;
        std::uint32_t retries = 0;
    };

    void note_announced(std::uint64_t first, std::uint64_t end) noexcept;
    int accept(std::uint64_t sequence, bytes message) noexcept;
    int drain_window() noexcept;
    bool held(std::uint64_t sequence) const noexcept;
    std::uint64_t first_missing(std::uint64_t from, std::uint64_t end) const noexcept;
    int manage_requests(std::int64_t now) noexcept;
    bool send_request(std::uint64_t first, std::uint64_t end) noexcept;
    void check_progress() noexcept;

    mold_receiver_options options_;
    mold_receiver_handler& handler_;
    std::vector<slot> window_;
    std::vector<request_state> requests_;
    char session_[10] = {};
    bool have_session_ = false;
    state state_ = state::running;
    std::uint64_t next_expected_;
    std::uint64_t highest_seen_;
    std::uint64_t request_cursor_ = 0;
    bool in_gap_ = false;
    std::uint64_t gap_first_ = 0;
    std::uint64_t gap_missing_ = 0;
    bool end_seen_ = false;
    std::uint64_t end_sequence_ = 0;
    std::int64_t last_received_ = 0;
    bool clock_started_ = false;
    std::uint32_t silences_ = 0;
    std::uint64_t requests_sent_ = 0;
    std::uint64_t malformed_ = 0;
    std::uint64_t foreign_ = 0;
};

// ---------------------------------------------------------------------------------------
// Publisher

struct mold_publisher_options {
    std::string session = "1";        ///< up to 10 characters
    std::size_t max_datagram = 1400;  ///< bytes per downstream packet
    std::int64_t heartbeat_interval_ns = 1'000'000'000;
};

class mold_publisher_handler {
  public:
    virtual ~mold_publisher_handler() = default;
    /// A downstream packet (data, heartbeat, end of session).
    [[nodiscard]] virtual bool send_packet(bytes datagram) noexcept = 0;
    /// A retransmission response for the requester of the request being answered.
    [[nodiscard]] virtual bool send_response(bytes datagram) noexcept = 0;
};

class mold_publisher {
  public:
    /// `store` receives every published message (sequence numbers from its next_sequence())
    /// and serves retransmissions; it must outlive the publisher.
    mold_publisher(mold_publisher_options options, sequenced_store& store,
                   mold_publisher_handler& handler);

    /// Appends `message` to the store and to the packet being built (sent when full, or on
    /// flush()/on_tick()). False when the message cannot fit a datagram, the store refused
    /// it, or the session ended.
    [[nodiscard]] bool publish(bytes message, std::int64_t now) noexcept;
    /// Sends the packet being built, if any. Returns packets sent.
    int flush(std::int64_t now) noexcept;
    /// flush(), and a heartbeat (End of Session once ended) after a heartbeat interval of
    /// send silence. Returns packets sent.
    int on_tick(std::int64_t now) noexcept;
    /// Answers one request datagram from what the store holds (as many messages from the
    /// requested sequence as fit one datagram). Returns 1 if a response was sent.
    int on_request(bytes datagram, std::int64_t now) noexcept;
    /// Flushes and sends End of Session; later ticks repeat it instead of heartbeats.
    bool end_session(std::int64_t now) noexcept;

    [[nodiscard]] std::uint64_t next_sequence() const noexcept { return store_.next_sequence(); }
    [[nodiscard]] std::uint64_t responses_sent() const noexcept { return responses_; }
    [[nodiscard]] std::uint64_t bad_requests() const noexcept { return bad_requests_; }

  private:
    bool send_header_only(std::uint16_t count, std::int64_t now) noexcept;

    mold_publisher_options options_;
    sequenced_store& store_;
    mold_publisher_handler& handler_;
    std::vector<std::byte> packet_;
    std::vector<std::byte> response_;
    std::size_t packet_size_ = 0;
    std::uint64_t packet_first_ = 0;
    std::uint16_t packet_count_ = 0;
    std::int64_t last_sent_ = 0;
    bool ended_ = false;
    std::uint64_t responses_ = 0;
    std::uint64_t bad_requests_ = 0;
};

}  // namespace exwire::engine::nasdaq
