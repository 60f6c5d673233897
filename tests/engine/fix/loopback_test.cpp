// End to end: an exwire FIX initiator and an exwire FIX acceptor in one engine, each a real
// session on a shard thread over the socket transport on 127.0.0.1 (backoff idle strategy,
// every wait bounded).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <chrono>
#include <map>
#include <string>
#include <thread>

#include <exwire/codec/fix/reader.hpp>
#include <exwire/codec/fix/values.hpp>
#include <exwire/core/clock.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/fix/engine_session.hpp>
#include "../../support/loopback.hpp"

namespace {

using exwire::test::free_port;
using exwire::test::wait_until;

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

void run_loopback(const std::string& version) {
    const auto port = free_port();
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

// A peer that stops reading: the initiator's socket refuses bytes, the session must hold
// them (and the application's ring) until the peer reads again, not drop the connection.
std::string frame(std::string body) {
    std::string head =
        "8=FIX.4.4\x01"
        "9=" +
        std::to_string(body.size()) + "\x01";
    std::string f = head + body;
    char cs[8];
    std::snprintf(cs, sizeof cs, "10=%03u\x01", exwire::codec::fix::checksum(f));
    return f + cs;
}

TEST(fix_loopback, initiator_holds_frames_while_the_peer_stops_reading) {
    const int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(lfd, 0);
    const int small = 4096;
    ASSERT_EQ(::setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len), 0);
    ASSERT_EQ(::listen(lfd, 1), 0);
    const auto port = ntohs(a.sin_port);

    engine_config c = loopback_config(port, "FIX.4.4");
    c.sessions.erase(c.sessions.begin());  // the initiator only
    c.sessions[0].outbound_ring_size = 1u << 16;
    c.sessions[0].heartbeat.interval_ns = 30'000'000'000LL;  // the silent peer sends none
    protocol_registry reg;
    fix::register_fix_sessions(reg);
    auto e = engine::create(c, reg);
    ASSERT_TRUE(e) << e.err().message;
    ASSERT_TRUE((*e)->start());
    session_handle ini = (*e)->session("initiator");

    const int fd = ::accept(lfd, nullptr, nullptr);
    ASSERT_GE(fd, 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string in;
    char buf[65536];
    while (in.find("\x01"
                   "10=") == std::string::npos) {
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        ASSERT_GT(n, 0);
        in.append(buf, static_cast<std::size_t>(n));
    }
    char ts[32];
    const std::string t(ts, exwire::codec::fix::format_utc_timestamp(ts, exwire::wall_ns(), 3));
    const std::string logon = frame(
        "35=A\x01"
        "34=1\x01"
        "49=EXCH\x01"
        "52=" +
        t +
        "\x01"
        "56=BANK\x01"
        "98=0\x01"
        "108=30\x01");
    ASSERT_EQ(::send(fd, logon.data(), logon.size(), 0), static_cast<ssize_t>(logon.size()));
    ASSERT_TRUE(wait_until([&] { return ini.is_active(); }, 5000ms));

    // Far more than the socket buffers hold, while the peer reads nothing.
    constexpr int n = 200000;
    int sent = 0;
    const auto end = std::chrono::steady_clock::now() + 3s;
    while (sent < n && std::chrono::steady_clock::now() < end) {
        const std::string body = "11=ORD" + std::to_string(sent) +
                                 "\x01"
                                 "54=1\x01"
                                 "55=X\x01";
        if (ini.send(as_bytes(body), fix::fix_msg_type_tag("D")) == send_status::ok)
            ++sent;
        else
            std::this_thread::sleep_for(100us);
    }
    EXPECT_LT(sent, n);  // the ring filled: the application felt the backpressure
    if (!ini.is_active()) {
        for (int i = 0; i < 100; ++i) {
            received r = ini.receive_nowait();
            if (!r.ok()) break;
            std::printf("record %s %.*s\n", std::string(to_string(r.record.type)).c_str(),
                        static_cast<int>(r.record.text().size()), r.record.text().data());
        }
    }
    ASSERT_TRUE(ini.is_active()) << "closed: " << to_string(ini.reason()) << " after " << sent;

    // The peer reads again: every order arrives, in order, and the rest can be sent.
    int got = 0;
    std::size_t pos = 0;
    const auto end2 = std::chrono::steady_clock::now() + 20s;
    while (got < n && std::chrono::steady_clock::now() < end2) {
        while (sent < n) {
            const std::string body = "11=ORD" + std::to_string(sent) +
                                     "\x01"
                                     "54=1\x01"
                                     "55=X\x01";
            if (ini.send(as_bytes(body), fix::fix_msg_type_tag("D")) != send_status::ok) break;
            ++sent;
        }
        const auto k = ::recv(fd, buf, sizeof buf, 0);
        if (k <= 0) break;
        in.append(buf, static_cast<std::size_t>(k));
        for (auto p = in.find("\x01"
                              "35=D\x01",
                              pos);
             p != std::string::npos; p = in.find("\x01"
                                                 "35=D\x01",
                                                 pos)) {
            const auto cl = in.find(
                "\x01"
                "11=",
                p);
            const auto cl_end = in.find('\x01', cl + 1);
            if (cl == std::string::npos || cl_end == std::string::npos) break;
            ASSERT_EQ(in.substr(cl + 4, cl_end - cl - 4), "ORD" + std::to_string(got));
            ++got;
            pos = cl_end;
        }
    }
    EXPECT_EQ(got, n);
    EXPECT_TRUE(ini.is_active());
    (*e)->stop();
    ::close(fd);
    ::close(lfd);
}

// The customize hook sets a credentials handler on the acceptor and Username/Password on
// the initiator's Logon: right ones log on, wrong ones are refused with a Logout.
void run_credentials(const std::string& password, bool expect_logon) {
    const auto port = free_port();
    fix::fix_session_options options;
    options.customize = [&](const session_config& sc, fix::session_settings& s) {
        if (sc.role == session_role::acceptor)
            s.credentials = [](const exwire::codec::fix::message_view& m) {
                return m.get(553) == "bank" && m.get(554) == "secret";
            };
        else
            s.logon_fields =
                "553=bank\x01"
                "554=" +
                password + "\x01";
    };
    protocol_registry reg;
    fix::register_fix_sessions(reg, options);
    auto e = engine::create(loopback_config(port, "FIX.4.4"), reg);
    ASSERT_TRUE(e) << e.err().message;
    ASSERT_TRUE((*e)->start());
    session_handle acc = (*e)->session("acceptor");
    session_handle ini = (*e)->session("initiator");
    if (expect_logon) {
        EXPECT_TRUE(wait_until([&] { return acc.is_active() && ini.is_active(); }, 5000ms));
    } else {
        EXPECT_TRUE(wait_until([&] { return ini.is_closed(); }, 5000ms));
        EXPECT_FALSE(acc.is_active());
        EXPECT_FALSE(acc.is_closed());  // the acceptor keeps listening
    }
    (*e)->stop();
}

TEST(fix_loopback, acceptor_credentials_handler_admits_the_right_password) {
    run_credentials("secret", true);
}

TEST(fix_loopback, acceptor_credentials_handler_refuses_a_wrong_password) {
    run_credentials("guess", false);
}

// Scenario 1b: while BANK is logged on, a second connection logs on as BANK too. It is
// closed without an answer (the engine session holds one connection at a time) and the
// first session goes on trading.
TEST(fix_loopback, second_logon_of_a_logged_on_identity_is_refused_and_the_first_goes_on) {
    const auto port = free_port();
    protocol_registry reg;
    fix::register_fix_sessions(reg);
    auto e = engine::create(loopback_config(port, "FIX.4.4"), reg);
    ASSERT_TRUE(e) << e.err().message;
    ASSERT_TRUE((*e)->start());
    session_handle acc = (*e)->session("acceptor");
    session_handle ini = (*e)->session("initiator");
    ASSERT_TRUE(wait_until([&] { return acc.is_active() && ini.is_active(); }, 5000ms));

    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    char ts[32];
    const std::string t(ts, exwire::codec::fix::format_utc_timestamp(ts, exwire::wall_ns(), 3));
    const std::string logon = frame(
        "35=A\x01"
        "34=1\x01"
        "49=BANK\x01"
        "52=" +
        t +
        "\x01"
        "56=EXCH\x01"
        "98=0\x01"
        "108=30\x01");
    (void)::send(fd, logon.data(), logon.size(), MSG_NOSIGNAL);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    std::string answer;
    for (;;) {  // until the acceptor closes the connection (or the 5 s timeout)
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            EXPECT_EQ(n, 0) << "connection not closed by the acceptor";
            break;
        }
        answer.append(buf, static_cast<std::size_t>(n));
    }
    EXPECT_EQ(answer, "");  // no Logon answer, nothing at all
    ::close(fd);

    // The first session is untouched: an order still goes through.
    EXPECT_TRUE(acc.is_active());
    EXPECT_TRUE(ini.is_active());
    const std::string body =
        "11=AFTER\x01"
        "21=1\x01"
        "38=100\x01"
        "40=1\x01"
        "54=1\x01"
        "55=X\x01";
    ASSERT_EQ(ini.send(as_bytes(body), fix::fix_msg_type_tag("D")), send_status::ok);
    bool seen = false;
    const auto end = std::chrono::steady_clock::now() + 5s;
    while (!seen && std::chrono::steady_clock::now() < end) {
        received r = acc.receive(50ms);
        if (r.ok() && r.record.is_message())
            seen = exwire::codec::fix::message_view(r.record.text()).get(11) == "AFTER";
    }
    EXPECT_TRUE(seen);
    (*e)->stop();
}

// A slow application: the acceptor's inbound ring (4 KiB) fills long before the initiator
// stops sending. The acceptor session holds what it already read and stops reading; every
// order still reaches the application, in order, and nothing is counted as dropped.
TEST(fix_loopback, slow_application_loses_no_message_when_its_ring_is_full) {
    const auto port = free_port();
    engine_config c = loopback_config(port, "FIX.4.4");
    c.sessions[0].inbound_ring_size = 4096;
    protocol_registry reg;
    fix::register_fix_sessions(reg);
    auto e = engine::create(c, reg);
    ASSERT_TRUE(e) << e.err().message;
    ASSERT_TRUE((*e)->start());
    session_handle acc = (*e)->session("acceptor");
    session_handle ini = (*e)->session("initiator");
    ASSERT_TRUE(wait_until([&] { return acc.is_active() && ini.is_active(); }, 5000ms));
    // The connected and logged_in records first, so the ring holds messages only.
    for (int i = 0; i < 2; ++i)
        ASSERT_TRUE(acc.receive(1s).ok());

    constexpr int n = 3000;  // about 300 KiB of frames: 75 rings' worth
    int sent = 0;
    const auto end = std::chrono::steady_clock::now() + 5s;
    while (sent < n && std::chrono::steady_clock::now() < end) {
        const std::string body = "11=ORD" + std::to_string(sent) +
                                 "\x01"
                                 "21=1\x01"
                                 "38=100\x01"
                                 "40=1\x01"
                                 "54=1\x01"
                                 "55=X\x01";
        if (ini.send(as_bytes(body), fix::fix_msg_type_tag("D")) == send_status::ok)
            ++sent;
        else
            std::this_thread::sleep_for(100us);
    }
    ASSERT_EQ(sent, n);
    std::this_thread::sleep_for(200ms);  // the application is busy elsewhere

    int got = 0;
    const auto end2 = std::chrono::steady_clock::now() + 10s;
    while (got < n && std::chrono::steady_clock::now() < end2) {
        received r = acc.receive(50ms);
        if (!r.ok() || !r.record.is_message()) continue;
        const exwire::codec::fix::message_view m(r.record.text());
        ASSERT_EQ(m.get(11), "ORD" + std::to_string(got));
        ++got;
        if (got % 500 == 0) std::this_thread::sleep_for(20ms);  // and slow while reading
    }
    EXPECT_EQ(got, n);
    EXPECT_EQ(acc.channel()->counters.get(counter::records_dropped), 0u);
    EXPECT_TRUE(acc.is_active());
    EXPECT_TRUE(ini.is_active());
    (*e)->stop();
}

// Issue 8: sessions identified by (BeginString, SenderCompID, TargetCompID) behind one
// acceptor port. Two acceptors (EXCH<-BANK, EXCH<-FUND) listen on the same address; each
// initiator's Logon routes its connection to the acceptor with its identity. An unknown
// identity and a second Logon of a logged-on identity are closed without an answer.
engine_config shared_port_config(std::uint16_t port) {
    engine_config c = loopback_config(port, "FIX.4.4");
    session_config acc_b = c.sessions[0];
    acc_b.name = "acceptor-fund";
    acc_b.target_comp_id = "FUND";
    session_config ini_b = c.sessions[1];
    ini_b.name = "initiator-fund";
    ini_b.sender_comp_id = "FUND";
    c.sessions.push_back(acc_b);
    c.sessions.push_back(ini_b);
    return c;
}

/// Connects to `port`, sends a Logon from `sender` and returns what came back until the
/// acceptor closed the connection (or 5 s).
std::string logon_and_read(std::uint16_t port, const std::string& sender,
                           const std::string& sub_ids = {}) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return "socket failed";
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        return "connect failed";
    }
    char ts[32];
    const std::string t(ts, exwire::codec::fix::format_utc_timestamp(ts, exwire::wall_ns(), 3));
    const std::string logon = frame(
        "35=A\x01"
        "34=1\x01"
        "49=" +
        sender +
        "\x01"
        "52=" +
        t +
        "\x01"
        "56=EXCH\x01" +
        sub_ids +
        "98=0\x01"
        "108=30\x01");
    (void)::send(fd, logon.data(), logon.size(), MSG_NOSIGNAL);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string answer;
    char buf[4096];
    for (;;) {
        const auto n = ::recv(fd, buf, sizeof buf, 0);
        if (n < 0) answer += "<not closed>";
        if (n <= 0) break;
        answer.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return answer;
}

TEST(fix_loopback, acceptor_port_shared_by_two_identities_routes_each_logon_to_its_session) {
    const auto port = free_port();
    engine_config c = shared_port_config(port);
    ASSERT_TRUE(validate(c)) << validate(c).err().message;
    protocol_registry reg;
    fix::register_fix_sessions(reg);
    auto e = engine::create(c, reg);
    ASSERT_TRUE(e) << e.err().message;
    ASSERT_TRUE((*e)->start());
    session_handle acc_bank = (*e)->session("acceptor");
    session_handle ini_bank = (*e)->session("initiator");
    session_handle acc_fund = (*e)->session("acceptor-fund");
    session_handle ini_fund = (*e)->session("initiator-fund");
    ASSERT_TRUE(wait_until(
        [&] {
            return acc_bank.is_active() && ini_bank.is_active() && acc_fund.is_active() &&
                   ini_fund.is_active();
        },
        5000ms));

    // Each order reaches the acceptor of its sender only.
    auto order = [](const std::string& id) {
        return "11=" + id +
               "\x01"
               "21=1\x01"
               "38=100\x01"
               "40=1\x01"
               "54=1\x01"
               "55=X\x01";
    };
    ASSERT_EQ(ini_bank.send(as_bytes(order("B1")), fix::fix_msg_type_tag("D")), send_status::ok);
    ASSERT_EQ(ini_fund.send(as_bytes(order("F1")), fix::fix_msg_type_tag("D")), send_status::ok);
    auto next_order = [](session_handle& h) -> std::string {
        const auto end = std::chrono::steady_clock::now() + 5s;
        while (std::chrono::steady_clock::now() < end) {
            received r = h.receive(50ms);
            if (!r.ok() || !r.record.is_message()) continue;
            const exwire::codec::fix::message_view m(r.record.text());
            return std::string(m.get(49)) + ":" + std::string(m.get(11));
        }
        return "none";
    };
    EXPECT_EQ(next_order(acc_bank), "BANK:B1");
    EXPECT_EQ(next_order(acc_fund), "FUND:F1");

    // An unknown identity, and a second BANK while BANK is logged on: closed, no answer.
    EXPECT_EQ(logon_and_read(port, "OTHER"), "");
    EXPECT_EQ(logon_and_read(port, "BANK"), "");
    EXPECT_TRUE(acc_bank.is_active());
    EXPECT_TRUE(acc_fund.is_active());
    ASSERT_EQ(ini_bank.send(as_bytes(order("B2")), fix::fix_msg_type_tag("D")), send_status::ok);
    EXPECT_EQ(next_order(acc_bank), "BANK:B2");

    // FUND logs out; the BANK session behind the same port goes on.
    EXPECT_TRUE(ini_fund.close(5s));
    EXPECT_TRUE(wait_until([&] { return !acc_fund.is_active(); }, 5000ms));
    EXPECT_TRUE(acc_bank.is_active());
    (*e)->stop();
}

TEST(fix_loopback, configuration_lets_fix_acceptors_share_a_port_only_with_distinct_identities) {
    engine_config ok = shared_port_config(30111);
    EXPECT_TRUE(validate(ok));
    engine_config same = shared_port_config(30111);
    same.sessions[2].target_comp_id = "BANK";  // a second EXCH<-BANK on the port
    auto r = validate(same);
    ASSERT_FALSE(r);
    EXPECT_NE(r.err().message.find("same identity"), std::string::npos) << r.err().message;
    engine_config other_shard = shared_port_config(30111);
    shard_config s1;
    s1.name = "s1";
    s1.idle = other_shard.shards[0].idle;
    other_shard.shards.push_back(s1);
    other_shard.sessions[2].shard = "s1";  // sharing needs one shard
    EXPECT_FALSE(validate(other_shard));
}

// Sub IDs in the routing identity: two acceptors EXCH<-BANK on one port that differ only
// in the sub IDs they expect (the peer's SenderSubID 50 and TargetSubID 57), and one that
// names none. Each initiator's Logon goes to the matching acceptor that names the most;
// a Logon from a desk no acceptor names goes to the generic one (answered without sub IDs),
// every message carries the sub IDs both ways.
TEST(fix_loopback, acceptor_port_routes_logons_by_sub_ids_to_the_most_specific_session) {
    const auto port = free_port();
    engine_config c = loopback_config(port, "FIX.4.4");
    c.sessions.clear();
    auto acceptor = [&](const std::string& name, const std::string& desk) {
        session_config a = loopback_config(port, "FIX.4.4").sessions[0];
        a.name = name;
        a.fix.target_sub_id = desk;
        a.fix.sender_sub_id = desk.empty() ? "" : "MATCH";
        c.sessions.push_back(a);
    };
    auto initiator = [&](const std::string& name, const std::string& desk) {
        session_config i = loopback_config(port, "FIX.4.4").sessions[1];
        i.name = name;
        i.fix.sender_sub_id = desk;
        i.fix.target_sub_id = "MATCH";
        c.sessions.push_back(i);
    };
    acceptor("acc-desk1", "DESK1");
    acceptor("acc-desk2", "DESK2");
    acceptor("acc-any", "");
    initiator("ini-desk2", "DESK2");
    initiator("ini-desk1", "DESK1");
    ASSERT_TRUE(validate(c)) << validate(c).err().message;
    protocol_registry reg;
    fix::register_fix_sessions(reg);
    auto e = engine::create(c, reg);
    ASSERT_TRUE(e) << e.err().message;
    ASSERT_TRUE((*e)->start());
    session_handle acc1 = (*e)->session("acc-desk1");
    session_handle acc2 = (*e)->session("acc-desk2");
    session_handle any = (*e)->session("acc-any");
    session_handle ini1 = (*e)->session("ini-desk1");
    session_handle ini2 = (*e)->session("ini-desk2");
    ASSERT_TRUE(wait_until(
        [&] {
            return acc1.is_active() && acc2.is_active() && ini1.is_active() && ini2.is_active();
        },
        5000ms));
    EXPECT_FALSE(any.is_active());  // both Logons went to the acceptors naming their desks

    auto order = [](const std::string& id) {
        return "11=" + id +
               "\x01"
               "21=1\x01"
               "38=100\x01"
               "40=1\x01"
               "54=1\x01"
               "55=X\x01";
    };
    ASSERT_EQ(ini1.send(as_bytes(order("A1")), fix::fix_msg_type_tag("D")), send_status::ok);
    ASSERT_EQ(ini2.send(as_bytes(order("B1")), fix::fix_msg_type_tag("D")), send_status::ok);
    auto next_order = [](session_handle& h) -> std::string {
        const auto end = std::chrono::steady_clock::now() + 5s;
        while (std::chrono::steady_clock::now() < end) {
            received r = h.receive(50ms);
            if (!r.ok() || !r.record.is_message()) continue;
            const exwire::codec::fix::message_view m(r.record.text());
            return std::string(m.get(50)) + ">" + std::string(m.get(57)) + ":" +
                   std::string(m.get(11));
        }
        return "none";
    };
    EXPECT_EQ(next_order(acc1), "DESK1>MATCH:A1");
    EXPECT_EQ(next_order(acc2), "DESK2>MATCH:B1");
    // And back: the report carries the acceptor's sub IDs, mirrored.
    ASSERT_EQ(acc1.send(as_bytes("6=0\x01"
                                 "11=A1\x01"
                                 "14=0\x01"
                                 "17=1\x01"
                                 "37=1\x01"
                                 "39=0\x01"
                                 "54=1\x01"
                                 "55=X\x01"
                                 "150=0\x01"
                                 "151=0\x01"),
                        fix::fix_msg_type_tag("8")),
              send_status::ok);
    EXPECT_EQ(next_order(ini1), "MATCH>DESK1:A1");

    // DESK3 is named by no acceptor: the generic one (no sub IDs) takes it, answering
    // without sub IDs. A second DESK1 Logon is closed unanswered (its session has one).
    const std::string desk3 = logon_and_read(port, "BANK",
                                             "50=DESK3\x01"
                                             "57=MATCH\x01");
    EXPECT_NE(desk3.find("35=A\x01"), std::string::npos) << desk3;
    EXPECT_EQ(desk3.find("50="), std::string::npos) << desk3;
    EXPECT_EQ(logon_and_read(port, "BANK",
                             "50=DESK1\x01"
                             "57=MATCH\x01"),
              "");
    EXPECT_TRUE(acc1.is_active());
    EXPECT_TRUE(acc2.is_active());
    (*e)->stop();
}

TEST(fix_loopback, configuration_lets_fix_acceptors_share_a_port_when_only_sub_ids_differ) {
    engine_config c = loopback_config(30112, "FIX.4.4");
    session_config a = c.sessions[0];
    a.name = "acceptor-desk2";
    c.sessions[0].fix.target_sub_id = "DESK1";
    a.fix.target_sub_id = "DESK2";
    c.sessions.push_back(a);
    EXPECT_TRUE(validate(c)) << validate(c).err().message;
    c.sessions.back().fix.target_sub_id = "DESK1";  // the same identity twice
    auto r = validate(c);
    ASSERT_FALSE(r);
    EXPECT_NE(r.err().message.find("same identity"), std::string::npos) << r.err().message;
    c.sessions.back().fix.target_location_id = "NY";  // differs by a location ID
    EXPECT_TRUE(validate(c));
}

}  // namespace
