// Plain non-blocking sockets; see the header for the receive and send policy.

#include <exwire/transport/socket_transport.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <fmt/format.h>
#include <exwire/core/clock.hpp>

#include "send_queue.hpp"
#include "socket_util.hpp"

namespace exwire::transport {

namespace {

enum class slot_kind : std::uint8_t { free, listener, connecting, established, udp, dead };

struct slot {
    int fd = -1;
    slot_kind kind = slot_kind::free;
    bool want_writable = false;  // a send was refused: report `writable` when space frees
    bool ready = false;          // epoll reported it readable (many-connection mode)
    int error = 0;               // a send failed: report on the next poll
    std::int64_t deadline_ns = 0;
    std::unique_ptr<std::byte[]> rx;
    detail::send_queue tx;
};

constexpr int max_epoll_events = 64;

}  // namespace

struct socket_transport::state {
    socket_transport_options options;
    std::vector<slot> slots;
    std::vector<std::uint32_t> free_slots;  // LIFO of reusable slots
    std::vector<std::uint32_t> released;    // freed during this pass, reusable after it
    std::vector<std::uint32_t> active;      // established TCP and UDP slots, for busy polling
    std::vector<std::uint32_t> control;     // listeners and connecting slots
    int epoll_fd = -1;
    std::uint32_t pass = 0;
    epoll_event events[max_epoll_events];

    ~state() {
        for (slot& s : slots) {
            if (s.fd >= 0) ::close(s.fd);
        }
        if (epoll_fd >= 0) ::close(epoll_fd);
    }
};

namespace {

void erase_value(std::vector<std::uint32_t>& v, std::uint32_t x) noexcept {
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == x) {
            v[i] = v.back();
            v.pop_back();
            return;
        }
    }
}

}  // namespace

socket_transport::socket_transport(std::unique_ptr<state> s) noexcept : state_(std::move(s)) {}
socket_transport::socket_transport(socket_transport&&) noexcept = default;
socket_transport& socket_transport::operator=(socket_transport&&) noexcept = default;
socket_transport::~socket_transport() = default;

result<socket_transport> socket_transport::create(const socket_transport_options& options) {
    if (options.max_connections == 0 || options.max_connections > (1u << 24)) {
        return fail("socket transport: max_connections must be 1..16777216");
    }
    if (options.receive_chunk < 64) return fail("socket transport: receive_chunk below 64 bytes");
    auto s = std::make_unique<state>();
    s->options = options;
    s->options.send_queue_bytes = detail::round_capacity(options.send_queue_bytes);
    s->slots.resize(options.max_connections);
    s->free_slots.reserve(options.max_connections);
    for (std::size_t i = options.max_connections; i-- > 0;) {
        s->free_slots.push_back(static_cast<std::uint32_t>(i));
    }
    s->released.reserve(options.max_connections);
    s->active.reserve(options.max_connections);
    s->control.reserve(options.max_connections);
    s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (s->epoll_fd < 0) return fail(detail::errno_text("epoll_create1", errno), errno);
    socket_transport t(std::move(s));
    t.batch_.generations.assign(options.max_connections, 0);
    t.batch_.items.reserve(options.max_connections * 2 + max_epoll_events);
    return t;
}

result<connection_id> socket_transport::listen(const endpoint& local) {
    auto fd = detail::open_listener(local, state_->options.socket, state_->options.listen_backlog);
    if (!fd) return std::move(fd).err();
    auto i = detail::take_slot(state_->free_slots, *fd, "socket transport");
    if (!i) return std::move(i).err();
    slot& s = state_->slots[*i];
    s.fd = *fd;
    s.kind = slot_kind::listener;
    const auto id = make_connection_id(*i, batch_.generations[*i]);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = static_cast<std::uint64_t>(id);
    if (epoll_ctl(state_->epoll_fd, EPOLL_CTL_ADD, s.fd, &ev) != 0) {
        const int err = errno;
        ::close(s.fd);
        s = slot{};
        state_->free_slots.push_back(*i);
        return fail(detail::errno_text("epoll_ctl", err), err);
    }
    state_->control.push_back(*i);
    return id;
}

namespace {

// Sets up an established TCP or UDP slot: buffers allocated here, never on the hot path.
void make_established(slot& s, int fd, slot_kind kind, const socket_transport_options& o) {
    s.fd = fd;
    s.kind = kind;
    s.error = 0;
    s.want_writable = false;
    if (!s.rx) s.rx = std::make_unique<std::byte[]>(o.receive_chunk);
    if (s.tx.capacity() != o.send_queue_bytes) s.tx = detail::send_queue(o.send_queue_bytes);
    s.tx.clear();
}

}  // namespace

result<connection_id> socket_transport::connect(const endpoint& remote, std::int64_t timeout_ns) {
    auto sa = detail::to_sockaddr(remote);
    if (!sa) return std::move(sa).err();
    auto opened = detail::open_tcp_socket(state_->options.socket, false);
    if (!opened) return std::move(opened).err();
    const int fd = *opened;
    auto i = detail::take_slot(state_->free_slots, fd, "socket transport");
    if (!i) return std::move(i).err();
    slot& s = state_->slots[*i];
    make_established(s, fd, slot_kind::connecting, state_->options);
    s.deadline_ns = monotonic_ns() + timeout_ns;
    const auto id = make_connection_id(*i, batch_.generations[*i]);
    // A refused or timed-out connect is reported as an event from poll(), like a success,
    // so callers handle one path.
    const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&*sa), sizeof *sa);
    if (rc != 0 && errno != EINPROGRESS) s.error = errno;
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.u64 = static_cast<std::uint64_t>(id);
    (void)epoll_ctl(state_->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
    state_->control.push_back(*i);
    return id;
}

result<connection_id> socket_transport::open_udp(const udp_options& options) {
    auto fd = detail::open_udp_socket(options);
    if (!fd) return std::move(fd).err();
    auto i = detail::take_slot(state_->free_slots, *fd, "socket transport");
    if (!i) return std::move(i).err();
    slot& s = state_->slots[*i];
    make_established(s, *fd, slot_kind::udp, state_->options);
    const auto id = make_connection_id(*i, batch_.generations[*i]);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = static_cast<std::uint64_t>(id);
    (void)epoll_ctl(state_->epoll_fd, EPOLL_CTL_ADD, s.fd, &ev);
    state_->active.push_back(*i);
    return id;
}

std::uint16_t socket_transport::local_port(connection_id id) const noexcept {
    if (!batch_.current(id)) return 0;
    const slot& s = state_->slots[slot_of(id)];
    return s.fd >= 0 ? detail::local_port_of(s.fd) : 0;
}

std::size_t socket_transport::queued(connection_id id) const noexcept {
    if (!batch_.current(id)) return 0;
    return state_->slots[slot_of(id)].tx.size();
}

namespace {

// Writes queued bytes with one writev; returns bytes written or -errno.
long write_queue(slot& s) noexcept {
    iovec iov[2];
    const bytes a = s.tx.front();
    const bytes b = s.tx.second();
    iov[0] = {const_cast<std::byte*>(a.data()), a.size()};
    iov[1] = {const_cast<std::byte*>(b.data()), b.size()};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = b.empty() ? 1 : 2;
    const ssize_t n = ::sendmsg(s.fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -errno;
    s.tx.consume(static_cast<std::size_t>(n));
    return n;
}

}  // namespace

send_result socket_transport::send(connection_id id, bytes data) noexcept {
    if (!batch_.current(id)) return {send_status::closed, 0};
    slot& s = state_->slots[slot_of(id)];
    if (s.error != 0) return {send_status::error, 0};
    if (s.kind == slot_kind::udp) {
        const ssize_t n = ::send(s.fd, data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n >= 0) return {send_status::ok, data.size()};
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
            s.want_writable = true;
            return {send_status::would_block, 0};
        }
        // ECONNREFUSED (an ICMP port-unreachable for an earlier datagram) and the like are
        // transient for UDP: reported to the caller, the endpoint stays open.
        return {send_status::error, 0};
    }
    if (s.kind != slot_kind::established && s.kind != slot_kind::connecting) {
        return {send_status::closed, 0};
    }
    std::size_t written = 0;
    if (s.tx.empty() && s.kind == slot_kind::established && !state_->options.coalesce_sends) {
        const ssize_t n = ::send(s.fd, data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                s.error = errno;  // reported as an `error` event by the next poll
                return {send_status::error, 0};
            }
        } else {
            written = static_cast<std::size_t>(n);
        }
        if (written == data.size()) return {send_status::ok, written};
    }
    const std::size_t accepted = written + s.tx.push(data.subspan(written));
    if (accepted == data.size()) return {send_status::ok, accepted};
    s.want_writable = true;
    return {accepted == 0 ? send_status::would_block : send_status::partial, accepted};
}

int socket_transport::flush() noexcept {
    int work = 0;
    for (const std::uint32_t i : state_->active) {
        slot& s = state_->slots[i];
        if (s.tx.empty() || s.error != 0 || s.kind != slot_kind::established) continue;
        const long n = write_queue(s);
        if (n < 0) {
            s.error = static_cast<int>(-n);
        } else if (n > 0) {
            ++work;
        }
    }
    return work;
}

namespace {

// Closes the socket and marks the slot free; the caller queues it on `released`, which
// end_poll() turns into reusable slots (with a new generation) once the batch is delivered.
void release(slot& s) noexcept {
    if (s.fd >= 0) ::close(s.fd);  // also removes it from the epoll set
    s.fd = -1;
    s.kind = slot_kind::free;
    s.tx.clear();
    s.want_writable = false;
    s.ready = false;
    s.error = 0;
}

}  // namespace

void socket_transport::close(connection_id id) noexcept {
    if (!batch_.current(id)) return;
    const std::uint32_t i = slot_of(id);
    slot& s = state_->slots[i];
    ++batch_.generations[i];
    if (s.kind == slot_kind::free) return;  // already released by this poll pass
    release(s);
    erase_value(state_->active, i);
    erase_value(state_->control, i);
    state_->released.push_back(i);
}

int socket_transport::end_poll() noexcept {
    for (const std::uint32_t i : state_->released) {
        ++batch_.generations[i];
        state_->free_slots.push_back(i);
    }
    state_->released.clear();
    return flush();
}

int socket_transport::reap() noexcept {
    state& st = *state_;
    auto& items = batch_.items;
    items.clear();
    int work = 0;
    auto event = [&items](connection_id id, event_kind kind, int err,
                          connection_id listener = invalid_connection) {
        items.push_back({{id, kind, err, listener}, {}, false});
    };

    // Listeners and connects go through epoll; so does receive when many connections share
    // the shard. With few connections and nothing connecting, epoll is asked every 16th pass.
    const bool many = st.active.size() > st.options.epoll_threshold;
    bool connecting = false;
    for (const std::uint32_t i : st.control) {
        if (st.slots[i].kind == slot_kind::connecting) connecting = true;
    }
    const bool use_epoll = many || connecting || (!st.control.empty() && (st.pass++ & 15) == 0);
    if (use_epoll) {
        const int n = epoll_wait(st.epoll_fd, st.events, max_epoll_events, 0);
        for (int e = 0; e < n; ++e) {
            const auto id = connection_id{st.events[e].data.u64};
            if (!batch_.current(id)) continue;
            const std::uint32_t i = slot_of(id);
            slot& s = st.slots[i];
            if (s.kind == slot_kind::listener) {
                for (int k = 0; k < 16; ++k) {
                    const int fd = ::accept4(s.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0) break;
                    ++work;
                    if (st.free_slots.empty()) {
                        ::close(fd);  // no slot: the peer sees a reset rather than silence
                        continue;
                    }
                    (void)detail::apply_socket_options(fd, st.options.socket, true);
                    const std::uint32_t c = st.free_slots.back();
                    st.free_slots.pop_back();
                    make_established(st.slots[c], fd, slot_kind::established, st.options);
                    const auto cid = make_connection_id(c, batch_.generations[c]);
                    epoll_event ev{};
                    ev.events = EPOLLIN;
                    ev.data.u64 = static_cast<std::uint64_t>(cid);
                    (void)epoll_ctl(st.epoll_fd, EPOLL_CTL_ADD, fd, &ev);
                    st.active.push_back(c);
                    event(cid, event_kind::accepted, 0, id);
                }
            } else if (s.kind == slot_kind::connecting) {
                int err = s.error;
                if (err == 0) {
                    socklen_t len = sizeof err;
                    if (getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
                }
                ++work;
                erase_value(st.control, i);
                if (err != 0) {
                    release(s);
                    st.released.push_back(i);
                    event(id, event_kind::connect_failed, err);
                    continue;
                }
                s.kind = slot_kind::established;
                epoll_event ev{};
                ev.events = EPOLLIN;
                ev.data.u64 = static_cast<std::uint64_t>(id);
                (void)epoll_ctl(st.epoll_fd, EPOLL_CTL_MOD, s.fd, &ev);
                st.active.push_back(i);
                event(id, event_kind::connected, 0);
            } else if (s.kind == slot_kind::established || s.kind == slot_kind::udp) {
                s.ready = true;
            }
        }
    }

    // Connect timeouts.
    if (connecting) {
        const std::int64_t now = monotonic_ns();
        for (std::size_t k = 0; k < st.control.size();) {
            const std::uint32_t i = st.control[k];
            slot& s = st.slots[i];
            if (s.kind == slot_kind::connecting && now >= s.deadline_ns) {
                event(make_connection_id(i, batch_.generations[i]), event_kind::connect_failed,
                      ETIMEDOUT);
                release(s);
                st.released.push_back(i);
                st.control[k] = st.control.back();
                st.control.pop_back();
                ++work;
                continue;
            }
            ++k;
        }
    }

    // Per connection: failures, queued sends, then one read, so each item's bytes stay
    // untouched until the batch is delivered.
    for (std::size_t k = 0; k < st.active.size();) {
        const std::uint32_t i = st.active[k];
        slot& s = st.slots[i];
        const auto id = make_connection_id(i, batch_.generations[i]);
        int err = s.error;
        bool closed = false;
        if (err == 0 && s.kind == slot_kind::established && !s.tx.empty()) {
            const long n = write_queue(s);
            if (n < 0) err = static_cast<int>(-n);
            if (n > 0) ++work;
        }
        if (err == 0 && s.want_writable &&
            (s.kind == slot_kind::udp || s.tx.free() >= s.tx.capacity() / 2)) {
            s.want_writable = false;
            event(id, event_kind::writable, 0);
            ++work;
        }
        if (err == 0 && (!many || s.ready)) {
            s.ready = false;
            const ssize_t n = ::recv(s.fd, s.rx.get(), st.options.receive_chunk, MSG_DONTWAIT);
            if (n > 0 || (n == 0 && s.kind == slot_kind::udp)) {
                items.push_back({{id, event_kind::connected, 0, invalid_connection},
                                 bytes{s.rx.get(), static_cast<std::size_t>(n)},
                                 true});
                ++work;
            } else if (n == 0) {
                closed = true;
            } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                       !(s.kind == slot_kind::udp && errno == ECONNREFUSED)) {
                err = errno;
            }
        }
        if (err == 0 && !closed) {
            ++k;
            continue;
        }
        // Peer closed or the socket failed: release after the batch is delivered.
        ++work;
        event(id, closed ? event_kind::closed_by_peer : event_kind::error, err);
        release(s);
        st.released.push_back(i);
        st.active[k] = st.active.back();
        st.active.pop_back();
    }
    return work;
}

}  // namespace exwire::transport
