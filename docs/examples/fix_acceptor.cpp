// FIX 4.4 acceptor, self-contained on loopback.
//
// One engine runs two FIX sessions on two shard threads: "gateway", the acceptor this
// example is about (an order gateway that knows two symbols), and "client", an initiator
// that stands in for a customer. The client sends three NewOrderSingle messages, one of
// them for a symbol the gateway does not list. The gateway's application pulls the orders
// on the main thread and answers each with an ExecutionReport: New, or Rejected with a
// Text. The client's reports arrive on a dispatcher thread. Then the gateway logs the
// client out.
// Exit status 0 only when two orders were accepted, one was rejected, and the client saw
// all three reports and the Logout.

#include <array>
#include <atomic>
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
name = "gateway"
idle = "backoff:max=200us"

[[shard]]
name = "customer"
idle = "backoff:max=200us"

[[session]]
name = "gateway"
protocol = "fix"
role = "acceptor"
shard = "gateway"
listen = "127.0.0.1:{port}"
fix_version = "FIX.4.4"
sender_comp_id = "GATEWAY"
target_comp_id = "CLIENT"
journal = {{ dir = "" }}

[[session]]
name = "client"
protocol = "fix"
role = "initiator"
shard = "customer"
connect = "127.0.0.1:{port}"
fix_version = "FIX.4.4"
sender_comp_id = "CLIENT"
target_comp_id = "GATEWAY"
journal = {{ dir = "" }}
)";

constexpr std::array<std::string_view, 2> listed = {"AAPL", "MSFT"};

std::string field(int tag, std::string_view value) {
    return fmt::format("{}={}\x01", tag, value);
}

/// The gateway's answer to one NewOrderSingle: ExecutionReport New, or Rejected.
std::string execution_report(const message_view& order, int order_id, bool accept) {
    std::string r = field(37, accept ? std::to_string(order_id) : "NONE") +
                    field(11, order.get(11)) + field(17, fmt::format("X{}", order_id)) +
                    field(150, accept ? "0" : "8") + field(39, accept ? "0" : "8") +
                    field(55, order.get(55)) + field(54, order.get(54)) + field(38, order.get(38)) +
                    field(151, accept ? order.get(38) : "0") + field(14, "0") + field(6, "0");
    if (!accept) r += field(58, "unknown symbol");
    return r;
}

int main() {
    const std::uint16_t port = example::free_port(SOCK_STREAM);
    auto config = ee::parse_config(fmt::format(fmt::runtime(config_toml), fmt::arg("port", port)),
                                   "fix-acceptor-example.toml");
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
    ee::session_handle gateway = engine->session("gateway");
    ee::session_handle client = engine->session("client");

    // The customer: counts the reports it receives, on a dispatcher thread.
    std::atomic<int> news{0}, rejects{0};
    std::atomic<bool> client_closed_by_peer{false};
    ee::dispatcher customer;
    auto attached =
        customer.start_dispatching(client, [&](ee::session_handle, const ee::inbound_record& r) {
            if (r.type == ee::record_type::closed)
                client_closed_by_peer = r.reason() == ee::close_reason::peer_logout;
            if (!r.is_message()) return;
            const message_view m(r.text());
            if (m.msg_type() != "8") return;
            if (m.get(39) == "0") ++news;
            if (m.get(39) == "8" && m.get(58) == "unknown symbol") ++rejects;
        });
    if (!attached ||
        !customer.start_thread({.name = "customer"}, exwire::idle_strategy::backoff())) {
        fmt::print(stderr, "cannot start the customer's dispatcher\n");
        return 2;
    }
    if (!example::wait_until([&] { return client.is_active() && gateway.is_active(); }, 5000ms)) {
        fmt::print(stderr, "no logon\n");
        return 1;
    }
    for (std::string_view symbol : {"AAPL", "ZZZZ", "MSFT"}) {
        const std::string order =
            field(11, fmt::format("ORD-{}", symbol)) + field(21, "1") + field(55, symbol) +
            field(54, "2") + field(60, "20260101-09:30:00.000") + field(38, "500") + field(40, "1");
        if (client.send(exwire::to_bytes(order), fix_msg_type_tag("D")) != ee::send_status::ok)
            return 1;
    }

    // The gateway: pull mode on this thread.
    int handled = 0;
    int order_id = 0;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (handled < 3 && std::chrono::steady_clock::now() < deadline) {
        ee::received r = gateway.receive(100ms);
        if (!r.ok()) continue;
        if (r.record.is_event()) {
            fmt::print("gateway: {}\n", ee::to_string(r.record.type));  // connected, logged_in
            continue;
        }
        const message_view m(r.record.text());
        if (m.msg_type() != "D") continue;
        bool accept = false;
        for (std::string_view s : listed)
            accept = accept || m.get(55) == s;
        fmt::print("gateway: NewOrderSingle {} {} x {}: {}\n", m.get(11), m.get(55), m.get(38),
                   accept ? "accepted" : "rejected");
        const std::string report = execution_report(m, ++order_id, accept);
        if (gateway.send(exwire::to_bytes(report), fix_msg_type_tag("8")) != ee::send_status::ok)
            return 1;
        ++handled;
    }

    // Every report reached the client, then the gateway logs it out.
    const bool reported = example::wait_until([&] { return news + rejects == 3; }, 5000ms);
    gateway.initiate_close();
    const bool logged_out =
        example::wait_until([&] { return client_closed_by_peer.load(); }, 5000ms);
    customer.stop_thread();
    engine->stop();
    fmt::print("client saw {} New, {} Rejected; logout {}\n", news.load(), rejects.load(),
               logged_out ? "clean" : "FAILED");
    return reported && news == 2 && rejects == 1 && logged_out ? 0 : 1;
}
