// exwire::sim::server: builds the engine configuration (sessions on one shard), picks
// ports, registers the agent and controls start and stop.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <exwire/core/clock.hpp>
#include <exwire/core/idle_strategy.hpp>
#include <exwire/engine/fix/engine_session.hpp>
#include <exwire/engine/nasdaq/moldudp64_engine.hpp>
#include <exwire/engine/nasdaq/soupbintcp_engine.hpp>

#include "server_internal.hpp"

namespace exwire::sim {

namespace {

namespace ee = exwire::engine;

/// Binds a socket of `type` to host:port (0: any) and returns the bound port, or 0.
std::uint16_t try_bind(const std::string& host, std::uint16_t port, int type) {
    const int fd = ::socket(AF_INET, type, 0);
    if (fd < 0) return 0;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    if (::inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) {
        ::close(fd);
        return 0;
    }
    std::uint16_t bound = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        socklen_t len = sizeof a;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
            bound = ntohs(a.sin_port);
    }
    ::close(fd);
    return bound;
}

/// `count` consecutive TCP ports from `first`, or (first == 0) ones the kernel reports free.
result<std::uint16_t> choose_tcp_ports(const std::string& host, std::uint16_t first,
                                       std::uint32_t count, const char* what) {
    if (first != 0) {
        if (std::uint32_t{first} + count - 1 > 65535)
            return fail(std::string(what) + ": ports beyond 65535");
        return first;
    }
    for (int attempt = 0; attempt < 50; ++attempt) {
        const std::uint16_t p = try_bind(host, 0, SOCK_STREAM);
        if (p == 0) return fail(std::string(what) + ": cannot bind a TCP socket on " + host);
        if (std::uint32_t{p} + count - 1 > 65535) continue;
        bool all = true;
        for (std::uint32_t i = 1; i < count && all; ++i)
            all = try_bind(host, static_cast<std::uint16_t>(p + i), SOCK_STREAM) != 0;
        if (all) return p;
    }
    return fail(std::string(what) + ": found no " + std::to_string(count) +
                " consecutive free TCP ports");
}

ee::session_config base_session(const std::string& name, ee::protocol_kind protocol,
                                ee::session_role role) {
    ee::session_config s;
    s.name = name;
    s.protocol = protocol;
    s.role = role;
    s.shard = "sim";
    s.journal.dir = "";  // memory stores: a simulator day starts from nothing
    return s;
}

/// Protocol `itch` by role: over SoupBinTCP (server/client) or MoldUDP64.
result<std::unique_ptr<ee::session>> make_itch_session(const ee::session_config& s,
                                                       const ee::shard_config& shard) {
    if (s.role == ee::session_role::server || s.role == ee::session_role::client)
        return ee::nasdaq::make_soupbintcp_session(s, shard);
    return ee::nasdaq::make_moldudp64_session(s, shard);
}

}  // namespace

struct server::impl {
    server_options options;
    server_ports ports{};
    std::vector<std::uint16_t> ouch_ports;
    detail::shared_stats stats;
    std::unique_ptr<detail::sim_agent> agent;
    std::unique_ptr<ee::engine> eng;
    bool started = false;
    bool stopped = false;
};

server::server(std::unique_ptr<impl> p) noexcept : p_(std::move(p)) {}
server::~server() {
    stop();
}

result<std::unique_ptr<server>> server::create(server_options o) {
    if (auto v = validate(o.market); !v) return fail("market: " + v.err().message);
    if (o.ouch_clients == 0 || o.ouch_clients > 64)
        return fail("ouch_clients: " + std::to_string(o.ouch_clients) + " is not in 1..64");
    if (o.fix_sender_comp_id.empty() || o.fix_target_comp_id.empty())
        return fail("FIX CompIDs must not be empty");
    {
        sockaddr_in a{};
        if (::inet_pton(AF_INET, o.host.c_str(), &a.sin_addr) != 1)
            return fail("host: '" + o.host + "' is not an IPv4 address");
    }
    if (auto idle = idle_strategy::parse(o.idle); !idle) return fail("idle: " + idle.err().message);
    auto mold_dest = ee::parse_endpoint(o.mold_destination);
    if (!mold_dest) return fail("mold destination: " + mold_dest.err().message);
    const bool mold = mold_dest->port != 0;

    auto p = std::make_unique<impl>();
    p->options = o;

    // Ports. Port 0 becomes one the kernel reports free now; the sessions bind at start().
    auto ouch_first = choose_tcp_ports(o.host, o.ouch_port, o.ouch_clients, "OUCH ports");
    if (!ouch_first) return fail(ouch_first.err().message);
    p->ports.ouch_first = *ouch_first;
    for (std::uint32_t i = 0; i < o.ouch_clients; ++i)
        p->ouch_ports.push_back(static_cast<std::uint16_t>(*ouch_first + i));
    auto itch_port = choose_tcp_ports(o.host, o.itch_soup_port, 1, "ITCH SoupBinTCP port");
    if (!itch_port) return fail(itch_port.err().message);
    p->ports.itch_soup = *itch_port;
    if (o.fix) {
        auto fix_port = choose_tcp_ports(o.host, o.fix_port, 1, "FIX port");
        if (!fix_port) return fail(fix_port.err().message);
        p->ports.fix = *fix_port;
    }
    if (mold) {
        std::uint16_t rp = o.mold_retransmit_port;
        if (rp == 0) rp = try_bind(o.host, 0, SOCK_DGRAM);
        if (rp == 0) return fail("MoldUDP64 retransmission port: cannot bind a UDP socket");
        p->ports.mold_retransmit = rp;
        p->ports.mold_destination = mold_dest->port;
    }

    // The engine: one shard, every session on it.
    ee::engine_config c;
    c.name = "exwire-sim";
    c.counters_file = o.counters_file;
    ee::shard_config sh;
    sh.name = "sim";
    sh.idle = o.idle;
    sh.cpus = o.cpus;
    c.shards.push_back(sh);
    for (std::uint32_t i = 0; i < o.ouch_clients; ++i) {
        auto s = base_session("ouch-" + std::to_string(i), ee::protocol_kind::ouch,
                              ee::session_role::server);
        s.listen = {o.host, p->ouch_ports[i]};
        // The SoupBinTCP server drops client messages its inbound ring cannot take (no TCP
        // back-pressure there): room for bursts of some 50,000 Enter Orders.
        s.inbound_ring_size = o.order_ring_size;
        s.outbound_ring_size = o.order_ring_size;
        c.sessions.push_back(s);
    }
    {
        auto s = base_session("itch-soup", ee::protocol_kind::itch, ee::session_role::server);
        s.listen = {o.host, p->ports.itch_soup};
        s.outbound_ring_size = o.feed_ring_size;
        c.sessions.push_back(s);
    }
    if (mold) {
        auto s = base_session("itch-mold", ee::protocol_kind::itch, ee::session_role::publisher);
        s.group = *mold_dest;
        s.listen = {o.host, p->ports.mold_retransmit};
        if (ee::nasdaq::is_multicast_ipv4(mold_dest->host)) s.interface = o.host;
        s.outbound_ring_size = o.feed_ring_size;
        // After End of Session the publisher answers requests for interval x misses.
        s.heartbeat.tolerated_misses = 2;
        c.sessions.push_back(s);
    }
    if (o.fix) {
        auto s = base_session("fix", ee::protocol_kind::fix, ee::session_role::acceptor);
        s.listen = {o.host, p->ports.fix};
        s.sender_comp_id = o.fix_sender_comp_id;
        s.target_comp_id = o.fix_target_comp_id;
        s.fix_version = o.fix_version;
        s.inbound_ring_size = o.order_ring_size;
        s.outbound_ring_size = o.order_ring_size;
        c.sessions.push_back(s);
    }

    ee::protocol_registry protocols;
    ee::nasdaq::register_soupbintcp(protocols);
    ee::nasdaq::register_moldudp64(protocols);
    protocols.add(ee::protocol_kind::itch, make_itch_session);
    ee::fix::register_fix_sessions(protocols);

    p->agent = std::make_unique<detail::sim_agent>(p->options, p->stats);
    if (auto r = p->agent->init(); !r) return fail("market: " + r.err().message);
    auto eng = ee::engine::create(std::move(c), protocols);
    if (!eng) return fail(eng.err().message);
    p->eng = std::move(eng).value();
    p->agent->bind(*p->eng);
    ee::shard* shard = p->eng->find_shard("sim");
    if (shard == nullptr) return fail("internal: shard 'sim' missing");
    shard->add_agent(*p->agent);
    return std::unique_ptr<server>(new server(std::move(p)));
}

result<void> server::start() {
    if (p_->started) return fail("the simulator was already started");
    p_->started = true;
    if (auto r = p_->eng->start(); !r) {
        p_->stopped = true;
        return r;
    }
    return {};
}

void server::stop() {
    if (!p_ || !p_->started || p_->stopped) return;
    p_->stopped = true;
    using clock = std::chrono::steady_clock;
    // 1. End of Messages on the feeds, from the agent's own thread.
    p_->agent->request_end();
    const auto until = clock::now() + std::chrono::seconds(1);
    while (!p_->agent->ended() && clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    // 2. End of Session / Logout on every session, then wait for them (bounded).
    ee::shard* shard = p_->eng->find_shard("sim");
    for (ee::session_handle h : p_->eng->sessions())
        h.initiate_close();
    const std::uint64_t pass = shard != nullptr ? shard->passes() : 0;
    const auto deadline = clock::now() + std::chrono::seconds(2);
    while (clock::now() < deadline) {
        bool done = shard == nullptr || shard->passes() >= pass + 3;
        for (ee::session_handle h : p_->eng->sessions())
            if (h.name() != "itch-mold" && !h.is_closed()) done = false;
        if (done) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    p_->eng->stop();
}

server_ports server::ports() const {
    return p_->ports;
}

std::vector<std::uint16_t> server::ouch_ports() const {
    return p_->ouch_ports;
}

bool server::inject(const new_order& o, std::int64_t intended_ns) {
    return p_->agent->inject(o, intended_ns);
}

server::stats server::statistics() const {
    return {p_->stats.orders.load(std::memory_order_relaxed),
            p_->stats.trades.load(std::memory_order_relaxed),
            p_->stats.itch_messages.load(std::memory_order_relaxed),
            p_->stats.rejects.load(std::memory_order_relaxed),
            p_->stats.dropped.load(std::memory_order_relaxed)};
}

}  // namespace exwire::sim
