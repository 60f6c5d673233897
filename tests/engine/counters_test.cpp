// Counters in a shared file: one writer process, readers in another, never blocking it.
#include <exwire/engine/counters.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

using namespace exwire::engine;

namespace {

std::string temp_path(const char* name) {
    return ::testing::TempDir() + "exwire_" + name + "_" + std::to_string(::getpid()) + ".counters";
}

}  // namespace

TEST(counters, private_table_counts_exactly) {
    counters_table t = counters_table::create("", "e", {{"a", "s"}, {"b", "s"}}).value();
    session_counters a = t.writer(0);
    for (int i = 0; i < 1000; ++i)
        a.add(counter::frames_in);
    a.add(counter::bytes_in, 12345);
    EXPECT_EQ(a.get(counter::frames_in), 1000u);
    EXPECT_EQ(a.get(counter::bytes_in), 12345u);
    EXPECT_EQ(t.writer(1).get(counter::frames_in), 0u);
    EXPECT_FALSE(t.writer(2).valid());
}

TEST(counters, file_names_sessions_and_shards_for_readers) {
    const std::string path = temp_path("names");
    {
        counters_table t =
            counters_table::create(path, "demo", {{"trader", "orders"}, {"feed-rx", "md"}}).value();
        t.writer(1).add(counter::gaps, 3);
        auto snap = counters_table::read(path);
        ASSERT_TRUE(snap.ok()) << snap.err().message;
        EXPECT_EQ(snap->engine, "demo");
        ASSERT_EQ(snap->rows.size(), 2u);
        EXPECT_EQ(snap->rows[0].session, "trader");
        EXPECT_EQ(snap->rows[1].shard, "md");
        EXPECT_EQ(snap->rows[1][counter::gaps], 3u);
        EXPECT_EQ(snap->rows[0][counter::gaps], 0u);
    }
    // The file outlives the engine: counters of a stopped engine stay readable.
    auto after = counters_table::read(path);
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after->rows[1][counter::gaps], 3u);
    std::remove(path.c_str());
}

TEST(counters, reader_rejects_files_that_are_not_counters) {
    const std::string path = temp_path("bogus");
    FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const char junk[256] = "definitely not counters";
    std::fwrite(junk, 1, sizeof junk, f);
    std::fclose(f);
    auto r = counters_table::read(path);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.err().message, path + ": not an exwire counters file");
    std::remove(path.c_str());
    EXPECT_FALSE(counters_table::read(path).ok());
}

TEST(counters, another_process_reads_monotonic_values_while_the_writer_runs) {
    const std::string path = temp_path("xproc");
    counters_table t = counters_table::create(path, "xp", {{"s0", "sh"}}).value();
    constexpr std::uint64_t n = 2'000'000;

    // The reader is a child process mapping the file by itself, as `exwire stat` does.
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        std::uint64_t last_frames = 0, last_bytes = 0, reads = 0;
        while (true) {
            auto snap = counters_table::read(path);
            if (!snap.ok()) std::_Exit(10);
            const std::uint64_t frames = snap->rows[0][counter::frames_in];
            const std::uint64_t bytes = snap->rows[0][counter::bytes_in];
            if (frames < last_frames || bytes < last_bytes) std::_Exit(11);  // went backwards
            if (frames > n || bytes > 8 * n) std::_Exit(12);                 // more than written
            if (bytes % 8 != 0) std::_Exit(13);                              // torn value
            last_frames = frames;
            last_bytes = bytes;
            ++reads;
            if (frames == n && bytes == 8 * n) break;
            if (reads > 50'000'000) std::_Exit(14);
        }
        std::_Exit(0);
    }
    session_counters w = t.writer(0);
    for (std::uint64_t i = 0; i < n; ++i) {
        w.add(counter::frames_in);
        w.add(counter::bytes_in, 8);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "10: read failed, 11: went backwards, 12: above written, "
                                         "13: torn, 14: never saw the end";
    EXPECT_EQ(w.get(counter::frames_in), n);
    std::remove(path.c_str());
}
