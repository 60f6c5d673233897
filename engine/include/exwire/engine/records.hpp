#pragma once
// What the application receives from a session: records in the session's inbound byte ring.
//
// Messages from the peer and session events travel the same path, in order, as records of
// distinct types. Every record's payload starts with a 24-byte prefix
//     u64 sequence   the message's sequence number (0 if the protocol has none), or the
//                    event's subject (first missing sequence of a gap, ...)
//     i64 time_ns    when the shard received it / raised the event (CLOCK_MONOTONIC ns)
//     u64 value      events: a count or a close_reason (see record_type); messages: 0, or
//                    with a latency probe attached the TSC of the read that received it
//                    (latency_probe.hpp)
// followed by the body: the frame's bytes for a message (as the protocol session chose to
// deliver them, e.g. a SoupBinTCP payload without its length header), a short text for an
// event (a reject reason, an error message).
//
// Thread-safety: inbound_record is a view; its bytes live in the ring until the consumer
// releases the record (see session_handle and dispatcher for when that happens).

#include <cstdint>
#include <cstring>
#include <string_view>

#include <exwire/core/bytes.hpp>

namespace exwire::engine {

/// Ring record types. Values below 0x100 are messages, the rest events.
enum class record_type : std::uint32_t {
    message = 1,        ///< a frame from the peer
    connected = 0x100,  ///< transport connected (value: 1 on a reconnect)
    logged_in,          ///< login accepted (sequence: next expected sequence number)
    login_rejected,     ///< login refused (text: the reason the peer gave)
    heartbeat_missed,   ///< the peer was silent for an interval (value: consecutive misses)
    gap_detected,       ///< sequence: first missing, value: number missing
    gap_filled,         ///< sequence: first recovered, value: number recovered
    disconnected,       ///< transport lost; a reconnect may follow (text: why)
    closed,             ///< the session stopped; always the last record (value: close_reason)
    journal_error,      ///< the journal could not record a frame (text: why)
};

/// Why a session stopped.
enum class close_reason : std::uint32_t {
    requested = 1,      ///< the application called initiate_close()/close()
    peer_logout,        ///< the peer logged out
    end_of_session,     ///< the peer ended the session (SoupBinTCP 'Z', MoldUDP64 end)
    heartbeat_timeout,  ///< the heartbeat monitor tripped with action "close"
    login_rejected,
    transport_error,  ///< connection lost and no reconnect left
    protocol_error,   ///< the peer broke the protocol (text says how)
    start_failed,     ///< the session could not start (text says why)
    engine_stopped,   ///< the engine (shard) stopped while the session ran
};

[[nodiscard]] std::string_view to_string(record_type t) noexcept;
[[nodiscard]] std::string_view to_string(close_reason r) noexcept;

inline constexpr std::size_t record_prefix_size = 24;

/// A decoded view of one inbound record.
struct inbound_record {
    record_type type{};
    std::uint64_t sequence = 0;
    std::int64_t time_ns = 0;
    std::uint64_t value = 0;
    bytes body;  ///< frame bytes or event text; valid until the record is released

    [[nodiscard]] bool is_message() const noexcept {
        return static_cast<std::uint32_t>(type) < 0x100;
    }
    [[nodiscard]] bool is_event() const noexcept { return !is_message(); }
    [[nodiscard]] std::string_view text() const noexcept {
        return {reinterpret_cast<const char*>(body.data()), body.size()};
    }
    /// For a `closed` record.
    [[nodiscard]] close_reason reason() const noexcept { return static_cast<close_reason>(value); }

    /// Decodes a ring record's type and payload (payload at least record_prefix_size bytes).
    [[nodiscard]] static inbound_record decode(std::uint32_t ring_type, bytes payload) noexcept {
        inbound_record r;
        r.type = static_cast<record_type>(ring_type);
        std::memcpy(&r.sequence, payload.data(), 8);
        std::memcpy(&r.time_ns, payload.data() + 8, 8);
        std::memcpy(&r.value, payload.data() + 16, 8);
        r.body = payload.subspan(record_prefix_size);
        return r;
    }
};

/// Writes the 24-byte prefix at `p` (native byte order: the ring never leaves the machine).
inline void encode_record_prefix(std::byte* p, std::uint64_t sequence, std::int64_t time_ns,
                                 std::uint64_t value) noexcept {
    std::memcpy(p, &sequence, 8);
    std::memcpy(p + 8, &time_ns, 8);
    std::memcpy(p + 16, &value, 8);
}

}  // namespace exwire::engine
