#pragma once
// Test helpers shared by the transport suites: a recording handler, a bounded pump loop
// that sleeps between idle passes (tests never busy-spin), and per-transport factories.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <exwire/core/clock.hpp>
#include <exwire/core/idle_strategy.hpp>
#include <exwire/transport/socket_transport.hpp>
#include <exwire/transport/transport.hpp>
#ifdef EXWIRE_HAVE_IO_URING
#include <exwire/transport/uring_transport.hpp>
#endif

namespace exwire::transport::testing {

struct recorder {
    std::map<std::uint64_t, std::string> received;  // by connection id
    std::map<std::uint64_t, std::vector<std::string>> datagrams;
    std::vector<connection_event> events;
    std::function<void(connection_id, bytes)> on_bytes;  // optional extra action
    std::function<void(const connection_event&)> on_ev;

    void on_data(connection_id id, bytes data) {
        received[static_cast<std::uint64_t>(id)].append(to_string_view(data));
        datagrams[static_cast<std::uint64_t>(id)].emplace_back(to_string_view(data));
        if (on_bytes) on_bytes(id, data);
    }
    void on_event(const connection_event& e) {
        events.push_back(e);
        if (on_ev) on_ev(e);
    }
    [[nodiscard]] std::size_t count(event_kind kind) const {
        std::size_t n = 0;
        for (const auto& e : events)
            n += e.kind == kind ? 1 : 0;
        return n;
    }
    [[nodiscard]] const connection_event* find(event_kind kind) const {
        for (const auto& e : events) {
            if (e.kind == kind) return &e;
        }
        return nullptr;
    }
    [[nodiscard]] std::string& text(connection_id id) {
        return received[static_cast<std::uint64_t>(id)];
    }
};

/// Runs `step` (which polls and returns work done) until `done` or the time limit; sleeps
/// with backoff between idle passes. Returns whether `done` became true.
inline bool pump_until(const std::function<int()>& step, const std::function<bool()>& done,
                       std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    auto idle = idle_strategy::backoff(10, 5, 20'000, 1'000'000);
    const std::int64_t deadline = monotonic_ns() + limit.count() * 1'000'000;
    while (!done()) {
        if (monotonic_ns() > deadline) return false;
        idle.idle(step());
    }
    return true;
}

template <typename T>
struct factory;

template <>
struct factory<socket_transport> {
    static constexpr const char* name = "socket";
    static socket_transport make(std::size_t send_queue = 1 << 20, socket_options socket = {}) {
        socket_transport_options o;
        o.max_connections = 256;
        o.send_queue_bytes = send_queue;
        o.socket = socket;
        auto t = socket_transport::create(o);
        if (!t) throw std::runtime_error(t.err().message);
        return std::move(t).value();
    }
};

#ifdef EXWIRE_HAVE_IO_URING
template <>
struct factory<uring_transport> {
    static constexpr const char* name = "io_uring";
    static uring_transport make(std::size_t send_queue = 1 << 20, socket_options socket = {}) {
        uring_transport_options o;
        o.max_connections = 256;
        o.send_queue_bytes = send_queue;
        o.socket = socket;
        auto t = uring_transport::create(o);
        if (!t) throw std::runtime_error(t.err().message);
        return std::move(t).value();
    }
};

/// The io_uring transport with `send_inline` off: every send is queued and leaves through
/// io_uring at the flush (the default writes the first frame after a flush with send()).
struct uring_transport_queued_sends : uring_transport {
    explicit uring_transport_queued_sends(uring_transport&& t) noexcept
        : uring_transport(std::move(t)) {}
};

template <>
struct factory<uring_transport_queued_sends> {
    static constexpr const char* name = "io_uring_queued_sends";
    static uring_transport_queued_sends make(std::size_t send_queue = 1 << 20,
                                             socket_options socket = {}) {
        uring_transport_options o;
        o.max_connections = 256;
        o.send_queue_bytes = send_queue;
        o.socket = socket;
        o.send_inline = false;
        auto t = uring_transport::create(o);
        if (!t) throw std::runtime_error(t.err().message);
        return uring_transport_queued_sends(std::move(t).value());
    }
};
#endif

}  // namespace exwire::transport::testing
