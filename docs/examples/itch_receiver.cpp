// ITCH 5.0 over MoldUDP64 receiver, self-contained on loopback.
//
// One engine runs two sessions on two shard threads: "feed", a MoldUDP64 publisher that
// stands in for the exchange's market data (with a retransmission server), and "feed-rx",
// the receiver this example is about. The publisher's application sends ITCH Add Order
// and Order Delete messages, then ends the session; the receiver's application applies
// every message, in sequence, to an order book (exwire::codec::nasdaq::itch_book) until
// the `closed` record (reason end_of_session) ends its queue.
// Exit status 0 only when every message arrived once, in order, and the book is as sent.

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

#include <fmt/core.h>

#include <exwire/codec/nasdaq/itch50.hpp>
#include <exwire/codec/nasdaq/itch_book.hpp>
#include <exwire/engine/config.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/nasdaq/moldudp64_engine.hpp>

#include "loopback.hpp"

namespace ee = exwire::engine;
namespace itch = exwire::codec::nasdaq::itch50;
using namespace std::chrono_literals;

// Unicast UDP on 127.0.0.1 here; a multicast group ("239.1.1.1:30001") works the same
// way, with `interface` naming the local address to join it on.
constexpr std::string_view config_toml = R"(
[[shard]]
name = "exchange"
idle = "backoff:max=200us"

[[shard]]
name = "market-data"
idle = "backoff:max=200us"

[[session]]
name = "feed"
protocol = "itch"
role = "publisher"
shard = "exchange"
group = "127.0.0.1:{feed}"        # where the packets go
listen = "127.0.0.1:{requests}"   # where retransmission requests arrive
requested_session = "EXAMPLE"     # the MoldUDP64 session name
journal = {{ dir = "" }}

[[session]]
name = "feed-rx"
protocol = "itch"
role = "receiver"
shard = "market-data"
group = "127.0.0.1:{feed}"
request_server = "127.0.0.1:{requests}"
requested_session = "EXAMPLE"
requested_sequence = 1            # expect the session from its first message
journal = {{ dir = "" }}
)";

constexpr std::uint16_t aapl = 1;  // Stock Locate
constexpr std::uint64_t orders = 10;

int main() {
    const std::string text =
        fmt::format(fmt::runtime(config_toml), fmt::arg("feed", example::free_port(SOCK_DGRAM)),
                    fmt::arg("requests", example::free_port(SOCK_DGRAM)));
    auto config = ee::parse_config(text, "itch-example.toml");
    if (!config) {
        fmt::print(stderr, "{}\n", config.err().message);
        return 2;
    }
    ee::protocol_registry protocols;
    exwire::engine::nasdaq::register_moldudp64(protocols);  // moldudp64 and itch over it
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
    ee::session_handle feed = engine->session("feed");
    ee::session_handle receiver = engine->session("feed-rx");
    if (!example::wait_until([&] { return feed.is_active() && receiver.is_active(); }, 5000ms))
        return 1;

    // The exchange side: five bids at 189.90..189.94 and five asks at 190.00..190.04, 100
    // shares each, then the best bid is deleted; then End of Session.
    for (std::uint64_t ref = 1; ref <= orders; ++ref) {
        exwire::mutable_bytes out;
        if (feed.claim(itch::add_order::fixed_size, out) != ee::send_status::ok) return 1;
        const bool buy = ref <= orders / 2;
        auto built = itch::add_order::builder(out)
                         .stock_locate(aapl)
                         .timestamp(34'200'000'000'000 + ref)  // 09:30:00 plus ref ns
                         .order_reference_number(ref)
                         .buy_sell_indicator(buy ? 'B' : 'S')
                         .shares(100)
                         .stock("AAPL")
                         .price(static_cast<std::uint32_t>(buy ? 1'899'000 + (ref - 1) * 100
                                                               : 1'900'000 + (ref - 6) * 100))
                         .finish();
        feed.commit(built.size);  // one MoldUDP64 message block
    }
    std::array<std::byte, itch::order_delete::fixed_size> del{};
    auto deleted = itch::order_delete::builder(del)
                       .stock_locate(aapl)
                       .timestamp(34'200'000'001'000)
                       .order_reference_number(5)  // the bid at 189.94
                       .finish();
    if (feed.send(exwire::bytes(del.data(), deleted.size)) != ee::send_status::ok) return 1;
    feed.initiate_close();  // End of Session once everything above went out

    // The receiver: pull until the queue ends; messages come in sequence, each once.
    exwire::codec::nasdaq::itch_book book;
    std::uint64_t expected = 1;
    bool in_order = true;
    ee::close_reason why{};
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
        const ee::polled p = receiver.poll([&](const ee::inbound_record& r) {
            if (r.type == ee::record_type::gap_detected)
                fmt::print("gap: {} message(s) from {}, recovering\n", r.value, r.sequence);
            if (r.type == ee::record_type::closed) why = r.reason();
            if (!r.is_message()) return;
            in_order = in_order && r.sequence == expected++;
            if (book.apply_message(r.body) != exwire::codec::nasdaq::visit_status::ok)
                in_order = false;
        });
        if (p.status == ee::receive_status::end_of_queue) break;
        if (p.count == 0) std::this_thread::sleep_for(200us);
    }
    engine->stop();

    const auto bids = book.bids(aapl, 1);
    const auto asks = book.asks(aapl, 1);
    const bool book_ok = book.live_orders() == orders - 1 && !bids.empty() && !asks.empty() &&
                         bids[0].price == 1'899'300 && asks[0].price == 1'900'000;
    const auto price = [](std::uint32_t p) {
        return fmt::format("{}.{:04}", p / 10000, p % 10000);
    };
    fmt::print("{} messages, {}; {} live orders; best bid {} x {}, best ask {} x {}; closed: {}\n",
               expected - 1, in_order ? "in order" : "OUT OF ORDER", book.live_orders(),
               bids.empty() ? 0 : bids[0].shares, price(bids.empty() ? 0 : bids[0].price),
               asks.empty() ? 0 : asks[0].shares, price(asks.empty() ? 0 : asks[0].price),
               ee::to_string(why));
    return in_order && expected - 1 == orders + 1 && book_ok &&
                   why == ee::close_reason::end_of_session
               ? 0
               : 1;
}
