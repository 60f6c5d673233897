// Interop with QuickFIX 1.15 (Debian's libquickfix-dev; its side is a C++14 library), over
// 127.0.0.1 (a QuickFIX acceptor binds all interfaces; the traffic stays on loopback). Every
// wait is bounded.
//
// The scenario, for exwire initiator <-> QuickFIX acceptor and QuickFIX initiator <->
// exwire acceptor, FIX.4.4 (QuickFIX validating with FIX44.xml) and FIXT.1.1 with FIX 5.0
// SP2 application messages: logon; 10 000 NewOrderSingle -> ExecutionReport in three
// batches; between them a forced sequence gap on QuickFIX's side (it skips 5 outgoing
// numbers), repaired by exwire's ResendRequest and QuickFIX's gap fill, then one on exwire's
// side (its store skips 5 numbers), repaired by QuickFIX's ResendRequest and exwire's gap
// fill and PossDup resend, then a SequenceReset-Reset sent by QuickFIX; logout. Afterwards
// the message logs of both sides are compared message by message, in both directions:
// exwire's journal (every frame it sent, read back from disk after the engine is gone)
// against what QuickFIX logged as received, and what QuickFIX logged as sent against the
// application messages exwire delivered. The expected differences are allowed explicitly
// (see compare_exwire_to_quickfix / compare_quickfix_to_exwire).
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <exwire/codec/fix/reader.hpp>
#include <exwire/codec/fix/values.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/fix/engine_session.hpp>
#include <exwire/engine/journal_store.hpp>

#include "../../support/loopback.hpp"
#include "quickfix_peers.hpp"

namespace {

using exwire::test::free_port;
using exwire::test::wait_until;

using namespace exwire::engine;
using namespace std::chrono_literals;
namespace cf = exwire::codec::fix;

std::string show(std::string s) {
    for (char& c : s)
        if (c == '\x01') c = '|';
    return s;
}

/// A message store that can be told to skip outgoing sequence numbers: after skip(k), the
/// next frame the machine sends is numbered k higher, leaving a gap the peer must have
/// filled (by gap fill: the store holds nothing there).
/// skip() may be called from any thread; everything else runs on the shard thread.
class skipping_store final : public fix::message_store {
  public:
    explicit skipping_store(std::unique_ptr<fix::message_store> inner) : inner_(std::move(inner)) {}
    void skip(int k) noexcept { skip_ = k; }

    void save(std::uint64_t seq, std::string_view frame) override { inner_->save(seq, frame); }
    void load(std::uint64_t begin, std::uint64_t end, fix::store_visitor& v) const override {
        inner_->load(begin, end, v);
    }
    /// The machine reads it to number the frame it is about to send: a pending skip moves
    /// the number first, so that very frame reveals the gap.
    [[nodiscard]] std::uint64_t next_sender_seq() const noexcept override {
        if (const int k = skip_.exchange(0); k > 0)
            inner_->set_next_sender_seq(inner_->next_sender_seq() + static_cast<std::uint64_t>(k));
        return inner_->next_sender_seq();
    }
    [[nodiscard]] std::uint64_t next_target_seq() const noexcept override {
        return inner_->next_target_seq();
    }
    void set_next_sender_seq(std::uint64_t seq) override { inner_->set_next_sender_seq(seq); }
    void set_next_target_seq(std::uint64_t seq) override { inner_->set_next_target_seq(seq); }
    void reset() override { inner_->reset(); }
    [[nodiscard]] std::int64_t creation_time_ns() const noexcept override {
        return inner_->creation_time_ns();
    }
    void set_creation_time_ns(std::int64_t t) override { inner_->set_creation_time_ns(t); }
    [[nodiscard]] bool healthy() const noexcept override { return inner_->healthy(); }
    [[nodiscard]] const char* failure() const noexcept override { return inner_->failure(); }

  private:
    std::unique_ptr<fix::message_store> inner_;
    mutable std::atomic<int> skip_{0};
};

// ---- message log comparison ------------------------------------------------------------

bool is_admin(std::string_view t) {
    return t == "0" || t == "1" || t == "2" || t == "3" || t == "4" || t == "5" || t == "A";
}

bool is_header_or_trailer(int tag) {
    static const std::set<int> tags{8,  9,  10,  34,  35,  43,  49,  50,  52,   56,
                                    57, 97, 115, 122, 128, 142, 143, 369, 1128, 1129};
    return tags.count(tag) != 0;
}

struct parsed {
    std::string raw;
    std::uint64_t seq = 0;
    std::string type;
    bool poss_dup = false;
    bool gap_fill = false;      // SequenceReset with GapFillFlag=Y
    std::uint64_t new_seq = 0;  // SequenceReset's NewSeqNo
    std::string sending_time, orig_sending_time;
    std::vector<std::pair<int, std::string>> body;  // fields outside header and trailer
};

parsed parse(const std::string& raw) {
    parsed p;
    p.raw = raw;
    const cf::message_view m(raw);
    p.seq = cf::parse_uint(m.get(34)).value_or(0);
    p.type = std::string(m.msg_type());
    p.poss_dup = m.get(43) == "Y";
    p.gap_fill = p.type == "4" && m.get(123) == "Y";
    p.new_seq = cf::parse_uint(m.get(36)).value_or(0);
    p.sending_time = std::string(m.get(52));
    p.orig_sending_time = std::string(m.get(122));
    for (const cf::field& f : m)
        if (!is_header_or_trailer(f.tag)) p.body.emplace_back(f.tag, std::string(f.value));
    return p;
}

/// A PossDup copy matches its original: same MsgSeqNum and MsgType, the same body fields in
/// the same order, OrigSendingTime = the original's SendingTime.
bool is_resend_of(const parsed& copy, const parsed& original) {
    return copy.poss_dup && copy.seq == original.seq && copy.type == original.type &&
           copy.body == original.body && copy.orig_sending_time == original.sending_time;
}

struct direction_counts {
    int originals = 0;
    int resent = 0;               // PossDup copies of application messages
    int gap_fills = 0;            // SequenceReset-GapFill messages
    int gap_filled_numbers = 0;   // numbers the sender never sent, covered by a gap fill
    int resend_requests = 0;      // in the stream compared
    int peer_gap_filled_app = 0;  // application messages the sender gap-filled itself
    int rejects = 0;              // Reject or BusinessMessageReject
};

/// exwire -> QuickFIX. `sent`: every frame exwire's journal holds, by MsgSeqNum.
/// `received`: QuickFIX's incoming log. Allowed differences, and only these: PossDup copies
/// of stored application messages (is_resend_of), and SequenceReset-GapFill over numbers
/// the journal lacks (skipped) or holds admin messages for. Every stored frame must have
/// arrived byte for byte as an original, in increasing MsgSeqNum order.
direction_counts compare_exwire_to_quickfix(const std::map<std::uint64_t, std::string>& sent,
                                            const std::vector<std::string>& received) {
    direction_counts c;
    std::set<std::uint64_t> arrived, covered;
    std::uint64_t last = 0;
    for (const std::string& raw : received) {
        const parsed q = parse(raw);
        if (q.type == "2") ++c.resend_requests;
        if (q.type == "3" || q.type == "j") ++c.rejects;
        const auto it = sent.find(q.seq);
        if (!q.poss_dup) {
            ++c.originals;
            if (it == sent.end()) {
                ADD_FAILURE() << "QuickFIX received a frame exwire's journal lacks: " << show(raw);
                continue;
            }
            EXPECT_EQ(show(raw), show(it->second)) << "frame differs from the journal";
            EXPECT_GT(q.seq, last) << "out of order: " << show(raw);
            last = q.seq;
            arrived.insert(q.seq);
        } else if (q.gap_fill) {
            ++c.gap_fills;
            EXPECT_GT(q.new_seq, q.seq) << show(raw);
            for (std::uint64_t s = q.seq; s < q.new_seq; ++s) {
                const auto st = sent.find(s);
                if (st == sent.end()) {
                    ++c.gap_filled_numbers;
                } else {
                    EXPECT_TRUE(is_admin(parse(st->second).type))
                        << "gap fill " << show(raw) << " covers application message "
                        << show(st->second);
                }
                covered.insert(s);
            }
        } else {
            ++c.resent;
            if (it == sent.end()) {
                ADD_FAILURE() << "PossDup copy of nothing exwire sent: " << show(raw);
                continue;
            }
            EXPECT_TRUE(is_resend_of(q, parse(it->second)))
                << "resend " << show(raw) << " of " << show(it->second);
            EXPECT_FALSE(is_admin(q.type)) << "admin message resent: " << show(raw);
        }
    }
    for (const auto& [seq, frame] : sent)
        EXPECT_TRUE(arrived.count(seq)) << "never arrived at QuickFIX: " << show(frame);
    const std::uint64_t top = sent.empty() ? 0 : sent.rbegin()->first;
    for (std::uint64_t s = 1; s <= top; ++s)
        if (!sent.count(s)) {
            EXPECT_TRUE(covered.count(s)) << "number " << s << " never filled";
        }
    return c;
}

/// QuickFIX -> exwire. `sent`: QuickFIX's outgoing log; `delivered`: the application
/// messages exwire delivered, in order. Every application message QuickFIX sent as an
/// original must be delivered exactly once, in order, either as sent or as its PossDup copy,
/// except one that QuickFIX itself later covered with a SequenceReset-GapFill (QuickFIX's
/// MemoryStore answers a ResendRequest that starts at a number it never sent with one gap
/// fill up to its next number, over the messages it sent after the skip): that one must not
/// be delivered. `reset_to`: NewSeqNo of QuickFIX's SequenceReset-Reset, which must be the
/// only one and be followed by originals numbered from it.
direction_counts compare_quickfix_to_exwire(const std::vector<std::string>& sent,
                                            const std::vector<std::string>& delivered,
                                            std::uint64_t reset_to) {
    direction_counts c;
    std::vector<parsed> out;
    for (const std::string& raw : sent)
        out.push_back(parse(raw));
    std::vector<std::pair<std::uint64_t, std::uint64_t>> fills;  // [from, to)
    std::map<std::uint64_t, parsed> resent;
    int resets = 0;
    bool after_reset = false;
    std::uint64_t last = 0;
    for (const parsed& q : out) {
        if (q.type == "2") ++c.resend_requests;
        if (q.type == "3" || q.type == "j") ++c.rejects;
        if (q.poss_dup && q.gap_fill) {
            fills.emplace_back(q.seq, q.new_seq);
            ++c.gap_fills;
        } else if (q.poss_dup) {
            resent.emplace(q.seq, q);
            ++c.resent;
        } else {
            ++c.originals;
            EXPECT_GT(q.seq, last) << "QuickFIX sent out of order: " << show(q.raw);
            last = q.seq;
            if (after_reset) {
                EXPECT_EQ(q.seq, reset_to) << "first message after the reset";
                after_reset = false;
            }
            if (q.type == "4") {
                ++resets;
                EXPECT_EQ(q.new_seq, reset_to) << show(q.raw);
                after_reset = true;
            }
        }
    }
    EXPECT_EQ(resets, 1) << "SequenceReset-Reset messages sent by QuickFIX";

    // QuickFIX's own PossDup copies match what it sent first under that number.
    for (const auto& [seq, copy] : resent) {
        for (const parsed& q : out)
            if (!q.poss_dup && q.seq == seq) {
                EXPECT_TRUE(is_resend_of(copy, q))
                    << "QuickFIX resent " << show(copy.raw) << " for " << show(q.raw);
            }
    }

    std::vector<const parsed*> expected;
    for (const parsed& q : out) {
        if (q.poss_dup || is_admin(q.type)) continue;
        bool gap_filled = false;
        for (const auto& [from, to] : fills)
            gap_filled = gap_filled || (q.seq >= from && q.seq < to);
        if (gap_filled) {
            ++c.peer_gap_filled_app;
            continue;
        }
        expected.push_back(&q);
    }
    EXPECT_EQ(delivered.size(), expected.size()) << "application messages delivered by exwire";
    for (std::size_t i = 0; i < std::min(delivered.size(), expected.size()); ++i) {
        const parsed d = parse(delivered[i]);
        const parsed& e = *expected[i];
        if (d.poss_dup) {
            EXPECT_TRUE(is_resend_of(d, e))
                << "delivered " << show(d.raw) << " for " << show(e.raw);
            EXPECT_TRUE(resent.count(d.seq)) << "QuickFIX never resent " << show(d.raw);
        } else {
            EXPECT_EQ(show(d.raw), show(e.raw)) << "delivered message " << i;
        }
        if (::testing::Test::HasFailure()) break;  // one mismatch shifts all the rest
    }
    return c;
}

// ---- the scenario -----------------------------------------------------------------------

std::string order_body(const std::string& cl_ord_id) {
    return "11=" + cl_ord_id +
           "\x01"
           "21=1\x01"
           "38=100\x01"
           "40=1\x01"
           "54=1\x01"
           "55=INTC\x01"
           "60=20261121-20:00:00\x01";
}

std::string report_body(std::string_view cl_ord_id) {
    const std::string id(cl_ord_id);
    return "6=0\x01"
           "11=" +
           id +
           "\x01"
           "14=0\x01"
           "17=" +
           id +
           "\x01"
           "37=" +
           id +
           "\x01"
           "39=0\x01"
           "54=1\x01"
           "55=INTC\x01"
           "150=0\x01"
           "151=0\x01";
}

exwire::bytes as_bytes(const std::string& s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

/// The exwire side of a test: one FIX session on one shard, a journal in a fresh folder,
/// and the application on the test thread (it answers orders with reports).
struct exwire_side {
    std::filesystem::path dir;
    session_config config;
    skipping_store* store = nullptr;  // owned by the engine's session
    std::unique_ptr<engine> eng;
    session_handle h;
    std::vector<std::string> delivered;    // application frames, in order
    std::set<std::string> delivered_ids;   // their ClOrdIDs
    std::vector<std::string> reports;      // ClOrdIDs of ExecutionReports received
    int order_reports = 0;                 // of those, ClOrdID "ORD..."
    std::vector<std::string> disconnects;  // texts of `disconnected` records
    bool gap_detected = false;
    bool gap_filled = false;

    /// Starts `c` (the session `h` serves), plus `others` on the same shard.
    exwire::result<void> start(session_config c, std::vector<session_config> others = {}) {
        dir = std::filesystem::temp_directory_path() /
              ("exwire-fix-interop-" + std::to_string(::getpid()) + "-" + c.name);
        std::filesystem::remove_all(dir);
        c.journal.dir = dir.string();
        config = c;
        engine_config ec;
        ec.name = "fix-interop";
        shard_config sh;
        sh.name = "s0";
        sh.idle = "backoff:spins=10,yields=5,min=10us,max=200us";
        ec.shards.push_back(sh);
        ec.sessions.push_back(c);
        for (session_config& o : others) {
            o.journal.dir = dir.string();
            ec.sessions.push_back(o);
        }
        fix::fix_session_options opt;
        opt.make_store =
            [this, name = c.name](const session_config& sc) -> std::unique_ptr<fix::message_store> {
            auto j = journal_message_store::open(session_journal_dir(sc),
                                                 journal_config_from(sc.journal));
            if (!j) return nullptr;
            auto s = std::make_unique<skipping_store>(std::move(*j));
            if (sc.name == name) store = s.get();
            return s;
        };
        protocol_registry reg;
        fix::register_fix_sessions(reg, opt);
        auto e = engine::create(ec, reg);
        if (!e) return exwire::fail(e.err().message);
        eng = std::move(*e);
        auto s = eng->start();
        if (!s) return s;
        h = eng->session(c.name);
        return {};
    }

    /// Takes one record (waiting up to `wait`); an acceptor answers each order.
    void poll(std::chrono::milliseconds wait) {
        received r = h.receive(wait);
        if (!r.ok()) return;
        if (r.record.type == record_type::gap_detected) gap_detected = true;
        if (r.record.type == record_type::gap_filled) gap_filled = true;
        if (r.record.type == record_type::disconnected) disconnects.emplace_back(r.record.text());
        if (!r.record.is_message()) return;
        delivered.emplace_back(r.record.text());
        const cf::message_view m(delivered.back());
        delivered_ids.emplace(m.get(11));
        if (m.msg_type() == "8") {
            reports.emplace_back(m.get(11));
            if (reports.back().compare(0, 3, "ORD") == 0) ++order_reports;
        } else if (m.msg_type() == "D") {
            const std::string rep = report_body(m.get(11));
            EXPECT_TRUE(wait_until(
                [&] {
                    return h.send(as_bytes(rep), fix::fix_msg_type_tag("8")) == send_status::ok;
                },
                2000ms));
        }
    }
    bool send_order(const std::string& id) {
        return h.send(as_bytes(order_body(id)), fix::fix_msg_type_tag("D")) == send_status::ok;
    }

    /// Stops and destroys the engine, then reads every frame the journal holds.
    std::map<std::uint64_t, std::string> stop_and_read_journal() {
        if (eng) eng->stop();
        eng.reset();
        store = nullptr;
        std::map<std::uint64_t, std::string> frames;
        auto j = journal_message_store::open(session_journal_dir(config),
                                             journal_config_from(config.journal));
        EXPECT_TRUE(j) << (j ? "" : j.err().message);
        if (!j) return frames;
        struct collect final : fix::store_visitor {
            std::map<std::uint64_t, std::string>& out;
            explicit collect(std::map<std::uint64_t, std::string>& o) : out(o) {}
            void on_stored(std::uint64_t seq, std::string_view f) noexcept override {
                out.emplace(seq, std::string(f));
            }
        } v(frames);
        (*j)->load(1, (*j)->next_sender_seq(), v);
        return frames;
    }
    ~exwire_side() {
        if (eng) eng->stop();
        eng.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

std::string events(const exwire_test::quickfix_log& l) {
    std::string s = "QuickFIX events:";
    for (const std::string& e : l.events)
        s += "\n  " + e;
    s += "\nQuickFIX sent:";
    for (const std::string& e : l.outgoing)
        s += "\n  " + show(e);
    return s;
}

const char* dictionaries() {
    return std::getenv("EXWIRE_FIX_DICTIONARIES");
}

/// A fresh folder under the temporary directory, removed again at the end.
struct temp_dir {
    std::filesystem::path path;
    explicit temp_dir(const std::string& name)
        : path(std::filesystem::temp_directory_path() /
               ("exwire-fix-interop-" + std::to_string(::getpid()) + "-" + name)) {
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

void run_scenario(bool exwire_initiator, const std::string& version, bool quickfix_file_store,
                  int port_offset) {
    const char* dir = dictionaries();
    if (dir == nullptr) GTEST_SKIP() << "EXWIRE_FIX_DICTIONARIES not set";
    const int port = free_port();
    constexpr int n = 10'000;
    constexpr int skip = 5;

    session_config s;
    s.name = exwire_initiator ? "bank" : "exch";
    s.protocol = protocol_kind::fix;
    s.fix_version = version;
    s.heartbeat.interval_ns = 30'000'000'000;
    s.inbound_ring_size = 1u << 22;
    s.outbound_ring_size = 1u << 22;
    exwire_test::quickfix_options qo;
    qo.port = port;
    qo.begin_string = version;
    qo.dictionary_path = std::string(dir) + "/FIX44.xml";
    const temp_dir qf_store("quickfix-store-" + std::to_string(port_offset));
    if (quickfix_file_store) qo.file_store_path = qf_store.path.string();
    if (exwire_initiator) {
        s.role = session_role::initiator;
        s.connect = {"127.0.0.1", static_cast<std::uint16_t>(port)};
        s.sender_comp_id = "BANK";
        s.target_comp_id = "EXCH";
        qo.sender_comp_id = "EXCH";
        qo.target_comp_id = "BANK";
    } else {
        s.role = session_role::acceptor;
        s.listen = {"127.0.0.1", static_cast<std::uint16_t>(port)};
        s.sender_comp_id = "EXCH";
        s.target_comp_id = "BANK";
        qo.sender_comp_id = "BANK";
        qo.target_comp_id = "EXCH";
    }

    std::string error;
    std::unique_ptr<exwire_test::quickfix_peer> qf;
    exwire_side x;
    if (exwire_initiator) {  // the acceptor listens first
        qf = exwire_test::quickfix_peer::start(true, qo, error);
        ASSERT_TRUE(qf) << error;
        ASSERT_TRUE(x.start(s));
    } else {
        ASSERT_TRUE(x.start(s));
        qf = exwire_test::quickfix_peer::start(false, qo, error);
        ASSERT_TRUE(qf) << error;
    }
    ASSERT_TRUE(wait_until([&] { return x.h.is_active() && qf->logons() == 1; }, 10s))
        << "no logon; " << events(qf->log());

    // Orders [first, last) from the initiator, each answered by the acceptor; waits for all
    // reports (bounded).
    auto trade = [&](int first, int last) {
        int sent = first;
        const auto end = std::chrono::steady_clock::now() + 60s;
        auto done = [&] {
            return exwire_initiator ? x.order_reports >= last : qf->order_reports() >= last;
        };
        while (!done() && std::chrono::steady_clock::now() < end) {
            if (sent < last) {
                const std::string id = "ORD" + std::to_string(sent);
                if (exwire_initiator ? x.send_order(id) : qf->send_order(id)) ++sent;
            }
            x.poll(sent < last ? 0ms : 5ms);
        }
        return done();
    };
    auto pump_until = [&](auto pred, std::chrono::milliseconds limit) {
        const auto end = std::chrono::steady_clock::now() + limit;
        while (!pred()) {
            if (std::chrono::steady_clock::now() > end) return false;
            x.poll(2ms);
        }
        return true;
    };
    auto has = [](const std::vector<std::string>& v, const std::string& id) {
        return std::find(v.begin(), v.end(), id) != v.end();
    };

    ASSERT_TRUE(trade(0, 4000));

    // 1. QuickFIX skips numbers: its next message (the report of PROBE1, or the order
    // PROBE1) reveals the gap; exwire asks for a resend, QuickFIX fills it.
    qf->skip_sender_seq(skip);
    ASSERT_TRUE(exwire_initiator ? x.send_order("PROBE1") : qf->send_order("PROBE1"));
    // With FileStore QuickFIX resends PROBE1's message: wait until it is through (and, at
    // an exwire acceptor, answered), so that nothing of it is sent after the next skip.
    EXPECT_TRUE(pump_until(
        [&] {
            return x.gap_detected && x.gap_filled &&
                   (!quickfix_file_store || (exwire_initiator ? x.delivered_ids.count("PROBE1") != 0
                                                              : has(qf->reports(), "PROBE1")));
        },
        10s))
        << "exwire saw no gap, no fill or no PROBE1";

    // 2. exwire skips numbers: its next message (order or report of PROBE2) reveals the gap;
    // QuickFIX asks for a resend, exwire gap-fills the skipped numbers and resends PROBE2's
    // message with PossDupFlag; the report of PROBE2 reaches the initiator.
    ASSERT_NE(x.store, nullptr);
    x.store->skip(skip);
    if (exwire_initiator) {
        ASSERT_TRUE(x.send_order("PROBE2"));
        EXPECT_TRUE(pump_until([&] { return has(x.reports, "PROBE2"); }, 10s));
    } else {
        ASSERT_TRUE(qf->send_order("PROBE2"));
        EXPECT_TRUE(pump_until([&] { return has(qf->reports(), "PROBE2"); }, 10s));
    }

    ASSERT_TRUE(trade(4000, 8000));

    // 3. QuickFIX sends SequenceReset-Reset (GapFillFlag=N) jumping 50 numbers ahead; exwire
    // takes its next message at NewSeqNo without a ResendRequest (counted below).
    const int reset_to = qf->send_sequence_reset(50);
    ASSERT_GT(reset_to, 0);
    ASSERT_TRUE(trade(8000, n));

    // 4. Logout, started by the initiator.
    if (exwire_initiator) {
        EXPECT_TRUE(x.h.close(5s));
        EXPECT_EQ(x.h.reason(), close_reason::requested);
        EXPECT_TRUE(wait_until([&] { return qf->logouts() == 1; }, 5s));
    } else {
        qf->stop();  // QuickFIX logs out and waits for the answer
        EXPECT_EQ(qf->logouts(), 1);
        EXPECT_TRUE(pump_until([&] { return !x.h.is_active(); }, 5s));
    }
    while (x.h.receive(0ms).ok()) {
    }  // nothing more is expected; drained so stop() does not wait on a full ring
    const std::map<std::uint64_t, std::string> journal = x.stop_and_read_journal();
    qf->stop();
    const exwire_test::quickfix_log log = qf->log();

    // What each application saw.
    if (exwire_initiator) {
        std::vector<std::string> ords;
        for (const std::string& id : x.reports)
            if (id.compare(0, 3, "ORD") == 0) ords.push_back(id);
        ASSERT_EQ(ords.size(), static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i)
            ASSERT_EQ(ords[static_cast<std::size_t>(i)], "ORD" + std::to_string(i));
        EXPECT_EQ(qf->orders(), n + 2);  // both probes reach QuickFIX
    } else {
        const std::vector<std::string> reps = qf->reports();
        std::vector<std::string> ords;
        for (const std::string& id : reps)
            if (id.compare(0, 3, "ORD") == 0) ords.push_back(id);
        ASSERT_EQ(ords.size(), static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i)
            ASSERT_EQ(ords[static_cast<std::size_t>(i)], "ORD" + std::to_string(i));
        EXPECT_TRUE(has(reps, "PROBE2"));
    }
    EXPECT_EQ(qf->rejects(), 0);

    // The message logs, both directions.
    ASSERT_FALSE(journal.empty());
    const direction_counts a = compare_exwire_to_quickfix(journal, log.incoming);
    const direction_counts b =
        compare_quickfix_to_exwire(log.outgoing, x.delivered, static_cast<std::uint64_t>(reset_to));
    EXPECT_EQ(a.rejects + b.rejects, 0);
    // exwire asked once (QuickFIX's gap) and took the reset without asking again; QuickFIX
    // asked once (exwire's gap).
    EXPECT_EQ(a.resend_requests, 1);
    EXPECT_EQ(b.resend_requests, 1);
    // exwire's repair: a gap fill over exactly its skipped numbers, then PROBE2's message
    // resent with PossDupFlag.
    EXPECT_EQ(a.gap_filled_numbers, skip);
    EXPECT_GE(a.gap_fills, 1);
    EXPECT_EQ(a.resent, 1);
    // QuickFIX's repair: at least one gap fill.
    EXPECT_GE(b.gap_fills, 1);
    EXPECT_GE(a.originals, n + 2);
    EXPECT_GE(b.originals, n + 2);
    if (quickfix_file_store) {
        // FileStore: QuickFIX gap-fills its skipped numbers and resends PROBE1's message
        // (exwire took the original from its queue once the gap was filled).
        EXPECT_EQ(b.peer_gap_filled_app, 0);
        EXPECT_EQ(b.resent, 1);
    } else {
        // MemoryStore: its one gap fill also covers the message it sent after the skip,
        // which exwire then must not deliver.
        EXPECT_EQ(b.peer_gap_filled_app, 1);
        EXPECT_EQ(b.resent, 0);
    }
    std::printf(
        "exwire->QuickFIX: %d originals, %d resent, %d gap fills over %d skipped numbers\n"
        "QuickFIX->exwire: %d originals, %d resent, %d gap fills, %d application "
        "message(s) covered by its own gap fill; %zu delivered\n",
        a.originals, a.resent, a.gap_fills, a.gap_filled_numbers, b.originals, b.resent,
        b.gap_fills, b.peer_gap_filled_app, x.delivered.size());
}

// FIX.4.4 with QuickFIX's FileStore, FIXT.1.1 with its MemoryStore (see quickfix_options).
TEST(fix_interop, exwire_initiator_with_quickfix_acceptor_fix44_logs_agree) {
    run_scenario(true, "FIX.4.4", true, 0);
}

TEST(fix_interop, exwire_initiator_with_quickfix_acceptor_fixt11_fix50sp2_logs_agree) {
    run_scenario(true, "FIXT.1.1", false, 1);
}

TEST(fix_interop, quickfix_initiator_with_exwire_acceptor_fix44_logs_agree) {
    run_scenario(false, "FIX.4.4", true, 2);
}

TEST(fix_interop, quickfix_initiator_with_exwire_acceptor_fixt11_fix50sp2_logs_agree) {
    run_scenario(false, "FIXT.1.1", false, 3);
}

// The log comparison itself must be able to fail: a journal frame QuickFIX never received,
// a changed byte, and an undelivered message are each reported.
TEST(fix_interop_log_comparison, reports_missing_changed_and_undelivered_messages) {
    const std::string a =
        "8=FIX.4.4\x01"
        "9=5\x01"
        "35=D\x01"
        "34=1\x01"
        "49=B\x01"
        "52=X\x01"
        "56=E\x01"
        "11=1\x01"
        "10=000\x01";
    const std::string b =
        "8=FIX.4.4\x01"
        "9=5\x01"
        "35=D\x01"
        "34=2\x01"
        "49=B\x01"
        "52=X\x01"
        "56=E\x01"
        "11=2\x01"
        "10=000\x01";
    std::string b_changed = b;
    b_changed[b_changed.find("11=2") + 3] = '9';
    const std::string reset =
        "8=FIX.4.4\x01"
        "9=5\x01"
        "35=4\x01"
        "34=3\x01"
        "49=B\x01"
        "52=X\x01"
        "56=E\x01"
        "36=10\x01"
        "10=000\x01";
    {
        ::testing::TestPartResultArray failures;
        {
            ::testing::ScopedFakeTestPartResultReporter r(
                ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD,
                &failures);
            (void)compare_exwire_to_quickfix({{1, a}, {2, b}}, {a});
        }
        EXPECT_EQ(failures.size(), 1);  // 2 never arrived
    }
    {
        ::testing::TestPartResultArray failures;
        {
            ::testing::ScopedFakeTestPartResultReporter r(
                ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD,
                &failures);
            (void)compare_exwire_to_quickfix({{1, a}, {2, b}}, {a, b_changed});
        }
        EXPECT_EQ(failures.size(), 1);  // 2 differs
    }
    {
        ::testing::TestPartResultArray failures;
        {
            ::testing::ScopedFakeTestPartResultReporter r(
                ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD,
                &failures);
            (void)compare_quickfix_to_exwire({a, b, reset}, {a}, 10);
        }
        EXPECT_GE(failures.size(), 1);  // b was not delivered
    }
    {
        ::testing::TestPartResultArray failures;
        {
            ::testing::ScopedFakeTestPartResultReporter r(
                ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD,
                &failures);
            (void)compare_exwire_to_quickfix({{1, a}, {2, b}}, {a, b});
            (void)compare_quickfix_to_exwire({a, b, reset}, {a, b}, 10);
        }
        EXPECT_EQ(failures.size(), 0);  // agreeing logs pass
    }
}

// Sub IDs against QuickFIX: QuickFIX's initiator writes SenderSubID/TargetSubID in every
// header (QuickFIX itself compares CompIDs only). An exwire acceptor whose identity names
// the sub IDs refuses a Logon from another desk (connection closed, no answer), then trades
// with the right one, every message in both directions carrying the sub IDs, and answers
// a message from another desk after logon with Reject (CompID problem) and Logout.
TEST(fix_interop, quickfix_initiator_with_sub_ids_is_routed_by_them_at_exwire_acceptor) {
    const char* dir = dictionaries();
    if (dir == nullptr) GTEST_SKIP() << "EXWIRE_FIX_DICTIONARIES not set";
    const int port = free_port();
    session_config s;
    s.name = "exch-desk1";
    s.protocol = protocol_kind::fix;
    s.role = session_role::acceptor;
    s.listen = {"127.0.0.1", static_cast<std::uint16_t>(port)};
    s.sender_comp_id = "EXCH";
    s.target_comp_id = "BANK";
    s.fix.sender_sub_id = "MATCH";
    s.fix.target_sub_id = "DESK1";
    s.fix.logon_timeout_ns = 1'000'000'000;
    s.heartbeat.interval_ns = 30'000'000'000;
    exwire_side x;
    ASSERT_TRUE(x.start(s));

    exwire_test::quickfix_options qo;
    qo.port = port;
    qo.dictionary_path = std::string(dir) + "/FIX44.xml";
    qo.sender_comp_id = "BANK";
    qo.target_comp_id = "EXCH";
    qo.target_sub_id = "MATCH";
    qo.sender_sub_id = "DESK2";  // not the acceptor's desk
    std::string error;
    {
        auto wrong = exwire_test::quickfix_peer::start(false, qo, error);
        ASSERT_TRUE(wrong) << error;
        // QuickFIX retries every second: two Logons refused by exwire, neither answered.
        const auto refused = [&] {
            return std::count(x.disconnects.begin(), x.disconnects.end(),
                              "unknown session identity (CompID, SubID or LocationID)");
        };
        EXPECT_TRUE(wait_until(
            [&] {
                x.poll(1ms);
                return refused() >= 2;
            },
            5s));
        EXPECT_EQ(wrong->logons(), 0);
        EXPECT_FALSE(x.h.is_active());
        wrong->stop();
        const exwire_test::quickfix_log l = wrong->log();
        EXPECT_GE(l.outgoing.size(), 2u);  // its Logons
        for (const std::string& f : l.outgoing)
            EXPECT_EQ(cf::message_view(f).get(50), "DESK2");
        EXPECT_TRUE(l.incoming.empty()) << "answered: " << show(l.incoming.front());
    }
    // A QuickFIX initiator stopped while connecting may leave its socket open: the
    // acceptor's logon timeout (1 s here) drops that silent connection.
    qo.sender_sub_id = "DESK1";
    auto qf = exwire_test::quickfix_peer::start(false, qo, error);
    ASSERT_TRUE(qf) << error;
    ASSERT_TRUE(wait_until([&] { return x.h.is_active() && qf->logons() == 1; }, 5s))
        << events(qf->log());
    constexpr int n = 200;
    int sent = 0;
    const auto end = std::chrono::steady_clock::now() + 20s;
    while (qf->order_reports() < n && std::chrono::steady_clock::now() < end) {
        if (sent < n && qf->send_order("ORD" + std::to_string(sent))) ++sent;
        x.poll(sent < n ? 0ms : 5ms);
    }
    EXPECT_EQ(qf->order_reports(), n);
    EXPECT_EQ(qf->rejects(), 0);

    // QuickFIX switches desks mid-session: exwire treats the SubID like a CompID, answering
    // the order with Reject 373=9 and Logout; QuickFIX answers the Logout (from DESK9 too,
    // which exwire again treats as QuickFIX's nextLogout would) and closes the connection.
    const std::size_t before = x.disconnects.size();
    qf->set_sender_sub_id("DESK9");
    ASSERT_TRUE(qf->send_order("WRONGDESK"));
    EXPECT_TRUE(wait_until(
        [&] {
            x.poll(1ms);
            return qf->rejects() >= 1 && qf->logouts() >= 1 && x.disconnects.size() > before;
        },
        5s));
    EXPECT_FALSE(x.h.is_active());
    ASSERT_GT(x.disconnects.size(), before);
    EXPECT_EQ(x.disconnects[before], "connection closed by peer");
    qf->stop();
    const exwire_test::quickfix_log l = qf->log();
    std::size_t reject_at = l.incoming.size();
    for (std::size_t i = 0; i < l.incoming.size(); ++i) {
        const cf::message_view m(l.incoming[i]);
        if (m.msg_type() != "3") continue;
        EXPECT_EQ(m.get(373), "9") << show(l.incoming[i]);
        EXPECT_EQ(m.get(58), "CompID problem");
        EXPECT_EQ(m.get(372), "D");
        reject_at = i;
        break;
    }
    ASSERT_LT(reject_at + 1, l.incoming.size()) << "no Reject followed by a Logout";
    EXPECT_EQ(cf::message_view(l.incoming[reject_at + 1]).msg_type(), "5");
    ASSERT_EQ(x.delivered.size(), static_cast<std::size_t>(n));  // not the WRONGDESK order
    for (const std::string& f : x.delivered) {
        const cf::message_view m(f);
        EXPECT_EQ(m.get(50), "DESK1");
        EXPECT_EQ(m.get(57), "MATCH");
    }
    ASSERT_GE(l.incoming.size(), static_cast<std::size_t>(n + 3));  // Logon, reports, 3, 5
    for (const std::string& f : l.incoming) {
        const cf::message_view m(f);
        EXPECT_EQ(m.get(50), "MATCH") << show(f);
        EXPECT_EQ(m.get(57), "DESK1") << show(f);
    }
}

// The other direction: an exwire initiator that names its desk (SenderSubID DESK1) and the
// peer's (TargetSubID MATCH) against a QuickFIX acceptor writing them mirrored; QuickFIX
// validates the headers with FIX44.xml and every message both ways carries them.
TEST(fix_interop, exwire_initiator_with_sub_ids_trades_with_quickfix_acceptor) {
    const char* dir = dictionaries();
    if (dir == nullptr) GTEST_SKIP() << "EXWIRE_FIX_DICTIONARIES not set";
    const int port = free_port();
    exwire_test::quickfix_options qo;
    qo.port = port;
    qo.dictionary_path = std::string(dir) + "/FIX44.xml";
    qo.sender_comp_id = "EXCH";
    qo.target_comp_id = "BANK";
    qo.sender_sub_id = "MATCH";
    qo.target_sub_id = "DESK1";
    std::string error;
    auto qf = exwire_test::quickfix_peer::start(true, qo, error);
    ASSERT_TRUE(qf) << error;

    session_config s;
    s.name = "bank-desk1";
    s.protocol = protocol_kind::fix;
    s.role = session_role::initiator;
    s.connect = {"127.0.0.1", static_cast<std::uint16_t>(port)};
    s.sender_comp_id = "BANK";
    s.target_comp_id = "EXCH";
    s.fix.sender_sub_id = "DESK1";
    s.fix.target_sub_id = "MATCH";
    s.heartbeat.interval_ns = 30'000'000'000;
    exwire_side x;
    ASSERT_TRUE(x.start(s));
    ASSERT_TRUE(wait_until([&] { return x.h.is_active() && qf->logons() == 1; }, 5s))
        << events(qf->log());
    constexpr int n = 200;
    int sent = 0;
    const auto end = std::chrono::steady_clock::now() + 20s;
    while (x.order_reports < n && std::chrono::steady_clock::now() < end) {
        if (sent < n && x.send_order("ORD" + std::to_string(sent))) ++sent;
        x.poll(sent < n ? 0ms : 5ms);
    }
    EXPECT_EQ(x.order_reports, n);
    EXPECT_EQ(qf->orders(), n);
    EXPECT_EQ(qf->rejects(), 0);
    EXPECT_TRUE(x.h.close(5s));
    EXPECT_TRUE(wait_until([&] { return qf->logouts() == 1; }, 5s));
    qf->stop();
    const exwire_test::quickfix_log l = qf->log();
    ASSERT_EQ(x.delivered.size(), static_cast<std::size_t>(n));
    for (const std::string& f : x.delivered) {
        const cf::message_view m(f);
        EXPECT_EQ(m.get(50), "MATCH") << show(f);
        EXPECT_EQ(m.get(57), "DESK1") << show(f);
    }
    ASSERT_GE(l.incoming.size(), static_cast<std::size_t>(n + 2));  // Logon, orders, Logout
    for (const std::string& f : l.incoming) {
        const cf::message_view m(f);
        EXPECT_EQ(m.get(50), "DESK1") << show(f);
        EXPECT_EQ(m.get(57), "MATCH") << show(f);
    }
}

// Routing by sub IDs with QuickFIX peers: two exwire acceptors EXCH<-BANK share one port,
// one for DESK1 (answering as MATCH), one for DESK2 (answering as MATCH2). A QuickFIX
// initiator from DESK2, then one from DESK1, each log on to the acceptor of its desk.
TEST(fix_interop, quickfix_initiators_reach_the_exwire_acceptor_of_their_desk_on_a_shared_port) {
    const char* dir = dictionaries();
    if (dir == nullptr) GTEST_SKIP() << "EXWIRE_FIX_DICTIONARIES not set";
    const int port = free_port();
    session_config d1;
    d1.name = "exch-desk1";
    d1.protocol = protocol_kind::fix;
    d1.role = session_role::acceptor;
    d1.listen = {"127.0.0.1", static_cast<std::uint16_t>(port)};
    d1.sender_comp_id = "EXCH";
    d1.target_comp_id = "BANK";
    d1.fix.sender_sub_id = "MATCH";
    d1.fix.target_sub_id = "DESK1";
    d1.heartbeat.interval_ns = 30'000'000'000;
    session_config d2 = d1;
    d2.name = "exch-desk2";
    d2.fix.sender_sub_id = "MATCH2";
    d2.fix.target_sub_id = "DESK2";
    exwire_side x;
    ASSERT_TRUE(x.start(d1, {d2}));
    session_handle h2 = x.eng->session("exch-desk2");

    exwire_test::quickfix_options qo;
    qo.port = port;
    qo.dictionary_path = std::string(dir) + "/FIX44.xml";
    qo.sender_comp_id = "BANK";
    qo.target_comp_id = "EXCH";
    std::string error;
    {
        qo.sender_sub_id = "DESK2";
        qo.target_sub_id = "MATCH2";
        auto qf = exwire_test::quickfix_peer::start(false, qo, error);
        ASSERT_TRUE(qf) << error;
        ASSERT_TRUE(wait_until([&] { return h2.is_active() && qf->logons() == 1; }, 5s))
            << events(qf->log());
        EXPECT_FALSE(x.h.is_active());
        qf->stop();
        EXPECT_TRUE(wait_until([&] { return !h2.is_active(); }, 5s));
        const exwire_test::quickfix_log l = qf->log();
        ASSERT_FALSE(l.incoming.empty());
        const cf::message_view logon(l.incoming.front());
        EXPECT_EQ(logon.msg_type(), "A");
        EXPECT_EQ(logon.get(50), "MATCH2");
        EXPECT_EQ(logon.get(57), "DESK2");
    }
    qo.sender_sub_id = "DESK1";
    qo.target_sub_id = "MATCH";
    auto qf = exwire_test::quickfix_peer::start(false, qo, error);
    ASSERT_TRUE(qf) << error;
    ASSERT_TRUE(wait_until([&] { return x.h.is_active() && qf->logons() == 1; }, 5s))
        << events(qf->log());
    EXPECT_FALSE(h2.is_active());
    constexpr int n = 50;
    int sent = 0;
    const auto end = std::chrono::steady_clock::now() + 20s;
    while (qf->order_reports() < n && std::chrono::steady_clock::now() < end) {
        if (sent < n && qf->send_order("ORD" + std::to_string(sent))) ++sent;
        x.poll(sent < n ? 0ms : 5ms);
    }
    EXPECT_EQ(qf->order_reports(), n);
    EXPECT_EQ(x.delivered.size(), static_cast<std::size_t>(n));
    qf->stop();
    for (const std::string& f : qf->log().incoming) {
        const cf::message_view m(f);
        EXPECT_EQ(m.get(50), "MATCH") << show(f);
        EXPECT_EQ(m.get(57), "DESK1") << show(f);
    }
}

}  // namespace
