// A first exwire program: a SoupBinTCP server and a client in one engine, on loopback.
//
// The configuration is built in code here (the other examples use TOML text; both go
// through the same checks). The client sends "hello" (an Unsequenced Data packet); the
// server's application answers "world" (Sequenced Data, sequence number 1).
// Exit status 0 only when the client received "world" as message 1.

#include <chrono>
#include <string_view>

#include <fmt/core.h>

#include <exwire/engine/config.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/nasdaq/soupbintcp_engine.hpp>

#include "loopback.hpp"

namespace ee = exwire::engine;
using namespace std::chrono_literals;

int main() {
    const std::uint16_t port = example::free_port(SOCK_STREAM);

    ee::engine_config config;  // no [[shard]]: one shard "main" with every default
    ee::session_config server;
    server.name = "server";
    server.protocol = ee::protocol_kind::soupbintcp;
    server.role = ee::session_role::server;
    server.listen = {"127.0.0.1", port};
    server.username = "me";
    server.password = "pw";
    server.journal.dir = "";  // keep messages in memory only
    ee::session_config client = server;
    client.name = "client";
    client.role = ee::session_role::client;
    client.listen = {};
    client.connect = {"127.0.0.1", port};
    config.sessions = {server, client};

    ee::protocol_registry protocols;
    ee::nasdaq::register_soupbintcp(protocols);
    auto made = ee::engine::create(std::move(config), protocols);  // validates, builds
    if (!made) {
        fmt::print(stderr, "{}\n", made.err().message);
        return 2;
    }
    std::unique_ptr<ee::engine> engine = std::move(*made);
    if (auto started = engine->start(); !started) {  // the shard thread runs from here
        fmt::print(stderr, "{}\n", started.err().message);
        return 2;
    }
    ee::session_handle s = engine->session("server");
    ee::session_handle c = engine->session("client");
    if (!example::wait_until([&] { return c.is_active(); }, 5000ms)) return 1;  // logged in

    if (c.send(exwire::to_bytes("hello")) != ee::send_status::ok) return 1;

    bool answered = false;
    bool done = false;
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done && std::chrono::steady_clock::now() < deadline) {
        ee::received r = s.receive(10ms);  // the server's application
        if (r.ok() && r.record.is_message() && r.record.text() == "hello" && !answered)
            answered = s.send(exwire::to_bytes("world")) == ee::send_status::ok;
        r = c.receive(10ms);  // the client's application
        if (r.ok() && r.record.is_message()) {
            fmt::print("client received '{}' as message {}\n", r.record.text(), r.record.sequence);
            done = r.record.text() == "world" && r.record.sequence == 1;
        } else if (r.ok()) {
            fmt::print("client event: {}\n", ee::to_string(r.record.type));
        }
    }
    engine->stop();
    return done ? 0 : 1;
}
