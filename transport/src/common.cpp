// Event texts and socket setup shared by the transports.

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "socket_util.hpp"

namespace exwire::transport {

const char* to_string(event_kind kind) noexcept {
    switch (kind) {
        case event_kind::connected:
            return "connected";
        case event_kind::accepted:
            return "accepted";
        case event_kind::connect_failed:
            return "connect failed";
        case event_kind::closed_by_peer:
            return "closed by peer";
        case event_kind::error:
            return "error";
        case event_kind::writable:
            return "writable";
    }
    return "unknown";
}

const char* reason(const connection_event& event) noexcept {
    if (event.error == 0) return to_string(event.kind);
    return strerrordesc_np(event.error);
}

const char* to_string(send_status status) noexcept {
    switch (status) {
        case send_status::ok:
            return "ok";
        case send_status::partial:
            return "partial";
        case send_status::would_block:
            return "would block";
        case send_status::closed:
            return "closed";
        case send_status::error:
            return "error";
    }
    return "unknown";
}

namespace detail {

std::string errno_text(const char* what, int err) {
    return fmt::format("{}: {}", what, strerrordesc_np(err));
}

result<in_addr> to_in_addr(const std::string& address, const char* what) {
    in_addr a{};
    if (address.empty()) {
        a.s_addr = htonl(INADDR_ANY);
        return a;
    }
    if (inet_pton(AF_INET, address.c_str(), &a) != 1) {
        return fail(fmt::format("{}: '{}' is not an IPv4 address", what, address));
    }
    return a;
}

result<sockaddr_in> to_sockaddr(const endpoint& ep) {
    auto a = to_in_addr(ep.address, "endpoint address");
    if (!a) return std::move(a).err();
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(ep.port);
    sa.sin_addr = *a;
    return sa;
}

namespace {
result<void> set_int(int fd, int level, int name, int value, const char* what) {
    if (setsockopt(fd, level, name, &value, sizeof value) != 0) {
        return fail(errno_text(what, errno), errno);
    }
    return {};
}
}  // namespace

result<void> apply_socket_options(int fd, const socket_options& options, bool tcp) {
    if (tcp && options.tcp_nodelay) {
        if (auto r = set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY"); !r) return r;
    }
    if (options.busy_poll_us > 0) {
        if (auto r = set_int(fd, SOL_SOCKET, SO_BUSY_POLL, options.busy_poll_us, "SO_BUSY_POLL");
            !r)
            return r;
    }
    if (options.receive_buffer > 0) {
        if (auto r = set_int(fd, SOL_SOCKET, SO_RCVBUF, options.receive_buffer, "SO_RCVBUF"); !r)
            return r;
    }
    if (options.send_buffer > 0) {
        if (auto r = set_int(fd, SOL_SOCKET, SO_SNDBUF, options.send_buffer, "SO_SNDBUF"); !r)
            return r;
    }
    if (!options.interface.empty()) {
        if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, options.interface.c_str(),
                       static_cast<socklen_t>(options.interface.size())) != 0) {
            return fail(
                errno_text(fmt::format("SO_BINDTODEVICE {}", options.interface).c_str(), errno),
                errno);
        }
    }
    return {};
}

result<int> open_tcp_socket(const socket_options& options, bool reuse_address) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(errno_text("socket", errno), errno);
    if (reuse_address) {
        const int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    if (auto r = apply_socket_options(fd, options, true); !r) {
        ::close(fd);
        return std::move(r).err();
    }
    return fd;
}

result<std::uint32_t> take_slot(std::vector<std::uint32_t>& free_slots, int fd,
                                const char* transport) {
    if (free_slots.empty()) {
        ::close(fd);
        return fail(std::string(transport) + ": all connection slots are in use");
    }
    const std::uint32_t i = free_slots.back();
    free_slots.pop_back();
    return i;
}

result<int> open_listener(const endpoint& local, const socket_options& options, int backlog) {
    auto sa = to_sockaddr(local);
    if (!sa) return std::move(sa).err();
    auto opened = open_tcp_socket(options, true);
    if (!opened) return opened;
    const int fd = *opened;
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&*sa), sizeof *sa) != 0) {
        const int err = errno;
        ::close(fd);
        return fail(errno_text(fmt::format("bind {}:{}", local.address, local.port).c_str(), err),
                    err);
    }
    if (::listen(fd, backlog) != 0) {
        const int err = errno;
        ::close(fd);
        return fail(errno_text("listen", err), err);
    }
    return fd;
}

result<int> open_udp_socket(const udp_options& options) {
    auto local = to_sockaddr(options.local);
    if (!local) return std::move(local).err();
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(errno_text("socket", errno), errno);
    auto failed = [fd](std::string message, int err) -> result<int> {
        ::close(fd);
        return fail(std::move(message), err);
    };
    if (options.reuse_address) {
        const int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    if (auto r = apply_socket_options(fd, options.socket, false); !r) {
        return failed(r.err().message, r.err().code);
    }
    if (!options.group.empty()) {
        // Bind to the group address so only its datagrams arrive on this socket.
        auto group = to_in_addr(options.group, "multicast group");
        if (!group) return failed(group.err().message, 0);
        local->sin_addr = *group;
    }
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&*local), sizeof *local) != 0) {
        const int err = errno;
        return failed(
            errno_text(
                fmt::format("bind udp {}:{}", options.local.address, options.local.port).c_str(),
                err),
            err);
    }
    auto iface = to_in_addr(options.multicast_interface, "multicast interface");
    if (!iface) return failed(iface.err().message, 0);
    if (!options.group.empty()) {
        ip_mreq mreq{};
        mreq.imr_multiaddr = *to_in_addr(options.group, "multicast group");
        mreq.imr_interface = *iface;
        if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq) != 0) {
            const int err = errno;
            return failed(
                errno_text(fmt::format("join {} on {}", options.group, options.multicast_interface)
                               .c_str(),
                           err),
                err);
        }
    }
    if (options.remote.port != 0) {
        auto remote = to_sockaddr(options.remote);
        if (!remote) return failed(remote.err().message, 0);
        if (IN_MULTICAST(ntohl(remote->sin_addr.s_addr))) {
            if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &*iface, sizeof *iface) != 0) {
                const int err = errno;
                return failed(errno_text("IP_MULTICAST_IF", err), err);
            }
            const unsigned char loop = options.multicast_loop ? 1 : 0;
            const auto ttl = static_cast<unsigned char>(options.multicast_ttl);
            (void)setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop);
            (void)setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl);
        }
        if (::connect(fd, reinterpret_cast<const sockaddr*>(&*remote), sizeof *remote) != 0) {
            const int err = errno;
            return failed(errno_text(fmt::format("connect udp {}:{}", options.remote.address,
                                                 options.remote.port)
                                         .c_str(),
                                     err),
                          err);
        }
    }
    return fd;
}

std::uint16_t local_port_of(int fd) noexcept {
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) return 0;
    return ntohs(sa.sin_port);
}

std::size_t round_capacity(std::size_t n) noexcept {
    return std::bit_ceil(n < 64 ? std::size_t{64} : n);
}

}  // namespace detail
}  // namespace exwire::transport
