#pragma once
// The engine: shards, sessions and their channels and counters, built from a validated
// engine_config. Protocol sessions plug in through a protocol_registry that maps a protocol
// to a factory; the runtime knows no protocol itself.
//
//     exwire::engine::protocol_registry protocols;
//     protocols.add(protocol_kind::ouch, make_ouch_session);
//     auto eng = exwire::engine::engine::create(*load_config("exwire.toml"), protocols);
//     if (!eng) { fmt::print(stderr, "{}\n", eng.err().message); return 1; }   // refuse to start
//     (*eng)->start();
//     session_handle s = (*eng)->session("trader");
//
// Threads: create/start/stop/destroy from one controlling thread; session handles are used
// as session_handle.hpp says. Cold-path errors are exwire::result messages naming the
// session or shard.

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include <exwire/core/result.hpp>
#include <exwire/engine/config.hpp>
#include <exwire/engine/counters.hpp>
#include <exwire/engine/session.hpp>
#include <exwire/engine/session_handle.hpp>
#include <exwire/engine/shard.hpp>

namespace exwire::engine {

/// Builds the protocol session for one configured session (cold path, controlling thread).
using session_factory = std::function<result<std::unique_ptr<session>>(
    const session_config& session, const shard_config& shard)>;

class protocol_registry {
  public:
    /// Registers (or replaces) the factory for `protocol`.
    void add(protocol_kind protocol, session_factory factory);
    [[nodiscard]] const session_factory* find(protocol_kind protocol) const noexcept;

  private:
    std::vector<std::pair<protocol_kind, session_factory>> factories_;
};

class engine {
  public:
    /// Validates `config`, creates the counters table, the channels and (through
    /// `protocols`) every session, and the shards. Nothing runs yet.
    [[nodiscard]] static result<std::unique_ptr<engine>> create(engine_config config,
                                                                const protocol_registry& protocols);
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;
    /// Stops the shards.
    ~engine();

    /// Locks memory if configured, then starts every shard. On error the shards already
    /// started are stopped again; destroy the engine then (sessions of shards that never
    /// started stay in their initial state).
    [[nodiscard]] result<void> start();
    /// Stops every shard (sessions still running close with close_reason::engine_stopped).
    void stop() noexcept;

    /// The named session's handle, or an invalid handle.
    [[nodiscard]] session_handle session(std::string_view name) const noexcept;
    [[nodiscard]] std::vector<session_handle> sessions() const;
    /// The named shard, or nullptr.
    [[nodiscard]] shard* find_shard(std::string_view name) noexcept;
    [[nodiscard]] const engine_config& config() const noexcept { return config_; }
    [[nodiscard]] counters_table& counters() noexcept { return counters_; }

  private:
    engine() = default;

    engine_config config_;
    counters_table counters_;
    std::vector<std::unique_ptr<detail::session_channel>> channels_;
    std::vector<std::unique_ptr<shard>> shards_;
};

}  // namespace exwire::engine
