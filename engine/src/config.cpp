#include <exwire/engine/config.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include <arpa/inet.h>

#include <fmt/format.h>

#include <exwire/codec/fix/dictionary.hpp>
#include <exwire/core/thread.hpp>
#include <exwire/engine/fix/session_schedule.hpp>

#include <toml++/toml.h>

namespace exwire::engine {

namespace {

template <typename E, std::size_t N>
struct enum_names {
    std::array<std::pair<E, std::string_view>, N> items;

    [[nodiscard]] std::string_view name(E e) const noexcept {
        for (const auto& [v, n] : items)
            if (v == e) return n;
        return "?";
    }
    [[nodiscard]] std::optional<E> find(std::string_view s) const noexcept {
        for (const auto& [v, n] : items)
            if (n == s) return v;
        return std::nullopt;
    }
    [[nodiscard]] std::string list() const {
        std::string out;
        for (const auto& [v, n] : items) {
            if (!out.empty()) out += ", ";
            out += n;
        }
        return out;
    }
};

constexpr enum_names<transport_kind, 3> transport_names{{{
    {transport_kind::io_uring, "io_uring"},
    {transport_kind::socket, "socket"},
    {transport_kind::dpdk, "dpdk"},
}}};
constexpr enum_names<protocol_kind, 5> protocol_names{{{
    {protocol_kind::soupbintcp, "soupbintcp"},
    {protocol_kind::ouch, "ouch"},
    {protocol_kind::moldudp64, "moldudp64"},
    {protocol_kind::itch, "itch"},
    {protocol_kind::fix, "fix"},
}}};
constexpr enum_names<session_role, 6> role_names{{{
    {session_role::client, "client"},
    {session_role::server, "server"},
    {session_role::publisher, "publisher"},
    {session_role::receiver, "receiver"},
    {session_role::initiator, "initiator"},
    {session_role::acceptor, "acceptor"},
}}};
constexpr enum_names<durability_policy, 3> durability_names{{{
    {durability_policy::none, "none"},
    {durability_policy::periodic, "periodic"},
    {durability_policy::sync, "sync"},
}}};
constexpr enum_names<silence_action, 2> silence_names{{{
    {silence_action::close, "close"},
    {silence_action::notify, "notify"},
}}};

}  // namespace

std::string_view to_string(transport_kind k) noexcept {
    return transport_names.name(k);
}
std::string_view to_string(protocol_kind k) noexcept {
    return protocol_names.name(k);
}
std::string_view to_string(session_role r) noexcept {
    return role_names.name(r);
}
std::string_view to_string(durability_policy d) noexcept {
    return durability_names.name(d);
}
std::string_view to_string(silence_action a) noexcept {
    return silence_names.name(a);
}

std::string endpoint::to_string() const {
    if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
    return fmt::format("{}:{}", host, port);
}

result<endpoint> parse_endpoint(std::string_view text) {
    std::string_view host;
    std::string_view port_text;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return fail(fmt::format(
                "'{}' is not an address (examples: 127.0.0.1:15000, [::1]:15000)", text));
        host = text.substr(1, close - 1);
        port_text = text.substr(close + 2);
        in6_addr a6;
        if (inet_pton(AF_INET6, std::string(host).c_str(), &a6) != 1)
            return fail(fmt::format("'{}' is not an IPv6 address", host));
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos || colon == 0)
            return fail(fmt::format(
                "'{}' is not an address (examples: 127.0.0.1:15000, [::1]:15000)", text));
        host = text.substr(0, colon);
        port_text = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos)
            return fail(
                fmt::format("'{}': write IPv6 addresses in brackets, as [::1]:15000", text));
        const bool name_chars = std::all_of(host.begin(), host.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '.' || c == '-' || c == '_';
        });
        if (!name_chars) return fail(fmt::format("'{}' is not a host name or IPv4 address", host));
    }
    unsigned port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc{} || ptr != port_text.data() + port_text.size() ||
        port > 65535)
        return fail(fmt::format("'{}' has no valid port (0-65535)", text));
    return endpoint{std::string(host), static_cast<std::uint16_t>(port)};
}

// ---------------------------------------------------------------------------------------
// Error collection

namespace {

class error_list {
  public:
    error_list(const source_map& where, std::string_view file) : where_(where), file_(file) {}

    void add(const std::string& path, const std::string& message) {
        lines_.push_back(fmt::format("{}{}: {}", location(path), path, message));
    }
    void add_at(const source_position& pos, const std::string& path, const std::string& message) {
        lines_.push_back(
            fmt::format("{}:{}:{}: {}: {}", pos.file, pos.line, pos.column, path, message));
    }
    /// "file:line:column: " for the key, or its closest enclosing table, or "file: ".
    [[nodiscard]] std::string location(std::string_view path) const {
        std::string p(path);
        while (!p.empty()) {
            if (auto it = where_.find(p); it != where_.end())
                return fmt::format("{}:{}:{}: ", it->second.file, it->second.line,
                                   it->second.column);
            const auto cut = p.find_last_of(".[");
            if (cut == std::string::npos) break;
            p.resize(cut);
        }
        return file_.empty() ? std::string{} : fmt::format("{}: ", file_);
    }
    [[nodiscard]] bool empty() const noexcept { return lines_.empty(); }
    [[nodiscard]] error to_error() const {
        std::string msg;
        for (const auto& l : lines_) {
            if (!msg.empty()) msg += '\n';
            msg += l;
        }
        return fail(std::move(msg));
    }

  private:
    const source_map& where_;
    std::string file_;
    std::vector<std::string> lines_;
};

// ---------------------------------------------------------------------------------------
// TOML reading: one reader per table, which records positions and reports unknown keys.

std::string_view type_name(toml::node_type t) {
    switch (t) {
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a floating-point number";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

struct load_state {
    std::string file;
    source_map where;
    std::vector<std::pair<source_position, std::pair<std::string, std::string>>>
        errors;  // pos, path, msg

    source_position pos(const toml::source_region& r) const {
        return {file, r.begin.line, r.begin.column};
    }
    void error(const toml::node& n, const std::string& path, std::string msg) {
        errors.push_back({pos(n.source()), {path, std::move(msg)}});
    }
};

class table_reader {
  public:
    table_reader(load_state& st, const toml::table& t, std::string path)
        : st_(st), t_(t), path_(std::move(path)) {}
    table_reader(const table_reader&) = delete;
    table_reader& operator=(const table_reader&) = delete;
    ~table_reader() { report_unknown(); }

    [[nodiscard]] std::string key_path(std::string_view key) const {
        return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
    }

    /// The node of `key` if present (and records it as known).
    const toml::node* find(std::string_view key) {
        known_.emplace(key);
        const toml::node* n = t_.get(key);
        if (n != nullptr) st_.where[key_path(key)] = st_.pos(n->source());
        return n;
    }

    void string(std::string_view key, std::string& out) {
        if (const toml::node* n = find(key)) {
            if (auto v = n->value_exact<std::string>())
                out = *v;
            else
                wrong_type(*n, key, "a string");
        }
    }
    void boolean(std::string_view key, bool& out) {
        if (const toml::node* n = find(key)) {
            if (auto v = n->value_exact<bool>())
                out = *v;
            else
                wrong_type(*n, key, "a boolean (true or false)");
        }
    }
    template <typename Int>
    void integer(std::string_view key, Int& out, std::int64_t min, std::int64_t max) {
        if (const toml::node* n = find(key)) {
            auto v = n->value_exact<std::int64_t>();
            if (!v) {
                wrong_type(*n, key, "an integer");
            } else if (*v < min || *v > max) {
                st_.error(*n, key_path(key),
                          fmt::format("{} is out of range ({} to {})", *v, min, max));
            } else {
                out = static_cast<Int>(*v);
            }
        }
    }
    void duration(std::string_view key, std::int64_t& out) {
        if (const toml::node* n = find(key)) {
            auto v = n->value_exact<std::string>();
            if (!v) {
                wrong_type(*n, key, "a duration string such as \"1s\" or \"250ms\"");
                return;
            }
            auto d = parse_duration_ns(*v);
            if (!d)
                st_.error(*n, key_path(key), d.err().message);
            else
                out = *d;
        }
    }
    template <typename E, std::size_t N>
    void choice(std::string_view key, E& out, const enum_names<E, N>& names) {
        if (const toml::node* n = find(key)) {
            auto v = n->value_exact<std::string>();
            if (!v) {
                wrong_type(*n, key, fmt::format("a string, one of: {}", names.list()));
            } else if (auto e = names.find(*v)) {
                out = *e;
            } else {
                st_.error(*n, key_path(key),
                          fmt::format("'{}' is not one of: {}", *v, names.list()));
            }
        }
    }
    void address(std::string_view key, endpoint& out) {
        if (const toml::node* n = find(key)) {
            auto v = n->value_exact<std::string>();
            if (!v) {
                wrong_type(*n, key, "an address string such as \"127.0.0.1:15000\"");
                return;
            }
            if (v->empty()) {
                out = {};
                return;
            }
            auto e = parse_endpoint(*v);
            if (!e)
                st_.error(*n, key_path(key), e.err().message);
            else
                out = std::move(*e);
        }
    }
    void string_array(std::string_view key, std::vector<std::string>& out) {
        if (const toml::node* n = find(key)) {
            const toml::array* a = n->as_array();
            if (a == nullptr) {
                wrong_type(*n, key, "an array of strings");
                return;
            }
            out.clear();
            for (std::size_t i = 0; i < a->size(); ++i) {
                const toml::node& item = *a->get(i);
                if (auto s = item.value_exact<std::string>())
                    out.push_back(*s);
                else
                    st_.error(item, fmt::format("{}[{}]", key_path(key), i),
                              fmt::format("expected a string, found {}", type_name(item.type())));
            }
        }
    }
    /// A sub-table (a [section] or an inline { ... }); nullptr when absent or of another type.
    const toml::table* table(std::string_view key) {
        if (const toml::node* n = find(key)) {
            if (const toml::table* t = n->as_table()) return t;
            wrong_type(*n, key, "a table");
        }
        return nullptr;
    }

  private:
    void wrong_type(const toml::node& n, std::string_view key, std::string_view expected) {
        st_.error(n, key_path(key),
                  fmt::format("expected {}, found {}", expected, type_name(n.type())));
    }
    void report_unknown() {
        for (const auto& [k, v] : t_) {
            if (known_.count(k.str()) != 0) continue;
            std::string list;
            for (const auto& name : known_) {
                if (!list.empty()) list += ", ";
                list += name;
            }
            st_.errors.push_back(
                {st_.pos(k.source()),
                 {key_path(k.str()), fmt::format("unknown key (known here: {})", list)}});
        }
    }

    load_state& st_;
    const toml::table& t_;
    std::string path_;
    std::set<std::string, std::less<>> known_;
};

void read_shard(load_state& st, const toml::table& t, const std::string& path, shard_config& s) {
    table_reader r(st, t, path);
    r.string("name", s.name);
    if (const toml::node* n = r.find("cpus")) {
        if (auto str = n->value_exact<std::string>())
            s.cpus = *str;
        else if (auto i = n->value_exact<std::int64_t>())
            s.cpus = std::to_string(*i);
        else
            st.error(*n, r.key_path("cpus"),
                     fmt::format("expected a cpu list string such as \"2-3,6\", found {}",
                                 type_name(n->type())));
    }
    r.string("idle", s.idle);
    r.choice("transport", s.transport, transport_names);
    r.string_array("dpdk_eal_args", s.dpdk_eal_args);
    r.integer("fifo_priority", s.fifo_priority, 0, 99);
}

void read_session(load_state& st, const toml::table& t, const std::string& path,
                  session_config& s) {
    table_reader r(st, t, path);
    r.string("name", s.name);
    r.choice("protocol", s.protocol, protocol_names);
    r.choice("role", s.role, role_names);
    r.string("shard", s.shard);
    r.address("connect", s.connect);
    r.address("listen", s.listen);
    r.address("group", s.group);
    r.address("request_server", s.request_server);
    r.string("interface", s.interface);
    r.string("username", s.username);
    r.string("password", s.password);
    r.string("requested_session", s.requested_session);
    r.integer("requested_sequence", s.requested_sequence, 0, INT64_MAX);
    r.string("sender_comp_id", s.sender_comp_id);
    r.string("target_comp_id", s.target_comp_id);
    r.string("fix_version", s.fix_version);
    r.integer("inbound_ring_size", s.inbound_ring_size, 0, INT64_MAX);
    r.integer("outbound_ring_size", s.outbound_ring_size, 0, INT64_MAX);
    if (const toml::table* h = r.table("heartbeat")) {
        table_reader hr(st, *h, r.key_path("heartbeat"));
        hr.duration("interval", s.heartbeat.interval_ns);
        hr.integer("tolerated_misses", s.heartbeat.tolerated_misses, 0, 1'000'000);
        hr.choice("on_silence", s.heartbeat.on_silence, silence_names);
        hr.boolean("stop_on_trip", s.heartbeat.stop_on_trip);
    }
    if (const toml::table* j = r.table("journal")) {
        table_reader jr(st, *j, r.key_path("journal"));
        jr.string("dir", s.journal.dir);
        jr.choice("durability", s.journal.durability, durability_names);
        jr.duration("sync_interval", s.journal.sync_interval_ns);
        jr.integer("segment_size", s.journal.segment_size, 0, INT64_MAX);
    }
    if (const toml::table* c = r.table("reconnect")) {
        table_reader cr(st, *c, r.key_path("reconnect"));
        cr.boolean("enabled", s.reconnect.enabled);
        cr.duration("delay", s.reconnect.delay_ns);
        cr.duration("max_delay", s.reconnect.max_delay_ns);
        cr.integer("attempts", s.reconnect.attempts, 0, UINT32_MAX);
    }
    if (const toml::table* f = r.table("fix")) {
        table_reader fr(st, *f, r.key_path("fix"));
        fr.boolean("reset_on_logon", s.fix.reset_on_logon);
        fr.boolean("next_expected_msg_seq_num", s.fix.next_expected_msg_seq_num);
        fr.string("default_appl_ver_id", s.fix.default_appl_ver_id);
        fr.string("sender_sub_id", s.fix.sender_sub_id);
        fr.string("target_sub_id", s.fix.target_sub_id);
        fr.string("sender_location_id", s.fix.sender_location_id);
        fr.string("target_location_id", s.fix.target_location_id);
        fr.duration("logon_timeout", s.fix.logon_timeout_ns);
        fr.duration("logout_timeout", s.fix.logout_timeout_ns);
        fr.boolean("check_latency", s.fix.check_latency);
        fr.duration("max_latency", s.fix.max_latency_ns);
        fr.integer("time_digits", s.fix.time_digits, 0, 9);
        fr.string("dictionary", s.fix.dictionary);
        fr.string("start_time", s.fix.start_time);
        fr.string("end_time", s.fix.end_time);
        fr.string("days", s.fix.days);
        fr.string("time_zone", s.fix.time_zone);
    }
}

/// Array of tables `key` ([[shard]], [[session]]).
template <typename Config, typename Reader>
void read_array(load_state& st, table_reader& root, std::string_view key, std::vector<Config>& out,
                Reader read) {
    const toml::node* n = root.find(key);
    if (n == nullptr) return;
    const toml::array* a = n->as_array();
    if (a == nullptr) {
        st.error(*n, std::string(key),
                 fmt::format("expected an array of tables ([[{}]] sections), found {}", key,
                             type_name(n->type())));
        return;
    }
    for (std::size_t i = 0; i < a->size(); ++i) {
        const toml::node& item = *a->get(i);
        const std::string path = fmt::format("{}[{}]", key, i);
        st.where[path] = st.pos(item.source());
        const toml::table* t = item.as_table();
        if (t == nullptr) {
            st.error(item, path, fmt::format("expected a table, found {}", type_name(item.type())));
            continue;
        }
        Config c;
        read(st, *t, path, c);
        out.push_back(std::move(c));
    }
}

// ---------------------------------------------------------------------------------------
// Validation

bool is_power_of_two(std::size_t v) {
    return v != 0 && (v & (v - 1)) == 0;
}

bool valid_name(std::string_view s) {
    return !s.empty() && s.size() <= 31 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
    });
}

bool role_fits(protocol_kind p, session_role r) {
    switch (p) {
        case protocol_kind::soupbintcp:
        case protocol_kind::ouch:
            return r == session_role::client || r == session_role::server;
        case protocol_kind::moldudp64:
            return r == session_role::publisher || r == session_role::receiver;
        case protocol_kind::itch:
            return r == session_role::client || r == session_role::server ||
                   r == session_role::publisher || r == session_role::receiver;
        case protocol_kind::fix:
            return r == session_role::initiator || r == session_role::acceptor;
    }
    return false;
}

std::string_view roles_for(protocol_kind p) {
    switch (p) {
        case protocol_kind::soupbintcp:
        case protocol_kind::ouch:
            return "client or server";
        case protocol_kind::moldudp64:
            return "publisher or receiver";
        case protocol_kind::itch:
            return "client or server (over SoupBinTCP), publisher or receiver (over MoldUDP64)";
        case protocol_kind::fix:
            return "initiator or acceptor";
    }
    return "?";
}

bool is_udp_role(session_role r) {
    return r == session_role::publisher || r == session_role::receiver;
}
bool is_soup_family(const session_config& s) {
    return !is_udp_role(s.role) && s.protocol != protocol_kind::fix;
}

bool is_wildcard(const std::string& host) {
    return host.empty() || host == "0.0.0.0" || host == "::" || host == "*";
}

void validate_fix(const fix_session_config& f, const std::string& p, error_list& errors) {
    if (f.logon_timeout_ns <= 0) errors.add(p + ".logon_timeout", "must be above zero");
    if (f.logout_timeout_ns <= 0) errors.add(p + ".logout_timeout", "must be above zero");
    for (const auto& [key, id] :
         {std::pair<const char*, const std::string&>{"sender_sub_id", f.sender_sub_id},
          {"target_sub_id", f.target_sub_id},
          {"sender_location_id", f.sender_location_id},
          {"target_location_id", f.target_location_id}})
        if (id.find('\x01') != std::string::npos)
            errors.add(p + "." + key, "must not contain the FIX field separator (SOH)");
    if (f.check_latency && f.max_latency_ns <= 0)
        errors.add(p + ".max_latency", "must be above zero when check_latency is on");
    if (f.start_time.empty() != f.end_time.empty()) {
        errors.add(p + (f.start_time.empty() ? ".start_time" : ".end_time"),
                   "a schedule needs both start_time and end_time");
    } else if (!f.start_time.empty()) {
        auto sc = fix::session_schedule::parse(f.start_time, f.end_time, f.days, f.time_zone);
        if (!sc) errors.add(p + ".start_time", sc.err().message);
    } else if (!f.days.empty()) {
        errors.add(p + ".days", "days need a schedule (start_time and end_time)");
    }
    if (!f.dictionary.empty()) {
        auto d = codec::fix::dictionary::load(f.dictionary);
        if (!d) errors.add(p + ".dictionary", d.err().message);
    }
}

}  // namespace

result<void> validate(engine_config& config, const source_map& where) {
    error_list errors(where, "");

    if (!valid_name(config.name))
        errors.add("engine.name", "needs 1-31 characters of letters, digits, '_', '-' or '.'");

    if (config.shards.empty()) config.shards.push_back(shard_config{});
    std::map<std::string, std::size_t, std::less<>> shard_index;
    for (std::size_t i = 0; i < config.shards.size(); ++i) {
        shard_config& s = config.shards[i];
        const std::string p = fmt::format("shard[{}]", i);
        if (!valid_name(s.name)) {
            errors.add(p + ".name",
                       fmt::format("'{}' is not a valid name (1-31 letters, digits, '_', '-', '.')",
                                   s.name));
        } else if (!shard_index.emplace(s.name, i).second) {
            errors.add(p + ".name", fmt::format("shard '{}' is already defined as shard[{}]",
                                                s.name, shard_index[s.name]));
        }
        if (!s.cpus.empty()) {
            if (auto cpus = parse_cpu_list(s.cpus); !cpus)
                errors.add(p + ".cpus", cpus.err().message);
        }
        if (auto idle = idle_strategy::parse(s.idle); !idle)
            errors.add(p + ".idle", idle.err().message);
        if (s.fifo_priority < 0 || s.fifo_priority > 99)
            errors.add(p + ".fifo_priority",
                       fmt::format("{} is out of range (0 to 99)", s.fifo_priority));
        if (s.transport != transport_kind::dpdk && !s.dpdk_eal_args.empty())
            errors.add(p + ".dpdk_eal_args",
                       fmt::format("only applies to transport \"dpdk\" (this shard uses \"{}\")",
                                   to_string(s.transport)));
    }

    std::map<std::string, std::size_t, std::less<>> session_index;
    struct listener {
        std::size_t session;
        std::string host;
        bool udp;
        const session_config* fix_acceptor;  ///< set for a FIX acceptor (ports may be shared)
    };
    std::multimap<std::uint16_t, listener> listeners;

    for (std::size_t i = 0; i < config.sessions.size(); ++i) {
        session_config& s = config.sessions[i];
        const std::string p = fmt::format("session[{}]", i);
        if (!valid_name(s.name)) {
            errors.add(
                p + ".name",
                s.name.empty()
                    ? std::string("is required (1-31 letters, digits, '_', '-', '.')")
                    : fmt::format("'{}' is not a valid name (1-31 letters, digits, '_', '-', '.')",
                                  s.name));
        } else if (!session_index.emplace(s.name, i).second) {
            errors.add(p + ".name", fmt::format("session '{}' is already defined as session[{}]",
                                                s.name, session_index[s.name]));
        }

        const shard_config* shard = nullptr;
        if (s.shard.empty()) {
            s.shard = config.shards.front().name;
            shard = &config.shards.front();
        } else if (auto it = shard_index.find(s.shard); it != shard_index.end()) {
            shard = &config.shards[it->second];
        } else {
            std::string names;
            for (const auto& sh : config.shards)
                names += (names.empty() ? "" : ", ") + sh.name;
            errors.add(p + ".shard",
                       fmt::format("no shard named '{}' (shards: {})", s.shard, names));
        }

        if (!role_fits(s.protocol, s.role)) {
            errors.add(p + ".role",
                       fmt::format("a {} session cannot be a {}; use {}", to_string(s.protocol),
                                   to_string(s.role), roles_for(s.protocol)));
        }
        if (shard != nullptr && shard->transport == transport_kind::dpdk && !is_udp_role(s.role)) {
            errors.add(
                p + ".shard",
                fmt::format("shard '{}' uses transport \"dpdk\", which carries only MoldUDP64 "
                            "(publisher, receiver); TCP sessions need io_uring or socket",
                            shard->name));
        }

        // Addresses each role needs.
        switch (s.role) {
            case session_role::client:
            case session_role::initiator:
                if (s.connect.empty())
                    errors.add(p + ".connect", fmt::format("a {} needs an address to connect to",
                                                           to_string(s.role)));
                else if (s.connect.port == 0)
                    errors.add(p + ".connect", "port 0 cannot be connected to");
                break;
            case session_role::server:
            case session_role::acceptor:
                if (s.listen.empty())
                    errors.add(p + ".listen", fmt::format("a {} needs an address to listen on",
                                                          to_string(s.role)));
                break;
            case session_role::publisher:
            case session_role::receiver:
                if (s.group.empty())
                    errors.add(p + ".group",
                               fmt::format("a {} needs a group address", to_string(s.role)));
                else if (s.group.port == 0)
                    errors.add(p + ".group", "port 0 is not a group port");
                break;
        }
        if (!s.listen.empty() && s.listen.port != 0 &&
            (!is_udp_role(s.role) || s.role == session_role::publisher)) {
            const bool udp = is_udp_role(s.role);
            auto [lo, hi] = listeners.equal_range(s.listen.port);
            for (auto it = lo; it != hi; ++it) {
                const listener& other = it->second;
                if (other.udp != udp) continue;
                // FIX acceptors of one shard on the same address share the port when their
                // identities (BeginString, CompIDs, sub/location IDs) differ.
                const bool fix_acceptor =
                    s.protocol == protocol_kind::fix && s.role == session_role::acceptor;
                if (fix_acceptor && other.fix_acceptor != nullptr && other.host == s.listen.host &&
                    other.fix_acceptor->shard == s.shard) {
                    const session_config& o = *other.fix_acceptor;
                    if (o.fix_version != s.fix_version || o.sender_comp_id != s.sender_comp_id ||
                        o.target_comp_id != s.target_comp_id ||
                        o.fix.sender_sub_id != s.fix.sender_sub_id ||
                        o.fix.target_sub_id != s.fix.target_sub_id ||
                        o.fix.sender_location_id != s.fix.sender_location_id ||
                        o.fix.target_location_id != s.fix.target_location_id)
                        continue;
                    errors.add(p + ".listen",
                               fmt::format("port {} is shared with session '{}' (session[{}]) "
                                           "with the same identity {} {}->{}",
                                           s.listen.port, o.name, other.session, s.fix_version,
                                           s.sender_comp_id, s.target_comp_id));
                    break;
                }
                if (is_wildcard(other.host) || is_wildcard(s.listen.host) ||
                    other.host == s.listen.host) {
                    errors.add(
                        p + ".listen",
                        fmt::format(
                            "{} port {} is already used by session '{}' (session[{}].listen)",
                            udp ? "UDP" : "TCP", s.listen.port, config.sessions[other.session].name,
                            other.session));
                    break;
                }
            }
            listeners.emplace(s.listen.port, listener{i, s.listen.host, udp,
                                                      s.protocol == protocol_kind::fix &&
                                                              s.role == session_role::acceptor
                                                          ? &s
                                                          : nullptr});
        }

        // Credentials.
        if (is_soup_family(s)) {
            if (s.username.size() > 6)
                errors.add(
                    p + ".username",
                    fmt::format("'{}' is longer than SoupBinTCP's 6 characters", s.username));
            if (s.password.size() > 10)
                errors.add(p + ".password", "is longer than SoupBinTCP's 10 characters");
            if (s.requested_session.size() > 10)
                errors.add(p + ".requested_session",
                           fmt::format("'{}' is longer than SoupBinTCP's 10 characters",
                                       s.requested_session));
        }
        if (s.protocol == protocol_kind::fix) {
            if (s.sender_comp_id.empty())
                errors.add(p + ".sender_comp_id", "a FIX session needs a SenderCompID");
            if (s.target_comp_id.empty())
                errors.add(p + ".target_comp_id", "a FIX session needs a TargetCompID");
            if (s.fix_version != "FIX.4.2" && s.fix_version != "FIX.4.4" &&
                s.fix_version != "FIXT.1.1")
                errors.add(
                    p + ".fix_version",
                    fmt::format("'{}' is not one of: FIX.4.2, FIX.4.4, FIXT.1.1", s.fix_version));
            validate_fix(s.fix, p + ".fix", errors);
        } else if (s.fix != fix_session_config{}) {
            errors.add(p + ".fix",
                       fmt::format("only FIX sessions take a fix table (protocol is {})",
                                   to_string(s.protocol)));
        }

        if (s.heartbeat.interval_ns <= 0)
            errors.add(p + ".heartbeat.interval", "must be above zero");
        if (s.journal.durability == durability_policy::periodic && s.journal.sync_interval_ns <= 0)
            errors.add(p + ".journal.sync_interval",
                       "must be above zero for durability \"periodic\"");
        if (s.journal.segment_size < (64u << 10) || s.journal.segment_size % 4096 != 0)
            errors.add(p + ".journal.segment_size",
                       fmt::format("{} must be a multiple of 4096 and at least 65536",
                                   s.journal.segment_size));
        if (s.reconnect.delay_ns <= 0) errors.add(p + ".reconnect.delay", "must be above zero");
        if (s.reconnect.max_delay_ns < s.reconnect.delay_ns)
            errors.add(p + ".reconnect.max_delay", "must not be below reconnect.delay");
        for (auto [key, v] : {std::pair{".inbound_ring_size", s.inbound_ring_size},
                              std::pair{".outbound_ring_size", s.outbound_ring_size}}) {
            if (!is_power_of_two(v) || v < 4096 || v > (1ull << 30))
                errors.add(p + key,
                           fmt::format("{} must be a power of two from 4096 to 1073741824", v));
        }
    }

    if (!errors.empty()) return errors.to_error();
    return {};
}

result<engine_config> parse_config(std::string_view toml_text, std::string_view file) {
    load_state st;
    st.file = std::string(file);
    toml::table root;
    try {
        root = toml::parse(toml_text, file);
    } catch (const toml::parse_error& e) {
        return fail(fmt::format("{}:{}:{}: TOML syntax error: {}", file, e.source().begin.line,
                                e.source().begin.column, e.description()));
    }

    engine_config config;
    {
        table_reader r(st, root, "");
        if (const toml::table* e = r.table("engine")) {
            table_reader er(st, *e, "engine");
            er.string("name", config.name);
            er.string("counters_file", config.counters_file);
            er.boolean("lock_memory", config.lock_memory);
        }
        read_array(st, r, "shard", config.shards, read_shard);
        read_array(st, r, "session", config.sessions, read_session);
    }
    if (!st.errors.empty()) {
        std::stable_sort(st.errors.begin(), st.errors.end(), [](const auto& a, const auto& b) {
            return std::pair{a.first.line, a.first.column} <
                   std::pair{b.first.line, b.first.column};
        });
        error_list errors(st.where, file);
        for (const auto& [pos, pm] : st.errors)
            errors.add_at(pos, pm.first, pm.second);
        return errors.to_error();
    }
    if (auto v = validate(config, st.where); !v) {
        // validate() names positions it knows; keys absent from the file fall back to the
        // enclosing table or to the file name, so every line still says where to look.
        std::string msg;
        std::istringstream lines(v.err().message);
        for (std::string line; std::getline(lines, line);) {
            if (!msg.empty()) msg += '\n';
            msg += line.rfind(std::string(file) + ":", 0) == 0 ? line
                                                               : fmt::format("{}: {}", file, line);
        }
        return fail(std::move(msg));
    }
    return config;
}

result<engine_config> load_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
    std::ostringstream text;
    text << in.rdbuf();
    return parse_config(text.str(), path);
}

const std::string_view default_config_toml =
    R"toml(# exwire loopback demo: an OUCH client against a SoupBinTCP/OUCH server and a MoldUDP64
# ITCH feed with its receiver, all on 127.0.0.1. Backoff idle strategies, so it runs on a
# shared machine; use "busy-spin" and pinned cpus on isolated production cores.

[engine]
name = "demo"
counters_file = "exwire-demo.counters"

[[shard]]
name = "orders"
idle = "backoff:max=100us"
transport = "socket"

[[shard]]
name = "market-data"
idle = "backoff:max=100us"
transport = "socket"

[[session]]
name = "exchange"
protocol = "ouch"
role = "server"
shard = "orders"
listen = "127.0.0.1:15000"
journal = { dir = "journal", durability = "none" }

[[session]]
name = "trader"
protocol = "ouch"
role = "client"
shard = "orders"
connect = "127.0.0.1:15000"
username = "trader"
password = "secret"
heartbeat = { interval = "1s", tolerated_misses = 15, on_silence = "close" }
journal = { dir = "journal", durability = "periodic", sync_interval = "100ms" }
reconnect = { enabled = true, delay = "100ms", max_delay = "2s" }

[[session]]
name = "feed"
protocol = "itch"
role = "publisher"
shard = "market-data"
group = "127.0.0.1:30001"
listen = "127.0.0.1:30002"

[[session]]
name = "feed-rx"
protocol = "itch"
role = "receiver"
shard = "market-data"
group = "127.0.0.1:30001"
request_server = "127.0.0.1:30002"
)toml";

}  // namespace exwire::engine
