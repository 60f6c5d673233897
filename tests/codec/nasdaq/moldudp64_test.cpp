// MoldUDP64: header, blocks with sequence numbers, heartbeat, end of session, request packet,
// malformed and truncated datagrams.
#include <exwire/codec/nasdaq/moldudp64.hpp>
#include <exwire/codec/nasdaq/moldudp64_records.hpp>

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "golden.hpp"

namespace nq = exwire::codec::nasdaq;
namespace mold = exwire::codec::nasdaq::moldudp64;
using exwire_test::hex;

namespace {
// Real packet (Order Replace capture): session 000010059B, sequence 14757701, one 35-byte block.
const char* replace_packet =
    "30303030313030353942 0000000000e12f45 0001 0023 "
    "55 1db3 0000 1f1aced771e9 0000000000e6897f 000000000145f2c7 00000064 001036c8";
}  // namespace

TEST(moldudp64, decodes_header_and_block_of_a_real_packet) {
    const auto d = hex(replace_packet);
    mold::packet p;
    ASSERT_EQ(mold::packet::decode(d, p), nq::frame_status::complete);
    EXPECT_EQ(p.session(), "000010059B");
    EXPECT_EQ(p.sequence(), 14757701u);
    EXPECT_EQ(p.count(), 1u);
    EXPECT_EQ(p.kind(), mold::packet_kind::data);
    EXPECT_EQ(p.next_sequence(), 14757702u);
    int n = 0;
    for (const auto b : p) {
        EXPECT_EQ(b.sequence, 14757701u);
        EXPECT_EQ(b.message.size(), 35u);
        EXPECT_EQ(b.message[0], std::byte{'U'});
        ++n;
    }
    EXPECT_EQ(n, 1);
    // the generated record view of the same header
    const mold::downstream_header::view h(d);
    EXPECT_EQ(h.session(), "000010059B");
    EXPECT_EQ(h.sequence_number(), 14757701u);
    EXPECT_EQ(h.message_count(), 1u);
    auto t = nq::record_to_text(mold::downstream_header::info, d);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(*t,
              "DownstreamHeader{Session=\"000010059B\", SequenceNumber=14757701, MessageCount=1}");
}

TEST(moldudp64, blocks_carry_consecutive_sequence_numbers) {
    std::array<std::byte, 64> buf{};
    ASSERT_EQ(mold::encode_header(buf, "SESS", 100, 3), 20u);
    std::size_t pos = 20;
    pos = mold::append_block(buf, pos, hex("41"));
    pos = mold::append_block(buf, pos, hex(""));
    pos = mold::append_block(buf, pos, hex("4243"));
    ASSERT_EQ(pos, 20u + 3 + 2 + 4);
    mold::packet p;
    ASSERT_EQ(mold::packet::decode(std::span(buf).first(pos), p), nq::frame_status::complete);
    EXPECT_EQ(p.session(), "SESS      ");
    std::vector<std::pair<std::uint64_t, std::size_t>> got;
    for (const auto b : p)
        got.emplace_back(b.sequence, b.message.size());
    EXPECT_EQ(got,
              (std::vector<std::pair<std::uint64_t, std::size_t>>{{100, 1}, {101, 0}, {102, 2}}));
    EXPECT_EQ(p.next_sequence(), 103u);
}

TEST(moldudp64, heartbeat_and_end_of_session_have_no_blocks) {
    const auto hb = hex("30303030303833363749 000000000005d921 0000");
    mold::packet p;
    ASSERT_EQ(mold::packet::decode(hb, p), nq::frame_status::complete);
    EXPECT_EQ(p.kind(), mold::packet_kind::heartbeat);
    EXPECT_EQ(p.next_sequence(), 383265u);
    EXPECT_EQ(p.begin(), p.end());
    const auto eos = hex("30303030303833363749 000000000005d921 ffff");
    ASSERT_EQ(mold::packet::decode(eos, p), nq::frame_status::complete);
    EXPECT_EQ(p.kind(), mold::packet_kind::end_of_session);
    EXPECT_EQ(p.next_sequence(), 383265u);
    EXPECT_EQ(p.begin(), p.end());
}

TEST(moldudp64, request_packet_round_trips) {
    std::array<std::byte, 20> buf{};
    ASSERT_EQ(mold::encode_header(buf, "000010059B", 500, 25), 20u);
    mold::request r;
    ASSERT_EQ(mold::decode_request(buf, r), nq::frame_status::complete);
    EXPECT_EQ(r.session, "000010059B");
    EXPECT_EQ(r.sequence, 500u);
    EXPECT_EQ(r.count, 25u);
    EXPECT_EQ(mold::decode_request(std::span(buf).first(19), r), nq::frame_status::malformed);
    std::array<std::byte, 20> out{};
    auto n = nq::record_from_text(
        mold::request_packet::info,
        "RequestPacket{Session=\"000010059B\", SequenceNumber=500, RequestedMessageCount=25}", out);
    ASSERT_TRUE(n.ok()) << n.err().message;
    EXPECT_EQ(exwire_test::to_hex(out), exwire_test::to_hex(buf));
}

TEST(moldudp64, malformed_datagrams_are_reported_with_a_reason) {
    mold::packet p;
    const char* why = "";
    const auto full = hex(replace_packet);
    for (std::size_t n = 0; n < full.size(); ++n) {
        std::vector<std::byte> cut(full.begin(), full.begin() + static_cast<long>(n));
        EXPECT_EQ(mold::packet::decode(cut, p, &why), nq::frame_status::malformed) << n;
        EXPECT_STRNE(why, "");
    }
    auto extra = full;
    extra.push_back(std::byte{0});
    EXPECT_EQ(mold::packet::decode(extra, p, &why), nq::frame_status::malformed);
    EXPECT_STREQ(why, "bytes after the last message block");
    const auto hb_extra = hex("30303030303833363749 000000000005d921 0000 00");
    EXPECT_EQ(mold::packet::decode(hb_extra, p), nq::frame_status::malformed);
}
