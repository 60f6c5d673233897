#pragma once
// The plain-socket transport: non-blocking TCP and UDP sockets, busy-polled receive for a
// few connections, epoll readiness when many share the shard. The portable baseline and the
// fallback when io_uring is not available. Models `exwire::transport::transport`.
//
// Receive: with at most `epoll_threshold` established connections, every poll calls recv()
// on each of them (busy polling: the lowest latency); with more, one epoll_wait() per poll
// finds the ready ones. Listeners and pending connects are watched through epoll in both
// cases.
// Send: written to the kernel at once (write-through), or, with `coalesce_sends`, queued
// and written by flush()/poll() with one writev per connection. Bytes the kernel cannot
// take are queued (up to `send_queue_bytes` per connection) and leave in order.
//
// Threads: one owner thread. Errors: setup returns result<> with a message; the hot path
// returns send_status and delivers events. No allocation after a connection is set up.

#include <cstddef>
#include <cstdint>
#include <memory>

#include <exwire/core/result.hpp>
#include <exwire/transport/poll_batch.hpp>
#include <exwire/transport/transport.hpp>

namespace exwire::transport {

struct socket_transport_options {
    std::size_t max_connections = 1024;      ///< [max_connections] ids in use at once
    std::size_t receive_chunk = 64 * 1024;   ///< [receive_chunk] bytes read per recv()
    std::size_t send_queue_bytes = 1 << 20;  ///< [send_queue_bytes] per connection
    std::size_t epoll_threshold = 8;         ///< [epoll_threshold] connections before epoll
    bool coalesce_sends = false;             ///< [coalesce_sends] queue sends until flush()/poll()
    int listen_backlog = 128;                ///< [listen_backlog]
    socket_options socket;                   ///< applied to every socket
};

class socket_transport {
  public:
    /// Cold path: allocates the slot table and the epoll instance.
    [[nodiscard]] static result<socket_transport> create(const socket_transport_options& options);

    socket_transport(socket_transport&&) noexcept;
    socket_transport& operator=(socket_transport&&) noexcept;
    ~socket_transport();

    [[nodiscard]] result<connection_id> listen(const endpoint& local);
    [[nodiscard]] result<connection_id> connect(const endpoint& remote, std::int64_t timeout_ns);
    [[nodiscard]] result<connection_id> open_udp(const udp_options& options);

    [[nodiscard]] send_result send(connection_id id, bytes data) noexcept;
    int flush() noexcept;
    void close(connection_id id) noexcept;
    [[nodiscard]] std::size_t queued(connection_id id) const noexcept;
    /// The local port of a listener, connection or UDP endpoint (0 if unknown).
    [[nodiscard]] std::uint16_t local_port(connection_id id) const noexcept;

    template <transport_handler Handler>
    int poll(Handler& handler) noexcept {
        const int work = reap();
        batch_.dispatch(handler);
        return work + end_poll();
    }

  private:
    struct state;
    explicit socket_transport(std::unique_ptr<state> s) noexcept;
    int reap() noexcept;
    int end_poll() noexcept;

    std::unique_ptr<state> state_;
    detail::poll_batch batch_;
};

}  // namespace exwire::transport
