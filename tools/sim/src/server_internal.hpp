#pragma once
// Internals of exwire::sim::server shared by its source files: the agent that runs the
// matching engine on the shard thread and translates between protocols and engine.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <exwire/core/bytes.hpp>
#include <exwire/core/spsc_ring.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/session.hpp>
#include <exwire/engine/session_handle.hpp>
#include <exwire/sim/matching_engine.hpp>
#include <exwire/sim/server.hpp>
#include <exwire/sim/synthetic_flow.hpp>

namespace exwire::sim::detail {

inline constexpr std::int64_t day_ns = 86'400'000'000'000;

/// An ITCH / OUCH timestamp: monotonic nanoseconds modulo one day.
[[nodiscard]] inline std::uint64_t stamp(std::int64_t monotonic) noexcept {
    return static_cast<std::uint64_t>(((monotonic % day_ns) + day_ns) % day_ns);
}

struct injected {
    new_order order;
    std::int64_t intended_ns = 0;
};

/// Relaxed counters with one writer (the agent).
struct shared_stats {
    std::atomic<std::uint64_t> orders{0}, trades{0}, itch_messages{0}, rejects{0}, dropped{0};
};

/// What the FIX front end remembers of an order (ClOrdID <-> token).
struct fix_order {
    std::string cl_ord_id;
    std::string symbol;
    char side = '1';
    char ord_type = '2';
    char tif = '0';
    quantity order_qty = 0;
    quantity cum_qty = 0;
    price limit_price = 0;
    std::uint64_t notional = 0;  ///< sum of fill qty * price, for AvgPx
    order_ref ref = 0;
};

class sim_agent final : public engine::agent {
  public:
    sim_agent(const server_options& o, shared_stats& stats);
    [[nodiscard]] result<void> init();  ///< builds the matching engine (cold)

    void bind(engine::engine& eng);  ///< finds the session handles (before start)

    void on_shard_start(std::int64_t now_ns) override;
    int do_work(std::int64_t now_ns) noexcept override;

    /// Controlling thread: asks the agent to publish End of Messages ('C').
    void request_end() noexcept { end_requested_.store(true, std::memory_order_release); }
    [[nodiscard]] bool ended() const noexcept { return ended_.load(std::memory_order_acquire); }

    bool inject(const new_order& o, std::int64_t intended_ns) noexcept;

    // The engine's event sink.
    void operator()(const event& e) noexcept;

  private:
    struct ouch_client {
        engine::session_handle handle;
        client_id id = 0;
        std::vector<std::uint64_t> connections;  ///< logged-in connection ids
    };

    int poll_ouch(ouch_client& c) noexcept;
    void on_ouch_message(ouch_client& c, bytes body) noexcept;
    int poll_fix() noexcept;
    void on_fix_message(bytes frame) noexcept;
    int drain_injected() noexcept;
    int run_flow(std::int64_t now) noexcept;
    void submit(const request& r, std::int64_t ts) noexcept;
    void publish_stats() noexcept;

    // Output helpers.
    void itch(bytes msg) noexcept;
    ouch_client* ouch_of(client_id c) noexcept;
    void ouch_send(ouch_client& c, bytes msg) noexcept;
    void ouch_reject(ouch_client& c, std::uint32_t token, std::uint16_t reason,
                     std::string_view cl_ord_id) noexcept;
    void fix_send(std::string_view msg_type) noexcept;  ///< sends fix_body_
    void fix_accepted(const order_accepted& e) noexcept;
    void fix_rejected(const order_rejected& e) noexcept;
    void fix_canceled(const order_canceled& e) noexcept;
    void fix_replaced(const order_replaced& e) noexcept;
    void fix_cancel_reject(std::string_view cl_ord_id, std::string_view orig, char response_to,
                           std::string_view text) noexcept;
    void fix_execution_report(const fix_order& o, char exec_type, char ord_status, quantity leaves,
                              quantity last_qty, price last_px, std::string_view orig_cl_ord_id,
                              std::string_view text) noexcept;

    void on(const order_accepted& e) noexcept;
    void on(const order_rejected& e) noexcept;
    void on(const trade& e) noexcept;
    void on(const order_canceled& e) noexcept;
    void on(const order_replaced& e) noexcept;
    void on(const book_add& e) noexcept;
    void on(const book_executed& e) noexcept;
    void on(const book_cancel& e) noexcept;
    void on(const book_delete& e) noexcept;
    void on(const book_replace& e) noexcept;
    void fix_fill(const fill_side& s, const trade& t, bool aggressor) noexcept;

    server_options options_;
    shared_stats& stats_;
    std::optional<matching_engine> engine_;
    synthetic_flow flow_;
    std::int64_t flow_start_ = 0;

    std::vector<ouch_client> ouch_;
    engine::session_handle mold_;
    engine::session_handle itch_soup_;
    engine::session_handle fix_;
    client_id inject_client_ = 0;
    client_id fix_client_ = 0;
    client_id ouch_base_ = 0;
    order_token next_inject_token_ = 1;

    spsc_ring<injected> inject_ring_{1u << 16};
    std::atomic_flag inject_lock_ = ATOMIC_FLAG_INIT;
    std::atomic<bool> end_requested_{false};
    std::atomic<bool> ended_{false};
    std::atomic<bool> running_{false};

    // The request being handled (its time stamps the events; OUCH echoes its fields).
    std::uint64_t ts_ = 0;
    const std::byte* cur_ouch_ = nullptr;  ///< the Enter / Replace Order being handled
    std::uint64_t local_orders_ = 0, local_trades_ = 0, local_itch_ = 0, local_rejects_ = 0,
                  local_dropped_ = 0;

    // FIX front end state (cold-ish path: allocates per order).
    bool fix_logged_on_ = false;
    order_token fix_next_token_ = 1;
    std::unordered_map<std::string, order_token> fix_tokens_;  ///< ClOrdID -> token
    std::unordered_map<order_token, fix_order> fix_orders_;
    std::string fix_pending_cl_ord_id_;  ///< ClOrdID of the request being handled
    std::string fix_pending_orig_;       ///< OrigClOrdID of a cancel / replace
    std::string fix_body_;
    std::uint64_t fix_exec_id_ = 1;
};

}  // namespace exwire::sim::detail
