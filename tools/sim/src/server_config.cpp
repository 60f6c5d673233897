// The simulator's configuration file (TOML): symbols, starting books and the background
// flow, with the keys of docs/simulator.md "Configuration". Errors name the file, line,
// column and key: "sim.toml:7:8: symbols[0].tick: expected a price ...".

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include <exwire/sim/server.hpp>

namespace exwire::sim {

namespace {

struct reader {
    std::string file;
    std::string error;  // the first problem

    [[nodiscard]] bool ok() const noexcept { return error.empty(); }

    void fail_at(const toml::node& n, const std::string& path, const std::string& what) {
        if (!error.empty()) return;
        const auto& r = n.source();
        if (r.begin.line != 0)
            error = fmt::format("{}:{}:{}: {}: {}", file, r.begin.line, r.begin.column, path, what);
        else
            error = fmt::format("{}: {}: {}", file, path, what);
    }

    void check_keys(const toml::table& t, const std::string& path,
                    std::initializer_list<std::string_view> known) {
        for (const auto& [k, v] : t) {
            bool found = false;
            for (std::string_view kk : known)
                found = found || kk == k.str();
            if (!found) {
                std::string list;
                for (std::string_view kk : known) {
                    if (!list.empty()) list.append(", ");
                    list.append(kk);
                }
                std::string where = path;
                if (!where.empty()) where.push_back('.');
                where.append(k.str());
                std::string what = "unknown key (known here: ";
                what.append(list).append(")");
                fail_at(v, where, what);
            }
        }
    }

    template <typename T>
    void unsigned_value(const toml::table& t, std::string_view key, const std::string& path, T& out,
                        std::uint64_t min = 0) {
        const toml::node* n = t.get(key);
        if (n == nullptr) return;
        const std::string p = path + std::string(key);
        const auto v = n->value<std::int64_t>();
        if (!n->is_integer() || !v) return fail_at(*n, p, "expected an integer");
        if (*v < 0 || static_cast<std::uint64_t>(*v) < min ||
            static_cast<std::uint64_t>(*v) > std::numeric_limits<T>::max())
            return fail_at(*n, p,
                           "value " + std::to_string(*v) + " is out of range (" +
                               std::to_string(min) + ".." +
                               std::to_string(std::numeric_limits<T>::max()) + ")");
        out = static_cast<T>(*v);
    }

    /// A price: an integer in units of 1/10000 dollar (100 = $0.01), or a decimal string
    /// in dollars ("190.00").
    void price_value(const toml::node& n, const std::string& p, price& out) {
        if (n.is_integer()) {
            out = *n.value<std::int64_t>();
            return;
        }
        if (n.is_string()) {
            const std::string s = *n.value<std::string>();
            price whole = 0, frac = 0;
            int digits = 0;
            bool dot = false, any = false, bad = s.empty();
            for (char c : s) {
                if (c == '.' && !dot) {
                    dot = true;
                } else if (c >= '0' && c <= '9' && (!dot || digits < 4) &&
                           whole < 1'000'000'000'000) {
                    any = true;
                    if (dot) {
                        frac = frac * 10 + (c - '0');
                        ++digits;
                    } else {
                        whole = whole * 10 + (c - '0');
                    }
                } else {
                    bad = true;
                }
            }
            if (!bad && any) {
                for (; digits < 4; ++digits)
                    frac *= 10;
                out = whole * price_scale + frac;
                return;
            }
        }
        fail_at(n, p,
                "expected a price: an integer in 1/10000 dollars (100 = $0.01) or a string in "
                "dollars with at most 4 decimals (\"190.00\")");
    }

    void levels(const toml::table& t, std::string_view key, const std::string& path,
                std::vector<level_seed>& out) {
        const toml::node* n = t.get(key);
        if (n == nullptr) return;
        const std::string p = path + std::string(key);
        const toml::array* a = n->as_array();
        if (a == nullptr) return fail_at(*n, p, "expected an array of {px, qty_each, orders}");
        for (std::size_t i = 0; i < a->size(); ++i) {
            const std::string lp = p + "[" + std::to_string(i) + "]";
            const toml::table* lt = (*a)[i].as_table();
            if (lt == nullptr)
                return fail_at((*a)[i], lp, "expected a table {px, qty_each, orders}");
            check_keys(*lt, lp, {"px", "qty_each", "orders"});
            level_seed l;
            const toml::node* px = lt->get("px");
            if (px == nullptr) return fail_at(*lt, lp + ".px", "missing");
            price_value(*px, lp + ".px", l.px);
            if (lt->get("qty_each") == nullptr) return fail_at(*lt, lp + ".qty_each", "missing");
            unsigned_value(*lt, "qty_each", lp + ".", l.qty_each, 1);
            unsigned_value(*lt, "orders", lp + ".", l.orders, 1);
            out.push_back(l);
        }
    }

    void symbol(const toml::table& t, const std::string& path, symbol_config& s) {
        check_keys(t, path,
                   {"name", "tick", "reference_price", "band_bp", "max_order_qty", "bids", "asks"});
        const toml::node* name = t.get("name");
        if (name == nullptr || !name->is_string())
            return fail_at(name != nullptr ? *name : static_cast<const toml::node&>(t),
                           path + ".name", "expected a string (1..8 characters)");
        s.name = *name->value<std::string>();
        if (const toml::node* n = t.get("tick")) price_value(*n, path + ".tick", s.tick);
        const toml::node* ref = t.get("reference_price");
        if (ref == nullptr) return fail_at(t, path + ".reference_price", "missing");
        price_value(*ref, path + ".reference_price", s.reference_price);
        unsigned_value(t, "band_bp", path + ".", s.band_bp);
        unsigned_value(t, "max_order_qty", path + ".", s.max_order_qty);
        levels(t, "bids", path + ".", s.bids);
        levels(t, "asks", path + ".", s.asks);
    }
};

}  // namespace

result<sim_config> parse_sim_config(std::string_view toml_text, std::string_view file) {
    toml::table root;
    try {
        root = toml::parse(toml_text, file);
    } catch (const toml::parse_error& e) {
        const auto& b = e.source().begin;
        return fail(fmt::format("{}:{}:{}: {}", file, b.line, b.column, e.description()));
    }
    reader rd{std::string(file), {}};
    sim_config c;
    rd.check_keys(root, "", {"symbols", "flow", "house_client", "order_capacity"});
    rd.unsigned_value(root, "house_client", "", c.house_client);
    rd.unsigned_value(root, "order_capacity", "", c.initial_order_capacity, 1);
    if (const toml::node* f = root.get("flow")) {
        const toml::table* ft = f->as_table();
        if (ft == nullptr) {
            rd.fail_at(*f, "flow", "expected a table");
        } else {
            rd.check_keys(*ft, "flow",
                          {"rate", "seed", "add_weight", "cancel_weight", "marketable_weight",
                           "depth_ticks", "lot", "max_lots", "max_live_orders", "client"});
            if (const toml::node* r = ft->get("rate")) {
                const auto v = r->value<double>();
                if (!(r->is_integer() || r->is_floating_point()) || !v || *v < 0)
                    rd.fail_at(*r, "flow.rate",
                               "expected a non-negative number of orders per second");
                else
                    c.flow.orders_per_second = *v;
            }
            rd.unsigned_value(*ft, "seed", "flow.", c.flow.seed);
            rd.unsigned_value(*ft, "add_weight", "flow.", c.flow.add_weight);
            rd.unsigned_value(*ft, "cancel_weight", "flow.", c.flow.cancel_weight);
            rd.unsigned_value(*ft, "marketable_weight", "flow.", c.flow.marketable_weight);
            rd.unsigned_value(*ft, "depth_ticks", "flow.", c.flow.depth_ticks);
            rd.unsigned_value(*ft, "lot", "flow.", c.flow.lot, 1);
            rd.unsigned_value(*ft, "max_lots", "flow.", c.flow.max_lots, 1);
            rd.unsigned_value(*ft, "max_live_orders", "flow.", c.flow.max_live_orders);
            rd.unsigned_value(*ft, "client", "flow.", c.flow.client);
        }
    }
    const toml::node* syms = root.get("symbols");
    if (syms == nullptr)
        return fail(std::string(file) + ": symbols: missing (at least one [[symbols]])");
    const toml::array* sa = syms->as_array();
    if (sa == nullptr || sa->empty()) {
        rd.fail_at(*syms, "symbols", "expected an array of tables ([[symbols]])");
    } else {
        for (std::size_t i = 0; i < sa->size() && rd.ok(); ++i) {
            const std::string path = "symbols[" + std::to_string(i) + "]";
            const toml::table* st = (*sa)[i].as_table();
            if (st == nullptr) {
                rd.fail_at((*sa)[i], path, "expected a table");
                break;
            }
            symbol_config s;
            rd.symbol(*st, path, s);
            c.symbols.push_back(std::move(s));
        }
    }
    if (!rd.ok()) return fail(rd.error);
    if (auto v = validate(c); !v) return fail(std::string(file) + ": " + v.err().message);
    return c;
}

result<sim_config> load_sim_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(path + ": cannot open the file");
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_sim_config(ss.str(), path);
}

}  // namespace exwire::sim
