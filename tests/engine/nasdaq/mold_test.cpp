// MoldUDP64 receiver and publisher state machines: fake clock, no sockets.

#include <cstdint>
#include <deque>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <exwire/codec/nasdaq/moldudp64.hpp>
#include <exwire/engine/nasdaq/moldudp64_session.hpp>

using namespace exwire::engine::nasdaq;
using exwire::to_bytes;
namespace mold = exwire::codec::nasdaq::moldudp64;

namespace {

constexpr std::int64_t ms = 1'000'000;
constexpr std::int64_t sec = 1'000'000'000;

std::string datagram(std::string_view session, std::uint64_t seq,
                     const std::vector<std::string>& messages) {
    std::vector<std::byte> buf(20 + 2 * messages.size() + 2000);
    (void)mold::encode_header(buf, session, seq, static_cast<std::uint16_t>(messages.size()));
    std::size_t pos = 20;
    for (const auto& m : messages)
        pos = mold::append_block(buf, pos, to_bytes(m));
    return std::string(reinterpret_cast<const char*>(buf.data()), pos);
}
std::string header_only(std::string_view session, std::uint64_t seq, std::uint16_t count) {
    std::byte h[20];
    (void)mold::encode_header(h, session, seq, count);
    return std::string(reinterpret_cast<const char*>(h), 20);
}

struct recording_receiver final : mold_receiver_handler {
    void on_message(std::uint64_t seq, exwire::bytes m) noexcept override {
        sequences.push_back(seq);
        stream += std::string(exwire::to_string_view(m));
        messages.emplace_back(exwire::to_string_view(m));
    }
    bool send_request(exwire::bytes r) noexcept override {
        mold::request q{};
        EXPECT_EQ(mold::decode_request(r, q), exwire::codec::nasdaq::frame_status::complete);
        requests.push_back({q.sequence, q.count});
        raw_requests.emplace_back(exwire::to_string_view(r));
        return true;
    }
    void on_gap(std::uint64_t f, std::uint64_t c) noexcept override { gaps.push_back({f, c}); }
    void on_gap_filled(std::uint64_t f, std::uint64_t c) noexcept override {
        filled.push_back({f, c});
    }
    void on_end_of_session(std::uint64_t n) noexcept override { ended_at = n; }
    void on_silence(std::uint32_t n) noexcept override { silences = n; }
    void on_failure(std::uint64_t f, std::uint64_t c, std::string_view) noexcept override {
        failure = {f, c};
    }
    std::vector<std::uint64_t> sequences;
    std::vector<std::string> messages;
    std::string stream;
    std::vector<std::pair<std::uint64_t, std::uint16_t>> requests;
    std::vector<std::string> raw_requests;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> gaps, filled;
    std::pair<std::uint64_t, std::uint64_t> failure{0, 0};
    std::uint64_t ended_at = 0;
    std::uint32_t silences = 0;
};

mold_receiver_options receiver_options() {
    mold_receiver_options o;
    o.session = "SESS";
    o.max_request_count = 3;
    o.max_outstanding = 2;
    o.request_timeout_ns = 50 * ms;
    o.max_retries = 3;
    return o;
}

}  // namespace

TEST(mold_receiver, delivers_in_order_without_requests) {
    recording_receiver h;
    mold_receiver r(receiver_options(), h);
    EXPECT_EQ(r.on_packet(to_bytes(datagram("SESS", 1, {"a", "b"})), 0), 2);
    EXPECT_EQ(r.on_packet(to_bytes(datagram("SESS", 3, {"c"})), 0), 1);
    EXPECT_EQ(h.stream, "abc");
    EXPECT_EQ(h.sequences, (std::vector<std::uint64_t>{1, 2, 3}));
    EXPECT_TRUE(h.requests.empty());
    EXPECT_EQ(r.next_expected(), 4u);
}

TEST(mold_receiver, ignores_duplicates_malformed_and_other_sessions) {
    recording_receiver h;
    mold_receiver r(receiver_options(), h);
    (void)r.on_packet(to_bytes(datagram("SESS", 1, {"a"})), 0);
    EXPECT_EQ(r.on_packet(to_bytes(datagram("SESS", 1, {"a"})), 0), 0);
    EXPECT_EQ(r.on_packet(to_bytes(datagram("OTHER", 2, {"x"})), 0), 0);
    EXPECT_EQ(r.on_packet(to_bytes(std::string("short")), 0), 0);
    EXPECT_EQ(h.stream, "a");
    EXPECT_EQ(r.foreign_packets(), 1u);
    EXPECT_EQ(r.malformed_packets(), 1u);
}

TEST(mold_receiver, detects_gap_requests_it_and_delivers_in_order_after_fill) {
    recording_receiver h;
    mold_receiver r(receiver_options(), h);
    (void)r.on_packet(to_bytes(datagram("SESS", 1, {"1"})), 0);
    (void)r.on_packet(to_bytes(datagram("SESS", 6, {"6", "7"})), 0);
    ASSERT_EQ(h.gaps.size(), 1u);
    EXPECT_EQ(h.gaps[0], (std::pair<std::uint64_t, std::uint64_t>{2, 4}));
    // Two outstanding requests at most, three messages each: [2,5) and [5,6).
    ASSERT_EQ(h.requests.size(), 2u);
    EXPECT_EQ(h.requests[0], (std::pair<std::uint64_t, std::uint16_t>{2, 3}));
    EXPECT_EQ(h.requests[1], (std::pair<std::uint64_t, std::uint16_t>{5, 1}));
    EXPECT_EQ(h.raw_requests[0].substr(0, 10), "SESS      ");
    EXPECT_EQ(h.stream, "1");
    (void)r.on_packet(to_bytes(datagram("SESS", 2, {"2", "3", "4"})), 1 * ms);
    EXPECT_EQ(h.stream, "1234");
    EXPECT_TRUE(h.filled.empty());
    (void)r.on_packet(to_bytes(datagram("SESS", 5, {"5"})), 2 * ms);
    EXPECT_EQ(h.stream, "1234567");
    ASSERT_EQ(h.filled.size(), 1u);
    EXPECT_EQ(h.filled[0], (std::pair<std::uint64_t, std::uint64_t>{2, 4}));
    EXPECT_EQ(r.outstanding_requests(), 0u);
}

TEST(mold_receiver, bounds_outstanding_requests_and_issues_more_as_they_complete) {
    recording_receiver h;
    mold_receiver r(receiver_options(), h);
    (void)r.on_packet(to_bytes(datagram("SESS", 20, {"20"})), 0);  // 1..19 missing
    EXPECT_EQ(h.requests.size(), 2u);
    EXPECT_EQ(r.outstanding_requests(), 2u);
    (void)r.on_packet(to_bytes(datagram("SESS", 1, {"1", "2", "3"})), 1 * ms);
    ASSERT_EQ(h.requests.size(), 3u);
    EXPECT_EQ(h.requests[2], (std::pair<std::uint64_t, std::uint16_t>{7, 3}));
    EXPECT_LE(r.outstanding_requests(), 2u);
}

TEST(mold_receiver, retries_unanswered_request_then_gives_up) {
    recording_receiver h;
    mold_receiver r(receiver_options(), h);
    (void)r.on_packet(to_bytes(datagram("SESS", 1, {"1"})), 0);
    (void)r.on_packet(to_bytes(datagram("SESS", 3, {"3"})), 0);
    ASSERT_EQ(h.requests.size(), 1u);
    EXPECT_EQ(r.on_tick(49 * ms), 0);
    EXPECT_EQ(r.on_tick(50 * ms), 1);
    EXPECT_EQ(h.requests.size(), 2u);
    EXPECT_EQ(h.requests[1], (std::pair<std::uint64_t, std::uint16_t>{2, 1}));
    (void)r.on_tick(100 * ms);
    (void)r.on_tick(150 * ms);
    EXPECT_EQ(h.requests.size(), 4u);
    EXPECT_EQ(r.current_state(), mold_receiver::state::running);
    (void)r.on_tick(200 * ms);
    EXPECT_EQ(r.current_state(), mold_receiver::state::failed);
    EXPECT_EQ(h.failure, (std::pair<std::uint64_t, std::uint64_t>{2, 1}));
}

TEST(mold_receiver, partial_answer_asks_for_the_rest_at_once_without_counting_a_retry) {
    recording_receiver h;
    auto o = receiver_options();
    o.max_request_count = 10;
    o.max_retries = 1;
    mold_receiver r(o, h);
    (void)r.on_packet(to_bytes(datagram("SESS", 1, {"1"})), 0);
    (void)r.on_packet(to_bytes(datagram("SESS", 10, {"10"})), 0);
    ASSERT_EQ(h.requests.size(), 1u);
    EXPECT_EQ(h.requests[0], (std::pair<std::uint64_t, std::uint16_t>{2, 8}));
    // The response held only 2..4 (what fits one datagram).
    (void)r.on_packet(to_bytes(datagram("SESS", 2, {"2", "3", "4"})), 1 * ms);
    ASSERT_EQ(h.requests.size(), 2u);
    EXPECT_EQ(h.requests[1], (std::pair<std::uint64_t, std::uint16_t>{5, 5}));
    (void)r.on_packet(to_bytes(datagram("SESS", 5, {"5", "6"})), 2 * ms);
    (void)r.on_packet(to_bytes(datagram("SESS", 7, {"7", "8", "9"})), 3 * ms);
    EXPECT_EQ(r.current_state(), mold_receiver::state::running);  // progress is no retry
    EXPECT_EQ(h.stream, "12345678910");
}

TEST(mold_receiver, heartbeat_reveals_tail_loss) {
    recording_receiver h;
    mold_receiver r(receiver_options(), h);
    (void)r.on_packet(to_bytes(datagram("SESS", 1, {"1"})), 0);
    (void)r.on_packet(to_bytes(header_only("SESS", 3, 0)), 1 * sec);
    ASSERT_EQ(h.gaps.size(), 1u);
    EXPECT_EQ(h.gaps[0], (std::pair<std::uint64_t, std::uint64_t>{2, 1}));
    EXPECT_EQ(h.requests.size(), 1u);
}

TEST(mold_receiver, end_of_session_after_everything_delivered) {
    recording_receiver h;
    mold_receiver r(receiver_options(), h);
    (void)r.on_packet(to_bytes(datagram("SESS", 1, {"1"})), 0);
    (void)r.on_packet(to_bytes(header_only("SESS", 3, 0xFFFF)), 0);
    EXPECT_EQ(h.ended_at, 0u);  // 2 still missing
    (void)r.on_packet(to_bytes(datagram("SESS", 2, {"2"})), 0);
    EXPECT_EQ(h.ended_at, 3u);
    EXPECT_EQ(r.current_state(), mold_receiver::state::ended);
}

TEST(mold_receiver, reports_silence_once_per_timeout) {
    recording_receiver h;
    mold_receiver r(receiver_options(), h);
    (void)r.on_packet(to_bytes(header_only("SESS", 1, 0)), 0);
    (void)r.on_tick(14 * sec);
    EXPECT_EQ(h.silences, 0u);
    (void)r.on_tick(15 * sec);
    EXPECT_EQ(h.silences, 1u);
    (void)r.on_tick(29 * sec);
    EXPECT_EQ(h.silences, 1u);
    (void)r.on_tick(30 * sec);
    EXPECT_EQ(h.silences, 2u);
}

TEST(mold_receiver, joins_at_first_sequence_seen_when_asked) {
    recording_receiver h;
    auto o = receiver_options();
    o.first_expected = 0;
    o.session.clear();
    mold_receiver r(o, h);
    (void)r.on_packet(to_bytes(datagram("LATE", 500, {"x"})), 0);
    EXPECT_EQ(h.sequences, std::vector<std::uint64_t>{500});
    EXPECT_TRUE(h.requests.empty());
}

TEST(mold_receiver, refuses_sequence_zero_and_packets_that_run_past_2_to_the_64) {
    recording_receiver h;
    auto o = receiver_options();
    o.first_expected = 0;  // joining: the first packet would set the expected sequence
    o.session.clear();
    mold_receiver r(o, h);
    constexpr std::uint64_t top = std::numeric_limits<std::uint64_t>::max();
    EXPECT_EQ(r.on_packet(to_bytes(datagram("S", 0, {"x"})), 0), 0);
    EXPECT_EQ(r.on_packet(to_bytes(datagram("S", top, {"x"})), 0), 0);
    EXPECT_EQ(r.on_packet(to_bytes(header_only("S", top - 1, 5)), 0), 0);
    EXPECT_EQ(r.malformed_packets(), 3u);
    EXPECT_TRUE(h.sequences.empty());
    // The stream still joins at the first sound packet.
    EXPECT_EQ(r.on_packet(to_bytes(datagram("S", 35, {"a", "b"})), 0), 2);
    EXPECT_EQ(h.sequences, (std::vector<std::uint64_t>{35, 36}));
}

// ---- publisher ------------------------------------------------------------------------

namespace {
struct recording_publisher final : mold_publisher_handler {
    bool send_packet(exwire::bytes d) noexcept override {
        packets.emplace_back(exwire::to_string_view(d));
        return true;
    }
    bool send_response(exwire::bytes d) noexcept override {
        responses.emplace_back(exwire::to_string_view(d));
        return true;
    }
    std::vector<std::string> packets, responses;
};
}  // namespace

TEST(mold_publisher, packs_messages_into_datagrams_up_to_the_size_limit) {
    memory_store store;
    recording_publisher h;
    mold_publisher_options o;
    o.session = "SESS";
    o.max_datagram = 20 + 3 * 12;  // three 10-byte messages per packet
    mold_publisher p(o, store, h);
    for (int i = 0; i < 7; ++i)
        ASSERT_TRUE(p.publish(to_bytes(std::string(10, 'a' + i)), 0));
    EXPECT_EQ(h.packets.size(), 2u);
    EXPECT_EQ(p.flush(0), 1);
    ASSERT_EQ(h.packets.size(), 3u);
    mold::packet pk;
    ASSERT_EQ(mold::packet::decode(to_bytes(h.packets[1]), pk),
              exwire::codec::nasdaq::frame_status::complete);
    EXPECT_EQ(pk.sequence(), 4u);
    EXPECT_EQ(pk.count(), 3u);
    EXPECT_EQ(store.next_sequence(), 8u);
    EXPECT_FALSE(p.publish(to_bytes(std::string(40, 'x')), 0));  // can never fit
}

TEST(mold_publisher, heartbeats_after_a_second_of_silence_and_ends_session) {
    memory_store store;
    recording_publisher h;
    mold_publisher p({"SESS", 1400, 1 * sec}, store, h);
    ASSERT_TRUE(p.publish(to_bytes("m1"), 0));
    EXPECT_EQ(p.on_tick(0), 1);
    EXPECT_EQ(p.on_tick(999 * ms), 0);
    EXPECT_EQ(p.on_tick(1 * sec), 1);
    EXPECT_EQ(h.packets.back(), header_only("SESS", 2, 0));
    EXPECT_TRUE(p.end_session(1500 * ms));
    EXPECT_EQ(h.packets.back(), header_only("SESS", 2, 0xFFFF));
    EXPECT_FALSE(p.publish(to_bytes("late"), 2 * sec));
    (void)p.on_tick(2500 * ms);
    EXPECT_EQ(h.packets.back(), header_only("SESS", 2, 0xFFFF));
}

TEST(mold_publisher, answers_requests_from_the_store_and_refuses_bad_ones) {
    memory_store store;
    recording_publisher h;
    mold_publisher p({"SESS", 20 + 2 * 4, 1 * sec}, store, h);  // two 2-byte messages fit
    for (const char* m : {"m1", "m2", "m3"})
        ASSERT_TRUE(p.publish(to_bytes(m), 0));
    EXPECT_EQ(p.on_request(to_bytes(header_only("SESS", 2, 5)), 0), 1);
    ASSERT_EQ(h.responses.size(), 1u);
    EXPECT_EQ(h.responses[0], datagram("SESS", 2, {"m2", "m3"}));
    EXPECT_EQ(p.on_request(to_bytes(header_only("OTHER", 2, 1)), 0), 0);
    EXPECT_EQ(p.on_request(to_bytes(header_only("SESS", 9, 1)), 0), 0);
    EXPECT_EQ(p.on_request(to_bytes(std::string("tiny")), 0), 0);
    EXPECT_EQ(p.bad_requests(), 3u);
}

TEST(moldudp64_recovery, one_percent_loss_recovers_a_byte_identical_stream) {
    // A publisher and a receiver joined by a lossy "network": 1% of downstream packets,
    // requests and responses are dropped (seeded, so every run is the same).
    memory_store store;
    std::deque<std::string> downstream, upstream, responses;
    struct net_publisher final : mold_publisher_handler {
        std::deque<std::string>* down;
        std::deque<std::string>* resp;
        bool send_packet(exwire::bytes d) noexcept override {
            down->emplace_back(exwire::to_string_view(d));
            return true;
        }
        bool send_response(exwire::bytes d) noexcept override {
            resp->emplace_back(exwire::to_string_view(d));
            return true;
        }
    } ph;
    ph.down = &downstream;
    ph.resp = &responses;
    struct net_receiver final : mold_receiver_handler {
        std::deque<std::string>* up;
        std::string stream;
        std::uint64_t expected = 1;
        bool out_of_order = false;
        std::uint64_t gaps = 0;
        bool ended = false;
        void on_message(std::uint64_t seq, exwire::bytes m) noexcept override {
            if (seq != expected) out_of_order = true;
            ++expected;
            stream += std::string(exwire::to_string_view(m));
        }
        bool send_request(exwire::bytes r) noexcept override {
            up->emplace_back(exwire::to_string_view(r));
            return true;
        }
        void on_gap(std::uint64_t, std::uint64_t) noexcept override { ++gaps; }
        void on_end_of_session(std::uint64_t) noexcept override { ended = true; }
    } rh;
    rh.up = &upstream;

    mold_publisher pub({"FEED", 1200, 1 * sec}, store, ph);
    mold_receiver_options ro;
    ro.session = "FEED";
    ro.request_timeout_ns = 20 * ms;
    ro.max_retries = 20;
    ro.max_request_count = 64;
    mold_receiver rec(ro, rh);

    std::mt19937_64 rng(20261121);
    std::uniform_int_distribution<int> percent(0, 99);
    std::uniform_int_distribution<int> length(1, 120);
    std::string published;
    std::uint64_t dropped = 0;
    auto carry = [&](std::deque<std::string>& q, auto&& deliver) {
        while (!q.empty()) {
            std::string d = std::move(q.front());
            q.pop_front();
            if (percent(rng) == 0) {
                ++dropped;
                continue;
            }
            deliver(d);
        }
    };
    std::int64_t now = 0;
    constexpr int message_count = 20'000;
    for (int i = 0; i < message_count; ++i) {
        std::string m(static_cast<std::size_t>(length(rng)), '\0');
        for (auto& c : m)
            c = static_cast<char>(rng());
        published += m;
        ASSERT_TRUE(pub.publish(to_bytes(m), now));
        if (i % 10 == 9) {
            now += 1 * ms;
            (void)pub.on_tick(now);
            (void)rec.on_tick(now);
        }
        carry(downstream, [&](const std::string& d) { (void)rec.on_packet(to_bytes(d), now); });
        carry(upstream, [&](const std::string& d) { (void)pub.on_request(to_bytes(d), now); });
        carry(responses, [&](const std::string& d) { (void)rec.on_packet(to_bytes(d), now); });
    }
    ASSERT_TRUE(pub.end_session(now));
    // Let recovery finish: bounded number of simulated milliseconds.
    for (int step = 0; step < 5000 && !rh.ended; ++step) {
        now += 1 * ms;
        (void)pub.on_tick(now);
        (void)rec.on_tick(now);
        carry(downstream, [&](const std::string& d) { (void)rec.on_packet(to_bytes(d), now); });
        carry(upstream, [&](const std::string& d) { (void)pub.on_request(to_bytes(d), now); });
        carry(responses, [&](const std::string& d) { (void)rec.on_packet(to_bytes(d), now); });
    }
    EXPECT_GT(dropped, 10u);  // the network really lost packets
    EXPECT_GT(rh.gaps, 0u);
    EXPECT_GT(rec.requests_sent(), 0u);
    EXPECT_TRUE(rh.ended);
    EXPECT_FALSE(rh.out_of_order);
    EXPECT_EQ(rec.current_state(), mold_receiver::state::ended);
    EXPECT_EQ(rh.expected, static_cast<std::uint64_t>(message_count) + 1);
    EXPECT_TRUE(rh.stream == published) << "recovered stream differs from the published one";
}
