// The simulator's agent: runs the matching engine on the shard thread, pulls the OUCH
// sessions' inbound records, and writes the engine's events as OUCH and ITCH (FIX in
// server_fix.cpp).

#include <cstring>
#include <type_traits>

#include <exwire/codec/nasdaq/itch50.hpp>
#include <exwire/codec/nasdaq/ouch50.hpp>
#include <exwire/core/clock.hpp>

#include "server_internal.hpp"

namespace exwire::sim::detail {

namespace itch = exwire::codec::nasdaq::itch50;
namespace ouch = exwire::codec::nasdaq::ouch50;

namespace {

template <typename... F>
struct overloaded : F... {
    using F::operator()...;
};
template <typename... F>
overloaded(F...) -> overloaded<F...>;

/// OUCH 5.0 market orders carry this price ($214,748.3647).
constexpr std::uint64_t ouch_market_price = 2'147'483'647;

constexpr char side_char(side s) noexcept {
    return s == side::buy ? 'B' : 'S';
}

/// OUCH reject reason codes (docs/simulator.md).
constexpr std::uint16_t ouch_reject_code(reject_reason r) noexcept {
    switch (r) {
        case reject_reason::unknown_symbol:
            return 0x0017;
        case reject_reason::price_not_positive:
        case reject_reason::price_not_on_tick:
        case reject_reason::price_out_of_band:
            return 0x001D;
        case reject_reason::bad_quantity:
            return 0x0013;
        case reject_reason::duplicate_token:
        case reject_reason::unknown_order:
            return 0x000F;
    }
    return 0x000F;
}
constexpr char ouch_cancel_reason(cancel_reason r) noexcept {
    switch (r) {
        case cancel_reason::user_requested:
            return 'U';
        case cancel_reason::immediate_or_cancel:
            return 'I';
        case cancel_reason::system:
            return 'Z';
    }
    return 'Z';
}

}  // namespace

sim_agent::sim_agent(const server_options& o, shared_stats& stats)
    : options_(o), stats_(stats), flow_(o.market.flow) {
    // Client ids the configuration does not use: above the house and flow clients.
    const client_id top = std::max(o.market.house_client, o.market.flow.client);
    inject_client_ = top + 1;
    fix_client_ = top + 2;
    ouch_base_ = top + 3;
}

result<void> sim_agent::init() {
    auto e = matching_engine::create(options_.market, *this);
    if (!e) return fail(e.err().message);
    engine_.emplace(std::move(e).value());
    return {};
}

void sim_agent::bind(engine::engine& eng) {
    for (std::uint32_t i = 0; i < options_.ouch_clients; ++i) {
        ouch_client c;
        c.handle = eng.session("ouch-" + std::to_string(i));
        c.id = ouch_base_ + i;
        c.connections.reserve(32);
        ouch_.push_back(std::move(c));
    }
    mold_ = eng.session("itch-mold");
    itch_soup_ = eng.session("itch-soup");
    fix_ = eng.session("fix");
    fix_body_.reserve(512);
}

void sim_agent::on_shard_start(std::int64_t now_ns) {
    ts_ = stamp(now_ns);
    std::byte buf[64];
    {
        itch::system_event::builder b(buf);
        auto r = b.timestamp(ts_).event_code('O').finish();
        if (r.ok()) itch(bytes(buf, r.size));
    }
    for (std::size_t i = 0; i < engine_->symbol_count(); ++i) {
        const symbol_config& s = engine_->symbol(static_cast<symbol_id>(i));
        itch::stock_directory::builder b(buf);
        auto r = b.stock_locate(static_cast<std::uint16_t>(i + 1))
                     .timestamp(ts_)
                     .stock(s.name)
                     .market_category('Q')
                     .financial_status_indicator('N')
                     .round_lot_size(100)
                     .round_lots_only('N')
                     .issue_classification('C')
                     .issue_sub_type("Z")
                     .authenticity('P')
                     .short_sale_threshold_indicator('N')
                     .ipo_flag('N')
                     .luld_reference_price_tier('1')
                     .etp_flag('N')
                     .etp_leverage_factor(0)
                     .inverse_indicator('N')
                     .finish();
        if (r.ok()) itch(bytes(buf, r.size));
    }
    engine_->load_starting_books();
    flow_start_ = now_ns;
    running_.store(true, std::memory_order_release);
    publish_stats();
}

int sim_agent::do_work(std::int64_t now_ns) noexcept {
    int work = 0;
    if (end_requested_.load(std::memory_order_acquire) && !ended_.load(std::memory_order_relaxed)) {
        running_.store(false, std::memory_order_release);
        std::byte buf[16];
        itch::system_event::builder b(buf);
        auto r = b.timestamp(stamp(monotonic_ns())).event_code('C').finish();
        if (r.ok()) itch(bytes(buf, r.size));
        publish_stats();
        ended_.store(true, std::memory_order_release);
        return 1;
    }
    const bool live = !ended_.load(std::memory_order_relaxed);
    if (live) {
        work += drain_injected();
        if (options_.background_flow) work += run_flow(now_ns);
    }
    for (ouch_client& c : ouch_)
        work += poll_ouch(c);
    if (fix_.valid()) work += poll_fix();
    if (work != 0) publish_stats();
    return work;
}

bool sim_agent::inject(const new_order& o, std::int64_t intended_ns) noexcept {
    if (!running_.load(std::memory_order_acquire)) return false;
    while (inject_lock_.test_and_set(std::memory_order_acquire)) {
    }
    const bool ok = inject_ring_.try_push(injected{o, intended_ns});
    inject_lock_.clear(std::memory_order_release);
    return ok;
}

int sim_agent::drain_injected() noexcept {
    int n = 0;
    injected in;
    while (n < 4096 && inject_ring_.try_pop(in)) {
        in.order.client = inject_client_;
        in.order.token = next_inject_token_++;
        submit(in.order, in.intended_ns);
        ++n;
    }
    return n;
}

int sim_agent::run_flow(std::int64_t now) noexcept {
    const std::uint64_t due = flow_.due(static_cast<std::uint64_t>(now - flow_start_));
    const std::uint64_t n = std::min<std::uint64_t>(due, 1024);
    for (std::uint64_t i = 0; i < n; ++i) {
        const request r = flow_.next(*engine_);
        submit(r, monotonic_ns());
    }
    return static_cast<int>(n);
}

void sim_agent::submit(const request& r, std::int64_t ts) noexcept {
    ts_ = stamp(ts);
    if (std::holds_alternative<new_order>(r)) ++local_orders_;
    engine_->submit(r);
}

void sim_agent::publish_stats() noexcept {
    stats_.orders.store(local_orders_, std::memory_order_relaxed);
    stats_.trades.store(local_trades_, std::memory_order_relaxed);
    stats_.itch_messages.store(local_itch_, std::memory_order_relaxed);
    stats_.rejects.store(local_rejects_, std::memory_order_relaxed);
    stats_.dropped.store(local_dropped_, std::memory_order_relaxed);
}

// ---- OUCH in ------------------------------------------------------------------------

int sim_agent::poll_ouch(ouch_client& c) noexcept {
    const engine::polled p = c.handle.poll(
        [&](const engine::inbound_record& r) {
            if (r.is_message()) {
                on_ouch_message(c, r.body);
                return;
            }
            if (r.type == engine::record_type::logged_in) {
                c.connections.push_back(r.value);  // value: the connection id
            } else if (r.type == engine::record_type::disconnected) {
                for (std::size_t i = 0; i < c.connections.size(); ++i) {
                    if (c.connections[i] != r.sequence) continue;
                    c.connections.erase(c.connections.begin() + static_cast<std::ptrdiff_t>(i));
                    if (c.connections.empty() && options_.cancel_on_disconnect &&
                        !ended_.load(std::memory_order_relaxed)) {
                        ts_ = stamp(monotonic_ns());
                        (void)engine_->cancel_all(c.id);
                    }
                    break;
                }
            }
        },
        512);
    return static_cast<int>(p.count);
}

void sim_agent::on_ouch_message(ouch_client& c, bytes body) noexcept {
    if (ended_.load(std::memory_order_relaxed)) return;
    const std::int64_t now = monotonic_ns();
    const auto status = ouch::visit_incoming(
        body, overloaded{
                  [&](ouch::enter_order::view v) {
                      new_order o;
                      o.client = c.id;
                      o.token = v.user_ref_num();
                      o.symbol = stock::from(v.symbol());
                      const char sd = v.side();
                      if (sd != 'B' && sd != 'S' && sd != 'T' && sd != 'E') {
                          ouch_reject(c, v.user_ref_num(), 0x000F, v.cl_ord_id());
                          return;
                      }
                      o.order_side = sd == 'B' ? side::buy : side::sell;
                      o.qty = v.quantity();
                      if (v.price() == ouch_market_price) {
                          o.type = order_type::market;
                          o.tif = time_in_force::immediate_or_cancel;
                      } else {
                          o.type = order_type::limit;
                          o.limit_price = static_cast<price>(v.price() & 0x7fff'ffff'ffff'ffffULL);
                          o.tif = v.time_in_force() == '3' ? time_in_force::immediate_or_cancel
                                                           : time_in_force::day;
                      }
                      cur_ouch_ = body.data();
                      submit(o, now);
                      cur_ouch_ = nullptr;
                  },
                  [&](ouch::replace_order::view v) {
                      replace_order r;
                      r.client = c.id;
                      r.token = v.orig_user_ref_num();
                      r.new_token = v.user_ref_num();
                      r.new_price = static_cast<price>(v.price() & 0x7fff'ffff'ffff'ffffULL);
                      r.new_qty = v.quantity();
                      cur_ouch_ = body.data();
                      submit(r, now);
                      cur_ouch_ = nullptr;
                  },
                  [&](ouch::cancel_order::view v) {
                      submit(cancel_order{c.id, v.user_ref_num(), v.quantity()}, now);
                  },
                  // Modify, Mass Cancel, order entry switches, Account Query: not simulated.
                  [&](auto) { ++local_dropped_; },
              });
    if (status != codec::nasdaq::visit_status::ok) ++local_dropped_;
}

// ---- output helpers -------------------------------------------------------------------

void sim_agent::itch(bytes msg) noexcept {
    ++local_itch_;
    if (mold_.valid() && mold_.send(msg) != engine::send_status::ok) ++local_dropped_;
    if (itch_soup_.valid() && itch_soup_.send(msg) != engine::send_status::ok) ++local_dropped_;
}

sim_agent::ouch_client* sim_agent::ouch_of(client_id c) noexcept {
    if (c < ouch_base_ || c - ouch_base_ >= ouch_.size()) return nullptr;
    return &ouch_[c - ouch_base_];
}

void sim_agent::ouch_send(ouch_client& c, bytes msg) noexcept {
    if (c.handle.send(msg) != engine::send_status::ok) ++local_dropped_;
}

void sim_agent::ouch_reject(ouch_client& c, std::uint32_t token, std::uint16_t reason,
                            std::string_view cl_ord_id) noexcept {
    std::byte buf[ouch::rejected::fixed_size];
    ouch::rejected::builder b(buf);
    auto r = b.timestamp(ts_).user_ref_num(token).reason(reason).cl_ord_id(cl_ord_id).finish();
    if (r.ok()) ouch_send(c, bytes(buf, r.size));
}

// ---- events -----------------------------------------------------------------------------

void sim_agent::operator()(const event& e) noexcept {
    std::visit([this](const auto& x) { on(x); }, e);
}

void sim_agent::on(const order_accepted& e) noexcept {
    if (e.client == fix_client_) {
        fix_accepted(e);
        return;
    }
    ouch_client* c = ouch_of(e.client);
    if (c == nullptr) return;
    // Echo the Enter Order's own fields when this is the order being handled.
    char display = 'Y', capacity = 'A', ims = 'N', cross = 'N';
    std::string_view cl_ord_id;
    ouch::enter_order::view in;
    if (cur_ouch_ != nullptr && static_cast<char>(cur_ouch_[0]) == 'O') {
        in = ouch::enter_order::view(bytes(cur_ouch_, ouch::enter_order::min_size));
        display = in.display();
        capacity = in.capacity();
        ims = in.inter_market_sweep_eligibility();
        cross = in.cross_type();
        cl_ord_id = in.cl_ord_id();
    }
    std::byte buf[ouch::order_accepted::fixed_size];
    ouch::order_accepted::builder b(buf);
    auto r = b.timestamp(ts_)
                 .user_ref_num(static_cast<std::uint32_t>(e.token))
                 .side(side_char(e.order_side))
                 .quantity(e.qty)
                 .symbol(engine_->symbol(e.symbol).name)
                 .price(e.type == order_type::market ? ouch_market_price
                                                     : static_cast<std::uint64_t>(e.limit_price))
                 .time_in_force(e.tif == time_in_force::day ? '0' : '3')
                 .display(display)
                 .order_reference_number(e.ref)
                 .capacity(capacity)
                 .inter_market_sweep_eligibility(ims)
                 .cross_type(cross)
                 .order_state('L')
                 .cl_ord_id(cl_ord_id)
                 .finish();
    if (r.ok()) ouch_send(*c, bytes(buf, r.size));
}

void sim_agent::on(const order_rejected& e) noexcept {
    ++local_rejects_;
    if (e.client == fix_client_) {
        fix_rejected(e);
        return;
    }
    ouch_client* c = ouch_of(e.client);
    if (c == nullptr) return;
    // OUCH has no answer to a cancel of an unknown order.
    if (e.request == request_kind::cancel) return;
    std::string_view cl_ord_id;
    if (cur_ouch_ != nullptr && static_cast<char>(cur_ouch_[0]) == 'O')
        cl_ord_id =
            ouch::enter_order::view(bytes(cur_ouch_, ouch::enter_order::min_size)).cl_ord_id();
    else if (cur_ouch_ != nullptr && static_cast<char>(cur_ouch_[0]) == 'U')
        cl_ord_id =
            ouch::replace_order::view(bytes(cur_ouch_, ouch::replace_order::min_size)).cl_ord_id();
    ouch_reject(*c, static_cast<std::uint32_t>(e.token), ouch_reject_code(e.reason), cl_ord_id);
}

void sim_agent::on(const trade& e) noexcept {
    ++local_trades_;
    const auto send_fill = [&](const fill_side& s, char liquidity) {
        if (s.client == fix_client_) {
            fix_fill(s, e, liquidity == 'R');
            return;
        }
        ouch_client* c = ouch_of(s.client);
        if (c == nullptr) return;
        std::byte buf[ouch::order_executed::fixed_size];
        ouch::order_executed::builder b(buf);
        auto r = b.timestamp(ts_)
                     .user_ref_num(static_cast<std::uint32_t>(s.token))
                     .quantity(e.qty)
                     .price(static_cast<std::uint64_t>(e.trade_price))
                     .liquidity_flag(liquidity)
                     .match_number(e.match)
                     .finish();
        if (r.ok()) ouch_send(*c, bytes(buf, r.size));
    };
    send_fill(e.resting, 'A');    // added liquidity
    send_fill(e.aggressor, 'R');  // removed liquidity
}

void sim_agent::on(const order_canceled& e) noexcept {
    if (e.client == fix_client_) {
        fix_canceled(e);
        return;
    }
    ouch_client* c = ouch_of(e.client);
    if (c == nullptr) return;
    std::byte buf[ouch::order_canceled::fixed_size];
    ouch::order_canceled::builder b(buf);
    auto r = b.timestamp(ts_)
                 .user_ref_num(static_cast<std::uint32_t>(e.token))
                 .quantity(e.canceled_qty)
                 .reason(ouch_cancel_reason(e.reason))
                 .finish();
    if (r.ok()) ouch_send(*c, bytes(buf, r.size));
}

void sim_agent::on(const order_replaced& e) noexcept {
    if (e.client == fix_client_) {
        fix_replaced(e);
        return;
    }
    ouch_client* c = ouch_of(e.client);
    if (c == nullptr) return;
    char tif = '0', display = 'Y', ims = 'N';
    std::string_view cl_ord_id;
    if (cur_ouch_ != nullptr && static_cast<char>(cur_ouch_[0]) == 'U') {
        const ouch::replace_order::view in(bytes(cur_ouch_, ouch::replace_order::min_size));
        tif = in.time_in_force() == '3' ? '3' : '0';
        display = in.display();
        ims = in.inter_market_sweep_eligibility();
        cl_ord_id = in.cl_ord_id();
    }
    std::byte buf[ouch::order_replaced::fixed_size];
    ouch::order_replaced::builder b(buf);
    auto r = b.timestamp(ts_)
                 .orig_user_ref_num(static_cast<std::uint32_t>(e.old_token))
                 .user_ref_num(static_cast<std::uint32_t>(e.new_token))
                 .side(side_char(e.order_side))
                 .quantity(e.qty)
                 .symbol(engine_->symbol(e.symbol).name)
                 .price(static_cast<std::uint64_t>(e.limit_price))
                 .time_in_force(tif)
                 .display(display)
                 .order_reference_number(e.new_ref)
                 .capacity('A')
                 .inter_market_sweep_eligibility(ims)
                 .cross_type('N')
                 .order_state('L')
                 .cl_ord_id(cl_ord_id)
                 .finish();
    if (r.ok()) ouch_send(*c, bytes(buf, r.size));
}

void sim_agent::on(const book_add& e) noexcept {
    std::byte buf[itch::add_order::fixed_size];
    itch::add_order::builder b(buf);
    auto r = b.stock_locate(static_cast<std::uint16_t>(e.symbol + 1))
                 .timestamp(ts_)
                 .order_reference_number(e.ref)
                 .buy_sell_indicator(side_char(e.order_side))
                 .shares(e.qty)
                 .stock(engine_->symbol(e.symbol).name)
                 .price(static_cast<std::uint32_t>(e.limit_price))
                 .finish();
    if (r.ok()) itch(bytes(buf, r.size));
}

void sim_agent::on(const book_executed& e) noexcept {
    std::byte buf[itch::order_executed::fixed_size];
    itch::order_executed::builder b(buf);
    auto r = b.stock_locate(static_cast<std::uint16_t>(e.symbol + 1))
                 .timestamp(ts_)
                 .order_reference_number(e.ref)
                 .executed_shares(e.qty)
                 .match_number(e.match)
                 .finish();
    if (r.ok()) itch(bytes(buf, r.size));
}

void sim_agent::on(const book_cancel& e) noexcept {
    std::byte buf[itch::order_cancel::fixed_size];
    itch::order_cancel::builder b(buf);
    auto r = b.stock_locate(static_cast<std::uint16_t>(e.symbol + 1))
                 .timestamp(ts_)
                 .order_reference_number(e.ref)
                 .cancelled_shares(e.canceled_qty)
                 .finish();
    if (r.ok()) itch(bytes(buf, r.size));
}

void sim_agent::on(const book_delete& e) noexcept {
    std::byte buf[itch::order_delete::fixed_size];
    itch::order_delete::builder b(buf);
    auto r = b.stock_locate(static_cast<std::uint16_t>(e.symbol + 1))
                 .timestamp(ts_)
                 .order_reference_number(e.ref)
                 .finish();
    if (r.ok()) itch(bytes(buf, r.size));
}

void sim_agent::on(const book_replace& e) noexcept {
    std::byte buf[itch::order_replace::fixed_size];
    itch::order_replace::builder b(buf);
    auto r = b.stock_locate(static_cast<std::uint16_t>(e.symbol + 1))
                 .timestamp(ts_)
                 .original_order_reference_number(e.old_ref)
                 .new_order_reference_number(e.new_ref)
                 .shares(e.qty)
                 .price(static_cast<std::uint32_t>(e.limit_price))
                 .finish();
    if (r.ok()) itch(bytes(buf, r.size));
}

}  // namespace exwire::sim::detail
