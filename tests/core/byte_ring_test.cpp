#include <exwire/core/byte_ring.hpp>
#include <exwire/core/mapped_file.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "stress_count.hpp"

namespace {

using exwire::byte_ring;
using exwire::bytes;
using exwire::ring_record;
using exwire::ring_status;

bytes text(const std::string& s) {
    return exwire::to_bytes(s);
}
std::string as_string(const ring_record& r) {
    return std::string(exwire::to_string_view(r.payload));
}

TEST(byte_ring, rejects_bad_capacity) {
    EXPECT_THROW(byte_ring(32), std::invalid_argument);
    EXPECT_THROW(byte_ring(1000), std::invalid_argument);
}

TEST(byte_ring, refuses_memory_that_was_not_initialised) {
    alignas(64) std::byte mem[1024]{};
    auto p = exwire::byte_ring_producer::attach(mem);
    ASSERT_FALSE(p.ok());
    EXPECT_NE(p.err().message.find("magic"), std::string::npos);
    auto small = exwire::byte_ring_initialize(std::span<std::byte>(mem, 100));
    EXPECT_FALSE(small.ok());
}

TEST(byte_ring, delivers_records_with_type_and_payload_in_order) {
    byte_ring r(1024);
    EXPECT_FALSE(r.consumer().peek().valid());
    ASSERT_EQ(r.producer().try_write(7, text("hello")), ring_status::ok);
    ASSERT_EQ(r.producer().try_write(8, text("world!")), ring_status::ok);
    ring_record a = r.consumer().peek();
    ASSERT_TRUE(a.valid());
    EXPECT_EQ(a.type, 7u);
    EXPECT_EQ(as_string(a), "hello");
    // peek without release returns the same record
    EXPECT_EQ(as_string(r.consumer().peek()), "hello");
    r.consumer().release();
    ring_record b = r.consumer().peek();
    EXPECT_EQ(b.type, 8u);
    EXPECT_EQ(as_string(b), "world!");
    r.consumer().release();
    EXPECT_FALSE(r.consumer().peek().valid());
    EXPECT_TRUE(r.consumer().empty());
}

TEST(byte_ring, carries_zero_length_records) {
    byte_ring r(64);
    ASSERT_EQ(r.producer().try_write(3, {}), ring_status::ok);
    ring_record a = r.consumer().peek();
    ASSERT_TRUE(a.valid());
    EXPECT_EQ(a.type, 3u);
    EXPECT_EQ(a.payload.size(), 0u);
    r.consumer().release();
    EXPECT_FALSE(r.consumer().peek().valid());
}

TEST(byte_ring, carries_maximum_length_records_and_refuses_larger_ones) {
    byte_ring r(256);
    const std::size_t max = r.producer().max_payload();
    EXPECT_EQ(max, 256u / 2 - 8);
    std::vector<std::byte> big(max + 1, std::byte{0xAB});
    EXPECT_EQ(r.producer().try_write(1, bytes(big.data(), max + 1)), ring_status::too_large);
    EXPECT_EQ(r.producer().claim(max + 1, 1).data(), nullptr);
    // A maximum record must fit from any starting offset once the ring is drained.
    for (std::size_t lead = 0; lead < 256; lead += 8) {
        if (lead > 0) {
            ASSERT_EQ(r.producer().try_write(2, bytes(big.data(), lead - 8 < max ? lead - 8 : 0)),
                      ring_status::ok);
            r.consumer().read([](const ring_record&) {});
        }
        ASSERT_EQ(r.producer().try_write(9, bytes(big.data(), max)), ring_status::ok)
            << "lead " << lead;
        ring_record rec = r.consumer().peek();
        ASSERT_TRUE(rec.valid());
        EXPECT_EQ(rec.type, 9u);
        EXPECT_EQ(rec.payload.size(), max);
        EXPECT_EQ(std::memcmp(rec.payload.data(), big.data(), max), 0);
        r.consumer().release();
    }
}

TEST(byte_ring, reports_full_and_accepts_again_after_release) {
    byte_ring r(128);
    int written = 0;
    while (r.producer().try_write(1, text("0123456789abcdef0123")) == ring_status::ok)
        ++written;
    EXPECT_EQ(written, 4);  // 8 + 20 -> 32 bytes per record, 128 bytes
    EXPECT_EQ(r.producer().try_write(1, text("x")), ring_status::full);
    ASSERT_TRUE(r.consumer().peek().valid());
    r.consumer().release();
    EXPECT_EQ(r.producer().try_write(1, text("0123456789abcdef0123")), ring_status::ok);
}

TEST(byte_ring, wraps_with_a_padding_record_the_consumer_never_sees) {
    byte_ring r(128);
    // 3 records of 32 bytes leave 32 bytes before the end; a 40-byte record must wrap.
    for (int i = 0; i < 3; ++i)
        ASSERT_EQ(r.producer().try_write(1, text(std::string(24, 'a'))), ring_status::ok);
    EXPECT_EQ(r.consumer().read([](const ring_record&) {}), 3u);
    ASSERT_EQ(r.producer().try_write(5, text(std::string(32, 'b'))), ring_status::ok);
    std::vector<std::uint32_t> types;
    EXPECT_EQ(r.consumer().read([&](const ring_record& rec) {
        types.push_back(rec.type);
        EXPECT_EQ(as_string(rec), std::string(32, 'b'));
    }),
              1u);
    EXPECT_EQ(types, std::vector<std::uint32_t>{5});
}

TEST(byte_ring, claim_commit_with_shorter_length_and_abort) {
    byte_ring r(256);
    auto span = r.producer().claim(100, 4);
    ASSERT_EQ(span.size(), 100u);
    std::memcpy(span.data(), "abc", 3);
    r.producer().commit(3);
    auto dropped = r.producer().claim(10, 6);
    ASSERT_NE(dropped.data(), nullptr);
    r.producer().abort();
    ring_record rec = r.consumer().peek();
    EXPECT_EQ(rec.type, 4u);
    EXPECT_EQ(as_string(rec), "abc");
    r.consumer().release();
    EXPECT_FALSE(r.consumer().peek().valid()) << "an aborted claim must stay invisible";
    // The space of the shortened record is reusable: the ring holds 256 bytes in all.
    int n = 0;
    while (r.producer().try_write(1, text(std::string(24, 'z'))) == ring_status::ok)
        ++n;
    EXPECT_EQ(n, 7);  // 256 - 16 already used by "abc" = 240 -> 7 records of 32
}

TEST(byte_ring, read_respects_the_limit) {
    byte_ring r(1024);
    for (int i = 0; i < 10; ++i)
        ASSERT_EQ(r.producer().try_write(static_cast<std::uint32_t>(i), text("x")),
                  ring_status::ok);
    std::vector<std::uint32_t> seen;
    EXPECT_EQ(r.consumer().read([&](const ring_record& rec) { seen.push_back(rec.type); }, 4), 4u);
    EXPECT_EQ(r.consumer().read([&](const ring_record& rec) { seen.push_back(rec.type); }), 6u);
    for (std::uint32_t i = 0; i < 10; ++i)
        EXPECT_EQ(seen[i], i);
}

TEST(byte_ring, never_mistakes_old_payload_for_a_record_after_wrapping) {
    byte_ring r(256);
    // Payload bytes that look exactly like committed headers {8, 1}: when record boundaries
    // shift from lap to lap, a consumer that read stale bytes would deliver them.
    std::vector<std::byte> fake(120);
    for (std::size_t k = 0; k + 8 <= fake.size(); k += 8) {
        const std::uint32_t h[2] = {8, 1};
        std::memcpy(fake.data() + k, h, 8);
    }
    for (std::uint32_t i = 0; i < 2000; ++i) {
        const std::size_t len = (i * 37u) % 113u;
        ASSERT_EQ(r.producer().try_write(i, bytes(fake.data(), len)), ring_status::ok) << i;
        ring_record rec = r.consumer().peek();
        ASSERT_TRUE(rec.valid()) << i;
        EXPECT_EQ(rec.type, i);
        EXPECT_EQ(rec.payload.size(), len);
        r.consumer().release();
        ASSERT_FALSE(r.consumer().peek().valid()) << "stale bytes read as a record after " << i;
    }
}

TEST(byte_ring, release_hands_space_back_in_batches_and_when_drained) {
    byte_ring r(1024);
    auto& p = r.producer();
    auto& c = r.consumer();
    ASSERT_EQ(c.release_batch(), 128u);
    const std::string item(24, 'q');  // 32-byte records
    int written = 0;
    while (p.try_write(1, text(item)) == ring_status::ok)
        ++written;
    ASSERT_EQ(written, 32);
    // One record (32 bytes) released: below the batch, the producer does not see it yet.
    ASSERT_TRUE(c.peek().valid());
    c.release();
    EXPECT_EQ(p.try_write(1, text(item)), ring_status::full);
    // flush() hands it back at once.
    c.flush();
    EXPECT_EQ(p.try_write(1, text(item)), ring_status::ok);
    EXPECT_EQ(p.try_write(1, text(item)), ring_status::full);
    // Four more records make a batch of 128 bytes: handed back without flush().
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(c.peek().valid());
        c.release();
    }
    int after_batch = 0;
    while (p.try_write(1, text(item)) == ring_status::ok)
        ++after_batch;
    EXPECT_EQ(after_batch, 4);
    // A consumer that drains the ring hands everything back: the largest record fits again.
    std::size_t drained = 0;
    for (ring_record rec = c.peek(); rec.valid(); rec = c.peek()) {
        c.release();
        ++drained;
    }
    EXPECT_EQ(drained, 32u);
    std::vector<std::byte> big(p.max_payload(), std::byte{1});
    EXPECT_EQ(p.try_write(2, bytes(big.data(), big.size())), ring_status::ok);
}

TEST(byte_ring, reattached_handles_continue_where_the_ring_stood) {
    alignas(128) std::byte mem[exwire::byte_ring_memory_size(512)]{};
    ASSERT_TRUE(exwire::byte_ring_initialize(mem).ok());
    {
        auto p = exwire::byte_ring_producer::attach(mem);
        ASSERT_TRUE(p.ok());
        for (std::uint32_t i = 0; i < 5; ++i)
            ASSERT_EQ(p->try_write(i, text("record")), ring_status::ok);
        auto c = exwire::byte_ring_consumer::attach(mem);
        ASSERT_TRUE(c.ok());
        ASSERT_TRUE(c->peek().valid());
        c->release();
        c->flush();  // what a consumer hands over before it detaches
    }
    auto p = exwire::byte_ring_producer::attach(mem);
    ASSERT_TRUE(p.ok());
    ASSERT_EQ(p->try_write(5, text("record")), ring_status::ok);
    auto c = exwire::byte_ring_consumer::attach(mem);
    ASSERT_TRUE(c.ok());
    std::vector<std::uint32_t> types;
    c->read([&](const ring_record& rec) { types.push_back(rec.type); });
    EXPECT_EQ(types, (std::vector<std::uint32_t>{1, 2, 3, 4, 5}));
}

// Deterministic record content for sequence number i: length in [0, 200], bytes from i.
std::size_t record_length(std::uint64_t i) {
    return static_cast<std::size_t>((i * 2654435761u) % 201);
}
std::byte record_byte(std::uint64_t i, std::size_t k) {
    return static_cast<std::byte>((i * 31 + k * 7) & 0xFF);
}

void produce(exwire::byte_ring_producer& p, std::uint64_t n) {
    std::vector<std::byte> buf(256);
    for (std::uint64_t i = 0; i < n;) {
        const std::size_t len = record_length(i);
        auto dst = p.claim(len + 8, static_cast<std::uint32_t>(i & 0xFFFF));
        if (dst.data() == nullptr) {
            std::this_thread::yield();
            continue;
        }
        std::memcpy(dst.data(), &i, 8);
        for (std::size_t k = 0; k < len; ++k)
            dst[8 + k] = record_byte(i, k);
        p.commit();
        ++i;
    }
}

// Returns the number of records that were out of order or damaged.
std::uint64_t consume(exwire::byte_ring_consumer& c, std::uint64_t n) {
    std::uint64_t expected = 0, bad = 0;
    while (expected < n) {
        const std::size_t got = c.read([&](const ring_record& rec) {
            std::uint64_t seq = 0;
            bool ok = rec.payload.size() >= 8;
            if (ok) std::memcpy(&seq, rec.payload.data(), 8);
            ok = ok && seq == expected && rec.type == (expected & 0xFFFF) &&
                 rec.payload.size() == record_length(expected) + 8;
            for (std::size_t k = 0; ok && k < rec.payload.size() - 8; ++k)
                ok = rec.payload[8 + k] == record_byte(expected, k);
            bad += !ok;
            ++expected;
        });
        if (got == 0) std::this_thread::yield();
    }
    return bad;
}

TEST(byte_ring, two_threads_move_every_record_in_order_and_intact) {
    const std::uint64_t n = exwire_test::stress_count(1'000'000);
    byte_ring r(64 * 1024);
    std::thread producer([&] { produce(r.producer(), n); });
    const std::uint64_t bad = consume(r.consumer(), n);
    producer.join();
    EXPECT_EQ(bad, 0u);
    EXPECT_TRUE(r.consumer().empty());
}

// One record at a time on both sides (claim/commit, peek/release) through a ring small
// enough that the producer keeps waiting for space the consumer hands back lazily.
TEST(byte_ring, two_threads_one_record_at_a_time_through_a_small_ring_always_progress) {
    const std::uint64_t n =
        std::min<std::uint64_t>(exwire_test::stress_count(1'000'000) / 4, 4'000'000);
    byte_ring r(256);
    // Either side waiting 10 s without progress fails the test instead of hanging it.
    std::atomic<bool> stuck{false};
    auto waited_too_long = [&](std::chrono::steady_clock::time_point& since) {
        const auto now = std::chrono::steady_clock::now();
        if (since == std::chrono::steady_clock::time_point{}) since = now;
        if (now - since > std::chrono::seconds(10)) stuck = true;
        std::this_thread::yield();
    };
    std::thread producer([&] {
        auto& p = r.producer();
        std::chrono::steady_clock::time_point since{};
        for (std::uint64_t i = 0; i < n && !stuck.load(std::memory_order_relaxed);) {
            const std::size_t len = 8 + static_cast<std::size_t>(i % 113);
            auto dst = p.claim(len, static_cast<std::uint32_t>(i));
            if (dst.data() == nullptr) {
                waited_too_long(since);
                continue;
            }
            since = {};
            std::memcpy(dst.data(), &i, 8);
            for (std::size_t k = 8; k < len; ++k)
                dst[k] = record_byte(i, k);
            p.commit();
            ++i;
        }
    });
    auto& c = r.consumer();
    std::uint64_t bad = 0;
    std::chrono::steady_clock::time_point since{};
    for (std::uint64_t i = 0; i < n && !stuck.load(std::memory_order_relaxed);) {
        const ring_record rec = c.peek();
        if (!rec.valid()) {
            waited_too_long(since);
            continue;
        }
        since = {};
        std::uint64_t seq = ~std::uint64_t{0};
        if (rec.payload.size() >= 8) std::memcpy(&seq, rec.payload.data(), 8);
        bool ok = seq == i && rec.type == static_cast<std::uint32_t>(i) &&
                  rec.payload.size() == 8 + i % 113;
        for (std::size_t k = 8; ok && k < rec.payload.size(); ++k)
            ok = rec.payload[k] == record_byte(i, k);
        bad += !ok;
        c.release();
        ++i;
    }
    producer.join();
    EXPECT_FALSE(stuck.load()) << "a side waited 10 s without progress";
    EXPECT_EQ(bad, 0u);
    EXPECT_TRUE(c.empty());
}

TEST(byte_ring, two_processes_share_a_ring_over_a_mapped_file) {
    const std::uint64_t n = exwire_test::stress_count(1'000'000);
    char path[] = "/dev/shm/exwire-byte-ring-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) GTEST_SKIP() << "no /dev/shm";
    close(fd);
    auto file = exwire::mapped_file::create(path, exwire::byte_ring_memory_size(64 * 1024));
    ASSERT_TRUE(file.ok()) << file.err().message;
    ASSERT_TRUE(exwire::byte_ring_initialize(file->data()).ok());

    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // The producer process maps the file on its own, as an unrelated process would.
        auto mine = exwire::mapped_file::open(path, true);
        if (!mine) _exit(2);
        auto p = exwire::byte_ring_producer::attach(mine->data());
        if (!p) _exit(3);
        produce(*p, n);
        _exit(0);
    }
    auto c = exwire::byte_ring_consumer::attach(file->data());
    ASSERT_TRUE(c.ok()) << c.err().message;
    const std::uint64_t bad = consume(*c, n);
    int status = 0;
    waitpid(child, &status, 0);
    unlink(path);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_EQ(bad, 0u);
    EXPECT_TRUE(c->empty());
}

}  // namespace
