// An OUCH client process journaling what it receives is killed (SIGKILL) in the middle of a
// stream, restarted on the same journal, and resumes: its journal ends up with every
// sequenced message of the server's journal exactly once, in order. The client runs as a
// separate process (this binary re-executed with EXWIRE_KILL_TEST_CLIENT set); the server is
// an engine in the test process. Sleeping backoff idle strategy; bounded in count and time.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include <exwire/core/bytes.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/journal_store.hpp>
#include <exwire/engine/nasdaq/soupbintcp_engine.hpp>
#include <exwire/journal/reader.hpp>

#include "../journal/temp_dir.hpp"
#include "../support/loopback.hpp"

using namespace exwire::engine;
using namespace std::chrono_literals;

namespace {

using exwire::test::free_port;

constexpr std::uint64_t total = 20'000;
constexpr std::size_t message_size = 24;
const char* const child_env = "EXWIRE_KILL_TEST_CLIENT";

session_config base_session(const char* name) {
    session_config s;
    s.name = name;
    s.shard = "main";
    s.requested_session = "TODAY";
    s.journal.segment_size = 1u << 20;
    s.reconnect.delay_ns = 20'000'000;
    return s;
}

engine_config one_shard(const char* name) {
    engine_config c;
    c.name = name;
    shard_config sh;
    sh.name = "main";
    sh.idle = "backoff:spins=10,yields=5,min=10us,max=200us";
    c.shards.push_back(sh);
    return c;
}

/// The client process: journals every Sequenced Data message, reads and drops them, for at
/// most 60 s (the test kills it well before).
int run_client(std::uint16_t port, const std::string& dir) {
    engine_config c = one_shard("kill-client");
    session_config s = base_session("trader");
    s.protocol = protocol_kind::ouch;
    s.role = session_role::client;
    s.connect = {"127.0.0.1", port};
    s.journal.dir = dir;
    c.sessions.push_back(s);
    protocol_registry protocols;
    nasdaq::register_soupbintcp(protocols);
    auto e = engine::create(c, protocols);
    if (!e) return 3;
    if (!(*e)->start()) return 4;
    session_handle h = (*e)->session("trader");
    const auto end = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < end) {
        const polled p = h.poll([](const inbound_record&) {});
        if (p.count == 0) std::this_thread::sleep_for(200us);
    }
    (*e)->stop();
    return 0;
}

pid_t spawn_client(std::uint16_t port, const std::string& dir) {
    const std::string value = std::to_string(port) + ":" + dir;
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::setenv(child_env, value.c_str(), 1);
        ::execl("/proc/self/exe", "journal_kill_client", static_cast<char*>(nullptr));
        ::_exit(127);
    }
    return pid;
}

/// Checks the sequenced messages of a journal: direction `d`, sequences 1..n each once,
/// payload carrying its own number. Returns n, or 0 with `problem` set.
std::uint64_t check_journal(const std::string& dir, exwire::journal::direction d,
                            std::string& problem) {
    auto r = exwire::journal::reader::open(dir);
    if (!r) {
        problem = r.err().message;
        return 0;
    }
    exwire::journal::record_view v;
    std::uint64_t expected = 1;
    while (r->next(v) == exwire::journal::read_status::ok) {
        if (v.meta.dir != d) continue;
        if (v.meta.sequence != expected || v.payload.size() != message_size ||
            exwire::load_be<std::uint64_t>(v.payload.data()) != expected) {
            problem = "record " + std::to_string(v.meta.sequence) + " where " +
                      std::to_string(expected) + " was expected";
            return 0;
        }
        ++expected;
    }
    return expected - 1;
}

}  // namespace

TEST(journal_kill, killed_client_process_resumes_from_its_journal_without_loss_or_duplicate) {
    exwire::journal::testing::temp_dir dir("exwire-kill");
    const std::uint16_t port = free_port();
    engine_config c = one_shard("kill-server");
    session_config s = base_session("exchange");
    s.protocol = protocol_kind::soupbintcp;
    s.role = session_role::server;
    s.listen = {"127.0.0.1", port};
    s.journal.dir = dir.sub("server");
    c.sessions.push_back(s);
    protocol_registry protocols;
    nasdaq::register_soupbintcp(protocols);
    auto e = engine::create(c, protocols);
    ASSERT_TRUE(e) << e.err().message;
    ASSERT_TRUE((*e)->start());
    session_handle server = (*e)->session("exchange");

    const std::string client_dir = dir.sub("client");
    pid_t child = spawn_client(port, client_dir);
    ASSERT_GT(child, 0);
    std::string problem;
    int kills = 0;
    std::uint64_t killed_at[2] = {0, 0};
    // Publish in paced batches; kill the client twice along the way and restart it.
    for (std::uint64_t i = 1; i <= total; ++i) {
        exwire::mutable_bytes out;
        int tries = 0;
        while (server.claim(message_size, out) != send_status::ok && ++tries < 100'000)
            std::this_thread::sleep_for(20us);
        ASSERT_LT(tries, 100'000);
        std::memset(out.data(), 'x', message_size);
        exwire::store_be<std::uint64_t>(out.data(), i);
        server.commit();
        if (i % 200 == 0) std::this_thread::sleep_for(5ms);
        if (i == total / 3 || i == 2 * total / 3) {
            // Kill only once the client is mid-stream: it has journaled part of what is out.
            std::uint64_t seen = 0;
            const auto until = std::chrono::steady_clock::now() + 10s;
            while (std::chrono::steady_clock::now() < until) {
                problem.clear();
                seen =
                    check_journal(client_dir + "/trader", exwire::journal::direction::in, problem);
                if (seen > i / 4 || !problem.empty()) break;
                std::this_thread::sleep_for(2ms);
            }
            ASSERT_TRUE(problem.empty()) << problem;
            ASSERT_GT(seen, i / 4) << "the client never got going";
            killed_at[kills] = seen;
            ::kill(child, SIGKILL);
            int status = 0;
            ::waitpid(child, &status, 0);
            ++kills;
            child = spawn_client(port, client_dir);
            ASSERT_GT(child, 0);
        }
    }
    // Wait (bounded) until the client's journal holds everything.
    std::uint64_t got = 0;
    const auto end = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < end) {
        problem.clear();
        got = check_journal(client_dir + "/trader", exwire::journal::direction::in, problem);
        if (got == total || !problem.empty()) break;
        std::this_thread::sleep_for(50ms);
    }
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    (*e)->stop();
    EXPECT_EQ(kills, 2);
    EXPECT_LT(killed_at[1], total) << "the second kill came after the end of the stream";
    EXPECT_TRUE(problem.empty()) << problem;
    EXPECT_EQ(got, total);
    problem.clear();
    EXPECT_EQ(
        check_journal(dir.sub("server") + "/exchange", exwire::journal::direction::out, problem),
        total)
        << problem;
}

int main(int argc, char** argv) {
    if (const char* v = std::getenv(child_env)) {
        const std::string arg = v;
        const auto colon = arg.find(':');
        return run_client(static_cast<std::uint16_t>(std::stoi(arg.substr(0, colon))),
                          arg.substr(colon + 1));
    }
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
