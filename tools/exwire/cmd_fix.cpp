// `exwire fix ...` subcommands.
//
// exwire fix decode [FILE|-] [--dict FIX44.xml] [--oneline]
//   Reads raw FIX (SOH or '|' separated; several messages, any bytes between them) and
//   prints every message, one field per line with field and enum names when a dictionary is
//   given, or one message per line with --oneline. Malformed frames and messages that fail
//   dictionary validation are marked INVALID with the reason; the exit status is then 2.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

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
    std::string data = read_input(o.input);
    if (data.find(fix::soh) == std::string::npos) {
        for (char& c : data)
            if (c == '|') c = fix::soh;
    }
    std::string_view rest(data);
    int messages = 0;
    int invalid = 0;
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
    return invalid > 0 ? 2 : 0;
}

}  // namespace

void register_fix(CLI::App& app) {
    CLI::App* fix_cmd = app.add_subcommand("fix", "FIX tag=value tools");
    fix_cmd->require_subcommand(1);
    auto opts = std::make_shared<decode_options>();
    CLI::App* decode = fix_cmd->add_subcommand(
        "decode", "print FIX messages field by field (SOH or '|' separated)");
    decode->add_option("input", opts->input, "file to read, or - for stdin")->capture_default_str();
    decode->add_option("--dict", opts->dict_path,
                       "QuickFIX-format dictionary for names and validation");
    decode->add_flag("--oneline", opts->oneline, "one message per line");
    decode->callback([opts] { exit_status() = run_decode(*opts); });
}

}  // namespace exwire_tools
