// ITCH file framer: length prefixes, the zero-prefix quirk, mismatches, truncation, gzip.
#include <exwire/codec/nasdaq/gzip_reader.hpp>
#include <exwire/codec/nasdaq/itch50.hpp>
#include <exwire/codec/nasdaq/itch_file.hpp>

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include <zlib.h>

#include "golden.hpp"

namespace nq = exwire::codec::nasdaq;
namespace itf = exwire::codec::nasdaq::itch_file;
using exwire_test::hex;

namespace {
const char* file_bytes =
    "000c 53 0000 0000 1f1aced9f07b 51 "
    "0013 44 0001 0000 1f1aced9f07b 00007048860ddf79";

std::vector<std::byte> gzip(exwire::bytes in) {
    z_stream z{};
    EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::vector<std::byte> out(in.size() + 256);
    z.next_in = const_cast<Bytef*>(reinterpret_cast<const Bytef*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}
}  // namespace

TEST(itch_file, frames_follow_the_length_prefixes) {
    const auto b = hex(file_bytes);
    auto f1 = itf::next_frame(b);
    ASSERT_EQ(f1.status, nq::frame_status::complete);
    EXPECT_EQ(f1.size, 14u);
    EXPECT_EQ(f1.message[0], std::byte{'S'});
    auto f2 = itf::next_frame(exwire::bytes(b).subspan(f1.size));
    ASSERT_EQ(f2.status, nq::frame_status::complete);
    EXPECT_EQ(f2.message.size(), 19u);
    EXPECT_EQ(nq::itch50::visit(f2.message,
                                [](nq::itch50::order_delete::view v) {
                                    EXPECT_EQ(v.order_reference_number(), 123456789012345u);
                                }),
              nq::visit_status::ok);
}

TEST(itch_file, every_short_prefix_needs_more) {
    const auto b = hex(file_bytes);
    for (std::size_t n = 0; n < 14; ++n) {
        std::vector<std::byte> cut(b.begin(), b.begin() + static_cast<long>(n));
        EXPECT_EQ(itf::next_frame(cut).status, nq::frame_status::need_more) << n;
        EXPECT_EQ(itf::next_frame(cut, {.allow_zero_prefix = true}).status,
                  nq::frame_status::need_more)
            << n;
    }
}

TEST(itch_file, zero_prefix_is_malformed_unless_allowed_then_length_comes_from_type) {
    const auto b = hex("0000 53 0000 0000 1f1aced9f07b 51");
    auto f = itf::next_frame(b);
    EXPECT_EQ(f.status, nq::frame_status::malformed);
    EXPECT_STREQ(f.reason, "zero length prefix");
    f = itf::next_frame(b, {.allow_zero_prefix = true});
    ASSERT_EQ(f.status, nq::frame_status::complete);
    EXPECT_EQ(f.size, 14u);
    const auto unknown = hex("0000 7a 00");
    EXPECT_EQ(itf::next_frame(unknown, {.allow_zero_prefix = true}).status,
              nq::frame_status::malformed);
}

TEST(itch_file, prefix_disagreeing_with_the_type_length_is_malformed) {
    const auto b = hex("000d 53 0000 0000 1f1aced9f07b 51 00");
    EXPECT_EQ(itf::next_frame(b).status, nq::frame_status::malformed);
    // unknown type with a prefix: framed as given (visit reports the type)
    const auto u = hex("0002 7a 00");
    auto f = itf::next_frame(u);
    ASSERT_EQ(f.status, nq::frame_status::complete);
    EXPECT_EQ(nq::itch50::visit(f.message, [](auto) {}), nq::visit_status::unknown_type);
}

TEST(itch_file, message_length_table_matches_the_generated_set) {
    for (const auto& m : nq::itch50::messages)
        EXPECT_EQ(itf::message_length(m.type), m.min_size) << m.name;
    EXPECT_EQ(itf::message_length('z'), 0u);
}

TEST(gzip_reader, inflates_in_small_steps_and_reports_corruption_with_offset) {
    std::vector<std::byte> plain;
    for (int i = 0; i < 2000; ++i) {
        const auto b = hex(file_bytes);
        plain.insert(plain.end(), b.begin(), b.end());
    }
    const auto gz = gzip(plain);
    ASSERT_TRUE(nq::looks_gzip(gz));
    nq::gzip_reader r;
    std::vector<std::byte> out;
    std::array<std::byte, 97> chunk{};
    std::size_t in_pos = 0;
    while (!r.finished()) {
        std::size_t used = 0;
        const auto in =
            exwire::bytes(gz).subspan(in_pos, std::min<std::size_t>(13, gz.size() - in_pos));
        auto n = r.inflate(in, chunk, used);
        ASSERT_TRUE(n.ok()) << n.err().message;
        out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<long>(*n));
        in_pos += used;
        ASSERT_TRUE(used > 0 || *n > 0);
    }
    EXPECT_EQ(out, plain);
    auto bad = gz;
    bad[12] = std::byte{0xFF};
    bad[13] = std::byte{0xFF};
    bad[14] = std::byte{0xFF};
    nq::gzip_reader r2;
    std::vector<std::byte> big(plain.size() + 10);
    std::size_t used = 0;
    auto res = r2.inflate(bad, big, used);
    EXPECT_FALSE(res.ok());
    if (!res.ok()) {
        EXPECT_NE(res.err().message.find("offset"), std::string::npos);
    }
}
