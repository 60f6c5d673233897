#pragma once
// The batch a transport fills in one poll pass and hands to the handler.
//
// Internal to the transports (used by their header-only poll templates); shards do not use
// it directly. A transport's `reap()` (not a template, compiled in the library) collects
// received bytes and events into `items`; the `poll(handler)` template then dispatches them
// so the handler call is inlined into the shard loop without the library knowing the
// handler type. `data` points into the transport's receive buffers and stays valid until
// the poll pass ends.

#include <cstdint>
#include <vector>

#include <exwire/core/bytes.hpp>
#include <exwire/transport/transport.hpp>

namespace exwire::transport::detail {

struct poll_item {
    connection_event event;  ///< for data items only `event.id` is used
    bytes data;
    bool is_data = false;
};

/// Generation per slot: an item (or a send) is for a live id when the generation matches.
/// Kept in the header so the dispatch loop checks it inline.
struct poll_batch {
    std::vector<poll_item> items;
    std::vector<std::uint32_t> generations;

    [[nodiscard]] bool current(connection_id id) const noexcept {
        const auto slot = slot_of(id);
        return slot < generations.size() && generations[slot] == generation_of(id);
    }

    /// Calls the handler for every item whose id is still current (the handler may close
    /// ids, which bumps their generation, while the batch is delivered).
    template <typename Handler>
    void dispatch(Handler& handler) {
        for (const poll_item& item : items) {
            if (!current(item.event.id)) continue;
            if (item.is_data) {
                handler.on_data(item.event.id, item.data);
            } else {
                handler.on_event(item.event);
            }
        }
    }
};

}  // namespace exwire::transport::detail
