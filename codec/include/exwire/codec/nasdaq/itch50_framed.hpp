#pragma once
// ITCH 5.0 over a run of length-prefixed frames (2-byte big-endian length, then the message:
// Nasdaq's ITCH files and MoldUDP64 message blocks), visited two ways:
//
// - visit_framed(): every message in stream order, one itch50::visit() each.
// - visit_framed_grouped(): the same messages and the same checks, but inside each batch of
//   up to `Batch` (default grouped_batch, 256) consecutive messages the visitor sees them
//   grouped by type: first every message of the batch of the first type of
//   itch50::messages[] (SystemEvent), then the second (StockDirectory), ... up to Dlcr;
//   messages of one type keep their stream order. Batches follow each other in stream
//   order. Use it when the visitor does not need stream order across types (counts,
//   per-symbol statistics, per-type columns): a shuffled mix of types makes the per-message
//   type switch of visit() mispredict, and here each type's messages are read in a loop of
//   their own.
//
// Both stop at the same frame with the same status: a frame cut short by the end of the span
// (`truncated`; `consumed` is where to resume with more bytes), or the first message visit()
// rejects (its status: truncated, oversized, unknown_type; visit() calls on_unknown()). Every
// message before that frame is visited, and nothing after it. Neither reads outside the span.
// Views are valid while the caller's bytes live. Plain functions over the caller's bytes and
// visitor (any thread, no shared state, no allocation); they throw only what the visitor
// throws.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <type_traits>
#include <utility>

#include <exwire/codec/nasdaq/itch50.hpp>
#include <exwire/core/bytes.hpp>

namespace exwire::codec::nasdaq::itch50 {

/// What visit_framed() / visit_framed_grouped() got through.
struct framed_result {
    std::size_t consumed = 0;                ///< bytes of whole frames visited
    std::size_t messages = 0;                ///< messages checked and visited (if the visitor
                                             ///< takes their type)
    visit_status status = visit_status::ok;  ///< ok, or why the frame at `consumed` stopped it
};

namespace detail {
/// Visits the frame at `pos` (its prefix and body known to be inside the input); on success
/// moves `pos` past it.
template <typename Visitor>
[[nodiscard]] visit_status visit_frame(const std::byte* p, std::size_t& pos, Visitor& visitor) {
    const std::size_t len = load_be<std::uint16_t>(p + pos);
    const visit_status s = visit(exwire::bytes(p + pos + 2, len), visitor);
    if (s == visit_status::ok) pos += 2 + len;
    return s;
}
}  // namespace detail

/// Visits every message of a run of length-prefixed frames in stream order (see the top of
/// this header for where it stops).
template <typename Visitor>
[[nodiscard]] framed_result visit_framed(exwire::bytes framed, Visitor&& visitor) {
    const std::byte* const p = framed.data();
    const std::size_t n = framed.size();
    framed_result r;
    std::size_t pos = 0;
    while (pos < n) {
        if (n - pos < 2) {
            r.status = visit_status::truncated;
            break;
        }
        const std::size_t len = load_be<std::uint16_t>(p + pos);
        if (n - pos - 2 < len) {
            r.status = visit_status::truncated;
            break;
        }
        if (const visit_status s = detail::visit_frame(p, pos, visitor); s != visit_status::ok) {
            r.status = s;
            break;
        }
        ++r.messages;
    }
    r.consumed = pos;
    return r;
}

/// Messages per batch of visit_framed_grouped().
inline constexpr std::size_t grouped_batch = 256;

namespace detail {

template <typename... T>
struct message_list {
    static constexpr std::size_t size = sizeof...(T);
};

// Every ITCH 5.0 message, in the order of messages[] (checked below).
using all_messages =
    message_list<system_event, stock_directory, stock_trading_action, reg_sho_restriction,
                 market_participant_position, mwcb_decline_level, mwcb_status,
                 ipo_quoting_period_update, luld_auction_collar, operational_halt, add_order,
                 add_order_mpid, order_executed, order_executed_with_price, order_cancel,
                 order_delete, order_replace, trade, cross_trade, broken_trade, noii, rpii, dlcr>;

template <typename... T>
constexpr bool matches_messages(message_list<T...>) {
    static_assert(sizeof...(T) == std::size(messages));
    std::size_t i = 0;
    bool ok = true;
    ((ok = ok && T::type == messages[i].type && T::min_size == messages[i].min_size &&
           T::is_fixed && T::min_size >= 1 && T::min_size <= 0xffff,
      ++i),
     ...);
    return ok;
}
static_assert(matches_messages(all_messages{}),
              "all_messages must list every ITCH 5.0 message, fixed-size, in messages[] order");

// For each type byte: the exact length of its message, or a value no 16-bit prefix equals
// (unknown types); and the message's index in messages[].
struct grouped_tables {
    std::uint32_t length[256];
    std::uint8_t slot[256];
};

constexpr grouped_tables make_grouped_tables() {
    grouped_tables t{};
    for (std::size_t b = 0; b < 256; ++b) {
        t.length[b] = 0x10000;
        t.slot[b] = 0;
    }
    for (std::size_t i = 0; i < std::size(messages); ++i) {
        t.length[messages[i].type] = static_cast<std::uint32_t>(messages[i].min_size);
        t.slot[messages[i].type] = static_cast<std::uint8_t>(i);
    }
    return t;
}
inline constexpr grouped_tables tables = make_grouped_tables();

// Offsets (from the batch start, at the type byte) of one batch's messages, per type.
template <std::size_t Batch>
struct grouped_buckets {
    std::uint32_t count[all_messages::size];
    std::uint32_t at[all_messages::size][Batch];
};

template <typename T, std::size_t I, typename Buckets, typename Visitor>
[[gnu::always_inline]] inline void visit_bucket(const std::byte* base, const Buckets& b,
                                                Visitor& visitor) {
    if constexpr (std::is_invocable_v<Visitor&, typename T::view>) {
        const std::uint32_t c = b.count[I];
        for (std::uint32_t k = 0; k < c; ++k)
            visitor(typename T::view(exwire::bytes(base + b.at[I][k], T::min_size)));
    }
}

template <typename Buckets, typename Visitor, typename... T, std::size_t... I>
[[gnu::always_inline]] inline void visit_buckets(const std::byte* base, const Buckets& b,
                                                 Visitor& visitor, message_list<T...>,
                                                 std::index_sequence<I...>) {
    (visit_bucket<T, I>(base, b, visitor), ...);
}

}  // namespace detail

/// Visits every message of a run of length-prefixed frames, grouped by type inside each
/// batch of up to Batch messages (see the top of this header for the order and where it
/// stops). Types the visitor does not accept are framed and checked, not visited. The
/// buckets take 92 * Batch bytes of stack.
template <std::size_t Batch = grouped_batch, typename Visitor>
[[nodiscard]] framed_result visit_framed_grouped(exwire::bytes framed, Visitor&& visitor) {
    static_assert(Batch >= 1 && Batch <= 0xffff, "offsets in a batch must fit 32 bits");
    const std::byte* const p = framed.data();
    const std::size_t n = framed.size();
    detail::grouped_buckets<Batch> b;
    framed_result r;
    std::size_t pos = 0;
    for (;;) {
        // Frame up to one batch: bucket each message's offset by its type (a table lookup,
        // no branch on the type). A frame that is cut short or is not exactly its known
        // type's length ends the batch and is handed to visit() after it, for its status.
        for (auto& c : b.count)
            c = 0;
        const std::size_t start = pos;
        std::size_t k = 0;
        bool irregular = false;
        for (; k < Batch; ++k) {
            if (n - pos < 2) break;
            const std::size_t len = load_be<std::uint16_t>(p + pos);
            if (n - pos - 2 < len) break;
            // the type byte, or for an empty message the prefix's last byte (no known type
            // has length 0, so the length test below fails either way)
            const auto type = static_cast<std::uint8_t>(p[pos + 2 - (len == 0)]);
            if (detail::tables.length[type] != len) [[unlikely]] {
                irregular = true;
                break;
            }
            const std::uint8_t s = detail::tables.slot[type];
            b.at[s][b.count[s]++] = static_cast<std::uint32_t>(pos + 2 - start);
            pos += 2 + len;
        }
        detail::visit_buckets(p + start, b, visitor, detail::all_messages{},
                              std::make_index_sequence<detail::all_messages::size>{});
        r.messages += k;
        if (irregular) {
            // not one of the fixed layouts: visit() decides (and reports) it
            if (const visit_status s = detail::visit_frame(p, pos, visitor);
                s != visit_status::ok) {
                r.status = s;
                break;
            }
            ++r.messages;
            continue;
        }
        if (k < Batch) {
            if (pos < n) r.status = visit_status::truncated;
            break;
        }
    }
    r.consumed = pos;
    return r;
}

}  // namespace exwire::codec::nasdaq::itch50
