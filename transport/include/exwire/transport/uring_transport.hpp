#pragma once
// The io_uring transport: one ring per shard, multishot accept and receive into a ring of
// provided buffers (recycled by index after each poll pass), sends batched per poll with
// partial sends resumed in order, sockets as registered (fixed) files. Models
// `exwire::transport::transport`. liburing stays out of this header (pimpl).
//
// The ring is set up with IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
// IORING_SETUP_TASKRUN_FLAG by default: completions are deferred work that io_uring_enter
// runs, and poll() enters (io_uring_get_events, or submit-and-get-events when requests are
// queued) only when the kernel flags such work, so an idle pass makes no system call (see
// docs/transports.md). With DEFER_TASKRUN the kernel posts completions only when the owner
// asks, so a shard must keep polling.
//
// Threads: SINGLE_ISSUER ties the ring to the thread that created it: create the transport
// on the shard thread that will poll it. Nothing here is thread-safe.
// Sends: with nothing queued or in flight on a TCP connection, the first send() since the
// last flush writes at once with a non-blocking send() (`send_inline`); the rest, and what
// the kernel does not take, is copied into the connection's send queue (all, part or none
// of the bytes: see send_status). flush(), which poll() calls at the end of every pass,
// turns queued bytes into one io_uring send per connection and submits them all with one
// system call. UDP sends are a direct non-blocking send() (datagrams keep their
// boundaries). Receive is always through io_uring.
// Errors: setup returns result<> with a message (including "io_uring is not permitted"
// when the kernel or seccomp refuses it); the hot path reports send_status and events.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include <exwire/core/result.hpp>
#include <exwire/transport/poll_batch.hpp>
#include <exwire/transport/transport.hpp>

namespace exwire::transport {

struct uring_transport_options {
    std::size_t max_connections = 1024;      ///< [max_connections] also the fixed-file table
    unsigned ring_entries = 1024;            ///< [ring_entries] submission queue size
    unsigned buffer_count = 1024;            ///< [buffer_count] provided buffers (power of 2)
    std::size_t buffer_size = 4096;          ///< [buffer_size] bytes per provided buffer
    std::size_t send_queue_bytes = 1 << 20;  ///< [send_queue_bytes] per connection
    int listen_backlog = 128;                ///< [listen_backlog]
    /// [fast_setup] SINGLE_ISSUER | DEFER_TASKRUN (default on); off gives the default setup
    /// (kept for comparison: about 7x slower round trips on the machine measured).
    bool fast_setup = true;
    /// [send_inline] when a TCP connection has nothing queued or in flight, the first send()
    /// since the last flush is written at once with a non-blocking send() system call (what
    /// the kernel does not take is queued and goes through io_uring as usual); off: every
    /// send is queued and submitted at the flush. Receive is always through io_uring.
    bool send_inline = true;
    /// [sqpoll_cpu] run a kernel submission-polling thread on this cpu. Refused at create()
    /// when that cpu is not allowed, is the shard's own cpu, or when fewer than 3 cpus are
    /// available (the SQPOLL thread spins a core of its own).
    std::optional<int> sqpoll_cpu;
    std::optional<int> shard_cpu;  ///< [shard_cpu] the polling thread's cpu, for that check
    unsigned sqpoll_idle_ms = 1000;
    socket_options socket;  ///< applied to every socket
};

class uring_transport {
  public:
    /// Cold path: sets the ring up, registers the file table and the buffer ring.
    [[nodiscard]] static result<uring_transport> create(const uring_transport_options& options);

    uring_transport(uring_transport&&) noexcept;
    uring_transport& operator=(uring_transport&&) noexcept;
    ~uring_transport();

    [[nodiscard]] result<connection_id> listen(const endpoint& local);
    [[nodiscard]] result<connection_id> connect(const endpoint& remote, std::int64_t timeout_ns);
    [[nodiscard]] result<connection_id> open_udp(const udp_options& options);

    [[nodiscard]] send_result send(connection_id id, bytes data) noexcept;
    int flush() noexcept;
    void close(connection_id id) noexcept;
    [[nodiscard]] std::size_t queued(connection_id id) const noexcept;
    [[nodiscard]] std::uint16_t local_port(connection_id id) const noexcept;

    template <transport_handler Handler>
    int poll(Handler& handler) noexcept {
        const int work = reap();
        batch_.dispatch(handler);
        return work + end_poll();
    }

  private:
    struct state;
    explicit uring_transport(std::unique_ptr<state> s) noexcept;
    int reap() noexcept;
    int end_poll() noexcept;
    int prepare_sends() noexcept;

    std::unique_ptr<state> state_;
    detail::poll_batch batch_;
};

}  // namespace exwire::transport
