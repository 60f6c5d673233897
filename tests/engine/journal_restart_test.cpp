// Journal-backed sessions across a restart of the engine, over loopback with real shard
// threads (sleeping backoff idle strategy). A SoupBinTCP server publishes, is stopped and
// destroyed, and a new engine on the same journal folder serves a new client every message
// from sequence 1 and continues the numbering. Bounded in count and time.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <exwire/codec/fix/reader.hpp>
#include <exwire/core/bytes.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/fix/engine_session.hpp>
#include <exwire/engine/journal_store.hpp>
#include <exwire/engine/nasdaq/soupbintcp_engine.hpp>

#include "../journal/temp_dir.hpp"
#include "../support/loopback.hpp"

using namespace exwire::engine;
using namespace std::chrono_literals;

namespace {

using exwire::test::free_port;
using exwire::test::wait_until;

constexpr std::size_t message_size = 24;

engine_config soup_config(std::uint16_t port, const std::string& journal_dir) {
    engine_config c;
    c.name = "journal-restart";
    for (const char* name : {"server_shard", "client_shard"}) {
        shard_config sh;
        sh.name = name;
        sh.idle = "backoff:spins=10,yields=5,min=10us,max=200us";
        c.shards.push_back(sh);
    }
    session_config server;
    server.name = "exchange";
    server.protocol = protocol_kind::soupbintcp;
    server.role = session_role::server;
    server.shard = "server_shard";
    server.listen = {"127.0.0.1", port};
    server.requested_session = "TODAY";
    server.journal.dir = journal_dir;
    server.journal.segment_size = 1u << 20;
    c.sessions.push_back(server);
    session_config client;
    client.name = "trader";
    client.protocol = protocol_kind::ouch;
    client.role = session_role::client;
    client.shard = "client_shard";
    client.connect = {"127.0.0.1", port};
    client.journal.dir = "";  // a fresh client: asks for sequence 1
    c.sessions.push_back(client);
    return c;
}

void publish(session_handle& server, std::uint64_t from, std::uint64_t to) {
    for (std::uint64_t i = from; i <= to; ++i) {
        exwire::mutable_bytes out;
        int tries = 0;
        while (server.claim(message_size, out) != send_status::ok && ++tries < 100'000)
            std::this_thread::sleep_for(20us);
        ASSERT_LT(tries, 100'000);
        std::memset(out.data(), 'x', message_size);
        exwire::store_be<std::uint64_t>(out.data(), i);
        server.commit();
    }
}

/// Reads until `count` messages arrived (or 20 s); returns the problems seen.
std::vector<std::string> receive(session_handle& client, std::uint64_t first, std::uint64_t count) {
    std::vector<std::string> problems;
    std::uint64_t expected = first;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (expected < first + count && std::chrono::steady_clock::now() < deadline) {
        const polled p = client.poll([&](const inbound_record& r) {
            if (!r.is_message()) return;
            if (r.sequence != expected || r.body.size() != message_size ||
                exwire::load_be<std::uint64_t>(r.body.data()) != expected)
                problems.push_back("bad record at " + std::to_string(expected) + " (sequence " +
                                   std::to_string(r.sequence) + ")");
            ++expected;
        });
        if (p.count == 0) std::this_thread::sleep_for(100us);
    }
    if (expected != first + count)
        problems.push_back("received up to " + std::to_string(expected - 1) + " of " +
                           std::to_string(first + count - 1));
    return problems;
}

}  // namespace

TEST(journal_restart, soupbintcp_server_rehydrates_a_new_client_after_its_engine_restarts) {
    exwire::journal::testing::temp_dir dir("exwire-restart");
    protocol_registry protocols;
    exwire::engine::nasdaq::register_soupbintcp(protocols);
    constexpr std::uint64_t before = 300;
    constexpr std::uint64_t after = 200;
    {
        auto made = engine::create(soup_config(free_port(), dir.path()), protocols);
        ASSERT_TRUE(made.ok()) << made.err().message;
        auto eng = std::move(made).value();
        ASSERT_TRUE(eng->start().ok());
        session_handle server = eng->session("exchange");
        session_handle client = eng->session("trader");
        ASSERT_TRUE(wait_until([&] { return client.is_active(); }, 5000ms));
        publish(server, 1, before);
        const auto problems = receive(client, 1, before);
        EXPECT_TRUE(problems.empty()) << problems.front();
        eng->stop();
    }  // the first engine, its sessions and their journal writers are gone
    {
        auto made = engine::create(soup_config(free_port(), dir.path()), protocols);
        ASSERT_TRUE(made.ok()) << made.err().message;
        auto eng = std::move(made).value();
        ASSERT_TRUE(eng->start().ok());
        session_handle server = eng->session("exchange");
        session_handle client = eng->session("trader");
        ASSERT_TRUE(wait_until([&] { return client.is_active(); }, 5000ms));
        publish(server, before + 1, before + after);
        // Everything the first engine sent comes from the journal, then the new messages
        // continue the numbering: no gap, no duplicate.
        const auto problems = receive(client, 1, before + after);
        EXPECT_TRUE(problems.empty()) << problems.front();
        eng->stop();
    }
    // The journal holds each message once.
    auto store = journal_sequenced_store::open(dir.path() + "/exchange", {});
    ASSERT_TRUE(store.ok()) << store.err().message;
    EXPECT_EQ((*store)->next_sequence(), before + after + 1);
    EXPECT_EQ(exwire::load_be<std::uint64_t>((*store)->read(before + 1).data()), before + 1);
}

namespace {

engine_config fix_config(std::uint16_t port, const std::string& journal_dir) {
    engine_config c;
    c.name = "fix-restart";
    shard_config sh;
    sh.name = "s0";
    sh.idle = "backoff:spins=10,yields=5,min=10us,max=200us";
    c.shards.push_back(sh);
    session_config a;
    a.name = "acceptor";
    a.protocol = protocol_kind::fix;
    a.role = session_role::acceptor;
    a.listen = {"127.0.0.1", port};
    a.sender_comp_id = "EXCH";
    a.target_comp_id = "BANK";
    a.journal.dir = journal_dir;
    a.journal.segment_size = 1u << 20;
    a.outbound_ring_size = 1u << 16;
    session_config i = a;
    i.name = "initiator";
    i.role = session_role::initiator;
    i.listen = {};
    i.connect = {"127.0.0.1", port};
    i.sender_comp_id = "BANK";
    i.target_comp_id = "EXCH";
    c.sessions.push_back(a);
    c.sessions.push_back(i);
    return c;
}

exwire::bytes text_bytes(const std::string& s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

/// Sends `n` orders from the initiator; returns the MsgSeqNums the acceptor saw them with.
std::vector<std::uint64_t> trade(session_handle& ini, session_handle& acc, int n) {
    std::vector<std::uint64_t> seqs;
    for (int k = 0; k < n; ++k) {
        const std::string body = "11=ORD" + std::to_string(k) + "\x01" + "21=1\x01" + "38=100\x01" +
                                 "40=1\x01" + "54=1\x01" + "55=X\x01";
        if (!wait_until(
                [&] {
                    return ini.send(text_bytes(body), fix::fix_msg_type_tag("D")) ==
                           send_status::ok;
                },
                2000ms))
            return seqs;
    }
    const auto end = std::chrono::steady_clock::now() + 5s;
    while (static_cast<int>(seqs.size()) < n && std::chrono::steady_clock::now() < end) {
        received r = acc.receive(50ms);
        if (!r.ok() || !r.record.is_message()) continue;
        if (exwire::codec::fix::message_view(r.record.text()).msg_type() == "D")
            seqs.push_back(r.record.sequence);
    }
    return seqs;
}

}  // namespace

TEST(journal_restart, fix_sequence_numbers_survive_an_engine_restart) {
    exwire::journal::testing::temp_dir dir("exwire-fix-restart");
    protocol_registry reg;
    fix::register_fix_sessions(reg);  // no store factory: the configured journal is used
    constexpr int n = 50;
    std::uint64_t last_before = 0;
    {
        auto e = engine::create(fix_config(free_port(), dir.path()), reg);
        ASSERT_TRUE(e) << e.err().message;
        ASSERT_TRUE((*e)->start());
        session_handle acc = (*e)->session("acceptor");
        session_handle ini = (*e)->session("initiator");
        ASSERT_TRUE(wait_until([&] { return acc.is_active() && ini.is_active(); }, 5000ms));
        const auto seqs = trade(ini, acc, n);
        ASSERT_EQ(seqs.size(), static_cast<std::size_t>(n));
        EXPECT_EQ(seqs.front(), 2u);  // 1 was the Logon
        last_before = seqs.back();
        EXPECT_TRUE(ini.close(5s));
        (*e)->stop();
    }
    {
        auto e = engine::create(fix_config(free_port(), dir.path()), reg);
        ASSERT_TRUE(e) << e.err().message;
        ASSERT_TRUE((*e)->start());
        session_handle acc = (*e)->session("acceptor");
        session_handle ini = (*e)->session("initiator");
        ASSERT_TRUE(wait_until([&] { return acc.is_active() && ini.is_active(); }, 5000ms));
        const auto seqs = trade(ini, acc, 1);
        ASSERT_EQ(seqs.size(), 1u);
        // After the Logout (last_before + 1) and the new Logon (+ 2): no reset to 1.
        EXPECT_EQ(seqs.front(), last_before + 3);
        EXPECT_TRUE(ini.close(5s));
        (*e)->stop();
    }
    auto store = journal_message_store::open(dir.path() + "/initiator", {});
    ASSERT_TRUE(store.ok()) << store.err().message;
    EXPECT_EQ((*store)->next_sender_seq(), last_before + 5);  // + the second Logout
}

TEST(journal_restart, soupbintcp_server_stops_with_journal_error_when_the_journal_refuses) {
    exwire::journal::testing::temp_dir dir("exwire-refuse");
    protocol_registry protocols;
    exwire::engine::nasdaq::register_soupbintcp(protocols);
    engine_config c = soup_config(free_port(), dir.path());
    c.sessions[0].journal.segment_size = 65536;  // its largest record is below 65440 bytes
    auto made = engine::create(std::move(c), protocols);
    ASSERT_TRUE(made.ok()) << made.err().message;
    auto eng = std::move(made).value();
    ASSERT_TRUE(eng->start().ok());
    session_handle server = eng->session("exchange");
    session_handle client = eng->session("trader");
    ASSERT_TRUE(wait_until([&] { return client.is_active(); }, 5000ms));
    publish(server, 1, 1);
    const auto first = receive(client, 1, 1);
    ASSERT_TRUE(first.empty()) << first.front();
    exwire::mutable_bytes out;
    ASSERT_EQ(server.claim(65'450, out), send_status::ok);
    std::memset(out.data(), 'y', out.size());
    server.commit();
    bool reported = false;
    for (int i = 0; i < 200 && !reported; ++i) {
        received r = server.receive(20ms);
        reported = r.ok() && r.record.type == record_type::journal_error;
    }
    EXPECT_TRUE(reported);
    ASSERT_TRUE(wait_until([&] { return server.is_closed(); }, 5000ms));
    EXPECT_EQ(server.reason(), close_reason::transport_error);
    // The client never gets the message the journal refused.
    std::uint64_t messages = 0;
    for (int i = 0; i < 50; ++i) {
        (void)client.poll([&](const inbound_record& r) {
            if (!r.is_message()) return;
            ++messages;
        });
        std::this_thread::sleep_for(2ms);
    }
    EXPECT_EQ(messages, 0u);
    eng->stop();
    auto store = journal_sequenced_store::open(dir.path() + "/exchange", {});
    ASSERT_TRUE(store.ok()) << store.err().message;
    EXPECT_EQ((*store)->next_sequence(), 2u);
}
