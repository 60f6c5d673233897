// sharded_itch_book and itch_book::apply_framed(bytes, book_partition): the books of the
// parts together hold exactly what one itch_book fed everything holds, and every part stops
// at the same frame with the same status.
// gtest 1.12 triggers a -Wnull-dereference false positive inside gtest.h at -O2 here.
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <exwire/codec/nasdaq/itch_sharded_book.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <new>
#include <random>
#include <stdexcept>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include "../../../bench/codec/nasdaq/itch_synth.hpp"

namespace nq = exwire::codec::nasdaq;
namespace itch = exwire::codec::nasdaq::itch50;

namespace {

// The synthetic stream cut down to the frames of locates 0 .. test_symbols (a consistent
// stream: every message about an order carries that order's locate). Each (locate, side)
// that sees an order costs a book a 4 KiB ladder block, so this keeps the many books the
// tests build small (all 8,000 symbols would be 64 MiB a book).
constexpr std::uint16_t test_symbols = 400;

void expect_same_side(const std::vector<nq::itch_book::level>& got,
                      const std::vector<nq::itch_book::level>& want, std::uint16_t locate,
                      const char* side) {
    ASSERT_EQ(got.size(), want.size()) << "locate " << locate << " " << side;
    for (std::size_t i = 0; i < got.size(); ++i) {
        ASSERT_EQ(got[i].price, want[i].price) << "locate " << locate << " " << side << " " << i;
        ASSERT_EQ(got[i].shares, want[i].shares) << "locate " << locate << " " << side << " " << i;
        ASSERT_EQ(got[i].orders, want[i].orders) << "locate " << locate << " " << side << " " << i;
    }
}

void expect_same_counters(const nq::itch_book::counters& got, const nq::itch_book::counters& want) {
    EXPECT_EQ(got.adds, want.adds);
    EXPECT_EQ(got.executions, want.executions);
    EXPECT_EQ(got.cancels, want.cancels);
    EXPECT_EQ(got.deletes, want.deletes);
    EXPECT_EQ(got.replaces, want.replaces);
    EXPECT_EQ(got.unknown_orders, want.unknown_orders);
    EXPECT_EQ(got.duplicate_adds, want.duplicate_adds);
}

// Every locate's ladders (0 .. last_locate), the live counts and the counters.
void expect_same_book(const nq::sharded_itch_book& sharded, const nq::itch_book& single,
                      std::uint16_t last_locate) {
    ASSERT_EQ(sharded.live_orders(), single.live_orders());
    ASSERT_EQ(sharded.live_levels(), single.live_levels());
    expect_same_counters(sharded.stats(), single.stats());
    for (std::uint32_t l = 0; l <= last_locate; ++l) {
        const auto loc = static_cast<std::uint16_t>(l);
        expect_same_side(sharded.bids(loc), single.bids(loc), loc, "bids");
        expect_same_side(sharded.asks(loc), single.asks(loc), loc, "asks");
        if (::testing::Test::HasFatalFailure()) return;
    }
}

void expect_same_run(const nq::itch_book::run_result& got, const nq::itch_book::run_result& want) {
    EXPECT_EQ(got.status, want.status);
    EXPECT_EQ(got.consumed, want.consumed);
    EXPECT_EQ(got.messages, want.messages);
    EXPECT_EQ(got.frames, want.frames);
}

const itch_synth::stream& synth() {
    static const itch_synth::stream s = [] {
        const itch_synth::stream all = itch_synth::generate(200'000, 11);
        itch_synth::stream kept;
        std::size_t pos = 0;
        while (pos < all.bytes.size()) {
            const std::size_t frame = 2 + exwire::load_be<std::uint16_t>(all.bytes.data() + pos);
            if (exwire::load_be<std::uint16_t>(all.bytes.data() + pos + 3) <= test_symbols) {
                kept.bytes.insert(kept.bytes.end(),
                                  all.bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                                  all.bytes.begin() + static_cast<std::ptrdiff_t>(pos + frame));
                ++kept.messages;
            }
            pos += frame;
        }
        return kept;
    }();
    return s;
}

// Offsets of every frame of a well-formed framed span.
std::vector<std::size_t> frame_offsets(const std::vector<std::byte>& bytes) {
    std::vector<std::size_t> at;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        at.push_back(pos);
        pos += 2 + exwire::load_be<std::uint16_t>(bytes.data() + pos);
    }
    return at;
}

}  // namespace

TEST(itch_sharded_book, computes_locate_remainders_without_a_division) {
    for (std::uint32_t d = 1; d <= 300; ++d) {
        const nq::detail::mod16 m(static_cast<std::uint16_t>(d));
        for (std::uint32_t x = 0; x <= 0xffff; ++x)
            ASSERT_EQ(m.of(static_cast<std::uint16_t>(x)), x % d) << x << " % " << d;
    }
    std::mt19937 rng(5);
    for (int i = 0; i < 200; ++i) {
        const auto d = static_cast<std::uint16_t>(1 + rng() % 0xffff);
        const nq::detail::mod16 m(d);
        for (std::uint32_t x = 0; x <= 0xffff; x += 1 + rng() % 7)
            ASSERT_EQ(m.of(static_cast<std::uint16_t>(x)), x % d) << x << " % " << d;
    }
}

TEST(itch_sharded_book, builds_the_single_books_ladders_for_every_locate_with_1_to_4_shards) {
    const auto& s = synth();
    nq::itch_book single(1024);
    const auto want = single.apply_framed(exwire::bytes(s.bytes));
    ASSERT_EQ(want.status, nq::visit_status::ok);
    ASSERT_EQ(want.messages, s.messages);
    ASSERT_EQ(want.frames, s.messages);
    ASSERT_EQ(want.consumed, s.bytes.size());
    ASSERT_EQ(single.stats().unknown_orders, 0u);
    ASSERT_GT(single.live_orders(), 1000u);
    for (std::uint16_t shards = 1; shards <= 4; ++shards) {
        SCOPED_TRACE(testing::Message() << shards << " shards");
        nq::sharded_itch_book book({shards, 1024, {}});
        ASSERT_EQ(book.shard_count(), shards);
        expect_same_run(book.apply_framed(exwire::bytes(s.bytes)), want);
        expect_same_book(book, single, test_symbols + 1);
        // every shard holds orders (the work is split) and only its own locates' levels
        for (std::size_t k = 0; k < shards; ++k) {
            EXPECT_GT(book.shard(k).live_orders(), 0u);
            for (std::uint16_t l = 1; l <= 200; ++l)
                if (l % shards != k) {
                    EXPECT_TRUE(book.shard(k).bids(l).empty()) << "shard " << k << " locate " << l;
                    EXPECT_TRUE(book.shard(k).asks(l).empty()) << "shard " << k << " locate " << l;
                }
        }
    }
}

TEST(itch_sharded_book, a_partition_applies_exactly_its_locates_messages) {
    const auto& s = synth();
    nq::itch_book single(1024);
    ASSERT_EQ(single.apply_framed(exwire::bytes(s.bytes)).status, nq::visit_status::ok);
    constexpr std::uint16_t parts = 3;
    // what each part must apply, counted independently of the book
    std::array<nq::itch_book::counters, parts> want{};
    std::array<std::size_t, parts> frames_of{};
    for (const std::size_t at : frame_offsets(s.bytes)) {
        const exwire::bytes m(s.bytes.data() + at + 2,
                              exwire::load_be<std::uint16_t>(s.bytes.data() + at));
        const std::size_t k = exwire::load_be<std::uint16_t>(m.data() + 1) % parts;
        ++frames_of[k];
        switch (static_cast<char>(m[0])) {
            case 'A':
            case 'F':
                ++want[k].adds;
                break;
            case 'E':
            case 'C':
                ++want[k].executions;
                break;
            case 'X':
                ++want[k].cancels;
                break;
            case 'D':
                ++want[k].deletes;
                break;
            case 'U':
                ++want[k].replaces;
                break;
            default:
                break;
        }
    }
    std::size_t live = 0, levels = 0;
    for (std::uint16_t k = 0; k < parts; ++k) {
        SCOPED_TRACE(testing::Message() << "part " << k);
        nq::itch_book part(1024);
        const auto r = part.apply_framed(exwire::bytes(s.bytes), nq::book_partition{parts, k});
        EXPECT_EQ(r.status, nq::visit_status::ok);
        EXPECT_EQ(r.consumed, s.bytes.size());
        EXPECT_EQ(r.frames, s.messages);
        EXPECT_EQ(r.messages, frames_of[k]);
        expect_same_counters(part.stats(), want[k]);
        for (std::uint32_t l = 0; l <= test_symbols; ++l) {
            const auto loc = static_cast<std::uint16_t>(l);
            if (loc % parts == k) {
                expect_same_side(part.bids(loc), single.bids(loc), loc, "bids");
                expect_same_side(part.asks(loc), single.asks(loc), loc, "asks");
            } else {
                ASSERT_TRUE(part.bids(loc).empty()) << "locate " << loc;
                ASSERT_TRUE(part.asks(loc).empty()) << "locate " << loc;
            }
        }
        live += part.live_orders();
        levels += part.live_levels();
    }
    EXPECT_EQ(live, single.live_orders());
    EXPECT_EQ(levels, single.live_levels());
}

TEST(itch_sharded_book, stops_where_the_single_book_stops_on_cut_streams) {
    const auto& s = synth();
    const auto at = frame_offsets(s.bytes);
    std::mt19937_64 rng(3);
    for (int round = 0; round < 24; ++round) {
        // inside a frame, on a frame boundary, in the first and the last frames
        std::size_t cut = rng() % (s.bytes.size() + 1);
        if (round % 4 == 1) cut = at[rng() % at.size()];
        if (round % 4 == 2) cut = rng() % 64;
        if (round % 4 == 3) cut = s.bytes.size() - rng() % 64;
        SCOPED_TRACE(testing::Message() << "cut at " << cut);
        const exwire::bytes part = exwire::bytes(s.bytes).first(cut);
        nq::itch_book single(1024);
        const auto want = single.apply_framed(part);
        const auto shards = static_cast<std::uint16_t>(2 + round % 3);
        nq::sharded_itch_book book({shards, 1024, {}});
        expect_same_run(book.apply_framed(part), want);
        // the checked stream's ladders, on a sample of locates (every locate in the test above)
        expect_same_book(book, single, round % 8 == 0 ? test_symbols : 100);
        // resuming after a cut applies the rest exactly once
        if (round % 8 == 0 && want.status == nq::visit_status::truncated) {
            const exwire::bytes rest = exwire::bytes(s.bytes).subspan(want.consumed);
            const auto a = single.apply_framed(rest);
            expect_same_run(book.apply_framed(rest), a);
            expect_same_book(book, single, test_symbols);
        }
    }
}

TEST(itch_sharded_book, stops_where_the_single_book_stops_on_corrupted_frames) {
    const auto& s = synth();
    const auto at = frame_offsets(s.bytes);
    std::mt19937_64 rng(9);
    for (int round = 0; round < 30; ++round) {
        const std::size_t frames = std::min<std::size_t>(at.size() - 1, 30'000);
        std::vector<std::byte> bad(s.bytes.begin(),
                                   s.bytes.begin() + static_cast<std::ptrdiff_t>(at[frames]));
        const std::size_t frame = at[rng() % frames];
        const auto len = exwire::load_be<std::uint16_t>(bad.data() + frame);
        bool frames_only = true;  // the book's messages stay as they were
        switch (round % 6) {
            case 0:  // unknown type
                bad[frame + 2] = std::byte{'!'};
                break;
            case 1:  // another known type of another size (A 36 bytes -> D 19 ...)
                bad[frame + 2] = bad[frame + 2] == std::byte{'D'} ? std::byte{'E'} : std::byte{'D'};
                break;
            case 2:  // a length one short or one long
                exwire::store_be<std::uint16_t>(
                    bad.data() + frame, static_cast<std::uint16_t>(len + (rng() & 1 ? 1 : -1)));
                break;
            case 3:  // a zero length
                exwire::store_be<std::uint16_t>(bad.data() + frame, 0);
                break;
            case 4:  // a length past the end
                exwire::store_be<std::uint16_t>(bad.data() + frame, 0xffff);
                break;
            default:  // any byte of the span (may change a locate or a reference)
                bad[rng() % bad.size()] = static_cast<std::byte>(rng());
                frames_only = false;
                break;
        }
        SCOPED_TRACE(testing::Message() << "round " << round << " frame at " << frame);
        nq::itch_book single(1024);
        const auto want = single.apply_framed(exwire::bytes(bad));
        if (round % 6 < 5) {
            EXPECT_NE(want.status, nq::visit_status::ok);
        }
        for (std::uint16_t shards = 2; shards <= 3; ++shards) {
            nq::sharded_itch_book book({shards, 1024, {}});
            const auto got = book.apply_framed(exwire::bytes(bad));
            expect_same_run(got, want);
            if (frames_only) expect_same_book(book, single, 100);
        }
    }
}

TEST(itch_sharded_book, runs_pinned_shards_and_rejects_a_cpu_it_may_not_use) {
    const auto& s = synth();
    nq::itch_book single(1024);
    const auto want = single.apply_framed(exwire::bytes(s.bytes));
    const std::vector<int> cpus = exwire::allowed_cpus();
    ASSERT_FALSE(cpus.empty());
    nq::sharded_itch_book book({2, 1024, {cpus.front()}});
    expect_same_run(book.apply_framed(exwire::bytes(s.bytes)), want);
    expect_same_book(book, single, test_symbols);

    EXPECT_THROW(nq::sharded_itch_book({2, 1024, {100000}}), std::invalid_argument);
    EXPECT_THROW(nq::sharded_itch_book({0, 1024, {}}), std::invalid_argument);
}

TEST(itch_sharded_book, counts_an_update_naming_another_shards_order_as_unknown) {
    // The documented limit: a message about an order must carry that order's locate.
    std::vector<std::byte> framed;
    std::array<std::byte, 64> buf{};
    auto put = [&](std::size_t n) {
        const auto pos = framed.size();
        framed.resize(pos + 2 + n);
        exwire::store_be<std::uint16_t>(framed.data() + pos, static_cast<std::uint16_t>(n));
        std::memcpy(framed.data() + pos + 2, buf.data(), n);
    };
    put(itch::add_order::builder(buf)
            .stock_locate(4)
            .order_reference_number(7)
            .buy_sell_indicator('B')
            .shares(300)
            .stock("A")
            .price(100)
            .finish()
            .size);
    put(itch::order_executed::builder(buf)  // locate 5: shard 1 of 2, the order is in shard 0
            .stock_locate(5)
            .order_reference_number(7)
            .executed_shares(100)
            .finish()
            .size);
    nq::sharded_itch_book book({2, 64, {}});
    const auto r = book.apply_framed(exwire::bytes(framed));
    EXPECT_EQ(r.status, nq::visit_status::ok);
    EXPECT_EQ(r.messages, 2u);
    EXPECT_EQ(book.stats().unknown_orders, 1u);
    ASSERT_EQ(book.bids(4).size(), 1u);
    EXPECT_EQ(book.bids(4)[0].shares, 300u);
}

namespace {

// In a death-test child: lets the process grow by 128 MiB only, then builds a 2-shard book
// over `framed`; exits 0 when std::bad_alloc reaches this thread.
[[noreturn]] void build_with_little_memory(const std::vector<std::byte>& framed) {
    std::size_t pages = 0;
    if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%zu", &pages) != 1) pages = 0;
        std::fclose(f);
    }
    const rlim_t limit = pages * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) + (rlim_t{128} << 20);
    const rlimit rl{limit, limit};
    if (pages == 0 || setrlimit(RLIMIT_AS, &rl) != 0) std::_Exit(3);
    try {
        nq::sharded_itch_book book({2, 64, {}});
        (void)book.apply_framed(exwire::bytes(framed));
        std::fprintf(stderr, "no allocation failed\n");
        std::_Exit(2);
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "bad_alloc carried to the caller\n");
        std::_Exit(0);
    }
}

}  // namespace

TEST(itch_sharded_book, carries_an_allocation_failure_in_a_shard_thread_back_to_the_caller) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    GTEST_SKIP() << "an address-space limit cannot be set under a sanitizer's shadow memory";
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
    GTEST_SKIP() << "an address-space limit cannot be set under a sanitizer's shadow memory";
#endif
#endif
    // Adds on every odd locate, both sides: shard 1 of 2 (a started thread, not the caller)
    // needs a 4 KiB ladder block per (locate, side), 256 MiB in all; the child process below
    // may grow by 128 MiB only, so the shard's allocation fails on its thread.
    std::vector<std::byte> framed;
    std::array<std::byte, 64> buf{};
    std::uint64_t ref = 1;
    for (std::uint32_t loc = 1; loc <= 0xffff; loc += 2) {
        for (const char side : {'B', 'S'}) {
            const auto n = itch::add_order::builder(buf)
                               .stock_locate(static_cast<std::uint16_t>(loc))
                               .order_reference_number(ref++)
                               .buy_sell_indicator(side)
                               .shares(100)
                               .stock("X")
                               .price(100000)
                               .finish()
                               .size;
            const auto pos = framed.size();
            framed.resize(pos + 2 + n);
            exwire::store_be<std::uint16_t>(framed.data() + pos, static_cast<std::uint16_t>(n));
            std::memcpy(framed.data() + pos + 2, buf.data(), n);
        }
    }
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(build_with_little_memory(framed), ::testing::ExitedWithCode(0),
                "bad_alloc carried to the caller");
}
