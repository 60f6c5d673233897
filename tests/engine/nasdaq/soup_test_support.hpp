#pragma once
// Test helpers for the SoupBinTCP state machines: handlers that record what the machines
// produce, and packet builders for the peer's side.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <exwire/codec/nasdaq/soupbintcp.hpp>
#include <exwire/engine/nasdaq/soupbintcp_session.hpp>

namespace exwire_test {

using namespace exwire::engine::nasdaq;

constexpr std::int64_t ms = 1'000'000;
constexpr std::int64_t sec = 1'000'000'000;

/// One SoupBinTCP packet: type and payload as text.
struct sent_packet {
    char type;
    std::string payload;
};

/// Splits a recorded byte stream into packets (every byte must belong to a whole packet).
inline std::vector<sent_packet> split_packets(const std::string& stream) {
    std::vector<sent_packet> out;
    exwire::codec::nasdaq::soupbintcp::stream_framer f;
    (void)f.feed(exwire::to_bytes(stream), [&](const exwire::codec::nasdaq::soupbintcp::packet& p) {
        out.push_back({static_cast<char>(p.type), std::string(exwire::to_string_view(p.payload))});
    });
    return out;
}

inline std::string packet(char type, std::string_view payload = {}) {
    std::string s(3 + payload.size(), '\0');
    s[0] = static_cast<char>((payload.size() + 1) >> 8);
    s[1] = static_cast<char>((payload.size() + 1) & 0xFF);
    s[2] = type;
    s.replace(3, payload.size(), payload);
    return s;
}

inline std::string login_request(std::string_view user, std::string_view pass,
                                 std::string_view session, std::string_view seq_field) {
    std::string p(46, ' ');
    p.replace(0, user.size(), user);
    p.replace(6, pass.size(), pass);
    p.replace(16, session.size(), session);
    p.replace(26 + 20 - seq_field.size(), seq_field.size(), seq_field);
    return packet('L', p);
}

inline std::string login_accepted(std::string_view session, std::uint64_t seq) {
    std::string p(30, ' ');
    p.replace(0, session.size(), session);
    const std::string n = std::to_string(seq);
    p.replace(30 - n.size(), n.size(), n);
    return packet('A', p);
}

struct event {
    std::string what;
    std::uint64_t sequence = 0;
    std::string text;
    bool operator==(const event&) const = default;
};

class recording_client_handler final : public soup_client_handler {
  public:
    bool send(exwire::bytes p) noexcept override {
        if (refuse_sends) return false;
        wire += std::string(exwire::to_string_view(p));
        return true;
    }
    void on_login_accepted(std::string_view s, std::uint64_t n) noexcept override {
        events.push_back({"accepted", n, std::string(s)});
    }
    void on_login_rejected(char r) noexcept override {
        events.push_back({"rejected", 0, std::string(1, r)});
    }
    void on_sequenced(std::uint64_t n, exwire::bytes m) noexcept override {
        events.push_back({"S", n, std::string(exwire::to_string_view(m))});
    }
    void on_unsequenced(exwire::bytes m) noexcept override {
        events.push_back({"U", 0, std::string(exwire::to_string_view(m))});
    }
    void on_debug(exwire::bytes m) noexcept override {
        events.push_back({"debug", 0, std::string(exwire::to_string_view(m))});
    }
    void on_failure(soup_close r, std::string_view text) noexcept override {
        events.push_back({"failure:" + std::string(to_string(r)), 0, std::string(text)});
    }
    std::vector<sent_packet> take_packets() {
        auto p = split_packets(wire);
        wire.clear();
        return p;
    }
    std::string wire;
    std::vector<event> events;
    bool refuse_sends = false;
};

class recording_server_handler final : public soup_server_handler {
  public:
    bool send(exwire::bytes p) noexcept override {
        wire += std::string(exwire::to_string_view(p));
        return true;
    }
    bool can_send() noexcept override { return !backed_up; }
    bool backed_up = false;
    void on_logged_in(const soup_login& l, std::uint64_t first) noexcept override {
        events.push_back({"logged_in", first, std::string(l.username)});
    }
    void on_unsequenced(exwire::bytes m) noexcept override {
        events.push_back({"U", 0, std::string(exwire::to_string_view(m))});
    }
    void on_debug(exwire::bytes m) noexcept override {
        events.push_back({"debug", 0, std::string(exwire::to_string_view(m))});
    }
    void on_failure(soup_close r, std::string_view text) noexcept override {
        events.push_back({"failure:" + std::string(to_string(r)), 0, std::string(text)});
    }
    std::vector<sent_packet> take_packets() {
        auto p = split_packets(wire);
        wire.clear();
        return p;
    }
    std::string wire;
    std::vector<event> events;
};

}  // namespace exwire_test
