// `exwire journal ...` subcommands: dump, stat, verify, tail, pcap, replay.
//
// The journal knows records, not protocols: payloads print as hex unless the session's protocol
// is known (`dump --protocol`, or a `protocol` file in the journal directory), in which case
// each frame is decoded through the codecs and printed as text, falling back to hex with the
// decode error when a frame does not decode. Other code may plug in its own decoder with
// set_journal_decoder().
#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <exwire/codec/fix/reader.hpp>
#include <exwire/codec/nasdaq/itch50.hpp>
#include <exwire/codec/nasdaq/message_set.hpp>
#include <exwire/codec/nasdaq/moldudp64.hpp>
#include <exwire/codec/nasdaq/ouch50.hpp>
#include <exwire/codec/nasdaq/soupbintcp.hpp>
#include <exwire/codec/nasdaq/soupbintcp40.hpp>
#include <exwire/core/clock.hpp>
#include <exwire/journal/format.hpp>
#include <exwire/journal/reader.hpp>

#include "commands.hpp"

namespace exwire_tools {

namespace jn = exwire::journal;

/// Turns a record into readable text, or an error saying why it does not decode (the record
/// then prints as hex with that reason). Set from `dump --protocol` / the journal's
/// `protocol` file, or by other code through set_journal_decoder().
using journal_decoder = std::function<exwire::result<std::string>(const jn::record_view&)>;

journal_decoder& journal_decoder_slot() {
    static journal_decoder decoder;
    return decoder;
}

void set_journal_decoder(journal_decoder decoder) {
    journal_decoder_slot() = std::move(decoder);
}

// ---- protocol decoders: the codecs' text rendering of each frame ----

namespace nq = exwire::codec::nasdaq;
namespace fx = exwire::codec::fix;

namespace {

/// Protocols `dump --protocol` knows, as written in the option and the `protocol` file.
const std::vector<std::string>& journal_protocols() {
    static const std::vector<std::string> names{"soupbintcp", "ouch", "itch", "moldudp64", "fix"};
    return names;
}

/// A whole SoupBinTCP packet (length field included), or why the frame is not one.
exwire::result<nq::soupbintcp::packet> soup_packet(exwire::bytes frame) {
    const nq::soupbintcp::packet p = nq::soupbintcp::decode_packet(frame);
    if (p.status == nq::frame_status::malformed) return exwire::fail(p.reason);
    if (p.status == nq::frame_status::need_more)
        return exwire::fail(
            frame.size() < 2
                ? std::string("shorter than the 2-byte SoupBinTCP packet length")
                : fmt::format("SoupBinTCP packet length {} but only {} bytes follow",
                              exwire::load_be<std::uint16_t>(frame.data()), frame.size() - 2));
    if (p.size != frame.size())
        return exwire::fail(
            fmt::format("{} bytes after the SoupBinTCP packet", frame.size() - p.size));
    if (!p.known)
        return exwire::fail(fmt::format("unknown SoupBinTCP packet type 0x{:02x}", p.type));
    return p;
}

exwire::result<std::string> decode_soupbintcp(exwire::bytes frame) {
    auto p = soup_packet(frame);
    if (!p) return std::move(p).err();
    return nq::to_text(nq::soupbintcp40::set, p->message);
}

/// SoupBinTCP packets whose S/U payloads are messages of `set`: S (sequenced, from the
/// server) carries outgoing messages, U (unsequenced, from the client) incoming ones. A frame
/// that is not a SoupBinTCP packet is tried as one bare message of `set`.
exwire::result<std::string> decode_over_soup(const nq::message_set_info& set, exwire::bytes frame) {
    auto p = soup_packet(frame);
    if (!p) {
        auto bare = nq::to_text(set, frame);
        if (bare) return bare;
        return exwire::fail(fmt::format("not a SoupBinTCP packet ({}) nor a message of {} ({})",
                                        p.err().message, set.name, bare.err().message));
    }
    if (p->type != 'S' && p->type != 'U') return nq::to_text(nq::soupbintcp40::set, p->message);
    if (p->payload.empty()) return nq::to_text(nq::soupbintcp40::set, p->message);
    const auto dir = p->type == 'S' ? nq::direction::outgoing : nq::direction::incoming;
    auto inner = nq::to_text(set, p->payload, dir);
    if (!inner)
        return exwire::fail(fmt::format("{} in {}", inner.err().message,
                                        p->type == 'S' ? "SequencedData" : "UnsequencedData"));
    return fmt::format("{}{{Message={}}}", p->type == 'S' ? "SequencedData" : "UnsequencedData",
                       *inner);
}

exwire::result<std::string> decode_moldudp64(exwire::bytes frame) {
    nq::moldudp64::packet pk;
    const char* reason = "";
    if (nq::moldudp64::packet::decode(frame, pk, &reason) != nq::frame_status::complete)
        return exwire::fail(reason);
    std::string session(pk.session());
    while (!session.empty() && session.back() == ' ')
        session.pop_back();
    std::string out = fmt::format("MoldUDP64{{Session=\"{}\", SequenceNumber={}, Count={}", session,
                                  pk.sequence(), pk.count());
    if (pk.kind() == nq::moldudp64::packet_kind::end_of_session) out += " (end of session)";
    if (pk.kind() == nq::moldudp64::packet_kind::heartbeat) out += " (heartbeat)";
    out += "}";
    for (const nq::moldudp64::block b : pk) {
        auto m = nq::to_text(nq::itch50::set, b.message);
        if (!m) return exwire::fail(fmt::format("message {}: {}", b.sequence, m.err().message));
        fmt::format_to(std::back_inserter(out), " [{}] {}", b.sequence, *m);
    }
    return out;
}

exwire::result<std::string> decode_fix(exwire::bytes frame) {
    const fx::frame_result r = fx::check_frame(frame);
    if (r.status == fx::frame_status::need_more) return exwire::fail("incomplete FIX message");
    if (r.status == fx::frame_status::malformed)
        return exwire::fail(fmt::format("malformed FIX message: {}", fx::to_string(r.reason)));
    if (r.length != frame.size())
        return exwire::fail(fmt::format("{} bytes after the FIX message", frame.size() - r.length));
    std::string out;
    for (const fx::field& f : fx::message_view(exwire::to_string_view(frame))) {
        if (!out.empty()) out += '|';
        fmt::format_to(std::back_inserter(out), "{}={}", f.tag, f.value);
    }
    return out;
}

/// The decoder of a protocol named as in journal_protocols(); throws on an unknown name.
journal_decoder protocol_decoder(const std::string& protocol) {
    if (protocol == "soupbintcp")
        return [](const jn::record_view& v) { return decode_soupbintcp(v.payload); };
    if (protocol == "ouch")
        return
            [](const jn::record_view& v) { return decode_over_soup(nq::ouch50::set, v.payload); };
    if (protocol == "itch")
        return
            [](const jn::record_view& v) { return decode_over_soup(nq::itch50::set, v.payload); };
    if (protocol == "moldudp64")
        return [](const jn::record_view& v) { return decode_moldudp64(v.payload); };
    if (protocol == "fix") return [](const jn::record_view& v) { return decode_fix(v.payload); };
    throw exit_error(fmt::format(
        "unknown protocol '{}' (one of soupbintcp, ouch, itch, moldudp64, fix)", protocol));
}

/// The protocol named in the journal's `protocol` file (first word), or empty.
std::string journal_protocol_file(const std::string& dir) {
    std::ifstream in(dir + "/protocol");
    std::string word;
    if (in) in >> word;
    return word;
}

jn::reader open_reader(const std::string& dir, bool verify = true) {
    auto r = jn::reader::open(dir, {.verify_checksums = verify});
    if (!r) throw exit_error(r.err().message);
    return std::move(*r);
}

std::string hex(exwire::bytes b, std::size_t limit) {
    std::string s;
    const std::size_t n = std::min(b.size(), limit);
    s.reserve(n * 2 + 8);
    for (std::size_t i = 0; i < n; ++i)
        fmt::format_to(std::back_inserter(s), "{:02x}", static_cast<unsigned>(b[i]));
    if (n < b.size()) s += "...";
    return s;
}

std::string json_escape(std::string_view in) {
    std::string out;
    for (char c : in) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        } else {
            out += c;
        }
    }
    return out;
}

// A progress bar on stderr for long passes over large journals (only on a terminal).
class progress {
  public:
    progress(const jn::reader& r, const std::string& what) : what_(what) {
        if (isatty(STDERR_FILENO) == 0) return;
        auto segs = std::filesystem::directory_iterator(r.directory());
        std::uint64_t first = ~std::uint64_t{0}, last = 0;
        for (const auto& e : segs) {
            std::uint64_t idx;
            if (jn::parse_segment_file_name(e.path().filename().string(), idx)) {
                first = std::min(first, idx);
                last = std::max(last, idx);
            }
        }
        if (first > last || last - first < 2) return;  // small journals need no bar
        begin_ = first * r.segment_size();
        total_ = (last + 1) * r.segment_size() - begin_;
        enabled_ = true;
    }
    void update(std::uint64_t position) {
        if (!enabled_ || ++tick_ % 65536 != 0) return;
        const double f =
            std::min(1.0, static_cast<double>(position - begin_) / static_cast<double>(total_));
        const int width = 40;
        const int fill = static_cast<int>(f * width);
        fmt::print(stderr, "\r{} [{:<{}}] {:5.1f}%", what_,
                   std::string(static_cast<std::size_t>(fill), '#'), width, f * 100.0);
    }
    ~progress() {
        if (enabled_) fmt::print(stderr, "\r{:<60}\r", "");
    }

  private:
    std::string what_;
    bool enabled_ = false;
    std::uint64_t begin_ = 0, total_ = 1, tick_ = 0;
};

struct filter {
    std::optional<std::uint64_t> from_seq, to_seq;
    std::string dir;
    bool accepts(const jn::record_view& v) const {
        if (!dir.empty() && jn::to_string(v.meta.dir) != dir) return false;
        if (from_seq && v.meta.sequence < *from_seq) return false;
        if (to_seq && v.meta.sequence > *to_seq) return false;
        return true;
    }
};

void print_record(const jn::record_view& v, bool json, std::size_t hex_limit) {
    std::optional<exwire::result<std::string>> decoded;
    if (journal_decoder_slot()) decoded.emplace(journal_decoder_slot()(v));
    const bool ok = decoded && decoded->ok();
    const std::string error = decoded && !ok ? decoded->err().message : std::string();
    if (json) {
        fmt::print(
            "{{\"position\":{},\"direction\":\"{}\",\"sequence\":{},\"type\":{},\"timestamp_ns\":{}"
            ",\"length\":{},"
            "\"{}\":\"{}\"{}}}\n",
            v.position, jn::to_string(v.meta.dir), v.meta.sequence, v.meta.type,
            v.meta.timestamp_ns, v.payload.size(), ok ? "decoded" : "hex",
            json_escape(ok ? **decoded : hex(v.payload, hex_limit)),
            decoded && !ok ? fmt::format(",\"decode_error\":\"{}\"", json_escape(error))
                           : std::string());
    } else {
        fmt::print("{:>12} {:<3} seq={:<10} type={:<5} t={} len={:<5} {}{}\n", v.position,
                   jn::to_string(v.meta.dir), v.meta.sequence, v.meta.type, v.meta.timestamp_ns,
                   v.payload.size(), ok ? **decoded : hex(v.payload, hex_limit),
                   decoded && !ok ? "  (not decoded: " + error + ")" : std::string());
    }
}

std::atomic<bool> interrupted{false};

void cmd_dump(const std::string& dir, const filter& f, bool json, std::size_t hex_limit) {
    auto r = open_reader(dir);
    progress bar(r, "dump");
    jn::record_view v;
    jn::read_status st;
    if (f.from_seq && !f.dir.empty()) {
        // Start at the first wanted record through the index instead of scanning.
        const auto d = f.dir == "in" ? jn::direction::in : jn::direction::out;
        if (r.find(d, *f.from_seq, v) == jn::read_status::ok) r.seek(v.position);
    }
    while ((st = r.next(v)) == jn::read_status::ok) {
        bar.update(v.position);
        if (f.to_seq && !f.dir.empty() && jn::to_string(v.meta.dir) == f.dir &&
            v.meta.sequence > *f.to_seq)
            break;
        if (f.accepts(v)) print_record(v, json, hex_limit);
    }
    if (st == jn::read_status::corrupt)
        throw exit_error(
            fmt::format("corrupt record at position {}: {}", r.position(), r.corruption()));
}

struct dir_stats {
    std::uint64_t records = 0, bytes = 0, gaps = 0, missing = 0, backwards = 0;
    std::uint64_t first_seq = 0, last_seq = 0;
    std::int64_t first_ns = 0, last_ns = 0;
};

struct scan_result {
    dir_stats d[2];
    bool corrupt = false;
    std::string corruption;
    std::uint64_t end_position = 0;
};

scan_result scan(const std::string& dir, const char* what) {
    auto r = open_reader(dir);
    progress bar(r, what);
    scan_result out;
    jn::record_view v;
    jn::read_status st;
    while ((st = r.next(v)) == jn::read_status::ok) {
        bar.update(v.position);
        auto& s = out.d[static_cast<int>(v.meta.dir) & 1];
        if (s.records == 0) {
            s.first_seq = v.meta.sequence;
            s.first_ns = v.meta.timestamp_ns;
        } else if (v.meta.sequence > s.last_seq + 1) {
            ++s.gaps;
            s.missing += v.meta.sequence - s.last_seq - 1;
        } else if (v.meta.sequence <= s.last_seq) {
            ++s.backwards;
        }
        s.last_seq = v.meta.sequence;
        s.last_ns = v.meta.timestamp_ns;
        ++s.records;
        s.bytes += v.payload.size();
    }
    out.end_position = r.position();
    if (st == jn::read_status::corrupt) {
        out.corrupt = true;
        out.corruption = fmt::format("{} at position {}", r.corruption(), r.position());
    } else if (st == jn::read_status::missing) {
        out.corrupt = true;
        out.corruption = fmt::format("segment missing after position {}", r.position());
    }
    return out;
}

std::string format_time(std::int64_t ns) {
    const std::time_t s = ns / 1'000'000'000;
    std::tm tm{};
    gmtime_r(&s, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                       ns % 1'000'000'000);
}

void cmd_stat(const std::string& dir) {
    const auto s = scan(dir, "stat");
    for (int i = 0; i < 2; ++i) {
        const auto& d = s.d[i];
        fmt::print("{:<3} records={} payload_bytes={}",
                   jn::to_string(static_cast<jn::direction>(i)), d.records, d.bytes);
        if (d.records != 0)
            fmt::print(" seq={}..{} time={}..{} gaps={} missing={} backwards={}", d.first_seq,
                       d.last_seq, format_time(d.first_ns), format_time(d.last_ns), d.gaps,
                       d.missing, d.backwards);
        fmt::print("\n");
    }
    fmt::print("end_position={}{}\n", s.end_position, s.corrupt ? " corrupt: " + s.corruption : "");
}

void cmd_verify(const std::string& dir, bool allow_gaps) {
    const auto s = scan(dir, "verify");
    bool ok = !s.corrupt;
    if (s.corrupt) fmt::print("FAIL {}\n", s.corruption);
    for (int i = 0; i < 2; ++i) {
        const auto& d = s.d[i];
        const auto name = jn::to_string(static_cast<jn::direction>(i));
        if (!allow_gaps && (d.gaps != 0 || d.backwards != 0)) {
            fmt::print("FAIL {}: {} gap(s) ({} sequence numbers missing), {} out of order\n", name,
                       d.gaps, d.missing, d.backwards);
            ok = false;
        }
    }
    fmt::print("{}: {} records in, {} out\n", ok ? "PASS" : "FAIL", s.d[0].records, s.d[1].records);
    if (!ok) exit_status() = 1;
}

void cmd_tail(const std::string& dir, bool from_start, bool json, std::uint64_t count,
              double seconds) {
    std::signal(SIGINT, [](int) { interrupted.store(true); });
    auto r = open_reader(dir);
    jn::record_view v;
    if (!from_start) {
        // Skip to the current end, then follow.
        while (r.next(v) == jn::read_status::ok) {
        }
    }
    const std::int64_t deadline =
        seconds > 0 ? exwire::monotonic_ns() + static_cast<std::int64_t>(seconds * 1e9) : INT64_MAX;
    std::uint64_t shown = 0;
    while (!interrupted.load() && exwire::monotonic_ns() < deadline &&
           (count == 0 || shown < count)) {
        const auto st = r.next(v);
        if (st == jn::read_status::ok) {
            print_record(v, json, 64);
            ++shown;
            continue;
        }
        if (st == jn::read_status::corrupt)
            throw exit_error(fmt::format("corrupt record: {}", r.corruption()));
        std::fflush(stdout);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

// ---- pcap export: each record becomes a packet between two synthetic endpoints. ----

void put16(std::uint8_t* b, std::size_t at, std::uint16_t v) {
    b[at] = static_cast<std::uint8_t>(v >> 8);
    b[at + 1] = static_cast<std::uint8_t>(v);
}
void put32(std::uint8_t* b, std::size_t at, std::uint32_t v) {
    put16(b, at, static_cast<std::uint16_t>(v >> 16));
    put16(b, at + 2, static_cast<std::uint16_t>(v));
}
std::uint32_t sum16(const std::uint8_t* p, std::size_t n, std::uint32_t acc = 0) {
    for (std::size_t i = 0; i + 1 < n; i += 2)
        acc += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
    if (n % 2 != 0) acc += static_cast<std::uint32_t>(p[n - 1] << 8);
    return acc;
}
std::uint16_t fold(std::uint32_t acc) {
    while (acc >> 16)
        acc = (acc & 0xFFFF) + (acc >> 16);
    return static_cast<std::uint16_t>(~acc);
}

class pcap_writer {
  public:
    pcap_writer(const std::string& path, bool udp, std::uint16_t port)
        : out_(path, std::ios::binary), udp_(udp) {
        if (!out_) throw exit_error(fmt::format("cannot write '{}'", path));
        port_[0] = 40000;  // the local end (our session)
        port_[1] = port;   // the venue
        std::uint8_t gh[24] = {};
        const std::uint32_t magic = 0xa1b23c4d;  // nanosecond timestamps
        std::memcpy(gh, &magic, 4);
        const std::uint16_t major = 2, minor = 4;
        std::memcpy(gh + 4, &major, 2);
        std::memcpy(gh + 6, &minor, 2);
        const std::uint32_t snaplen = 262144, linktype = 1;  // Ethernet
        std::memcpy(gh + 16, &snaplen, 4);
        std::memcpy(gh + 20, &linktype, 4);
        out_.write(reinterpret_cast<const char*>(gh), sizeof gh);
    }

    // Outbound records travel local -> venue, inbound venue -> local.
    void record(jn::direction d, std::int64_t ts, exwire::bytes payload) {
        last_ts_ = ts;
        if (!udp_ && packets_ == 0) handshake();  // stamped with the first record's time
        const int from = d == jn::direction::out ? 0 : 1;
        constexpr std::size_t max_seg = 65535 - 20 - 20;
        std::size_t off = 0;
        do {
            const std::size_t n = std::min(max_seg, payload.size() - off);
            packet(from, ts, payload.subspan(off, n), 0x18);  // PSH|ACK
            off += n;
        } while (off < payload.size());
    }
    std::uint64_t packets() const { return packets_; }

  private:
    void handshake() {
        packet(0, 0, {}, 0x02);  // SYN
        packet(1, 0, {}, 0x12);  // SYN|ACK
        packet(0, 0, {}, 0x10);  // ACK
    }

    void packet(int from, std::int64_t ts, exwire::bytes payload, std::uint8_t flags) {
        const std::size_t l4 = udp_ ? 8 : 20;
        const std::size_t size = 14 + 20 + l4 + payload.size();
        std::uint8_t* const b = buf_.data();
        std::memset(b, 0, 14 + 20 + l4);
        // Ethernet: locally administered MACs 02:00:00:00:00:0{1,2}, IPv4.
        b[0] = 0x02;
        b[5] = static_cast<std::uint8_t>(2 - from);
        b[6] = 0x02;
        b[11] = static_cast<std::uint8_t>(from + 1);
        put16(b, 12, 0x0800);
        const std::size_t ip = 14;
        b[ip] = 0x45;
        put16(b, ip + 2, static_cast<std::uint16_t>(20 + l4 + payload.size()));
        put16(b, ip + 4, static_cast<std::uint16_t>(ip_id_++));
        put16(b, ip + 6, 0x4000);  // don't fragment
        b[ip + 8] = 64;
        b[ip + 9] = udp_ ? 17 : 6;
        const std::uint32_t src = from == 0 ? 0x0A000001 : 0x0A000002;  // 10.0.0.1 / 10.0.0.2
        const std::uint32_t dst = from == 0 ? 0x0A000002 : 0x0A000001;
        put32(b, ip + 12, src);
        put32(b, ip + 16, dst);
        put16(b, ip + 10, fold(sum16(&b[ip], 20)));
        const std::size_t t = ip + 20;
        put16(b, t, port_[from]);
        put16(b, t + 2, port_[1 - from]);
        if (!payload.empty()) std::memcpy(&b[t + l4], payload.data(), payload.size());
        const std::size_t seglen = l4 + payload.size();
        if (udp_) {
            put16(b, t + 4, static_cast<std::uint16_t>(seglen));
        } else {
            const bool syn = (flags & 0x02) != 0;
            put32(b, t + 4, seq_[from]);
            put32(b, t + 8, (flags & 0x10) != 0 ? seq_[1 - from] : 0);
            b[t + 12] = 0x50;
            b[t + 13] = flags;
            put16(b, t + 14, 65535);
            seq_[from] += static_cast<std::uint32_t>(payload.size()) + (syn ? 1u : 0u);
        }
        // Transport checksum over the pseudo-header.
        std::uint8_t pseudo[12];
        std::memcpy(pseudo, &b[ip + 12], 8);
        pseudo[8] = 0;
        pseudo[9] = b[ip + 9];
        pseudo[10] = static_cast<std::uint8_t>(seglen >> 8);
        pseudo[11] = static_cast<std::uint8_t>(seglen);
        std::uint16_t c = fold(sum16(&b[t], seglen, sum16(pseudo, 12)));
        if (udp_ && c == 0) c = 0xFFFF;
        put16(b, t + (udp_ ? 6 : 16), c);

        const std::int64_t when = ts != 0 ? ts : last_ts_;
        std::uint32_t rh[4] = {static_cast<std::uint32_t>(when / 1'000'000'000),
                               static_cast<std::uint32_t>(when % 1'000'000'000),
                               static_cast<std::uint32_t>(size), static_cast<std::uint32_t>(size)};
        out_.write(reinterpret_cast<const char*>(rh), sizeof rh);
        out_.write(reinterpret_cast<const char*>(b), static_cast<std::streamsize>(size));
        ++packets_;
    }

    std::ofstream out_;
    std::vector<std::uint8_t> buf_ = std::vector<std::uint8_t>(14 + 20 + 65535);
    bool udp_;
    std::uint16_t port_[2];
    std::uint32_t seq_[2] = {1000, 5000};
    std::uint16_t ip_id_ = 1;
    std::int64_t last_ts_ = 0;
    std::uint64_t packets_ = 0;
};

void cmd_pcap(const std::string& dir, const std::string& out, bool udp, std::uint16_t port,
              const filter& f) {
    auto r = open_reader(dir);
    progress bar(r, "pcap");
    pcap_writer w(out, udp, port);
    jn::record_view v;
    jn::read_status st;
    std::uint64_t records = 0;
    while ((st = r.next(v)) == jn::read_status::ok) {
        bar.update(v.position);
        if (!f.accepts(v) || v.payload.empty()) continue;
        w.record(v.meta.dir, v.meta.timestamp_ns, v.payload);
        ++records;
    }
    if (st == jn::read_status::corrupt)
        throw exit_error(
            fmt::format("corrupt record at position {}: {}", r.position(), r.corruption()));
    fmt::print(stderr, "{} records, {} packets written to {}\n", records, w.packets(), out);
}

// ---- replay to a live peer over a plain blocking TCP socket. ----

int connect_to(const std::string& target) {
    const auto colon = target.rfind(':');
    if (colon == std::string::npos)
        throw exit_error(fmt::format("--to wants HOST:PORT, got '{}'", target));
    std::string host = target.substr(0, colon);
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    const std::string port = target.substr(colon + 1);
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (const int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0)
        throw exit_error(fmt::format("cannot resolve '{}': {}", target, gai_strerror(rc)));
    int fd = -1;
    for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        throw exit_error(fmt::format("cannot connect to '{}': {}", target, std::strerror(errno)));
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

void cmd_replay(const std::string& dir, const std::string& to, const std::string& pace,
                const filter& f) {
    enum { recorded, max, rate } mode = max;
    double per_second = 0;
    if (pace == "recorded") {
        mode = recorded;
    } else if (pace == "max") {
        mode = max;
    } else {
        const auto slash = pace.find("/s");
        try {
            per_second = std::stod(pace.substr(0, slash));
        } catch (...) {
            per_second = 0;
        }
        if (slash == std::string::npos || per_second <= 0)
            throw exit_error(fmt::format("--pace wants recorded, max or N/s, got '{}'", pace));
        mode = rate;
    }
    auto r = open_reader(dir);
    progress bar(r, "replay");
    const int fd = connect_to(to);
    jn::record_view v;
    jn::read_status st;
    std::uint64_t sent = 0, bytes_sent = 0;
    std::int64_t first_rec = 0;
    const std::int64_t start = exwire::monotonic_ns();
    while ((st = r.next(v)) == jn::read_status::ok) {
        bar.update(v.position);
        if (!f.accepts(v)) continue;
        std::int64_t due = start;
        if (mode == recorded) {
            if (sent == 0) first_rec = v.meta.timestamp_ns;
            due = start + (v.meta.timestamp_ns - first_rec);
        } else if (mode == rate) {
            due = start + static_cast<std::int64_t>(static_cast<double>(sent) * 1e9 / per_second);
        }
        if (const std::int64_t wait = due - exwire::monotonic_ns(); wait > 0)
            std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
        std::size_t off = 0;
        while (off < v.payload.size()) {
            const auto n = ::send(fd, v.payload.data() + off, v.payload.size() - off, MSG_NOSIGNAL);
            if (n <= 0) {
                close(fd);
                throw exit_error(fmt::format("send to '{}' failed: {}", to, std::strerror(errno)));
            }
            off += static_cast<std::size_t>(n);
        }
        ++sent;
        bytes_sent += v.payload.size();
    }
    close(fd);
    if (st == jn::read_status::corrupt)
        throw exit_error(fmt::format("corrupt record: {}", r.corruption()));
    fmt::print(stderr, "replayed {} records ({} bytes) to {}\n", sent, bytes_sent, to);
}

void add_filter(CLI::App* c, filter& f, std::optional<std::uint64_t>& from,
                std::optional<std::uint64_t>& to) {
    c->add_option("--from-seq", from, "first sequence number");
    c->add_option("--to-seq", to, "last sequence number");
    c->add_option("--direction", f.dir, "in or out")->check(CLI::IsMember({"in", "out"}));
}

}  // namespace

void register_journal(CLI::App& app) {
    auto* j = app.add_subcommand("journal", "inspect, verify, export and replay journals");
    j->require_subcommand(1);

    struct options {
        std::string dir, out = "journal.pcap", to, pace = "max", protocol;
        filter f;
        std::optional<std::uint64_t> from, to_seq;
        bool json = false, allow_gaps = false, from_start = false, udp = false;
        std::size_t hex_limit = 256;
        std::uint64_t count = 0;
        double seconds = 0;
        std::uint16_t port = 9000;
    };
    static options o;
    auto finish = [] {
        o.f.from_seq = o.from;
        o.f.to_seq = o.to_seq;
    };

    auto* dump =
        j->add_subcommand("dump", "print records (hex, or decoded when a decoder is plugged in)");
    dump->add_option("DIR", o.dir)->required();
    add_filter(dump, o.f, o.from, o.to_seq);
    dump->add_flag("--json", o.json, "one JSON object per line");
    dump->add_option("--hex-limit", o.hex_limit, "payload bytes shown in hex (default 256)");
    dump->add_option("--protocol", o.protocol,
                     "decode frames as this protocol (default: the journal's `protocol` file, "
                     "else hex)")
        ->check(CLI::IsMember(journal_protocols()));
    dump->callback([=] {
        finish();
        if (o.protocol.empty()) o.protocol = journal_protocol_file(o.dir);
        if (!o.protocol.empty()) set_journal_decoder(protocol_decoder(o.protocol));
        cmd_dump(o.dir, o.f, o.json, o.hex_limit);
    });

    auto* stat = j->add_subcommand(
        "stat", "records, bytes, first/last time and sequence per direction, gaps");
    stat->add_option("DIR", o.dir)->required();
    stat->callback([] { cmd_stat(o.dir); });

    auto* verify = j->add_subcommand(
        "verify", "check every checksum and sequence continuity (exit 1 on failure)");
    verify->add_option("DIR", o.dir)->required();
    verify->add_flag("--allow-gaps", o.allow_gaps, "do not fail on sequence gaps");
    verify->callback([] { cmd_verify(o.dir, o.allow_gaps); });

    auto* tail = j->add_subcommand("tail", "follow a live journal (Ctrl-C to stop)");
    tail->add_option("DIR", o.dir)->required();
    tail->add_flag("--from-start", o.from_start, "print existing records first");
    tail->add_flag("--json", o.json, "one JSON object per line");
    tail->add_option("--count", o.count, "stop after N records");
    tail->add_option("--seconds", o.seconds, "stop after this many seconds");
    tail->callback([] { cmd_tail(o.dir, o.from_start, o.json, o.count, o.seconds); });

    auto* pcap = j->add_subcommand(
        "pcap", "export to pcap with synthetic Ethernet/IPv4/TCP (or UDP) framing");
    pcap->add_option("DIR", o.dir)->required();
    pcap->add_option("-o,--output", o.out, "output file");
    pcap->add_flag("--udp", o.udp, "UDP datagrams instead of a TCP stream (market data)");
    pcap->add_option("--port", o.port,
                     "venue port, so dissectors pick the protocol (default 9000)");
    add_filter(pcap, o.f, o.from, o.to_seq);
    pcap->callback([=] {
        finish();
        cmd_pcap(o.dir, o.out, o.udp, o.port, o.f);
    });

    auto* replay = j->add_subcommand("replay", "send recorded frames to a live peer over TCP");
    replay->add_option("DIR", o.dir)->required();
    replay->add_option("--to", o.to, "HOST:PORT")->required();
    replay->add_option("--pace", o.pace, "recorded, max or N/s (default max)");
    add_filter(replay, o.f, o.from, o.to_seq);
    replay->callback([=] {
        finish();
        if (o.f.dir.empty()) o.f.dir = "out";
        cmd_replay(o.dir, o.to, o.pace, o.f);
    });
}

}  // namespace exwire_tools
