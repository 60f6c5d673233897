#pragma once
// The simulator's matching engine: one price-time priority book per configured symbol,
// limit and market orders, day and immediate-or-cancel, cancel (full or partial), replace,
// with every outcome reported as events (see events.hpp) to one `event_sink`.
//
// Threading: an engine belongs to one thread; every member function must be called from
// it, and the sink is called synchronously on it, in order, before the call returns.
// Errors: requests never fail as calls; a refused request is an `order_rejected` event.
// Memory: storage comes from the memory resource given at creation, in blocks (order pool
// chunks of 4096 orders, price-level vectors, the token table), pre-sized from
// `sim_config::initial_order_capacity`; steady-state requests do not allocate. If growth
// cannot allocate, the process terminates (requests are noexcept).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <memory_resource>
#include <optional>
#include <span>

#include "exwire/core/result.hpp"
#include "exwire/sim/config.hpp"
#include "exwire/sim/events.hpp"
#include "exwire/sim/memory.hpp"
#include "exwire/sim/types.hpp"

namespace exwire::sim {

/// Aggregate of one price level.
struct level_info {
    price px = 0;
    std::uint64_t qty = 0;
    std::uint32_t orders = 0;
    friend bool operator==(const level_info&, const level_info&) = default;
};

/// A live order as the engine holds it.
struct order_info {
    order_ref ref = 0;
    symbol_id symbol = 0;
    side order_side = side::buy;
    price limit_price = 0;
    quantity leaves = 0;
};

class matching_engine {
  public:
    /// Builds an engine over `config` (checked with `validate`); events go to `sink`, which
    /// must outlive the engine or be replaced with `set_sink`. The starting books are not
    /// entered yet: call `load_starting_books` once the sink is ready for their events.
    [[nodiscard]] static result<matching_engine> create(
        const sim_config& config, event_sink sink,
        std::pmr::memory_resource* memory = default_resource());

    matching_engine(matching_engine&&) noexcept;
    matching_engine& operator=(matching_engine&&) noexcept;
    ~matching_engine();

    /// Enters the configured starting books as day limit orders of `house_client`, with
    /// tokens 1, 2, ... in configuration order (bids before asks per symbol).
    void load_starting_books() noexcept;

    /// Processes one request; its events reach the sink before this returns.
    void submit(const request& r) noexcept;
    void enter(const new_order& o) noexcept;
    void cancel(const cancel_order& c) noexcept;
    void replace(const replace_order& r) noexcept;

    /// Cancels every resting order of `client` (cancel on disconnect, end of day), in
    /// order-reference order, each with `order_canceled` (reason `system`) and
    /// `book_delete`. Returns how many. Cold path: scans the token table and allocates a
    /// temporary list.
    std::size_t cancel_all(client_id client);

    void set_sink(event_sink sink) noexcept;

    /// Symbol lookup by name (as in an OUCH Enter Order or ITCH Stock Directory).
    [[nodiscard]] std::optional<symbol_id> find_symbol(const stock& name) const noexcept;
    [[nodiscard]] std::size_t symbol_count() const noexcept;
    /// The symbol's configuration; `id < symbol_count()`. Lives as long as the engine.
    [[nodiscard]] const symbol_config& symbol(symbol_id id) const noexcept;

    /// The best level of one side, if any.
    [[nodiscard]] std::optional<level_info> best(symbol_id id, side s) const noexcept;
    /// Writes up to `out.size()` levels of one side, best first; returns how many.
    std::size_t depth(symbol_id id, side s, std::span<level_info> out) const noexcept;
    /// Number of price levels on one side.
    [[nodiscard]] std::size_t level_count(symbol_id id, side s) const noexcept;

    /// The live (resting) order of `client` with `token`, if any.
    [[nodiscard]] std::optional<order_info> find_order(client_id client,
                                                       order_token token) const noexcept;
    [[nodiscard]] bool is_live(client_id client, order_token token) const noexcept;
    /// Resting orders across all books.
    [[nodiscard]] std::size_t live_orders() const noexcept;
    /// The next order reference / match number the engine will assign.
    [[nodiscard]] order_ref next_order_ref() const noexcept;
    [[nodiscard]] match_number next_match_number() const noexcept;

    struct state;

  private:
    explicit matching_engine(std::unique_ptr<state> s) noexcept;
    std::unique_ptr<state> s_;
};

}  // namespace exwire::sim
