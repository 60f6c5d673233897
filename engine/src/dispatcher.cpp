#include <exwire/engine/dispatcher.hpp>

#include <fmt/format.h>

namespace exwire::engine {

namespace detail {
extern thread_local const session_channel* dispatching_now;
}

dispatcher::~dispatcher() {
    stop_thread();
    const std::size_t n = high_water_.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < n; ++i) {
        if (detail::session_channel* ch = slots_[i].load(std::memory_order_acquire))
            detach_slot(i, ch);
    }
}

result<void> dispatcher::start_dispatching(session_handle s, record_handler handler) {
    detail::session_channel* ch = s.channel();
    if (ch == nullptr) return fail("start_dispatching: invalid session handle");
    if (!handler)
        return fail(fmt::format("start_dispatching: session '{}': empty handler", s.name()));
    const void* none = nullptr;
    if (!ch->dispatcher_owner.compare_exchange_strong(none, this, std::memory_order_acq_rel))
        return fail(fmt::format("session '{}' is already served by a dispatcher", s.name()));
    std::size_t index = max_sessions;
    for (std::size_t i = 0; i < max_sessions && index == max_sessions; ++i) {
        if (slots_[i].load(std::memory_order_acquire) == nullptr) index = i;
    }
    if (index == max_sessions) {
        ch->dispatcher_owner.store(nullptr, std::memory_order_release);
        return fail(fmt::format("dispatcher is full ({} sessions)", max_sessions));
    }
    // The caller was the puller: hand the ring over clean.
    if (ch->pull_pending_release) {
        ch->inbound.consumer().release();
        ch->pull_pending_release = false;
    }
    ch->handler = std::move(handler);
    ch->mode.store(detail::consumer_mode::dispatching, std::memory_order_seq_cst);
    slots_[index].store(ch, std::memory_order_release);
    std::size_t hw = high_water_.load(std::memory_order_relaxed);
    while (hw < index + 1 &&
           !high_water_.compare_exchange_weak(hw, index + 1, std::memory_order_acq_rel)) {
    }
    return {};
}

void dispatcher::detach_slot(std::size_t index, detail::session_channel* ch) noexcept {
    detail::session_channel* expected = ch;
    if (!slots_[index].compare_exchange_strong(expected, nullptr, std::memory_order_acq_rel))
        return;
    ch->mode.store(detail::consumer_mode::pull, std::memory_order_seq_cst);
    if (detail::dispatching_now != ch) {
        while (ch->dispatch_busy.load(std::memory_order_seq_cst) != 0)
            std::this_thread::yield();
    }
    ch->dispatcher_owner.store(nullptr, std::memory_order_release);
}

void dispatcher::stop_dispatching(session_handle s) noexcept {
    const std::size_t n = high_water_.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < n; ++i) {
        if (slots_[i].load(std::memory_order_acquire) == s.channel()) {
            detach_slot(i, s.channel());
            return;
        }
    }
}

std::size_t dispatcher::drain(detail::session_channel& ch, std::size_t limit, bool& ended) {
    ended = false;
    // Busy is a count, not a flag: a dispatcher still holding a stale pointer to a session
    // that moved to another dispatcher may mark it busy for a moment too, and must not clear
    // the other's mark. The guard also undoes everything if a handler throws.
    struct busy_scope {
        detail::session_channel& ch;
        const detail::session_channel* outer = detail::dispatching_now;
        explicit busy_scope(detail::session_channel& c) : ch(c) {
            ch.dispatch_busy.fetch_add(1, std::memory_order_seq_cst);
        }
        ~busy_scope() {
            detail::dispatching_now = outer;
            ch.dispatch_busy.fetch_sub(1, std::memory_order_release);
        }
        busy_scope(const busy_scope&) = delete;
        busy_scope& operator=(const busy_scope&) = delete;
    } busy(ch);
    // Dekker handshake with pause/detach: busy is raised before the mode is read. The owner
    // check rejects a stale pointer to a session that another dispatcher serves now.
    if (ch.mode.load(std::memory_order_seq_cst) != detail::consumer_mode::dispatching ||
        ch.dispatcher_owner.load(std::memory_order_seq_cst) != this)
        return 0;
    detail::dispatching_now = &ch;
    const session_handle h(&ch);
    const std::size_t n = ch.inbound.consumer().read(
        [&](const ring_record& r) { ch.handler(h, inbound_record::decode(r.type, r.payload)); },
        limit);
    // After the last record (`closed`) was handled the session has nothing more to give.
    ended = n == 0 && ch.state.load(std::memory_order_acquire) == detail::lifecycle::finished &&
            ch.inbound.consumer().empty();
    return n;
}

std::size_t dispatcher::poll(std::size_t limit_per_session) {
    std::size_t total = 0;
    const std::size_t n = high_water_.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < n; ++i) {
        detail::session_channel* ch = slots_[i].load(std::memory_order_acquire);
        if (ch == nullptr) continue;
        bool ended = false;
        total += drain(*ch, limit_per_session, ended);
        if (ended) detach_slot(i, ch);
    }
    return total;
}

result<void> dispatcher::start_thread(thread_options options, idle_strategy idle) {
    if (thread_.joinable()) return fail("dispatcher thread already running");
    if (options.name.empty()) options.name = "exwire-dispatch";
    auto t = exwire::start_thread(std::move(options), [this, idle](std::stop_token stop) mutable {
        while (!stop.stop_requested())
            idle.idle(static_cast<int>(poll()));
    });
    if (!t) return std::move(t).err();
    thread_ = std::move(*t);
    return {};
}

void dispatcher::stop_thread() noexcept {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    thread_.join();
}

std::size_t dispatcher::attached() const noexcept {
    std::size_t count = 0;
    const std::size_t n = high_water_.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < n; ++i)
        count += slots_[i].load(std::memory_order_acquire) != nullptr;
    return count;
}

}  // namespace exwire::engine
