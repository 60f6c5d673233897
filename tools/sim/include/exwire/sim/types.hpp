#pragma once
// Value types of the simulator's matching engine: prices, quantities, identifiers and the
// three requests a protocol front end submits (enter, cancel, replace).
//
// Plain values, trivially copyable, usable from any thread; they own no memory.

#include <cstdint>
#include <string_view>
#include <variant>

namespace exwire::sim {

/// A price as a fixed-point integer with 4 implied decimals, as OUCH and ITCH carry it
/// ($12.34 is 123400). Signed so that a front end can hand over any decoded value and let
/// the engine reject non-positive prices; accepted prices fit ITCH's 32-bit price field.
using price = std::int64_t;
inline constexpr price price_scale = 10'000;

/// A quantity in shares (OUCH/ITCH carry 32-bit share counts).
using quantity = std::uint32_t;

/// Identifies the order-entry client (one OUCH/FIX session) that owns an order.
using client_id = std::uint32_t;

/// The client's own identifier of an order (OUCH 5.0 UserRefNum; a FIX front end numbers
/// its ClOrdIDs). Unique per client for the engine's lifetime once an order using it was
/// accepted.
using order_token = std::uint64_t;

/// The exchange's order reference number, unique across the engine (ITCH Order Reference
/// Number, OUCH Order Reference Number). Starts at 1.
using order_ref = std::uint64_t;

/// The exchange's match number, unique across the engine (ITCH Match Number). Starts at 1.
using match_number = std::uint64_t;

/// Index of a symbol in the engine's configuration; ITCH's Stock Locate is `id + 1`.
using symbol_id = std::uint16_t;

enum class side : std::uint8_t { buy, sell };
enum class order_type : std::uint8_t { limit, market };

/// Time in force. Market orders are always immediate-or-cancel.
enum class time_in_force : std::uint8_t { day, immediate_or_cancel };

[[nodiscard]] constexpr side opposite(side s) noexcept {
    return s == side::buy ? side::sell : side::buy;
}

/// An 8-character stock symbol, space padded on the right as in ITCH and OUCH.
struct stock {
    char text[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};

    /// Builds a symbol from up to 8 characters; longer input is truncated (configuration
    /// loading rejects names longer than 8).
    [[nodiscard]] static constexpr stock from(std::string_view name) noexcept {
        stock s;
        for (std::size_t i = 0; i < name.size() && i < 8; ++i)
            s.text[i] = name[i];
        return s;
    }
    /// The name without trailing spaces; points into this object.
    [[nodiscard]] constexpr std::string_view name() const noexcept {
        std::size_t n = 8;
        while (n > 0 && text[n - 1] == ' ')
            --n;
        return {text, n};
    }
    friend constexpr bool operator==(const stock& a, const stock& b) noexcept {
        for (int i = 0; i < 8; ++i)
            if (a.text[i] != b.text[i]) return false;
        return true;
    }
};

/// Enter a new order. `price` is ignored for market orders.
struct new_order {
    client_id client = 0;
    order_token token = 0;
    stock symbol;
    side order_side = side::buy;
    order_type type = order_type::limit;
    time_in_force tif = time_in_force::day;
    price limit_price = 0;
    quantity qty = 0;
    friend bool operator==(const new_order&, const new_order&) = default;
};

/// Reduce a live order to `remaining` open shares (0 = cancel it entirely), as an OUCH
/// Cancel Order's quantity field. A request that would not reduce the order has no effect.
struct cancel_order {
    client_id client = 0;
    order_token token = 0;
    quantity remaining = 0;
    friend bool operator==(const cancel_order&, const cancel_order&) = default;
};

/// Replace a live order with `new_token`, `new_qty` open shares at `new_price`. Keeps
/// time priority only when the price is unchanged and the quantity does not increase
/// (Nasdaq's rule); otherwise the order gets a new order reference and loses priority.
struct replace_order {
    client_id client = 0;
    order_token token = 0;
    order_token new_token = 0;
    price new_price = 0;
    quantity new_qty = 0;
    friend bool operator==(const replace_order&, const replace_order&) = default;
};

/// Any request; what the synthetic flow produces and what `matching_engine::submit` takes.
using request = std::variant<new_order, cancel_order, replace_order>;

}  // namespace exwire::sim
