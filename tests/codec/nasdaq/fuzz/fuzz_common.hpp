#pragma once
// Shared fuzz checks: visit must accept or reject without reading outside the input, and
// every accepted message must render, parse back and render to the same text.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <exwire/codec/nasdaq/message_set.hpp>

namespace fuzz_nasdaq {

inline void check_round_trip(const exwire::codec::nasdaq::message_set_info& set, exwire::bytes msg,
                             exwire::codec::nasdaq::direction dir) {
    namespace nq = exwire::codec::nasdaq;
    auto text = nq::to_text(set, msg, dir);
    auto json = nq::to_json(set, msg, dir);
    if (text.ok() != json.ok()) std::abort();
    if (!text.ok()) return;
    std::vector<std::byte> out(msg.size() + 16);
    auto n = nq::from_text(set, *text, out, dir);
    if (!n.ok()) {
        std::fprintf(stderr, "parse failed: %s\n%s\n", n.err().message.c_str(), text->c_str());
        std::abort();
    }
    auto again = nq::to_text(set, exwire::bytes(out.data(), *n), dir);
    if (!again.ok() || *again != *text) {
        std::fprintf(stderr, "round trip differs:\n%s\n%s\n", text->c_str(),
                     again.ok() ? again->c_str() : "(error)");
        std::abort();
    }
}

}  // namespace fuzz_nasdaq
