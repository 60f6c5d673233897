// Factories for the SoupBinTCP engine sessions (see soupbintcp_engine.hpp).

#include <exwire/engine/nasdaq/soupbintcp_engine.hpp>

#include <exwire/engine/journal_store.hpp>
#include <exwire/transport/socket_transport.hpp>

#include "../shard_transport.hpp"
#include "journaled_session.hpp"

namespace exwire::engine::nasdaq {

namespace {

template <typename T>
result<std::unique_ptr<session>> make_soup(T t, const session_config& s) {
    // With a journal directory configured, the session's sequenced messages live there:
    // a server's outbound stream (rehydrates clients after a restart), a client's inbound.
    if (!s.journal.dir.empty() &&
        (s.role == session_role::client || s.role == session_role::server)) {
        const bool server = s.role == session_role::server;
        auto store = journal_sequenced_store::open(
            session_journal_dir(s), journal_config_from(s.journal),
            server ? journal::direction::out : journal::direction::in);
        if (!store) return fail("session " + s.name + ": " + store.err().message);
        sequenced_store* raw = store->get();
        std::unique_ptr<session> inner;
        if (server)
            inner = std::make_unique<soup_server_session<T>>(std::move(t), s, raw);
        else
            inner = std::make_unique<soup_client_session<T>>(std::move(t), s, raw);
        return result<std::unique_ptr<session>>(std::unique_ptr<session>(
            std::make_unique<journaled_session>(std::move(*store), std::move(inner))));
    }
    switch (s.role) {
        case session_role::client:
            return result<std::unique_ptr<session>>(
                std::make_unique<soup_client_session<T>>(std::move(t), s));
        case session_role::server:
            return result<std::unique_ptr<session>>(
                std::make_unique<soup_server_session<T>>(std::move(t), s));
        default:
            return fail("session " + s.name + ": SoupBinTCP sessions are clients or servers, not " +
                        std::string(to_string(s.role)));
    }
}

}  // namespace

result<std::unique_ptr<session>> make_soupbintcp_session(const session_config& s,
                                                         const shard_config& shard) {
    // The shard's transport: sockets (sends coalesced: one writev per batch the session
    // sends), or io_uring set up on the shard thread.
    return with_shard_transport(
        s, shard, soup_server_session<transport::socket_transport>::max_clients + 2,
        [&](auto t) { return make_soup(std::move(t), s); }, true);
}

void register_soupbintcp(protocol_registry& registry) {
    registry.add(protocol_kind::soupbintcp, make_soupbintcp_session);
    registry.add(protocol_kind::ouch, make_soupbintcp_session);
}

}  // namespace exwire::engine::nasdaq
