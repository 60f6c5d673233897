// MoldUDP64 with journals, end to end over loopback UDP on real shards (sleeping backoff):
//  - the publisher's messages live in its journal (restart continues the numbering) and a
//    receiver with a journal records what it receives, resuming after a restart;
//  - a publisher whose transport drops every 100th datagram it is asked to send (1%): the
//    receiver recovers everything through retransmission requests, and what it delivered is
//    byte-identical to the publisher's journal.
// Bounded in count and time.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <exwire/engine/engine.hpp>
#include <exwire/engine/journal_store.hpp>
#include <exwire/engine/nasdaq/moldudp64_engine.hpp>
#include <exwire/transport/socket_transport.hpp>
#include "../../support/loopback.hpp"

using namespace exwire::engine;
using namespace std::chrono_literals;
namespace tp = exwire::transport;

namespace {

using exwire::test::free_udp_port;

transport_kind test_transport() {
    const char* t = std::getenv("EXWIRE_TEST_TRANSPORT");
    return t != nullptr && std::string_view(t) == "io_uring" ? transport_kind::io_uring
                                                             : transport_kind::socket;
}

struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        char name[] = "/tmp/exwire-mold-journal-XXXXXX";
        EXPECT_NE(::mkdtemp(name), nullptr);
        path = name;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

struct ports {
    std::uint16_t feed = free_udp_port();
    std::uint16_t requests = free_udp_port();
};

engine_config mold_config(const ports& p, const std::string& pub_journal,
                          const std::string& rx_journal) {
    engine_config c;
    c.name = "mold-journal";
    for (const char* name : {"pub_shard", "rx_shard"}) {
        shard_config sh;
        sh.name = name;
        sh.idle = "backoff:spins=10,yields=5,min=10us,max=200us";
        sh.transport = test_transport();
        c.shards.push_back(sh);
    }
    session_config pub;
    pub.name = "feed";
    pub.protocol = protocol_kind::moldudp64;
    pub.role = session_role::publisher;
    pub.shard = "pub_shard";
    pub.group = {"127.0.0.1", p.feed};
    pub.listen = {"127.0.0.1", p.requests};
    pub.requested_session = "TEST";
    pub.heartbeat.interval_ns = 200'000'000;
    pub.heartbeat.tolerated_misses = 10;  // answers requests for 2 s after End of Session
    pub.journal.dir = pub_journal;
    c.sessions.push_back(pub);
    session_config rx;
    rx.name = "feed-rx";
    rx.protocol = protocol_kind::moldudp64;
    rx.role = session_role::receiver;
    rx.shard = "rx_shard";
    rx.group = {"127.0.0.1", p.feed};
    rx.request_server = {"127.0.0.1", p.requests};
    rx.requested_session = "TEST";
    rx.requested_sequence = 1;
    rx.journal.dir = rx_journal;
    c.sessions.push_back(rx);
    return c;
}

/// Message `n`: varying length and every byte value, so a byte-level mix-up shows.
std::string message(std::uint64_t n) {
    std::string m = "m" + std::to_string(n) + ":";
    const std::size_t extra = n % 61;
    for (std::size_t i = 0; i < extra; ++i)
        m.push_back(static_cast<char>((n * 31 + i * 7) & 0xFF));
    return m;
}

struct outcome {
    std::uint64_t sent = 0;
    std::vector<std::pair<std::uint64_t, std::string>> delivered;
    std::uint64_t gaps = 0;
    std::uint64_t requests = 0;
    bool closed_seen = false;
    close_reason reason{};
    std::string problem;
};

/// Publishes messages first..last (End of Session after the last) and collects what the
/// receiver delivers until it closes (or 30 s pass).
outcome run(engine& eng, std::uint64_t first, std::uint64_t last) {
    outcome o;
    session_handle publisher = eng.session("feed");
    session_handle receiver = eng.session("feed-rx");
    std::uint64_t next = first;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!o.closed_seen && std::chrono::steady_clock::now() < deadline) {
        for (int i = 0; i < 200 && next <= last; ++i) {
            const std::string m = message(next);
            if (publisher.send(exwire::to_bytes(m)) != send_status::ok) break;
            ++o.sent;
            if (next++ == last) publisher.initiate_close();
        }
        const polled p = receiver.poll([&](const inbound_record& r) {
            if (r.type == record_type::gap_detected) ++o.gaps;
            if (r.type == record_type::gap_detected && !r.text().empty())
                o.problem += "gave up: " + std::string(r.text()) + "; ";
            if (r.type == record_type::journal_error)
                o.problem += "journal: " + std::string(r.text()) + "; ";
            if (r.type == record_type::closed) {
                o.closed_seen = true;
                o.reason = r.reason();
            }
            if (r.is_message()) o.delivered.emplace_back(r.sequence, std::string(r.text()));
        });
        if (p.count == 0) std::this_thread::sleep_for(200us);
    }
    o.requests = receiver.channel()->counters.get(counter::retransmissions);
    return o;
}

std::unique_ptr<engine> start(engine_config c, const protocol_registry& protocols) {
    auto made = engine::create(std::move(c), protocols);
    EXPECT_TRUE(made.ok()) << made.err().message;
    if (!made.ok()) return nullptr;
    auto eng = std::move(made).value();
    if (!eng->start().ok()) return nullptr;
    return eng;
}

std::unique_ptr<journal_sequenced_store> open_store(const std::filesystem::path& dir,
                                                    exwire::journal::direction d) {
    auto s = journal_sequenced_store::open(dir.string(), journal_config_from(journal_config{}), d);
    EXPECT_TRUE(s.ok()) << s.err().message;
    return s.ok() ? std::move(s).value() : nullptr;
}

// ---- a transport that loses 1% of what it is asked to send ----------------------------------

/// Wraps a transport: every 100th send() on `lossy` connections (UDP datagrams) is reported
/// as sent but never reaches the network.
template <tp::transport T>
class dropping_transport {
  public:
    dropping_transport(T inner, std::atomic<std::uint64_t>& dropped)
        : t_(std::move(inner)), dropped_(&dropped) {}
    [[nodiscard]] exwire::result<tp::connection_id> listen(const tp::endpoint& e) {
        return t_.listen(e);
    }
    [[nodiscard]] exwire::result<tp::connection_id> connect(const tp::endpoint& e,
                                                            std::int64_t timeout_ns) {
        return t_.connect(e, timeout_ns);
    }
    [[nodiscard]] exwire::result<tp::connection_id> open_udp(const tp::udp_options& o) {
        return t_.open_udp(o);
    }
    [[nodiscard]] tp::send_result send(tp::connection_id id, exwire::bytes data) noexcept {
        if (++sends_ % 100 == 0) {
            dropped_->fetch_add(1, std::memory_order_relaxed);
            return {tp::send_status::ok, data.size()};
        }
        return t_.send(id, data);
    }
    int flush() noexcept { return t_.flush(); }
    void close(tp::connection_id id) noexcept { t_.close(id); }
    [[nodiscard]] std::size_t queued(tp::connection_id id) const noexcept { return t_.queued(id); }
    [[nodiscard]] std::uint16_t local_port(tp::connection_id id) const noexcept {
        return t_.local_port(id);
    }
    template <tp::transport_handler Handler>
    int poll(Handler& h) noexcept {
        return t_.poll(h);
    }

  private:
    T t_;
    std::atomic<std::uint64_t>* dropped_;
    std::uint64_t sends_ = 0;
};
static_assert(tp::transport<dropping_transport<tp::socket_transport>>);

}  // namespace

TEST(moldudp64_journal, publisher_and_receiver_journals_hold_the_stream_and_survive_restart) {
    temp_dir dir;
    const std::string pub_dir = (dir.path / "pub").string();
    const std::string rx_dir = (dir.path / "rx").string();
    protocol_registry protocols;
    exwire::engine::nasdaq::register_moldudp64(protocols);
    constexpr std::uint64_t first_run = 3000;
    constexpr std::uint64_t second_run = 500;
    {
        auto eng = start(mold_config(ports{}, pub_dir, rx_dir), protocols);
        ASSERT_NE(eng, nullptr);
        const outcome o = run(*eng, 1, first_run);
        eng->stop();
        EXPECT_TRUE(o.problem.empty()) << o.problem;
        ASSERT_TRUE(o.closed_seen);
        EXPECT_EQ(o.reason, close_reason::end_of_session);
        ASSERT_EQ(o.delivered.size(), first_run);
    }
    {
        // Restarted: the publisher continues after its journal's last message; the receiver
        // asks for the message after its journal's last one.
        auto eng = start(mold_config(ports{}, pub_dir, rx_dir), protocols);
        ASSERT_NE(eng, nullptr);
        const outcome o = run(*eng, first_run + 1, first_run + second_run);
        eng->stop();
        EXPECT_TRUE(o.problem.empty()) << o.problem;
        ASSERT_TRUE(o.closed_seen);
        ASSERT_EQ(o.delivered.size(), second_run);
        EXPECT_EQ(o.delivered.front().first, first_run + 1);
        EXPECT_EQ(o.delivered.front().second, message(first_run + 1));
    }
    // Both journals hold the whole stream, numbered from 1, byte for byte.
    auto pub = open_store(std::filesystem::path(pub_dir) / "feed", exwire::journal::direction::out);
    auto rx = open_store(std::filesystem::path(rx_dir) / "feed-rx", exwire::journal::direction::in);
    ASSERT_NE(pub, nullptr);
    ASSERT_NE(rx, nullptr);
    EXPECT_EQ(pub->next_sequence(), first_run + second_run + 1);
    EXPECT_EQ(rx->next_sequence(), first_run + second_run + 1);
    int mismatches = 0;
    for (std::uint64_t n = 1; n <= first_run + second_run && mismatches < 5; ++n) {
        const std::string want = message(n);
        if (exwire::to_string_view(pub->read(n)) != want) {
            ADD_FAILURE() << "publisher journal differs at " << n;
            ++mismatches;
        }
        if (exwire::to_string_view(rx->read(n)) != want) {
            ADD_FAILURE() << "receiver journal differs at " << n;
            ++mismatches;
        }
    }
}

TEST(moldudp64_journal, one_percent_loss_is_recovered_byte_identical_to_the_publisher_journal) {
    temp_dir dir;
    auto journal = open_store(dir.path / "feed", exwire::journal::direction::out);
    ASSERT_NE(journal, nullptr);
    std::atomic<std::uint64_t> dropped{0};
    // The publisher: the engine's MoldUDP64 publisher session over a socket transport that
    // loses every 100th datagram, its messages in the journal opened above. The receiver
    // comes from the ordinary factory (the shard's transport).
    protocol_registry protocols;
    protocols.add(protocol_kind::moldudp64,
                  [&](const session_config& s,
                      const shard_config& sh) -> exwire::result<std::unique_ptr<session>> {
                      if (s.role != session_role::publisher)
                          return exwire::engine::nasdaq::make_moldudp64_session(s, sh);
                      auto t = tp::socket_transport::create({});
                      if (!t.ok()) return exwire::fail(t.err().message);
                      using lossy = dropping_transport<tp::socket_transport>;
                      return exwire::result<std::unique_ptr<session>>(
                          std::make_unique<exwire::engine::nasdaq::mold_publisher_session<lossy>>(
                              lossy(std::move(t).value(), dropped), s, journal.get()));
                  });
    constexpr std::uint64_t total = 20'000;
    auto eng = start(mold_config(ports{}, "", ""), protocols);
    ASSERT_NE(eng, nullptr);
    const outcome o = run(*eng, 1, total);
    eng->stop();

    EXPECT_TRUE(o.problem.empty()) << o.problem;
    EXPECT_TRUE(o.closed_seen);
    EXPECT_EQ(o.reason, close_reason::end_of_session);
    EXPECT_EQ(o.sent, total);
    // The loss happened and was repaired by retransmission.
    EXPECT_GT(dropped.load(), 0u);
    EXPECT_GT(o.gaps, 0u);
    EXPECT_GT(o.requests, 0u);
    RecordProperty("datagrams_dropped", static_cast<int>(dropped.load()));
    RecordProperty("gap_events", static_cast<int>(o.gaps));
    // Everything, in order, once, byte-identical to the publisher's journal.
    ASSERT_EQ(journal->next_sequence(), total + 1);
    ASSERT_EQ(o.delivered.size(), total);
    int mismatches = 0;
    for (std::uint64_t n = 1; n <= total && mismatches < 5; ++n) {
        const auto& [seq, body] = o.delivered[n - 1];
        if (seq != n || body != exwire::to_string_view(journal->read(n))) {
            ADD_FAILURE() << "delivered message " << n << " (sequence " << seq
                          << ") differs from the journal";
            ++mismatches;
        }
    }
}
