// FIX 4.4 initiator, self-contained on loopback.
//
// One engine runs two FIX sessions on two shard threads: "broker", the initiator this
// example is about, and "venue", an acceptor that stands in for the counterparty. The
// sessions log on by themselves (Logon, HeartBtInt from heartbeat.interval). The
// broker's application sends NewOrderSingle bodies; the venue's application, on a
// dispatcher thread, answers each with an ExecutionReport (New); the broker reads the
// reports in pull mode, then logs out (Logout handshake).
// Exit status 0 only when every order was acknowledged and the logout was clean.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/core.h>

#include <exwire/codec/fix/reader.hpp>
#include <exwire/engine/config.hpp>
#include <exwire/engine/dispatcher.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/fix/engine_session.hpp>

#include "loopback.hpp"

namespace ee = exwire::engine;
using exwire::codec::fix::message_view;
using exwire::engine::fix::fix_msg_type_tag;
using namespace std::chrono_literals;

constexpr std::string_view config_toml = R"(
[[shard]]
name = "venue"
idle = "backoff:max=200us"

[[shard]]
name = "orders"
idle = "backoff:max=200us"

[[session]]
name = "venue"
protocol = "fix"
role = "acceptor"
shard = "venue"
listen = "127.0.0.1:{port}"
fix_version = "FIX.4.4"
sender_comp_id = "VENUE"
target_comp_id = "BROKER"
heartbeat = {{ interval = "5s" }}
journal = {{ dir = "" }}

[[session]]
name = "broker"
protocol = "fix"
role = "initiator"
shard = "orders"
connect = "127.0.0.1:{port}"
fix_version = "FIX.4.4"
sender_comp_id = "BROKER"
target_comp_id = "VENUE"
heartbeat = {{ interval = "5s" }}
journal = {{ dir = "" }}
)";

constexpr int order_count = 3;

/// "tag=value<SOH>": the application writes message bodies only; the session adds the
/// header (8, 9, 35, 49, 56, 34, 52) and the trailer (10).
std::string field(int tag, std::string_view value) {
    return fmt::format("{}={}\x01", tag, value);
}

int main() {
    const std::uint16_t port = example::free_port(SOCK_STREAM);
    auto config = ee::parse_config(fmt::format(fmt::runtime(config_toml), fmt::arg("port", port)),
                                   "fix-initiator-example.toml");
    if (!config) {
        fmt::print(stderr, "{}\n", config.err().message);
        return 2;
    }
    ee::protocol_registry protocols;
    exwire::engine::fix::register_fix_sessions(protocols);
    auto made = ee::engine::create(std::move(*config), protocols);
    if (!made) {
        fmt::print(stderr, "{}\n", made.err().message);
        return 2;
    }
    std::unique_ptr<ee::engine> engine = std::move(*made);
    if (auto started = engine->start(); !started) {
        fmt::print(stderr, "{}\n", started.err().message);
        return 2;
    }
    ee::session_handle venue = engine->session("venue");
    ee::session_handle broker = engine->session("broker");

    // The counterparty: acknowledges every NewOrderSingle with an ExecutionReport.
    ee::dispatcher counterparty;
    int next_order_id = 1;
    auto attached = counterparty.start_dispatching(
        venue, [&next_order_id](ee::session_handle s, const ee::inbound_record& r) {
            if (!r.is_message()) return;  // the body of a message record is the whole frame
            const message_view m(r.text());
            if (m.msg_type() != "D") return;
            const std::string report =
                field(37, std::to_string(next_order_id++)) + field(11, m.get(11)) +
                field(17, fmt::format("E{}", r.sequence)) + field(150, "0") + field(39, "0") +
                field(55, m.get(55)) + field(54, m.get(54)) + field(38, m.get(38)) +
                field(151, m.get(38)) + field(14, "0") + field(6, "0");
            (void)s.send(exwire::to_bytes(report), fix_msg_type_tag("8"));
        });
    if (!attached ||
        !counterparty.start_thread({.name = "counterparty"}, exwire::idle_strategy::backoff())) {
        fmt::print(stderr, "cannot start the counterparty's dispatcher\n");
        return 2;
    }

    // Logged on means both Logons went through.
    if (!example::wait_until([&] { return broker.is_active(); }, 5000ms)) {
        fmt::print(stderr, "broker never logged on\n");
        return 1;
    }
    for (int k = 1; k <= order_count; ++k) {
        const std::string order =
            field(11, fmt::format("CL{}", k)) + field(21, "1") + field(55, "MSFT") +
            field(54, "1") + field(60, "20260101-09:30:00.000") +
            field(38, std::to_string(100 * k)) + field(40, "2") + field(44, "330.12");
        if (broker.send(exwire::to_bytes(order), fix_msg_type_tag("D")) != ee::send_status::ok)
            return 1;
    }

    int acknowledged = 0;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (acknowledged < order_count && std::chrono::steady_clock::now() < deadline) {
        ee::received r = broker.receive(100ms);
        if (!r.ok() || !r.record.is_message()) continue;
        const message_view m(r.record.text());
        if (m.msg_type() != "8") continue;
        const bool as_sent = m.get(11) == fmt::format("CL{}", acknowledged + 1) &&
                             m.get(39) == "0" && m.get(55) == "MSFT";
        fmt::print("MsgSeqNum {}: ExecutionReport ClOrdID={} OrderID={} OrdStatus={} ({})\n",
                   r.record.sequence, m.get(11), m.get(37), m.get(39),
                   as_sent ? "as sent" : "MISMATCH");
        if (as_sent) ++acknowledged;
    }

    // Logout handshake: the broker sends Logout, the venue answers, the session stops.
    const bool logged_out = broker.close(5s) && broker.reason() == ee::close_reason::requested;
    counterparty.stop_thread();
    engine->stop();
    fmt::print("{} of {} orders acknowledged; logout {}\n", acknowledged, order_count,
               logged_out ? "clean" : "FAILED");
    return acknowledged == order_count && logged_out ? 0 : 1;
}
