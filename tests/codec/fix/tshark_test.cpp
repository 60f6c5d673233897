// tshark's `fix` dissector reads exwire-written messages from a pcap (written here by hand:
// pcap header, Ethernet, IPv4, TCP) with no checksum or length complaint.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "exwire/codec/fix/writer.hpp"

using namespace exwire::codec::fix;

namespace {

constexpr std::uint16_t fix_port = 9878;
constexpr std::int64_t t0 = (20778LL * 86400 + 70202) * 1000000000LL + 123000000;

void put16be(std::string& s, std::uint16_t v) {
    s += static_cast<char>(v >> 8);
    s += static_cast<char>(v & 0xff);
}
void put32be(std::string& s, std::uint32_t v) {
    put16be(s, static_cast<std::uint16_t>(v >> 16));
    put16be(s, static_cast<std::uint16_t>(v & 0xffff));
}
void put32le(std::string& s, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        s += static_cast<char>((v >> (8 * i)) & 0xff);
}
void put16le(std::string& s, std::uint16_t v) {
    s += static_cast<char>(v & 0xff);
    s += static_cast<char>(v >> 8);
}

std::uint16_t ip_checksum(const std::string& header) {
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i + 1 < header.size(); i += 2)
        sum += static_cast<std::uint32_t>(static_cast<unsigned char>(header[i]) << 8 |
                                          static_cast<unsigned char>(header[i + 1]));
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

// One Ethernet/IPv4/TCP packet carrying `payload` from 10.0.0.1:40000 to 10.0.0.2:fix_port.
std::string packet(const std::string& payload, std::uint32_t seq) {
    std::string eth = std::string("\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12) +
                      std::string("\x08\x00", 2);
    std::string ip;
    ip += '\x45';
    ip += '\x00';
    put16be(ip, static_cast<std::uint16_t>(20 + 20 + payload.size()));
    put16be(ip, 1);       // id
    put16be(ip, 0x4000);  // don't fragment
    ip += '\x40';         // ttl
    ip += '\x06';         // tcp
    put16be(ip, 0);
    ip += std::string("\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    const std::uint16_t cs = ip_checksum(ip);
    ip[10] = static_cast<char>(cs >> 8);
    ip[11] = static_cast<char>(cs & 0xff);
    std::string tcp;
    put16be(tcp, 40000);
    put16be(tcp, fix_port);
    put32be(tcp, seq);
    put32be(tcp, 1);
    tcp += '\x50';  // header length 20
    tcp += '\x18';  // PSH, ACK
    put16be(tcp, 65535);
    put16be(tcp, 0);  // checksum not verified by tshark by default
    put16be(tcp, 0);
    return eth + ip + tcp + payload;
}

std::string pcap(const std::vector<std::string>& payloads) {
    std::string out;
    put32le(out, 0xa1b2c3d4);
    put16le(out, 2);
    put16le(out, 4);
    put32le(out, 0);
    put32le(out, 0);
    put32le(out, 65535);
    put32le(out, 1);  // Ethernet
    std::uint32_t seq = 1000;
    std::uint32_t ts = 1795289402;
    for (const std::string& p : payloads) {
        const std::string pkt = packet(p, seq);
        seq += static_cast<std::uint32_t>(p.size());
        put32le(out, ts++);
        put32le(out, 0);
        put32le(out, static_cast<std::uint32_t>(pkt.size()));
        put32le(out, static_cast<std::uint32_t>(pkt.size()));
        out += pkt;
    }
    return out;
}

std::vector<std::string> exwire_messages() {
    const session_header h("FIX.4.4", "CLIENT12", "EXCH");
    std::array<std::byte, 2048> buf{};
    writer w(buf);
    std::vector<std::string> out;
    auto take = [&] {
        exwire::bytes b;
        if (w.finish(b) == write_status::ok) out.emplace_back(exwire::to_string_view(b));
    };
    header_values hv;
    hv.sending_time_ns = t0;
    hv.seq_num = 1;
    w.start(h, "A", hv).add_uint(98, 0).add_uint(108, 30);
    take();
    hv.seq_num = 2;
    w.start(h, "D", hv)
        .add(11, "ORD-1")
        .add_uint(38, 5000)
        .add_char(40, '2')
        .add_decimal(44, decimal{41225, -2})
        .add_char(54, '1')
        .add(55, "MSFT")
        .add_timestamp(60, t0, 6);
    take();
    hv.seq_num = 3;
    w.start(h, "W", hv).add(55, "EUR/USD").add_uint(268, 10);
    for (int i = 0; i < 10; ++i)
        w.add_char(269, i % 2 == 0 ? '0' : '1')
            .add_decimal(270, decimal{110000 + i, -5})
            .add_uint(271, 1000000);
    take();
    return out;
}

std::string run(const std::string& cmd) {
    std::string out;
    std::FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return out;
    char chunk[4096];
    std::size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, p)) > 0)
        out.append(chunk, n);
    pclose(p);
    return out;
}

std::string write_pcap(const std::string& name, const std::vector<std::string>& messages) {
    const char* build = std::getenv("EXWIRE_BUILD_ROOT");
    const std::string path = std::string(build != nullptr ? build : ".") + "/" + name;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    const std::string bytes = pcap(messages);
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
    return path;
}

const std::string complaint_filter =
    " -d tcp.port==9878,fix -Y 'fix.checksum_bad == 1 || fix.missing_field || "
    "fix.invalid_integer_string || "
    "_ws.malformed' -T fields -e frame.number 2>/dev/null";

const std::string tshark_fields =
    " -d tcp.port==9878,fix -T fields -E separator=, "
    "-e fix.MsgType -e fix.BodyLength -e fix.CheckSum -e fix.checksum_good -e fix.checksum_bad "
    "2>/dev/null";

}  // namespace

TEST(fix_tshark, dissects_exwire_messages_with_good_checksums_and_lengths) {
    const auto messages = exwire_messages();
    ASSERT_EQ(messages.size(), 3u);
    const std::string path = write_pcap("fix_tshark_good.pcap", messages);
    const std::string out = run("tshark -r " + path + tshark_fields);
    EXPECT_EQ(out, "A," + std::string(message_view(messages[0]).get(9)) + "," +
                       std::string(message_view(messages[0]).get(10)) + ",1,0\n" + "D," +
                       std::string(message_view(messages[1]).get(9)) + "," +
                       std::string(message_view(messages[1]).get(10)) + ",1,0\n" + "W," +
                       std::string(message_view(messages[2]).get(9)) + "," +
                       std::string(message_view(messages[2]).get(10)) + ",1,0\n");
    // No FIX expert complaint (missing field, bad integer, malformed) on any packet.
    const std::string complaints = run("tshark -r " + path + complaint_filter);
    EXPECT_EQ(complaints, "");
}

TEST(fix_tshark, flags_a_corrupted_checksum_so_the_check_above_can_fail) {
    auto messages = exwire_messages();
    std::string& m = messages[1];
    m[m.size() - 2] = m[m.size() - 2] == '0' ? '1' : '0';  // last checksum digit
    const std::string path = write_pcap("fix_tshark_bad.pcap", messages);
    const std::string out = run("tshark -r " + path + tshark_fields);
    EXPECT_NE(out.find("D,"), std::string::npos) << out;
    EXPECT_NE(out.find(",0,1\n"), std::string::npos) << out;
    // The complaint filter used above finds exactly the corrupted packet.
    EXPECT_EQ(run("tshark -r " + path + complaint_filter), "2\n");
}

int main(int argc, char** argv) {
    if (std::system("command -v tshark >/dev/null 2>&1") != 0) {
        std::fprintf(stderr, "tshark absent: skipped\n");
        return 77;
    }
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
