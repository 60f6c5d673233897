// Factories for the SoupBinTCP engine sessions (see soupbintcp_engine.hpp).

#include <exwire/engine/nasdaq/soupbintcp_engine.hpp>

#include <exwire/transport/socket_transport.hpp>

namespace exwire::engine::nasdaq {

result<std::unique_ptr<session>> make_soupbintcp_session(const session_config& s,
                                                         const shard_config& shard) {
    (void)shard;  // io_uring and DPDK adapters come with those transports' session support
    transport::socket_transport_options o;
    o.max_connections = soup_server_session<transport::socket_transport>::max_clients + 2;
    auto t = transport::socket_transport::create(o);
    if (!t.ok()) return fail("session " + s.name + ": " + t.err().message);
    switch (s.role) {
        case session_role::client:
            return result<std::unique_ptr<session>>(
                std::make_unique<soup_client_session<transport::socket_transport>>(
                    std::move(t).value(), s));
        case session_role::server:
            return result<std::unique_ptr<session>>(
                std::make_unique<soup_server_session<transport::socket_transport>>(
                    std::move(t).value(), s));
        default:
            return fail("session " + s.name + ": SoupBinTCP sessions are clients or servers, not " +
                        std::string(to_string(s.role)));
    }
}

void register_soupbintcp(protocol_registry& registry) {
    registry.add(protocol_kind::soupbintcp, make_soupbintcp_session);
    registry.add(protocol_kind::ouch, make_soupbintcp_session);
}

}  // namespace exwire::engine::nasdaq
