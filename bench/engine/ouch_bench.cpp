// OUCH 5.0 over SoupBinTCP through exwire on both ends, two processes over loopback, side by
// side with the raw transport doing the same exchange.
//
// round_trip/<engine|raw>/<transport>/<idle>
//   One Enter Order (49 bytes, built with the generated OUCH builder) goes from the client
//   process to the server process, which answers with one Order Accepted (66 bytes, built
//   with the generated builder) as Sequenced Data; the client times each round trip with the
//   TSC (p50/p99/p99.9 over EXWIRE_BENCH_ROUND_TRIPS, default 100k, after 10k warm-up).
//   engine: the client process runs an engine with an OUCH client session on its shard
//     thread and the benchmark thread as the application (claim/commit, poll); the server
//     process runs an engine with a SoupBinTCP server session and answers from an agent on
//     the server's shard thread (no application thread there).
//   raw: the same transport (socket_transport or uring_transport), one polling thread per
//     process, the same SoupBinTCP frames written by hand (3-byte header + payload).
//   engine_on_shard: the same, but the client's application is an agent on its shard thread
//     (one thread per process on both sides, as in the raw exchange).
//   idle: the idle strategy of every polling loop (shards, application, raw loops), from
//     EXWIRE_BENCH_IDLE (default "yield").
//
// throughput/<orders|sequenced>/<transport>/<journal|no_journal>
//   orders:    the client application sends EXWIRE_BENCH_FRAMES (default 1M) Enter Orders
//              as fast as its ring takes them; the server process's application counts them.
//              Unsequenced Data: neither side journals these (SoupBinTCP does not sequence
//              client messages).
//   sequenced: the server application sends the same count of Order Accepted messages as
//              Sequenced Data; with journal, the server journals each before sending it
//              and the client journals each it receives (durability none: page cache).
//   Time from the first send to the receiver process reporting the last one (over a pipe).
//
// Both processes are left to the scheduler (no pinning): the machine this runs on may have
// fewer cores than the threads in play. Busy-spin variants need two free cores.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <exwire/codec/nasdaq/ouch50.hpp>
#include <exwire/core/clock.hpp>
#include <exwire/core/idle_strategy.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/nasdaq/soupbintcp_engine.hpp>
#include <exwire/transport/socket_transport.hpp>
#ifdef EXWIRE_HAVE_IO_URING
#include <exwire/transport/uring_transport.hpp>
#endif

namespace {

using namespace exwire;
using namespace exwire::engine;
namespace ouch = exwire::codec::nasdaq::ouch50;
using engine_t = exwire::engine::engine;

int env_count(const char* name, int fallback, int minimum) {
    const char* v = std::getenv(name);
    return v != nullptr ? std::max(minimum, std::atoi(v)) : fallback;
}
const int measured_round_trips = env_count("EXWIRE_BENCH_ROUND_TRIPS", 100'000, 1000);
const int warmup_round_trips = 10'000;
const int throughput_frames = env_count("EXWIRE_BENCH_FRAMES", 1'000'000, 10'000);

std::size_t build_enter_order(mutable_bytes out, std::uint32_t ref) noexcept {
    return ouch::enter_order::builder(out)
        .user_ref_num(ref)
        .side('B')
        .quantity(100)
        .symbol("AAPL")
        .price(1'500'000)
        .time_in_force('0')
        .display('Y')
        .capacity('A')
        .inter_market_sweep_eligibility('N')
        .cross_type('N')
        .cl_ord_id("BENCH")
        .finish()
        .size;
}
std::size_t build_order_accepted(mutable_bytes out, std::uint32_t ref,
                                 std::uint64_t order_ref) noexcept {
    return ouch::order_accepted::builder(out)
        .timestamp(34'200'000'000'000)
        .user_ref_num(ref)
        .side('B')
        .quantity(100)
        .symbol("AAPL")
        .price(1'500'000)
        .time_in_force('0')
        .display('Y')
        .order_reference_number(order_ref)
        .capacity('A')
        .inter_market_sweep_eligibility('N')
        .cross_type('N')
        .order_state('L')
        .cl_ord_id("BENCH")
        .finish()
        .size;
}
// Sizes the builders produce (no appendage): measured once, used for the raw frames too.
const std::size_t enter_order_size = [] {
    std::byte b[64];
    return build_enter_order(b, 1);
}();
const std::size_t order_accepted_size = [] {
    std::byte b[96];
    return build_order_accepted(b, 1, 1);
}();

std::uint16_t free_port() {
    auto t = std::move(transport::socket_transport::create({})).value();
    const auto l = std::move(t.listen({"127.0.0.1", 0})).value();
    const std::uint16_t p = t.local_port(l);
    t.close(l);
    return p;
}

// ---- child processes ----------------------------------------------------------------------

/// A forked child: runs `body(stop_fd, done_fd)` and exits. `stop_fd` reaches end of file when
/// the parent is done (or dies); `done_fd` is where the child reports.
struct child {
    pid_t pid = -1;
    int stop_w = -1;  ///< parent closes it to stop the child
    int done_r = -1;  ///< the child's reports

    template <typename Body>
    static child start(Body body) {
        int stop[2];
        int done[2];
        if (::pipe(stop) != 0 || ::pipe(done) != 0) std::abort();
        std::fflush(nullptr);
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::close(stop[1]);
            ::close(done[0]);
            const int rc = body(stop[0], done[1]);
            ::_exit(rc);
        }
        ::close(stop[0]);
        ::close(done[1]);
        return {pid, stop[1], done[0]};
    }
    /// Waits up to `ms` for one byte from the child: the byte, or 0 on time-out or end of
    /// file.
    [[nodiscard]] char wait_report(int ms) const {
        pollfd p{done_r, POLLIN, 0};
        if (::poll(&p, 1, ms) != 1) return 0;
        char c = 0;
        return ::read(done_r, &c, 1) == 1 ? c : 0;
    }
    void finish() {
        if (pid <= 0) return;
        ::close(stop_w);
        int status = 0;
        for (int i = 0; i < 500; ++i) {  // 5 s, then kill
            if (::waitpid(pid, &status, WNOHANG) == pid) break;
            if (i == 499) {
                ::kill(pid, SIGKILL);
                (void)::waitpid(pid, &status, 0);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        ::close(done_r);
        pid = -1;
    }
};

bool stop_requested(int stop_fd) {
    pollfd p{stop_fd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;  // readable = end of file: the parent closed its end
}
void report(int done_fd, char c = 'x') {
    (void)!::write(done_fd, &c, 1);
}

// ---- engine configuration -----------------------------------------------------------------

engine_config one_session(const char* name, transport_kind kind, const std::string& idle,
                          session_config s) {
    engine_config c;
    c.name = name;
    shard_config sh;
    sh.name = "shard";
    sh.idle = idle;
    sh.transport = kind;
    c.shards.push_back(sh);
    s.shard = "shard";
    s.username = "bench";
    s.password = "secret";
    s.heartbeat.interval_ns = 1'000'000'000;
    s.heartbeat.tolerated_misses = 30;
    s.reconnect.delay_ns = 10'000'000;
    s.reconnect.max_delay_ns = 50'000'000;
    s.inbound_ring_size = 1u << 22;
    s.outbound_ring_size = 1u << 22;
    c.sessions.push_back(std::move(s));
    return c;
}
engine_config server_config(std::uint16_t port, transport_kind kind, const std::string& idle,
                            const std::string& journal_dir) {
    session_config s;
    s.name = "exchange";
    s.protocol = protocol_kind::soupbintcp;
    s.role = session_role::server;
    s.listen = {"127.0.0.1", port};
    s.journal.dir = journal_dir;
    return one_session("bench-server", kind, idle, std::move(s));
}
engine_config client_config(std::uint16_t port, transport_kind kind, const std::string& idle,
                            const std::string& journal_dir) {
    session_config s;
    s.name = "trader";
    s.protocol = protocol_kind::ouch;
    s.role = session_role::client;
    s.connect = {"127.0.0.1", port};
    s.journal.dir = journal_dir;
    return one_session("bench-client", kind, idle, std::move(s));
}

std::unique_ptr<engine_t> make_engine(engine_config c, agent* on_shard = nullptr) {
    protocol_registry protocols;
    nasdaq::register_soupbintcp(protocols);
    auto made = engine_t::create(std::move(c), protocols);
    if (!made) {
        std::fprintf(stderr, "engine: %s\n", made.err().message.c_str());
        return nullptr;
    }
    auto eng = std::move(made).value();
    if (on_shard != nullptr) eng->find_shard("shard")->add_agent(*on_shard);
    if (auto r = eng->start(); !r) {
        std::fprintf(stderr, "engine start: %s\n", r.err().message.c_str());
        return nullptr;
    }
    return eng;
}

/// The exchange, on the server's shard thread: answers each Enter Order with an Order
/// Accepted of the same UserRefNum.
class answering_agent final : public agent {
  public:
    void attach(session_handle h) noexcept { server_ = h; }
    int do_work(std::int64_t) noexcept override {
        if (!server_.valid()) return 0;
        const polled p = server_.poll([&](const inbound_record& r) {
            if (!r.is_message() || r.body.empty() || r.body[0] != std::byte{'O'}) return;
            const ouch::enter_order::view order(r.body);
            mutable_bytes out;
            // The outbound ring holds megabytes; the client waits for each answer.
            if (server_.claim(order_accepted_size, out) != send_status::ok) return;
            server_.commit(build_order_accepted(out, order.user_ref_num(), ++order_ref_));
        });
        return static_cast<int>(p.count);
    }

  private:
    session_handle server_;
    std::uint64_t order_ref_ = 0;
};

int engine_answering_server(std::uint16_t port, transport_kind kind, const std::string& idle,
                            int stop_fd, int done_fd) {
    answering_agent exchange;
    auto eng = make_engine(server_config(port, kind, idle, ""), &exchange);
    if (!eng) return 1;
    exchange.attach(eng->session("exchange"));
    report(done_fd);  // listening
    const auto end = std::chrono::steady_clock::now() + std::chrono::minutes(10);
    while (!stop_requested(stop_fd) && std::chrono::steady_clock::now() < end)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    eng->stop();
    return 0;
}

// ---- raw transport: the same exchange without the engine ---------------------------------

void write_soup_header(std::byte* p, std::size_t payload, char type) {
    store_be<std::uint16_t>(p, static_cast<std::uint16_t>(payload + 1));
    p[2] = static_cast<std::byte>(type);
}

template <typename T>
result<T> make_transport() {
#ifdef EXWIRE_HAVE_IO_URING
    if constexpr (std::is_same_v<T, transport::uring_transport>) {
        transport::uring_transport_options o;
        o.max_connections = 18;
        return T::create(o);
    } else
#endif
    {
        transport::socket_transport_options o;
        o.max_connections = 18;  // write-through sends, as the transport benchmark
        return T::create(o);
    }
}

/// Raw server: for every whole Enter Order frame it has read, writes one Order Accepted
/// frame (Sequenced Data), one polling thread, the given idle strategy.
template <typename T>
int raw_answering_server(std::uint16_t port, const std::string& idle_text, int stop_fd,
                         int done_fd) {
    auto made = make_transport<T>();
    if (!made) return 1;
    T t = std::move(made).value();
    if (!t.listen({"127.0.0.1", port})) return 1;
    idle_strategy idle = std::move(idle_strategy::parse(idle_text)).value();
    struct handler {
        T& t;
        std::size_t frame_in;
        std::vector<std::byte> answer;
        std::size_t pending = 0;
        int work = 0;
        void on_data(transport::connection_id id, bytes data) noexcept {
            pending += data.size();
            while (pending >= frame_in) {
                pending -= frame_in;
                std::size_t off = 0;
                while (off < answer.size()) {
                    const auto r = t.send(id, bytes(answer).subspan(off));
                    off += r.accepted;
                    if (r.status == transport::send_status::closed ||
                        r.status == transport::send_status::error)
                        return;
                    if (off < answer.size()) (void)t.flush();
                }
                ++work;
            }
        }
        void on_event(const transport::connection_event&) noexcept {}
    } h{t, 3 + enter_order_size, std::vector<std::byte>(3 + order_accepted_size)};
    write_soup_header(h.answer.data(), order_accepted_size, 'S');
    (void)build_order_accepted(mutable_bytes(h.answer).subspan(3), 1, 1);
    report(done_fd);
    std::uint32_t passes = 0;
    while (true) {
        if ((++passes & 1023) == 0 && stop_requested(stop_fd)) break;
        h.work = 0;
        const int w = t.poll(h) + h.work;
        idle.idle(w);
    }
    return 0;
}

void report_percentiles(benchmark::State& state, std::vector<std::uint64_t>& ticks) {
    if (ticks.empty()) return;
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

template <typename T>
void raw_round_trip(benchmark::State& state, std::string idle_text) {
    tsc_clock::calibrate();
    const std::uint16_t port = free_port();
    child server = child::start([&](int stop_fd, int done_fd) {
        return raw_answering_server<T>(port, idle_text, stop_fd, done_fd);
    });
    if (!server.wait_report(10'000)) {
        server.finish();
        state.SkipWithError("raw server did not start");
        return;
    }
    T t = std::move(make_transport<T>()).value();
    struct handler {
        std::size_t received = 0;
        bool connected = false;
        void on_data(transport::connection_id, bytes data) noexcept { received += data.size(); }
        void on_event(const transport::connection_event& e) noexcept {
            if (e.kind == transport::event_kind::connected) connected = true;
        }
    } h;
    const auto id = std::move(t.connect({"127.0.0.1", port}, 5'000'000'000)).value();
    idle_strategy idle = std::move(idle_strategy::parse(idle_text)).value();
    for (int i = 0; i < 100'000 && !h.connected; ++i)
        idle.idle(t.poll(h));
    std::vector<std::byte> frame(3 + enter_order_size);
    write_soup_header(frame.data(), enter_order_size, 'U');
    std::vector<std::uint64_t> ticks;
    ticks.reserve(static_cast<std::size_t>(measured_round_trips));
    const std::size_t answer = 3 + order_accepted_size;
    for (auto _ : state) {
        for (int i = 0; i < warmup_round_trips + measured_round_trips; ++i) {
            const std::size_t target = h.received + answer;
            const std::uint64_t t0 = tsc_clock::now();
            // The same work a client does: build the order into the frame, send it.
            (void)build_enter_order(mutable_bytes(frame).subspan(3), static_cast<std::uint32_t>(i));
            if (t.send(id, frame).status != transport::send_status::ok) {
                state.SkipWithError("send refused");
                break;
            }
            while (h.received < target)
                idle.idle(t.poll(h));
            if (i >= warmup_round_trips) ticks.push_back(tsc_clock::now() - t0);
        }
    }
    t.close(id);
    server.finish();
    report_percentiles(state, ticks);
}

void engine_round_trip(benchmark::State& state, transport_kind kind, std::string idle_text) {
    tsc_clock::calibrate();
    const std::uint16_t port = free_port();
    child server = child::start([&](int stop_fd, int done_fd) {
        return engine_answering_server(port, kind, idle_text, stop_fd, done_fd);
    });
    if (!server.wait_report(10'000)) {
        server.finish();
        state.SkipWithError("engine server did not start");
        return;
    }
    auto eng = make_engine(client_config(port, kind, idle_text, ""));
    if (!eng) {
        server.finish();
        state.SkipWithError("client engine did not start");
        return;
    }
    session_handle client = eng->session("trader");
    for (int i = 0; i < 10'000 && !client.is_active(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (!client.is_active()) {
        eng->stop();
        server.finish();
        state.SkipWithError("client never logged in");
        return;
    }
    idle_strategy idle = std::move(idle_strategy::parse(idle_text)).value();
    std::vector<std::uint64_t> ticks;
    ticks.reserve(static_cast<std::size_t>(measured_round_trips));
    std::uint64_t wrong = 0;
    for (auto _ : state) {
        for (int i = 0; i < warmup_round_trips + measured_round_trips; ++i) {
            const auto ref = static_cast<std::uint32_t>(i + 1);
            const std::uint64_t t0 = tsc_clock::now();
            mutable_bytes out;
            if (client.claim(enter_order_size, out) != send_status::ok) {
                state.SkipWithError("outbound ring refused an order");
                break;
            }
            client.commit(build_enter_order(out, ref));
            bool answered = false;
            std::uint32_t empty_polls = 0;
            const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            while (!answered) {
                const polled p = client.poll([&](const inbound_record& r) {
                    if (!r.is_message()) return;
                    if (ouch::order_accepted::view(r.body).user_ref_num() != ref) ++wrong;
                    answered = true;
                });
                if (p.status != receive_status::ok) break;
                idle.idle(static_cast<int>(p.count));
                if (p.count == 0 && (++empty_polls & 1023) == 0 &&
                    std::chrono::steady_clock::now() > limit)
                    break;
            }
            if (!answered) {
                state.SkipWithError("no Order Accepted within 5 s");
                break;
            }
            if (i >= warmup_round_trips) ticks.push_back(tsc_clock::now() - t0);
        }
    }
    eng->stop();
    server.finish();
    if (wrong != 0) state.SkipWithError("an Order Accepted answered the wrong order");
    report_percentiles(state, ticks);
}

/// The trader as an agent on the client's shard thread: sends one Enter Order, waits for
/// its Order Accepted, times it, sends the next. Both processes then have one thread each,
/// as in the raw exchange.
class trading_agent final : public agent {
  public:
    trading_agent(int total, std::vector<std::uint64_t>& ticks) : total_(total), ticks_(ticks) {}
    void attach(session_handle h) noexcept { client_ = h; }
    [[nodiscard]] bool done() const noexcept { return done_.load(std::memory_order_acquire); }
    [[nodiscard]] std::uint64_t wrong() const noexcept { return wrong_; }
    int do_work(std::int64_t) noexcept override {
        if (!client_.valid() || done()) return 0;
        if (!waiting_) {
            if (!client_.is_active()) return 0;
            mutable_bytes out;
            if (client_.claim(enter_order_size, out) != send_status::ok) return 0;
            t0_ = tsc_clock::now();
            client_.commit(build_enter_order(out, static_cast<std::uint32_t>(i_ + 1)));
            waiting_ = true;
            return 1;
        }
        const polled p = client_.poll([&](const inbound_record& r) {
            if (!r.is_message() || !waiting_) return;
            if (ouch::order_accepted::view(r.body).user_ref_num() !=
                static_cast<std::uint32_t>(i_ + 1))
                ++wrong_;
            if (i_ >= warmup_round_trips) ticks_.push_back(tsc_clock::now() - t0_);
            waiting_ = false;
            if (++i_ == total_) done_.store(true, std::memory_order_release);
        });
        return static_cast<int>(p.count);
    }

  private:
    session_handle client_;
    int total_;
    std::vector<std::uint64_t>& ticks_;
    int i_ = 0;
    bool waiting_ = false;
    std::uint64_t t0_ = 0;
    std::uint64_t wrong_ = 0;
    std::atomic<bool> done_{false};
};

void engine_on_shard_round_trip(benchmark::State& state, transport_kind kind,
                                std::string idle_text) {
    tsc_clock::calibrate();
    const std::uint16_t port = free_port();
    child server = child::start([&](int stop_fd, int done_fd) {
        return engine_answering_server(port, kind, idle_text, stop_fd, done_fd);
    });
    if (!server.wait_report(10'000)) {
        server.finish();
        state.SkipWithError("engine server did not start");
        return;
    }
    std::vector<std::uint64_t> ticks;
    ticks.reserve(static_cast<std::size_t>(measured_round_trips));
    trading_agent trader(warmup_round_trips + measured_round_trips, ticks);
    for (auto _ : state) {
        auto eng = make_engine(client_config(port, kind, idle_text, ""), &trader);
        if (!eng) {
            state.SkipWithError("client engine did not start");
            break;
        }
        trader.attach(eng->session("trader"));
        // Bounded: 10 minutes at most.
        for (int i = 0; i < 120'000 && !trader.done(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        eng->stop();
        if (!trader.done()) state.SkipWithError("the round trips did not finish in time");
    }
    server.finish();
    if (trader.wrong() != 0) state.SkipWithError("an Order Accepted answered the wrong order");
    report_percentiles(state, ticks);
}

// ---- throughput ---------------------------------------------------------------------------

struct temp_dir {
    std::string path;
    explicit temp_dir(bool make) {
        if (!make) return;
        char name[] = "/tmp/exwire-ouch-bench-XXXXXX";
        if (::mkdtemp(name) != nullptr) path = name;
    }
    ~temp_dir() {
        std::error_code ec;
        if (!path.empty()) std::filesystem::remove_all(path, ec);
    }
};

/// Counts `total` messages arriving on `h` (or dropped by the session because the ring was
/// full): 'x' once all arrived, 'd' when some were dropped, 0 when stopped.
char count_messages(session_handle h, int total, int stop_fd, const std::string& idle_text) {
    idle_strategy idle = std::move(idle_strategy::parse(idle_text)).value();
    int seen = 0;
    std::uint32_t passes = 0;
    auto dropped = [&] {
        return static_cast<int>(h.channel()->counters.get(counter::records_dropped));
    };
    while (seen < total) {
        const polled p = h.poll(
            [&](const inbound_record& r) {
                if (r.is_message()) ++seen;
            },
            4096);
        if (p.status != receive_status::ok) return 0;
        idle.idle(static_cast<int>(p.count));
        if ((++passes & 1023) == 0) {
            if (stop_requested(stop_fd)) return 0;
            if (seen + dropped() >= total) return 'd';
        }
    }
    return 'x';
}

void wait_stop(int stop_fd) {
    for (int i = 0; i < 60'000 && !stop_requested(stop_fd); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

/// Sends `total` messages built by `build` on `h` as fast as the ring takes them.
template <typename Build>
bool send_all(session_handle h, int total, std::size_t size, Build build) {
    for (int i = 0; i < total;) {
        mutable_bytes out;
        const send_status s = h.claim(size, out);
        if (s == send_status::ok) {
            h.commit(build(out, static_cast<std::uint32_t>(i + 1)));
            ++i;
        } else if (s == send_status::full) {
            std::this_thread::yield();
        } else {
            return false;
        }
    }
    return true;
}

void orders_throughput(benchmark::State& state, transport_kind kind) {
    const std::string idle_text = "yield";
    const std::uint16_t port = free_port();
    child server = child::start([&](int stop_fd, int done_fd) {
        engine_config cfg = server_config(port, kind, idle_text, "");
        cfg.sessions[0].inbound_ring_size = 1u << 26;  // best effort delivery: room for bursts
        auto eng = make_engine(std::move(cfg));
        if (!eng) return 1;
        report(done_fd);
        if (const char c =
                count_messages(eng->session("exchange"), throughput_frames, stop_fd, idle_text))
            report(done_fd, c);
        wait_stop(stop_fd);
        eng->stop();
        return 0;
    });
    if (!server.wait_report(10'000)) {
        server.finish();
        state.SkipWithError("server did not start");
        return;
    }
    auto eng = make_engine(client_config(port, kind, idle_text, ""));
    session_handle client = eng ? eng->session("trader") : session_handle{};
    for (int i = 0; eng && i < 10'000 && !client.is_active(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (!eng || !client.is_active()) {
        server.finish();
        state.SkipWithError("client never logged in");
        return;
    }
    for (auto _ : state) {
        const std::int64_t start = monotonic_ns();
        if (!send_all(client, throughput_frames, enter_order_size, build_enter_order)) {
            state.SkipWithError("send failed");
            break;
        }
        const char got = server.wait_report(120'000);
        if (got != 'x') {
            state.SkipWithError(got == 'd' ? "the server dropped orders (its ring was full)"
                                           : "the server did not receive every order");
            break;
        }
        const double seconds = static_cast<double>(monotonic_ns() - start) / 1e9;
        state.SetIterationTime(seconds);
        state.counters["frames_per_s"] = static_cast<double>(throughput_frames) / seconds;
    }
    eng->stop();
    server.finish();
}

void sequenced_throughput(benchmark::State& state, transport_kind kind, bool journaled) {
    const std::string idle_text = "yield";
    const std::uint16_t port = free_port();
    temp_dir server_dir(journaled);
    temp_dir client_dir(journaled);
    child receiver = child::start([&](int stop_fd, int done_fd) {
        auto eng = make_engine(client_config(port, kind, idle_text, client_dir.path));
        if (!eng) return 1;
        report(done_fd);
        if (const char c =
                count_messages(eng->session("trader"), throughput_frames, stop_fd, idle_text))
            report(done_fd, c);
        wait_stop(stop_fd);
        eng->stop();
        client_dir.path.clear();  // the parent removes it
        server_dir.path.clear();
        return 0;
    });
    if (!receiver.wait_report(10'000)) {
        receiver.finish();
        state.SkipWithError("client did not start");
        return;
    }
    auto eng = make_engine(server_config(port, kind, idle_text, server_dir.path));
    session_handle server = eng ? eng->session("exchange") : session_handle{};
    bool logged_in = false;
    for (int i = 0; eng && i < 10'000 && !logged_in; ++i) {
        (void)server.poll([&](const inbound_record& r) {
            if (r.type == record_type::logged_in) logged_in = true;
        });
        if (!logged_in) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!logged_in) {
        if (eng) eng->stop();
        receiver.finish();
        state.SkipWithError("no client logged in");
        return;
    }
    for (auto _ : state) {
        const std::int64_t start = monotonic_ns();
        std::uint64_t order_ref = 0;
        if (!send_all(server, throughput_frames, order_accepted_size,
                      [&](mutable_bytes out, std::uint32_t ref) {
                          return build_order_accepted(out, ref, ++order_ref);
                      })) {
            state.SkipWithError("send failed");
            break;
        }
        if (receiver.wait_report(120'000) != 'x') {
            state.SkipWithError("the client did not receive every message");
            break;
        }
        const double seconds = static_cast<double>(monotonic_ns() - start) / 1e9;
        state.SetIterationTime(seconds);
        state.counters["frames_per_s"] = static_cast<double>(throughput_frames) / seconds;
    }
    eng->stop();
    receiver.finish();
}

void register_all() {
    struct kind_name {
        transport_kind kind;
        const char* name;
    };
    std::vector<kind_name> kinds{{transport_kind::socket, "socket"}};
#ifdef EXWIRE_HAVE_IO_URING
    kinds.push_back({transport_kind::io_uring, "io_uring"});
#endif
    // EXWIRE_BENCH_IDLE: comma-free list is not needed; one strategy per run keeps each
    // side-by-side pair under the same conditions. Default: yield (the machine may have
    // fewer free cores than polling threads).
    const char* idle_env = std::getenv("EXWIRE_BENCH_IDLE");
    const std::string idle = idle_env != nullptr ? idle_env : "yield";
    for (const kind_name& k : kinds) {
        const std::string suffix = std::string(k.name) + "/" + idle;
        if (k.kind == transport_kind::socket)
            benchmark::RegisterBenchmark(("round_trip/raw/" + suffix).c_str(),
                                         raw_round_trip<transport::socket_transport>, idle)
                ->Iterations(1)
                ->Unit(benchmark::kMillisecond);
#ifdef EXWIRE_HAVE_IO_URING
        else
            benchmark::RegisterBenchmark(("round_trip/raw/" + suffix).c_str(),
                                         raw_round_trip<transport::uring_transport>, idle)
                ->Iterations(1)
                ->Unit(benchmark::kMillisecond);
#endif
        benchmark::RegisterBenchmark(("round_trip/engine/" + suffix).c_str(), engine_round_trip,
                                     k.kind, idle)
            ->Iterations(1)
            ->Unit(benchmark::kMillisecond);
        benchmark::RegisterBenchmark(("round_trip/engine_on_shard/" + suffix).c_str(),
                                     engine_on_shard_round_trip, k.kind, idle)
            ->Iterations(1)
            ->Unit(benchmark::kMillisecond);
    }
    for (const kind_name& k : kinds) {
        benchmark::RegisterBenchmark((std::string("throughput/orders/") + k.name).c_str(),
                                     orders_throughput, k.kind)
            ->Iterations(1)
            ->UseManualTime()
            ->Unit(benchmark::kMillisecond);
        for (bool j : {false, true})
            benchmark::RegisterBenchmark(
                (std::string("throughput/sequenced/") + k.name + (j ? "/journal" : "/no_journal"))
                    .c_str(),
                sequenced_throughput, k.kind, j)
                ->Iterations(1)
                ->UseManualTime()
                ->Unit(benchmark::kMillisecond);
    }
}

}  // namespace

int main(int argc, char** argv) {
    ::signal(SIGPIPE, SIG_IGN);
    register_all();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
