#pragma once
// Synthetic TotalView-ITCH 5.0 day for benchmarks: a message mix like a real session
// (mostly A/D/U/E/X, some F/C/P), 8,000 symbols with skewed activity, prices clustered
// near a per-symbol mid, cancels/executions mostly hitting recent orders, every
// D/U/E/X/C naming a live order. Written in Nasdaq's file layout (2-byte length prefixes)
// with exwire's own builders. Deterministic for a given seed.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <exwire/codec/nasdaq/itch50.hpp>

namespace itch_synth {

struct stream {
    std::vector<std::byte> bytes;
    std::size_t messages = 0;
};

inline stream generate(std::size_t count, std::uint64_t seed = 1) {
    namespace itch = exwire::codec::nasdaq::itch50;
    stream s;
    s.bytes.resize(count * 38 + 64);  // average message is ~30 bytes plus the prefix
    std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    auto rnd = [&x] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    };
    constexpr std::uint16_t symbols = 8000;
    std::vector<std::uint32_t> mid(symbols + 1);
    std::vector<std::string> names(symbols + 1);
    for (std::uint16_t i = 1; i <= symbols; ++i) {
        mid[i] = static_cast<std::uint32_t>(10000 + rnd() % 5000000);  // 1.00 .. 501.00
        char buf[12];
        std::snprintf(buf, sizeof buf, "S%u", unsigned{i});
        names[i] = buf;
    }
    struct live {
        std::uint64_t ref;
        std::uint16_t locate;
        std::uint32_t shares;
    };
    std::vector<live> orders;
    orders.reserve(count / 4);
    std::uint64_t next_ref = 1, match = 1, ts = 34200000000000ull;  // 09:30
    std::size_t pos = 0;
    auto put = [&](auto&& builder_fn) {
        auto r =
            builder_fn(exwire::mutable_bytes(s.bytes.data() + pos + 2, s.bytes.size() - pos - 2));
        exwire::store_be<std::uint16_t>(s.bytes.data() + pos, static_cast<std::uint16_t>(r.size));
        pos += 2 + r.size;
        ++s.messages;
    };
    // skewed activity: symbol k is chosen with probability falling roughly like 1/k (a few
    // hundred names carry most messages, as on a real day)
    auto pick_symbol = [&]() -> std::uint16_t {
        const std::uint64_t a = rnd() % symbols, b = rnd() % symbols;
        return static_cast<std::uint16_t>(1 + a * b / symbols);
    };
    auto pick = [&]() -> std::size_t {
        return orders.size() - 1 - (rnd() % std::min<std::size_t>(orders.size(), 4096));
    };
    auto remove = [&](std::size_t i) {
        orders[i] = orders.back();
        orders.pop_back();
    };
    while (s.messages < count) {
        ts += 1 + rnd() % 600;
        const unsigned roll = static_cast<unsigned>(rnd() % 1000);
        if (orders.size() < 1000 || roll < 400) {  // A 40%, F 1%
            const auto loc = pick_symbol();
            const bool buy = (rnd() & 1) != 0;
            // most orders rest within a few ticks of the mid; a few far away
            const std::uint32_t off =
                static_cast<std::uint32_t>((rnd() % 16) * (rnd() % 16) / 2) * 100;
            const std::uint32_t price = buy ? mid[loc] - off : mid[loc] + off;
            const auto shares = static_cast<std::uint32_t>(100 * (1 + rnd() % 10));
            const std::uint64_t ref = next_ref++;
            orders.push_back({ref, loc, shares});
            if (roll % 40 == 0) {
                put([&](exwire::mutable_bytes o) {
                    return itch::add_order_mpid::builder(o)
                        .stock_locate(loc)
                        .tracking_number(0)
                        .timestamp(ts)
                        .order_reference_number(ref)
                        .buy_sell_indicator(buy ? 'B' : 'S')
                        .shares(shares)
                        .stock(names[loc])
                        .price(price)
                        .attribution("MPID")
                        .finish();
                });
            } else {
                put([&](exwire::mutable_bytes o) {
                    return itch::add_order::builder(o)
                        .stock_locate(loc)
                        .tracking_number(0)
                        .timestamp(ts)
                        .order_reference_number(ref)
                        .buy_sell_indicator(buy ? 'B' : 'S')
                        .shares(shares)
                        .stock(names[loc])
                        .price(price)
                        .finish();
                });
            }
        } else if (roll < 750) {  // D 35%
            const std::size_t i = pick();
            const live o = orders[i];
            remove(i);
            put([&](exwire::mutable_bytes b) {
                return itch::order_delete::builder(b)
                    .stock_locate(o.locate)
                    .timestamp(ts)
                    .order_reference_number(o.ref)
                    .finish();
            });
        } else if (roll < 830) {  // U 8%
            const std::size_t i = pick();
            const live o = orders[i];
            const std::uint64_t ref = next_ref++;
            const auto shares = static_cast<std::uint32_t>(100 * (1 + rnd() % 10));
            orders[i] = {ref, o.locate, shares};
            const std::uint32_t price =
                mid[o.locate] + static_cast<std::uint32_t>(rnd() % 100) * 100;
            put([&](exwire::mutable_bytes b) {
                return itch::order_replace::builder(b)
                    .stock_locate(o.locate)
                    .timestamp(ts)
                    .original_order_reference_number(o.ref)
                    .new_order_reference_number(ref)
                    .shares(shares)
                    .price(price)
                    .finish();
            });
        } else if (roll < 920) {  // E 8%, C 1%
            const std::size_t i = pick();
            live& o = orders[i];
            const std::uint32_t n = std::min<std::uint32_t>(o.shares, 100);
            const live copy = o;
            o.shares -= n;
            if (o.shares == 0) remove(i);
            if (roll < 910) {
                put([&](exwire::mutable_bytes b) {
                    return itch::order_executed::builder(b)
                        .stock_locate(copy.locate)
                        .timestamp(ts)
                        .order_reference_number(copy.ref)
                        .executed_shares(n)
                        .match_number(match++)
                        .finish();
                });
            } else {
                put([&](exwire::mutable_bytes b) {
                    return itch::order_executed_with_price::builder(b)
                        .stock_locate(copy.locate)
                        .timestamp(ts)
                        .order_reference_number(copy.ref)
                        .executed_shares(n)
                        .match_number(match++)
                        .printable('Y')
                        .execution_price(mid[copy.locate])
                        .finish();
                });
            }
        } else if (roll < 980) {  // X 6%
            const std::size_t i = pick();
            live& o = orders[i];
            if (o.shares <= 100) continue;
            o.shares -= 100;
            const live copy = o;
            put([&](exwire::mutable_bytes b) {
                return itch::order_cancel::builder(b)
                    .stock_locate(copy.locate)
                    .timestamp(ts)
                    .order_reference_number(copy.ref)
                    .cancelled_shares(100)
                    .finish();
            });
        } else {  // P 2%
            const auto loc = pick_symbol();
            put([&](exwire::mutable_bytes b) {
                return itch::trade::builder(b)
                    .stock_locate(loc)
                    .timestamp(ts)
                    .order_reference_number(0)
                    .buy_sell_indicator('B')
                    .shares(100)
                    .stock(names[loc])
                    .price(mid[loc])
                    .match_number(match++)
                    .finish();
            });
        }
    }
    s.bytes.resize(pos);
    return s;
}

}  // namespace itch_synth
