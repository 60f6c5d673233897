#pragma once
// Test kit for the FIX session machine: a recording session_output, a fake clock, and
// frames written with '|' for SOH. BodyLength is computed when a frame omits it and checked
// when it is given, CheckSum is always computed, and "<T>" stands for the SendingTime of
// the fake clock. Its 21 characters have the width of QuickFIX's masked
// "00000000-00:00:00.000", so the BodyLength values of QuickFIX's acceptance definitions
// apply unchanged.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <exwire/codec/fix/dictionary.hpp>
#include <exwire/codec/fix/values.hpp>
#include <exwire/codec/fix/writer.hpp>
#include <exwire/engine/fix/session_machine.hpp>

namespace exwire::engine::fix::test {

/// 2026-11-21 20:00:00 UTC in nanoseconds since the epoch.
inline constexpr std::int64_t t0 =
    (codec::fix::detail::days_from_civil(2026, 11, 21) * 86400 + 20 * 3600) * 1'000'000'000LL;
inline constexpr std::int64_t sec = 1'000'000'000;

inline std::string timestamp(std::int64_t ns) {
    char buf[32];
    char* e = codec::fix::format_utc_timestamp(buf, ns, 3);
    return std::string(buf, e);
}

inline std::string replace_all(const std::string& s, std::string_view what, std::string_view with) {
    std::string r;
    std::size_t from = 0;
    for (std::size_t p = s.find(what); p != std::string::npos; p = s.find(what, from)) {
        r.append(s, from, p - from);
        r.append(with);
        from = p + what.size();
    }
    r.append(s, from);
    return r;
}

/// Renders "8=FIX.4.4|35=...|" (optionally with "9=NN|") into a wire frame.
inline std::string wire(std::string text, std::int64_t now) {
    text = replace_all(text, "<T>", timestamp(now));
    text = replace_all(text, "|", "\x01");
    const std::size_t first = text.find('\x01') + 1;
    if (text.compare(first, 2, "9=") != 0) {
        const std::size_t body = text.size() - first;
        text.insert(first, "9=" + std::to_string(body) + "\x01");
    }
    char cs[8];
    std::snprintf(cs, sizeof cs, "10=%03u\x01", codec::fix::checksum(text));
    return text + cs;
}

/// Shows SOH as '|' for readable failures.
inline std::string show(std::string_view s) {
    return replace_all(std::string(s), "\x01", "|");
}

struct recorder final : session_output {
    std::vector<std::string> sent;
    std::vector<std::string> app;
    std::vector<std::pair<event_kind, std::string>> events;
    int disconnects = 0;
    app_verdict verdict = app_verdict::accepted;
    std::string decline_clordid;  ///< should_replay() declines messages with this 11=

    void send(std::string_view frame) noexcept override { sent.emplace_back(frame); }
    void disconnect() noexcept override { ++disconnects; }
    void on_event(const session_event& e) noexcept override {
        events.emplace_back(e.kind, std::string(e.text));
    }
    app_verdict on_app_message(const codec::fix::message_view& m) noexcept override {
        app.emplace_back(m.bytes());
        return verdict;
    }
    bool should_replay(const codec::fix::message_view& m) noexcept override {
        return decline_clordid.empty() || m.get(11) != decline_clordid;
    }
    [[nodiscard]] bool saw(event_kind k, std::string_view text = {}) const {
        for (const auto& [kind, t] : events)
            if (kind == k && (text.empty() || t == text)) return true;
        return false;
    }
};

/// One machine with its store, output and clock, in QuickFIX's test roles: the machine is
/// ISLD, the scripted peer is TW.
class scenario : public ::testing::Test {
  protected:
    void start(session_settings s) {
        settings = std::move(s);
        machine = std::make_unique<session_machine>(settings, store, out);
        machine->on_connected(now);
    }
    void start_acceptor(std::string begin = "FIX.4.4") {
        session_settings s;
        s.role = session_role::acceptor;
        s.begin_string = std::move(begin);
        s.sender_comp_id = "ISLD";
        s.target_comp_id = "TW";
        start(std::move(s));
    }
    /// Peer sends `text` (header after 8 as written; 8 and "<T>" filled in).
    void in(std::string_view text) {
        machine->on_bytes(wire("8=" + begin() + "|" + std::string(text), now), now);
    }
    void in_raw(std::string_view bytes) { machine->on_bytes(bytes, now); }
    std::string begin() const { return settings.begin_string; }
    /// Expects exactly these frames sent since the last call, in order.
    void expect_sent(std::vector<std::string> frames) {
        std::vector<std::string> want;
        for (auto& f : frames)
            want.push_back(show(wire("8=" + begin() + "|" + f, now)));
        std::vector<std::string> got;
        for (std::size_t i = seen_; i < out.sent.size(); ++i)
            got.push_back(show(out.sent[i]));
        seen_ = out.sent.size();
        EXPECT_EQ(got, want);
    }
    void expect_nothing_sent() { expect_sent({}); }
    /// The usual logon exchange (peer TW logs on with 34=1, HeartBtInt 30).
    void log_on(std::string_view hb = "30") {
        in("35=A|34=1|49=TW|52=<T>|56=ISLD|98=0|108=" + std::string(hb) + "|");
        ASSERT_EQ(machine->state(), session_state::logged_on);
        seen_ = out.sent.size();
    }
    void advance(std::int64_t ns) {
        now += ns;
        machine->on_tick(now);
    }

    session_settings settings;
    memory_store store;
    recorder out;
    std::unique_ptr<session_machine> machine;
    std::int64_t now = t0;
    std::size_t seen_ = 0;
};

/// The FIX 4.4 dictionary of the build (EXWIRE_FIX_DICTIONARIES), loaded once.
inline const codec::fix::dictionary* fix44_dictionary() {
    static std::unique_ptr<codec::fix::dictionary> d = [] {
        const char* dir = std::getenv("EXWIRE_FIX_DICTIONARIES");
        if (dir == nullptr) return std::unique_ptr<codec::fix::dictionary>();
        auto r = codec::fix::dictionary::load(std::string(dir) + "/FIX44.xml");
        if (!r) return std::unique_ptr<codec::fix::dictionary>();
        return std::make_unique<codec::fix::dictionary>(std::move(*r));
    }();
    return d.get();
}

}  // namespace exwire::engine::fix::test
