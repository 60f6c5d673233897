#pragma once
// Which transport a protocol session runs over: the shard's `transport` key.
//
// Sessions are built on the thread that builds the engine, but an io_uring transport must
// be set up on the thread that polls it (its ring is IORING_SETUP_SINGLE_ISSUER). So the
// io_uring flavour is a `deferred_transport`: it creates the real transport on first use,
// which is the session's on_start on the shard thread (listen / connect / open_udp), and
// forwards everything else. Before that, poll/flush do nothing and send reports `closed`.
//
// `with_shard_transport(shard, max_connections, make, coalesce)` calls `make(transport)`
// with a socket_transport or a deferred io_uring transport and returns what `make` returns.
// A `dpdk` shard gives UDP sessions a deferred dpdk_transport (created on the shard thread,
// EAL arguments from the shard); stream sessions (`coalesce`) are refused with a message.
// `coalesce` (stream sessions only: it would merge datagrams) makes the socket transport
// queue sends until flush()/poll() and write them with one writev; the session then calls
// flush() after each batch it sends.
// Private to the engine (EXWIRE_ENGINE_HAVE_IO_URING is set when liburing was found).

#include <optional>
#include <string>
#include <utility>

#include <exwire/core/result.hpp>
#include <exwire/engine/config.hpp>
#include <exwire/transport/socket_transport.hpp>
#include <exwire/transport/transport.hpp>
#ifdef EXWIRE_ENGINE_HAVE_IO_URING
#include <exwire/transport/uring_transport.hpp>
#endif
#ifdef EXWIRE_ENGINE_HAVE_DPDK
#include <exwire/transport/dpdk_transport.hpp>
#endif

namespace exwire::engine {

template <typename T, typename Options>
class deferred_transport {
  public:
    explicit deferred_transport(Options options) : options_(std::move(options)) {}

    [[nodiscard]] result<transport::connection_id> listen(const transport::endpoint& local) {
        if (auto r = ensure(); !r) return fail(r.err().message);
        return t_->listen(local);
    }
    [[nodiscard]] result<transport::connection_id> connect(const transport::endpoint& remote,
                                                           std::int64_t timeout_ns) {
        if (auto r = ensure(); !r) return fail(r.err().message);
        return t_->connect(remote, timeout_ns);
    }
    [[nodiscard]] result<transport::connection_id> open_udp(const transport::udp_options& o) {
        if (auto r = ensure(); !r) return fail(r.err().message);
        return t_->open_udp(o);
    }
    [[nodiscard]] transport::send_result send(transport::connection_id id, bytes data) noexcept {
        if (!t_) return {transport::send_status::closed, 0};
        return t_->send(id, data);
    }
    int flush() noexcept { return t_ ? t_->flush() : 0; }
    void close(transport::connection_id id) noexcept {
        if (t_) t_->close(id);
    }
    [[nodiscard]] std::size_t queued(transport::connection_id id) const noexcept {
        return t_ ? t_->queued(id) : 0;
    }
    [[nodiscard]] std::uint16_t local_port(transport::connection_id id) const noexcept {
        return t_ ? t_->local_port(id) : 0;
    }
    template <transport::transport_handler Handler>
    int poll(Handler& handler) noexcept {
        return t_ ? t_->poll(handler) : 0;
    }

  private:
    result<void> ensure() {
        if (t_) return {};
        auto t = T::create(options_);
        if (!t) return fail(t.err().message);
        t_.emplace(std::move(*t));
        return {};
    }

    Options options_;
    std::optional<T> t_;
};

template <typename Make>
auto with_shard_transport(const session_config& s, const shard_config& shard,
                          std::size_t max_connections, Make make, bool coalesce = false)
    -> decltype(make(std::declval<transport::socket_transport>())) {
    if (shard.transport == transport_kind::io_uring) {
#ifdef EXWIRE_ENGINE_HAVE_IO_URING
        transport::uring_transport_options o;
        o.max_connections = max_connections;
        return make(
            deferred_transport<transport::uring_transport, transport::uring_transport_options>(o));
#else
        return fail("session " + s.name + ": shard '" + shard.name +
                    "' uses transport \"io_uring\", but this build has no io_uring support "
                    "(liburing was not found at build time)");
#endif
    }
    if (shard.transport == transport_kind::dpdk) {
#ifdef EXWIRE_ENGINE_HAVE_DPDK
        if (coalesce)
            return fail("session " + s.name + ": shard '" + shard.name +
                        "' uses transport \"dpdk\": DPDK carries UDP sessions only (MoldUDP64); "
                        "TCP sessions run over io_uring or sockets");
        // The EAL starts with the first DPDK transport of the process, from the shard's
        // dpdk_eal_args; port 0 of the EAL; datagrams sent (retransmission requests) leave
        // from the session's `interface` address.
        transport::dpdk_options o;
        o.eal_args = shard.dpdk_eal_args;
        o.local_ip = s.interface;
        return make(deferred_transport<transport::dpdk_transport, transport::dpdk_options>(o));
#else
        return fail("session " + s.name + ": shard '" + shard.name +
                    "' uses transport \"dpdk\", but this build has no DPDK support");
#endif
    }
    transport::socket_transport_options o;
    o.max_connections = max_connections;
    o.coalesce_sends = coalesce;
    auto t = transport::socket_transport::create(o);
    if (!t.ok()) return fail("session " + s.name + ": " + t.err().message);
    return make(std::move(t).value());
}

}  // namespace exwire::engine
