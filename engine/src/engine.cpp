#include <exwire/engine/engine.hpp>

#include <exception>

#include <fmt/format.h>

#include <exwire/core/thread.hpp>

namespace exwire::engine {

void protocol_registry::add(protocol_kind protocol, session_factory factory) {
    for (auto& [p, f] : factories_) {
        if (p == protocol) {
            f = std::move(factory);
            return;
        }
    }
    factories_.emplace_back(protocol, std::move(factory));
}

const session_factory* protocol_registry::find(protocol_kind protocol) const noexcept {
    for (const auto& [p, f] : factories_)
        if (p == protocol) return &f;
    return nullptr;
}

result<std::unique_ptr<engine>> engine::create(engine_config config,
                                               const protocol_registry& protocols) {
    if (auto v = validate(config); !v) return std::move(v).err();
    std::unique_ptr<engine> e(new engine());
    e->config_ = std::move(config);
    const engine_config& c = e->config_;

    std::vector<counters_table::entry> entries;
    for (const session_config& s : c.sessions)
        entries.push_back({s.name, s.shard});
    auto table = counters_table::create(c.counters_file, c.name, entries);
    if (!table) return std::move(table).err();
    e->counters_ = std::move(*table);

    try {
        for (const shard_config& sc : c.shards)
            e->shards_.push_back(std::make_unique<shard>(sc));
    } catch (const std::exception& ex) {
        return fail(ex.what());
    }

    for (std::size_t i = 0; i < c.sessions.size(); ++i) {
        const session_config& s = c.sessions[i];
        shard* sh = e->find_shard(s.shard);
        const session_factory* factory = protocols.find(s.protocol);
        if (factory == nullptr)
            return fail(fmt::format(
                "session '{}': no {} session implementation is registered in this build", s.name,
                to_string(s.protocol)));
        auto made = (*factory)(s, sh->config());
        if (!made) return fail(fmt::format("session '{}': {}", s.name, made.err().message));
        if (*made == nullptr)
            return fail(fmt::format("session '{}': the {} factory made no session", s.name,
                                    to_string(s.protocol)));
        auto ch = std::make_unique<detail::session_channel>(s, e->counters_.writer(i));
        ch->impl = std::move(*made);
        sh->add_session(*ch);
        e->channels_.push_back(std::move(ch));
    }
    return e;
}

engine::~engine() {
    stop();
}

result<void> engine::start() {
    if (config_.lock_memory) {
        if (auto m = lock_memory(); !m)
            return fail(fmt::format("engine.lock_memory: {}", m.err().message));
    }
    for (auto& s : shards_) {
        if (auto r = s->start(); !r) {
            stop();
            return r;
        }
    }
    return {};
}

void engine::stop() noexcept {
    for (auto& s : shards_)
        s->stop();
}

session_handle engine::session(std::string_view name) const noexcept {
    for (const auto& ch : channels_)
        if (ch->config.name == name) return session_handle(ch.get());
    return {};
}

std::vector<session_handle> engine::sessions() const {
    std::vector<session_handle> out;
    for (const auto& ch : channels_)
        out.emplace_back(ch.get());
    return out;
}

shard* engine::find_shard(std::string_view name) noexcept {
    for (auto& s : shards_)
        if (s->config().name == name) return s.get();
    return nullptr;
}

}  // namespace exwire::engine
