#pragma once
// Configuration of the simulated exchange: symbols with their tick, price band and
// starting book, and the background flow of synthetic orders. `default_config()` is the
// embedded default the simulator runs from when given no configuration.
//
// Cold path: build and validate at start-up; `validate` reports the first problem with a
// message naming the symbol and field.

#include <cstdint>
#include <string>
#include <vector>

#include "exwire/core/result.hpp"
#include "exwire/sim/types.hpp"

namespace exwire::sim {

/// One price level of a starting book: `orders` orders of `qty_each` shares at `px`.
struct level_seed {
    price px = 0;
    quantity qty_each = 0;
    std::uint32_t orders = 1;
};

struct symbol_config {
    std::string name;                    ///< key `name`: up to 8 characters (ITCH Stock)
    price tick = 100;                    ///< key `tick`: price increment, default $0.01
    price reference_price = 0;           ///< key `reference_price`: centre of the price band
    std::uint32_t band_bp = 1000;        ///< key `band_bp`: band half-width in basis points (10%)
    quantity max_order_qty = 1'000'000;  ///< key `max_order_qty`
    std::vector<level_seed> bids;        ///< key `bids`: starting bids, any order
    std::vector<level_seed> asks;        ///< key `asks`: starting asks, any order

    /// Lowest and highest accepted limit price: the band rounded inwards to the tick.
    [[nodiscard]] price min_price() const noexcept;
    [[nodiscard]] price max_price() const noexcept;
};

/// The background flow of synthetic orders (see `synthetic_flow`).
struct flow_config {
    double orders_per_second = 200.0;  ///< key `rate`: requests per second, all symbols; 0 = off
    std::uint64_t seed = 1;            ///< key `seed`: the flow is a function of the seed
    std::uint32_t add_weight = 60;     ///< key `add_weight`: passive limit orders near the touch
    std::uint32_t cancel_weight = 30;  ///< key `cancel_weight`: cancels of the flow's own orders
    std::uint32_t marketable_weight = 10;  ///< key `marketable_weight`: IOC orders at the touch
    std::uint32_t depth_ticks =
        5;                        ///< key `depth_ticks`: adds land 0..depth_ticks behind the touch
    quantity lot = 100;           ///< key `lot`: quantities are 1..max_lots lots
    std::uint32_t max_lots = 10;  ///< key `max_lots`
    std::uint32_t max_live_orders = 2000;  ///< key `max_live_orders`: adds turn into cancels above
    client_id client = 1;                  ///< key `client`: client id of the flow's orders
};

struct sim_config {
    std::vector<symbol_config> symbols;
    flow_config flow;
    client_id house_client = 0;  ///< key `house_client`: owner of starting-book orders
    std::uint32_t initial_order_capacity =
        65'536;  ///< key `order_capacity`: orders pooled up front
};

/// The embedded default: a few symbols with five-level starting books and a 200/s flow.
[[nodiscard]] const sim_config& default_config();

/// Checks names (1..8 printable characters, unique), ticks, bands, quantities and that each
/// starting book is on tick, inside the band, and does not cross.
[[nodiscard]] result<void> validate(const sim_config& config);

}  // namespace exwire::sim
