// Interop: an exwire FIX initiator (engine session on a shard, socket transport) against a
// QuickFIX 1.15 acceptor validating with its data dictionary, over 127.0.0.1 (QuickFIX
// binds all interfaces; the traffic stays on loopback). Every wait is bounded.
#include <gtest/gtest.h>

#include <unistd.h>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include <exwire/codec/fix/reader.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/fix/engine_session.hpp>

#include "quickfix_peers.hpp"

namespace {

using namespace exwire::engine;
using namespace std::chrono_literals;

bool wait_until(auto pred, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

void initiator_against_quickfix_acceptor(const std::string& version, int port_offset) {
    const char* dir = std::getenv("EXWIRE_FIX_DICTIONARIES");
    if (dir == nullptr) GTEST_SKIP() << "EXWIRE_FIX_DICTIONARIES not set";
    const int port = 40000 + static_cast<int>((::getpid() + port_offset) % 20000);
    std::string error;
    auto qf = exwire_test::quickfix_acceptor::start(port, version, std::string(dir) + "/FIX44.xml",
                                                    error);
    ASSERT_TRUE(qf) << error;

    engine_config c;
    c.name = "fix-interop";
    shard_config sh;
    sh.name = "s0";
    sh.idle = "backoff:spins=10,yields=5,min=10us,max=200us";
    c.shards.push_back(sh);
    session_config s;
    s.name = "bank";
    s.protocol = protocol_kind::fix;
    s.role = session_role::initiator;
    s.connect = {"127.0.0.1", static_cast<std::uint16_t>(port)};
    s.sender_comp_id = "BANK";
    s.target_comp_id = "EXCH";
    s.fix_version = version;
    s.journal.dir.clear();
    s.heartbeat.interval_ns = 30'000'000'000;
    c.sessions.push_back(s);
    protocol_registry reg;
    fix::register_fix_sessions(reg);
    auto e = engine::create(c, reg);
    ASSERT_TRUE(e) << e.err().message;
    ASSERT_TRUE((*e)->start());
    session_handle h = (*e)->session("bank");
    ASSERT_TRUE(wait_until([&] { return h.is_active(); }, 5000ms)) << "no logon";
    EXPECT_TRUE(wait_until([&] { return qf->logons() == 1; }, 2000ms));

    // Sends orders first..last-1 and takes their reports, which must come in order.
    bool gap_detected = false;
    bool gap_filled = false;
    auto trade = [&](int first, int last) {
        int sent = first;
        int reports = first;
        const auto end = std::chrono::steady_clock::now() + 20s;
        while (reports < last && std::chrono::steady_clock::now() < end) {
            if (sent < last) {
                const std::string body = "11=ORD" + std::to_string(sent) +
                                         "\x01"
                                         "21=1\x01"
                                         "38=100\x01"
                                         "40=1\x01"
                                         "54=1\x01"
                                         "55=INTC\x01"
                                         "60=20261121-20:00:00\x01";
                const exwire::bytes b(reinterpret_cast<const std::byte*>(body.data()), body.size());
                if (h.send(b, fix::fix_msg_type_tag("D")) == send_status::ok) ++sent;
            }
            received r = h.receive(sent < last ? 0ms : 50ms);
            if (!r.ok()) continue;
            if (r.record.type == record_type::gap_detected) gap_detected = true;
            if (r.record.type == record_type::gap_filled) gap_filled = true;
            if (!r.record.is_message()) continue;
            const exwire::codec::fix::message_view m(r.record.text());
            EXPECT_EQ(m.msg_type(), "8") << r.record.text();
            EXPECT_EQ(m.get(11), "ORD" + std::to_string(reports));
            ++reports;
        }
        return reports - first;
    };
    constexpr int n = 500;
    EXPECT_EQ(trade(0, n), n);
    EXPECT_EQ(qf->orders(), n);

    // QuickFIX skips 5 sequence numbers; its next report reveals the gap, exwire sends a
    // ResendRequest, QuickFIX fills it (SequenceReset-GapFill) and trading goes on.
    qf->skip_sender_seq(5);
    const std::string probe =
        "11=PROBE\x01"
        "21=1\x01"
        "38=100\x01"
        "40=1\x01"
        "54=1\x01"
        "55=INTC\x01"
        "60=20261121-20:00:00\x01";
    ASSERT_EQ(h.send(exwire::bytes(reinterpret_cast<const std::byte*>(probe.data()), probe.size()),
                     fix::fix_msg_type_tag("D")),
              send_status::ok);
    const auto end = std::chrono::steady_clock::now() + 5s;
    while (!gap_filled && std::chrono::steady_clock::now() < end) {
        received r = h.receive(50ms);
        if (!r.ok()) continue;
        if (r.record.type == record_type::gap_detected) gap_detected = true;
        if (r.record.type == record_type::gap_filled) gap_filled = true;
        // The probe's report is either resent or covered by QuickFIX's gap fill.
        if (r.record.is_message()) {
            EXPECT_EQ(exwire::codec::fix::message_view(r.record.text()).get(11), "PROBE");
        }
    }
    EXPECT_TRUE(gap_detected);
    EXPECT_TRUE(gap_filled);
    EXPECT_EQ(trade(n, 2 * n), n);
    EXPECT_EQ(qf->orders(), 2 * n + 1);
    EXPECT_EQ(qf->rejects(), 0);

    EXPECT_TRUE(h.close(5s));  // logout handshake with QuickFIX
    EXPECT_EQ(h.reason(), close_reason::requested);
    EXPECT_TRUE(wait_until([&] { return qf->logouts() == 1; }, 3000ms));
    (*e)->stop();
    qf->stop();
}

TEST(fix_interop, exwire_initiator_trades_with_quickfix_acceptor_fix44) {
    initiator_against_quickfix_acceptor("FIX.4.4", 0);
}

TEST(fix_interop, exwire_initiator_trades_with_quickfix_acceptor_fixt11_fix50sp2) {
    initiator_against_quickfix_acceptor("FIXT.1.1", 3);
}

TEST(fix_interop, quickfix_initiator_trades_with_exwire_acceptor_fix44) {
    const char* dir = std::getenv("EXWIRE_FIX_DICTIONARIES");
    if (dir == nullptr) GTEST_SKIP() << "EXWIRE_FIX_DICTIONARIES not set";
    const int port = 40000 + static_cast<int>((::getpid() + 7) % 20000);

    engine_config c;
    c.name = "fix-interop-acceptor";
    shard_config sh;
    sh.name = "s0";
    sh.idle = "backoff:spins=10,yields=5,min=10us,max=200us";
    c.shards.push_back(sh);
    session_config s;
    s.name = "exch";
    s.protocol = protocol_kind::fix;
    s.role = session_role::acceptor;
    s.listen = {"127.0.0.1", static_cast<std::uint16_t>(port)};
    s.sender_comp_id = "EXCH";
    s.target_comp_id = "BANK";
    s.fix_version = "FIX.4.4";
    s.journal.dir.clear();
    c.sessions.push_back(s);
    protocol_registry reg;
    fix::register_fix_sessions(reg);
    auto e = engine::create(c, reg);
    ASSERT_TRUE(e) << e.err().message;
    ASSERT_TRUE((*e)->start());
    session_handle h = (*e)->session("exch");

    std::string error;
    auto qf = exwire_test::quickfix_initiator::start(port, "FIX.4.4",
                                                     std::string(dir) + "/FIX44.xml", error);
    ASSERT_TRUE(qf) << error;
    ASSERT_TRUE(wait_until([&] { return h.is_active() && qf->logons() == 1; }, 5000ms));

    // QuickFIX sends orders; the exwire side answers each with an ExecutionReport.
    constexpr int n = 1000;
    int sent = 0;
    int answered = 0;
    const auto end = std::chrono::steady_clock::now() + 20s;
    while (qf->reports() < n && std::chrono::steady_clock::now() < end) {
        if (sent < n && qf->send_order(sent)) ++sent;
        received r = h.receive(sent < n ? 0ms : 10ms);
        if (!r.ok() || !r.record.is_message()) continue;
        const exwire::codec::fix::message_view m(r.record.text());
        ASSERT_EQ(m.msg_type(), "D");
        ASSERT_EQ(m.get(11), "ORD" + std::to_string(answered));
        const std::string report =
            "6=0\x01"
            "11=" +
            std::string(m.get(11)) +
            "\x01"
            "14=0\x01"
            "17=" +
            std::to_string(answered) +
            "\x01"
            "37=" +
            std::to_string(answered) +
            "\x01"
            "39=0\x01"
            "54=1\x01"
            "55=INTC\x01"
            "150=0\x01"
            "151=0\x01";
        ASSERT_TRUE(wait_until(
            [&] {
                return h.send(exwire::bytes(reinterpret_cast<const std::byte*>(report.data()),
                                            report.size()),
                              fix::fix_msg_type_tag("8")) == send_status::ok;
            },
            2000ms));
        ++answered;
    }
    EXPECT_EQ(answered, n);
    EXPECT_EQ(qf->reports(), n);
    EXPECT_EQ(qf->out_of_order(), 0);
    EXPECT_EQ(qf->rejects(), 0);

    qf->stop();  // QuickFIX logs out; exwire answers and keeps listening
    EXPECT_EQ(qf->logouts(), 1);
    EXPECT_TRUE(wait_until([&] { return !h.is_active(); }, 3000ms));
    EXPECT_FALSE(h.is_closed());
    (*e)->stop();
}

}  // namespace
