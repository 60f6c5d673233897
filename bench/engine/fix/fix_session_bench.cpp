// FIX session benchmark: NewOrderSingle -> ExecutionReport round trips over 127.0.0.1 at a
// fixed offered rate, side by side in one run for exwire <-> exwire, exwire <-> QuickFIX
// (both directions) and QuickFIX <-> QuickFIX; then one-way NewOrderSingle throughput on one
// session for the same pairs.
//
// Latency is measured from each order's intended send time t0 + k / rate, not from when it
// was actually sent, so a stall delays the following orders and their latencies count the
// wait (no coordinated omission). Reports are timestamped by the receiving application thread.
// Not a Google Benchmark: a fixed-rate open-loop run does not fit its iteration model.
//
// Usage: fix_session_bench [--count N] [--rate R] [--throughput-count M] [--idle STRATEGY]
//                          [--pairs ee,eq,qe,qq] [--seconds-limit S] [--layout thread|agent|single]
//                          [--journal DIR] [--timer-slack-ns N] [--shards 1|2]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <sys/prctl.h>
#include <unistd.h>

#include <exwire/codec/fix/reader.hpp>
#include <exwire/core/clock.hpp>
#include <exwire/core/idle_strategy.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/fix/engine_session.hpp>

#include "qf_peers.hpp"

namespace {

using namespace exwire::engine;
using namespace std::chrono_literals;
using exwire::monotonic_ns;

struct options {
    long count = 20'000;
    long rate = 2'000;  // orders per second
    long throughput_count = 50'000;
    std::string idle = "backoff:spins=100,yields=10,min=5us,max=50us";
    std::string pairs = "ee,eq,qe,qq";
    long seconds_limit = 60;  // per run
    // Where an exwire acceptor's application runs: "thread" (its own thread, polling the
    // session handle with the idle strategy) or "agent" (an engine agent on the shard
    // thread polling the same handle: one thread fewer) or "single" (exwire -> exwire
    // only: the initiator's application, the driver, is an agent too: one thread in all).
    // "single" applies to the exwire -> exwire latency pair; other pairs run as "agent".
    std::string layout = "thread";
    // Non-empty: exwire sessions keep a journal_message_store in this folder (journal on).
    std::string journal;
    // 2: an exwire initiator runs on a second shard (its own thread) instead of sharing the
    // acceptor's; agents stay on the first shard ("s0").
    long shards = 1;
    // >0: the process's timer slack (prctl PR_SET_TIMERSLACK, inherited by every thread
    // started afterwards) in ns; 0 leaves the kernel's default (50 us), which stretches
    // every short backoff sleep.
    long timer_slack_ns = 0;
};

// The NewOrderSingle body with ClOrdID k, written to `out` (96 bytes); returns its length.
// No allocation: the drivers build one per order.
std::size_t order_body(char* out, long k) {
    char digits[24];
    char* d = digits + sizeof digits;
    auto v = static_cast<unsigned long>(k < 0 ? 0 : k);
    do {
        *--d = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    const auto nd = static_cast<std::size_t>(digits + sizeof digits - d);
    static constexpr std::string_view rest =
        "\x01"
        "21=1\x01"
        "38=100\x01"
        "40=1\x01"
        "54=1\x01"
        "55=INTC\x01"
        "60=20261121-20:00:00.000\x01";
    std::memcpy(out, "11=", 3);
    std::memcpy(out + 3, d, nd);
    std::memcpy(out + 3 + nd, rest.data(), rest.size());
    return 3 + nd + rest.size();
}

// The ExecutionReport body answering ClOrdID `cl` (at most 64 characters used), written to
// `out` (256 bytes); returns its length. No allocation: it runs on the shard thread too.
std::size_t report_body(char* out, std::string_view cl) {
    cl = cl.substr(0, 64);
    std::size_t n = 0;
    auto put = [&](std::string_view s) {
        std::memcpy(out + n, s.data(), s.size());
        n += s.size();
    };
    put("37=");
    put(cl);
    put("\x01"
        "17=");
    put(cl);
    put("\x01"
        "150=0\x01"
        "39=0\x01"
        "54=1\x01"
        "151=0\x01"
        "14=0\x01"
        "6=0\x01"
        "55=INTC\x01"
        "11=");
    put(cl);
    put("\x01");
    return n;
}

long parse_long(std::string_view s) {
    return std::strtol(std::string(s).c_str(), nullptr, 10);
}

session_config fix_session(const options& o, const std::string& name, session_role role,
                           std::uint16_t port) {
    session_config s;
    s.name = name;
    s.protocol = protocol_kind::fix;
    s.role = role;
    if (role == session_role::acceptor) {
        s.listen = {"127.0.0.1", port};
        s.sender_comp_id = "EXCH";
        s.target_comp_id = "BANK";
    } else {
        s.connect = {"127.0.0.1", port};
        s.sender_comp_id = "BANK";
        s.target_comp_id = "EXCH";
    }
    s.fix_version = "FIX.4.4";
    s.journal.dir = o.journal.empty() ? std::string() : o.journal + "/" + std::to_string(port);
    if (!s.journal.dir.empty()) {  // a fresh journal: sequence numbers start at 1
        std::error_code ec;
        std::filesystem::remove_all(s.journal.dir + "/" + name, ec);
    }
    s.inbound_ring_size = 1u << 22;
    s.outbound_ring_size = 1u << 22;
    return s;
}

std::unique_ptr<engine> start_engine(const options& o, std::vector<session_config> sessions,
                                     agent* on_shard = nullptr, agent* also_on_shard = nullptr) {
    engine_config c;
    c.name = "fix-bench";
    shard_config sh;
    sh.name = "s0";
    sh.idle = o.idle;
    c.shards.push_back(sh);
    if (o.shards == 2) {
        sh.name = "s1";
        c.shards.push_back(sh);
        for (auto& sc : sessions)
            if (sc.role == session_role::initiator) sc.shard = "s1";
    }
    c.sessions = std::move(sessions);
    protocol_registry reg;
    fix::register_fix_sessions(reg);
    auto e = engine::create(c, reg);
    if (!e) {
        std::fprintf(stderr, "engine: %s\n", e.err().message.c_str());
        return nullptr;
    }
    if (on_shard != nullptr) (*e)->find_shard("s0")->add_agent(*on_shard);
    if (also_on_shard != nullptr) (*e)->find_shard("s0")->add_agent(*also_on_shard);
    if (auto s = (*e)->start(); !s) {
        std::fprintf(stderr, "engine start: %s\n", s.err().message.c_str());
        return nullptr;
    }
    return std::move(*e);
}

bool wait_until(auto pred, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

// An exwire acceptor's application: counts NewOrderSingle and, when answering, replies with
// an ExecutionReport echoing ClOrdID. Runs either on its own thread with the idle strategy
// or, attached with attach(), as an agent on the shard thread (layout "agent").
class exwire_responder final : public agent {
  public:
    exwire_responder(bool answer, const std::string& idle)
        : answer_(answer), idle_(*exwire::idle_strategy::parse(idle)) {}
    ~exwire_responder() override { stop(); }
    /// Stops polling (joins the thread): call before the engine goes away.
    void stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    /// Layout "thread": polls `h` on a thread of its own from now on.
    void start_thread(session_handle h) {
        h_ = h;
        thread_ = std::thread([this] {
            while (!stop_.load(std::memory_order_relaxed))
                idle_.idle(step());
        });
    }
    /// Layout "agent": polls `h` from the shard thread's passes once attached.
    void attach(session_handle h) {
        h_ = h;
        attached_.store(true, std::memory_order_release);
    }
    long orders() const { return orders_.load(std::memory_order_acquire); }

    int do_work(std::int64_t) noexcept override {
        if (!attached_.load(std::memory_order_acquire) || stop_.load(std::memory_order_relaxed))
            return 0;
        return step();
    }

  private:
    int step() noexcept {
        int work = 0;
        for (int i = 0; i < 64; ++i) {
            // A report the ring refused last time goes first.
            if (pending_len_ != 0) {
                if (h_.send(
                        exwire::bytes(reinterpret_cast<const std::byte*>(pending_), pending_len_),
                        fix::fix_msg_type_tag("8")) != send_status::ok)
                    return work;
                pending_len_ = 0;
            }
            received r = h_.receive_nowait();
            if (!r.ok()) break;
            ++work;
            if (!r.record.is_message()) continue;
            const exwire::codec::fix::message_view m(r.record.text());
            if (m.msg_type() != "D") continue;
            if (answer_) {
                pending_len_ = report_body(pending_, m.get(11));
                if (h_.send(
                        exwire::bytes(reinterpret_cast<const std::byte*>(pending_), pending_len_),
                        fix::fix_msg_type_tag("8")) == send_status::ok)
                    pending_len_ = 0;
            }
            orders_.fetch_add(1, std::memory_order_release);
        }
        return work;
    }
    session_handle h_;
    bool answer_;
    exwire::idle_strategy idle_;
    char pending_[256];
    std::size_t pending_len_ = 0;
    std::atomic<bool> attached_{false};
    std::atomic<bool> stop_{false};
    std::atomic<long> orders_{0};
    std::thread thread_;
};

// Latencies of one run; slot k is written once (by whichever thread sees report k).
struct latencies {
    explicit latencies(long n) : ns(static_cast<std::size_t>(n), -1) {}
    std::vector<std::int64_t> ns;
    std::atomic<long> done{0};
    std::int64_t t0 = 0;
    std::int64_t period = 0;
    std::int64_t intended(long k) const { return t0 + k * period; }
    void report(long k, std::int64_t now) {
        if (k < 0 || static_cast<std::size_t>(k) >= ns.size() ||
            ns[static_cast<std::size_t>(k)] >= 0)
            return;
        ns[static_cast<std::size_t>(k)] = now - intended(k);
        done.fetch_add(1, std::memory_order_release);
    }
};

void on_qf_report(void* ctx, long k) {
    static_cast<latencies*>(ctx)->report(k, monotonic_ns());
}

// The open-loop driver: sends order k at its intended time (late ones at once, in order),
// takes reports through `poll` (returns work done), idles with the strategy in between.
template <typename Send, typename Poll>
void drive(const options& o, latencies& lat, Send&& send, Poll&& poll) {
    exwire::idle_strategy idle = *exwire::idle_strategy::parse(o.idle);
    const long n = static_cast<long>(lat.ns.size());
    lat.period = 1'000'000'000 / o.rate;
    lat.t0 = monotonic_ns() + 1'000'000;
    const std::int64_t deadline = lat.t0 + o.seconds_limit * 1'000'000'000LL;
    long next = 0;
    while (lat.done.load(std::memory_order_acquire) < n) {
        const std::int64_t now = monotonic_ns();
        if (now > deadline) break;
        int work = 0;
        while (next < n && now >= lat.intended(next)) {
            if (!send(next)) break;  // ring full or not logged on: try again next pass
            ++next;
            ++work;
        }
        work += poll();
        idle.idle(work);
    }
}

struct summary {
    std::string name;
    long n = 0;
    long got = 0;
    double p50 = 0, p99 = 0, p999 = 0, max = 0;  // microseconds
};

summary summarize(const std::string& name, const latencies& lat) {
    summary s;
    s.name = name;
    s.n = static_cast<long>(lat.ns.size());
    std::vector<std::int64_t> v;
    for (auto x : lat.ns)
        if (x >= 0) v.push_back(x);
    s.got = static_cast<long>(v.size());
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    auto at = [&](double q) {
        const auto i =
            std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())));
        return static_cast<double>(v[i]) / 1000.0;
    };
    s.p50 = at(0.5);
    s.p99 = at(0.99);
    s.p999 = at(0.999);
    s.max = static_cast<double>(v.back()) / 1000.0;
    return s;
}

// Layout "single": the initiator's application (the open-loop driver) is an engine agent
// too, so both sessions and both applications run on the one shard thread. Same schedule
// and measurement as drive(); the order bodies are built without allocation.
class driver_agent final : public agent {
  public:
    explicit driver_agent(latencies& lat, long rate) : lat_(lat), rate_(rate) {}
    void attach(session_handle ini) {
        ini_ = ini;
        lat_.period = 1'000'000'000 / rate_;
        lat_.t0 = monotonic_ns() + 1'000'000;
        attached_.store(true, std::memory_order_release);
    }
    void stop() { stopped_.store(true, std::memory_order_release); }
    int do_work(std::int64_t) noexcept override {
        if (!attached_.load(std::memory_order_acquire) || stopped_.load(std::memory_order_acquire))
            return 0;
        int work = 0;
        const long n = static_cast<long>(lat_.ns.size());
        const std::int64_t now = monotonic_ns();
        while (next_ < n && now >= lat_.intended(next_)) {
            char body[128];
            const std::size_t len = order_body(body, next_);
            if (ini_.send(exwire::bytes(reinterpret_cast<const std::byte*>(body), len),
                          fix::fix_msg_type_tag("D")) != send_status::ok)
                break;
            ++next_;
            ++work;
        }
        for (int i = 0; i < 64; ++i) {
            received r = ini_.receive_nowait();
            if (!r.ok()) break;
            ++work;
            if (!r.record.is_message()) continue;
            const std::int64_t t = monotonic_ns();
            const exwire::codec::fix::message_view m(r.record.text());
            const auto k = exwire::codec::fix::parse_uint(m.get(11));
            if (m.msg_type() == "8" && k && *k < (1u << 30)) lat_.report(static_cast<long>(*k), t);
        }
        return work;
    }

  private:
    static std::size_t order_body(char* out, long k) {
        const int n = std::snprintf(out, 128,
                                    "11=%ld\x01"
                                    "21=1\x01"
                                    "38=100\x01"
                                    "40=1\x01"
                                    "54=1\x01"
                                    "55=INTC\x01"
                                    "60=20261121-20:00:00.000\x01",
                                    k);
        return n > 0 ? static_cast<std::size_t>(n) : 0;
    }
    latencies& lat_;
    long rate_;
    session_handle ini_;
    long next_ = 0;
    std::atomic<bool> attached_{false};
    std::atomic<bool> stopped_{false};
};

// exwire initiator's side of a latency run: send through the handle, poll its reports.
summary exwire_initiator_latency(const options& o, const std::string& name, session_handle ini) {
    latencies lat(o.count);
    drive(
        o, lat,
        [&](long k) {
            char body[96];
            const std::size_t len = order_body(body, k);
            return ini.send(exwire::bytes(reinterpret_cast<const std::byte*>(body), len),
                            fix::fix_msg_type_tag("D")) == send_status::ok;
        },
        [&] {
            int work = 0;
            for (int i = 0; i < 64; ++i) {
                received r = ini.receive_nowait();
                if (!r.ok()) break;
                ++work;
                if (!r.record.is_message()) continue;
                const std::int64_t now = monotonic_ns();
                const exwire::codec::fix::message_view m(r.record.text());
                if (m.msg_type() == "8") lat.report(parse_long(m.get(11)), now);
            }
            return work;
        });
    return summarize(name, lat);
}

summary qf_initiator_latency(const options& o, const std::string& name, std::uint16_t port) {
    latencies lat(o.count);
    std::string err;
    exwire_bench::qf_initiator* qi =
        exwire_bench::qf_initiator_start(port, "FIX.4.4", &on_qf_report, &lat, err);
    if (qi == nullptr) {
        std::fprintf(stderr, "%s: QuickFIX initiator: %s\n", name.c_str(), err.c_str());
        return summarize(name, lat);
    }
    if (!wait_until([&] { return exwire_bench::qf_initiator_logged_on(qi); }, 10s)) {
        std::fprintf(stderr, "%s: QuickFIX initiator did not log on\n", name.c_str());
    } else {
        drive(
            o, lat, [&](long k) { return exwire_bench::qf_send_order(qi, k); }, [] { return 0; });
    }
    exwire_bench::qf_initiator_stop(qi);
    return summarize(name, lat);
}

// ---- throughput ---------------------------------------------------------------------------

struct rate_result {
    std::string name;
    long n = 0;
    long got = 0;
    double seconds = 0;
};

template <typename Send, typename Count>
rate_result throughput(const std::string& name, long n, long limit_s, Send&& send, Count&& count) {
    rate_result r;
    r.name = name;
    r.n = n;
    const std::int64_t start = monotonic_ns();
    const std::int64_t deadline = start + limit_s * 1'000'000'000LL;
    long k = 0;
    while (k < n && monotonic_ns() < deadline) {
        if (send(k))
            ++k;
        else
            std::this_thread::yield();
    }
    while (count() < n && monotonic_ns() < deadline)
        std::this_thread::sleep_for(20us);
    r.got = count();
    r.seconds = static_cast<double>(monotonic_ns() - start) / 1e9;
    return r;
}

// ---- the pairs ----------------------------------------------------------------------------

void start_responder(const options& o, exwire_responder& r, session_handle acceptor) {
    if (o.layout != "thread")
        r.attach(acceptor);
    else
        r.start_thread(acceptor);
}

std::uint16_t next_port() {
    static std::uint16_t p = static_cast<std::uint16_t>(20000 + (::getpid() * 13) % 20000);
    return ++p;
}

summary run_ee_single(const options& o) {
    const auto port = next_port();
    exwire_responder resp(true, o.idle);
    latencies lat(o.count);
    driver_agent drv(lat, o.rate);
    auto e = start_engine(o,
                          {fix_session(o, "acceptor", session_role::acceptor, port),
                           fix_session(o, "initiator", session_role::initiator, port)},
                          &resp, &drv);
    if (!e) return {"exwire -> exwire"};
    session_handle acc = e->session("acceptor");
    session_handle ini = e->session("initiator");
    summary s{"exwire -> exwire"};
    if (wait_until([&] { return acc.is_active() && ini.is_active(); }, 10s)) {
        // Attached from this thread: the agents start polling the handles from the shard
        // thread's next pass; this thread only waits.
        resp.attach(acc);
        drv.attach(ini);
        const auto n = static_cast<long>(lat.ns.size());
        (void)wait_until([&] { return lat.done.load(std::memory_order_acquire) >= n; },
                         std::chrono::seconds(o.seconds_limit));
        drv.stop();
        s = summarize("exwire -> exwire", lat);
        (void)ini.close(5s);
    }
    e->stop();
    return s;
}

summary run_ee_latency(const options& o) {
    if (o.layout == "single") return run_ee_single(o);
    const auto port = next_port();
    exwire_responder resp(true, o.idle);  // outlives the engine (it may be its agent)
    auto e = start_engine(o,
                          {fix_session(o, "acceptor", session_role::acceptor, port),
                           fix_session(o, "initiator", session_role::initiator, port)},
                          o.layout != "thread" ? &resp : nullptr);
    if (!e) return {"exwire -> exwire"};
    session_handle acc = e->session("acceptor");
    session_handle ini = e->session("initiator");
    summary s{"exwire -> exwire"};
    if (wait_until([&] { return acc.is_active() && ini.is_active(); }, 10s)) {
        start_responder(o, resp, acc);
        s = exwire_initiator_latency(o, "exwire -> exwire", ini);
        (void)ini.close(5s);
    }
    resp.stop();
    e->stop();
    return s;
}

summary run_eq_latency(const options& o) {
    const auto port = next_port();
    std::string err;
    auto* qa = exwire_bench::qf_acceptor_start(port, "FIX.4.4", true, err);
    if (qa == nullptr) return {"exwire -> QuickFIX"};
    summary s{"exwire -> QuickFIX"};
    auto e = start_engine(o, {fix_session(o, "initiator", session_role::initiator, port)});
    if (e) {
        session_handle ini = e->session("initiator");
        if (wait_until([&] { return ini.is_active(); }, 10s))
            s = exwire_initiator_latency(o, "exwire -> QuickFIX", ini);
        (void)ini.close(5s);
        e->stop();
    }
    exwire_bench::qf_acceptor_stop(qa);
    return s;
}

summary run_qe_latency(const options& o) {
    const auto port = next_port();
    exwire_responder resp(true, o.idle);
    auto e = start_engine(o, {fix_session(o, "acceptor", session_role::acceptor, port)},
                          o.layout != "thread" ? &resp : nullptr);
    if (!e) return {"QuickFIX -> exwire"};
    start_responder(o, resp, e->session("acceptor"));
    summary s = qf_initiator_latency(o, "QuickFIX -> exwire", port);
    resp.stop();
    e->stop();
    return s;
}

summary run_qq_latency(const options& o) {
    const auto port = next_port();
    std::string err;
    auto* qa = exwire_bench::qf_acceptor_start(port, "FIX.4.4", true, err);
    if (qa == nullptr) return {"QuickFIX -> QuickFIX"};
    summary s = qf_initiator_latency(o, "QuickFIX -> QuickFIX", port);
    exwire_bench::qf_acceptor_stop(qa);
    return s;
}

rate_result exwire_send_all(const options& o, const std::string& name, session_handle ini,
                            auto&& count) {
    return throughput(
        name, o.throughput_count, o.seconds_limit,
        [&](long k) {
            char body[96];
            const std::size_t len = order_body(body, k);
            return ini.send(exwire::bytes(reinterpret_cast<const std::byte*>(body), len),
                            fix::fix_msg_type_tag("D")) == send_status::ok;
        },
        count);
}

rate_result qf_send_all(const options& o, const std::string& name, std::uint16_t port,
                        auto&& count) {
    std::string err;
    auto* qi = exwire_bench::qf_initiator_start(port, "FIX.4.4", &on_qf_report, nullptr, err);
    rate_result r{name, o.throughput_count};
    if (qi == nullptr) return r;
    if (wait_until([&] { return exwire_bench::qf_initiator_logged_on(qi); }, 10s))
        r = throughput(
            name, o.throughput_count, o.seconds_limit,
            [&](long k) { return exwire_bench::qf_send_order(qi, k); }, count);
    exwire_bench::qf_initiator_stop(qi);
    return r;
}

rate_result run_throughput(const options& o, const std::string& pair) {
    const auto port = next_port();
    const bool ex_init = pair[0] == 'e';
    const bool ex_acc = pair[1] == 'e';
    const std::string name =
        std::string(ex_init ? "exwire" : "QuickFIX") + " -> " + (ex_acc ? "exwire" : "QuickFIX");
    std::vector<session_config> sessions;
    if (ex_acc) sessions.push_back(fix_session(o, "acceptor", session_role::acceptor, port));
    if (ex_init) sessions.push_back(fix_session(o, "initiator", session_role::initiator, port));
    std::string err;
    exwire_bench::qf_acceptor* qa = nullptr;
    if (!ex_acc) {
        qa = exwire_bench::qf_acceptor_start(port, "FIX.4.4", false, err);
        if (qa == nullptr) return {name};
    }
    auto resp = std::make_unique<exwire_responder>(false, o.idle);
    std::unique_ptr<engine> e;
    if (!sessions.empty())
        e = start_engine(o, sessions, ex_acc && o.layout != "thread" ? resp.get() : nullptr);
    rate_result r{name, o.throughput_count};
    {
        if (ex_acc && e) start_responder(o, *resp, e->session("acceptor"));
        auto count = [&]() -> long {
            return ex_acc ? (resp ? resp->orders() : 0) : exwire_bench::qf_acceptor_orders(qa);
        };
        if (ex_init && e) {
            session_handle ini = e->session("initiator");
            if (wait_until([&] { return ini.is_active(); }, 10s))
                r = exwire_send_all(o, name, ini, count);
            if (r.got != r.n) {  // say what the initiator saw, for diagnosis
                std::fprintf(stderr, "%s: stalled; initiator active=%d closed=%d (%s)\n",
                             name.c_str(), ini.is_active(), ini.is_closed(),
                             ini.is_closed() ? std::string(to_string(ini.reason())).c_str() : "");
                for (int i = 0; i < 100000; ++i) {
                    received rec = ini.receive_nowait();
                    if (!rec.ok()) break;
                    if (rec.record.is_message())
                        std::fprintf(
                            stderr, "  message %.*s\n",
                            static_cast<int>(std::min<std::size_t>(rec.record.text().size(), 200)),
                            rec.record.text().data());
                    else
                        std::fprintf(stderr, "  %s seq=%llu\n",
                                     std::string(to_string(rec.record.type)).c_str(),
                                     static_cast<unsigned long long>(rec.record.sequence));
                }
            }
            (void)ini.close(5s);
        } else if (!ex_init) {
            r = qf_send_all(o, name, port, count);
        }
    }
    resp->stop();
    if (e) e->stop();
    if (qa != nullptr) exwire_bench::qf_acceptor_stop(qa);
    return r;
}

}  // namespace

int main(int argc, char** argv) {
    options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view a = argv[i];
        const char* v = argv[i + 1];
        if (a == "--count")
            o.count = std::atol(v);
        else if (a == "--rate")
            o.rate = std::atol(v);
        else if (a == "--throughput-count")
            o.throughput_count = std::atol(v);
        else if (a == "--idle")
            o.idle = v;
        else if (a == "--pairs")
            o.pairs = v;
        else if (a == "--layout")
            o.layout = v;
        else if (a == "--timer-slack-ns")
            o.timer_slack_ns = std::atol(v);
        else if (a == "--shards")
            o.shards = std::atol(v);
        else if (a == "--journal")
            o.journal = v;
        else if (a == "--seconds-limit")
            o.seconds_limit = std::atol(v);
        else {
            std::fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (o.count <= 0 || o.rate <= 0 || o.rate > 1'000'000 ||
        (o.layout != "thread" && o.layout != "agent" && o.layout != "single") ||
        (o.shards != 1 && o.shards != 2) || (o.shards == 2 && o.layout == "single") ||
        !exwire::idle_strategy::parse(o.idle)) {
        std::fprintf(stderr, "bad --count/--rate/--idle/--layout\n");
        return 2;
    }
    if (o.timer_slack_ns > 0 &&
        ::prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(o.timer_slack_ns), 0, 0, 0) != 0) {
        std::perror("prctl(PR_SET_TIMERSLACK)");
        return 2;
    }
    std::printf("timer slack: %s\n", o.timer_slack_ns > 0
                                         ? (std::to_string(o.timer_slack_ns) + " ns").c_str()
                                         : "kernel default");
    std::printf(
        "FIX.4.4 NewOrderSingle -> ExecutionReport round trip, 127.0.0.1, %ld orders at %ld/s "
        "(latency from intended send time), no dictionary validation on either side\n",
        o.count, o.rate);
    std::printf(
        "idle strategy (exwire shard and application threads): %s; exwire acceptor's "
        "application: %s; exwire store: %s; exwire shards: %s; QuickFIX: its own blocking "
        "socket threads, memory store\n",
        o.idle.c_str(),
        o.layout == "thread"  ? "thread of its own"
        : o.layout == "agent" ? "agent on the shard thread"
                              : "agent on the shard thread, and so is the exwire initiator's "
                                "(exwire -> exwire only)",
        o.journal.empty() ? "memory" : "journal",
        o.shards == 2 ? "initiator and acceptor on one shard each" : "one for both sessions");
    std::vector<summary> lat;
    std::vector<std::string> pairs;
    for (std::size_t p = 0; p + 1 < o.pairs.size() + 1; p += 3)
        pairs.push_back(o.pairs.substr(p, 2));
    for (const auto& p : pairs) {
        if (p == "ee")
            lat.push_back(run_ee_latency(o));
        else if (p == "eq")
            lat.push_back(run_eq_latency(o));
        else if (p == "qe")
            lat.push_back(run_qe_latency(o));
        else if (p == "qq")
            lat.push_back(run_qq_latency(o));
    }
    std::printf("%-22s %9s %10s %10s %10s %10s\n", "initiator -> acceptor", "reports", "p50 us",
                "p99 us", "p99.9 us", "max us");
    int failed = 0;
    for (const auto& s : lat) {
        std::printf("%-22s %4ld/%-4ld %10.1f %10.1f %10.1f %10.1f\n", s.name.c_str(), s.got, s.n,
                    s.p50, s.p99, s.p999, s.max);
        if (s.got != s.n) ++failed;
    }
    if (o.throughput_count > 0) {
        std::printf(
            "\nOne-way NewOrderSingle throughput on one session, %ld orders sent as fast "
            "as accepted, until the acceptor's application has counted them all\n",
            o.throughput_count);
        std::printf("%-22s %9s %10s %14s\n", "initiator -> acceptor", "received", "seconds",
                    "orders/s");
        for (const auto& p : pairs) {
            const rate_result r = run_throughput(o, p);
            std::printf("%-22s %9ld %10.3f %14.0f\n", r.name.c_str(), r.got, r.seconds,
                        r.seconds > 0 ? static_cast<double>(r.got) / r.seconds : 0.0);
            if (r.got != r.n) ++failed;
        }
    }
    return failed == 0 ? 0 : 1;
}
