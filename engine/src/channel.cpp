#include <exwire/engine/channel.hpp>

#include <exwire/engine/session.hpp>

namespace exwire::engine::detail {

session_channel::session_channel(const session_config& cfg, session_counters c)
    : config(cfg), inbound(cfg.inbound_ring_size), outbound(cfg.outbound_ring_size), counters(c) {}

session_channel::~session_channel() = default;

}  // namespace exwire::engine::detail
