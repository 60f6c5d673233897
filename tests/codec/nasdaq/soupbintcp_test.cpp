// SoupBinTCP: packet views from the generated set, the stream framer across reads, the full
// 16-bit length range, unknown types, malformed lengths and truncation.
#include <exwire/codec/nasdaq/soupbintcp.hpp>
#include <exwire/codec/nasdaq/soupbintcp40.hpp>

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "golden.hpp"

namespace nq = exwire::codec::nasdaq;
namespace soup = exwire::codec::nasdaq::soupbintcp;
namespace s40 = exwire::codec::nasdaq::soupbintcp40;
using exwire_test::hex;

namespace {
// Real login request and accept bytes (JNX capture), from the Packet Length on.
const std::string login_request =
    "002f 4c 757365722020 70617373776f72642020 20202020202020202020 "
    "2020202020202020202020202020202020202030";
const std::string login_accepted =
    "001f 41 31363839313932313231 2020202020202020202020202020202020313335";

struct collected {
    std::vector<std::pair<std::uint8_t, std::vector<std::byte>>> packets;
    std::vector<bool> known;
    void operator()(const soup::packet& p) {
        packets.emplace_back(p.type, std::vector<std::byte>(p.payload.begin(), p.payload.end()));
        known.push_back(p.known);
    }
};
}  // namespace

TEST(soupbintcp, golden_packets_decode_and_encode_through_the_generated_set) {
    struct g {
        std::string wire, text;
    };
    const std::vector<g> goldens = {
        {login_request,
         "LoginRequest{Username=\"user\", Password=\"password\", RequestedSession=\"\", "
         "RequestedSequenceNumber=\"0\"}"},
        {login_accepted, "LoginAccepted{Session=\"1689192121\", SequenceNumber=\"135\"}"},
        {"0002 4a 41", "LoginRejected{RejectReasonCode=\"A\"}"},
        {"0001 48", "ServerHeartbeat{}"},
        {"0001 5a", "EndOfSession{}"},
        {"0001 52", "ClientHeartbeat{}"},
        {"0001 4f", "LogoutRequest{}"},
        {"0004 53 414243", "SequencedData{Message=\"ABC\"}"},
        {"0003 55 00ff", "UnsequencedData{Message=\"\\x00\\xff\"}"},
        {"0006 2b 68656c6c6f", "Debug{Text=\"hello\"}"},
    };
    EXPECT_EQ(goldens.size(), std::size(s40::messages));
    for (const auto& [w, text] : goldens) {
        const auto wire = hex(w);
        const auto p = soup::decode_packet(wire);
        ASSERT_EQ(p.status, nq::frame_status::complete) << text;
        EXPECT_TRUE(p.known);
        auto t = nq::to_text(s40::set, p.message);
        ASSERT_TRUE(t.ok()) << t.err().message;
        EXPECT_EQ(*t, text);
        std::array<std::byte, 80> out{};
        auto n = nq::from_text(s40::set, text, std::span(out).subspan(2));
        ASSERT_TRUE(n.ok()) << n.err().message;
        exwire::store_be<std::uint16_t>(out.data(), static_cast<std::uint16_t>(*n));
        EXPECT_EQ(exwire_test::to_hex({out.data(), *n + 2}), exwire_test::to_hex(wire)) << text;
        // typed views re-encode through the builders too
        std::array<std::byte, 80> out2{};
        std::size_t written = 0;
        ASSERT_EQ(s40::visit(
                      p.message,
                      [&]<typename V>(V v) {
                          written = typename V::message_type::builder(out2).assign(v).finish().size;
                      }),
                  nq::visit_status::ok);
        EXPECT_EQ(exwire_test::to_hex({out2.data(), written}), exwire_test::to_hex(p.message))
            << text;
    }
}

TEST(soupbintcp, login_fields_are_right_justified_and_parse_either_way) {
    std::array<std::byte, 47> out{};
    auto r = s40::login_request::builder(out)
                 .username("user")
                 .password("password")
                 .requested_session("")
                 .requested_sequence_number("0")
                 .finish();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(exwire_test::to_hex(out),
              exwire_test::to_hex(exwire::bytes(hex(login_request)).subspan(2)));
    // N-SOUP style: left-justified
    const auto left = hex("41 31363839313932313231 3133352020202020202020202020202020202020");
    EXPECT_EQ(s40::login_accepted::view(left).sequence_number(), "135");
}

TEST(soupbintcp, framer_reassembles_packets_split_at_every_byte) {
    std::vector<std::byte> stream;
    for (const auto& w : {login_accepted, std::string("0001 48"), std::string("0004 53 414243"),
                          std::string("0002 7a 01")}) {
        const auto b = hex(w);
        stream.insert(stream.end(), b.begin(), b.end());
    }
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        soup::stream_framer f;
        collected c;
        ASSERT_EQ(f.feed(exwire::bytes(stream).first(cut), c), nq::frame_status::need_more);
        ASSERT_EQ(f.feed(exwire::bytes(stream).subspan(cut), c), nq::frame_status::need_more);
        ASSERT_EQ(c.packets.size(), 4u) << "cut " << cut;
        EXPECT_EQ(c.packets[0].first, 'A');
        EXPECT_EQ(c.packets[1].first, 'H');
        EXPECT_EQ(c.packets[2].first, 'S');
        EXPECT_EQ(exwire_test::to_hex(c.packets[2].second), "414243");
        EXPECT_EQ(c.packets[3].first, 'z');
        EXPECT_FALSE(c.known[3]);  // unknown types are delivered and flagged
        EXPECT_EQ(f.buffered(), 0u);
    }
}

TEST(soupbintcp, framer_handles_one_byte_reads) {
    const auto b = hex(login_request + " 0001 52");
    soup::stream_framer f;
    collected c;
    for (auto x : b)
        ASSERT_EQ(f.feed(exwire::bytes(&x, 1), c), nq::frame_status::need_more);
    ASSERT_EQ(c.packets.size(), 2u);
    EXPECT_EQ(c.packets[0].first, 'L');
    EXPECT_EQ(c.packets[0].second.size(), 46u);
    EXPECT_EQ(c.packets[1].first, 'R');
}

TEST(soupbintcp, framer_accepts_the_full_16_bit_length_including_above_32767) {
    for (std::size_t len :
         {std::size_t{1}, std::size_t{32767}, std::size_t{32768}, std::size_t{65535}}) {
        std::vector<std::byte> pkt(2 + len, std::byte{0x5a});
        exwire::store_be<std::uint16_t>(pkt.data(), static_cast<std::uint16_t>(len));
        pkt[2] = std::byte{'S'};
        soup::stream_framer f;
        collected c;
        // in three reads
        ASSERT_EQ(f.feed(exwire::bytes(pkt).first(1), c), nq::frame_status::need_more);
        ASSERT_EQ(f.feed(exwire::bytes(pkt).subspan(1, pkt.size() / 2), c),
                  nq::frame_status::need_more);
        ASSERT_EQ(f.feed(exwire::bytes(pkt).subspan(1 + pkt.size() / 2), c),
                  nq::frame_status::need_more);
        ASSERT_EQ(c.packets.size(), 1u) << len;
        EXPECT_EQ(c.packets[0].second.size(), len - 1);
        const auto p = soup::decode_packet(pkt);
        EXPECT_EQ(p.status, nq::frame_status::complete);
        EXPECT_EQ(p.size, 2 + len);
    }
}

TEST(soupbintcp, zero_packet_length_is_malformed_and_sticks) {
    soup::stream_framer f;
    collected c;
    const auto b = hex("0001 48 0000 48");
    EXPECT_EQ(f.feed(b, c), nq::frame_status::malformed);
    EXPECT_EQ(c.packets.size(), 1u);  // the heartbeat before it was delivered
    EXPECT_STRNE(f.last_error(), "");
    EXPECT_EQ(f.feed(hex("0001 48"), c), nq::frame_status::malformed);
    f.reset();
    EXPECT_EQ(f.feed(hex("0001 48"), c), nq::frame_status::need_more);
    // zero length split across reads
    soup::stream_framer g;
    EXPECT_EQ(g.feed(hex("00"), c), nq::frame_status::need_more);
    EXPECT_EQ(g.feed(hex("00 48"), c), nq::frame_status::malformed);
}

TEST(soupbintcp, decode_packet_never_reads_past_a_truncated_buffer) {
    const auto full = hex(login_accepted);
    for (std::size_t n = 0; n < full.size(); ++n) {
        std::vector<std::byte> cut(full.begin(), full.begin() + static_cast<long>(n));
        EXPECT_EQ(soup::decode_packet(cut).status, nq::frame_status::need_more) << n;
    }
    // generated views: every short prefix of a login accepted body is truncated
    const auto body = exwire::bytes(full).subspan(2);
    for (std::size_t n = 0; n < body.size(); ++n) {
        std::vector<std::byte> cut(body.begin(), body.begin() + static_cast<long>(n));
        EXPECT_EQ(s40::visit(cut, [](auto) {}), nq::visit_status::truncated) << n;
    }
}

TEST(soupbintcp, encode_packet_writes_length_type_and_payload) {
    std::array<std::byte, 8> out{};
    EXPECT_EQ(soup::encode_packet(out, 'U', hex("4142")), 5u);
    EXPECT_EQ(exwire_test::to_hex(std::span(out).first(5)), "0003554142");
    EXPECT_EQ(soup::encode_packet(std::span(out).first(4), 'U', hex("4142")), 0u);
}
