// `exwire stat` and `exwire config check` as a user runs them: a separate process.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <exwire/engine/counters.hpp>

using namespace exwire::engine;
using ::testing::HasSubstr;

namespace {

struct run_result {
    int status;
    std::string out;
};

run_result run_tool(const std::string& args) {
    const char* root = std::getenv("EXWIRE_BUILD_ROOT");
    const std::string cmd = std::string(root ? root : ".") + "/tools/exwire " + args + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    std::string out;
    std::array<char, 4096> buf;
    for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), p)) > 0;)
        out.append(buf.data(), n);
    const int status = ::pclose(p);
    return {WEXITSTATUS(status), out};
}

}  // namespace

TEST(stat_tool, prints_the_counters_of_each_session) {
    const std::string path =
        ::testing::TempDir() + "exwire_stat_tool_" + std::to_string(::getpid()) + ".counters";
    counters_table t =
        counters_table::create(path, "demo", {{"trader", "orders"}, {"feed-rx", "md"}}).value();
    t.writer(0).add(counter::frames_out, 4242);
    t.writer(1).add(counter::retransmissions, 7);
    run_result r = run_tool("stat " + path);
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_THAT(r.out, HasSubstr("engine demo"));
    EXPECT_THAT(r.out, HasSubstr("frames_out"));
    EXPECT_THAT(r.out, ::testing::ContainsRegex("trader +orders +0 +0 +4242"));
    r = run_tool("stat --json " + path);
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_THAT(r.out, HasSubstr("\"session\":\"feed-rx\",\"shard\":\"md\""));
    EXPECT_THAT(r.out, HasSubstr("\"retransmissions\":7"));
    std::remove(path.c_str());
}

TEST(stat_tool, fails_clearly_on_a_missing_file) {
    run_result r = run_tool("stat /nonexistent/x.counters");
    EXPECT_NE(r.status, 0);
    EXPECT_THAT(r.out, HasSubstr("/nonexistent/x.counters"));
}

TEST(config_tool, check_reports_errors_with_locations_and_refuses) {
    const std::string path =
        ::testing::TempDir() + "exwire_check_" + std::to_string(::getpid()) + ".toml";
    {
        std::ofstream f(path);
        f << "[[session]]\nname = \"a\"\nrole = \"server\"\nlisten = \"127.0.0.1:9000\"\n"
             "[[session]]\nname = \"b\"\nrole = \"server\"\nlisten = \"127.0.0.1:9000\"\n";
    }
    run_result r = run_tool("config check " + path);
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(
        r.out,
        HasSubstr(path + ":8:10: session[1].listen: TCP port 9000 is already used by session 'a'"));
    r = run_tool("run " + path);
    EXPECT_EQ(r.status, 2);
    EXPECT_THAT(r.out, HasSubstr("session[1].listen"));
    std::remove(path.c_str());
}

TEST(config_tool, check_accepts_the_built_in_demo_configuration) {
    run_result r = run_tool("config check -");
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_THAT(r.out, HasSubstr("engine 'demo', 2 shards, 4 sessions"));
}

#include <chrono>
#include <cstring>
#include <thread>

#include "echo_session.hpp"

TEST(stat_tool, reads_the_counters_of_a_running_engine_from_another_process) {
    engine_config c = exwire_test::echo_config();
    c.counters_file =
        ::testing::TempDir() + "exwire_stat_live_" + std::to_string(::getpid()) + ".counters";
    auto e = engine::create(c, exwire_test::echo_registry());
    ASSERT_TRUE(e.ok()) << e.err().message;
    ASSERT_TRUE((*e)->start().ok());
    session_handle s = (*e)->session("echo0");
    const std::byte body[10] = {};
    std::uint32_t echoed = 0;
    for (int i = 0; i < 1000; ++i) {
        while (s.send(body) != send_status::ok)
            std::this_thread::sleep_for(std::chrono::microseconds(10));
    }
    while (echoed < 1000) {
        received r = s.receive(std::chrono::seconds(2));
        ASSERT_TRUE(r.ok()) << to_string(r.status);
        echoed += r.record.is_message();
    }
    // The shard is still running while the tool reads.
    run_result r = run_tool("stat --json " + c.counters_file);
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_THAT(r.out, HasSubstr("\"engine\":\"echo\""));
    EXPECT_THAT(
        r.out,
        HasSubstr("\"session\":\"echo0\",\"shard\":\"s0\",\"frames_in\":1000,\"bytes_in\":10000"));
    (*e)->stop();
    std::remove(c.counters_file.c_str());
}
