#include <exwire/core/spsc_ring.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "stress_count.hpp"

namespace {

using exwire::spsc_ring;

TEST(spsc_ring, rejects_capacity_that_is_not_a_power_of_two) {
    EXPECT_THROW(spsc_ring<int>(0), std::invalid_argument);
    EXPECT_THROW(spsc_ring<int>(1), std::invalid_argument);
    EXPECT_THROW(spsc_ring<int>(3), std::invalid_argument);
    EXPECT_THROW(spsc_ring<int>(1000), std::invalid_argument);
    EXPECT_NO_THROW(spsc_ring<int>(1024));
}

TEST(spsc_ring, is_empty_when_new_and_full_at_capacity) {
    spsc_ring<int> r(4);
    int v = 0;
    EXPECT_TRUE(r.empty());
    EXPECT_FALSE(r.try_pop(v));
    EXPECT_EQ(r.front(), nullptr);
    for (int i = 0; i < 4; ++i)
        EXPECT_TRUE(r.try_push(i));
    EXPECT_FALSE(r.try_push(99));
    EXPECT_EQ(r.size(), 4u);
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(r.try_pop(v));
        EXPECT_EQ(v, i);
    }
    EXPECT_FALSE(r.try_pop(v));
}

TEST(spsc_ring, keeps_fifo_order_across_many_wrap_arounds) {
    spsc_ring<std::uint64_t> r(8);
    std::uint64_t next_in = 0, next_out = 0;
    for (int round = 0; round < 1000; ++round) {
        const int n = 1 + round % 8;
        for (int i = 0; i < n; ++i)
            ASSERT_TRUE(r.try_push(next_in++));
        for (int i = 0; i < n; ++i) {
            std::uint64_t v = 0;
            ASSERT_TRUE(r.try_pop(v));
            ASSERT_EQ(v, next_out++);
        }
    }
    EXPECT_TRUE(r.empty());
}

TEST(spsc_ring, batch_push_takes_only_what_fits_and_batch_pop_only_what_is_there) {
    spsc_ring<int> r(8);
    std::array<int, 6> a{1, 2, 3, 4, 5, 6};
    EXPECT_EQ(r.try_push_batch(a), 6u);
    EXPECT_EQ(r.try_push_batch(a), 2u);  // only two free slots
    EXPECT_EQ(r.try_push_batch(a), 0u);
    std::array<int, 5> out{};
    EXPECT_EQ(r.try_pop_batch(out), 5u);
    EXPECT_EQ(out, (std::array<int, 5>{1, 2, 3, 4, 5}));
    std::array<int, 16> rest{};
    EXPECT_EQ(r.try_pop_batch(rest), 3u);
    EXPECT_EQ(rest[0], 6);
    EXPECT_EQ(rest[1], 1);
    EXPECT_EQ(rest[2], 2);
    EXPECT_EQ(r.try_pop_batch(rest), 0u);
}

TEST(spsc_ring, front_and_pop_give_in_place_access) {
    spsc_ring<std::string> r(2);
    ASSERT_TRUE(r.try_emplace(3, 'x'));
    ASSERT_NE(r.front(), nullptr);
    EXPECT_EQ(*r.front(), "xxx");
    r.pop();
    EXPECT_EQ(r.front(), nullptr);
}

// Counts live objects to prove the ring neither leaks nor destroys twice.
struct counted {
    static inline int live = 0;
    static inline int constructed = 0;
    int value = 0;
    counted() noexcept {
        ++live;
        ++constructed;
    }
    explicit counted(int v) noexcept : value(v) {
        ++live;
        ++constructed;
    }
    counted(const counted& o) noexcept : value(o.value) {
        ++live;
        ++constructed;
    }
    counted(counted&& o) noexcept : value(o.value) {
        ++live;
        ++constructed;
    }
    counted& operator=(const counted&) noexcept = default;
    counted& operator=(counted&&) noexcept = default;
    ~counted() { --live; }
};

TEST(spsc_ring, constructs_and_destroys_each_element_exactly_once) {
    counted::live = 0;
    counted::constructed = 0;
    {
        spsc_ring<counted> r(16);
        for (int i = 0; i < 10; ++i)
            ASSERT_TRUE(r.try_emplace(i));
        EXPECT_EQ(counted::live, 10);
        counted out;
        for (int i = 0; i < 4; ++i)
            ASSERT_TRUE(r.try_pop(out));
        EXPECT_EQ(out.value, 3);
        EXPECT_EQ(counted::live, 7);  // 6 in the ring + out
        std::array<counted, 3> batch{counted(20), counted(21), counted(22)};
        EXPECT_EQ(r.try_push_batch(batch), 3u);
        EXPECT_EQ(counted::live, 13);  // 9 in ring + out + 3 in batch
    }
    EXPECT_EQ(counted::live, 0) << "the destructor must destroy what is left in the ring";
}

TEST(spsc_ring, destroys_only_what_is_left_when_pops_are_not_yet_handed_back) {
    counted::live = 0;
    {
        spsc_ring<counted> r(64);  // hands slots back every 8 pops
        for (int i = 0; i < 10; ++i)
            ASSERT_TRUE(r.try_emplace(i));
        counted out;
        for (int i = 0; i < 3; ++i)
            ASSERT_TRUE(r.try_pop(out));
        EXPECT_EQ(counted::live, 8);  // 7 in the ring + out
    }
    EXPECT_EQ(counted::live, 0) << "popped elements destroyed twice, or left ones not at all";
}

TEST(spsc_ring, hands_popped_slots_back_in_batches_when_drained_and_on_flush) {
    spsc_ring<int> r(64);  // batch of 8
    for (int i = 0; i < 64; ++i)
        ASSERT_TRUE(r.try_push(i));
    int v = 0;
    ASSERT_TRUE(r.try_pop(v));
    EXPECT_FALSE(r.try_push(100)) << "one pop is not handed back before a batch is complete";
    for (int i = 1; i < 8; ++i)
        ASSERT_TRUE(r.try_pop(v));
    for (int i = 0; i < 8; ++i)
        EXPECT_TRUE(r.try_push(100 + i)) << "the eighth pop hands the batch back";
    EXPECT_FALSE(r.try_push(200));
    for (int i = 0; i < 3; ++i)
        ASSERT_TRUE(r.try_pop(v));
    EXPECT_FALSE(r.try_push(200));
    r.flush();
    for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(r.try_push(200 + i)) << "flush() hands back what was popped";
    EXPECT_FALSE(r.try_push(300));
    // Drain: the consumer finding the ring empty hands everything back.
    int expected = 11;
    while (r.try_pop(v)) {
        const int want =
            expected < 64 ? expected : (expected < 72 ? 100 + expected - 64 : 200 + expected - 72);
        ASSERT_EQ(v, want);
        ++expected;
    }
    EXPECT_EQ(expected, 75);
    EXPECT_EQ(r.size(), 0u);
    for (int i = 0; i < 64; ++i)
        EXPECT_TRUE(r.try_push(i)) << "after the drain every slot is free: " << i;
}

TEST(spsc_ring, moves_move_only_types) {
    spsc_ring<std::unique_ptr<int>> r(4);
    ASSERT_TRUE(r.try_push(std::make_unique<int>(7)));
    std::unique_ptr<int> out;
    ASSERT_TRUE(r.try_pop(out));
    EXPECT_EQ(*out, 7);
}

struct item {
    std::uint64_t seq;
    std::uint64_t check;
};

TEST(spsc_ring, two_threads_move_every_item_in_order) {
    const std::uint64_t n = exwire_test::stress_count(1'000'000);
    spsc_ring<item> r(1024);
    std::thread producer([&] {
        for (std::uint64_t i = 0; i < n;) {
            if (r.try_push(item{i, i * 0x9E3779B97F4A7C15ULL}))
                ++i;
            else
                std::this_thread::yield();
        }
    });
    std::uint64_t expected = 0, bad = 0;
    while (expected < n) {
        item it{};
        if (r.try_pop(it)) {
            if (it.seq != expected || it.check != expected * 0x9E3779B97F4A7C15ULL) ++bad;
            ++expected;
        } else {
            std::this_thread::yield();
        }
    }
    producer.join();
    EXPECT_EQ(bad, 0u);
    EXPECT_TRUE(r.empty());
}

TEST(spsc_ring, two_threads_move_every_item_in_order_in_batches) {
    const std::uint64_t n = exwire_test::stress_count(1'000'000);
    spsc_ring<std::uint64_t> r(256);
    std::thread producer([&] {
        std::array<std::uint64_t, 32> buf{};
        std::uint64_t i = 0;
        while (i < n) {
            const std::size_t want = std::min<std::uint64_t>(buf.size(), n - i);
            for (std::size_t k = 0; k < want; ++k)
                buf[k] = i + k;
            const std::size_t pushed =
                r.try_push_batch(std::span<const std::uint64_t>(buf.data(), want));
            i += pushed;
            if (pushed == 0) std::this_thread::yield();
        }
    });
    std::array<std::uint64_t, 17> out{};
    std::uint64_t expected = 0, bad = 0;
    while (expected < n) {
        const std::size_t got = r.try_pop_batch(out);
        for (std::size_t k = 0; k < got; ++k)
            bad += out[k] != expected++;
        if (got == 0) std::this_thread::yield();
    }
    producer.join();
    EXPECT_EQ(bad, 0u);
}

}  // namespace
