// The shard loop stepped by hand (begin / do_work / end) with a fake clock: deterministic.
#include <exwire/engine/shard.hpp>

#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include <exwire/engine/session_handle.hpp>

using namespace exwire::engine;

namespace {

/// Scripted session: floods the inbound ring when asked, logs out after a close request
/// with a two-pass handshake, and records every call it gets.
class scripted_session final : public session {
  public:
    exwire::result<void> on_start(session_context& ctx, std::int64_t now) override {
        ctx_ = &ctx;
        calls.push_back("start@" + std::to_string(now));
        return {};
    }
    int do_work(std::int64_t now) noexcept override {
        int work = 0;
        if (flood) {
            const std::byte frame[100] = {};
            while (ctx_->deliver(frame, ++seq, now) == exwire::ring_status::ok)
                ++work;
            flood = false;
            if (finish_after_flood) ctx_->finish(close_reason::end_of_session, "Z");
        }
        if (logout_passes > 0 && --logout_passes == 0)
            ctx_->finish(close_reason::requested, "logged out");
        return work;
    }
    void on_close_requested(session_context&, std::int64_t now) noexcept override {
        calls.push_back("close@" + std::to_string(now));
        logout_passes = 2;
    }
    void on_stop(close_reason r, std::int64_t now) noexcept override {
        calls.push_back(std::string("stop:") + std::string(to_string(r)) + "@" +
                        std::to_string(now));
    }

    std::vector<std::string> calls;
    bool flood = false;
    bool finish_after_flood = false;
    int logout_passes = 0;
    std::uint64_t seq = 0;

  private:
    session_context* ctx_ = nullptr;
};

class counting_agent final : public agent {
  public:
    int do_work(std::int64_t) noexcept override {
        ++passes;
        if (pending == 0) return 0;
        --pending;
        return 1;
    }
    int passes = 0;
    int pending = 0;
};

struct fixture {
    fixture()
        : table(counters_table::create("", "t", {{"a", "s"}}).value()),
          ch(make_config(), table.writer(0)) {
        auto impl = std::make_unique<scripted_session>();
        s = impl.get();
        ch.impl = std::move(impl);
        sh.add_session(ch);
        sh.add_agent(ag);
    }
    static session_config make_config() {
        session_config c;
        c.name = "a";
        c.inbound_ring_size = 4096;
        c.outbound_ring_size = 4096;
        return c;
    }
    counters_table table;
    detail::session_channel ch;
    shard sh{shard_config{}};
    counting_agent ag;
    scripted_session* s = nullptr;
    session_handle h{&ch};
};

}  // namespace

TEST(shard, a_pass_with_nothing_to_do_reports_zero_work) {
    fixture f;
    f.sh.begin(10);
    EXPECT_EQ(f.sh.do_work(11), 0);
    f.ag.pending = 2;
    EXPECT_EQ(f.sh.do_work(12), 1);
    EXPECT_EQ(f.sh.do_work(13), 1);
    EXPECT_EQ(f.sh.do_work(14), 0);
    EXPECT_EQ(f.ag.passes, 4);
    EXPECT_EQ(f.sh.passes(), 4u);
    f.sh.end(15);
}

TEST(shard, forwards_a_close_request_once_and_waits_for_the_session_to_finish) {
    fixture f;
    f.sh.begin(0);
    f.h.initiate_close();
    EXPECT_GT(f.sh.do_work(1), 0);
    EXPECT_FALSE(f.h.is_closed());  // logout handshake under way
    (void)f.sh.do_work(2);
    EXPECT_TRUE(f.h.is_closed());
    EXPECT_EQ(f.h.reason(), close_reason::requested);
    (void)f.sh.do_work(3);
    EXPECT_EQ(f.s->calls, (std::vector<std::string>{"start@0", "close@1", "stop:requested@2"}));
    received r = f.h.receive_nowait();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.record.type, record_type::closed);
    EXPECT_EQ(r.record.text(), "logged out");
    EXPECT_EQ(r.record.time_ns, 2);
    EXPECT_EQ(f.h.receive_nowait().status, receive_status::end_of_queue);
    EXPECT_EQ(f.sh.live_sessions(), 0u);
    f.sh.end(4);
    EXPECT_EQ(f.s->calls.size(), 3u);  // no second on_stop
}

TEST(shard, the_closed_record_waits_for_room_in_a_full_inbound_ring) {
    fixture f;
    f.sh.begin(0);
    f.s->flood = true;
    f.s->finish_after_flood = true;
    EXPECT_GT(f.sh.do_work(1), 0);
    EXPECT_TRUE(f.h.is_closed());
    EXPECT_EQ(f.h.reason(), close_reason::end_of_session);
    EXPECT_EQ(f.sh.do_work(2), 0);  // still no room: nothing published, nothing lost
    EXPECT_EQ(f.sh.live_sessions(), 1u);

    std::uint64_t messages = 0;
    for (received r = f.h.receive_nowait(); r.ok(); r = f.h.receive_nowait()) {
        ASSERT_EQ(r.record.type, record_type::message);
        ASSERT_EQ(r.record.sequence, ++messages);
    }
    EXPECT_GT(messages, 20u);
    // The ring is empty but the session has not finished: not the end of the queue yet.
    EXPECT_EQ(f.h.receive_nowait().status, receive_status::empty);
    EXPECT_GT(f.sh.do_work(3), 0);
    received r = f.h.receive_nowait();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.record.type, record_type::closed);
    EXPECT_EQ(r.record.reason(), close_reason::end_of_session);
    EXPECT_EQ(r.record.text(), "Z");
    EXPECT_EQ(f.h.receive_nowait().status, receive_status::end_of_queue);
    f.sh.end(4);
}

TEST(shard, end_marks_the_queue_finished_even_when_the_closed_record_cannot_fit) {
    fixture f;
    f.sh.begin(0);
    f.s->flood = true;
    (void)f.sh.do_work(1);
    f.sh.end(2);
    EXPECT_TRUE(f.h.is_closed());
    EXPECT_EQ(f.h.reason(), close_reason::engine_stopped);
    EXPECT_TRUE(f.ch.final_record_dropped.load());
    EXPECT_EQ(f.table.writer(0).get(counter::records_dropped), 1u);
    received r = f.h.receive_nowait();
    while (r.ok())
        r = f.h.receive_nowait();
    EXPECT_EQ(r.status, receive_status::end_of_queue);
    EXPECT_EQ(f.s->calls.back(), "stop:engine_stopped@2");
}

TEST(shard, rejects_an_idle_strategy_it_cannot_parse) {
    shard_config c;
    c.idle = "nap";
    EXPECT_THROW(shard{c}, std::invalid_argument);
}

TEST(shard, a_session_belongs_to_exactly_one_shard) {
    fixture f;
    shard other{shard_config{}};
    EXPECT_THROW(other.add_session(f.ch), std::logic_error);
}

namespace {
class throwing_session final : public session {
  public:
    exwire::result<void> on_start(session_context&, std::int64_t) override {
        throw std::runtime_error("no memory");
    }
    int do_work(std::int64_t) noexcept override { return 0; }
};
}  // namespace

TEST(shard, an_exception_from_on_start_fails_that_session_only) {
    counters_table table = counters_table::create("", "t", {{"x", "s"}}).value();
    session_config c;
    c.name = "x";
    c.inbound_ring_size = 4096;
    c.outbound_ring_size = 4096;
    detail::session_channel ch(c, table.writer(0));
    ch.impl = std::make_unique<throwing_session>();
    shard sh{shard_config{}};
    sh.add_session(ch);
    sh.begin(0);
    (void)sh.do_work(1);
    session_handle h(&ch);
    EXPECT_TRUE(h.is_closed());
    EXPECT_EQ(h.reason(), close_reason::start_failed);
    received r = h.receive_nowait();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.record.text(), "no memory");
    sh.end(2);
}

TEST(shard, every_event_type_reaches_the_application_in_order_with_its_fields) {
    fixture f;
    session_context ctx(f.ch);
    const record_type events[] = {record_type::connected,      record_type::logged_in,
                                  record_type::login_rejected, record_type::heartbeat_missed,
                                  record_type::gap_detected,   record_type::gap_filled,
                                  record_type::disconnected,   record_type::journal_error};
    std::uint64_t i = 0;
    for (record_type t : events) {
        ++i;
        ASSERT_EQ(ctx.emit(t, static_cast<std::int64_t>(100 + i), 1000 + i, 7 * i, to_string(t)),
                  exwire::ring_status::ok);
    }
    const std::byte frame[3] = {std::byte{'A'}, std::byte{'B'}, std::byte{'C'}};
    ASSERT_EQ(ctx.deliver(frame, 42, 200), exwire::ring_status::ok);
    i = 0;
    for (record_type t : events) {
        ++i;
        received r = f.h.receive_nowait();
        ASSERT_TRUE(r.ok());
        EXPECT_TRUE(r.record.is_event());
        EXPECT_EQ(r.record.type, t);
        EXPECT_EQ(r.record.time_ns, static_cast<std::int64_t>(100 + i));
        EXPECT_EQ(r.record.sequence, 1000 + i);
        EXPECT_EQ(r.record.value, 7 * i);
        EXPECT_EQ(r.record.text(), to_string(t));
    }
    received m = f.h.receive_nowait();
    ASSERT_TRUE(m.ok());
    EXPECT_TRUE(m.record.is_message());
    EXPECT_EQ(m.record.sequence, 42u);
    EXPECT_EQ(m.record.text(), "ABC");
    EXPECT_EQ(f.h.receive_nowait().status, receive_status::empty);
}

namespace {
/// Drains the session's inbound ring from the shard thread (as a strategy agent does).
class draining_agent final : public agent {
  public:
    explicit draining_agent(session_handle h) : h_(h) {}
    int do_work(std::int64_t) noexcept override {
        int n = 0;
        while (h_.receive_nowait().ok())
            ++n;
        drained += n;
        return n;
    }
    int drained = 0;

  private:
    session_handle h_;
};
}  // namespace

TEST(shard, an_agent_after_a_session_gets_what_it_delivered_in_the_same_pass) {
    fixture f;
    draining_agent after(f.h);
    f.sh.add_agent_after(after, "a");
    f.sh.begin(10);
    f.s->flood = true;
    EXPECT_GT(f.sh.do_work(11), 0);
    EXPECT_GT(f.s->seq, 1u);
    // Every record but the one the full ring refused was delivered and drained in pass 1.
    EXPECT_EQ(static_cast<std::uint64_t>(after.drained), f.s->seq - 1);
    EXPECT_EQ(f.sh.do_work(12), 0);
    f.sh.end(13);
}

TEST(shard, an_agent_after_an_unknown_session_is_refused) {
    fixture f;
    draining_agent after(f.h);
    EXPECT_THROW(f.sh.add_agent_after(after, "nope"), std::logic_error);
}
