// Loopback TCP transports side by side: 64-byte ping-pong round trips (p50/p99/p99.9) and
// one-way 64-byte frame throughput.
//
// Both ends spin: the client on cpu 0 (the benchmark thread), the echo server on cpu 1, and
// neither sleeps (busy-spin idle strategy, no pause instruction between polls). Run it on a
// quiet machine; it occupies two cores for the whole run.
//
//   blocking_sockets   blocking send()/recv() on plain sockets (the naive baseline)
//   busy_poll_sockets  socket_transport, non-blocking recv() on every poll
//   io_uring_fast      uring_transport, SINGLE_ISSUER | DEFER_TASKRUN | TASKRUN_FLAG, enters
//                      only when the kernel flags completion work; send_inline on (default)
//   io_uring_fast_queued_send  the same with send_inline off: every send through io_uring
//   io_uring_default   uring_transport with default ring flags, the same polling loop
//   raw_io_uring_*     the yardstick: a minimal ping-pong written directly on liburing (no
//                      exwire transport) with the same ring flags, registered file,
//                      multishot receive into a provided-buffer ring and send requests;
//                      `_enter_spin` calls io_uring_enter on every pass (as
//                      io_uring_get_events does), `_flag_spin` enters only when the kernel
//                      flags deferred work (IORING_SETUP_TASKRUN_FLAG), and
//                      `_flag_spin_direct_send` also writes with send() instead of a
//                      send request

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include <exwire/core/clock.hpp>
#include <exwire/core/thread.hpp>
#include <exwire/transport/socket_transport.hpp>
#ifdef EXWIRE_HAVE_IO_URING
#include <liburing.h>

#include <exwire/transport/uring_transport.hpp>
#endif

namespace exwire::transport {
namespace {

constexpr std::size_t frame_size = 64;
constexpr int warmup_round_trips = 10'000;
// EXWIRE_BENCH_ROUND_TRIPS overrides the count for smoke runs; recorded figures use 100k.
const int measured_round_trips = [] {
    const char* v = std::getenv("EXWIRE_BENCH_ROUND_TRIPS");
    return v != nullptr ? std::max(1000, std::atoi(v)) : 100'000;
}();
constexpr std::uint64_t throughput_frames = 2'000'000;

// The cpus this process may use, read before any thread is pinned (a thread inherits the
// affinity of the thread that creates it).
const std::vector<int> process_cpus = allowed_cpus();

void pin(int cpu) {
    if (std::find(process_cpus.begin(), process_cpus.end(), cpu) == process_cpus.end()) return;
    if (auto r = pin_current_thread({cpu}); !r)
        std::fprintf(stderr, "%s\n", r.err().message.c_str());
}

void report_percentiles(benchmark::State& state, std::vector<std::uint64_t>& ticks) {
    std::sort(ticks.begin(), ticks.end());
    auto at = [&](double q) {
        return tsc_clock::to_ns(
            ticks[static_cast<std::size_t>(q * static_cast<double>(ticks.size() - 1))]);
    };
    state.counters["rtt_p50_ns"] = at(0.50);
    state.counters["rtt_p99_ns"] = at(0.99);
    state.counters["rtt_p999_ns"] = at(0.999);
    state.counters["rtt_max_ns"] = tsc_clock::to_ns(ticks.back());
    state.counters["round_trips"] = static_cast<double>(ticks.size());
}

// ---- the transports through the concept -------------------------------------------------

socket_transport make_socket() {
    socket_transport_options o;
    o.max_connections = 8;
    return std::move(socket_transport::create(o)).value();
}

// Sends queued and written once per poll (one sendmsg for up to 16 frames here).
socket_transport make_socket_coalesced() {
    socket_transport_options o;
    o.max_connections = 8;
    o.coalesce_sends = true;
    return std::move(socket_transport::create(o)).value();
}

#ifdef EXWIRE_HAVE_IO_URING
template <bool Fast, bool Inline = true>
uring_transport make_uring() {
    uring_transport_options o;
    o.max_connections = 8;
    o.buffer_count = 256;
    o.ring_entries = 256;
    o.fast_setup = Fast;
    o.send_inline = Inline;
    auto t = uring_transport::create(o);
    if (!t) {
        std::fprintf(stderr, "%s\n", t.err().message.c_str());
        std::abort();
    }
    return std::move(t).value();
}
#endif

template <typename T, typename Make>
void echo_server(Make make, std::atomic<std::uint16_t>& port, std::atomic<bool>& stop) {
    pin(1);
    T t = make();  // created on the polling thread (io_uring SINGLE_ISSUER)
    const auto listener = std::move(t.listen({"127.0.0.1", 0})).value();
    port.store(t.local_port(listener));
    struct handler {
        T& t;
        void on_data(connection_id id, bytes data) noexcept {
            std::size_t off = 0;
            while (off < data.size()) {  // the client reads before it sends again
                const auto r = t.send(id, data.subspan(off));
                off += r.accepted;
                if (r.status == send_status::closed || r.status == send_status::error) return;
                if (off < data.size()) (void)t.flush();
            }
        }
        void on_event(const connection_event&) noexcept {}
    } h{t};
    while (!stop.load(std::memory_order_relaxed))
        (void)t.poll(h);
}

template <typename T, typename Make>
void ping_pong(benchmark::State& state, Make make) {
    tsc_clock::calibrate();
    std::atomic<std::uint16_t> port{0};
    std::atomic<bool> stop{false};
    std::thread server([&] { echo_server<T>(make, port, stop); });
    pin(0);
    while (port.load() == 0)
        std::this_thread::yield();
    T t = make();
    struct handler {
        std::size_t received = 0;
        bool connected = false;
        void on_data(connection_id, bytes data) noexcept { received += data.size(); }
        void on_event(const connection_event& e) noexcept {
            if (e.kind == event_kind::connected) connected = true;
        }
    } h;
    const auto id = std::move(t.connect({"127.0.0.1", port.load()}, 5'000'000'000)).value();
    while (!h.connected)
        (void)t.poll(h);
    std::byte frame[frame_size] = {};
    std::vector<std::uint64_t> ticks;
    ticks.reserve(measured_round_trips);
    for (auto _ : state) {
        for (int i = 0; i < warmup_round_trips + measured_round_trips; ++i) {
            const std::size_t target = h.received + frame_size;
            const std::uint64_t t0 = tsc_clock::now();
            if (t.send(id, frame).status != send_status::ok) state.SkipWithError("send refused");
            while (h.received < target)
                (void)t.poll(h);
            if (i >= warmup_round_trips) ticks.push_back(tsc_clock::now() - t0);
        }
    }
    stop.store(true);
    server.join();
    report_percentiles(state, ticks);
}

template <typename T, typename Make>
void throughput(benchmark::State& state, Make make) {
    std::atomic<std::uint16_t> port{0};
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> received{0};
    std::thread server([&] {
        pin(1);
        T t = make();
        const auto listener = std::move(t.listen({"127.0.0.1", 0})).value();
        port.store(t.local_port(listener));
        struct handler {
            std::atomic<std::uint64_t>& received;
            void on_data(connection_id, bytes data) noexcept {
                received.store(received.load(std::memory_order_relaxed) + data.size(),
                               std::memory_order_relaxed);
            }
            void on_event(const connection_event&) noexcept {}
        } h{received};
        while (!stop.load(std::memory_order_relaxed))
            (void)t.poll(h);
    });
    pin(0);
    while (port.load() == 0)
        std::this_thread::yield();
    T t = make();
    struct handler {
        bool connected = false;
        void on_data(connection_id, bytes) noexcept {}
        void on_event(const connection_event& e) noexcept {
            if (e.kind == event_kind::connected) connected = true;
        }
    } h;
    const auto id = std::move(t.connect({"127.0.0.1", port.load()}, 5'000'000'000)).value();
    while (!h.connected)
        (void)t.poll(h);
    std::byte frame[frame_size] = {};
    for (auto _ : state) {
        const std::uint64_t target = received.load() + throughput_frames * frame_size;
        const std::int64_t start = monotonic_ns();
        for (std::uint64_t i = 0; i < throughput_frames;) {
            const auto r = t.send(id, frame);
            if (r.status == send_status::ok) {
                ++i;
                if ((i & 15) == 0) (void)t.poll(h);  // batches of 16 frames per flush
            } else if (r.status == send_status::partial) {
                // Finish this frame before the next one: frames stay whole on the stream.
                std::size_t off = r.accepted;
                while (off < frame_size) {
                    (void)t.poll(h);
                    off += t.send(id, bytes{frame}.subspan(off)).accepted;
                }
                ++i;
            } else {
                (void)t.poll(h);
            }
        }
        while (received.load(std::memory_order_relaxed) < target)
            (void)t.poll(h);
        const double seconds = static_cast<double>(monotonic_ns() - start) / 1e9;
        state.SetIterationTime(seconds);
        state.counters["frames_per_s"] = static_cast<double>(throughput_frames) / seconds;
    }
    stop.store(true);
    server.join();
}

// ---- blocking sockets: the naive baseline -----------------------------------------------

int blocking_socket() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

void blocking_ping_pong(benchmark::State& state) {
    tsc_clock::calibrate();
    const int listener = blocking_socket();
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)::bind(listener, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    (void)::listen(listener, 1);
    socklen_t len = sizeof sa;
    (void)getsockname(listener, reinterpret_cast<sockaddr*>(&sa), &len);
    std::thread server([listener] {
        pin(1);
        const int fd = ::accept(listener, nullptr, nullptr);
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        char buf[4096];
        for (;;) {
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            if (::send(fd, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) break;
        }
        ::close(fd);
    });
    pin(0);
    const int fd = blocking_socket();
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        state.SkipWithError("connect failed");
    }
    char frame[frame_size] = {};
    char buf[frame_size];
    std::vector<std::uint64_t> ticks;
    ticks.reserve(measured_round_trips);
    for (auto _ : state) {
        for (int i = 0; i < warmup_round_trips + measured_round_trips; ++i) {
            const std::uint64_t t0 = tsc_clock::now();
            (void)::send(fd, frame, frame_size, MSG_NOSIGNAL);
            std::size_t got = 0;
            while (got < frame_size) {
                const ssize_t n = ::recv(fd, buf + got, frame_size - got, 0);
                if (n <= 0) break;
                got += static_cast<std::size_t>(n);
            }
            if (i >= warmup_round_trips) ticks.push_back(tsc_clock::now() - t0);
        }
    }
    ::close(fd);
    server.join();
    ::close(listener);
    report_percentiles(state, ticks);
}

// ---- raw liburing: the yardstick --------------------------------------------------------

#ifdef EXWIRE_HAVE_IO_URING
[[noreturn]] void die(const char* what, int err) {
    std::fprintf(stderr, "raw io_uring: %s: %s\n", what, std::strerror(err));
    std::abort();
}

// One connected TCP socket on its own ring: SINGLE_ISSUER | DEFER_TASKRUN (plus TASKRUN_FLAG
// for the flag spin), the socket as fixed file 0, one multishot receive into a ring of
// provided buffers, sends copied into a small buffer (one in flight at a time: the ping-pong
// never has more). Everything the exwire transport does on the round trip, and nothing else.
class raw_ring {
  public:
    static constexpr unsigned buffer_count = 64;
    static constexpr unsigned buffer_size = 4096;
    static constexpr std::size_t br_bytes = 4096;  // buffer_count descriptors of 16 bytes

    raw_ring(int fd, bool flag_spin, bool direct_send = false)
        : fd_(fd), flag_spin_(flag_spin), direct_send_(direct_send) {
        io_uring_params p{};
        p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
        if (flag_spin) p.flags |= IORING_SETUP_TASKRUN_FLAG;
        if (int rc = io_uring_queue_init_params(64, &ring_, &p); rc < 0) die("setup", -rc);
        if (int rc = io_uring_register_files(&ring_, &fd, 1); rc < 0) die("files", -rc);
        void* m = mmap(nullptr, br_bytes, PROT_READ | PROT_WRITE,
                       MAP_ANONYMOUS | MAP_PRIVATE | MAP_POPULATE, -1, 0);
        if (m == MAP_FAILED) die("mmap", errno);
        br_ = static_cast<io_uring_buf_ring*>(m);
        io_uring_buf_reg reg{};
        reg.ring_addr = reinterpret_cast<std::uint64_t>(br_);
        reg.ring_entries = buffer_count;
        reg.bgid = 0;
        if (int rc = io_uring_register_buf_ring(&ring_, &reg, 0); rc < 0) die("buf ring", -rc);
        io_uring_buf_ring_init(br_);
        for (unsigned b = 0; b < buffer_count; ++b)
            io_uring_buf_ring_add(br_, buffers_ + b * buffer_size, buffer_size,
                                  static_cast<unsigned short>(b),
                                  io_uring_buf_ring_mask(buffer_count), static_cast<int>(b));
        io_uring_buf_ring_advance(br_, buffer_count);
        arm();
        (void)io_uring_submit(&ring_);
    }
    raw_ring(const raw_ring&) = delete;
    raw_ring& operator=(const raw_ring&) = delete;
    ~raw_ring() {
        io_uring_queue_exit(&ring_);
        munmap(br_, br_bytes);
    }

    // Appends bytes to send; they leave with the next pass's enter.
    void send(const std::byte* p, std::size_t n) {
        if (n > sizeof tx_ - tx_bytes_) die("send buffer full", ENOBUFS);
        std::memcpy(tx_ + tx_bytes_, p, n);
        tx_bytes_ += n;
    }

    // One spin pass: submit what is queued and run deferred work (one enter), then reap.
    template <typename OnData>
    std::size_t pass(OnData&& on_data) {
        if (direct_send_ && !sending_ && tx_bytes_ > 0) {
            const ssize_t n = ::send(fd_, tx_, tx_bytes_, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n < 0 && errno != EAGAIN) die("send", errno);
            const std::size_t sent = n > 0 ? static_cast<std::size_t>(n) : 0;
            std::memmove(tx_, tx_ + sent, tx_bytes_ - sent);
            tx_bytes_ -= sent;
        }
        if (!sending_ && tx_bytes_ > 0) {
            io_uring_sqe* e = io_uring_get_sqe(&ring_);
            io_uring_prep_send(e, 0, tx_, tx_bytes_, MSG_NOSIGNAL);
            e->flags |= IOSQE_FIXED_FILE;
            io_uring_sqe_set_data64(e, send_tag);
            sending_ = true;
        }
        if (io_uring_sq_ready(&ring_) > 0) {
            (void)io_uring_submit_and_get_events(&ring_);
        } else if (!flag_spin_ || (io_uring_cq_ready(&ring_) == 0 &&
                                   (IO_URING_READ_ONCE(*ring_.sq.kflags) &
                                    (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW)) != 0)) {
            (void)io_uring_get_events(&ring_);
        }
        std::size_t received = 0;
        unsigned seen = 0;
        unsigned recycled = 0;
        unsigned head;
        io_uring_cqe* cqe;
        io_uring_for_each_cqe(&ring_, head, cqe) {
            ++seen;
            if (io_uring_cqe_get_data64(cqe) == send_tag) {
                if (cqe->res < 0) die("send", -cqe->res);
                const auto sent = static_cast<std::size_t>(cqe->res);  // partial: rest next
                std::memmove(tx_, tx_ + sent, tx_bytes_ - sent);
                tx_bytes_ -= sent;
                sending_ = false;
                continue;
            }
            if (cqe->res < 0 && cqe->res != -ENOBUFS) die("recv", -cqe->res);
            if (cqe->flags & IORING_CQE_F_BUFFER) {
                const unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
                on_data(buffers_ + bid * buffer_size, static_cast<std::size_t>(cqe->res));
                received += static_cast<std::size_t>(cqe->res);
                io_uring_buf_ring_add(br_, buffers_ + bid * buffer_size, buffer_size,
                                      static_cast<unsigned short>(bid),
                                      io_uring_buf_ring_mask(buffer_count),
                                      static_cast<int>(recycled++));
            } else if (cqe->res == 0) {
                closed_ = true;
            }
            if (!(cqe->flags & IORING_CQE_F_MORE) && !closed_) arm();
        }
        if (recycled > 0) io_uring_buf_ring_advance(br_, static_cast<int>(recycled));
        io_uring_cq_advance(&ring_, seen);
        return received;
    }

    [[nodiscard]] bool closed() const noexcept { return closed_; }

  private:
    static constexpr std::uint64_t send_tag = 1;
    static constexpr std::uint64_t recv_tag = 2;

    void arm() {
        io_uring_sqe* e = io_uring_get_sqe(&ring_);
        io_uring_prep_recv_multishot(e, 0, nullptr, 0, 0);
        e->flags |= IOSQE_FIXED_FILE | IOSQE_BUFFER_SELECT;
        e->buf_group = 0;
        io_uring_sqe_set_data64(e, recv_tag);
    }

    io_uring ring_{};
    io_uring_buf_ring* br_ = nullptr;
    int fd_;
    bool flag_spin_;
    bool direct_send_;
    bool sending_ = false;
    bool closed_ = false;
    std::size_t tx_bytes_ = 0;
    alignas(64) std::byte tx_[4 * buffer_size];
    alignas(64) std::byte buffers_[buffer_count * buffer_size];
};

void raw_uring_ping_pong(benchmark::State& state, bool flag_spin, bool direct_send = false) {
    tsc_clock::calibrate();
    const int listener = blocking_socket();
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)::bind(listener, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    (void)::listen(listener, 1);
    socklen_t len = sizeof sa;
    (void)getsockname(listener, reinterpret_cast<sockaddr*>(&sa), &len);
    std::atomic<bool> stop{false};
    std::thread server([&] {
        pin(1);
        const int fd = ::accept(listener, nullptr, nullptr);
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        {
            auto r =
                std::make_unique<raw_ring>(fd, flag_spin, direct_send);  // on the polling thread
            while (!stop.load(std::memory_order_relaxed) && !r->closed())
                (void)r->pass([&](const std::byte* p, std::size_t n) { r->send(p, n); });
        }
        ::close(fd);
    });
    pin(0);
    const int fd = blocking_socket();
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        state.SkipWithError("connect failed");
    }
    std::vector<std::uint64_t> ticks;
    ticks.reserve(measured_round_trips);
    {
        auto r = std::make_unique<raw_ring>(fd, flag_spin, direct_send);
        std::byte frame[frame_size] = {};
        for (auto _ : state) {
            for (int i = 0; i < warmup_round_trips + measured_round_trips; ++i) {
                const std::uint64_t t0 = tsc_clock::now();
                r->send(frame, frame_size);
                std::size_t got = 0;
                while (got < frame_size)
                    got += r->pass([](const std::byte*, std::size_t) {});
                if (i >= warmup_round_trips) ticks.push_back(tsc_clock::now() - t0);
            }
        }
        stop.store(true);
        server.join();
    }
    ::close(fd);
    ::close(listener);
    report_percentiles(state, ticks);
}
#endif

void blocking_sockets_ping_pong(benchmark::State& s) {
    blocking_ping_pong(s);
}
void busy_poll_sockets_ping_pong(benchmark::State& s) {
    ping_pong<socket_transport>(s, make_socket);
}
void busy_poll_sockets_coalesced_throughput(benchmark::State& s) {
    throughput<socket_transport>(s, make_socket_coalesced);
}
void busy_poll_sockets_throughput(benchmark::State& s) {
    throughput<socket_transport>(s, make_socket);
}
BENCHMARK(blocking_sockets_ping_pong)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(busy_poll_sockets_ping_pong)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
#ifdef EXWIRE_HAVE_IO_URING
void io_uring_fast_ping_pong(benchmark::State& s) {
    ping_pong<uring_transport>(s, make_uring<true>);
}
void io_uring_fast_queued_send_ping_pong(benchmark::State& s) {
    ping_pong<uring_transport>(s, make_uring<true, false>);
}
void io_uring_default_ping_pong(benchmark::State& s) {
    ping_pong<uring_transport>(s, make_uring<false>);
}
void io_uring_fast_throughput(benchmark::State& s) {
    throughput<uring_transport>(s, make_uring<true>);
}
void raw_io_uring_enter_spin_ping_pong(benchmark::State& s) {
    raw_uring_ping_pong(s, false);
}
void raw_io_uring_flag_spin_ping_pong(benchmark::State& s) {
    raw_uring_ping_pong(s, true);
}
void raw_io_uring_flag_spin_direct_send_ping_pong(benchmark::State& s) {
    raw_uring_ping_pong(s, true, true);
}
BENCHMARK(raw_io_uring_flag_spin_direct_send_ping_pong)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(raw_io_uring_enter_spin_ping_pong)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(raw_io_uring_flag_spin_ping_pong)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(io_uring_fast_ping_pong)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(io_uring_fast_queued_send_ping_pong)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(io_uring_default_ping_pong)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
#endif
BENCHMARK(busy_poll_sockets_throughput)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK(busy_poll_sockets_coalesced_throughput)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
#ifdef EXWIRE_HAVE_IO_URING
BENCHMARK(io_uring_fast_throughput)->Iterations(1)->Unit(benchmark::kMillisecond)->UseManualTime();
#endif

}  // namespace
}  // namespace exwire::transport

BENCHMARK_MAIN();
