#pragma once
// The transport concept: what a shard needs from anything that moves bytes.
//
// A shard is templated on a type that models `exwire::transport::transport`; the concept is
// satisfied by `socket_transport` (plain non-blocking sockets) and `uring_transport`
// (io_uring). Virtual calls stay at setup; the hot path (poll, send, flush) is concrete.
//
// Model:
//   - Every socket the transport owns (listener, TCP connection, UDP endpoint) has a
//     `connection_id`. Ids carry a generation, so a stale id of a closed and reused slot is
//     refused (send_status::closed) instead of reaching the wrong peer.
//   - `poll(handler)` does one non-blocking pass: it delivers received bytes with
//     `handler.on_data(id, bytes)` and lifecycle changes with `handler.on_event(event)`,
//     flushes queued sends, and returns the amount of work done (feed it to an idle
//     strategy). Bytes passed to on_data live until on_data returns.
//     TCP delivers a byte stream: frame boundaries are the codec's business. UDP delivers one
//     datagram per on_data call.
//   - `send(id, bytes)` accepts all of the bytes, or part of them, or none, and says so: a
//     send never drops bytes silently. Accepted bytes that the kernel could not take yet are
//     queued in the connection's send buffer and leave in order on later polls; when a send
//     was refused for lack of space, an `event_kind::writable` event follows once space is
//     free again.
//   - The handler may call send() and close() from inside on_data/on_event.
//
// Threads: a transport object is owned by one thread (its shard); nothing here is
// thread-safe. Setup calls (listen, connect, open_udp) are cold path and return
// exwire::result with a message; poll/send/flush/close are noexcept and never allocate.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string>

#include <exwire/core/bytes.hpp>
#include <exwire/core/result.hpp>

namespace exwire::transport {

/// Names a listener, a TCP connection or a UDP endpoint of one transport object.
/// Low 32 bits: slot; high 32 bits: generation. `invalid_connection` is never issued.
enum class connection_id : std::uint64_t {};
inline constexpr connection_id invalid_connection{~std::uint64_t{0}};

[[nodiscard]] constexpr std::uint32_t slot_of(connection_id id) noexcept {
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(id));
}
[[nodiscard]] constexpr std::uint32_t generation_of(connection_id id) noexcept {
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(id) >> 32);
}
[[nodiscard]] constexpr connection_id make_connection_id(std::uint32_t slot,
                                                         std::uint32_t generation) noexcept {
    return connection_id{(std::uint64_t{generation} << 32) | slot};
}

enum class event_kind : std::uint8_t {
    connected,       ///< an outgoing connect() completed; `id` is ready to send
    accepted,        ///< a listener accepted `id`; `listener` names the listener
    connect_failed,  ///< an outgoing connect failed (`error`: ECONNREFUSED, ETIMEDOUT...);
                     ///< the id is released
    closed_by_peer,  ///< orderly shutdown by the peer (read returned 0); the id is released
    error,           ///< the socket failed (`error` holds the errno); the id is released
    writable,        ///< a send refused earlier (would_block/partial) may be retried now
};

/// A lifecycle change delivered by poll(). `error` is a positive errno or 0.
struct connection_event {
    connection_id id = invalid_connection;
    event_kind kind = event_kind::connected;
    int error = 0;
    connection_id listener = invalid_connection;  ///< set for `accepted`
};

/// Human-readable text for an event (static storage; never allocates).
[[nodiscard]] const char* to_string(event_kind kind) noexcept;
/// strerror-like reason for an event's error code (thread-safe, static storage).
[[nodiscard]] const char* reason(const connection_event& event) noexcept;

enum class send_status : std::uint8_t {
    ok,           ///< every byte accepted (sent, or queued behind earlier bytes)
    partial,      ///< only `accepted` bytes were taken; retry the rest after `writable`
    would_block,  ///< nothing accepted: the send buffer is full; retry after `writable`
    closed,       ///< the id is unknown, stale, or already closed
    error,        ///< the socket has failed; an `error` event follows on the next poll
};

/// What send() did. For UDP a datagram is all or nothing: never `partial`.
struct [[nodiscard]] send_result {
    send_status status = send_status::ok;
    std::size_t accepted = 0;
};

[[nodiscard]] const char* to_string(send_status status) noexcept;

/// An IPv4 address and port, e.g. {"127.0.0.1", 9000}. Host names are not resolved.
struct endpoint {
    std::string address;
    std::uint16_t port = 0;
};

/// Per-socket options (configuration keys in brackets).
struct socket_options {
    bool tcp_nodelay = true;  ///< [tcp_nodelay] disable Nagle (default on)
    int busy_poll_us = 0;     ///< [busy_poll_us] SO_BUSY_POLL in microseconds; 0 = leave
    int receive_buffer = 0;   ///< [receive_buffer] SO_RCVBUF bytes; 0 = kernel default
    int send_buffer = 0;      ///< [send_buffer] SO_SNDBUF bytes; 0 = kernel default
    std::string interface;    ///< [interface] SO_BINDTODEVICE name; empty = any
};

/// A UDP endpoint: bound to `local` (port 0 = any), optionally joined to a multicast
/// `group` on the interface whose IPv4 address is `multicast_interface`, and with a default
/// destination `remote` for send() (port 0 = receive only).
struct udp_options {
    endpoint local;
    endpoint remote;
    std::string group;                ///< multicast group to join, e.g. "239.1.1.1"
    std::string multicast_interface;  ///< IPv4 address of the interface, e.g. "127.0.0.1"
    bool multicast_loop = true;       ///< IP_MULTICAST_LOOP for sends to a group
    int multicast_ttl = 1;
    bool reuse_address = true;  ///< SO_REUSEADDR so several processes can join one group
    socket_options socket;
};

/// The handler a shard passes to poll(); see the file comment for lifetimes.
template <typename H>
concept transport_handler = requires(H& h, connection_id id, bytes data,
                                     const connection_event& event) {
    h.on_data(id, data);
    h.on_event(event);
};

namespace detail {
/// The smallest handler; used to check the concept.
struct archetype_handler {
    void on_data(connection_id, bytes) noexcept {}
    void on_event(const connection_event&) noexcept {}
};
}  // namespace detail

/// The transport concept shards are templated on.
template <typename T>
concept transport = requires(T& t, connection_id id, bytes data, const endpoint& ep,
                             const udp_options& udp, std::int64_t timeout_ns,
                             detail::archetype_handler& handler) {
    /// Starts listening; accepted connections arrive as `accepted` events.
    { t.listen(ep) } -> std::same_as<result<connection_id>>;
    /// Starts a non-blocking connect; `connected` or `connect_failed` follows from poll().
    { t.connect(ep, timeout_ns) } -> std::same_as<result<connection_id>>;
    /// Opens a UDP endpoint; datagrams arrive through on_data.
    { t.open_udp(udp) } -> std::same_as<result<connection_id>>;
    /// Sends (TCP: stream bytes; UDP: one datagram to the default destination).
    { t.send(id, data) }
    noexcept->std::same_as<send_result>;
    /// Pushes queued sends to the kernel now (poll does it too); returns work done.
    { t.flush() }
    noexcept->std::same_as<int>;
    /// Closes and releases the id; no event follows for it. Queued bytes are dropped, so
    /// call flush() and wait for the queue to drain (`queued()`) first when they matter.
    { t.close(id) }
    noexcept;
    /// Bytes accepted by send() but not yet handed to the kernel.
    { t.queued(id) }
    noexcept->std::same_as<std::size_t>;
    /// One non-blocking pass; returns the work done.
    { t.poll(handler) }
    noexcept->std::same_as<int>;
};

}  // namespace exwire::transport
