#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <exwire/journal/crc32c.hpp>
#include <exwire/journal/reader.hpp>
#include <exwire/journal/writer.hpp>

#include "temp_dir.hpp"

namespace exwire::journal {
namespace {

using testing::temp_dir;

constexpr std::size_t small_segment = 64 * 1024;

config small_config() {
    config c;
    c.segment_size = small_segment;
    return c;
}

std::vector<std::byte> pattern(std::size_t n, std::uint64_t seed) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::byte>((seed * 31 + i * 7) & 0xFF);
    return v;
}

record_meta meta(direction d, std::uint64_t seq) {
    return record_meta{.type = static_cast<std::uint16_t>(seq % 5),
                       .dir = d,
                       .sequence = seq,
                       .timestamp_ns = static_cast<std::int64_t>(1'000'000 + seq)};
}

std::unique_ptr<writer> open_writer(const std::string& dir, const config& c = small_config()) {
    auto w = writer::open(dir, c);
    EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.err().message);
    return w.ok() ? std::move(*w) : nullptr;
}

// The fast path splits data into three chains and combines them (long data in stripes of
// 3 x 512 bytes): every length up to past two stripes, at odd offsets, with several seeds.
TEST(crc32c, three_chain_fast_path_equals_the_table_for_every_length_and_offset) {
    const auto data = pattern(4000, 11);
    for (std::size_t n = 0; n <= 3200; ++n) {
        const std::size_t off = n % 7;
        const bytes b{data.data() + off, n};
        const std::uint32_t seed = static_cast<std::uint32_t>(n * 2654435761u);
        ASSERT_EQ(crc32c(seed, b), crc32c_portable(seed, b)) << "length " << n;
    }
    // Extending in two calls equals one call (records are checked in one pass).
    const bytes all{data.data(), 1000};
    EXPECT_EQ(crc32c(crc32c(5, all.first(123)), all.subspan(123)), crc32c(5, all));
}

TEST(crc32c, hardware_and_portable_agree_on_the_standard_check_value) {
    const auto b = to_bytes("123456789");
    EXPECT_EQ(crc32c_portable(0, b), 0xE3069283u);
    EXPECT_EQ(crc32c(0, b), 0xE3069283u);
    const auto big = pattern(1001, 3);
    EXPECT_EQ(crc32c(7, big), crc32c_portable(7, big));
}

// Residency in the page cache of each 4 KiB page of `path` (mincore on a mapping that does
// not fault anything in itself).
std::vector<bool> resident_pages(const std::string& path) {
    std::vector<bool> r;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return r;
    struct stat st {};
    ::fstat(fd, &st);
    const auto size = static_cast<std::size_t>(st.st_size);
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED) return r;
    std::vector<unsigned char> v((size + 4095) / 4096);
    if (::mincore(p, size, v.data()) == 0)
        for (unsigned char c : v)
            r.push_back((c & 1) != 0);
    ::munmap(p, size);
    return r;
}

TEST(journal, pages_are_faulted_in_ahead_of_the_writer_not_the_whole_segment) {
    temp_dir d("exwire-prefault");
    config c;
    c.segment_size = std::size_t{256} << 20;  // far larger than the pre-fault window
    struct statfs fs {};
    if (::statfs(d.path().c_str(), &fs) == 0 && fs.f_type == 0x01021994)  // TMPFS_MAGIC
        GTEST_SKIP() << "tmpfs allocates every page of a preallocated file";
    auto w = writer::open(d.path(), c);
    ASSERT_TRUE(w.ok()) << w.err().message;
    const auto payload = pattern(1000, 1);
    // 20 MiB of records: the helper keeps faulting in ahead of them.
    for (std::uint64_t i = 1; i <= 20'000; ++i)
        ASSERT_EQ((*w)->append(meta(direction::out, i), payload), append_status::ok);
    const std::string seg = d.path() + "/" + segment_file_name(0);
    const std::size_t written_pages = (*w)->position() / 4096;
    std::vector<bool> r;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {  // the helper runs on its own: wait until 8 MiB past the writer are in
        r = resident_pages(seg);
        ASSERT_EQ(r.size(), c.segment_size / 4096);
        bool ahead = true;
        for (std::size_t i = written_pages; i < written_pages + 2048; ++i)
            ahead = ahead && r[i];
        if (ahead) break;
        ASSERT_LT(std::chrono::steady_clock::now(), until) << "not faulted in ahead";
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    // Not the whole segment: its last quarter was never faulted in.
    std::size_t tail_resident = 0;
    for (std::size_t i = r.size() * 3 / 4; i < r.size(); ++i)
        tail_resident += r[i] ? 1 : 0;
    EXPECT_EQ(tail_resident, 0u);
    // And what was written reads back.
    w->reset();
    auto rd = reader::open(d.path());
    ASSERT_TRUE(rd.ok());
    record_view v;
    std::uint64_t n = 0;
    while (rd->next(v) == read_status::ok) {
        ++n;
        ASSERT_EQ(v.meta.sequence, n);
        ASSERT_EQ(v.payload.size(), payload.size());
        ASSERT_EQ(std::memcmp(v.payload.data(), payload.data(), payload.size()), 0);
    }
    EXPECT_EQ(n, 20'000u);
}

TEST(journal, appended_records_read_back_in_order_with_metadata) {
    temp_dir t;
    {
        auto w = open_writer(t.path());
        ASSERT_TRUE(w);
        EXPECT_TRUE(w->recovery().created);
        for (std::uint64_t i = 1; i <= 100; ++i)
            ASSERT_EQ(w->append(meta(i % 2 ? direction::in : direction::out, i), pattern(i, i)),
                      append_status::ok);
    }
    auto r = reader::open(t.path());
    ASSERT_TRUE(r.ok()) << r.err().message;
    record_view v;
    for (std::uint64_t i = 1; i <= 100; ++i) {
        ASSERT_EQ(r->next(v), read_status::ok) << i;
        EXPECT_EQ(v.meta.sequence, i);
        EXPECT_EQ(v.meta.dir, i % 2 ? direction::in : direction::out);
        EXPECT_EQ(v.meta.type, i % 5);
        EXPECT_EQ(v.meta.timestamp_ns, static_cast<std::int64_t>(1'000'000 + i));
        const auto want = pattern(i, i);
        ASSERT_EQ(v.payload.size(), want.size());
        EXPECT_EQ(std::memcmp(v.payload.data(), want.data(), want.size()), 0);
    }
    EXPECT_EQ(r->next(v), read_status::end);
}

TEST(journal, claim_then_commit_publishes_only_the_committed_length) {
    temp_dir t;
    auto w = open_writer(t.path());
    auto r = reader::open(t.path());
    ASSERT_TRUE(r.ok());
    mutable_bytes out;
    ASSERT_EQ(w->claim(200, out), append_status::ok);
    ASSERT_EQ(out.size(), 200u);
    std::memset(out.data(), 0xAB, out.size());
    record_view v;
    EXPECT_EQ(r->next(v), read_status::end) << "nothing is visible before commit";
    ASSERT_EQ(w->commit(10, meta(direction::out, 1)), append_status::ok);
    ASSERT_EQ(w->append(meta(direction::out, 2), to_bytes("next")), append_status::ok);
    ASSERT_EQ(r->next(v), read_status::ok);
    EXPECT_EQ(v.payload.size(), 10u);
    ASSERT_EQ(r->next(v), read_status::ok);
    EXPECT_EQ(to_string_view(v.payload), "next");
    EXPECT_EQ(r->next(v), read_status::end);
    EXPECT_EQ(w->commit(1, meta(direction::out, 3)), append_status::no_claim);
    ASSERT_EQ(w->claim(8, out), append_status::ok);
    EXPECT_EQ(w->commit(9, meta(direction::out, 3)), append_status::too_large);
}

TEST(journal, zero_byte_and_maximum_size_records_round_trip) {
    temp_dir t;
    auto w = open_writer(t.path());
    const std::size_t max = w->max_payload_size();
    EXPECT_EQ(max, small_segment - segment_header_size - record_header_size);
    ASSERT_EQ(w->append(meta(direction::in, 1), {}), append_status::ok);
    const auto big = pattern(max, 9);
    ASSERT_EQ(w->append(meta(direction::in, 2), big), append_status::ok);
    ASSERT_EQ(w->append(meta(direction::in, 3), {}), append_status::ok);
    EXPECT_EQ(w->append(meta(direction::in, 4), pattern(max + 1, 1)), append_status::too_large);
    auto r = reader::open(t.path());
    record_view v;
    ASSERT_EQ(r->next(v), read_status::ok);
    EXPECT_EQ(v.payload.size(), 0u);
    ASSERT_EQ(r->next(v), read_status::ok);
    ASSERT_EQ(v.payload.size(), max);
    EXPECT_EQ(std::memcmp(v.payload.data(), big.data(), max), 0);
    ASSERT_EQ(r->next(v), read_status::ok);
    EXPECT_EQ(v.meta.sequence, 3u);
    EXPECT_EQ(r->next(v), read_status::end);
}

TEST(journal, rolls_into_new_segments_when_full_and_readers_follow) {
    temp_dir t;
    auto w = open_writer(t.path());
    const std::size_t n = 3000;  // 3000 * 232 bytes = about 10 segments of 64 KiB
    for (std::uint64_t i = 1; i <= n; ++i)
        ASSERT_EQ(w->append(meta(direction::out, i), pattern(200, i)), append_status::ok) << i;
    EXPECT_GE(w->position() / small_segment, 9u);
    auto r = reader::open(t.path());
    record_view v;
    for (std::uint64_t i = 1; i <= n; ++i) {
        ASSERT_EQ(r->next(v), read_status::ok) << i;
        ASSERT_EQ(v.meta.sequence, i);
        ASSERT_EQ(std::memcmp(v.payload.data(), pattern(200, i).data(), 200), 0);
    }
    EXPECT_EQ(r->next(v), read_status::end);
}

TEST(journal, reopening_continues_after_the_last_record) {
    temp_dir t;
    {
        auto w = open_writer(t.path());
        for (std::uint64_t i = 1; i <= 500; ++i)
            ASSERT_EQ(w->append(meta(i % 2 ? direction::in : direction::out, i), pattern(100, i)),
                      append_status::ok);
    }
    {
        auto w = open_writer(t.path());
        EXPECT_FALSE(w->recovery().created);
        EXPECT_FALSE(w->recovery().torn_tail);
        EXPECT_FALSE(w->recovery().index_rebuilt[0]) << "a matching index is reused, not rebuilt";
        EXPECT_FALSE(w->recovery().index_rebuilt[1]);
        for (std::uint64_t i = 501; i <= 1000; ++i)
            ASSERT_EQ(w->append(meta(i % 2 ? direction::in : direction::out, i), pattern(100, i)),
                      append_status::ok);
    }
    auto r = reader::open(t.path());
    record_view v;
    for (std::uint64_t i = 1; i <= 1000; ++i) {
        ASSERT_EQ(r->next(v), read_status::ok);
        ASSERT_EQ(v.meta.sequence, i);
    }
    EXPECT_EQ(r->next(v), read_status::end);
}

TEST(journal, index_finds_records_by_direction_and_sequence_across_segments) {
    temp_dir t;
    auto w = open_writer(t.path());
    for (std::uint64_t i = 1; i <= 2000; ++i) {
        ASSERT_EQ(w->append(meta(direction::in, 10 + i), pattern(50, i)), append_status::ok);
        ASSERT_EQ(w->append(meta(direction::out, i), pattern(70, i + 7)), append_status::ok);
    }
    auto r = reader::open(t.path());
    record_view v;
    // Works while the index lags (tail scan) and once caught up.
    ASSERT_EQ(r->find(direction::out, 2000, v), read_status::ok);
    for (int spin = 0; spin < 2000 && w->indexed_upto() < w->position(); ++spin)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_EQ(w->indexed_upto(), w->position());
    for (std::uint64_t i : {1ull, 2ull, 999ull, 1500ull, 2000ull}) {
        ASSERT_EQ(r->find(direction::in, 10 + i, v), read_status::ok);
        EXPECT_EQ(v.meta.dir, direction::in);
        EXPECT_EQ(v.meta.sequence, 10 + i);
        EXPECT_EQ(std::memcmp(v.payload.data(), pattern(50, i).data(), 50), 0);
        ASSERT_EQ(r->find(direction::out, i, v), read_status::ok);
        EXPECT_EQ(v.meta.sequence, i);
        EXPECT_EQ(std::memcmp(v.payload.data(), pattern(70, i + 7).data(), 70), 0);
    }
    EXPECT_EQ(r->find(direction::in, 5, v), read_status::not_found);
    EXPECT_EQ(r->find(direction::out, 2001, v), read_status::not_found);
    // A resend range: find the first, then next() in order.
    ASSERT_EQ(r->find(direction::out, 100, v), read_status::ok);
    std::uint64_t want = 101;
    while (want <= 110 && r->next(v) == read_status::ok) {
        if (v.meta.dir == direction::out) {
            EXPECT_EQ(v.meta.sequence, want);
            ++want;
        }
    }
    EXPECT_EQ(want, 111u);
    std::uint64_t last = 0;
    ASSERT_TRUE(r->last_indexed_sequence(direction::out, last));
    EXPECT_EQ(last, 2000u);
}

TEST(journal, missing_or_stale_index_is_rebuilt_on_open) {
    temp_dir t;
    {
        auto w = open_writer(t.path());
        for (std::uint64_t i = 1; i <= 300; ++i)
            ASSERT_EQ(w->append(meta(direction::out, i), pattern(64, i)), append_status::ok);
    }
    std::filesystem::remove(t.sub("index.out"));
    {
        std::ofstream junk(t.sub("index.in"), std::ios::trunc);
        junk << "not an index";
    }
    auto w = open_writer(t.path());
    EXPECT_TRUE(w->recovery().index_rebuilt[0]) << "the foreign index.in was emptied and rebuilt";
    auto r = reader::open(t.path());
    record_view v;
    ASSERT_EQ(r->find(direction::out, 123, v), read_status::ok);
    EXPECT_EQ(v.meta.sequence, 123u);
    EXPECT_EQ(w->indexed_upto(), w->position()) << "open() catches the index up before returning";
}

void corrupt_byte(const std::string& path, std::size_t offset) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x5A);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(&c, 1);
}

TEST(journal, torn_tail_is_discarded_and_reported_and_appends_continue) {
    temp_dir t;
    std::uint64_t pos_of_last = 0;
    {
        auto w = open_writer(t.path());
        for (std::uint64_t i = 1; i <= 10; ++i) {
            pos_of_last = w->position();
            ASSERT_EQ(w->append(meta(direction::out, i), pattern(40, i)), append_status::ok);
        }
    }
    // Corrupt the payload of record 10: its checksum no longer matches.
    corrupt_byte(t.sub(segment_file_name(0)), pos_of_last + record_header_size + 5);
    {
        auto w = open_writer(t.path());
        const auto& rep = w->recovery();
        EXPECT_TRUE(rep.torn_tail);
        EXPECT_EQ(rep.discard_reason, "checksum mismatch");
        EXPECT_EQ(rep.discarded_position, pos_of_last);
        EXPECT_GT(rep.discarded_bytes, 40u);
        EXPECT_EQ(rep.records_scanned, 9u);
        ASSERT_EQ(w->append(meta(direction::out, 10), pattern(8, 1)), append_status::ok);
    }
    auto r = reader::open(t.path());
    record_view v;
    for (std::uint64_t i = 1; i <= 10; ++i) {
        ASSERT_EQ(r->next(v), read_status::ok);
        EXPECT_EQ(v.meta.sequence, i);
    }
    EXPECT_EQ(v.payload.size(), 8u);
    EXPECT_EQ(r->next(v), read_status::end);
}

TEST(journal, unpublished_claim_bytes_are_cleared_on_recovery) {
    temp_dir t;
    {
        auto w = open_writer(t.path());
        ASSERT_EQ(w->append(meta(direction::in, 1), pattern(16, 1)), append_status::ok);
        mutable_bytes out;
        ASSERT_EQ(w->claim(1000, out), append_status::ok);
        std::memset(out.data(), 0x77, out.size());  // the process "dies" before commit
    }
    auto w = open_writer(t.path());
    EXPECT_TRUE(w->recovery().torn_tail);
    EXPECT_EQ(w->recovery().records_scanned, 1u);
    EXPECT_GE(w->recovery().discarded_bytes, 1000u);
    ASSERT_EQ(w->append(meta(direction::in, 2), pattern(0, 0)), append_status::ok);
    auto r = reader::open(t.path());
    record_view v;
    ASSERT_EQ(r->next(v), read_status::ok);
    ASSERT_EQ(r->next(v), read_status::ok);
    EXPECT_EQ(v.meta.sequence, 2u);
    EXPECT_EQ(r->next(v), read_status::end);
}

TEST(journal, reader_reports_corruption_in_the_middle) {
    temp_dir t;
    std::uint64_t pos3 = 0;
    {
        auto w = open_writer(t.path());
        for (std::uint64_t i = 1; i <= 5; ++i) {
            if (i == 3) pos3 = w->position();
            ASSERT_EQ(w->append(meta(direction::out, i), pattern(24, i)), append_status::ok);
        }
    }
    corrupt_byte(t.sub(segment_file_name(0)), pos3 + 17);  // the sequence field
    auto r = reader::open(t.path());
    record_view v;
    ASSERT_EQ(r->next(v), read_status::ok);
    ASSERT_EQ(r->next(v), read_status::ok);
    EXPECT_EQ(r->next(v), read_status::corrupt);
    EXPECT_STREQ(r->corruption(), "checksum mismatch");
    EXPECT_EQ(r->position(), pos3);
}

TEST(journal, retention_keeps_the_newest_segments_and_archives_on_request) {
    temp_dir t;
    config c = small_config();
    c.retention.max_segments = 3;
    c.retention.archive = true;
    {
        auto w = open_writer(t.path(), c);
        for (std::uint64_t i = 1; i <= 3000; ++i)
            ASSERT_EQ(w->append(meta(direction::out, i), pattern(200, i)), append_status::ok);
        for (int spin = 0; spin < 2000; ++spin) {
            std::size_t n = 0;
            for (const auto& e : std::filesystem::directory_iterator(t.path()))
                n += e.path().extension() == ".seg";
            if (n <= 4) break;  // 3 kept plus the preallocated next one
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        std::size_t live = 0;
        for (const auto& e : std::filesystem::directory_iterator(t.path()))
            live += e.path().extension() == ".seg";
        EXPECT_LE(live, 4u);
    }
    std::size_t archived = 0;
    for (const auto& e : std::filesystem::directory_iterator(t.sub("archive")))
        archived += e.path().extension() == ".seg";
    EXPECT_GE(archived, 6u);
    auto r = reader::open(t.path());
    ASSERT_TRUE(r.ok());
    record_view v;
    ASSERT_EQ(r->next(v), read_status::ok);
    EXPECT_GT(v.meta.sequence, 1000u) << "the oldest records went to the archive";
    std::uint64_t last = v.meta.sequence;
    while (r->next(v) == read_status::ok) {
        ASSERT_EQ(v.meta.sequence, last + 1);
        last = v.meta.sequence;
    }
    EXPECT_EQ(last, 3000u);
    EXPECT_EQ(r->find(direction::out, 1, v), read_status::not_found);
}

std::size_t count_segments(const std::string& dir) {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        n += e.path().extension() == ".seg";
    return n;
}

ino_t inode_of(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// Record sizes vary so a recycled segment's previous records never line up with new ones.
std::size_t varied_size(std::uint64_t seq) {
    return 40 + (seq * 37) % 300;
}

TEST(journal, retention_recycles_deleted_segments_and_no_previous_record_survives) {
    temp_dir t;
    config c = small_config();
    c.retention.max_segments = 3;
    const ino_t first_inode = [&] {
        auto w = open_writer(t.path(), c);
        return inode_of(t.sub(segment_file_name(0)));
    }();
    ASSERT_NE(first_inode, 0u);
    std::uint64_t seq = 0;
    {
        auto w = open_writer(t.path(), c);
        ASSERT_TRUE(w);
        while (w->position() < 12 * small_segment) {
            ++seq;
            ASSERT_EQ(w->append(meta(direction::out, seq), pattern(varied_size(seq), seq)),
                      append_status::ok);
        }
        for (int spin = 0; spin < 2000 && count_segments(t.path()) > 4; ++spin)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        EXPECT_LE(count_segments(t.path()), 4u);
        bool reused = false;
        for (const auto& e : std::filesystem::directory_iterator(t.path()))
            if (e.path().extension() == ".seg")
                reused = reused || inode_of(e.path().string()) == first_inode;
        EXPECT_TRUE(reused) << "segment 0's file lives on under a later segment's name";
    }
    auto check = [&](std::uint64_t expect_last) {
        auto r = reader::open(t.path());
        ASSERT_TRUE(r.ok());
        record_view v;
        ASSERT_EQ(r->next(v), read_status::ok);
        std::uint64_t last = v.meta.sequence;
        EXPECT_GT(last, 1u) << "the oldest segments are gone";
        read_status st;
        while ((st = r->next(v)) == read_status::ok) {
            ASSERT_EQ(v.meta.sequence, last + 1);
            ASSERT_TRUE(std::equal(v.payload.begin(), v.payload.end(),
                                   pattern(varied_size(v.meta.sequence), v.meta.sequence).begin()));
            ASSERT_EQ(v.payload.size(), varied_size(v.meta.sequence));
            last = v.meta.sequence;
        }
        EXPECT_EQ(st, read_status::end) << r->corruption();
        EXPECT_EQ(last, expect_last);
    };
    check(seq);
    // Recovery walks the current (recycled) segment: had its previous life's bytes survived
    // past the committed end, it would report a torn tail or take them for records.
    {
        auto w = open_writer(t.path(), c);
        ASSERT_TRUE(w);
        EXPECT_FALSE(w->recovery().torn_tail) << w->recovery().discard_reason;
        for (int i = 0; i < 500; ++i) {
            ++seq;
            ASSERT_EQ(w->append(meta(direction::out, seq), pattern(varied_size(seq), seq)),
                      append_status::ok);
        }
    }
    check(seq);
    EXPECT_FALSE(std::filesystem::exists(t.sub("recycle.seg.tmp")));
}

TEST(journal, a_reader_lagging_behind_a_recycled_segment_gets_missing_not_newer_records) {
    temp_dir t;
    config c = small_config();
    c.retention.max_segments = 2;
    auto w = open_writer(t.path(), c);
    ASSERT_TRUE(w);
    std::uint64_t seq = 0;
    for (; seq < 10; ++seq)
        ASSERT_EQ(w->append(meta(direction::out, seq + 1), pattern(100, seq + 1)),
                  append_status::ok);
    auto r = reader::open(t.path(), {.populate = false});
    ASSERT_TRUE(r.ok());
    record_view v;
    ASSERT_EQ(r->next(v), read_status::ok);
    ASSERT_EQ(v.meta.sequence, 1u);
    // Fill segments until segment 0's file has been recycled (its name is gone).
    while (w->position() < 8 * small_segment) {
        ++seq;
        ASSERT_EQ(w->append(meta(direction::out, seq), pattern(100, seq)), append_status::ok);
    }
    for (int spin = 0; spin < 2000 && std::filesystem::exists(t.sub(segment_file_name(0))); ++spin)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_FALSE(std::filesystem::exists(t.sub(segment_file_name(0))));
    // Never a record of the segment's new life as if it followed sequence 1.
    const auto st = r->next(v);
    EXPECT_EQ(st, read_status::missing);
    if (st == read_status::ok) {
        EXPECT_EQ(v.meta.sequence, 2u);
    }
}

// Rewrites a journal's segments as the first format wrote them: version 1, record
// checksums seeded with the length only.
void downgrade_to_version_1(const std::string& dir) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        if (e.path().extension() != ".seg") continue;
        const int fd = ::open(e.path().c_str(), O_RDWR);
        ASSERT_GE(fd, 0);
        const auto size = static_cast<std::size_t>(std::filesystem::file_size(e.path()));
        auto* base =
            static_cast<std::byte*>(mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
        ::close(fd);
        ASSERT_NE(base, MAP_FAILED);
        const std::uint32_t v1 = format_version;
        std::memcpy(base + 8, &v1, 4);
        for (std::size_t off = segment_header_size; off + 4 <= size;) {
            std::uint32_t len;
            std::memcpy(&len, base + off, 4);
            if (len == 0 || len == end_of_segment) break;
            const std::uint32_t crc = record_checksum(len, base + off);
            std::memcpy(base + off + 4, &crc, 4);
            off += record_span(len - record_header_size);
        }
        munmap(base, size);
    }
}

TEST(journal, version_1_journals_still_open_verify_and_continue) {
    temp_dir t;
    std::uint64_t seq = 0;
    {
        auto w = open_writer(t.path());
        while (w->position() < small_segment + small_segment / 2) {
            ++seq;
            ASSERT_EQ(w->append(meta(direction::out, seq), pattern(varied_size(seq), seq)),
                      append_status::ok);
        }
    }
    downgrade_to_version_1(t.path());
    {
        auto w = open_writer(t.path());
        ASSERT_TRUE(w);
        EXPECT_FALSE(w->recovery().torn_tail) << w->recovery().discard_reason;
        EXPECT_GT(w->recovery().records_scanned, 0u);
        // Continues the version-1 segment, then rolls into version-2 ones.
        const std::uint64_t until = w->position() + 2 * small_segment;
        while (w->position() < until) {
            ++seq;
            ASSERT_EQ(w->append(meta(direction::out, seq), pattern(varied_size(seq), seq)),
                      append_status::ok);
        }
    }
    auto r = reader::open(t.path());
    ASSERT_TRUE(r.ok());
    record_view v;
    std::uint64_t last = 0;
    read_status st;
    while ((st = r->next(v)) == read_status::ok) {
        ASSERT_EQ(v.meta.sequence, last + 1);
        ASSERT_EQ(v.payload.size(), varied_size(v.meta.sequence));
        last = v.meta.sequence;
    }
    EXPECT_EQ(st, read_status::end) << r->corruption();
    EXPECT_EQ(last, seq);
    auto w = open_writer(t.path());
    ASSERT_TRUE(w);
    EXPECT_FALSE(w->recovery().torn_tail) << w->recovery().discard_reason;
}

// A record is only valid in the segment it was written to: the same bytes at the same offset
// of another segment (a recycled file not cleared, after a power loss) fail the checksum.
TEST(journal, a_record_copied_into_another_segment_fails_its_checksum) {
    temp_dir t;
    {
        auto w = open_writer(t.path());
        std::uint64_t seq = 0;
        while (w->position() < small_segment + 4096) {
            ++seq;
            ASSERT_EQ(w->append(meta(direction::out, seq), pattern(100, seq)), append_status::ok);
        }
    }
    // Copy segment 0's first record over segment 1's first record.
    std::vector<char> rec(record_span(100));
    {
        std::ifstream in(t.sub(segment_file_name(0)), std::ios::binary);
        in.seekg(static_cast<std::streamoff>(segment_header_size));
        in.read(rec.data(), static_cast<std::streamsize>(rec.size()));
    }
    {
        std::fstream out(t.sub(segment_file_name(1)),
                         std::ios::binary | std::ios::in | std::ios::out);
        out.seekp(static_cast<std::streamoff>(segment_header_size));
        out.write(rec.data(), static_cast<std::streamsize>(rec.size()));
    }
    auto r = reader::open(t.path());
    record_view v;
    r->seek(small_segment);
    EXPECT_EQ(r->next(v), read_status::corrupt);
    EXPECT_STREQ(r->corruption(), "checksum mismatch");
}

TEST(journal, retention_by_bytes_deletes_old_segments) {
    temp_dir t;
    config c = small_config();
    c.retention.max_bytes = 2 * small_segment;
    auto w = open_writer(t.path(), c);
    for (std::uint64_t i = 1; i <= 3000; ++i)
        ASSERT_EQ(w->append(meta(direction::out, i), pattern(200, i)), append_status::ok);
    std::size_t live = 99;
    for (int spin = 0; spin < 2000 && live > 3; ++spin) {
        live = 0;
        for (const auto& e : std::filesystem::directory_iterator(t.path()))
            live += e.path().extension() == ".seg";
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_LE(live, 3u);
    EXPECT_FALSE(std::filesystem::exists(t.sub("archive")));
}

TEST(journal, durability_modes_flush_without_error) {
    for (auto mode : {durability::none, durability::periodic, durability::sync}) {
        temp_dir t;
        config c = small_config();
        c.mode = mode;
        c.sync_interval = std::chrono::milliseconds(1);
        auto w = open_writer(t.path(), c);
        for (std::uint64_t i = 1; i <= 400; ++i) {
            ASSERT_EQ(w->append(meta(direction::out, i), pattern(300, i)), append_status::ok);
            if (i % 50 == 0) {
                ASSERT_EQ(w->flush(), append_status::ok);
            }
        }
    }
    EXPECT_EQ(parse_durability("periodic").value(), durability::periodic);
    EXPECT_FALSE(parse_durability("sometimes").ok());
}

TEST(journal, abandoned_claim_leaves_nothing_behind) {
    temp_dir t;
    auto w = open_writer(t.path());
    mutable_bytes out;
    ASSERT_EQ(w->claim(500, out), append_status::ok);
    std::memset(out.data(), 0xEE, out.size());
    w->abandon();
    ASSERT_EQ(w->append(meta(direction::out, 1), to_bytes("ab")), append_status::ok);
    ASSERT_EQ(w->append(meta(direction::out, 2), to_bytes("cd")), append_status::ok);
    auto r = reader::open(t.path());
    record_view v;
    ASSERT_EQ(r->next(v), read_status::ok);
    EXPECT_EQ(to_string_view(v.payload), "ab");
    ASSERT_EQ(r->next(v), read_status::ok);
    EXPECT_EQ(to_string_view(v.payload), "cd");
    EXPECT_EQ(r->next(v), read_status::end);
    w.reset();
    auto again = open_writer(t.path());
    EXPECT_FALSE(again->recovery().torn_tail) << "abandon() cleared the claimed bytes";
}

TEST(journal, retention_by_age_removes_segments_older_than_the_limit) {
    temp_dir t;
    config c = small_config();
    c.retention.max_age = std::chrono::seconds(1);
    auto w = open_writer(t.path(), c);
    std::uint64_t seq = 0;
    auto add = [&] {
        ++seq;
        return w->append(meta(direction::out, seq), pattern(200, seq));
    };
    for (int i = 0; i < 1000; ++i)
        ASSERT_EQ(add(), append_status::ok);
    const std::uint64_t old_segments = w->position() / small_segment;
    ASSERT_GE(old_segments, 3u);
    EXPECT_TRUE(std::filesystem::exists(t.sub(segment_file_name(0)))) << "young segments stay";
    std::this_thread::sleep_for(std::chrono::milliseconds(1300));
    // Two more rolls: the segments written before the pause are now older than a second.
    for (int i = 0; i < 600; ++i)
        ASSERT_EQ(add(), append_status::ok);
    bool gone = false;
    for (int spin = 0; spin < 2000 && !gone; ++spin) {
        gone = !std::filesystem::exists(t.sub(segment_file_name(0))) &&
               !std::filesystem::exists(t.sub(segment_file_name(old_segments - 1)));
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_TRUE(gone);
    EXPECT_TRUE(std::filesystem::exists(t.sub(segment_file_name(w->position() / small_segment))));
}

TEST(journal, rejects_bad_segment_sizes) {
    temp_dir t;
    config c;
    c.segment_size = 5000;
    EXPECT_FALSE(writer::open(t.path(), c).ok());
}

TEST(journal, existing_journal_keeps_its_segment_size) {
    temp_dir t;
    {
        auto w = open_writer(t.path());
        ASSERT_EQ(w->append(meta(direction::in, 1), {}), append_status::ok);
    }
    config c;
    c.segment_size = 1 << 20;
    auto w = open_writer(t.path(), c);
    EXPECT_EQ(w->segment_size(), small_segment);
}

}  // namespace
}  // namespace exwire::journal
