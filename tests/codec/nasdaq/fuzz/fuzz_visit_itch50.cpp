// visit() on ITCH 5.0 plus text/JSON round trip of whatever it accepts, and the book (one
// message, and the input as a run of length-prefixed frames).
#include <exwire/codec/nasdaq/itch50.hpp>
#include <exwire/codec/nasdaq/itch_book.hpp>

#include "fuzz_common.hpp"

namespace nq = exwire::codec::nasdaq;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const exwire::bytes in(reinterpret_cast<const std::byte*>(data), size);
    std::uint64_t sum = 0;
    const auto s = nq::itch50::visit(in, [&](auto v) { sum += v.timestamp() + v.stock_locate(); });
    if ((s == nq::visit_status::ok) != nq::to_text(nq::itch50::set, in).ok()) std::abort();
    fuzz_nasdaq::check_round_trip(nq::itch50::set, in, nq::direction::any);
    static nq::itch_book book(1024);
    (void)book.apply_message(in);
    // the same bytes as a run of length-prefixed frames (prefetching reads ahead of apply)
    static nq::itch_book framed_book(1024);
    const auto r = framed_book.apply_framed(in);
    if (r.consumed > in.size()) std::abort();
    return sum == 1 ? 1 : 0;
}
