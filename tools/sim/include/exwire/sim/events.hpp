#pragma once
// What the matching engine reports: private events for the order-entry side (one client's
// orders: accepted, rejected, executed, canceled, replaced) and public book events for the
// market-data side, carrying exactly what ITCH 5.0 Add Order (A), Order Executed (E),
// Order Cancel (X), Order Delete (D) and Order Replace (U) need.
//
// Events are plain values passed by reference to an `event_sink` during the engine call
// that caused them; the reference is valid only during that sink call. The engine has no
// clock: every event of one call happens at the time the front end called it.

#include <cstdint>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "exwire/sim/types.hpp"

namespace exwire::sim {

/// Why a request was rejected.
enum class reject_reason : std::uint8_t {
    unknown_symbol,      ///< the symbol is not configured
    price_not_positive,  ///< limit price <= 0
    price_not_on_tick,   ///< limit price is not a multiple of the symbol's tick
    price_out_of_band,   ///< limit price outside the symbol's price band
    bad_quantity,        ///< 0 or above the symbol's maximum order quantity
    duplicate_token,     ///< the client already used this token for an accepted order
    unknown_order,       ///< cancel/replace of a token that has no live order
};

/// Which request a rejection answers (a FIX front end sends an execution report for
/// `enter` and an OrderCancelReject for the others).
enum class request_kind : std::uint8_t { enter, cancel, replace };

/// Why (part of) an order left the book without executing.
enum class cancel_reason : std::uint8_t {
    user_requested,       ///< a cancel request (OUCH 'U')
    immediate_or_cancel,  ///< the unfilled rest of an IOC or market order (OUCH 'I')
    system,               ///< `cancel_all`, e.g. cancel on disconnect (OUCH 'Z')
};

[[nodiscard]] std::string_view to_string(reject_reason r) noexcept;
[[nodiscard]] std::string_view to_string(cancel_reason r) noexcept;

// ---- order-entry side: addressed to one client --------------------------------------

/// An order entered and accepted (before any execution it caused). `qty` is the entered
/// quantity. The order reference is assigned even when the order never rests.
struct order_accepted {
    client_id client;
    order_token token;
    order_ref ref;
    symbol_id symbol;
    side order_side;
    order_type type;
    time_in_force tif;
    price limit_price;  ///< 0 for market orders
    quantity qty;
    friend bool operator==(const order_accepted&, const order_accepted&) = default;
};

/// A request refused; `token` is the token of the request (the new token for a replace).
struct order_rejected {
    client_id client;
    order_token token;
    request_kind request;
    reject_reason reason;
    friend bool operator==(const order_rejected&, const order_rejected&) = default;
};

/// One side of a trade.
struct fill_side {
    client_id client;
    order_token token;
    order_ref ref;
    quantity leaves;  ///< open shares of this order after the fill
    friend bool operator==(const fill_side&, const fill_side&) = default;
};

/// A trade between an incoming (aggressive) and a resting order, at the resting order's
/// price. Front ends send an execution to both clients.
struct trade {
    match_number match;
    symbol_id symbol;
    side aggressor_side;
    price trade_price;
    quantity qty;
    fill_side aggressor;
    fill_side resting;
    friend bool operator==(const trade&, const trade&) = default;
};

/// `canceled_qty` shares of an order left the book; `leaves` remain open (0: gone).
struct order_canceled {
    client_id client;
    order_token token;
    order_ref ref;
    quantity canceled_qty;
    quantity leaves;
    cancel_reason reason;
    friend bool operator==(const order_canceled&, const order_canceled&) = default;
};

/// An order replaced by `new_token`. `priority_kept`: same price, quantity not increased;
/// then `new_ref == old_ref`. Executions the new order causes follow this event.
struct order_replaced {
    client_id client;
    order_token old_token;
    order_token new_token;
    order_ref old_ref;
    order_ref new_ref;
    symbol_id symbol;
    side order_side;
    price limit_price;
    quantity qty;  ///< open shares of the new order before it matched
    bool priority_kept;
    friend bool operator==(const order_replaced&, const order_replaced&) = default;
};

// ---- market-data side: the public book (ITCH 5.0) -----------------------------------

/// ITCH 'A': an order now rests on the book.
struct book_add {
    symbol_id symbol;
    order_ref ref;
    side order_side;
    quantity qty;
    price limit_price;
    friend bool operator==(const book_add&, const book_add&) = default;
};

/// ITCH 'E': a resting order executed `qty` shares at its own price. An order executed in
/// full leaves the book with this message alone (no Delete follows), as on Nasdaq.
struct book_executed {
    symbol_id symbol;
    order_ref ref;
    quantity qty;
    match_number match;
    friend bool operator==(const book_executed&, const book_executed&) = default;
};

/// ITCH 'X': a resting order reduced by `canceled_qty` shares, keeping its priority.
struct book_cancel {
    symbol_id symbol;
    order_ref ref;
    quantity canceled_qty;
    friend bool operator==(const book_cancel&, const book_cancel&) = default;
};

/// ITCH 'D': a resting order removed.
struct book_delete {
    symbol_id symbol;
    order_ref ref;
    friend bool operator==(const book_delete&, const book_delete&) = default;
};

/// ITCH 'U': a resting order replaced by a new one at the back of its price level. Only
/// when the new order rests without trading; a replace that trades is published as
/// Delete of the old order, the executions, then Add of any rest.
struct book_replace {
    symbol_id symbol;
    order_ref old_ref;
    order_ref new_ref;
    quantity qty;
    price limit_price;
    friend bool operator==(const book_replace&, const book_replace&) = default;
};

using event = std::variant<order_accepted, order_rejected, trade, order_canceled, order_replaced,
                           book_add, book_executed, book_cancel, book_delete, book_replace>;

/// A non-owning reference to a callable `void(const event&)` (a function_ref): the engine
/// calls it once per event, in order, on the thread that called the engine. The callable
/// must outlive the sink. Calling it does not allocate.
class event_sink {
  public:
    template <typename F,
              typename = std::enable_if_t<!std::is_same_v<std::remove_cvref_t<F>, event_sink> &&
                                          std::is_invocable_v<F&, const event&>>>
    event_sink(F& f) noexcept  // NOLINT: implicit by design, like function_ref
        : obj_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
          call_([](void* o, const event& e) { (*static_cast<F*>(o))(e); }) {}

    void operator()(const event& e) const { call_(obj_, e); }

  private:
    void* obj_;
    void (*call_)(void*, const event&);
};

}  // namespace exwire::sim
