// io_uring transport; see the header for the model.

#include <exwire/transport/uring_transport.hpp>

#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include <fmt/format.h>
#include <exwire/core/thread.hpp>

#include "send_queue.hpp"
#include "socket_util.hpp"

namespace exwire::transport {

namespace {

enum class slot_kind : std::uint8_t { free, listener, connecting, established, udp, closing };

// user_data of every request: operation (8 bits) | slot (24 bits) | unused.
enum class op : std::uint8_t { accept = 1, recv, send, connect, link_timeout, cancel };

constexpr std::uint64_t tag(op o, std::uint32_t slot) noexcept {
    return (std::uint64_t{static_cast<std::uint8_t>(o)} << 56) | slot;
}
constexpr op op_of(std::uint64_t user_data) noexcept {
    return static_cast<op>(user_data >> 56);
}
constexpr std::uint32_t slot_of_tag(std::uint64_t user_data) noexcept {
    return static_cast<std::uint32_t>(user_data & 0xFF'FFFF);
}

constexpr unsigned buffer_group = 0;

struct slot {
    int fd = -1;
    slot_kind kind = slot_kind::free;
    bool released = false;  // the id is dead; the slot frees once no request is pending
    bool armed = false;     // a multishot accept/recv is in flight
    bool rearm = false;     // the multishot ended (ENOBUFS...): arm again after this pass
    bool sending = false;   // one send in flight at a time keeps the stream in order
    bool dirty = false;     // on the flush list
    bool want_writable = false;
    bool sent_inline = false;  // a direct send() went out since the last flush
    int pending = 0;           // requests in flight that name this slot
    sockaddr_in addr{};        // connect target, read by the kernel at submission
    __kernel_timespec timeout{};
    detail::send_queue tx;
};

}  // namespace

struct uring_transport::state {
    uring_transport_options options;
    io_uring ring{};
    bool ring_ok = false;
    // IORING_SETUP_TASKRUN_FLAG is on (with DEFER_TASKRUN): the kernel sets IORING_SQ_TASKRUN
    // when completion work waits, so a pass with nothing to submit enters only then.
    bool taskrun_flag = false;
    io_uring_buf_ring* buf_ring = nullptr;
    std::size_t buf_ring_bytes = 0;
    std::byte* buffers = nullptr;
    std::size_t buffers_bytes = 0;
    unsigned buf_mask = 0;
    std::vector<slot> slots;
    std::vector<std::uint32_t> free_slots;
    std::vector<std::uint32_t> to_free;       // released slots waiting for pending == 0
    std::vector<std::uint32_t> released_now;  // released by this pass: new generation after it
    std::vector<std::uint32_t> dirty;         // slots with bytes to send or a multishot to re-arm
    std::vector<std::uint16_t> used_buffers;  // provided buffers handed out this pass

    ~state() {
        for (slot& s : slots) {
            if (s.fd >= 0) ::close(s.fd);
        }
        if (ring_ok) io_uring_queue_exit(&ring);
        if (buf_ring != nullptr) munmap(buf_ring, buf_ring_bytes);
        if (buffers != nullptr) munmap(buffers, buffers_bytes);
    }

    io_uring_sqe* sqe() noexcept {
        io_uring_sqe* e = io_uring_get_sqe(&ring);
        if (e == nullptr) {
            (void)io_uring_submit(&ring);  // the queue is full: push it to the kernel
            e = io_uring_get_sqe(&ring);
        }
        return e;
    }

    // Whether a pass with nothing to submit must enter the kernel to see completions: with
    // DEFER_TASKRUN every completion is deferred work run by io_uring_enter, and with
    // TASKRUN_FLAG the kernel says when there is some (or when the CQ overflowed).
    [[nodiscard]] bool must_enter() const noexcept {
        if (!taskrun_flag) return true;
        return (IO_URING_READ_ONCE(*ring.sq.kflags) &
                (IORING_SQ_TASKRUN | IORING_SQ_CQ_OVERFLOW)) != 0;
    }

    void mark_dirty(std::uint32_t i) noexcept {
        if (!slots[i].dirty) {
            slots[i].dirty = true;
            dirty.push_back(i);
        }
    }

    void arm_recv(std::uint32_t i) noexcept {
        io_uring_sqe* e = sqe();
        if (e == nullptr) {
            slots[i].rearm = true;
            mark_dirty(i);
            return;
        }
        io_uring_prep_recv_multishot(e, static_cast<int>(i), nullptr, 0, 0);
        e->flags |= IOSQE_FIXED_FILE | IOSQE_BUFFER_SELECT;
        e->buf_group = buffer_group;
        io_uring_sqe_set_data64(e, tag(op::recv, i));
        slots[i].armed = true;
        slots[i].rearm = false;
        ++slots[i].pending;
    }

    void arm_accept(std::uint32_t i) noexcept {
        io_uring_sqe* e = sqe();
        if (e == nullptr) {
            slots[i].rearm = true;
            mark_dirty(i);
            return;
        }
        io_uring_prep_multishot_accept(e, static_cast<int>(i), nullptr, nullptr,
                                       SOCK_NONBLOCK | SOCK_CLOEXEC);
        e->flags |= IOSQE_FIXED_FILE;
        io_uring_sqe_set_data64(e, tag(op::accept, i));
        slots[i].armed = true;
        slots[i].rearm = false;
        ++slots[i].pending;
    }

    // Puts `fd` in slot i's place of the registered file table.
    bool register_fd(std::uint32_t i, int fd) noexcept {
        return io_uring_register_files_update(&ring, i, &fd, 1) == 1;
    }

    // Puts buffer `bid` at position tail + offset of the buffer ring; the buffers become
    // visible to the kernel with one io_uring_buf_ring_advance() for the whole batch.
    void recycle(std::uint16_t bid, int offset) noexcept {
        io_uring_buf_ring_add(buf_ring, buffers + std::size_t{bid} * options.buffer_size,
                              static_cast<unsigned>(options.buffer_size), bid, buf_mask, offset);
    }
};

uring_transport::uring_transport(std::unique_ptr<state> s) noexcept : state_(std::move(s)) {}
uring_transport::uring_transport(uring_transport&&) noexcept = default;
uring_transport& uring_transport::operator=(uring_transport&&) noexcept = default;
uring_transport::~uring_transport() = default;

namespace {

result<void> check_sqpoll(const uring_transport_options& o) {
    const std::vector<int> cpus = allowed_cpus();
    const int cpu = *o.sqpoll_cpu;
    if (std::find(cpus.begin(), cpus.end(), cpu) == cpus.end()) {
        return fail(fmt::format("io_uring SQPOLL: cpu {} is not available to this process", cpu));
    }
    if (o.shard_cpu && *o.shard_cpu == cpu) {
        return fail(fmt::format(
            "io_uring SQPOLL: cpu {} is the shard's own cpu; the kernel polling thread needs "
            "a core of its own",
            cpu));
    }
    if (cpus.size() < 3) {
        return fail(fmt::format(
            "io_uring SQPOLL needs at least 3 cpus (shard, kernel polling thread, the rest of "
            "the process); this process may use {}: it would starve the shard",
            cpus.size()));
    }
    return {};
}

}  // namespace

result<uring_transport> uring_transport::create(const uring_transport_options& options) {
    if (options.max_connections == 0 || options.max_connections > (1u << 24)) {
        return fail("io_uring transport: max_connections must be 1..16777216");
    }
    if (options.buffer_count == 0 || options.buffer_count > 32768 ||
        !is_power_of_two(options.buffer_count)) {
        return fail("io_uring transport: buffer_count must be a power of two up to 32768");
    }
    if (options.buffer_size < 64) return fail("io_uring transport: buffer_size below 64 bytes");
    if (options.sqpoll_cpu) {
        if (auto r = check_sqpoll(options); !r) return std::move(r).err();
    }
    auto s = std::make_unique<state>();
    s->options = options;
    s->options.send_queue_bytes = detail::round_capacity(options.send_queue_bytes);

    io_uring_params params{};
    if (options.fast_setup) {
        params.flags |=
            IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
    }
    if (options.sqpoll_cpu) {
        // SQPOLL and DEFER_TASKRUN do not combine: the kernel thread submits.
        params.flags = IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF;
        params.sq_thread_cpu = static_cast<unsigned>(*options.sqpoll_cpu);
        params.sq_thread_idle = options.sqpoll_idle_ms;
    }
    params.flags |= IORING_SETUP_CQSIZE;
    params.cq_entries = std::max(options.ring_entries * 4, options.buffer_count * 2);
    const io_uring_params wanted = params;
    int init = io_uring_queue_init_params(options.ring_entries, &s->ring, &params);
    if (init == -EINVAL && (wanted.flags & IORING_SETUP_TASKRUN_FLAG) != 0) {
        params = wanted;  // a kernel without TASKRUN_FLAG: enter on every pass instead
        params.flags &= ~IORING_SETUP_TASKRUN_FLAG;
        init = io_uring_queue_init_params(options.ring_entries, &s->ring, &params);
    }
    if (init < 0) {
        return fail(detail::errno_text("io_uring_queue_init_params (io_uring is not available or "
                                       "not permitted here)",
                                       -init),
                    -init);
    }
    s->taskrun_flag = (params.flags & IORING_SETUP_TASKRUN_FLAG) != 0;
    s->ring_ok = true;
    if (int rc = io_uring_register_files_sparse(&s->ring,
                                                static_cast<unsigned>(options.max_connections));
        rc < 0) {
        return fail(detail::errno_text("io_uring_register_files_sparse", -rc), -rc);
    }

    // Provided buffers: one ring of buffer descriptors and one block of buffers, both
    // allocated and touched here so the hot path takes no page faults.
    s->buf_ring_bytes = align_up(options.buffer_count * sizeof(io_uring_buf), 4096);
    void* br = mmap(nullptr, s->buf_ring_bytes, PROT_READ | PROT_WRITE,
                    MAP_ANONYMOUS | MAP_PRIVATE | MAP_POPULATE, -1, 0);
    if (br == MAP_FAILED) return fail(detail::errno_text("mmap buffer ring", errno), errno);
    s->buf_ring = static_cast<io_uring_buf_ring*>(br);
    s->buffers_bytes = align_up(options.buffer_count * options.buffer_size, 4096);
    void* bufs = mmap(nullptr, s->buffers_bytes, PROT_READ | PROT_WRITE,
                      MAP_ANONYMOUS | MAP_PRIVATE | MAP_POPULATE, -1, 0);
    if (bufs == MAP_FAILED) return fail(detail::errno_text("mmap buffers", errno), errno);
    s->buffers = static_cast<std::byte*>(bufs);
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<std::uint64_t>(s->buf_ring);
    reg.ring_entries = options.buffer_count;
    reg.bgid = buffer_group;
    if (int rc = io_uring_register_buf_ring(&s->ring, &reg, 0); rc < 0) {
        return fail(detail::errno_text("io_uring_register_buf_ring", -rc), -rc);
    }
    io_uring_buf_ring_init(s->buf_ring);
    s->buf_mask = static_cast<unsigned>(io_uring_buf_ring_mask(options.buffer_count));
    for (unsigned b = 0; b < options.buffer_count; ++b) {
        s->recycle(static_cast<std::uint16_t>(b), static_cast<int>(b));
    }
    io_uring_buf_ring_advance(s->buf_ring, static_cast<int>(options.buffer_count));

    s->slots.resize(options.max_connections);
    for (std::size_t i = options.max_connections; i-- > 0;) {
        s->free_slots.push_back(static_cast<std::uint32_t>(i));
    }
    s->to_free.reserve(options.max_connections);
    s->released_now.reserve(options.max_connections);
    s->dirty.reserve(options.max_connections);
    s->used_buffers.reserve(options.buffer_count);
    uring_transport t(std::move(s));
    t.batch_.generations.assign(options.max_connections, 0);
    t.batch_.items.reserve(options.buffer_count + options.max_connections * 2);
    return t;
}

result<connection_id> uring_transport::listen(const endpoint& local) {
    auto fd = detail::open_listener(local, state_->options.socket, state_->options.listen_backlog);
    if (!fd) return std::move(fd).err();
    auto i = detail::take_slot(state_->free_slots, *fd, "io_uring transport");
    if (!i) return std::move(i).err();
    if (!state_->register_fd(*i, *fd)) {
        ::close(*fd);
        state_->free_slots.push_back(*i);
        return fail("io_uring transport: cannot register the listening socket");
    }
    slot& s = state_->slots[*i];
    s.fd = *fd;
    s.kind = slot_kind::listener;
    s.released = false;
    state_->arm_accept(*i);
    (void)io_uring_submit(&state_->ring);
    return make_connection_id(*i, batch_.generations[*i]);
}

namespace {

void prepare_slot(slot& s, int fd, slot_kind kind, std::size_t queue_bytes) {
    s.fd = fd;
    s.kind = kind;
    s.released = false;
    s.armed = s.rearm = s.sending = s.want_writable = s.sent_inline = false;
    if (s.tx.capacity() != queue_bytes) s.tx = detail::send_queue(queue_bytes);
    s.tx.clear();
}

}  // namespace

result<connection_id> uring_transport::connect(const endpoint& remote, std::int64_t timeout_ns) {
    auto sa = detail::to_sockaddr(remote);
    if (!sa) return std::move(sa).err();
    auto opened = detail::open_tcp_socket(state_->options.socket, false);
    if (!opened) return std::move(opened).err();
    const int fd = *opened;
    auto i = detail::take_slot(state_->free_slots, fd, "io_uring transport");
    if (!i) return std::move(i).err();
    if (!state_->register_fd(*i, fd)) {
        ::close(fd);
        state_->free_slots.push_back(*i);
        return fail("io_uring transport: cannot register the socket");
    }
    slot& s = state_->slots[*i];
    prepare_slot(s, fd, slot_kind::connecting, state_->options.send_queue_bytes);
    s.addr = *sa;
    s.timeout.tv_sec = timeout_ns / 1'000'000'000;
    s.timeout.tv_nsec = timeout_ns % 1'000'000'000;
    io_uring_sqe* c = state_->sqe();
    io_uring_sqe* t = c == nullptr ? nullptr : state_->sqe();
    if (c == nullptr || t == nullptr) {
        // Cannot happen right after a submit unless the ring is tiny; fail cleanly anyway.
        if (c != nullptr) io_uring_prep_nop(c);
        const int none = -1;
        (void)io_uring_register_files_update(&state_->ring, *i, &none, 1);
        ::close(fd);
        s.fd = -1;
        s.kind = slot_kind::free;
        state_->free_slots.push_back(*i);
        return fail("io_uring transport: submission queue full");
    }
    io_uring_prep_connect(c, static_cast<int>(*i), reinterpret_cast<const sockaddr*>(&s.addr),
                          sizeof s.addr);
    c->flags |= IOSQE_FIXED_FILE | IOSQE_IO_LINK;
    io_uring_sqe_set_data64(c, tag(op::connect, *i));
    io_uring_prep_link_timeout(t, &s.timeout, 0);
    io_uring_sqe_set_data64(t, tag(op::link_timeout, *i));
    s.pending += 2;
    (void)io_uring_submit(&state_->ring);
    return make_connection_id(*i, batch_.generations[*i]);
}

result<connection_id> uring_transport::open_udp(const udp_options& options) {
    auto fd = detail::open_udp_socket(options);
    if (!fd) return std::move(fd).err();
    auto i = detail::take_slot(state_->free_slots, *fd, "io_uring transport");
    if (!i) return std::move(i).err();
    if (!state_->register_fd(*i, *fd)) {
        ::close(*fd);
        state_->free_slots.push_back(*i);
        return fail("io_uring transport: cannot register the UDP socket");
    }
    prepare_slot(state_->slots[*i], *fd, slot_kind::udp, 64);
    state_->arm_recv(*i);
    (void)io_uring_submit(&state_->ring);
    return make_connection_id(*i, batch_.generations[*i]);
}

std::uint16_t uring_transport::local_port(connection_id id) const noexcept {
    if (!batch_.current(id)) return 0;
    const slot& s = state_->slots[slot_of(id)];
    return s.fd >= 0 ? detail::local_port_of(s.fd) : 0;
}

std::size_t uring_transport::queued(connection_id id) const noexcept {
    if (!batch_.current(id)) return 0;
    return state_->slots[slot_of(id)].tx.size();
}

send_result uring_transport::send(connection_id id, bytes data) noexcept {
    if (!batch_.current(id)) return {send_status::closed, 0};
    const std::uint32_t i = slot_of(id);
    slot& s = state_->slots[i];
    if (s.kind == slot_kind::udp) {
        const ssize_t n = ::send(s.fd, data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n >= 0) return {send_status::ok, data.size()};
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
            s.want_writable = true;
            state_->mark_dirty(i);
            return {send_status::would_block, 0};
        }
        return {send_status::error, 0};
    }
    if (s.kind != slot_kind::established && s.kind != slot_kind::connecting) {
        return {send_status::closed, 0};
    }
    std::size_t written = 0;
    if (state_->options.send_inline && s.kind == slot_kind::established && !s.sent_inline &&
        !s.sending && s.tx.empty()) {
        // Nothing queued or in flight: the first frame since the last flush goes out now with
        // one send() (no submission, no completion to reap); later ones in the same pass are
        // queued and leave together at the flush. An error is left to the queued send to
        // report, as without this path.
        const ssize_t n = ::send(s.fd, data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) written = static_cast<std::size_t>(n);
        s.sent_inline = true;
        state_->mark_dirty(i);  // the flush clears sent_inline
        if (written == data.size()) return {send_status::ok, written};
    }
    const std::size_t accepted = written + s.tx.push(data.subspan(written));
    if (accepted > written) state_->mark_dirty(i);
    if (accepted == data.size()) return {send_status::ok, accepted};
    s.want_writable = true;
    return {accepted == 0 ? send_status::would_block : send_status::partial, accepted};
}

int uring_transport::flush() noexcept {
    const int work = prepare_sends();
    if (io_uring_sq_ready(&state_->ring) > 0) (void)io_uring_submit(&state_->ring);
    return work;
}

// Turns queued bytes into send requests (one in flight per connection) and re-arms ended
// multishots; submission is left to the caller, so reap() can submit and reap in one call.
int uring_transport::prepare_sends() noexcept {
    state& st = *state_;
    int work = 0;
    const std::size_t n = st.dirty.size();
    for (std::size_t k = 0; k < n; ++k) {
        const std::uint32_t i = st.dirty[k];
        slot& s = st.slots[i];
        s.dirty = false;
        s.sent_inline = false;
        if (s.released) continue;
        if (s.rearm) {
            if (s.kind == slot_kind::listener) st.arm_accept(i);
            if (s.kind == slot_kind::established || s.kind == slot_kind::udp) st.arm_recv(i);
        }
        if (s.kind != slot_kind::established || s.sending || s.tx.empty()) continue;
        io_uring_sqe* e = st.sqe();
        if (e == nullptr) {
            st.mark_dirty(i);  // retried on the next flush
            continue;
        }
        const bytes chunk = s.tx.front();
        io_uring_prep_send(e, static_cast<int>(i), chunk.data(), chunk.size(), MSG_NOSIGNAL);
        e->flags |= IOSQE_FIXED_FILE;
        io_uring_sqe_set_data64(e, tag(op::send, i));
        s.sending = true;
        ++s.pending;
        ++work;
    }
    // A slot re-marked during the loop (no submission entry free) was appended after n.
    st.dirty.erase(st.dirty.begin(), st.dirty.begin() + static_cast<std::ptrdiff_t>(n));
    return work;
}

namespace {

// Ends the slot's life as an id: requests in flight are cancelled; the slot returns to the
// free list once the last of their completions has arrived.
void release(uring_transport_options&, io_uring& ring, slot& s, std::uint32_t i) noexcept {
    if (s.released) return;
    s.released = true;
    s.kind = slot_kind::closing;
    s.want_writable = false;
    if (s.pending > 0) {
        io_uring_sqe* e = io_uring_get_sqe(&ring);
        if (e == nullptr) {
            (void)io_uring_submit(&ring);
            e = io_uring_get_sqe(&ring);
        }
        if (e != nullptr) {
            io_uring_prep_cancel_fd(e, static_cast<int>(i),
                                    IORING_ASYNC_CANCEL_FD_FIXED | IORING_ASYNC_CANCEL_ALL);
            io_uring_sqe_set_data64(e, tag(op::cancel, i));
            ++s.pending;
        }
        // Submitted now, while slot i of the file table still names the socket.
        (void)io_uring_submit(&ring);
    }
    const int none = -1;
    (void)io_uring_register_files_update(&ring, i, &none, 1);
    if (s.fd >= 0) ::close(s.fd);
    s.fd = -1;
}

}  // namespace

void uring_transport::close(connection_id id) noexcept {
    if (!batch_.current(id)) return;
    const std::uint32_t i = slot_of(id);
    ++batch_.generations[i];
    slot& s = state_->slots[i];
    if (s.released) return;  // already released by this poll pass
    release(state_->options, state_->ring, s, i);
    state_->to_free.push_back(i);
}

int uring_transport::reap() noexcept {
    state& st = *state_;
    auto& items = batch_.items;
    items.clear();
    if (!st.dirty.empty()) (void)prepare_sends();  // sends made since the last pass
    // Submits what is queued and runs the deferred completion work in one system call; with
    // nothing to submit, enters only when the kernel flags completion work (TASKRUN_FLAG),
    // so an idle pass makes no system call.
    if (io_uring_sq_ready(&st.ring) > 0) {
        (void)io_uring_submit_and_get_events(&st.ring);
    } else if (st.must_enter()) {
        (void)io_uring_get_events(&st.ring);
    }
    auto event = [&items](connection_id id, event_kind kind, int err,
                          connection_id listener = invalid_connection) {
        items.push_back({{id, kind, err, listener}, {}, false});
    };
    // Bounded so that the provided buffers handed out in one pass never run out.
    const unsigned limit = st.options.buffer_count / 2;
    unsigned seen = 0;
    unsigned head;
    io_uring_cqe* cqe;
    int work = 0;
    io_uring_for_each_cqe(&st.ring, head, cqe) {
        if (seen == limit) break;
        ++seen;
        const std::uint64_t ud = io_uring_cqe_get_data64(cqe);
        const std::uint32_t i = slot_of_tag(ud);
        slot& s = st.slots[i];
        const int res = cqe->res;
        const bool more = (cqe->flags & IORING_CQE_F_MORE) != 0;
        if (!more) --s.pending;
        const auto id = make_connection_id(i, batch_.generations[i]);
        switch (op_of(ud)) {
            case op::recv: {
                if (cqe->flags & IORING_CQE_F_BUFFER) {
                    const auto bid =
                        static_cast<std::uint16_t>(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
                    st.used_buffers.push_back(bid);
                    if (!s.released && res >= 0) {
                        items.push_back(
                            {{id, event_kind::connected, 0, invalid_connection},
                             bytes{st.buffers + std::size_t{bid} * st.options.buffer_size,
                                   static_cast<std::size_t>(res)},
                             true});
                        ++work;
                    }
                }
                if (!more) s.armed = false;
                if (s.released) break;
                if (res == 0 && s.kind == slot_kind::established) {
                    event(id, event_kind::closed_by_peer, 0);
                    release(st.options, st.ring, s, i);
                    st.to_free.push_back(i);
                    st.released_now.push_back(i);
                    ++work;
                } else if (res < 0 && res != -ENOBUFS && res != -ECANCELED &&
                           !(s.kind == slot_kind::udp && res == -ECONNREFUSED)) {
                    event(id, event_kind::error, -res);
                    release(st.options, st.ring, s, i);
                    st.to_free.push_back(i);
                    st.released_now.push_back(i);
                    ++work;
                } else if (!more) {
                    s.rearm = true;  // after this pass recycles its buffers
                    st.mark_dirty(i);
                }
                break;
            }
            case op::accept: {
                if (!more) s.armed = false;
                if (s.released) {
                    if (res >= 0) ::close(res);
                    break;
                }
                if (res >= 0) {
                    ++work;
                    if (st.free_slots.empty()) {
                        ::close(res);  // no slot: the peer sees a reset rather than silence
                    } else {
                        (void)detail::apply_socket_options(res, st.options.socket, true);
                        const std::uint32_t c = st.free_slots.back();
                        if (!st.register_fd(c, res)) {
                            ::close(res);
                        } else {
                            st.free_slots.pop_back();
                            prepare_slot(st.slots[c], res, slot_kind::established,
                                         st.options.send_queue_bytes);
                            st.arm_recv(c);
                            event(make_connection_id(c, batch_.generations[c]),
                                  event_kind::accepted, 0, id);
                        }
                    }
                }
                if (!more) {
                    s.rearm = true;
                    st.mark_dirty(i);
                }
                break;
            }
            case op::send: {
                s.sending = false;
                if (s.released) break;
                if (res < 0) {
                    event(id, event_kind::error, -res);
                    release(st.options, st.ring, s, i);
                    st.to_free.push_back(i);
                    st.released_now.push_back(i);
                    ++work;
                    break;
                }
                s.tx.consume(static_cast<std::size_t>(res));
                if (!s.tx.empty()) st.mark_dirty(i);  // partial send or newer bytes: resume
                if (s.want_writable && s.tx.free() >= s.tx.capacity() / 2) {
                    s.want_writable = false;
                    event(id, event_kind::writable, 0);
                }
                ++work;
                break;
            }
            case op::connect: {
                if (s.released) break;
                ++work;
                if (res < 0) {
                    // A link timeout cancels the connect: report it as the timeout it is.
                    event(id, event_kind::connect_failed, res == -ECANCELED ? ETIMEDOUT : -res);
                    release(st.options, st.ring, s, i);
                    st.to_free.push_back(i);
                    st.released_now.push_back(i);
                    break;
                }
                s.kind = slot_kind::established;
                st.arm_recv(i);
                st.mark_dirty(i);  // bytes queued while connecting
                event(id, event_kind::connected, 0);
                break;
            }
            case op::link_timeout:
            case op::cancel:
                break;
        }
    }
    io_uring_cq_advance(&st.ring, seen);
    return work;
}

int uring_transport::end_poll() noexcept {
    state& st = *state_;
    if (!st.used_buffers.empty()) {
        int offset = 0;
        for (const std::uint16_t bid : st.used_buffers)
            st.recycle(bid, offset++);
        io_uring_buf_ring_advance(st.buf_ring, static_cast<int>(st.used_buffers.size()));
        st.used_buffers.clear();
    }
    // Events for these ids have been delivered: from now on the ids are stale.
    for (const std::uint32_t i : st.released_now)
        ++batch_.generations[i];
    st.released_now.clear();
    // A slot is reusable once the kernel holds no request naming it.
    std::size_t keep = 0;
    for (const std::uint32_t i : st.to_free) {
        slot& s = st.slots[i];
        if (s.pending > 0) {
            st.to_free[keep++] = i;
            continue;
        }
        if (s.kind != slot_kind::free) {
            s.kind = slot_kind::free;
            s.tx.clear();
            st.free_slots.push_back(i);
        }
    }
    st.to_free.resize(keep);
    return flush();
}

}  // namespace exwire::transport
