// The steady state allocates nothing: sending, a shard pass, pulling and dispatching, with
// a counting global operator new (this binary only).
#include <cstdlib>
#include <cstring>
#include <new>

#include <gtest/gtest.h>

#include <exwire/engine/dispatcher.hpp>
#include <exwire/engine/shard.hpp>

#include "../support/alloc_counter.hpp"
#include "echo_session.hpp"

using namespace exwire::engine;
using exwire::test::allocations_everywhere;

TEST(no_alloc, the_counting_hook_sees_allocations) {
    const auto before = allocations_everywhere();
    void* p = ::operator new(16);
    ::operator delete(p);
    EXPECT_EQ(allocations_everywhere() - before, 1u);
}

TEST(no_alloc, sending_stepping_pulling_and_dispatching_allocate_nothing) {
    counters_table table = counters_table::create("", "t", {{"a", "s"}}).value();
    session_config c;
    c.name.assign(1, 'a');  // not operator=(const char*): g++ 12 -O3 warns falsely (-Wrestrict)
    c.inbound_ring_size = 1u << 16;
    c.outbound_ring_size = 1u << 16;
    detail::session_channel ch(c, table.writer(0));
    ch.impl = std::make_unique<exwire_test::echo_session>();
    shard sh{shard_config{}};
    sh.add_session(ch);
    session_handle h(&ch);
    dispatcher d;
    std::uint64_t handled = 0;
    sh.begin(0);

    auto round = [&](std::int64_t now, bool push) {
        for (int i = 0; i < 16; ++i) {
            exwire::mutable_bytes buf;
            if (h.claim(40, buf, 'O') != send_status::ok) std::abort();
            std::memset(buf.data(), i, buf.size());
            h.commit();
        }
        (void)sh.do_work(now);
        if (push) {
            handled += d.poll();
        } else {
            const polled p =
                h.poll([&](const inbound_record& r) { handled += r.body.size() == 40; });
            (void)p;
            received r = h.receive_nowait();
            handled += r.ok();
        }
    };
    for (int i = 0; i < 100; ++i)
        round(i, false);  // warm-up: first touches, lazy init

    const auto before_pull = allocations_everywhere();
    for (int i = 0; i < 10000; ++i)
        round(100 + i, false);
    EXPECT_EQ(allocations_everywhere() - before_pull, 0u) << "pull path allocated";

    ASSERT_TRUE(
        d.start_dispatching(h, [&](session_handle, const inbound_record&) { ++handled; }).ok());
    for (int i = 0; i < 100; ++i)
        round(20000 + i, true);
    const auto before_push = allocations_everywhere();
    for (int i = 0; i < 10000; ++i)
        round(30000 + i, true);
    EXPECT_EQ(allocations_everywhere() - before_push, 0u) << "push path allocated";
    EXPECT_GT(handled, 300000u);
    d.stop_dispatching(h);
    sh.end(50000);
}
