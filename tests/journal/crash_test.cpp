// Crash safety: a child process appends verifiable records as fast as it can and is killed
// with SIGKILL at random moments; after each kill the journal is reopened and checked, and
// a tailing reader in a third process must see every record once, in order.
//
// The same binary plays the three roles: `crash_test --writer DIR` (append until killed),
// `crash_test --tailer DIR PROGRESS` (follow the journal, verify, publish progress), and the
// gtest driver. EXWIRE_CRASH_KILLS sets the number of kills (default 10).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <exwire/core/mapped_file.hpp>
#include <exwire/journal/reader.hpp>
#include <exwire/journal/writer.hpp>

#include "temp_dir.hpp"

namespace exwire::journal {
namespace {

std::string self_exe;

// `keep` segments are retained; a small number makes retention recycle segments constantly.
config crash_config(std::size_t keep = 128) {
    config c;
    c.segment_size = 1 << 20;
    c.retention.max_segments = keep;  // bounds the disk a long run uses
    // React to rolls quickly: the writer outruns preallocation on a busy machine, and a
    // writer waiting at a roll is not where the interesting kills land.
    c.helper_interval = std::chrono::microseconds(100);
    return c;
}

// Payload of record `seq`: its length and bytes follow from the sequence number alone.
std::size_t payload_size(std::uint64_t seq) {
    return (seq * 2654435761u) % 97;
}
void fill_payload(std::uint64_t seq, std::byte* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        p[i] = static_cast<std::byte>((seq + i * 13) & 0xFF);
}
bool payload_ok(const record_view& v) {
    if (v.payload.size() != payload_size(v.meta.sequence)) return false;
    for (std::size_t i = 0; i < v.payload.size(); ++i)
        if (v.payload[i] != static_cast<std::byte>((v.meta.sequence + i * 13) & 0xFF)) return false;
    return v.meta.timestamp_ns == static_cast<std::int64_t>(v.meta.sequence * 3) &&
           v.meta.type == static_cast<std::uint16_t>(v.meta.sequence & 0xFFFF);
}

// Appends records last+1, last+2, ... (`limit` of them, or until killed when 0).
int append_verifiable(writer& w, std::uint64_t limit) {
    reader r = std::move(reader::open(w.directory()).value());
    std::uint64_t last = 0;
    if (!r.last_indexed_sequence(direction::out, last)) return 3;
    for (std::uint64_t n = 0; limit == 0 || n < limit; ++n) {
        const std::uint64_t seq = last + 1 + n;
        const std::size_t len = payload_size(seq);
        mutable_bytes out;
        if (w.claim(len, out) != append_status::ok) return 4;
        fill_payload(seq, out.data(), len);
        const record_meta m{.type = static_cast<std::uint16_t>(seq & 0xFFFF),
                            .dir = direction::out,
                            .sequence = seq,
                            .timestamp_ns = static_cast<std::int64_t>(seq * 3)};
        if (w.commit(len, m) != append_status::ok) return 5;
    }
    return 0;
}

int run_writer(const std::string& dir, std::size_t keep) {
    auto w = writer::open(dir, crash_config(keep));
    if (!w) {
        std::fprintf(stderr, "writer: %s\n", w.err().message.c_str());
        return 2;
    }
    return append_verifiable(**w, 0);
}

// Progress shared with the driver: [0] highest sequence seen, [1] failures, [2] stop request.
int run_tailer(const std::string& dir, const std::string& progress_path) {
    auto pm = mapped_file::open(progress_path, true);
    if (!pm) return 2;
    auto* prog = reinterpret_cast<std::uint64_t*>(pm->data().data());
    auto seen = std::atomic_ref<std::uint64_t>(prog[0]);
    auto failures = std::atomic_ref<std::uint64_t>(prog[1]);
    auto stop = std::atomic_ref<std::uint64_t>(prog[2]);
    auto r = reader::open(dir);
    if (!r) return 2;
    record_view v;
    std::uint64_t expect = 1;
    while (stop.load(std::memory_order_acquire) == 0) {
        const auto st = r->next(v);
        if (st == read_status::end) {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
            continue;
        }
        if (st != read_status::ok || v.meta.sequence != expect || !payload_ok(v)) {
            std::fprintf(
                stderr, "tailer: status %d at seq %llu (expected %llu)\n", static_cast<int>(st),
                static_cast<unsigned long long>(st == read_status::ok ? v.meta.sequence : 0),
                static_cast<unsigned long long>(expect));
            failures.fetch_add(1, std::memory_order_release);
            return 1;
        }
        ++expect;
        seen.store(v.meta.sequence, std::memory_order_release);
    }
    return 0;
}

std::vector<std::uint64_t> detail_segments(const std::string& dir) {
    std::vector<std::uint64_t> out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        std::uint64_t idx = 0;
        if (parse_segment_file_name(e.path().filename().string(), idx)) out.push_back(idx);
    }
    std::sort(out.begin(), out.end());
    return out;
}

pid_t spawn(const std::vector<std::string>& args) {
    const pid_t pid = fork();
    if (pid == 0) {
        std::vector<char*> argv;
        for (const auto& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(self_exe.c_str(), argv.data());
        _exit(127);
    }
    return pid;
}

// One writer life: starts a writer process with `args` and SIGKILLs it at a random instant
// 2-42 ms in (some kills land during open/recovery, most while appending). Fails if the
// writer could not start or exited before the kill.
::testing::AssertionResult kill_a_writer_at_random(const std::vector<std::string>& args,
                                                   std::mt19937_64& rng) {
    const pid_t child = spawn(args);
    if (child <= 0) return ::testing::AssertionFailure() << "could not start the writer";
    std::this_thread::sleep_for(std::chrono::microseconds(2000 + rng() % 40000));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFSIGNALED(status))
        return ::testing::AssertionFailure() << "writer exited early with " << WEXITSTATUS(status);
    return ::testing::AssertionSuccess();
}

// Checks the whole retained journal: contiguous sequences from the oldest record kept,
// every payload as written. Returns the last sequence.
std::uint64_t verify_contiguous(const std::string& dir) {
    auto r = reader::open(dir);
    EXPECT_TRUE(r.ok());
    if (!r) return 0;
    record_view v;
    std::uint64_t last = 0;
    read_status st;
    while ((st = r->next(v)) == read_status::ok) {
        if (last != 0) {
            EXPECT_EQ(v.meta.sequence, last + 1);
        }
        EXPECT_TRUE(payload_ok(v)) << "seq " << v.meta.sequence;
        if (v.meta.sequence != last + 1 && last != 0) return last;
        last = v.meta.sequence;
    }
    EXPECT_EQ(st, read_status::end) << r->corruption();
    return last;
}

TEST(journal_crash,
     sigkilled_writer_leaves_an_intact_contiguous_prefix_and_a_tailer_sees_each_record_once) {
    const char* env = std::getenv("EXWIRE_CRASH_KILLS");
    const int kills = env != nullptr ? std::atoi(env) : 10;
    testing::temp_dir t("exwire-journal-crash");
    const std::string dir = t.sub("j");
    {
        auto w = writer::open(dir, crash_config());
        ASSERT_TRUE(w.ok()) << w.err().message;
    }
    auto pm = mapped_file::create(t.sub("progress"), 4096);
    ASSERT_TRUE(pm.ok());
    auto* prog = reinterpret_cast<std::uint64_t*>(pm->data().data());
    const pid_t tailer = spawn({self_exe, "--tailer", dir, t.sub("progress")});
    ASSERT_GT(tailer, 0);
    // If an assertion ends the test early, the tailer must not outlive it.
    struct reaper {
        pid_t pid;
        bool reaped = false;
        ~reaper() {
            if (reaped) return;
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
    } tailer_guard{tailer};

    std::mt19937_64 rng(std::random_device{}());
    std::uint64_t last = 0;
    int torn = 0;
    std::uint64_t discarded_bytes = 0;
    for (int k = 0; k < kills; ++k) {
        ASSERT_TRUE(kill_a_writer_at_random({self_exe, "--writer", dir}, rng));

        std::uint64_t now_last = 0;
        {
            auto w = writer::open(dir, crash_config());
            ASSERT_TRUE(w.ok()) << w.err().message;
            torn += (*w)->recovery().torn_tail;
            discarded_bytes += (*w)->recovery().discarded_bytes;
        }
        // Checked with no writer open, so retention does not remove segments mid-check.
        now_last = verify_contiguous(dir);
        ASSERT_GE(now_last, last) << "committed records were lost";
        // Appends continue after recovery.
        {
            auto w = writer::open(dir, crash_config());
            ASSERT_TRUE(w.ok()) << w.err().message;
            EXPECT_FALSE((*w)->recovery().torn_tail) << "a clean close leaves no tail";
            ASSERT_EQ(append_verifiable(**w, 3), 0);
        }
        last = verify_contiguous(dir);
        ASSERT_EQ(last, now_last + 3);
        // Let the tailer catch up before the next life, so retention never outruns it.
        auto seen = std::atomic_ref<std::uint64_t>(prog[0]);
        for (int spin = 0; spin < 20000 && seen.load(std::memory_order_acquire) < last; ++spin) {
            ASSERT_EQ(std::atomic_ref<std::uint64_t>(prog[1]).load(), 0u)
                << "tailer saw a bad record";
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        ASSERT_EQ(seen.load(std::memory_order_acquire), last) << "tailer fell behind";
    }
    std::atomic_ref<std::uint64_t>(prog[2]).store(1, std::memory_order_release);
    int status = 0;
    waitpid(tailer, &status, 0);
    tailer_guard.reaped = true;
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_EQ(std::atomic_ref<std::uint64_t>(prog[1]).load(), 0u);
    std::printf("kills: %d, records: %llu, recoveries with a discarded tail: %d (%llu bytes)\n",
                kills, static_cast<unsigned long long>(last), torn,
                static_cast<unsigned long long>(discarded_bytes));
    EXPECT_GT(last, 0u);
}

// Retention of 3 one-MiB segments: nearly every segment the writer rolls into is a recycled
// file that held older records. After each kill, the retained journal must hold only this
// life's and earlier lives' records in sequence, none from a recycled file's previous life.
TEST(journal_crash, sigkilled_writer_on_recycled_segments_never_shows_a_previous_lifes_records) {
    const char* env = std::getenv("EXWIRE_CRASH_KILLS");
    const int kills = env != nullptr ? std::atoi(env) : 10;
    constexpr std::size_t keep = 3;
    testing::temp_dir t("exwire-journal-crash-recycle");
    const std::string dir = t.sub("j");
    std::mt19937_64 rng(std::random_device{}());
    std::uint64_t last = 0;
    int torn = 0;
    for (int k = 0; k < kills; ++k) {
        ASSERT_TRUE(
            kill_a_writer_at_random({self_exe, "--writer", dir, std::to_string(keep)}, rng));
        {
            auto w = writer::open(dir, crash_config(keep));
            ASSERT_TRUE(w.ok()) << w.err().message;
            torn += (*w)->recovery().torn_tail;
        }
        const std::uint64_t now_last = verify_contiguous(dir);
        ASSERT_GE(now_last, last) << "committed records were lost";
        {
            auto w = writer::open(dir, crash_config(keep));
            ASSERT_TRUE(w.ok()) << w.err().message;
            EXPECT_FALSE((*w)->recovery().torn_tail) << "a clean close leaves no tail";
            ASSERT_EQ(append_verifiable(**w, 3), 0);
        }
        last = verify_contiguous(dir);
        ASSERT_EQ(last, now_last + 3);
    }
    auto segs = detail_segments(dir);
    ASSERT_FALSE(segs.empty());
    std::printf("kills: %d, records: %llu, newest segment %llu (retention %zu), torn tails: %d\n",
                kills, static_cast<unsigned long long>(last),
                static_cast<unsigned long long>(segs.back()), keep, torn);
    EXPECT_GT(segs.back(), 2 * keep) << "segments were recycled several times over";
}

}  // namespace
}  // namespace exwire::journal

int main(int argc, char** argv) {
    exwire::journal::self_exe = "/proc/self/exe";
    {
        char buf[4096];
        const auto n = readlink("/proc/self/exe", buf, sizeof buf - 1);
        if (n > 0) exwire::journal::self_exe.assign(buf, static_cast<std::size_t>(n));
    }
    if (argc >= 3 && std::string(argv[1]) == "--writer")
        return exwire::journal::run_writer(
            argv[2], argc >= 4 ? std::strtoul(argv[3], nullptr, 10) : std::size_t{128});
    if (argc >= 4 && std::string(argv[1]) == "--tailer")
        return exwire::journal::run_tailer(argv[2], argv[3]);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
