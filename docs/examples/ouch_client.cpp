// OUCH 5.0 client over SoupBinTCP, self-contained on loopback.
//
// One engine runs two sessions on two shard threads: "exchange", a SoupBinTCP server that
// stands in for the venue, and "trader", the OUCH client this example is about. The
// trader sends Enter Orders (zero-copy: claim ring space, build in place, commit); the
// exchange, served by a dispatcher thread, answers each with an Order Accepted; the trader
// reads them back in pull mode, checks them and logs out.
// Exit status 0 only when every order was accepted as sent.

#include <chrono>
#include <cstdint>
#include <string_view>

#include <fmt/core.h>

#include <exwire/codec/nasdaq/ouch50.hpp>
#include <exwire/engine/config.hpp>
#include <exwire/engine/dispatcher.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/nasdaq/soupbintcp_engine.hpp>

#include "loopback.hpp"

namespace ee = exwire::engine;
namespace ouch = exwire::codec::nasdaq::ouch50;
using namespace std::chrono_literals;

// The same TOML an `exwire.toml` file would hold; {port} is filled in below.
constexpr std::string_view config_toml = R"(
[engine]
name = "ouch-example"
counters_file = "ouch-example.counters"   # read it with: exwire stat ouch-example.counters

[[shard]]
name = "venue"
idle = "backoff:max=200us"

[[shard]]
name = "orders"
idle = "backoff:max=200us"

[[session]]
name = "exchange"
protocol = "ouch"
role = "server"
shard = "venue"
listen = "127.0.0.1:{port}"
username = "trader"
password = "secret"
journal = {{ dir = "" }}

[[session]]
name = "trader"
protocol = "ouch"
role = "client"
shard = "orders"
connect = "127.0.0.1:{port}"
username = "trader"
password = "secret"
journal = {{ dir = "" }}
)";

constexpr std::uint32_t order_count = 3;
constexpr std::uint64_t limit_price = 1'899'900;  // $189.99: 4 implied decimals

// OUCH timestamps: nanoseconds since midnight (UTC here).
std::uint64_t nanoseconds_since_midnight() {
    const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch % 24h).count());
}

int main() {
    const std::uint16_t port = example::free_port(SOCK_STREAM);
    auto config = ee::parse_config(fmt::format(fmt::runtime(config_toml), fmt::arg("port", port)),
                                   "ouch-example.toml");
    if (!config) {
        fmt::print(stderr, "{}\n", config.err().message);
        return 2;
    }
    ee::protocol_registry protocols;
    exwire::engine::nasdaq::register_soupbintcp(protocols);  // soupbintcp and ouch sessions
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
    ee::session_handle exchange = engine->session("exchange");
    ee::session_handle trader = engine->session("trader");

    // The venue: push mode, on a dispatcher thread. Every Enter Order gets an Order
    // Accepted with the same UserRefNum, side, quantity, symbol and price.
    ee::dispatcher venue;
    auto attached =
        venue.start_dispatching(exchange, [](ee::session_handle s, const ee::inbound_record& r) {
            if (!r.is_message()) return;  // connected, logged_in, disconnected... events
            (void)ouch::visit_incoming(r.body, [&](ouch::enter_order::view o) {
                exwire::mutable_bytes out;
                if (s.claim(ouch::order_accepted::fixed_size, out) != ee::send_status::ok)
                    return;  // ring full: the trader will miss this answer and fail
                auto built = ouch::order_accepted::builder(out)
                                 .timestamp(nanoseconds_since_midnight())
                                 .user_ref_num(o.user_ref_num())
                                 .side(o.side())
                                 .quantity(o.quantity())
                                 .symbol(o.symbol())
                                 .price(o.price())
                                 .time_in_force(o.time_in_force())
                                 .display(o.display())
                                 .order_reference_number(1000 + o.user_ref_num())
                                 .capacity(o.capacity())
                                 .inter_market_sweep_eligibility('N')
                                 .cross_type('N')
                                 .order_state('L')
                                 .cl_ord_id(o.cl_ord_id())
                                 .finish();
                s.commit(built.size);
            });
        });
    if (!attached || !venue.start_thread({.name = "venue"}, exwire::idle_strategy::backoff())) {
        fmt::print(stderr, "cannot start the venue's dispatcher\n");
        return 2;
    }

    // The trader: wait for the login, then send the orders.
    if (!example::wait_until([&] { return trader.is_active(); }, 5000ms)) {
        fmt::print(stderr, "trader never logged in\n");
        return 1;
    }
    for (std::uint32_t ref = 1; ref <= order_count; ++ref) {
        exwire::mutable_bytes out;
        if (trader.claim(ouch::enter_order::fixed_size, out) != ee::send_status::ok) return 1;
        auto built = ouch::enter_order::builder(out)
                         .user_ref_num(ref)
                         .side('B')
                         .quantity(100 * ref)
                         .symbol("AAPL")
                         .price(limit_price)
                         .time_in_force('0')  // day
                         .display('Y')
                         .capacity('A')
                         .inter_market_sweep_eligibility('N')
                         .cross_type('N')
                         .cl_ord_id(fmt::format("ORDER{}", ref))
                         .finish();
        trader.commit(built.size);  // the shard frames it as SoupBinTCP Unsequenced Data
    }

    // Pull the answers: Sequenced Data messages, numbered from 1 by the server.
    std::uint32_t accepted = 0;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (accepted < order_count && std::chrono::steady_clock::now() < deadline) {
        ee::received r = trader.receive(100ms);
        if (!r.ok() || !r.record.is_message()) continue;
        const auto status = ouch::visit_outgoing(r.record.body, [&](ouch::order_accepted::view a) {
            const std::uint32_t ref = a.user_ref_num();
            const bool as_sent = r.record.sequence == ref && a.symbol() == "AAPL" &&
                                 a.price() == limit_price && a.quantity() == 100 * ref &&
                                 a.cl_ord_id() == fmt::format("ORDER{}", ref);
            fmt::print("accepted #{}: {} {} {} @ {}.{:04} ({})\n", r.record.sequence, a.side(),
                       a.quantity(), a.symbol(), a.price() / 10000, a.price() % 10000,
                       as_sent ? "as sent" : "MISMATCH");
            if (as_sent) ++accepted;
        });
        if (status != exwire::codec::nasdaq::visit_status::ok) fmt::print("unexpected message\n");
    }

    // Log out (SoupBinTCP Logout Request) and wait for the session to stop.
    const bool logged_out = trader.close(5s) && trader.reason() == ee::close_reason::requested;
    venue.stop_thread();
    engine->stop();
    fmt::print("{} of {} orders accepted; logout {}\n", accepted, order_count,
               logged_out ? "clean" : "FAILED");
    return accepted == order_count && logged_out ? 0 : 1;
}
