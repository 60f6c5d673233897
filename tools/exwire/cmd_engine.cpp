// `exwire run`, `exwire config ...` and `exwire stat`: the engine from the command line.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include <fmt/format.h>

#include <exwire/core/clock.hpp>
#include <exwire/engine/config.hpp>
#include <exwire/engine/counters.hpp>
#include <exwire/engine/dispatcher.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/fix/engine_session.hpp>
#include <exwire/engine/nasdaq/moldudp64_engine.hpp>
#include <exwire/engine/nasdaq/soupbintcp_engine.hpp>

#include "commands.hpp"

namespace exwire_tools {

namespace {

namespace ee = exwire::engine;

std::atomic<bool> stop_requested{false};
extern "C" void on_stop_signal(int) {
    stop_requested.store(true);
}

/// The protocol sessions `exwire run` runs: SoupBinTCP/OUCH, MoldUDP64/ITCH and FIX (a FIX
/// session's [session.fix] table is its whole configuration here).
ee::protocol_registry builtin_protocols() {
    ee::protocol_registry r;
    ee::nasdaq::register_soupbintcp(r);
    ee::nasdaq::register_moldudp64(r);
    ee::fix::register_fix_sessions(r);
    return r;
}

ee::engine_config load_or_throw(const std::string& path) {
    auto c = path == "-" ? ee::parse_config(ee::default_config_toml, "<default>")
                         : ee::load_config(path);
    if (!c) throw exit_error(c.err().message, 2);
    return std::move(*c);
}

void run(const std::string& path, double seconds) {
    ee::engine_config config = load_or_throw(path);
    auto eng = ee::engine::create(std::move(config), builtin_protocols());
    if (!eng) throw exit_error(eng.err().message, 2);
    if (auto s = (*eng)->start(); !s) throw exit_error(s.err().message, 2);

    // The command-line engine has no application: a dispatcher on this thread reports
    // session events and counts messages, so rings never fill up.
    ee::dispatcher d;
    std::uint64_t messages = 0;
    for (ee::session_handle h : (*eng)->sessions()) {
        auto r = d.start_dispatching(
            h, [&messages](ee::session_handle s, const ee::inbound_record& rec) {
                if (rec.is_message()) {
                    ++messages;
                    return;
                }
                fmt::print(stderr, "{}: {}{}{}\n", s.name(), ee::to_string(rec.type),
                           rec.type == ee::record_type::closed
                               ? fmt::format(" ({})", ee::to_string(rec.reason()))
                               : "",
                           rec.body.empty() ? "" : fmt::format(": {}", rec.text()));
            });
        if (!r) throw exit_error(r.err().message);
    }
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    const std::int64_t deadline =
        seconds > 0 ? exwire::monotonic_ns() + static_cast<std::int64_t>(seconds * 1e9) : INT64_MAX;
    while (!stop_requested.load() && exwire::monotonic_ns() < deadline && d.attached() > 0) {
        if (d.poll() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    (*eng)->stop();
    while (d.poll() > 0) {
    }
    fmt::print(stderr, "exwire: stopped; {} messages delivered\n", messages);
}

void check(const std::string& path) {
    ee::engine_config c = load_or_throw(path);
    fmt::print("{}: ok: engine '{}', {} shard{}, {} session{}\n", path, c.name, c.shards.size(),
               c.shards.size() == 1 ? "" : "s", c.sessions.size(),
               c.sessions.size() == 1 ? "" : "s");
    for (const auto& sh : c.shards)
        fmt::print("  shard {:<16} cpus={:<8} idle={} transport={}\n", sh.name,
                   sh.cpus.empty() ? "-" : sh.cpus, sh.idle, ee::to_string(sh.transport));
    for (const auto& s : c.sessions)
        fmt::print("  session {:<14} {}/{} on {}\n", s.name, ee::to_string(s.protocol),
                   ee::to_string(s.role), s.shard);
}

void stat(const std::string& path, bool json) {
    auto snap = ee::counters_table::read(path);
    if (!snap) throw exit_error(snap.err().message);
    if (json) {
        fmt::print("{{\"engine\":\"{}\",\"sessions\":[", snap->engine);
        for (std::size_t i = 0; i < snap->rows.size(); ++i) {
            const auto& r = snap->rows[i];
            fmt::print("{}{{\"session\":\"{}\",\"shard\":\"{}\"", i ? "," : "", r.session, r.shard);
            for (std::size_t c = 0; c < ee::counter_count; ++c)
                fmt::print(",\"{}\":{}", ee::to_string(static_cast<ee::counter>(c)), r.values[c]);
            fmt::print("}}");
        }
        fmt::print("]}}\n");
        return;
    }
    fmt::print("engine {}\n", snap->engine);
    fmt::print("{:<16} {:<12}", "session", "shard");
    for (std::size_t c = 0; c < ee::counter_count; ++c)
        fmt::print(" {:>17}", ee::to_string(static_cast<ee::counter>(c)));
    fmt::print("\n");
    for (const auto& r : snap->rows) {
        fmt::print("{:<16} {:<12}", r.session, r.shard);
        for (std::size_t c = 0; c < ee::counter_count; ++c)
            fmt::print(" {:>17}", r.values[c]);
        fmt::print("\n");
    }
}

}  // namespace

void register_engine(CLI::App& app) {
    struct options {
        std::string config;
        double seconds = 0;
        std::string counters;
        bool json = false;
    };
    static options o;

    CLI::App* run_cmd =
        app.add_subcommand("run", "Run an engine from a TOML configuration until SIGINT/SIGTERM");
    run_cmd
        ->add_option("config", o.config,
                     "configuration file ('-' for the built-in demo configuration)")
        ->required();
    run_cmd->add_option("--seconds", o.seconds,
                        "stop after this many seconds (0: run until a signal)");
    run_cmd->callback([] { run(o.config, o.seconds); });

    CLI::App* config_cmd = app.add_subcommand("config", "Check or print engine configurations");
    config_cmd->require_subcommand(1);
    CLI::App* check_cmd = config_cmd->add_subcommand(
        "check", "Validate a configuration; errors name file:line:column and key");
    check_cmd
        ->add_option("config", o.config,
                     "configuration file ('-' for the built-in demo configuration)")
        ->required();
    check_cmd->callback([] { check(o.config); });
    CLI::App* default_cmd =
        config_cmd->add_subcommand("default", "Print the built-in demo configuration");
    default_cmd->callback([] { fmt::print("{}", ee::default_config_toml); });

    CLI::App* stat_cmd = app.add_subcommand(
        "stat", "Print the per-session counters of a running (or stopped) engine");
    stat_cmd
        ->add_option("counters_file", o.counters,
                     "the engine's counters file (engine.counters_file)")
        ->required();
    stat_cmd->add_flag("--json", o.json, "print JSON");
    stat_cmd->callback([] { stat(o.counters, o.json); });
}

}  // namespace exwire_tools
