// Writes a small journal of FIX 4.4 frames (orders out, execution reports in) for the tool
// tests: `journal_make_sample DIR COUNT`. Body lengths and checksums are correct, so a
// dissector reading the exported pcap finds well-formed FIX.

#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include <exwire/journal/writer.hpp>

namespace {

std::string fix_frame(const std::string& body) {
    std::string head = fmt::format(
        "8=FIX.4.4\x01"
        "9={}\x01",
        body.size());
    std::string msg = head + body;
    unsigned sum = 0;
    for (unsigned char c : msg)
        sum += c;
    return msg + fmt::format("10={:03}\x01", sum % 256);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s DIR COUNT\n", argv[0]);
        return 2;
    }
    namespace jn = exwire::journal;
    jn::config c;
    c.segment_size = 1 << 20;
    auto w = jn::writer::open(argv[1], c);
    if (!w) {
        std::fprintf(stderr, "%s\n", w.err().message.c_str());
        return 1;
    }
    const long count = std::atol(argv[2]);
    std::int64_t ts = 1'700'000'000'000'000'000;
    for (long i = 1; i <= count; ++i) {
        const auto seq = static_cast<std::uint64_t>(i);
        const std::string order =
            fix_frame(fmt::format("35=D\x01"
                                  "34={}\x01"
                                  "49=CLIENT\x01"
                                  "56=VENUE\x01"
                                  "52=20231114-22:13:20.000\x01"
                                  "11=ORD{}\x01"
                                  "55=ABC\x01"
                                  "54=1\x01"
                                  "38=100\x01"
                                  "40=2\x01"
                                  "44=10.5\x01"
                                  "60=20231114-22:13:20.000\x01",
                                  seq, seq));
        ts += 1000;
        if ((*w)->append(
                {.type = 1, .dir = jn::direction::out, .sequence = seq, .timestamp_ns = ts},
                exwire::to_bytes(order)) != jn::append_status::ok)
            return 1;
        const std::string report =
            fix_frame(fmt::format("35=8\x01"
                                  "34={}\x01"
                                  "49=VENUE\x01"
                                  "56=CLIENT\x01"
                                  "52=20231114-22:13:20.001\x01"
                                  "37=X{}\x01"
                                  "11=ORD{}\x01"
                                  "17=E{}\x01"
                                  "150=0\x01"
                                  "39=0\x01"
                                  "55=ABC\x01"
                                  "54=1\x01"
                                  "151=100\x01"
                                  "14=0\x01"
                                  "6=0\x01",
                                  seq, seq, seq, seq));
        ts += 20000;
        if ((*w)->append({.type = 1, .dir = jn::direction::in, .sequence = seq, .timestamp_ns = ts},
                         exwire::to_bytes(report)) != jn::append_status::ok)
            return 1;
    }
    return 0;
}
