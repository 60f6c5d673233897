// Full disk: the journal lives on a small tmpfs (or, when mounting is not permitted, under a
// lowered RLIMIT_FSIZE). Appends fail with no_space once the next segment cannot be
// allocated; nothing crashes, everything appended before verifies, and appends resume
// once space is back.

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <gtest/gtest.h>

#include <exwire/journal/reader.hpp>
#include <exwire/journal/writer.hpp>

#include "temp_dir.hpp"

namespace exwire::journal {
namespace {

constexpr std::size_t seg = 256 * 1024;

std::vector<std::byte> payload(std::uint64_t seq) {
    std::vector<std::byte> v(1000);
    for (std::size_t i = 0; i < v.size(); ++i)
        v[i] = static_cast<std::byte>((seq ^ i) & 0xFF);
    return v;
}

// Reads everything back: sequences 1..n contiguous, payloads intact, no corruption.
std::uint64_t verify_clean(const std::string& dir) {
    auto r = reader::open(dir);
    EXPECT_TRUE(r.ok());
    record_view v;
    std::uint64_t n = 0;
    read_status st;
    while ((st = r->next(v)) == read_status::ok) {
        ++n;
        EXPECT_EQ(v.meta.sequence, n);
        const auto want = payload(n);
        EXPECT_TRUE(v.payload.size() == want.size() &&
                    std::memcmp(v.payload.data(), want.data(), want.size()) == 0);
    }
    EXPECT_EQ(st, read_status::end) << r->corruption();
    return n;
}

struct space_limit {
    bool tmpfs = false;
    std::string dir;
};

TEST(journal_full_disk, no_space_is_reported_and_the_journal_verifies_clean) {
    testing::temp_dir t("exwire-journal-full");
    const std::string mnt = t.sub("mnt");
    std::filesystem::create_directories(mnt);
    // EXWIRE_FULL_DISK=rlimit forces the fallback, so both paths stay tested.
    const char* mode = std::getenv("EXWIRE_FULL_DISK");
    const bool want_tmpfs = mode == nullptr || std::string(mode) != "rlimit";
    const bool tmpfs =
        want_tmpfs && mount("exwire-journal-test", mnt.c_str(), "tmpfs", 0, "size=2m") == 0;
    // Unmounted even when an assertion ends the test early.
    struct unmounter {
        std::string path;
        bool active;
        ~unmounter() {
            if (active) umount2(path.c_str(), MNT_DETACH);
        }
    } unmount_guard{mnt, tmpfs};
    std::printf("limit: %s\n",
                tmpfs ? "2 MiB tmpfs" : "RLIMIT_FSIZE (forced, or mount not permitted)");
    signal(SIGXFSZ, SIG_IGN);  // RLIMIT_FSIZE must give EFBIG, not kill the process
    const std::string dir = mnt + "/j";

    config c;
    c.segment_size = seg;
    c.retry_interval = std::chrono::milliseconds(5);
    std::uint64_t seq = 0;
    append_status st = append_status::ok;
    {
        auto w = writer::open(dir, c);
        ASSERT_TRUE(w.ok()) << w.err().message;
        rlimit old{};
        getrlimit(RLIMIT_FSIZE, &old);
        if (!tmpfs) {
            for (int i = 0; i < 600; ++i) {
                ++seq;
                ASSERT_EQ((*w)->append({.sequence = seq}, payload(seq)), append_status::ok);
            }
            rlimit lim = old;
            lim.rlim_cur = seg / 2;  // the next segment cannot be allocated any more
            setrlimit(RLIMIT_FSIZE, &lim);
        }
        for (int i = 0; i < 100000; ++i) {
            st = (*w)->append({.sequence = seq + 1}, payload(seq + 1));
            if (st != append_status::ok) break;
            ++seq;
        }
        EXPECT_EQ(st, append_status::no_space) << to_string(st);
        EXPECT_NE((*w)->last_error().find(tmpfs ? "No space" : "too large"), std::string::npos)
            << (*w)->last_error();
        EXPECT_GT(seq, 100u);
        // It stays refused, without crashing, until space comes back.
        EXPECT_EQ((*w)->append({.sequence = seq + 1}, payload(seq + 1)), append_status::no_space);
        EXPECT_EQ(verify_clean(dir), seq) << "the journal holds exactly what was accepted";

        // Free space: the helper retries and appends resume.
        if (tmpfs) {
            std::error_code ec;
            for (const auto& e : std::filesystem::directory_iterator(dir))
                if (e.path().filename() == segment_file_name(0))
                    std::filesystem::remove(e.path(), ec);
        } else {
            setrlimit(RLIMIT_FSIZE, &old);
        }
        append_status again = append_status::no_space;
        for (int i = 0; i < 2000 && again != append_status::ok; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            again = (*w)->append({.sequence = seq + 1}, payload(seq + 1));
        }
        ASSERT_EQ(again, append_status::ok);
        ++seq;
    }
    auto w = writer::open(dir, c);
    ASSERT_TRUE(w.ok()) << w.err().message;
    EXPECT_FALSE((*w)->recovery().torn_tail);
    w.value().reset();
    if (!tmpfs) {
        EXPECT_EQ(verify_clean(dir), seq);
    } else {
        // Segment 0 was deleted to free space; the rest is contiguous up to the last one.
        auto r = reader::open(dir);
        ASSERT_TRUE(r.ok());
        record_view v;
        std::uint64_t last = 0;
        while (r->next(v) == read_status::ok) {
            if (last != 0) {
                EXPECT_EQ(v.meta.sequence, last + 1);
            }
            last = v.meta.sequence;
        }
        EXPECT_EQ(last, seq);
    }
}

}  // namespace
}  // namespace exwire::journal
