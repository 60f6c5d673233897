// `exwire fix ...` subcommands.
//
// exwire fix decode [FILE|-] [--dict FIX44.xml] [--oneline]
//   Reads raw FIX (SOH or '|' separated; several messages, any bytes between them; or a
//   classic pcap file, whose TCP streams are reassembled in capture order) and
//   prints every message, one field per line with field and enum names when a dictionary is
//   given, or one message per line with --oneline. Malformed frames and messages that fail
//   dictionary validation are marked INVALID with the reason; the exit status is then 2.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.hpp"
#include "exwire/codec/fix/dictionary.hpp"
#include "exwire/codec/fix/reader.hpp"

namespace exwire_tools {

namespace {

namespace fix = exwire::codec::fix;

std::string read_input(const std::string& path) {
    std::string data;
    std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
    if (f == nullptr) throw exit_error("cannot open " + path);
    char chunk[65536];
    std::size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0)
        data.append(chunk, n);
    if (f != stdin) std::fclose(f);
    return data;
}

std::uint32_t load32(const std::string& d, std::size_t at, bool swap) {
    std::uint32_t v;
    std::memcpy(&v, d.data() + at, 4);
    return swap ? __builtin_bswap32(v) : v;
}

std::uint16_t load16be(const std::string& d, std::size_t at) {
    return static_cast<std::uint16_t>(static_cast<unsigned char>(d[at]) << 8 |
                                      static_cast<unsigned char>(d[at + 1]));
}

// If `data` is a classic pcap file (Ethernet or raw IP, IPv4/IPv6, TCP), returns the TCP
// payload of each flow concatenated in capture order (retransmitted bytes dropped by
// sequence number), flows in order of first appearance. Otherwise std::nullopt.
std::optional<std::vector<std::pair<std::string, std::string>>> pcap_streams(
    const std::string& data) {
    if (data.size() < 24) return std::nullopt;
    const std::uint32_t magic = load32(data, 0, false);
    bool swap;
    if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d)
        swap = false;
    else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
        swap = true;
    else
        return std::nullopt;
    const std::uint32_t linktype = load32(data, 20, swap);
    struct flow {
        std::string name;
        std::string bytes;
        std::uint32_t next_seq = 0;
        bool started = false;
    };
    std::vector<flow> flows;
    std::size_t at = 24;
    while (at + 16 <= data.size()) {
        const std::uint32_t caplen = load32(data, at + 8, swap);
        at += 16;
        if (caplen > data.size() - at) break;
        const std::string pkt = data.substr(at, caplen);
        at += caplen;
        std::size_t ip = 0;
        if (linktype == 1) {  // Ethernet, optional 802.1Q tags
            ip = 12;
            while (ip + 2 <= pkt.size() &&
                   (load16be(pkt, ip) == 0x8100 || load16be(pkt, ip) == 0x88a8))
                ip += 4;
            ip += 2;
        } else if (linktype != 101 && linktype != 228 && linktype != 229) {
            throw exit_error(
                fmt::format("pcap link type {} not supported (Ethernet or raw IP only)", linktype));
        }
        if (ip >= pkt.size()) continue;
        std::size_t tcp;
        std::string src, dst;
        const int version = static_cast<unsigned char>(pkt[ip]) >> 4;
        if (version == 4 && ip + 20 <= pkt.size() && pkt[ip + 9] == 6) {
            tcp = ip + static_cast<std::size_t>((pkt[ip] & 0x0f) * 4);
            auto addr = [&](std::size_t o) {
                return fmt::format("{}.{}.{}.{}", static_cast<unsigned char>(pkt[o]),
                                   static_cast<unsigned char>(pkt[o + 1]),
                                   static_cast<unsigned char>(pkt[o + 2]),
                                   static_cast<unsigned char>(pkt[o + 3]));
            };
            src = addr(ip + 12);
            dst = addr(ip + 16);
        } else if (version == 6 && ip + 40 <= pkt.size() && pkt[ip + 6] == 6) {
            tcp = ip + 40;
            src = "ipv6";
            dst = "ipv6";
        } else {
            continue;
        }
        if (tcp + 20 > pkt.size()) continue;
        const std::size_t payload =
            tcp + static_cast<std::size_t>((static_cast<unsigned char>(pkt[tcp + 12]) >> 4) * 4);
        if (payload > pkt.size()) continue;
        const std::string name =
            fmt::format("{}:{} -> {}:{}", src, load16be(pkt, tcp), dst, load16be(pkt, tcp + 2));
        const std::uint32_t seq =
            (std::uint32_t{load16be(pkt, tcp + 4)} << 16) | load16be(pkt, tcp + 6);
        std::string_view body(pkt.data() + payload, pkt.size() - payload);
        if (body.empty()) continue;
        auto it =
            std::find_if(flows.begin(), flows.end(), [&](const flow& f) { return f.name == name; });
        if (it == flows.end()) {
            flows.push_back(flow{name, {}, 0, false});
            it = flows.end() - 1;
        }
        if (it->started) {
            const auto ahead = static_cast<std::int32_t>(seq - it->next_seq);
            if (ahead < 0) {  // retransmission (partly) of bytes already taken
                const auto skip = static_cast<std::size_t>(-static_cast<std::int64_t>(ahead));
                if (skip >= body.size()) continue;
                body.remove_prefix(skip);
            }
        }
        it->started = true;
        it->bytes.append(body);
        it->next_seq = seq + static_cast<std::uint32_t>(pkt.size() - payload);
    }
    std::vector<std::pair<std::string, std::string>> out;
    for (auto& f : flows)
        out.emplace_back(std::move(f.name), std::move(f.bytes));
    return out;
}

// Printable form of a value: SOH shown as '|', other control bytes as \xNN.
std::string printable(std::string_view v) {
    std::string out;
    for (const char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if (c == fix::soh)
            out += '|';
        else if (u < 0x20 || u == 0x7f)
            out += fmt::format("\\x{:02x}", u);
        else
            out += c;
    }
    return out;
}

struct decode_options {
    std::string input = "-";
    std::string dict_path;
    bool oneline = false;
};

void print_message(std::string_view frame, const fix::dictionary* dict, bool oneline,
                   const fix::validation_result& verdict) {
    const fix::message_view m(frame);
    std::string line;
    for (const fix::field& f : m) {
        const fix::field_def* def = dict != nullptr ? dict->field(f.tag) : nullptr;
        const std::string_view enum_name = dict != nullptr ? dict->value_name(f.tag, f.value) : "";
        const bool bad = !verdict.ok() && verdict.tag == f.tag;
        if (oneline) {
            if (!line.empty()) line += '|';
            line += def != nullptr ? def->name : std::to_string(f.tag);
            line += '=';
            line += printable(f.value);
            if (!enum_name.empty()) line += fmt::format("({})", enum_name);
        } else {
            fmt::print("  {:>5} {:<24} = {}{}{}\n", f.tag, def != nullptr ? def->name : "",
                       printable(f.value), enum_name.empty() ? "" : fmt::format(" ({})", enum_name),
                       bad ? fmt::format("   <-- {}", fix::to_string(verdict.reason)) : "");
        }
    }
    if (oneline) fmt::print("{}\n", line);
}

int run_decode(const decode_options& o) {
    std::unique_ptr<fix::dictionary> dict;
    if (!o.dict_path.empty()) {
        auto d = fix::dictionary::load(o.dict_path);
        if (!d) throw exit_error(d.err().message);
        dict = std::make_unique<fix::dictionary>(std::move(*d));
    }
    const std::string input = read_input(o.input);
    std::vector<std::pair<std::string, std::string>> streams;
    if (auto p = pcap_streams(input)) {
        streams = std::move(*p);
    } else {
        streams.emplace_back("", input);
        std::string& data = streams.back().second;
        if (data.find(fix::soh) == std::string::npos) {
            for (char& c : data)
                if (c == '|') c = fix::soh;
        }
    }
    int messages = 0;
    int invalid = 0;
    for (const auto& [stream_name, data] : streams) {
        if (!stream_name.empty()) fmt::print("stream {}\n", stream_name);
        std::string_view rest(data);
        while (!rest.empty()) {
            const fix::frame_result r = fix::check_frame(rest);
            if (r.status == fix::frame_status::need_more) {
                if (rest.find_first_not_of(" \t\r\n") != std::string_view::npos) {
                    fmt::print("INVALID truncated message ({} bytes): {}\n", rest.size(),
                               printable(rest));
                    ++invalid;
                }
                break;
            }
            const std::string_view bytes = rest.substr(0, r.length);
            rest.remove_prefix(r.length);
            if (r.status == fix::frame_status::malformed) {
                if (r.reason == fix::malformed_reason::garbage &&
                    bytes.find_first_not_of(" \t\r\n") == std::string_view::npos)
                    continue;  // line breaks between messages
                fmt::print("INVALID {}: {}\n", fix::to_string(r.reason), printable(bytes));
                ++invalid;
                continue;
            }
            ++messages;
            fix::validation_result verdict;
            if (dict) verdict = dict->validate(fix::message_view(bytes));
            const fix::message_def* def =
                dict ? dict->message(fix::message_view(bytes).msg_type()) : nullptr;
            if (!verdict.ok()) {
                ++invalid;
                fmt::print("INVALID {} (tag {}): ", fix::to_string(verdict.reason), verdict.tag);
            }
            if (!o.oneline) {
                fmt::print("message {} {}{}\n", messages, fix::message_view(bytes).msg_type(),
                           def != nullptr ? fmt::format(" ({})", def->name) : "");
            }
            print_message(bytes, dict.get(), o.oneline, verdict);
        }
    }
    return invalid > 0 ? 2 : 0;
}

}  // namespace

void register_fix(CLI::App& app) {
    CLI::App* fix_cmd = app.add_subcommand("fix", "FIX tag=value tools");
    fix_cmd->require_subcommand(1);
    auto opts = std::make_shared<decode_options>();
    CLI::App* decode = fix_cmd->add_subcommand(
        "decode", "print FIX messages field by field (SOH or '|' separated)");
    decode->add_option("input", opts->input, "file to read (raw FIX or pcap), or - for stdin")
        ->capture_default_str();
    decode->add_option("--dict", opts->dict_path,
                       "QuickFIX-format dictionary for names and validation");
    decode->add_flag("--oneline", opts->oneline, "one message per line");
    decode->callback([opts] { exit_status() = run_decode(*opts); });
}

}  // namespace exwire_tools
