// End to end: an exwire FIX initiator and an exwire FIX acceptor in one engine, each a real
// session on a shard thread over the socket transport on 127.0.0.1 (backoff idle strategy,
// every wait bounded).
#include <gtest/gtest.h>

#include <unistd.h>
#include <chrono>
#include <map>
#include <string>
#include <thread>

#include <exwire/codec/fix/reader.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/fix/engine_session.hpp>

namespace {

using namespace exwire::engine;
using namespace std::chrono_literals;

exwire::bytes as_bytes(const std::string& s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

engine_config loopback_config(std::uint16_t port, const std::string& version) {
    engine_config c;
    c.name = "fix-loopback";
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
    a.fix_version = version;
    a.journal.dir.clear();
    a.inbound_ring_size = 1u << 20;
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

bool wait_until(auto pred, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

void run_loopback(const std::string& version) {
    const auto port = static_cast<std::uint16_t>(20000 + (::getpid() * 7 + version.size()) % 20000);
    // Stores come from the factory hook (where a journal-backed store plugs in); keep
    // pointers to check them once the shard has stopped.
    std::map<std::string, fix::memory_store*> stores;
    fix::fix_session_options options;
    options.make_store = [&](const session_config& sc) {
        auto st = std::make_unique<fix::memory_store>();
        stores[sc.name] = st.get();
        return std::unique_ptr<fix::message_store>(std::move(st));
    };
    protocol_registry reg;
    fix::register_fix_sessions(reg, options);
    auto e = engine::create(loopback_config(port, version), reg);
    ASSERT_TRUE(e) << e.err().message;
    auto started = (*e)->start();
    ASSERT_TRUE(started) << started.err().message;
    session_handle acc = (*e)->session("acceptor");
    session_handle ini = (*e)->session("initiator");
    ASSERT_TRUE(wait_until([&] { return acc.is_active() && ini.is_active(); }, 5000ms));

    constexpr int n = 200;
    for (int k = 0; k < n; ++k) {
        const std::string body = "11=ORD" + std::to_string(k) +
                                 "\x01"
                                 "21=1\x01"
                                 "38=100\x01"
                                 "40=1\x01"
                                 "54=1\x01"
                                 "55=X\x01";
        ASSERT_TRUE(wait_until(
            [&] { return ini.send(as_bytes(body), fix::fix_msg_type_tag("D")) == send_status::ok; },
            2000ms));
    }
    int got = 0;
    std::uint64_t last_seq = 0;
    const auto end = std::chrono::steady_clock::now() + 5s;
    while (got < n && std::chrono::steady_clock::now() < end) {
        received r = acc.receive(50ms);
        if (!r.ok() || !r.record.is_message()) continue;
        const exwire::codec::fix::message_view m(r.record.text());
        ASSERT_EQ(m.msg_type(), "D");
        ASSERT_EQ(m.get(11), "ORD" + std::to_string(got));
        ASSERT_EQ(m.begin_string(), version);
        EXPECT_GT(r.record.sequence, last_seq);
        last_seq = r.record.sequence;
        ++got;
    }
    EXPECT_EQ(got, n);
    EXPECT_EQ(last_seq, static_cast<std::uint64_t>(n) + 1);  // 1 was the Logon

    const std::string report =
        "37=1\x01"
        "17=1\x01"
        "150=0\x01"
        "39=0\x01"
        "55=X\x01"
        "54=1\x01";
    ASSERT_EQ(acc.send(as_bytes(report), fix::fix_msg_type_tag("8")), send_status::ok);
    bool report_seen = false;
    const auto end2 = std::chrono::steady_clock::now() + 5s;
    while (!report_seen && std::chrono::steady_clock::now() < end2) {
        received r = ini.receive(50ms);
        if (r.ok() && r.record.is_message())
            report_seen = exwire::codec::fix::message_view(r.record.text()).msg_type() == "8";
    }
    EXPECT_TRUE(report_seen);

    // Logout handshake: the initiator closes; the acceptor answers and stays listening.
    EXPECT_TRUE(ini.close(5s));
    EXPECT_EQ(ini.reason(), close_reason::requested);
    EXPECT_TRUE(wait_until([&] { return !acc.is_active(); }, 5000ms));
    EXPECT_FALSE(acc.is_closed());
    (*e)->stop();
    // Acceptor: received Logon, n orders and the Logout; sent Logon, report, Logout.
    ASSERT_EQ(stores.size(), 2u);
    EXPECT_EQ(stores["acceptor"]->next_target_seq(), static_cast<std::uint64_t>(n) + 3);
    EXPECT_EQ(stores["acceptor"]->next_sender_seq(), 4u);
    EXPECT_EQ(stores["acceptor"]->size(), 3u);
    EXPECT_EQ(stores["initiator"]->next_sender_seq(), static_cast<std::uint64_t>(n) + 3);
}

TEST(fix_loopback, initiator_and_acceptor_exchange_orders_and_log_out_fix44) {
    run_loopback("FIX.4.4");
}

TEST(fix_loopback, initiator_and_acceptor_exchange_orders_and_log_out_fixt11) {
    run_loopback("FIXT.1.1");
}

}  // namespace
