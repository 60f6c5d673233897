// The simulator's FIX 4.4 front end: NewOrderSingle (D), OrderCancelRequest (F) and
// OrderCancelReplaceRequest (G) in; ExecutionReport (8) and OrderCancelReject (9) out.
// The engine session does the session layer (logon, sequence numbers, heartbeats); this
// file maps application messages. ClOrdIDs are numbered into engine tokens per session.
// Cold-ish path: strings and maps allocate per order.

#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include <exwire/core/clock.hpp>
#include <exwire/engine/fix/engine_session.hpp>

#include "server_internal.hpp"

namespace exwire::sim::detail {

namespace {

constexpr char soh = '\x01';

/// The application fields this front end reads.
struct fix_fields {
    std::string_view msg_type, cl_ord_id, orig_cl_ord_id, symbol, side, order_qty, ord_type, price,
        tif;
};

bool parse_fields(std::string_view frame, fix_fields& f) noexcept {
    while (!frame.empty()) {
        const std::size_t eq = frame.find('=');
        if (eq == std::string_view::npos) return false;
        std::size_t end = frame.find(soh, eq + 1);
        if (end == std::string_view::npos) end = frame.size();
        const std::string_view tag = frame.substr(0, eq);
        const std::string_view value = frame.substr(eq + 1, end - eq - 1);
        int t = 0;
        if (std::from_chars(tag.data(), tag.data() + tag.size(), t).ec != std::errc{}) return false;
        switch (t) {
            case 35:
                f.msg_type = value;
                break;
            case 11:
                f.cl_ord_id = value;
                break;
            case 41:
                f.orig_cl_ord_id = value;
                break;
            case 55:
                f.symbol = value;
                break;
            case 54:
                f.side = value;
                break;
            case 38:
                f.order_qty = value;
                break;
            case 40:
                f.ord_type = value;
                break;
            case 44:
                f.price = value;
                break;
            case 59:
                f.tif = value;
                break;
            default:
                break;
        }
        frame.remove_prefix(std::min(end + 1, frame.size()));
    }
    return true;
}

/// "12.34" -> 123400 (4 implied decimals); nullopt when malformed or more than 4 decimals.
std::optional<price> parse_price(std::string_view s) noexcept {
    if (s.empty()) return std::nullopt;
    bool negative = false;
    if (s.front() == '-') {
        negative = true;
        s.remove_prefix(1);
    }
    price whole = 0;
    price frac = 0;
    int frac_digits = 0;
    bool dot = false;
    bool any = false;
    for (char c : s) {
        if (c == '.' && !dot) {
            dot = true;
            continue;
        }
        if (c < '0' || c > '9') return std::nullopt;
        any = true;
        if (!dot) {
            if (whole > 100'000'000'000'000) return std::nullopt;
            whole = whole * 10 + (c - '0');
        } else {
            if (frac_digits == 4) {
                if (c != '0') return std::nullopt;  // finer than the price scale
                continue;
            }
            frac = frac * 10 + (c - '0');
            ++frac_digits;
        }
    }
    if (!any) return std::nullopt;
    for (; frac_digits < 4; ++frac_digits)
        frac *= 10;
    const price v = whole * price_scale + frac;
    return negative ? -v : v;
}

std::optional<std::uint64_t> parse_uint(std::string_view s) noexcept {
    std::uint64_t v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc{} || r.ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

void append_price(std::string& out, price p) {
    const char* sign = p < 0 ? "-" : "";
    const std::uint64_t a = static_cast<std::uint64_t>(p < 0 ? -p : p);
    fmt::format_to(std::back_inserter(out), "{}{}.{:04}", sign, a / 10'000, a % 10'000);
}

}  // namespace

int sim_agent::poll_fix() noexcept {
    const engine::polled p = fix_.poll(
        [&](const engine::inbound_record& r) {
            if (r.is_message()) {
                on_fix_message(r.body);
                return;
            }
            if (r.type == engine::record_type::logged_in) fix_logged_on_ = true;
            if (r.type == engine::record_type::disconnected && fix_logged_on_) {
                fix_logged_on_ = false;
                if (options_.cancel_on_disconnect && !ended_.load(std::memory_order_relaxed)) {
                    ts_ = stamp(monotonic_ns());
                    (void)engine_->cancel_all(fix_client_);
                }
            }
        },
        512);
    return static_cast<int>(p.count);
}

void sim_agent::on_fix_message(bytes frame) noexcept {
    if (ended_.load(std::memory_order_relaxed)) return;
    fix_fields f;
    if (!parse_fields(std::string_view(reinterpret_cast<const char*>(frame.data()), frame.size()),
                      f))
        return;
    const std::int64_t now = monotonic_ns();
    fix_pending_cl_ord_id_.assign(f.cl_ord_id);
    fix_pending_orig_.assign(f.orig_cl_ord_id);
    if (f.msg_type == "D") {
        fix_order o;
        o.cl_ord_id.assign(f.cl_ord_id);
        o.symbol.assign(f.symbol);
        o.side = f.side.empty() ? '?' : f.side.front();
        o.ord_type = f.ord_type.empty() ? '2' : f.ord_type.front();
        o.tif = f.tif.empty() ? '0' : f.tif.front();
        const auto qty = parse_uint(f.order_qty);
        const auto px = o.ord_type == '1' ? std::optional<price>(0) : parse_price(f.price);
        const bool side_ok = o.side == '1' || o.side == '2' || o.side == '5' || o.side == '6';
        if (f.cl_ord_id.empty() || !side_ok || !qty || !px || *qty > 0xffff'ffffULL ||
            (o.ord_type != '1' && o.ord_type != '2')) {
            o.order_qty =
                qty ? static_cast<quantity>(std::min<std::uint64_t>(*qty, 0xffff'ffff)) : 0;
            ++local_rejects_;
            fix_execution_report(o, '8', '8', 0, 0, 0, {}, "unsupported or malformed order");
            return;
        }
        if (fix_tokens_.count(o.cl_ord_id) != 0) {
            ++local_rejects_;
            fix_execution_report(o, '8', '8', 0, 0, 0, {}, "duplicate ClOrdID");
            return;
        }
        o.order_qty = static_cast<quantity>(*qty);
        o.limit_price = *px;
        const order_token token = fix_next_token_++;
        fix_tokens_.emplace(o.cl_ord_id, token);
        new_order n;
        n.client = fix_client_;
        n.token = token;
        n.symbol = stock::from(f.symbol);
        n.order_side = o.side == '1' ? side::buy : side::sell;
        n.type = o.ord_type == '1' ? order_type::market : order_type::limit;
        n.tif = (o.tif == '3' || n.type == order_type::market) ? time_in_force::immediate_or_cancel
                                                               : time_in_force::day;
        n.limit_price = o.limit_price;
        n.qty = o.order_qty;
        fix_orders_.emplace(token, std::move(o));
        submit(n, now);
        return;
    }
    if (f.msg_type == "F" || f.msg_type == "G") {
        const char response_to = f.msg_type == "F" ? '1' : '2';
        const auto it = fix_tokens_.find(std::string(f.orig_cl_ord_id));
        if (it == fix_tokens_.end() || !engine_->is_live(fix_client_, it->second)) {
            ++local_rejects_;
            fix_cancel_reject(f.cl_ord_id, f.orig_cl_ord_id, response_to, "unknown order");
            return;
        }
        if (f.cl_ord_id.empty() || fix_tokens_.count(std::string(f.cl_ord_id)) != 0) {
            ++local_rejects_;
            fix_cancel_reject(f.cl_ord_id, f.orig_cl_ord_id, response_to, "duplicate ClOrdID");
            return;
        }
        const order_token old_token = it->second;
        if (response_to == '1') {
            submit(cancel_order{fix_client_, old_token, 0}, now);
            return;
        }
        const fix_order& old = fix_orders_[old_token];
        const auto qty = parse_uint(f.order_qty);
        const auto px =
            f.price.empty() ? std::optional<price>(old.limit_price) : parse_price(f.price);
        if (!qty || !px || *qty <= old.cum_qty || *qty > 0xffff'ffffULL) {
            ++local_rejects_;
            fix_cancel_reject(f.cl_ord_id, f.orig_cl_ord_id, response_to, "bad quantity or price");
            return;
        }
        const order_token new_token = fix_next_token_++;
        fix_tokens_.emplace(std::string(f.cl_ord_id), new_token);
        fix_order next = old;
        next.cl_ord_id.assign(f.cl_ord_id);
        next.order_qty = static_cast<quantity>(*qty);
        next.limit_price = *px;
        fix_orders_.emplace(new_token, std::move(next));
        submit(replace_order{fix_client_, old_token, new_token, *px,
                             static_cast<quantity>(*qty - fix_orders_[old_token].cum_qty)},
               now);
        return;
    }
}

void sim_agent::fix_send(std::string_view msg_type) noexcept {
    if (!fix_.valid()) return;
    if (fix_.send(bytes(reinterpret_cast<const std::byte*>(fix_body_.data()), fix_body_.size()),
                  engine::fix::fix_msg_type_tag(msg_type)) != engine::send_status::ok)
        ++local_dropped_;
}

void sim_agent::fix_execution_report(const fix_order& o, char exec_type, char ord_status,
                                     quantity leaves, quantity last_qty, price last_px,
                                     std::string_view orig_cl_ord_id,
                                     std::string_view text) noexcept {
    fix_body_.clear();
    auto out = std::back_inserter(fix_body_);
    const double avg = o.cum_qty == 0 ? 0.0
                                      : static_cast<double>(o.notional) /
                                            static_cast<double>(o.cum_qty) / 10'000.0;
    // FIX has no empty values: "NONE" stands for an order or ClOrdID the request lacked.
    if (o.ref != 0)
        fmt::format_to(out, "37={}\x01", o.ref);
    else
        fix_body_ += "37=NONE\x01";
    fmt::format_to(out, "11={}\x01", o.cl_ord_id.empty() ? "NONE" : o.cl_ord_id);
    if (!orig_cl_ord_id.empty()) fmt::format_to(out, "41={}\x01", orig_cl_ord_id);
    fmt::format_to(out,
                   "17={}\x01"
                   "150={}\x01"
                   "39={}\x01",
                   fix_exec_id_++, exec_type, ord_status);
    if (!o.symbol.empty()) fmt::format_to(out, "55={}\x01", o.symbol);
    if (o.side != '?') fmt::format_to(out, "54={}\x01", o.side);
    fmt::format_to(out, "38={}\x01", o.order_qty);
    fmt::format_to(out, "40={}\x01", o.ord_type);
    if (o.ord_type == '2') {
        fix_body_ += "44=";
        append_price(fix_body_, o.limit_price);
        fix_body_ += soh;
    }
    fmt::format_to(out, "59={}\x01", o.tif);
    if (last_qty != 0) {
        fmt::format_to(out,
                       "32={}\x01"
                       "31=",
                       last_qty);
        append_price(fix_body_, last_px);
        fix_body_ += soh;
    }
    fmt::format_to(out,
                   "151={}\x01"
                   "14={}\x01"
                   "6={:.4f}\x01",
                   leaves, o.cum_qty, avg);
    if (!text.empty()) fmt::format_to(out, "58={}\x01", text);
    fix_send("8");
}

void sim_agent::fix_cancel_reject(std::string_view cl_ord_id, std::string_view orig,
                                  char response_to, std::string_view text) noexcept {
    fix_body_.clear();
    auto out = std::back_inserter(fix_body_);
    const auto it = fix_tokens_.find(std::string(orig));
    const fix_order* o = nullptr;
    if (it != fix_tokens_.end()) {
        const auto f = fix_orders_.find(it->second);
        if (f != fix_orders_.end()) o = &f->second;
    }
    const bool live = o != nullptr && engine_->is_live(fix_client_, it->second);
    const char status = !live ? '8' : o->cum_qty > 0 ? '1' : '0';
    if (o != nullptr)
        fmt::format_to(out, "37={}\x01", o->ref);
    else
        fix_body_ += "37=NONE\x01";
    fmt::format_to(out,
                   "11={}\x01"
                   "41={}\x01"
                   "39={}\x01"
                   "434={}\x01"
                   "102={}\x01"
                   "58={}\x01",
                   cl_ord_id.empty() ? "NONE" : cl_ord_id, orig.empty() ? "NONE" : orig, status,
                   response_to, live ? "99" : "1", text);
    fix_send("9");
}

void sim_agent::fix_accepted(const order_accepted& e) noexcept {
    auto it = fix_orders_.find(e.token);
    if (it == fix_orders_.end()) return;
    it->second.ref = e.ref;
    fix_execution_report(it->second, '0', '0', e.qty, 0, 0, {}, {});
}

void sim_agent::fix_rejected(const order_rejected& e) noexcept {
    const std::string_view why = to_string(e.reason);
    if (e.request == request_kind::enter) {
        auto it = fix_orders_.find(e.token);
        if (it == fix_orders_.end()) return;
        fix_execution_report(it->second, '8', '8', 0, 0, 0, {}, why);
        fix_tokens_.erase(it->second.cl_ord_id);
        fix_orders_.erase(it);
        return;
    }
    // A cancel or replace: the order stays as it was.
    if (e.request == request_kind::replace) {
        auto it = fix_orders_.find(e.token);  // the new token
        if (it != fix_orders_.end()) {
            fix_tokens_.erase(it->second.cl_ord_id);
            fix_orders_.erase(it);
        }
    }
    fix_cancel_reject(fix_pending_cl_ord_id_, fix_pending_orig_,
                      e.request == request_kind::cancel ? '1' : '2', why);
}

void sim_agent::fix_fill(const fill_side& s, const trade& t, bool aggressor) noexcept {
    (void)aggressor;
    auto it = fix_orders_.find(s.token);
    if (it == fix_orders_.end()) return;
    fix_order& o = it->second;
    o.cum_qty += t.qty;
    o.notional += static_cast<std::uint64_t>(t.trade_price) * t.qty;
    const char status = s.leaves == 0 ? '2' : '1';
    fix_execution_report(o, 'F', status, s.leaves, t.qty, t.trade_price, {}, {});
    if (s.leaves == 0) fix_orders_.erase(it);  // done (its ClOrdID stays used)
}

void sim_agent::fix_canceled(const order_canceled& e) noexcept {
    auto it = fix_orders_.find(e.token);
    if (it == fix_orders_.end()) return;
    fix_order& o = it->second;
    if (e.leaves == 0) {
        // A cancel request answers with the request's ClOrdID; IOC and system cancels with
        // the order's own.
        if (e.reason == cancel_reason::user_requested && !fix_pending_cl_ord_id_.empty()) {
            fix_order shown = o;
            shown.cl_ord_id = fix_pending_cl_ord_id_;
            fix_execution_report(shown, '4', '4', 0, 0, 0, o.cl_ord_id, {});
            fix_tokens_.emplace(fix_pending_cl_ord_id_, e.token);
        } else {
            fix_execution_report(o, '4', '4', 0, 0, 0, {}, to_string(e.reason));
        }
        fix_orders_.erase(it);  // done (its ClOrdIDs stay used)
        return;
    }
    // A reduction keeping the order alive.
    o.order_qty = o.cum_qty + e.leaves;
    fix_execution_report(o, '5', o.cum_qty > 0 ? '1' : '0', e.leaves, 0, 0, {}, {});
}

void sim_agent::fix_replaced(const order_replaced& e) noexcept {
    auto old_it = fix_orders_.find(e.old_token);
    auto it = fix_orders_.find(e.new_token);
    if (it == fix_orders_.end()) return;
    fix_order& o = it->second;
    o.ref = e.new_ref;
    o.limit_price = e.limit_price;
    std::string orig;
    if (old_it != fix_orders_.end()) {
        o.cum_qty = old_it->second.cum_qty;
        o.notional = old_it->second.notional;
        orig = old_it->second.cl_ord_id;
        fix_orders_.erase(old_it);
    }
    o.order_qty = o.cum_qty + e.qty;
    fix_execution_report(o, '5', o.cum_qty > 0 ? '1' : '0', e.qty, 0, 0, orig, {});
}

}  // namespace exwire::sim::detail
