// Factories for the MoldUDP64 engine sessions (see moldudp64_engine.hpp).

#include <exwire/engine/nasdaq/moldudp64_engine.hpp>

#include <arpa/inet.h>

#include <exwire/engine/journal_store.hpp>
#include <exwire/transport/socket_transport.hpp>

#include "../shard_transport.hpp"
#include "journaled_session.hpp"

namespace exwire::engine::nasdaq {

bool is_multicast_ipv4(const std::string& host) noexcept {
    in_addr a{};
    if (::inet_pton(AF_INET, host.c_str(), &a) != 1) return false;
    return (ntohl(a.s_addr) >> 28) == 0xE;
}

result<std::unique_ptr<session>> make_moldudp64_session(const session_config& s,
                                                        const shard_config& shard) {
    // The shard's transport: sockets, or io_uring set up on the shard thread.
    return with_shard_transport(s, shard, 4, [&](auto t) -> result<std::unique_ptr<session>> {
        using T = decltype(t);
        const bool publisher = s.role == session_role::publisher;
        if (!s.journal.dir.empty() && (publisher || s.role == session_role::receiver)) {
            // The publisher's messages (and so its retransmission responder) live in
            // the journal; a receiver records what it receives there.
            auto store = journal_sequenced_store::open(
                session_journal_dir(s), journal_config_from(s.journal),
                publisher ? journal::direction::out : journal::direction::in);
            if (!store) return fail("session " + s.name + ": " + store.err().message);
            sequenced_store* raw = store->get();
            std::unique_ptr<session> inner;
            if (publisher)
                inner = std::make_unique<mold_publisher_session<T>>(std::move(t), s, raw);
            else
                inner = std::make_unique<mold_receiver_session<T>>(std::move(t), s, raw);
            return result<std::unique_ptr<session>>(std::unique_ptr<session>(
                std::make_unique<journaled_session>(std::move(*store), std::move(inner))));
        }
        switch (s.role) {
            case session_role::publisher:
                return result<std::unique_ptr<session>>(
                    std::make_unique<mold_publisher_session<T>>(std::move(t), s));
            case session_role::receiver:
                return result<std::unique_ptr<session>>(
                    std::make_unique<mold_receiver_session<T>>(std::move(t), s));
            default:
                return fail("session " + s.name +
                            ": MoldUDP64 sessions are publishers or receivers, not " +
                            std::string(to_string(s.role)));
        }
    });
}

void register_moldudp64(protocol_registry& registry) {
    registry.add(protocol_kind::moldudp64, make_moldudp64_session);
    registry.add(protocol_kind::itch, make_moldudp64_session);
}

}  // namespace exwire::engine::nasdaq
