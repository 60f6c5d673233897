// visit() on the user-defined example set (arrays, records, prefixed strings) and round trip.
#include "example_quote.hpp"

#include "fuzz_common.hpp"

namespace nq = exwire::codec::nasdaq;
namespace eq = exwire::codec::nasdaq::example_quote;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const exwire::bytes in(reinterpret_cast<const std::byte*>(data), size);
    std::uint64_t sum = 0;  // wraps on overflow (defined), unlike a signed sum
    auto on = [&]<typename V>(V v) {
        if constexpr (std::is_same_v<V, eq::quote::view>) {
            for (std::size_t i = 0; i < v.sides().size(); ++i)
                sum += v.sides()[i].price();
            sum += v.account().size() + static_cast<std::uint64_t>(v.tag());
        } else if constexpr (std::is_same_v<V, eq::quote_status::view>) {
            for (std::size_t i = 0; i < v.levels().size(); ++i)
                sum += v.levels()[i];
            sum += static_cast<std::int64_t>(v.text().size() + v.code().size());
        }
    };
    const auto a = eq::visit_incoming(in, on);
    const auto b = eq::visit_outgoing(in, on);
    if ((a == nq::visit_status::ok) != nq::to_text(eq::set, in, nq::direction::incoming).ok())
        std::abort();
    if ((b == nq::visit_status::ok) != nq::to_text(eq::set, in, nq::direction::outgoing).ok())
        std::abort();
    fuzz_nasdaq::check_round_trip(eq::set, in, nq::direction::incoming);
    fuzz_nasdaq::check_round_trip(eq::set, in, nq::direction::outgoing);
    return sum == 1 ? 1 : 0;
}
