// The runtime end to end without sockets: a real shard thread steps echo sessions; the test
// is the application, pulling or dispatching.
#include <pthread.h>
#include <sched.h>
#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <exwire/engine/dispatcher.hpp>
#include <exwire/engine/engine.hpp>

#include "echo_session.hpp"

using namespace exwire::engine;
using namespace std::chrono_literals;
using exwire_test::echo_config;
using exwire_test::echo_registry;

namespace {

std::unique_ptr<engine> make_engine(engine_config c = echo_config(),
                                    exwire_test::echo_session::options o = {}) {
    auto e = engine::create(std::move(c), echo_registry(o));
    EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.err().message);
    return std::move(*e);
}

exwire::bytes as_bytes(const std::string& s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

void send_number(session_handle& s, std::uint32_t n) {
    exwire::mutable_bytes buf;
    for (int tries = 0; s.claim(sizeof n, buf) == send_status::full; ++tries) {
        ASSERT_LT(tries, 100000) << "outbound ring stayed full";
        std::this_thread::sleep_for(10us);
    }
    ASSERT_EQ(buf.size(), sizeof n);
    std::memcpy(buf.data(), &n, sizeof n);
    s.commit();
}

std::uint32_t number_of(const inbound_record& r) {
    std::uint32_t n = 0;
    EXPECT_EQ(r.body.size(), sizeof n);
    std::memcpy(&n, r.body.data(), sizeof n);
    return n;
}

/// Takes the two login events the echo session emits on start.
void expect_login_events(session_handle& s) {
    received r = s.receive(2s);
    ASSERT_EQ(r.status, receive_status::ok);
    EXPECT_EQ(r.record.type, record_type::connected);
    r = s.receive(2s);
    ASSERT_EQ(r.status, receive_status::ok);
    EXPECT_EQ(r.record.type, record_type::logged_in);
    EXPECT_EQ(r.record.sequence, 1u);
}

}  // namespace

TEST(runtime, echoes_messages_in_order_through_a_shard_thread_in_pull_mode) {
    auto e = make_engine();
    ASSERT_TRUE(e->start().ok());
    session_handle s = e->session("echo0");
    ASSERT_TRUE(s.valid());
    EXPECT_TRUE(s.is_active());
    expect_login_events(s);

    constexpr std::uint32_t count = 20000;
    std::uint32_t next = 0;
    for (std::uint32_t i = 0; i < count; ++i) {
        send_number(s, i);
        // Keep the inbound ring drained as we go, like an application would.
        for (received r = s.receive_nowait(); r.ok(); r = s.receive_nowait()) {
            ASSERT_EQ(r.record.type, record_type::message);
            ASSERT_EQ(number_of(r.record), next);
            ASSERT_EQ(r.record.sequence, next + 1u);
            ++next;
        }
    }
    while (next < count) {
        received r = s.receive(2s);
        ASSERT_EQ(r.status, receive_status::ok) << to_string(r.status);
        ASSERT_EQ(number_of(r.record), next);
        ++next;
    }
    EXPECT_EQ(e->counters().writer(0).get(counter::frames_in), count);
    EXPECT_EQ(e->counters().writer(0).get(counter::bytes_in), count * 4u);
}

TEST(runtime, close_is_graceful_and_the_queue_ends_with_a_closed_record) {
    auto e = make_engine();
    ASSERT_TRUE(e->start().ok());
    session_handle s = e->session("echo0");
    expect_login_events(s);
    EXPECT_EQ(s.send(as_bytes("last words")), send_status::ok);
    // Wait for the echo before closing: close() does not flush sends still in the ring.
    received r = s.receive(2s);
    ASSERT_EQ(r.status, receive_status::ok);
    EXPECT_EQ(r.record.text(), "last words");

    EXPECT_TRUE(s.close(2s));
    EXPECT_TRUE(s.is_closed());
    EXPECT_FALSE(s.is_active());
    EXPECT_EQ(s.reason(), close_reason::requested);
    EXPECT_EQ(s.send(as_bytes("too late")), send_status::closed);

    r = s.receive(2s);
    ASSERT_EQ(r.status, receive_status::ok);
    EXPECT_EQ(r.record.type, record_type::closed);
    EXPECT_EQ(r.record.reason(), close_reason::requested);
    EXPECT_EQ(s.receive_nowait().status, receive_status::end_of_queue);
    EXPECT_EQ(s.receive(10ms).status, receive_status::end_of_queue);
}

TEST(runtime, receive_times_out_within_its_bound_when_nothing_arrives) {
    auto e = make_engine();
    ASSERT_TRUE(e->start().ok());
    session_handle s = e->session("echo0");
    expect_login_events(s);
    EXPECT_EQ(s.receive_nowait().status, receive_status::empty);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(s.receive(30ms).status, receive_status::timeout);
    const auto waited = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(waited, 30ms);
    EXPECT_LT(waited, 1s);
}

TEST(runtime, engine_stop_closes_running_sessions_with_engine_stopped) {
    auto e = make_engine();
    ASSERT_TRUE(e->start().ok());
    session_handle s = e->session("echo0");
    e->stop();
    EXPECT_TRUE(s.is_closed());
    EXPECT_EQ(s.reason(), close_reason::engine_stopped);
    std::vector<record_type> seen;
    polled p;
    do {
        p = s.poll([&](const inbound_record& r) { seen.push_back(r.type); });
    } while (p.status == receive_status::ok && p.count > 0);
    EXPECT_EQ(p.status, receive_status::end_of_queue);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen.back(), record_type::closed);
}

TEST(runtime, a_session_that_fails_to_start_closes_with_the_reason_text) {
    auto e = make_engine(echo_config(), {.fail_start = true, .emit_login_events = true});
    ASSERT_TRUE(e->start().ok());
    session_handle s = e->session("echo0");
    received r = s.receive(2s);
    ASSERT_EQ(r.status, receive_status::ok);
    EXPECT_EQ(r.record.type, record_type::closed);
    EXPECT_EQ(r.record.reason(), close_reason::start_failed);
    EXPECT_EQ(r.record.text(), "cannot bind 127.0.0.1:1: permission denied");
    EXPECT_TRUE(s.is_closed());
    EXPECT_EQ(s.receive(1s).status, receive_status::end_of_queue);
}

TEST(runtime, engine_refuses_a_protocol_without_a_registered_session) {
    engine_config c = echo_config();
    c.sessions[0].protocol = protocol_kind::ouch;
    auto e = engine::create(c, echo_registry());
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.err().message,
              "session 'echo0': no ouch session implementation is registered in this build");
}

TEST(runtime, engine_refuses_an_invalid_configuration_built_in_code) {
    engine_config c = echo_config();
    c.sessions[0].shard = "nowhere";
    auto e = engine::create(c, echo_registry());
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.err().message.find("session[0].shard: no shard named 'nowhere'"),
              std::string::npos);
}

TEST(runtime, nothing_is_lost_when_the_application_stops_reading_for_a_while) {
    // A 4 KiB inbound ring holds about 100 echoes; send 2000 without reading.
    auto e = make_engine(echo_config(1, 4096));
    ASSERT_TRUE(e->start().ok());
    session_handle s = e->session("echo0");
    expect_login_events(s);
    constexpr std::uint32_t count = 2000;
    std::uint32_t next = 0;
    std::uint32_t sent = 0;
    while (sent < count) {
        exwire::mutable_bytes buf;
        if (s.claim(4, buf) == send_status::ok) {
            std::memcpy(buf.data(), &sent, 4);
            s.commit();
            ++sent;
            continue;
        }
        // Outbound full because inbound is full: now read everything there is.
        for (received r = s.receive(50ms); r.ok(); r = s.receive_nowait())
            ASSERT_EQ(number_of(r.record), next++);
    }
    while (next < count) {
        received r = s.receive(2s);
        ASSERT_TRUE(r.ok()) << to_string(r.status);
        ASSERT_EQ(number_of(r.record), next++);
    }
}

TEST(runtime, pulling_while_a_dispatcher_serves_the_session_is_a_state_error) {
    auto e = make_engine();
    ASSERT_TRUE(e->start().ok());
    session_handle s = e->session("echo0");
    dispatcher d;
    ASSERT_TRUE(d.start_dispatching(s, [](session_handle, const inbound_record&) {}).ok());
    EXPECT_TRUE(s.dispatching());
    EXPECT_EQ(s.receive_nowait().status, receive_status::dispatcher_active);
    EXPECT_EQ(s.receive(1ms).status, receive_status::dispatcher_active);
    EXPECT_EQ(s.poll([](const inbound_record&) {}).status, receive_status::dispatcher_active);
    dispatcher other;
    auto again = other.start_dispatching(s, [](session_handle, const inbound_record&) {});
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.err().message, "session 'echo0' is already served by a dispatcher");
    d.stop_dispatching(s);
    EXPECT_FALSE(s.dispatching());
    expect_login_events(s);  // nothing was consumed while the state error was reported
}

TEST(runtime, dispatcher_polled_by_the_application_thread_delivers_everything_in_order) {
    auto e = make_engine(echo_config(2));
    ASSERT_TRUE(e->start().ok());
    dispatcher d;
    std::vector<std::uint32_t> got[2];
    int closed = 0;
    std::vector<session_handle> handles = e->sessions();
    for (int i = 0; i < 2; ++i) {
        ASSERT_TRUE(
            d.start_dispatching(handles[i], [&, i](session_handle h, const inbound_record& r) {
                 EXPECT_EQ(h, handles[i]);
                 if (r.type == record_type::message) got[i].push_back(number_of(r));
                 if (r.type == record_type::closed) ++closed;
             }).ok());
    }
    constexpr std::uint32_t count = 5000;
    for (std::uint32_t n = 0; n < count; ++n) {
        send_number(handles[0], n);
        send_number(handles[1], n * 2);
        d.poll();
    }
    for (int spins = 0; (got[0].size() < count || got[1].size() < count) && spins < 200000;
         ++spins) {
        if (d.poll() == 0) std::this_thread::sleep_for(20us);
    }
    ASSERT_EQ(got[0].size(), count);
    ASSERT_EQ(got[1].size(), count);
    for (std::uint32_t n = 0; n < count; ++n) {
        ASSERT_EQ(got[0][n], n);
        ASSERT_EQ(got[1][n], n * 2);
    }
    // At end of queue the dispatcher lets go of each session by itself.
    e->stop();
    for (int spins = 0; d.attached() > 0 && spins < 1000; ++spins)
        d.poll();
    EXPECT_EQ(closed, 2);
    EXPECT_EQ(d.attached(), 0u);
    EXPECT_EQ(handles[0].receive_nowait().status, receive_status::end_of_queue);
}

TEST(runtime,
     dispatcher_thread_calls_the_handler_and_pause_dispatching_hands_the_queue_to_the_app) {
    auto e = make_engine();
    ASSERT_TRUE(e->start().ok());
    session_handle s = e->session("echo0");
    expect_login_events(s);

    std::atomic<std::uint32_t> handled{0};
    std::atomic<std::uint32_t> last{UINT32_MAX};
    std::atomic<bool> order_ok{true};
    dispatcher d;
    ASSERT_TRUE(d.start_dispatching(s, [&](session_handle, const inbound_record& r) {
                     if (r.type != record_type::message) return;
                     const std::uint32_t n = number_of(r);
                     if (last.load() != UINT32_MAX && n != last.load() + 1) order_ok = false;
                     last = n;
                     ++handled;
                 }).ok());
    ASSERT_TRUE(
        d.start_thread({.name = "test-dispatch"}, exwire::idle_strategy::sleeping(50'000)).ok());

    for (std::uint32_t n = 0; n < 100; ++n)
        send_number(s, n);
    for (int i = 0; i < 2000 && handled < 100; ++i)
        std::this_thread::sleep_for(1ms);
    ASSERT_EQ(handled.load(), 100u);

    {
        dispatch_pause pause = s.pause_dispatching();
        EXPECT_TRUE(pause.engaged());
        EXPECT_FALSE(s.dispatching());
        for (std::uint32_t n = 100; n < 110; ++n)
            send_number(s, n);
        for (std::uint32_t n = 100; n < 110; ++n) {
            received r = s.receive(2s);  // allowed while paused
            ASSERT_TRUE(r.ok()) << to_string(r.status);
            ASSERT_EQ(number_of(r.record), n);
        }
        std::this_thread::sleep_for(5ms);
        EXPECT_EQ(handled.load(), 100u);  // the dispatcher left the session alone
    }
    EXPECT_TRUE(s.dispatching());
    last = 109;
    for (std::uint32_t n = 110; n < 200; ++n)
        send_number(s, n);
    for (int i = 0; i < 2000 && handled < 190; ++i)
        std::this_thread::sleep_for(1ms);
    EXPECT_EQ(handled.load(), 190u);
    EXPECT_TRUE(order_ok.load());
    d.stop_thread();
}

TEST(runtime, a_handler_may_pause_its_own_session_without_deadlock) {
    auto e = make_engine();
    ASSERT_TRUE(e->start().ok());
    session_handle s = e->session("echo0");
    dispatcher d;
    int paused = 0;
    ASSERT_TRUE(d.start_dispatching(s, [&](session_handle h, const inbound_record&) {
                     dispatch_pause p = h.pause_dispatching();
                     paused += p.engaged();
                 }).ok());
    for (int i = 0; i < 1000 && paused < 2; ++i) {
        if (d.poll() == 0) std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(paused, 2);  // connected and logged_in
    EXPECT_TRUE(s.dispatching());
}

TEST(runtime, repeated_pauses_against_a_dispatcher_thread_lose_and_duplicate_nothing) {
    auto e = make_engine();
    ASSERT_TRUE(e->start().ok());
    session_handle s = e->session("echo0");
    expect_login_events(s);

    // Every message is taken exactly once, by the handler or by a pull during a pause;
    // `seen` records by whom (1: handler, 4: pull), and the union must be 0..count-1 in order.
    constexpr std::uint32_t count = 20000;
    std::vector<std::uint8_t> seen(count, 0);
    std::atomic<std::uint32_t> taken{0};
    std::atomic<std::uint32_t> expected_next{0};
    std::atomic<bool> in_order{true};
    auto take = [&](std::uint32_t n, std::uint8_t by) {
        if (n != expected_next.load(std::memory_order_relaxed)) in_order = false;
        expected_next.store(n + 1, std::memory_order_relaxed);
        if (n < count) seen[n] += by;
        taken.fetch_add(1, std::memory_order_release);
    };
    dispatcher d;
    ASSERT_TRUE(d.start_dispatching(s, [&](session_handle, const inbound_record& r) {
                     if (r.type == record_type::message) take(number_of(r), 1);
                 }).ok());
    ASSERT_TRUE(d.start_thread({.name = "test-dispatch"},
                               exwire::idle_strategy::backoff(10, 5, 5'000, 50'000))
                    .ok());

    std::uint32_t pulled = 0;
    for (std::uint32_t n = 0; n < count; ++n) {
        send_number(s, n);
        if (n % 97 == 0) {
            dispatch_pause pause = s.pause_dispatching();
            ASSERT_TRUE(pause.engaged());
            for (received r = s.receive_nowait(); r.ok(); r = s.receive_nowait()) {
                take(number_of(r.record), 4);
                ++pulled;
            }
        }
    }
    for (int i = 0; i < 5000 && taken.load(std::memory_order_acquire) < count; ++i)
        std::this_thread::sleep_for(1ms);
    d.stop_thread();
    ASSERT_EQ(taken.load(), count);
    EXPECT_TRUE(in_order.load());
    for (std::uint32_t n = 0; n < count; ++n)
        ASSERT_TRUE(seen[n] == 1 || seen[n] == 4) << n << ": " << int(seen[n]);
    RecordProperty("pulled_during_pauses", static_cast<int>(pulled));
}

namespace {

/// Records, on the shard thread, the thread's name and the cpus it may run on.
class probe_session final : public session {
  public:
    exwire::result<void> on_start(session_context& ctx, std::int64_t) override {
        char name[32] = {};
        pthread_getname_np(pthread_self(), name, sizeof name);
        std::string text = name;
        cpu_set_t set;
        CPU_ZERO(&set);
        sched_getaffinity(0, sizeof set, &set);
        for (int c = 0; c < CPU_SETSIZE; ++c)
            if (CPU_ISSET(c, &set)) {
                text += ' ';
                text += std::to_string(c);
            }
        ctx.finish(close_reason::requested, text);
        return {};
    }
    int do_work(std::int64_t) noexcept override { return 0; }
};

}  // namespace

TEST(runtime, shard_thread_is_named_and_pinned_as_configured) {
    const std::vector<int> allowed = exwire::allowed_cpus();
    ASSERT_FALSE(allowed.empty());
    engine_config c = echo_config();
    c.shards[0].name = "pin-test";
    c.shards[0].cpus = std::to_string(allowed.back());
    protocol_registry r;
    r.add(protocol_kind::soupbintcp, [](const session_config&, const shard_config&) {
        return exwire::result<std::unique_ptr<session>>(std::make_unique<probe_session>());
    });
    auto e = engine::create(c, r);
    ASSERT_TRUE(e.ok()) << e.err().message;
    ASSERT_TRUE((*e)->start().ok());
    session_handle s = (*e)->session("echo0");
    received rec = s.receive(2s);
    ASSERT_TRUE(rec.ok());
    const std::string expected = fmt::format("pin-test {}", allowed.back());
    EXPECT_EQ(rec.record.text(), expected);
}

TEST(runtime, an_idle_shard_follows_its_idle_strategy_instead_of_spinning) {
    engine_config c = echo_config();
    c.shards[0].idle = "sleep:2ms";
    auto e = make_engine(c);
    ASSERT_TRUE(e->start().ok());
    shard* sh = e->find_shard("s0");
    ASSERT_NE(sh, nullptr);
    const std::uint64_t before = sh->passes();
    std::this_thread::sleep_for(100ms);
    const std::uint64_t passes = sh->passes() - before;
    EXPECT_LE(passes, 55u);  // at most one pass per 2 ms sleep
    EXPECT_GE(passes, 3u);   // but it does run
}

TEST(runtime, moving_a_session_between_dispatchers_keeps_one_consumer_at_a_time) {
    auto e = make_engine();
    ASSERT_TRUE(e->start().ok());
    session_handle s = e->session("echo0");
    expect_login_events(s);

    constexpr std::uint32_t count = 6000;
    std::uint32_t expected = 0;  // only ever touched by the one consumer of the moment
    std::atomic<std::uint32_t> taken{0};
    std::atomic<bool> in_order{true};
    auto handler = [&](session_handle, const inbound_record& r) {
        if (r.type != record_type::message) return;
        if (number_of(r) != expected) in_order = false;
        ++expected;
        taken.fetch_add(1, std::memory_order_release);
    };
    dispatcher threaded;  // serves the session from its own thread half of the time
    dispatcher local;     // polled here the other half
    ASSERT_TRUE(threaded
                    .start_thread({.name = "test-dispatch"},
                                  exwire::idle_strategy::backoff(10, 5, 5'000, 50'000))
                    .ok());
    for (std::uint32_t n = 0; n < count; ++n) {
        send_number(s, n);
        if (n % 3 == 0) {
            dispatcher& to = (n / 3) % 2 == 0 ? threaded : local;
            dispatcher& from = &to == &threaded ? local : threaded;
            from.stop_dispatching(s);
            ASSERT_TRUE(to.start_dispatching(s, handler).ok());
        }
        (void)local.poll();
    }
    local.stop_dispatching(s);
    ASSERT_TRUE(threaded.start_dispatching(s, handler).ok());
    for (int i = 0; i < 5000 && taken.load(std::memory_order_acquire) < count; ++i)
        std::this_thread::sleep_for(1ms);
    threaded.stop_thread();
    EXPECT_EQ(taken.load(), count);
    EXPECT_TRUE(in_order.load());
}
