// `exwire itch stats|decode|book`: read an ITCH 5.0 file (plain or gzip, 2-byte length
// prefixes) or a pcap (MoldUDP64 over UDP, SoupBinTCP over TCP) and summarise, print or build
// a book. Bad input stops with a message naming the byte offset (file) or frame (pcap).
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include <exwire/codec/nasdaq/gzip_reader.hpp>
#include <exwire/codec/nasdaq/itch50.hpp>
#include <exwire/codec/nasdaq/itch50_framed.hpp>
#include <exwire/codec/nasdaq/itch_book.hpp>
#include <exwire/codec/nasdaq/itch_file.hpp>
#include <exwire/codec/nasdaq/moldudp64.hpp>
#include <exwire/codec/nasdaq/soupbintcp.hpp>
#include <exwire/core/mapped_file.hpp>

#include "commands.hpp"
#include "pcap_reader.hpp"

namespace exwire_tools {
namespace {

namespace nq = exwire::codec::nasdaq;
namespace itch = exwire::codec::nasdaq::itch50;

/// Shows "[#####.....] 42%" on stderr for inputs of 32 MB or more when stderr is a terminal.
class progress {
  public:
    explicit progress(std::size_t total)
        : total_(total), on_(total >= (32u << 20) && isatty(2) != 0) {}
    void update(std::size_t done) {
        if (!on_) return;
        const int pct = static_cast<int>(done * 100 / total_);
        if (pct == last_) return;
        last_ = pct;
        const int fill = pct / 4;
        fmt::print(stderr, "\r[{}{}] {:3}% of {} MB",
                   std::string(static_cast<std::size_t>(fill), '#'),
                   std::string(static_cast<std::size_t>(25 - fill), '.'), pct, total_ >> 20);
    }
    ~progress() {
        if (on_ && last_ >= 0) fmt::print(stderr, "\n");
    }

  private:
    std::size_t total_;
    bool on_;
    int last_ = -1;
};

std::string where(const std::string& unit, std::uint64_t at) {
    return fmt::format("{} {}", unit, at);
}

/// Calls fn(message bytes) for every ITCH message of the input, in stream order. With a
/// `run` handler, whole runs of well-formed frames of a file (plain or gzip) go to
/// run(framed bytes) -> itch50::framed_result instead (it visits what it consumes; the
/// frame it stops at, if any, goes through the checks below as a single message, which
/// also names the error); pcap messages always go to fn.
struct no_run {};
template <typename Fn, typename Run = no_run>
void for_each_message(const std::string& path, Fn&& fn, Run&& run = {}) {
    auto mapped = exwire::mapped_file::open(path, false);
    if (!mapped) throw exit_error(path + ": " + mapped.err().message);
    const exwire::bytes all(mapped->data().data(), mapped->size());
    progress bar(all.size());

    auto bad_message = [&](nq::visit_status s, const std::string& loc, exwire::bytes m) {
        throw exit_error(fmt::format("{}: {} ITCH message (type 0x{:02x}) at {}", path,
                                     nq::to_string(s), m.empty() ? 0u : static_cast<unsigned>(m[0]),
                                     loc));
    };
    auto deliver = [&](exwire::bytes m, const std::string& loc) {
        const auto s = itch::visit(m, [](auto) {});
        if (s != nq::visit_status::ok) bad_message(s, loc, m);
        fn(m);
    };

    if (exwire_tools::pcap::looks_like_pcap(all)) {
        std::map<std::pair<pcap::endpoint, pcap::endpoint>, nq::soupbintcp::stream_framer> framers;
        auto st = pcap::read_file(
            path,
            [&](const pcap::udp_datagram& d) {
                nq::moldudp64::packet p;
                const char* why = "";
                if (nq::moldudp64::packet::decode(d.payload, p, &why) != nq::frame_status::complete)
                    throw exit_error(fmt::format("{}: malformed MoldUDP64 packet in frame {}: {}",
                                                 path, d.frame, why));
                for (const auto b : p)
                    deliver(b.message, fmt::format("frame {}, sequence {}", d.frame, b.sequence));
            },
            [&](const pcap::tcp_bytes& t) {
                auto& f = framers[{t.src, t.dst}];
                const auto s = f.feed(t.data, [&](const nq::soupbintcp::packet& p) {
                    if (p.type == 'S' || p.type == 'U')
                        deliver(p.payload, where("TCP frame", t.frame));
                });
                if (s == nq::frame_status::malformed)
                    throw exit_error(fmt::format(
                        "{}: malformed SoupBinTCP stream {} -> {} near stream byte offset {}: {}",
                        path, pcap::to_string(t.src), pcap::to_string(t.dst), t.stream_offset,
                        f.last_error()));
            });
        if (!st) throw exit_error(st.err().message);
        return;
    }

    const bool gzipped = nq::looks_gzip(all);
    std::uint64_t frames = 0;
    auto frame_all = [&](exwire::bytes buf, std::uint64_t base, nq::itch_file::options& opt,
                         bool final) -> std::size_t {
        std::size_t pos = 0;
        while (pos < buf.size()) {
            if (pos == 0 && base == 0 && buf.size() >= 2 && buf[0] == std::byte{0} &&
                buf[1] == std::byte{0} && !opt.allow_zero_prefix) {
                fmt::print(
                    stderr,
                    "exwire: {}: length prefixes are zero; taking lengths from the message types\n",
                    path);
                opt.allow_zero_prefix = true;
            }
            if constexpr (!std::is_same_v<std::decay_t<Run>, no_run>) {
                if (!opt.allow_zero_prefix) {
                    // whole frames in bulk, 4 MB at a time (for the progress bar)
                    const std::size_t chunk_end = std::min(buf.size(), pos + (4u << 20));
                    const itch::framed_result r = run(buf.subspan(pos, chunk_end - pos));
                    pos += r.consumed;
                    frames += r.messages;
                    if (!gzipped) bar.update(base + pos);
                    if (r.status == nq::visit_status::ok) continue;
                    // a frame cut by the chunk's end (not the buffer's): the next chunk
                    // starts with it
                    if (r.status == nq::visit_status::truncated && r.consumed > 0 &&
                        chunk_end < buf.size())
                        continue;
                    // otherwise the frame at pos goes through the checks below
                }
            }
            const auto f = nq::itch_file::next_frame(buf.subspan(pos), opt);
            if (f.status == nq::frame_status::malformed)
                throw exit_error(
                    fmt::format("{}: {} at byte offset {}", path, f.reason, base + pos));
            if (f.status == nq::frame_status::need_more) {
                if (final)
                    throw exit_error(
                        fmt::format("{}: truncated ITCH frame at byte offset {} ({} bytes left)",
                                    path, base + pos, buf.size() - pos));
                break;
            }
            deliver(f.message, where("byte offset", base + pos));
            pos += f.size;
            if ((++frames & 0xffff) == 0 && !gzipped) bar.update(base + pos);
        }
        return pos;
    };

    nq::itch_file::options opt;
    if (!gzipped) {
        (void)frame_all(all, 0, opt, true);
        return;
    }
    // gzip: inflate into a window, frame what is complete, keep the tail
    nq::gzip_reader gz;
    std::vector<std::byte> window(8u << 20);
    std::size_t have = 0, in_pos = 0;
    std::uint64_t base = 0;
    while (true) {
        std::size_t used = 0;
        auto n = gz.inflate(all.subspan(in_pos), std::span(window).subspan(have), used);
        if (!n) throw exit_error(path + ": " + n.err().message);
        in_pos += used;
        have += *n;
        const bool final = gz.finished() || (in_pos == all.size() && *n == 0);
        const std::size_t done = frame_all(std::span(window).first(have), base, opt, final);
        std::memmove(window.data(), window.data() + done, have - done);
        have -= done;
        base += done;
        bar.update(in_pos);
        if (final) {
            if (!gz.finished())
                throw exit_error(fmt::format(
                    "{}: gzip data ends early (decompressed byte offset {})", path, base));
            break;
        }
        if (*n == 0 && used == 0)
            throw exit_error(
                fmt::format("{}: gzip stream stalled at compressed byte offset {}", path, in_pos));
    }
}

struct stopped_early {};

std::string ts_text(std::uint64_t ns) {
    std::string s;
    nq::timestamp_6::to_str(s, ns);
    return s;
}

/// Symbol of a stock locate, learned from R (directory) and A/F (adds) messages.
struct symbols {
    std::vector<std::string> by_locate = std::vector<std::string>(65536);
    template <typename V>
    void learn(const V& v) {
        if constexpr (requires { v.stock(); }) {
            auto& s = by_locate[v.stock_locate()];
            if (s.empty() && v.stock_locate() != 0) s = std::string(v.stock());
        }
    }
};

/// Counts per type and per stock locate, learns symbols, and keeps the first and last
/// message (by position) of the run it is shown: order within a run does not matter, so
/// whole runs of a file go through visit_framed_grouped(). (A locate's symbol is the first
/// R, A or F message naming it; inside a batch of 256 messages R come before A before F,
/// which only matters for a feed that gives one locate two symbols.)
struct stats_counter {
    std::array<std::uint64_t, 256> per_type{};
    std::vector<std::uint64_t> per_locate = std::vector<std::uint64_t>(65536);
    symbols syms;
    const std::byte* lo = nullptr;  // first and last message of the current run
    const std::byte* hi = nullptr;
    std::uint64_t lo_ts = 0, hi_ts = 0;

    template <typename V>
    void operator()(V v) {
        syms.learn(v);
        ++per_locate[v.stock_locate()];
        ++per_type[V::message_type::type];
        const std::byte* at = v.data().data();
        if (lo == nullptr || at < lo) {
            lo = at;
            lo_ts = v.timestamp();
        }
        if (hi == nullptr || at > hi) {
            hi = at;
            hi_ts = v.timestamp();
        }
    }
};

void cmd_stats(const std::string& path) {
    stats_counter c;
    std::uint64_t n = 0, first = 0, last = 0;
    // after each run (or single message) in stream order: its first and last message
    auto end_run = [&](std::size_t messages) {
        if (messages == 0) return;
        if (n == 0) first = c.lo_ts;
        last = c.hi_ts;
        n += messages;
        c.lo = c.hi = nullptr;
    };
    const auto t0 = std::chrono::steady_clock::now();
    for_each_message(
        path,
        [&](exwire::bytes m) {
            (void)itch::visit(m, c);
            end_run(1);
        },
        [&](exwire::bytes framed) {
            const auto r = itch::visit_framed_grouped(framed, c);
            end_run(r.messages);
            return r;
        });
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    fmt::print("messages: {}\n", n);
    if (n) fmt::print("first timestamp: {}\nlast timestamp:  {}\n", ts_text(first), ts_text(last));
    fmt::print("decode rate: {:.0f} messages/s ({:.3f} s)\n",
               secs > 0 ? static_cast<double>(n) / secs : 0.0, secs);
    fmt::print("per type:\n");
    for (std::size_t t = 0; t < c.per_type.size(); ++t) {
        if (c.per_type[t] == 0) continue;
        const auto* info = nq::find_message(itch::set, static_cast<std::uint8_t>(t));
        fmt::print("  {} {:<28} {}\n", static_cast<char>(t), info ? info->name : "?",
                   c.per_type[t]);
    }
    fmt::print("per symbol:\n");
    std::vector<std::pair<std::string, std::uint64_t>> rows;
    for (std::size_t loc = 0; loc < c.per_locate.size(); ++loc) {
        if (c.per_locate[loc] == 0) continue;
        const auto& s = c.syms.by_locate[loc];
        rows.emplace_back(loc == 0    ? std::string("(market-wide)")
                          : s.empty() ? fmt::format("locate {}", loc)
                                      : s,
                          c.per_locate[loc]);
    }
    std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    for (const auto& [name, count] : rows)
        fmt::print("  {:<14} {}\n", name, count);
}

void cmd_decode(const std::string& path, const std::string& types, const std::string& symbol,
                bool json) {
    std::set<char> want_types;
    for (char c : types)
        if (c != ',' && c != ' ') want_types.insert(c);
    symbols syms;
    for_each_message(path, [&](exwire::bytes m) {
        std::uint16_t loc = 0;
        (void)itch::visit(m, [&](auto v) {
            syms.learn(v);
            loc = v.stock_locate();
        });
        if (!want_types.empty() && !want_types.count(static_cast<char>(m[0]))) return;
        if (!symbol.empty() && syms.by_locate[loc] != symbol) return;
        auto t = json ? nq::to_json(itch::set, m) : nq::to_text(itch::set, m);
        if (!t) throw exit_error(path + ": " + t.err().message);
        fmt::print("{}\n", *t);
    });
}

void cmd_book(const std::string& path, const std::string& symbol, const std::string& at,
              std::size_t levels) {
    std::uint64_t stop = ~std::uint64_t{0};
    if (!at.empty() && !nq::timestamp_6::from_str(at, stop))
        throw exit_error("bad --at time (HH:MM:SS.nnnnnnnnn): " + at);
    nq::itch_book book(1u << 20);
    symbols syms;
    std::uint64_t applied = 0, last_ts = 0;
    bool stopped = false;
    try {
        for_each_message(path, [&](exwire::bytes m) {
            bool past = false;
            (void)itch::visit(m, [&](auto v) {
                if (v.timestamp() > stop) {
                    past = true;
                    return;
                }
                syms.learn(v);
                last_ts = v.timestamp();
                book.apply(v);
            });
            if (past) throw stopped_early{};
            ++applied;
        });
    } catch (const stopped_early&) {
        stopped = true;
    }
    int locate = -1;
    for (std::size_t i = 1; i < syms.by_locate.size(); ++i)
        if (syms.by_locate[i] == symbol) locate = static_cast<int>(i);
    if (locate < 0) throw exit_error("symbol " + symbol + " not seen in " + path);
    const auto loc = static_cast<std::uint16_t>(locate);
    fmt::print("{} (locate {}) after {} messages, book time {}{}\n", symbol, locate, applied,
               ts_text(last_ts), stopped ? " (stopped at --at)" : "");
    const auto bids = book.bids(loc, levels);
    const auto asks = book.asks(loc, levels);
    auto price = [](std::uint32_t p) {
        std::string s;
        nq::price_4_4::to_str(s, p);
        return s;
    };
    fmt::print("{:>10} {:>8} {:>12} | {:<12} {:<8} {:<10}\n", "orders", "shares", "bid", "ask",
               "shares", "orders");
    for (std::size_t i = 0; i < levels && (i < bids.size() || i < asks.size()); ++i) {
        std::string l = i < bids.size() ? fmt::format("{:>10} {:>8} {:>12}", bids[i].orders,
                                                      bids[i].shares, price(bids[i].price))
                                        : fmt::format("{:>32}", "");
        std::string r = i < asks.size() ? fmt::format("{:<12} {:<8} {:<10}", price(asks[i].price),
                                                      asks[i].shares, asks[i].orders)
                                        : std::string();
        fmt::print("{} | {}\n", l, r);
    }
    const auto& c = book.stats();
    fmt::print("live orders (all symbols): {}; unknown order references: {}\n", book.live_orders(),
               c.unknown_orders);
}

}  // namespace

void register_itch(CLI::App& app) {
    auto* itch_cmd =
        app.add_subcommand("itch", "ITCH 5.0 files (plain or gzip) and MoldUDP64/SoupBinTCP pcaps");
    itch_cmd->require_subcommand(1);

    static std::string path, types, symbol, at;
    static bool json = false;
    static std::size_t levels = 10;

    auto* stats = itch_cmd->add_subcommand(
        "stats", "counts per message type and symbol, time range, decode rate");
    stats->add_option("input", path, "ITCH file (.gz too) or pcap")->required();
    stats->callback([] { cmd_stats(path); });

    auto* decode = itch_cmd->add_subcommand("decode", "print messages as text or JSON");
    decode->add_option("input", path, "ITCH file (.gz too) or pcap")->required();
    decode->add_option("--type", types, "message types to print, e.g. A,E");
    decode->add_option("--symbol", symbol, "only this symbol");
    decode->add_flag("--json", json, "one JSON object per line");
    decode->callback([] { cmd_decode(path, types, symbol, json); });

    auto* book = itch_cmd->add_subcommand("book", "price-level book of one symbol");
    book->add_option("input", path, "ITCH file (.gz too) or pcap")->required();
    book->add_option("--symbol", symbol, "symbol")->required();
    book->add_option("--at", at, "stop at this time of day, HH:MM:SS.nnnnnnnnn");
    book->add_option("--levels", levels, "levels per side (default 10)");
    book->callback([] { cmd_book(path, symbol, at, levels); });
}

}  // namespace exwire_tools
