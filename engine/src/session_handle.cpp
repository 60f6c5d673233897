#include <exwire/engine/session_handle.hpp>

#include <cstring>
#include <thread>

#include <exwire/core/clock.hpp>
#include <exwire/core/idle_strategy.hpp>

namespace exwire::engine {

namespace detail {
// The channel whose handler is running on this thread (set by the dispatcher), so that a
// handler pausing its own session does not wait for itself.
thread_local const session_channel* dispatching_now = nullptr;
}  // namespace detail

std::string_view to_string(receive_status s) noexcept {
    switch (s) {
        case receive_status::ok:
            return "ok";
        case receive_status::empty:
            return "empty";
        case receive_status::timeout:
            return "timeout";
        case receive_status::end_of_queue:
            return "end_of_queue";
        case receive_status::dispatcher_active:
            return "dispatcher_active";
    }
    return "?";
}

send_status session_handle::send(bytes body, std::uint32_t tag) noexcept {
    mutable_bytes dst;
    const send_status s = claim(body.size(), dst, tag);
    if (s != send_status::ok) return s;
    if (!body.empty()) std::memcpy(dst.data(), body.data(), body.size());
    commit();
    return send_status::ok;
}

namespace {
// Application-side waiting: a few spins, then yields, then sleeps growing to 200 us. The
// application thread is not a shard: it should not burn a core while it waits.
idle_strategy waiter() noexcept {
    return idle_strategy::backoff(50, 20, 10'000, 200'000);
}
}  // namespace

bool session_handle::close(std::chrono::nanoseconds timeout) noexcept {
    initiate_close();
    const std::int64_t deadline = monotonic_ns() + timeout.count();
    idle_strategy idle = waiter();
    while (!is_closed()) {
        if (monotonic_ns() >= deadline) return false;
        idle.idle();
    }
    return true;
}

received session_handle::receive_nowait() noexcept {
    const receive_status s = prepare_pull();
    if (s != receive_status::ok) return {s, {}};
    byte_ring_consumer& c = ch_->inbound.consumer();
    const ring_record r = c.peek();
    if (!r.valid()) {
        if (drained_and_finished()) return {receive_status::end_of_queue, {}};
        return {receive_status::empty, {}};
    }
    ch_->pull_pending_release = true;
    return {receive_status::ok, inbound_record::decode(r.type, r.payload)};
}

received session_handle::receive(std::chrono::nanoseconds timeout) noexcept {
    received r = receive_nowait();
    if (r.status != receive_status::empty) return r;
    const std::int64_t deadline = monotonic_ns() + timeout.count();
    idle_strategy idle = waiter();
    while (true) {
        idle.idle();
        r = receive_nowait();
        if (r.status != receive_status::empty) return r;
        if (monotonic_ns() >= deadline) return {receive_status::timeout, {}};
    }
}

dispatch_pause session_handle::pause_dispatching() noexcept {
    auto expected = detail::consumer_mode::dispatching;
    if (!ch_->mode.compare_exchange_strong(expected, detail::consumer_mode::paused,
                                           std::memory_order_seq_cst))
        return {};
    // Dekker handshake with dispatcher::drain: it sets busy, then reads mode; we set mode,
    // then read busy. With both seq_cst, at least one of us sees the other's store.
    if (detail::dispatching_now != ch_) {
        while (ch_->dispatch_busy.load(std::memory_order_seq_cst) != 0)
            std::this_thread::yield();
    }
    return dispatch_pause(ch_);
}

void dispatch_pause::resume() noexcept {
    if (ch_ == nullptr) return;
    // A record pulled during the pause is released before the dispatcher owns the ring again.
    if (ch_->pull_pending_release) {
        ch_->inbound.consumer().release();
        ch_->pull_pending_release = false;
    }
    auto expected = detail::consumer_mode::paused;
    ch_->mode.compare_exchange_strong(expected, detail::consumer_mode::dispatching,
                                      std::memory_order_seq_cst);
    ch_ = nullptr;
}

}  // namespace exwire::engine
