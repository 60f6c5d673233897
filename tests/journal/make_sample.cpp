// Writes a small journal for the tool tests: `journal_make_sample DIR COUNT [KIND] [garbage]`.
// KIND fix (the default): FIX 4.4 frames, orders out and execution reports in; body lengths
// and checksums are correct, so a dissector reading the exported pcap finds well-formed FIX.
// KIND ouch: SoupBinTCP packets, a login out and its acceptance in, then OUCH 5.0 orders out
// (in UnsequencedData) and their acceptances in (in SequencedData); the OUCH bytes are built
// by the codec's from_text. KIND itch: ITCH 5.0 messages in SoupBinTCP SequencedData packets.
// KIND moldudp64: MoldUDP64 packets of two ITCH 5.0 messages each, then a heartbeat.
// `garbage` appends one frame that does not decode.

#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include <fmt/format.h>

#include <exwire/codec/nasdaq/itch50.hpp>
#include <exwire/codec/nasdaq/message_set.hpp>
#include <exwire/codec/nasdaq/moldudp64.hpp>
#include <exwire/codec/nasdaq/ouch50.hpp>
#include <exwire/codec/nasdaq/soupbintcp40.hpp>
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

namespace nq = exwire::codec::nasdaq;

/// A SoupBinTCP packet (length, type, payload) whose type byte and payload are `text` in the
/// codec's text form of `set` (when `wrap` is 0), or a packet of type `wrap` carrying it.
/// One message of `set` from its text form.
std::string message(const nq::message_set_info& set, const std::string& text) {
    std::string msg(512, '\0');
    auto n = nq::from_text(set, text, std::as_writable_bytes(std::span(msg)));
    if (!n) {
        std::fprintf(stderr, "from_text(%s): %s\n", text.c_str(), n.err().message.c_str());
        std::exit(1);
    }
    msg.resize(*n);
    return msg;
}

std::string soup(const nq::message_set_info& set, const std::string& text, char wrap = 0) {
    std::string msg = message(set, text);
    if (wrap != 0) msg.insert(msg.begin(), wrap);
    std::string out(2, '\0');
    out[0] = static_cast<char>(msg.size() >> 8);
    out[1] = static_cast<char>(msg.size() & 0xFF);
    return out + msg;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s DIR COUNT [fix|ouch|itch|moldudp64] [garbage]\n", argv[0]);
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
    const std::string kind = argc > 3 ? argv[3] : "fix";
    const bool garbage = argc > 4 && std::string(argv[4]) == "garbage";
    std::int64_t ts = 1'700'000'000'000'000'000;
    auto put = [&](jn::direction d, std::uint64_t seq, const std::string& frame) {
        ts += 1000;
        return (*w)->append({.type = 1, .dir = d, .sequence = seq, .timestamp_ns = ts},
                            exwire::to_bytes(frame)) == jn::append_status::ok;
    };
    auto add_order = [](long i) {
        return fmt::format(
            "AddOrder{{StockLocate=1, OrderReferenceNumber={}, BuySellIndicator=\"S\", "
            "Shares={}, Stock=\"XYZ\", Price=12.5}}",
            i, 10 * i);
    };
    if (kind == "itch") {
        if (!put(jn::direction::in, 1,
                 soup(nq::itch50::set, "SystemEvent{StockLocate=0, EventCode=\"O\"}", 'S')))
            return 1;
        for (long i = 1; i <= count; ++i)
            if (!put(jn::direction::in, static_cast<std::uint64_t>(i) + 1,
                     soup(nq::itch50::set, add_order(i), 'S')))
                return 1;
        if (garbage && !put(jn::direction::in, static_cast<std::uint64_t>(count) + 2,
                            std::string("\x00\x02"
                                        "S\x7f",
                                        4)))  // no ITCH message has type 0x7f
            return 1;
        return 0;
    }
    if (kind == "moldudp64") {
        std::uint64_t seq = 1;
        for (long i = 1; i <= count; ++i) {
            std::string pk(512, '\0');
            const auto out = std::as_writable_bytes(std::span(pk));
            std::size_t pos = nq::moldudp64::encode_header(out, "SESSION01", seq, 2);
            for (long k = 0; k < 2; ++k)
                pos = nq::moldudp64::append_block(
                    out, pos, exwire::to_bytes(message(nq::itch50::set, add_order(2 * i + k - 1))));
            pk.resize(pos);
            if (!put(jn::direction::in, seq, pk)) return 1;
            seq += 2;
        }
        std::string hb(nq::moldudp64::header_size, '\0');
        (void)nq::moldudp64::encode_header(std::as_writable_bytes(std::span(hb)), "SESSION01", seq,
                                           0);
        if (!put(jn::direction::in, seq, hb)) return 1;
        // A packet announcing one block whose length runs past the datagram.
        if (garbage) {
            std::string bad(nq::moldudp64::header_size, '\0');
            (void)nq::moldudp64::encode_header(std::as_writable_bytes(std::span(bad)), "SESSION01",
                                               seq, 1);
            bad += std::string(
                "\x00\x30"
                "A",
                3);
            if (!put(jn::direction::in, seq, bad)) return 1;
        }
        return 0;
    }
    if (kind == "ouch") {
        if (!put(jn::direction::out, 1,
                 soup(nq::soupbintcp40::set,
                      "LoginRequest{Username=\"USER1\", Password=\"SECRET\", "
                      "RequestedSession=\"\", RequestedSequenceNumber=\"1\"}")) ||
            !put(jn::direction::in, 1,
                 soup(nq::soupbintcp40::set,
                      "LoginAccepted{Session=\"SESSION01\", SequenceNumber=\"1\"}")))
            return 1;
        for (long i = 1; i <= count; ++i) {
            const auto seq = static_cast<std::uint64_t>(i);
            if (!put(jn::direction::out, seq + 1,
                     soup(nq::ouch50::set,
                          fmt::format("EnterOrder{{UserRefNum={}, Side=\"B\", Quantity=100, "
                                      "Symbol=\"ABC\", ClOrdId=\"ORD{}\"}}",
                                      i, i),
                          'U')) ||
                !put(jn::direction::in, seq + 1,
                     soup(nq::ouch50::set,
                          fmt::format("OrderAccepted{{UserRefNum={}, Side=\"B\", Quantity=100, "
                                      "Symbol=\"ABC\", OrderReferenceNumber={}}}",
                                      i, 1000 + i),
                          'S')))
                return 1;
        }
        // A packet whose length field promises 9 bytes where 2 follow.
        if (garbage && !put(jn::direction::out, static_cast<std::uint64_t>(count) + 2,
                            std::string("\x00\x09Uz", 4)))
            return 1;
        return 0;
    }
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
    // Not FIX: the BodyLength does not end at a CheckSum field.
    if (garbage && !put(jn::direction::out, static_cast<std::uint64_t>(count) + 1,
                        "8=FIX.4.4\x01"
                        "9=5\x01"
                        "35=0\x01"
                        "garbage"))
        return 1;
    return 0;
}
