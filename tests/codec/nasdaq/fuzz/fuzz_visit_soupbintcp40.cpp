// visit() on SoupBinTCP packet bodies and the text round trip.
#include <exwire/codec/nasdaq/soupbintcp40.hpp>

#include "fuzz_common.hpp"

namespace nq = exwire::codec::nasdaq;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const exwire::bytes in(reinterpret_cast<const std::byte*>(data), size);
    const auto s = nq::soupbintcp40::visit(in, [](auto) {});
    if ((s == nq::visit_status::ok) != nq::to_text(nq::soupbintcp40::set, in).ok()) std::abort();
    fuzz_nasdaq::check_round_trip(nq::soupbintcp40::set, in, nq::direction::any);
    return 0;
}
