// visit_incoming/visit_outgoing on OUCH 5.0, appendage tags, and the text round trip.
#include <exwire/codec/nasdaq/ouch50.hpp>
#include <exwire/codec/nasdaq/ouch_tags.hpp>

#include "fuzz_common.hpp"

namespace nq = exwire::codec::nasdaq;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const exwire::bytes in(reinterpret_cast<const std::byte*>(data), size);
    std::size_t tags = 0;
    auto on = [&](auto v) {
        if constexpr (requires { v.appendage(); })
            (void)nq::ouch_tags::for_each(
                v.appendage(), [&](std::uint8_t t, exwire::bytes b) { tags += t + b.size(); });
    };
    const auto a = nq::ouch50::visit_incoming(in, on);
    const auto b = nq::ouch50::visit_outgoing(in, on);
    if ((a == nq::visit_status::ok) !=
        nq::to_text(nq::ouch50::set, in, nq::direction::incoming).ok())
        std::abort();
    if ((b == nq::visit_status::ok) !=
        nq::to_text(nq::ouch50::set, in, nq::direction::outgoing).ok())
        std::abort();
    fuzz_nasdaq::check_round_trip(nq::ouch50::set, in, nq::direction::incoming);
    fuzz_nasdaq::check_round_trip(nq::ouch50::set, in, nq::direction::outgoing);
    return tags == 1 ? 1 : 0;
}
