// `exwire sim`: the exchange simulator (OUCH 5.0 and FIX 4.4 order entry, ITCH 5.0 over
// MoldUDP64 and SoupBinTCP) until SIGINT/SIGTERM or --seconds. See docs/simulator.md.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include <fmt/format.h>

#include <exwire/core/clock.hpp>
#include <exwire/sim/server.hpp>

#include "commands.hpp"

namespace exwire_tools {

namespace {

std::atomic<bool> sim_stop_requested{false};
extern "C" void on_sim_stop_signal(int) {
    sim_stop_requested.store(true);
}

struct sim_cli {
    std::string config;
    double seconds = 0;
    std::uint16_t ouch_port = 0;
    std::uint32_t ouch_clients = 1;
    std::uint16_t fix_port = 0;
    std::uint16_t itch_port = 0;
    std::string mold = "127.0.0.1:0";
    std::uint16_t retransmit_port = 0;
    double rate = -1;
    std::string host = "127.0.0.1";
    std::string idle = "backoff";
    std::string cpus;
    double status_interval = 5;
    bool no_fix = false;
    std::string counters;
};

std::string summary(const exwire::sim::server::stats& s) {
    std::string text = fmt::format("{} orders, {} trades, {} ITCH messages, {} rejects", s.orders,
                                   s.trades, s.itch_messages, s.rejects);
    if (s.dropped != 0) text += fmt::format(", {} messages dropped", s.dropped);
    return text;
}

void run_sim(const sim_cli& o) {
    exwire::sim::server_options so;
    if (!o.config.empty()) {
        auto c = exwire::sim::load_sim_config(o.config);
        if (!c) throw exit_error(c.err().message, 2);
        so.market = std::move(*c);
    }
    if (o.rate >= 0) so.market.flow.orders_per_second = o.rate;
    so.background_flow = so.market.flow.orders_per_second > 0;
    so.host = o.host;
    so.ouch_port = o.ouch_port;
    so.ouch_clients = o.ouch_clients;
    so.fix_port = o.fix_port;
    so.fix = !o.no_fix;
    so.itch_soup_port = o.itch_port;
    so.mold_destination = o.mold;
    so.mold_retransmit_port = o.retransmit_port;
    so.idle = o.idle;
    so.cpus = o.cpus;
    so.counters_file = o.counters;

    auto srv = exwire::sim::server::create(so);
    if (!srv) throw exit_error(srv.err().message, 2);
    if (auto r = (*srv)->start(); !r) throw exit_error(r.err().message, 2);
    std::signal(SIGINT, on_sim_stop_signal);
    std::signal(SIGTERM, on_sim_stop_signal);

    const exwire::sim::server_ports p = (*srv)->ports();
    fmt::print("exwire sim: {} symbol{}, background flow {} orders/s\n", so.market.symbols.size(),
               so.market.symbols.size() == 1 ? "" : "s",
               so.background_flow ? so.market.flow.orders_per_second : 0.0);
    if (so.ouch_clients == 1)
        fmt::print("  OUCH 5.0 / SoupBinTCP   {}:{}\n", so.host, p.ouch_first);
    else
        fmt::print("  OUCH 5.0 / SoupBinTCP   {}:{}-{} ({} clients, one port each)\n", so.host,
                   p.ouch_first, p.ouch_first + so.ouch_clients - 1, so.ouch_clients);
    if (so.fix)
        fmt::print("  FIX 4.4 acceptor        {}:{} (SenderCompID {}, TargetCompID {})\n", so.host,
                   p.fix, so.fix_sender_comp_id, so.fix_target_comp_id);
    fmt::print("  ITCH 5.0 / SoupBinTCP   {}:{}\n", so.host, p.itch_soup);
    if (p.mold_destination != 0)
        fmt::print("  ITCH 5.0 / MoldUDP64    to {}, retransmission requests on {}:{}\n",
                   so.mold_destination, so.host, p.mold_retransmit);
    else
        fmt::print("  ITCH 5.0 / MoldUDP64    off (--mold HOST:PORT to publish)\n");
    std::fflush(stdout);

    const std::int64_t start = exwire::monotonic_ns();
    const std::int64_t deadline =
        o.seconds > 0 ? start + static_cast<std::int64_t>(o.seconds * 1e9) : INT64_MAX;
    const auto interval = static_cast<std::int64_t>(std::max(0.1, o.status_interval) * 1e9);
    std::int64_t next_status = start + interval;
    while (!sim_stop_requested.load() && exwire::monotonic_ns() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        const std::int64_t now = exwire::monotonic_ns();
        if (now >= next_status) {
            next_status += interval;
            const auto s = (*srv)->statistics();
            fmt::print("exwire sim: {:.1f}s: {}\n", static_cast<double>(now - start) / 1e9,
                       summary(s));
            std::fflush(stdout);
        }
    }
    (*srv)->stop();
    const auto s = (*srv)->statistics();
    fmt::print("exwire sim: stopped: {}\n", summary(s));
}

}  // namespace

void register_sim(CLI::App& app) {
    static sim_cli o;
    CLI::App* cmd = app.add_subcommand(
        "sim",
        "Run the exchange simulator: OUCH 5.0 and FIX 4.4 order entry, ITCH 5.0 over "
        "MoldUDP64 and SoupBinTCP, until SIGINT/SIGTERM");
    cmd->add_option("--config", o.config,
                    "simulator configuration (TOML: symbols, starting books, flow); default: "
                    "the embedded one");
    cmd->add_option("--seconds", o.seconds, "stop after this many seconds (0: until a signal)");
    cmd->add_option("--ouch-port", o.ouch_port, "first OUCH SoupBinTCP port (0: any free port)");
    cmd->add_option("--ouch-clients", o.ouch_clients,
                    "OUCH order-entry clients, one port each from --ouch-port");
    cmd->add_option("--fix-port", o.fix_port, "FIX 4.4 acceptor port (0: any free port)");
    cmd->add_flag("--no-fix", o.no_fix, "do not run the FIX acceptor");
    cmd->add_option("--itch-port", o.itch_port, "SoupBinTCP ITCH feed port (0: any free port)");
    cmd->add_option("--mold", o.mold,
                    "MoldUDP64 destination HOST:PORT (unicast or multicast group); port 0: "
                    "no MoldUDP64");
    cmd->add_option("--retransmit-port", o.retransmit_port,
                    "MoldUDP64 retransmission request port (0: any free port)");
    cmd->add_option("--rate", o.rate,
                    "background flow in orders per second (default: the configuration's; 0: "
                    "off)");
    cmd->add_option("--host", o.host, "IPv4 address the listeners bind");
    cmd->add_option("--idle", o.idle, "idle strategy of the simulator's thread");
    cmd->add_option("--cpus", o.cpus, "pin the simulator's thread to these cpus");
    cmd->add_option("--status-interval", o.status_interval, "seconds between status lines");
    cmd->add_option("--counters", o.counters,
                    "keep the sessions' counters in this file for `exwire stat FILE`");
    cmd->callback([] { run_sim(o); });
}

}  // namespace exwire_tools
