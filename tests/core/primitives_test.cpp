#include <exwire/core/bytes.hpp>
#include <exwire/core/clock.hpp>
#include <exwire/core/idle_strategy.hpp>
#include <exwire/core/result.hpp>
#include <exwire/core/thread.hpp>

#include <atomic>
#include <string>
#include <thread>

#include <unistd.h>

#include <gtest/gtest.h>

namespace {

TEST(bytes, loads_and_stores_big_and_little_endian) {
    std::byte b[8]{};
    exwire::store_be<std::uint32_t>(b, 0x01020304u);
    EXPECT_EQ(b[0], std::byte{1});
    EXPECT_EQ(b[3], std::byte{4});
    EXPECT_EQ(exwire::load_be<std::uint32_t>(b), 0x01020304u);
    exwire::store_le<std::uint16_t>(b, 0x0A0Bu);
    EXPECT_EQ(b[0], std::byte{0x0B});
    EXPECT_EQ(exwire::load_le<std::uint16_t>(b), 0x0A0Bu);
    exwire::store_be<std::int64_t>(b, -2);
    EXPECT_EQ(exwire::load_be<std::int64_t>(b), -2);
    EXPECT_EQ(b[7], std::byte{0xFE});
    exwire::store_be48(b, 0x123456789ABCull);
    EXPECT_EQ(b[0], std::byte{0x12});
    EXPECT_EQ(b[5], std::byte{0xBC});
    EXPECT_EQ(exwire::load_be48(b), 0x123456789ABCull);
}

TEST(result, carries_a_value_or_an_error_with_message) {
    exwire::result<int> good = 5;
    ASSERT_TRUE(good);
    EXPECT_EQ(*good, 5);
    exwire::result<int> bad = exwire::fail("no such cpu: 7", 22);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.err().message, "no such cpu: 7");
    EXPECT_EQ(bad.err().code, 22);
    EXPECT_EQ(bad.value_or(9), 9);
    exwire::result<void> v;
    EXPECT_TRUE(v);
    exwire::result<void> e = exwire::fail("x");
    EXPECT_FALSE(e);
}

TEST(clock, monotonic_and_wall_clocks_advance) {
    const auto a = exwire::monotonic_ns();
    const auto w = exwire::wall_ns();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    EXPECT_GE(exwire::monotonic_ns() - a, 2'000'000);
    EXPECT_GT(w, 1'600'000'000'000'000'000);  // after 2020
}

TEST(clock, calibrated_tsc_agrees_with_the_monotonic_clock) {
    exwire::tsc_clock::calibrate(std::chrono::milliseconds(20));
    ASSERT_TRUE(exwire::tsc_clock::calibrated());
    const auto t0 = exwire::tsc_clock::now();
    const auto m0 = exwire::monotonic_ns();
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    const double tsc_ns = exwire::tsc_clock::to_ns(exwire::tsc_clock::now() - t0);
    const double mono_ns = static_cast<double>(exwire::monotonic_ns() - m0);
    EXPECT_NEAR(tsc_ns / mono_ns, 1.0, 0.05);
}

TEST(idle_strategy, parses_every_kind_and_round_trips_its_description) {
    for (const char* text : {"busy-spin", "yield", "backoff", "sleep", "sleep:50us",
                             "backoff:spins=5,yields=2,min=1us,max=2ms"}) {
        auto s = exwire::idle_strategy::parse(text);
        ASSERT_TRUE(s) << text << ": " << s.err().message;
        auto again = exwire::idle_strategy::parse(s->describe());
        ASSERT_TRUE(again) << s->describe();
        EXPECT_EQ(again->describe(), s->describe());
    }
    EXPECT_EQ(exwire::idle_strategy::parse("sleep:50us")->describe(), "sleep:50000ns");
}

TEST(idle_strategy, rejects_unknown_names_and_bad_parameters_with_a_reason) {
    auto a = exwire::idle_strategy::parse("spin-fast");
    ASSERT_FALSE(a);
    EXPECT_NE(a.err().message.find("unknown idle strategy 'spin-fast'"), std::string::npos);
    EXPECT_FALSE(exwire::idle_strategy::parse("backoff:spins=x"));
    EXPECT_FALSE(exwire::idle_strategy::parse("backoff:colour=red"));
    EXPECT_FALSE(exwire::idle_strategy::parse("backoff:min=2ms,max=1ms"));
    EXPECT_FALSE(exwire::idle_strategy::parse("sleep:10parsecs"));
    EXPECT_FALSE(exwire::idle_strategy::parse("busy-spin:1"));
}

TEST(idle_strategy, sleep_and_backoff_actually_give_up_the_cpu) {
    auto s = exwire::idle_strategy::sleeping(2'000'000);
    const auto t0 = exwire::monotonic_ns();
    s.idle(0);
    EXPECT_GE(exwire::monotonic_ns() - t0, 2'000'000);
    auto b = exwire::idle_strategy::backoff(1, 1, 1'000'000, 1'000'000);
    const auto t1 = exwire::monotonic_ns();
    b.idle(0);  // spin
    b.idle(0);  // yield
    b.idle(0);  // park 1 ms
    EXPECT_GE(exwire::monotonic_ns() - t1, 1'000'000);
    b.idle(3);  // work resets to spinning: must return at once
}

TEST(duration, parses_units) {
    EXPECT_EQ(*exwire::parse_duration_ns("250"), 250);
    EXPECT_EQ(*exwire::parse_duration_ns("10us"), 10'000);
    EXPECT_EQ(*exwire::parse_duration_ns("5ms"), 5'000'000);
    EXPECT_EQ(*exwire::parse_duration_ns("2s"), 2'000'000'000);
    EXPECT_FALSE(exwire::parse_duration_ns("-1ms"));
    EXPECT_FALSE(exwire::parse_duration_ns("ms"));
}

TEST(cpu_list, parses_cpuset_syntax) {
    auto a = exwire::parse_cpu_list_syntax("2-3,6,0,3");
    ASSERT_TRUE(a);
    EXPECT_EQ(*a, (std::vector<int>{0, 2, 3, 6}));
    EXPECT_FALSE(exwire::parse_cpu_list_syntax(""));
    EXPECT_FALSE(exwire::parse_cpu_list_syntax("3-1"));
    EXPECT_FALSE(exwire::parse_cpu_list_syntax("a"));
    EXPECT_FALSE(exwire::parse_cpu_list_syntax("1,,2"));
    EXPECT_FALSE(exwire::parse_cpu_list_syntax("-1"));
}

TEST(cpu_list, names_a_cpu_that_does_not_exist) {
    auto r = exwire::parse_cpu_list("0,1000");
    ASSERT_FALSE(r);
    EXPECT_NE(r.err().message.find("cpu 1000"), std::string::npos) << r.err().message;
    EXPECT_NE(r.err().message.find("does not exist"), std::string::npos) << r.err().message;
}

TEST(thread, starts_pinned_and_named) {
    const auto cpus = exwire::allowed_cpus();
    ASSERT_FALSE(cpus.empty());
    std::atomic<int> ran_on{-1};
    std::string name;
    auto t = exwire::start_thread({"exw-test", {cpus.back()}, std::nullopt}, [&](std::stop_token) {
        ran_on = sched_getcpu();
        char buf[16]{};
        pthread_getname_np(pthread_self(), buf, sizeof buf);
        name = buf;
    });
    ASSERT_TRUE(t) << t.err().message;
    t->join();
    EXPECT_EQ(ran_on.load(), cpus.back());
    EXPECT_EQ(name, "exw-test");
}

TEST(thread, does_not_run_the_body_when_options_cannot_be_applied) {
    bool ran = false;
    auto t = exwire::start_thread({"bad", {}, 1000}, [&](std::stop_token) { ran = true; });
    ASSERT_FALSE(t);
    EXPECT_NE(t.err().message.find("priority 1000"), std::string::npos) << t.err().message;
    EXPECT_FALSE(ran);
}

}  // namespace
