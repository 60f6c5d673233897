// `exwire sim` as a user runs it: starts, prints its ports and status, stops on time with
// status 0; a bad configuration file is refused with a message naming the problem.
// The path of the exwire binary is the first argument (meson passes it).

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace {

std::string exwire_path;

struct run_result {
    int status = -1;
    std::string output;  // stdout and stderr
};

/// Runs a shell command (bounded by `timeout`) and collects its output.
run_result run(const std::string& args) {
    run_result r;
    const std::string cmd = "timeout 30 " + exwire_path + " " + args + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return r;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
        r.output.append(buf, n);
    const int st = ::pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

std::string temp_file(const std::string& name, const std::string& text) {
    const std::string path = ::testing::TempDir() + name;
    std::ofstream(path) << text;
    return path;
}

}  // namespace

TEST(sim_tool, runs_for_the_given_seconds_prints_ports_and_exits_zero) {
    const run_result r = run("sim --seconds 2 --status-interval 0.5 --mold 127.0.0.1:0");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("OUCH 5.0 / SoupBinTCP   127.0.0.1:"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("FIX 4.4 acceptor        127.0.0.1:"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("ITCH 5.0 / SoupBinTCP   127.0.0.1:"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("5 symbols"), std::string::npos) << r.output;  // the embedded default
    EXPECT_NE(r.output.find("ITCH messages"), std::string::npos) << r.output;  // a status line
    EXPECT_NE(r.output.find("exwire sim: stopped:"), std::string::npos) << r.output;
}

TEST(sim_tool, publishes_moldudp64_when_given_a_destination_and_reads_a_config_file) {
    const std::string cfg = temp_file("sim_ok.toml", R"(
[flow]
rate = 100
[[symbols]]
name = "ONE"
reference_price = "10.00"
bids = [{ px = "9.99", qty_each = 100 }]
asks = [{ px = "10.01", qty_each = 100 }]
)");
    const run_result r =
        run("sim --config " + cfg + " --seconds 1 --mold 127.0.0.1:39999 --no-fix");
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("1 symbol,"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("MoldUDP64    to 127.0.0.1:39999, retransmission requests on"),
              std::string::npos)
        << r.output;
    EXPECT_EQ(r.output.find("FIX 4.4"), std::string::npos) << r.output;
}

TEST(sim_tool, counters_file_is_readable_by_exwire_stat) {
    const std::string counters = ::testing::TempDir() + "sim.counters";
    const run_result r = run("sim --seconds 1 --counters " + counters);
    EXPECT_EQ(r.status, 0) << r.output;
    const run_result s = run("stat " + counters);
    EXPECT_EQ(s.status, 0) << s.output;
    EXPECT_NE(s.output.find("engine exwire-sim"), std::string::npos) << s.output;
    for (const char* session : {"ouch-0", "itch-soup", "fix"})
        EXPECT_NE(s.output.find(session), std::string::npos) << session << "\n" << s.output;
    std::remove(counters.c_str());
}

TEST(sim_tool, bad_config_file_exits_nonzero_naming_the_problem) {
    const std::string cfg = temp_file(
        "sim_bad.toml", "[[symbols]]\nname = \"ONE\"\nreference_price = \"10.00\"\ntick = -5\n");
    const run_result r = run("sim --config " + cfg + " --seconds 1");
    EXPECT_NE(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("sim_bad.toml"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("tick"), std::string::npos) << r.output;

    const run_result missing = run("sim --config /nonexistent/sim.toml --seconds 1");
    EXPECT_NE(missing.status, 0) << missing.output;
    EXPECT_NE(missing.output.find("cannot open"), std::string::npos) << missing.output;
}

TEST(sim_tool, stops_cleanly_on_sigterm) {
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::dup2(out[1], 1);
        ::dup2(out[1], 2);
        ::close(out[0]);
        ::execl(exwire_path.c_str(), exwire_path.c_str(), "sim", "--status-interval", "0.2",
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(out[1]);
    // Read (bounded) until the first status line, then ask it to stop.
    std::string text;
    const auto read_some = [&](int timeout_ms) {
        pollfd p{out[0], POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) <= 0) return false;
        char buf[4096];
        const ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n <= 0) return false;
        text.append(buf, static_cast<std::size_t>(n));
        return true;
    };
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (text.find("ITCH messages") == std::string::npos &&
           std::chrono::steady_clock::now() < until)
        (void)read_some(100);
    EXPECT_NE(text.find("ITCH messages"), std::string::npos) << text;
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    int status = 0;
    pid_t done = 0;
    const auto stop_until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while ((done = ::waitpid(pid, &status, WNOHANG)) == 0 &&
           std::chrono::steady_clock::now() < stop_until) {
        (void)read_some(20);
    }
    if (done == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        FAIL() << "exwire sim did not stop within 10 s of SIGTERM";
    }
    while (read_some(50)) {
    }
    ::close(out[0]);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text;
    EXPECT_NE(text.find("exwire sim: stopped:"), std::string::npos) << text;
}

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: sim_tool_test PATH-TO-EXWIRE\n");
        return 2;
    }
    exwire_path = argv[1];
    return RUN_ALL_TESTS();
}
