// exwire bench: the end-to-end latency benchmark (docs/bench.md).
//
// One process: the exchange simulator on its own shard thread, an exwire client engine
// (MoldUDP64/ITCH receiver and SoupBinTCP/OUCH client on one shard), and this thread as the
// application: it injects Add Orders into the simulator at a constant rate. The sample
// strategy answers every ITCH Add Order for the watched symbol with an OUCH Enter Order (IOC,
// opposite side, same price and size) that crosses it; it runs as an agent on the client
// shard thread (--layout agent) or on this thread (--layout thread). A loopback TCP ping-pong
// over the same transport and idle strategy follows, as the yardstick for the round trip.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include <exwire/bench/histogram.hpp>
#include <exwire/bench/pacer.hpp>
#include <exwire/bench/progress.hpp>
#include <exwire/bench/report.hpp>
#include <exwire/codec/nasdaq/itch50.hpp>
#include <exwire/codec/nasdaq/ouch50.hpp>
#include <exwire/core/clock.hpp>
#include <exwire/core/idle_strategy.hpp>
#include <exwire/core/thread.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/journal_store.hpp>
#include <exwire/engine/latency_probe.hpp>
#include <exwire/engine/nasdaq/moldudp64_engine.hpp>
#include <exwire/engine/nasdaq/soupbintcp_engine.hpp>
#include <exwire/sim/config.hpp>
#include <exwire/sim/server.hpp>
#include <exwire/transport/socket_transport.hpp>
#if defined(EXWIRE_BENCH_IO_URING)
#include <exwire/transport/uring_transport.hpp>
#endif
#if defined(EXWIRE_BENCH_DPDK)
#include <exwire/transport/dpdk_transport.hpp>
#endif

#include "commands.hpp"

namespace exwire_tools {

namespace {

namespace ee = exwire::engine;
namespace en = exwire::engine::nasdaq;
namespace et = exwire::transport;
namespace eb = exwire::bench;
namespace es = exwire::sim;
namespace ouch = exwire::codec::nasdaq::ouch50;
namespace itch = exwire::codec::nasdaq::itch50;

constexpr std::int64_t one_day_ns = 86'400'000'000'000;

struct bench_options {
    double rate = 10'000;
    std::uint64_t count = 20'000;
    double seconds = 0;
    std::uint64_t warmup = 200;
    std::uint64_t pingpong = 0;  // 0: min(count, 10000)
    std::string transport = "socket";
    std::string layout = "agent";  // agent: strategy on the client shard; thread: its own thread
    std::string idle;              // empty: the layout's default (default_idle)
    std::string cpus;
    std::string sim_cpus;
    std::string app_cpus;
    std::string journal = "off";
    std::string out = "bench-results";
    std::string symbol = "AAPL";
    bool background_flow = false;
    bool quiet = false;
    // --connect: a running `exwire sim` instead of the in-process one.
    std::string connect;                  // host of the simulator
    std::uint16_t ouch_port = 0;          // the strategy's OUCH port
    std::uint16_t inject_port = 0;        // the injector's OUCH port (0: ouch_port + 1)
    std::string mold;                     // where the simulator publishes MoldUDP64 (host:port)
    std::uint16_t retransmit_port = 0;    // the simulator's retransmission port (0: none)
    double price = 0;                     // injected orders' limit price in dollars (0: best bid)
    std::uint32_t first_ref = 0;          // first OUCH UserRefNum (0: automatic)
    std::string feed_transport = "same";  // the ITCH receiver's transport: same or dpdk
    std::string dpdk_vdev = "net_pcap0,rx_iface_in=lo,tx_iface=lo";
};

std::int64_t tsc_ns(std::uint64_t t) {
    return static_cast<std::int64_t>(exwire::tsc_clock::to_ns(t));
}
std::int64_t now_ns() {
    return tsc_ns(exwire::tsc_clock::now());
}
std::int64_t ticks_ns(std::uint64_t from, std::uint64_t to) {
    return to >= from ? static_cast<std::int64_t>(exwire::tsc_clock::to_ns(to - from))
                      : -static_cast<std::int64_t>(exwire::tsc_clock::to_ns(from - to));
}

/// Sleeps until `t` (TSC nanoseconds) when it is more than a few microseconds away; the
/// timer slack of this thread is 1 ns (set in run), so the kernel wakes it close to `t`.
void sleep_until(std::int64_t t) {
    const std::int64_t d = t - now_ns();
    if (d <= 2'000) return;
    timespec ts{static_cast<time_t>(d / 1'000'000'000), static_cast<long>(d % 1'000'000'000)};
    ::nanosleep(&ts, nullptr);
}

std::string utc_now_iso() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

exwire::result<std::uint16_t> free_udp_port() {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return exwire::fail(fmt::format("socket: {}", std::strerror(errno)));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        const int e = errno;
        ::close(fd);
        return exwire::fail(fmt::format("cannot find a free UDP port: {}", std::strerror(e)));
    }
    ::close(fd);
    return static_cast<std::uint16_t>(ntohs(a.sin_port));
}

/// A kernel UDP socket bound to `ep` and never read: with the feed on DPDK (capturing the
/// loopback interface), it keeps the kernel from answering the simulator's datagrams with
/// ICMP port unreachable. Closed when the returned guard goes.
struct udp_absorber {
    int fd = -1;
    udp_absorber() = default;
    udp_absorber(const udp_absorber&) = delete;
    udp_absorber& operator=(const udp_absorber&) = delete;
    ~udp_absorber() {
        if (fd >= 0) ::close(fd);
    }
    exwire::result<void> bind(const ee::endpoint& ep) {
        fd = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(ep.port);
        if (fd < 0 || ::inet_pton(AF_INET, ep.host.c_str(), &a.sin_addr) != 1 ||
            ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
            return exwire::fail(
                fmt::format("cannot bind UDP {}: {}", ep.to_string(), std::strerror(errno)));
        return {};
    }
};

int first_cpu(const std::string& cpus) {
    auto list = exwire::parse_cpu_list(cpus);
    return list && !list->empty() ? list->front() : 0;
}

#if defined(EXWIRE_BENCH_DPDK)
/// The EAL pins the thread that initialises it (the client shard) to its main lcore:
/// `lcore`, the first cpu of --cpus or 0; one lcore, so no EAL worker threads.
exwire::result<et::dpdk_transport> make_dpdk(const std::string& vdev, int lcore) {
    et::dpdk_options d;
    d.eal_args = {"--no-huge",
                  "-m",
                  "256",
                  "--no-pci",
                  "--file-prefix=exwire-bench" + std::to_string(::getpid()),
                  "--log-level=error",
                  "--no-telemetry",
                  "-l",
                  std::to_string(lcore),
                  "--vdev=" + vdev};
    d.port = vdev.substr(0, vdev.find(','));
    d.mbufs = 2047;
    d.mbuf_cache = 64;
    d.local_ip = "127.0.0.1";
    return et::dpdk_transport::create(d);
}
#endif

void pin_or_throw(const std::string& cpus, const char* what) {
    if (cpus.empty()) return;
    auto list = exwire::parse_cpu_list(cpus);
    if (!list) throw exit_error(fmt::format("{}: {}", what, list.err().message), 2);
    if (auto r = exwire::pin_current_thread(*list); !r)
        throw exit_error(fmt::format("{}: {}", what, r.err().message), 2);
}

/// The idle strategy of the simulator, the client shard and (thread layout) the application
/// when --idle is not given. docs/bench.md has the measurements behind the choice.
std::string default_idle(const std::string& layout) {
    // Busy-spin was tried for the agent layout (two threads with work on two cores) and was
    // slower on every figure on a shared 2-cpu machine: backoff for both.
    (void)layout;
    return "backoff:max=50us";
}

/// The sample strategy as an engine agent on the client shard (--layout agent): the shard
/// thread calls `step` once per pass, before the sessions, between arm() and disarm().
/// Threads: arm()/disarm() from the application thread; do_work on the shard thread. Once
/// disarm() returned true the shard no longer runs `step`, and everything it wrote is
/// visible to the caller (release/acquire on state_).
class strategy_agent final : public ee::agent {
  public:
    explicit strategy_agent(std::function<int()> step) : step_(std::move(step)) {}

    int do_work(std::int64_t) noexcept override {
        const int s = state_.load(std::memory_order_acquire);
        if (s == armed) return step_();
        if (s == stop_requested) state_.store(stopped, std::memory_order_release);
        return 0;
    }
    void arm() noexcept { state_.store(armed, std::memory_order_release); }
    /// Asks the shard to stop stepping and waits (sleeping) up to `timeout_ns` for it.
    [[nodiscard]] bool disarm(std::int64_t timeout_ns) noexcept {
        int expected = armed;
        if (!state_.compare_exchange_strong(expected, stop_requested, std::memory_order_acq_rel))
            return expected == stopped || expected == idle;
        const std::int64_t until = now_ns() + timeout_ns;
        while (state_.load(std::memory_order_acquire) != stopped) {
            if (now_ns() > until) return false;
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
        return true;
    }

  private:
    static constexpr int idle = 0, armed = 1, stop_requested = 2, stopped = 3;
    std::function<int()> step_;
    std::atomic<int> state_{idle};
};

// ---------------------------------------------------------------------------------------
// Transports

/// `coalesce`: sockets queue sends until flush(), as the engine's own SoupBinTCP factory
/// configures them (the session flushes once per batch it drained); io_uring always queues.
template <typename T>
exwire::result<T> make_transport(bool coalesce = false);

template <>
exwire::result<et::socket_transport> make_transport<et::socket_transport>(bool coalesce) {
    et::socket_transport_options o;
    o.max_connections = 8;
    o.coalesce_sends = coalesce;
    return et::socket_transport::create(o);
}

#if defined(EXWIRE_BENCH_IO_URING)
template <>
exwire::result<et::uring_transport> make_transport<et::uring_transport>(bool) {
    et::uring_transport_options o;
    o.max_connections = 8;
    o.buffer_count = 256;
    return et::uring_transport::create(o);
}
#endif

// ---------------------------------------------------------------------------------------
// Raw transport ping-pong: a loopback TCP echo, paced like the orders.

struct pingpong_result {
    eb::latency_histogram rtt;
    std::uint64_t completed = 0;
    std::string error;
};

template <typename T>
pingpong_result run_pingpong(const bench_options& o, std::size_t size, std::uint64_t count) {
    pingpong_result res;
    std::atomic<int> port{0};
    std::atomic<bool> stop{false};
    std::string echo_error;
    std::thread echo([&] {
        if (!o.sim_cpus.empty()) {
            auto list = exwire::parse_cpu_list(o.sim_cpus);
            if (list) (void)exwire::pin_current_thread(*list);
        }
        auto t = make_transport<T>();  // io_uring: created on the thread that polls it
        if (!t) {
            echo_error = t.err().message;
            port.store(-1);
            return;
        }
        auto l = t->listen({"127.0.0.1", 0});
        if (!l) {
            echo_error = l.err().message;
            port.store(-1);
            return;
        }
        port.store(t->local_port(*l));
        exwire::idle_strategy idle = *exwire::idle_strategy::parse(o.idle);
        struct handler {
            T* t;
            void on_data(et::connection_id id, exwire::bytes b) noexcept { (void)t->send(id, b); }
            void on_event(const et::connection_event&) noexcept {}
        } h{&*t};
        while (!stop.load(std::memory_order_relaxed))
            idle.idle(t->poll(h));
    });
    const auto finish = [&](std::string error) {
        stop.store(true);
        echo.join();
        res.error = std::move(error);
        return std::move(res);
    };
    const std::int64_t wait_until = now_ns() + 5'000'000'000;
    while (port.load() == 0 && now_ns() < wait_until)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (port.load() <= 0) return finish("ping-pong echo: " + echo_error);

    auto t = make_transport<T>();
    if (!t) return finish("ping-pong: " + t.err().message);
    auto c = t->connect({"127.0.0.1", static_cast<std::uint16_t>(port.load())}, 2'000'000'000);
    if (!c) return finish("ping-pong: " + c.err().message);
    struct handler {
        std::size_t received = 0;
        bool connected = false;
        bool failed = false;
        void on_data(et::connection_id, exwire::bytes b) noexcept { received += b.size(); }
        void on_event(const et::connection_event& e) noexcept {
            if (e.kind == et::event_kind::connected)
                connected = true;
            else if (e.kind != et::event_kind::writable)
                failed = true;
        }
    } h;
    exwire::idle_strategy idle = *exwire::idle_strategy::parse(o.idle);
    while (!h.connected && !h.failed && now_ns() < wait_until)
        idle.idle(t->poll(h));
    if (!h.connected) return finish("ping-pong: could not connect to the echo");

    std::vector<std::byte> msg(size, std::byte{'x'});
    const eb::pacer pacer(o.rate, now_ns() + 1'000'000);
    for (std::uint64_t i = 0; i < count; ++i) {
        sleep_until(pacer.intended_ns(i));
        h.received = 0;
        const std::uint64_t t0 = exwire::tsc_clock::now();
        if (t->send(*c, msg).status != et::send_status::ok) return finish("ping-pong: send failed");
        const std::int64_t give_up = now_ns() + 1'000'000'000;
        idle.reset();
        while (h.received < size) {
            const int w = t->poll(h);
            if (h.failed) return finish("ping-pong: connection lost");
            if (w == 0 && now_ns() > give_up) return finish("ping-pong: no echo within 1 s");
            if (h.received < size) idle.idle(w);
        }
        res.rtt.record(ticks_ns(t0, exwire::tsc_clock::now()));
        ++res.completed;
    }
    t->close(*c);
    return finish({});
}

// ---------------------------------------------------------------------------------------
// Client engine sessions. The session (and its transport) is built inside on_start, on the
// shard thread: io_uring rings belong to the thread that created them.

class deferred_session final : public ee::session {
  public:
    using maker = std::function<exwire::result<std::unique_ptr<ee::session>>(en::sequenced_store*)>;
    deferred_session(std::unique_ptr<en::sequenced_store> store, maker make)
        : store_(std::move(store)), make_(std::move(make)) {}
    ~deferred_session() override { inner_.reset(); }

    exwire::result<void> on_start(ee::session_context& ctx, std::int64_t now) override {
        auto s = make_(store_.get());
        if (!s) return exwire::fail(s.err().message);
        inner_ = std::move(*s);
        return inner_->on_start(ctx, now);
    }
    int do_work(std::int64_t now) noexcept override { return inner_->do_work(now); }
    void on_close_requested(ee::session_context& ctx, std::int64_t now) noexcept override {
        if (inner_)
            inner_->on_close_requested(ctx, now);
        else
            ctx.finish(ee::close_reason::requested);
    }
    void on_stop(ee::close_reason why, std::int64_t now) noexcept override {
        if (inner_) inner_->on_stop(why, now);
    }

  private:
    std::unique_ptr<en::sequenced_store> store_;
    maker make_;
    std::unique_ptr<ee::session> inner_;
};

template <typename T>
ee::protocol_registry client_registry(const bench_options& o) {
    ee::protocol_registry r;
    r.add(ee::protocol_kind::ouch,
          [](const ee::session_config& s,
             const ee::shard_config&) -> exwire::result<std::unique_ptr<ee::session>> {
              std::unique_ptr<en::sequenced_store> store;
              if (!s.journal.dir.empty()) {
                  auto j = ee::journal_sequenced_store::open(ee::session_journal_dir(s),
                                                             ee::journal_config_from(s.journal),
                                                             exwire::journal::direction::in);
                  if (!j) return exwire::fail("session " + s.name + ": " + j.err().message);
                  store = std::move(*j);
              }
              return std::unique_ptr<ee::session>(std::make_unique<deferred_session>(
                  std::move(store),
                  [s](en::sequenced_store* st) -> exwire::result<std::unique_ptr<ee::session>> {
                      auto t = make_transport<T>(true);  // as register_soupbintcp does
                      if (!t) return exwire::fail(t.err().message);
                      return std::unique_ptr<ee::session>(
                          std::make_unique<en::soup_client_session<T>>(std::move(*t), s, st));
                  }));
          });
    r.add(
        ee::protocol_kind::itch,
        [o](const ee::session_config& s,
            const ee::shard_config&) -> exwire::result<std::unique_ptr<ee::session>> {
#if defined(EXWIRE_BENCH_DPDK)
            if (o.feed_transport == "dpdk")
                return std::unique_ptr<ee::session>(std::make_unique<deferred_session>(
                    nullptr,
                    [s, vdev = o.dpdk_vdev, lcore = first_cpu(o.cpus)](
                        en::sequenced_store*) -> exwire::result<std::unique_ptr<ee::session>> {
                        auto t = make_dpdk(vdev, lcore);  // on the shard thread: the EAL pins it
                        if (!t) return exwire::fail(t.err().message);
                        return std::unique_ptr<ee::session>(
                            std::make_unique<en::mold_receiver_session<et::dpdk_transport>>(
                                std::move(*t), s));
                    }));
#else
            (void)o;
#endif
            return std::unique_ptr<ee::session>(std::make_unique<deferred_session>(
                nullptr, [s](en::sequenced_store*) -> exwire::result<std::unique_ptr<ee::session>> {
                    auto t = make_transport<T>();
                    if (!t) return exwire::fail(t.err().message);
                    return std::unique_ptr<ee::session>(
                        std::make_unique<en::mold_receiver_session<T>>(std::move(*t), s));
                }));
        });
    return r;
}

// ---------------------------------------------------------------------------------------
// The run

struct order_info {
    std::uint64_t add_rx_tsc = 0;       ///< the ITCH datagram's receive stamp
    std::uint64_t sent_tsc = 0;         ///< Enter Order handed to the transport
    std::int64_t injected = -1;         ///< index of the injected Add it answers; -1: another Add
    std::uint64_t add_ref = 0;          ///< the Add's order reference number
    std::uint64_t accepted_rx_tsc = 0;  ///< receive stamp of its Order Accepted
    bool accepted = false;
    bool answered = false;  ///< accepted or rejected
};

struct run_state {
    std::vector<order_info> orders;  // index = UserRefNum - 1
    std::uint64_t stamps_seen = 0;
    eb::latency_histogram tick_to_trade, round_trip, executed_round_trip;
    eb::co_recorder end_to_end;
    std::uint64_t accepted = 0, rejected = 0, executed = 0, canceled = 0, other_ouch = 0;
    std::uint64_t adds_watched = 0, adds_ignored = 0, injected_adds = 0, duplicate_adds = 0;
    std::uint64_t itch_messages = 0, send_full = 0;
    std::vector<std::string> problems;
};

struct market_choice {
    es::stock symbol;
    es::price bid = 0;
};

market_choice choose_market(const es::sim_config& m, const std::string& name) {
    for (const es::symbol_config& s : m.symbols) {
        if (s.name != name) continue;
        market_choice c;
        c.symbol = es::stock::from(name);
        // Rest at the best bid: the order joins the queue there and never crosses.
        c.bid = s.reference_price - s.tick;
        for (const auto& l : s.bids)
            c.bid = std::max(c.bid, l.px);
        if (s.bids.empty()) c.bid = s.reference_price - s.tick;
        return c;
    }
    std::string names;
    for (const auto& s : m.symbols)
        names += (names.empty() ? "" : ", ") + s.name;
    throw exit_error(fmt::format("--symbol {}: not in the simulator's market ({})", name, names),
                     2);
}

template <typename T>
void run_bench(const bench_options& given) {
    bench_options o = given;
    if (o.idle.empty()) o.idle = default_idle(o.layout);
    const bool agent_layout = o.layout == "agent";
    exwire::tsc_clock::calibrate();
    ::prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    if (!exwire::idle_strategy::parse(o.idle))
        throw exit_error("--idle: " + exwire::idle_strategy::parse(o.idle).err().message, 2);
    const std::uint64_t total =
        o.seconds > 0 ? static_cast<std::uint64_t>(o.seconds * o.rate + 0.5) : o.count;
    if (total == 0) throw exit_error("nothing to send: --count or --seconds is 0", 2);
    const std::uint64_t warmup = std::min(o.warmup, total / 2);
    const std::uint64_t pp_count =
        o.pingpong != 0 ? o.pingpong : std::min<std::uint64_t>(total, 10'000);

    eb::run_report report;
    report.started_utc = utc_now_iso();
    report.options = {
        {"rate_per_s", fmt::format("{}", o.rate)},
        {"count", std::to_string(total)},
        {"warmup", std::to_string(warmup)},
        {"transport", o.transport},
        {"feed_transport", o.feed_transport == "dpdk" ? "dpdk (" + o.dpdk_vdev + ")" : o.transport},
        {"layout", agent_layout ? "agent (strategy on the client shard thread)"
                                : "thread (strategy on the application thread)"},
        {"idle", o.idle},
        {"cpus", o.cpus.empty() ? "(not pinned)" : o.cpus},
        {"sim_cpus", o.sim_cpus.empty() ? "(not pinned)" : o.sim_cpus},
        {"app_cpus", o.app_cpus.empty() ? "(not pinned)" : o.app_cpus},
        {"journal", o.journal},
        {"symbol", o.symbol},
        {"background_flow", o.background_flow ? "on" : "off"},
        {"pingpong_count", std::to_string(pp_count)},
        {"simulator", o.connect.empty() ? std::string("in-process")
                                        : fmt::format("{} (OUCH {}, MoldUDP64 {})", o.connect,
                                                      o.ouch_port, o.mold)}};

    pin_or_throw(o.app_cpus, "--app-cpus");
    if (!o.quiet)
        fmt::print(stderr,
                   "exwire bench: {} orders at {}/s over {}, layout {}, idle {}, journal {}\n",
                   total, o.rate, o.transport, o.layout, o.idle, o.journal);

    // ---- simulator -----------------------------------------------------------------------
    const bool remote = !o.connect.empty();
    market_choice mkt;
    if (o.price > 0) {
        mkt.symbol = es::stock::from(o.symbol);
        mkt.bid = static_cast<es::price>(o.price * static_cast<double>(es::price_scale) + 0.5);
    } else {
        // The default market's books (a --connect'ed simulator may run another: --price).
        mkt = choose_market(es::default_config(), o.symbol);
    }
    std::unique_ptr<es::server> sim;
    ee::endpoint feed_group, feed_requests, ouch_ep, inject_ep;
    if (!remote) {
        es::server_options so;
        so.market = es::default_config();
        auto udp_port = free_udp_port();
        if (!udp_port) throw exit_error(udp_port.err().message);
        so.mold_destination = fmt::format("127.0.0.1:{}", *udp_port);
        so.idle = o.idle;
        so.cpus = o.sim_cpus;
        so.background_flow = o.background_flow;
        so.fix = false;
        auto created = es::server::create(so);
        if (!created) throw exit_error("simulator: " + created.err().message);
        sim = std::move(*created);
        if (auto s = sim->start(); !s) throw exit_error("simulator: " + s.err().message);
        const es::server_ports ports = sim->ports();
        feed_group = {"127.0.0.1", *udp_port};
        feed_requests = {"127.0.0.1", ports.mold_retransmit};
        ouch_ep = {"127.0.0.1", ports.ouch_first};
    } else {
        if (o.ouch_port == 0 || o.mold.empty())
            throw exit_error("--connect needs --ouch-port and --mold (see exwire bench --help)", 2);
        auto g = ee::parse_endpoint(o.mold);
        if (!g) throw exit_error("--mold: " + g.err().message, 2);
        feed_group = *g;
        if (o.retransmit_port != 0) feed_requests = {o.connect, o.retransmit_port};
        ouch_ep = {o.connect, o.ouch_port};
        inject_ep = {o.connect, o.inject_port != 0 ? o.inject_port
                                                   : static_cast<std::uint16_t>(o.ouch_port + 1)};
    }

    // ---- client engine -------------------------------------------------------------------
    ee::engine_config cfg;
    cfg.name = "exwire-bench";
    ee::shard_config sh;
    sh.name = "client";
    sh.cpus = o.cpus;
    sh.idle = o.idle;
    sh.transport =
        o.transport == "io_uring" ? ee::transport_kind::io_uring : ee::transport_kind::socket;
    cfg.shards.push_back(sh);
    ee::session_config feed;
    feed.name = "itch";
    feed.protocol = ee::protocol_kind::itch;
    feed.role = ee::session_role::receiver;
    feed.shard = "client";
    feed.group = feed_group;
    feed.request_server = feed_requests;
    if (remote && en::is_multicast_ipv4(feed_group.host)) feed.interface = "127.0.0.1";
    feed.journal.dir = "";
    cfg.sessions.push_back(feed);
    ee::session_config oe;
    oe.name = "ouch";
    oe.protocol = ee::protocol_kind::ouch;
    oe.role = ee::session_role::client;
    oe.shard = "client";
    oe.connect = ouch_ep;
    oe.reconnect.attempts = 3;
    // Against a running simulator, start at its current sequence (a number beyond the end is
    // clamped there) rather than replaying everything its session sent before.
    if (remote) oe.requested_sequence = 1'000'000'000'000'000ull;
    const std::string journal_dir = o.out + "/journal";
    if (o.journal == "on") {
        std::error_code ec;
        std::filesystem::remove_all(journal_dir, ec);
        std::filesystem::create_directories(journal_dir, ec);
        if (ec) throw exit_error(fmt::format("cannot create {}: {}", journal_dir, ec.message()));
        oe.journal.dir = journal_dir;
    } else {
        oe.journal.dir = "";
    }
    cfg.sessions.push_back(oe);
    if (remote) {
        // The injector: a second OUCH session entering the resting orders the strategy hits.
        ee::session_config inj = oe;
        inj.name = "inject";
        inj.connect = inject_ep;
        inj.journal.dir = "";
        cfg.sessions.push_back(inj);
    }

    udp_absorber absorber;
    if (o.feed_transport == "dpdk" && !en::is_multicast_ipv4(feed_group.host)) {
        if (auto b = absorber.bind(feed_group); !b) throw exit_error(b.err().message);
    }
    // The probes outlive the engine (declared first, destroyed last).
    ee::latency_probe feed_probe(2);
    // The strategy agent, too (agent layout: stepped by the client shard once armed).
    std::function<int()> strategy_step;
    strategy_agent agent([&strategy_step] { return strategy_step(); });
    ee::latency_probe ouch_probe(1u << 16);
    auto eng = ee::engine::create(cfg, client_registry<T>(o));
    if (!eng) throw exit_error("client engine: " + eng.err().message, 2);
    ee::session_handle feed_h = (*eng)->session("itch");
    ee::session_handle ouch_h = (*eng)->session("ouch");
    feed_h.attach_probe(&feed_probe);
    ouch_h.attach_probe(&ouch_probe);
    ee::session_handle inject_h = remote ? (*eng)->session("inject") : ee::session_handle{};
    if (agent_layout) {
        ee::shard* client = (*eng)->find_shard("client");
        if (client == nullptr) throw exit_error("client engine: no shard 'client'");
        // Right after the Mold session (configured before the OUCH session): an Add Order it
        // delivers is answered, and the Enter Order sent, in the same shard pass.
        client->add_agent_after(agent, "itch");
    }
    if (auto s = (*eng)->start(); !s) throw exit_error("client engine: " + s.err().message);

    run_state st;
    st.orders.reserve(total + 1024);  // more only with --background-flow
    bool armed = false;
    std::atomic<bool> session_failed{false};  // set by the strategy, read by the injector
    const auto on_event = [&](const char* who, const ee::inbound_record& r) {
        if (r.type == ee::record_type::closed || r.type == ee::record_type::disconnected ||
            r.type == ee::record_type::login_rejected) {
            if (armed || r.type != ee::record_type::disconnected) {
                st.problems.push_back(
                    fmt::format("{} session: {} {}", who, ee::to_string(r.type), r.text()));
                session_failed.store(true, std::memory_order_release);
            }
        }
    };

    // Wait for the OUCH login, draining both sessions.
    {
        const std::int64_t deadline = now_ns() + 5'000'000'000;
        const auto logged_in = [&] {
            return ouch_h.is_active() && (!remote || inject_h.is_active());
        };
        while (!logged_in() && !session_failed.load() && now_ns() < deadline) {
            (void)feed_h.poll([&](const ee::inbound_record& r) {
                if (r.is_event()) on_event("itch", r);
            });
            (void)ouch_h.poll([&](const ee::inbound_record& r) {
                if (r.is_event()) on_event("ouch", r);
            });
            if (remote)
                (void)inject_h.poll([&](const ee::inbound_record& r) {
                    if (r.is_event()) on_event("inject", r);
                });
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        if (!logged_in()) {
            (*eng)->stop();
            if (sim) sim->stop();
            throw exit_error("the OUCH session did not log in to the simulator within 5 s" +
                             (st.problems.empty() ? std::string{} : ": " + st.problems.back()));
        }
        // Let the starting book reach the receiver; those Add Orders are not answered.
        const std::int64_t settle = now_ns() + 100'000'000;
        while (now_ns() < settle) {
            (void)feed_h.poll([&](const ee::inbound_record& r) {
                if (r.is_message()) ++st.adds_ignored;
            });
            if (remote) (void)inject_h.poll([](const ee::inbound_record&) {});
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        st.adds_ignored = 0;
    }

    // ---- the paced run -------------------------------------------------------------------
    // Intended times are TSC nanoseconds; the simulator stamps ITCH with CLOCK_MONOTONIC
    // modulo a day, so the offset between the two maps an Add back to its injection.
    const std::int64_t mono_offset = exwire::monotonic_ns() - now_ns();
    const eb::pacer pacer(o.rate, now_ns() + 2'000'000);
    const std::int64_t start_mono_mod = (pacer.start_ns() + mono_offset) % one_day_ns;
    std::vector<std::int64_t> inject_actual(total, 0);
    std::vector<std::uint8_t> add_seen(total, 0);
    std::uint64_t injected = 0, inject_failed = 0;
    // What the strategy may know of the injector (which may be on another thread): how many
    // injections have been started. Stored before each injection, so an Add Order always
    // finds its injection counted.
    std::atomic<std::uint64_t> injected_pub{0};
    // UserRefNums are ref_base + 1, + 2, ...: from 1 in-process; against a running simulator
    // (whose session remembers every token) from the time in 100 us units, so that each run
    // starts above the previous one at rates up to 10000/s (--first-ref to choose).
    const std::uint32_t ref_base = o.first_ref != 0 ? o.first_ref - 1
                                   : remote
                                       ? static_cast<std::uint32_t>(exwire::wall_ns() / 100'000)
                                       : 0;
    const auto index_of_ref = [ref_base](std::uint32_t ref) -> std::uint64_t {
        return static_cast<std::uint32_t>(ref - ref_base - 1);  // wraps like the u32 field
    };
    std::uint32_t next_ref = ref_base + 1;
    std::int64_t last_inject = 0;
    armed = true;

    const auto match_injection = [&](std::uint64_t ts) -> std::int64_t {
        std::int64_t rel = static_cast<std::int64_t>(ts) - start_mono_mod;
        if (rel < 0) rel += one_day_ns;
        const auto i =
            static_cast<std::int64_t>(static_cast<double>(rel) / pacer.interval_ns() + 0.5);
        if (i < 0 || static_cast<std::uint64_t>(i) >= injected_pub.load(std::memory_order_acquire))
            return -1;
        const std::int64_t want =
            (pacer.intended_ns(static_cast<std::uint64_t>(i)) + mono_offset) % one_day_ns;
        return want == static_cast<std::int64_t>(ts) ? i : -1;
    };

    // --connect: Add Orders map to injections through order reference numbers, learnt from
    // the injector's Order Accepted messages (either may arrive first).
    std::unordered_map<std::uint64_t, std::int64_t> injection_by_ref;  // ref -> injection
    std::unordered_map<std::uint64_t, std::size_t> order_by_ref;       // ref -> strategy order
    std::vector<std::uint8_t> inject_answered(remote ? total : 0, 0);
    std::uint64_t inject_acked = 0, inject_rejected = 0;  // the strategy's
    const auto link = [&](std::size_t k, std::int64_t i) {
        auto& seen = add_seen[static_cast<std::size_t>(i)];
        if (seen != 0) {
            ++st.duplicate_adds;
            return;
        }
        seen = 1;
        st.orders[k].injected = i;
        ++st.injected_adds;
    };

    const auto drain_stamps = [&] {
        std::uint64_t t = 0;
        while (ouch_probe.next_sent(t)) {
            if (st.stamps_seen < st.orders.size()) {
                order_info& oi = st.orders[st.stamps_seen];
                oi.sent_tsc = t;
                if (st.stamps_seen >= warmup) st.tick_to_trade.record(ticks_ns(oi.add_rx_tsc, t));
            }
            ++st.stamps_seen;
        }
    };

    const auto on_add = [&](itch::add_order::view v, std::uint64_t rx_tsc) {
        if (v.stock() != mkt.symbol.name()) return;
        ++st.adds_watched;
        const std::int64_t inj = remote ? -1 : match_injection(v.timestamp());
        if (inj >= 0 && add_seen[static_cast<std::size_t>(inj)] != 0) {
            ++st.duplicate_adds;
            return;
        }
        // The strategy: cross the new order with an IOC on the other side.
        exwire::mutable_bytes buf;
        int tries = 0;
        while (ouch_h.claim(ouch::enter_order::fixed_size, buf) == ee::send_status::full) {
            ++st.send_full;
            // On the shard thread nothing drains the ring while this waits: give the order up.
            if (agent_layout) {
                if (st.send_full == 1) st.problems.push_back("OUCH outbound ring full");
                return;
            }
            if (++tries > 1'000'000) return;
            std::this_thread::yield();
        }
        if (buf.data() == nullptr) return;
        char clordid[15];
        std::snprintf(clordid, sizeof clordid, "B%u", next_ref);
        const auto r = ouch::enter_order::builder(buf)
                           .user_ref_num(next_ref)
                           .side(v.buy_sell_indicator() == 'B' ? 'S' : 'B')
                           .quantity(v.shares())
                           .symbol(v.stock())
                           .price(v.price())
                           .time_in_force('3')
                           .display('Y')
                           .capacity('A')
                           .inter_market_sweep_eligibility('N')
                           .cross_type('N')
                           .cl_ord_id(clordid)
                           .finish();
        ouch_h.commit(r.size);
        ++next_ref;
        order_info oi;
        oi.add_rx_tsc = rx_tsc;
        oi.add_ref = v.order_reference_number();
        st.orders.push_back(oi);
        const std::size_t k = st.orders.size() - 1;
        if (inj >= 0) {
            link(k, inj);
        } else if (remote) {
            if (auto it = injection_by_ref.find(oi.add_ref); it != injection_by_ref.end()) {
                link(k, it->second);
                injection_by_ref.erase(it);
            } else {
                order_by_ref.emplace(oi.add_ref, k);
            }
        }
    };

    const auto on_ouch = [&](exwire::bytes body, std::uint64_t rx_tsc) {
        const auto find = [&](std::uint32_t ref) -> order_info* {
            const std::uint64_t k = index_of_ref(ref);
            return k < st.orders.size() ? &st.orders[k] : nullptr;
        };
        const auto status = ouch::visit_outgoing(body, [&](auto v) {
            using V = decltype(v);
            if constexpr (std::is_same_v<V, ouch::order_accepted::view>) {
                order_info* oi = find(v.user_ref_num());
                if (oi == nullptr) return;
                if (oi->sent_tsc == 0) drain_stamps();
                oi->accepted = oi->answered = true;
                ++st.accepted;
                oi->accepted_rx_tsc = rx_tsc;
                if (index_of_ref(v.user_ref_num()) >= warmup && oi->sent_tsc != 0)
                    st.round_trip.record(ticks_ns(oi->sent_tsc, rx_tsc));
            } else if constexpr (std::is_same_v<V, ouch::order_executed::view>) {
                order_info* oi = find(v.user_ref_num());
                if (oi == nullptr) return;
                ++st.executed;
                if (index_of_ref(v.user_ref_num()) >= warmup && oi->sent_tsc != 0)
                    st.executed_round_trip.record(ticks_ns(oi->sent_tsc, rx_tsc));
            } else if constexpr (std::is_same_v<V, ouch::order_canceled::view>) {
                if (find(v.user_ref_num()) != nullptr) ++st.canceled;
            } else if constexpr (std::is_same_v<V, ouch::rejected::view>) {
                order_info* oi = find(v.user_ref_num());
                if (oi != nullptr) oi->answered = true;
                if (st.rejected++ == 0)
                    st.problems.push_back(fmt::format("order {} rejected (reason '{}')",
                                                      v.user_ref_num(), v.reason()));
            } else {
                ++st.other_ouch;
            }
        });
        (void)status;
    };

    const auto on_inject_answer = [&](exwire::bytes body) {
        (void)ouch::visit_outgoing(body, [&](auto v) {
            using V = decltype(v);
            if constexpr (std::is_same_v<V, ouch::order_accepted::view>) {
                const auto i = static_cast<std::int64_t>(index_of_ref(v.user_ref_num()));
                if (i < 0 ||
                    static_cast<std::uint64_t>(i) >= injected_pub.load(std::memory_order_acquire) ||
                    inject_answered[static_cast<std::size_t>(i)] != 0)
                    return;
                inject_answered[static_cast<std::size_t>(i)] = 1;
                ++inject_acked;
                const std::uint64_t ref = v.order_reference_number();
                if (auto it = order_by_ref.find(ref); it != order_by_ref.end()) {
                    link(it->second, i);
                    order_by_ref.erase(it);
                } else {
                    injection_by_ref.emplace(ref, i);
                }
            } else if constexpr (std::is_same_v<V, ouch::rejected::view>) {
                ++inject_rejected;
                const auto i = static_cast<std::int64_t>(index_of_ref(v.user_ref_num()));
                if (i >= 0 &&
                    static_cast<std::uint64_t>(i) < injected_pub.load(std::memory_order_acquire) &&
                    inject_answered[static_cast<std::size_t>(i)] == 0) {
                    inject_answered[static_cast<std::size_t>(i)] = 1;
                    ++inject_acked;
                }
            }
        });
    };
    // --connect: one injected order is a Day buy at the chosen price on the injector session.
    const auto remote_inject = [&](std::uint64_t i) -> bool {
        exwire::mutable_bytes buf;
        if (inject_h.claim(ouch::enter_order::fixed_size, buf) != ee::send_status::ok) return false;
        const auto r = ouch::enter_order::builder(buf)
                           .user_ref_num(static_cast<std::uint32_t>(ref_base + i + 1))
                           .side('B')
                           .quantity(100)
                           .symbol(mkt.symbol.name())
                           .price(static_cast<std::uint64_t>(mkt.bid))
                           .time_in_force('0')
                           .display('Y')
                           .capacity('A')
                           .inter_market_sweep_eligibility('N')
                           .cross_type('N')
                           .cl_ord_id("INJ")
                           .finish();
        inject_h.commit(r.size);
        return true;
    };

    // One step of the strategy: take what the feed and the order entry session delivered,
    // answer Add Orders, pair send stamps; then say whether every answer is in. On the
    // client shard thread (agent layout) or this thread (thread layout).
    std::atomic<bool> strategy_done{false};
    std::atomic<std::uint64_t> accepted_pub{0};  // for the progress bar
    strategy_step = [&]() -> int {
        const auto fp = feed_h.poll([&](const ee::inbound_record& r) {
            if (r.is_event()) {
                on_event("itch", r);
                return;
            }
            ++st.itch_messages;
            (void)itch::visit(r.body, [&](itch::add_order::view v) { on_add(v, r.value); });
        });
        const auto op = ouch_h.poll([&](const ee::inbound_record& r) {
            if (r.is_event()) {
                on_event("ouch", r);
                return;
            }
            on_ouch(r.body, r.value);
        });
        int work = static_cast<int>(fp.count + op.count);
        if (remote) {
            const auto ip = inject_h.poll([&](const ee::inbound_record& r) {
                if (r.is_event())
                    on_event("inject", r);
                else
                    on_inject_answer(r.body);
            });
            work += static_cast<int>(ip.count);
        }
        drain_stamps();
        accepted_pub.store(st.accepted, std::memory_order_relaxed);
        if (injected_pub.load(std::memory_order_acquire) == total && st.injected_adds == total &&
            st.accepted + st.rejected >= st.orders.size() && st.stamps_seen >= st.orders.size() &&
            (!remote || inject_acked == total))
            strategy_done.store(true, std::memory_order_release);
        return work;
    };
    if (agent_layout) agent.arm();

    exwire::idle_strategy idle = *exwire::idle_strategy::parse(o.idle);
    eb::progress_bar bar("orders", total);
    const es::stock sym = mkt.symbol;
    std::int64_t first_inject = 0;
    bool timed_out = false;
    for (;;) {
        int work = 0;
        const std::int64_t now = now_ns();
        const std::uint64_t due = std::min(pacer.due(now), total);
        while (injected < due) {
            es::new_order no;
            no.symbol = sym;
            no.order_side = es::side::buy;
            no.type = es::order_type::limit;
            no.tif = es::time_in_force::day;
            no.limit_price = mkt.bid;
            no.qty = 100;
            const std::int64_t intended = pacer.intended_ns(injected);
            inject_actual[injected] = now_ns();
            injected_pub.store(injected + 1, std::memory_order_release);
            const bool ok =
                remote ? remote_inject(injected) : sim->inject(no, intended + mono_offset);
            if (!ok) ++inject_failed;
            if (injected == 0) first_inject = inject_actual[0];
            last_inject = inject_actual[injected];
            ++injected;
            ++work;
        }
        if (!agent_layout) work += strategy_step();
        if (!o.quiet)
            (void)bar.update(injected, now,
                             fmt::format("acked {}", accepted_pub.load(std::memory_order_relaxed)));
        if (strategy_done.load(std::memory_order_acquire)) break;
        if (session_failed.load(std::memory_order_acquire)) break;
        if (injected == total && now - last_inject > 5'000'000'000) {
            timed_out = true;
            break;
        }
        if (!agent_layout) {
            idle.idle(work);
        } else if (injected < total) {
            sleep_until(pacer.intended_ns(injected));  // the injector sleeps, never spins
        } else {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    }
    const std::int64_t run_end = now_ns();
    // From here on only this thread touches the strategy's state.
    if (agent_layout && !agent.disarm(2'000'000'000)) {
        (*eng)->stop();  // joins the shard thread before the strategy's state goes
        if (sim) sim->stop();
        throw exit_error("the strategy agent did not stop within 2 s");
    }
    if (!o.quiet) bar.finish(injected, run_end, fmt::format("acked {}", st.accepted));
    const es::server::stats sim_stats = sim ? sim->statistics() : es::server::stats{0, 0, 0, 0};
    const std::uint64_t stamp_drops = ouch_probe.dropped();
    (void)ouch_h.close(std::chrono::seconds(2));
    if (remote) (void)inject_h.close(std::chrono::seconds(2));
    (*eng)->stop();
    if (sim) sim->stop();
    if (o.feed_transport == "dpdk") {
        // The EAL's runtime folder for this process's --file-prefix (root, then per user).
        const std::string prefix = "exwire-bench" + std::to_string(::getpid());
        std::error_code ec;
        std::filesystem::remove_all("/var/run/dpdk/" + prefix, ec);
        if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"))
            std::filesystem::remove_all(std::string(xdg) + "/dpdk/" + prefix, ec);
    }

    // End to end, for every strategy order that answered an injected Add.
    for (const order_info& oi : st.orders) {
        if (oi.injected < static_cast<std::int64_t>(warmup) || oi.accepted_rx_tsc == 0) continue;
        const auto i = static_cast<std::uint64_t>(oi.injected);
        st.end_to_end.record(pacer.intended_ns(i), inject_actual[i], tsc_ns(oi.accepted_rx_tsc));
    }

    // ---- ping-pong -----------------------------------------------------------------------
    if (!o.quiet) fmt::print(stderr, "ping-pong: {} round trips at {}/s\n", pp_count, o.rate);
    const std::size_t frame_size = 3 + ouch::enter_order::fixed_size;  // SoupBinTCP 'U' packet
    pingpong_result pp = run_pingpong<T>(o, frame_size, pp_count);

    // ---- checks and report ---------------------------------------------------------------
    const std::uint64_t orders_sent = st.orders.size();
    std::uint64_t unanswered = 0;
    for (const auto& oi : st.orders)
        unanswered += oi.answered ? 0 : 1;
    report.passed = true;
    const auto problem = [&](std::string text) {
        report.passed = false;
        report.notes.push_back(std::move(text));
    };
    for (const auto& p : st.problems)
        problem(p);
    if (timed_out) problem("timed out waiting 5 s for the last answers");
    if (inject_failed + inject_rejected != 0)
        problem(
            fmt::format("{} injections refused by the simulator", inject_failed + inject_rejected));
    if (remote && inject_acked != total)
        problem(
            fmt::format("{} of {} injected orders not acknowledged", total - inject_acked, total));
    if (st.injected_adds != total)
        problem(fmt::format("{} of {} injected Add Orders never reached the client",
                            total - st.injected_adds, total));
    if (unanswered != 0)
        problem(
            fmt::format("{} of {} Enter Orders were not acknowledged", unanswered, orders_sent));
    if (st.rejected != 0) problem(fmt::format("{} Enter Orders were rejected", st.rejected));
    if (stamp_drops != 0) problem(fmt::format("{} send stamps lost", stamp_drops));
    if (!pp.error.empty()) problem(pp.error);

    const double active_s =
        static_cast<double>(std::max<std::int64_t>(run_end - first_inject, 1)) / 1e9;
    report.machine = eb::detect_machine();
    report.counts = {{"injected", injected},
                     {"injected_adds_received", st.injected_adds},
                     {"watched_adds_received", st.adds_watched},
                     {"itch_messages_received", st.itch_messages},
                     {"orders_sent", orders_sent},
                     {"orders_accepted", st.accepted},
                     {"orders_rejected", st.rejected},
                     {"orders_unacknowledged", unanswered},
                     {"executions", st.executed},
                     {"cancels", st.canceled},
                     {"outbound_ring_full_retries", st.send_full},
                     {"send_stamps_lost", stamp_drops},
                     {"sim_orders", sim_stats.orders},
                     {"sim_trades", sim_stats.trades},
                     {"sim_itch_messages", sim_stats.itch_messages},
                     {"sim_rejects", sim_stats.rejects},
                     {"pingpong_round_trips", pp.completed}};
    const double rt50 = static_cast<double>(st.round_trip.percentile(50));
    const double pp50 = static_cast<double>(pp.rtt.percentile(50));
    const double ratio = pp50 > 0 ? rt50 / pp50 : 0;
    report.figures = {{"offered_rate_per_s", o.rate},
                      {"orders_acked_per_s", static_cast<double>(st.accepted) / active_s},
                      {"itch_messages_per_s", static_cast<double>(st.itch_messages) / active_s},
                      {"run_seconds", active_s},
                      {"round_trip_p50_over_pingpong_p50", ratio},
                      {"target_tick_to_trade_p50_ns", 1000},
                      {"target_round_trip_over_pingpong", 1.5}};

    const auto metric = [&](const char* name, const char* title, const char* what,
                            const eb::latency_histogram& h) {
        eb::metric_report m;
        m.name = name;
        m.title = title;
        m.description = what;
        m.histogram.merge(h);
        report.metrics.push_back(std::move(m));
    };
    const std::string ttt_what =
        std::string(
            "ITCH datagram taken from the socket by the client's shard (receive stamp) to "
            "the OUCH Enter Order answering it handed to the transport (send stamp); ") +
        (agent_layout ? "the strategy runs as an agent on the client shard thread, so both rings "
                        "are crossed within that thread."
                      : "includes the inbound ring, the strategy on the application thread and "
                        "the outbound ring.");
    metric("tick_to_trade", "tick-to-trade (in client)", ttt_what.c_str(), st.tick_to_trade);
    metric("order_round_trip", "order round trip",
           "Enter Order handed to the transport to the TCP read carrying its Order Accepted "
           "taken by the client's shard: simulator and loopback TCP both ways.",
           st.round_trip);
    metric("order_executed_round_trip", "order round trip to execution",
           "Enter Order handed to the transport to the read carrying its Order Executed.",
           st.executed_round_trip);
    metric("end_to_end_corrected", "end to end, CO-corrected",
           "Intended injection time (constant rate) to the Order Accepted read by the client: "
           "simulator, ITCH feed, client, strategy, order entry, and every stall on the way "
           "counted against each order it delayed.",
           st.end_to_end.corrected);
    metric("end_to_end_uncorrected", "end to end, uncorrected",
           "Actual injection time to the Order Accepted read by the client (hides stalls of "
           "the injecting thread: coordinated omission).",
           st.end_to_end.uncorrected);
    metric("pingpong", "raw transport ping-pong",
           "Loopback TCP echo over the same transport and idle strategy, a message of an "
           "Enter Order packet's size, paced at the same rate: send to echo received.",
           pp.rtt);

    const bool ttt_met = st.tick_to_trade.count() != 0 && st.tick_to_trade.percentile(50) < 1000;
    const bool rt_met = ratio > 0 && ratio <= 1.5;
    report.figures.push_back({"target_tick_to_trade_met", ttt_met ? 1.0 : 0.0});
    report.figures.push_back({"target_round_trip_met", rt_met ? 1.0 : 0.0});

    auto w = eb::write_reports(report, o.out);

    // ---- print ---------------------------------------------------------------------------
    fmt::print("\n{:<32} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8}\n", "latency", "p50", "p90",
               "p99", "p99.9", "p99.99", "max", "count");
    for (const auto& m : report.metrics) {
        const eb::latency_summary s = eb::summarize(m.histogram);
        fmt::print(
            "{:<32} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8}\n", m.title,
            eb::format_ns(static_cast<double>(s.p50)), eb::format_ns(static_cast<double>(s.p90)),
            eb::format_ns(static_cast<double>(s.p99)), eb::format_ns(static_cast<double>(s.p999)),
            eb::format_ns(static_cast<double>(s.p9999)), eb::format_ns(static_cast<double>(s.max)),
            s.count);
    }
    fmt::print(
        "\nthroughput: {:.0f} orders acknowledged/s (offered {}/s), {:.0f} ITCH messages/s\n",
        static_cast<double>(st.accepted) / active_s, o.rate,
        static_cast<double>(st.itch_messages) / active_s);
    fmt::print("orders: {} sent, {} accepted, {} executions, {} rejected, {} unacknowledged\n",
               orders_sent, st.accepted, st.executed, st.rejected, unanswered);
    fmt::print("round trip p50 / ping-pong p50: {:.2f} (target <= 1.5: {})\n", ratio,
               rt_met ? "met" : "not met");
    fmt::print("tick-to-trade p50: {} (target < 1 us: {})\n",
               eb::format_ns(static_cast<double>(st.tick_to_trade.percentile(50))),
               ttt_met ? "met" : "not met");
    if (w) fmt::print("report: {}/report.html, {}/results.json\n", o.out, o.out);
    for (const auto& n : report.notes)
        fmt::print(stderr, "exwire bench: {}\n", n);
    if (!w) throw exit_error(w.err().message);
    if (!report.passed) throw exit_error("benchmark checks failed (see above)", 1);
}

}  // namespace

void register_bench(CLI::App& app) {
    auto o = std::make_shared<bench_options>();
    CLI::App* c = app.add_subcommand(
        "bench",
        "End-to-end latency benchmark: simulator, client engine and a sample strategy "
        "(docs/bench.md)");
    c->add_option("--rate", o->rate, "Add Orders injected per second (constant rate)")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    c->add_option("--count", o->count, "orders to inject")->capture_default_str();
    c->add_option("--seconds", o->seconds, "run this long instead (count = rate x seconds)");
    c->add_option("--warmup", o->warmup, "first orders left out of the statistics")
        ->capture_default_str();
    c->add_option("--pingpong", o->pingpong,
                  "raw transport ping-pong round trips (default min(count, 10000))");
    c->add_option("--transport", o->transport, "client transport")
        ->capture_default_str()
#if defined(EXWIRE_BENCH_IO_URING)
        ->check(CLI::IsMember({"socket", "io_uring"}));
#else
        ->check(CLI::IsMember({"socket"}));
#endif
    c->add_option("--layout", o->layout,
                  "where the strategy runs: agent (on the client shard thread) or thread (on "
                  "the application thread, behind the session rings)")
        ->capture_default_str()
        ->check(CLI::IsMember({"agent", "thread"}));
    c->add_option("--idle", o->idle,
                  "idle strategy of the simulator, the client shard and (thread layout) the "
                  "application; default: " +
                      default_idle("agent") + " for both layouts (docs/bench.md)");
    c->add_option("--cpus", o->cpus, "cpus of the client shard thread (cpuset syntax)");
    c->add_option("--sim-cpus", o->sim_cpus, "cpus of the simulator's thread");
    c->add_option(
        "--app-cpus", o->app_cpus,
        "cpus of the application thread (the injector; the strategy too with --layout thread)");
    c->add_option("--journal", o->journal, "journal the client's OUCH session (in OUT/journal)")
        ->capture_default_str()
        ->check(CLI::IsMember({"on", "off"}));
    c->add_option("--out", o->out, "folder for report.html and results.json")
        ->capture_default_str();
    c->add_option("--symbol", o->symbol, "watched symbol")->capture_default_str();
    c->add_flag("--background-flow", o->background_flow,
                "run the simulator's synthetic background flow as well");
    c->add_flag("--quiet", o->quiet, "no progress bar");
    c->add_option("--connect", o->connect,
                  "use a running `exwire sim` on this host (IPv4) instead of an in-process one; "
                  "it needs two OUCH clients (--ouch-clients 2) and a MoldUDP64 feed (--mold)");
    c->add_option("--ouch-port", o->ouch_port, "--connect: the strategy's OUCH port");
    c->add_option("--inject-port", o->inject_port,
                  "--connect: the injector's OUCH port (default: --ouch-port + 1)");
    c->add_option("--mold", o->mold,
                  "--connect: where the simulator publishes MoldUDP64 (HOST:PORT, the address "
                  "given to exwire sim --mold)");
    c->add_option("--retransmit-port", o->retransmit_port,
                  "--connect: the simulator's MoldUDP64 retransmission port");
#if defined(EXWIRE_BENCH_DPDK)
    c->add_option("--feed-transport", o->feed_transport,
                  "the ITCH receiver's transport: same (as --transport) or dpdk (kernel "
                  "bypass through a DPDK virtual device, --dpdk-vdev)")
        ->capture_default_str()
        ->check(CLI::IsMember({"same", "dpdk"}));
    c->add_option("--dpdk-vdev", o->dpdk_vdev,
                  "DPDK virtual device of the feed (default: libpcap capture of the loopback "
                  "interface, which needs the capture privilege)")
        ->capture_default_str();
#endif
    c->add_option("--first-ref", o->first_ref,
                  "first OUCH UserRefNum (default: 1 in-process, from the clock with --connect)");
    c->add_option("--price", o->price,
                  "limit price (dollars) of the injected buy orders (default: the default "
                  "market's best bid for --symbol)");
    c->callback([o] {
        if (o->transport == "io_uring") {
#if defined(EXWIRE_BENCH_IO_URING)
            run_bench<et::uring_transport>(*o);
#endif
        } else {
            run_bench<et::socket_transport>(*o);
        }
    });
}

}  // namespace exwire_tools
