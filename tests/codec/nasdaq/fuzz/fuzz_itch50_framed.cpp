// visit_framed_grouped() (two batch sizes) and visit_framed() against one itch50::visit() per frame
// over the input as a run of length-prefixed frames: same status, stop offset, message count, and
// the same messages (grouped ones compared by offset, with a checksum of every field).
#include <exwire/codec/nasdaq/itch50_framed.hpp>

#include <algorithm>
#include <cstdlib>
#include <type_traits>
#include <utility>
#include <vector>

namespace nq = exwire::codec::nasdaq;
namespace itch = exwire::codec::nasdaq::itch50;

namespace {

using seen = std::pair<std::size_t, std::uint64_t>;  // offset, checksum of every field

struct recorder {
    const std::byte* base;
    std::vector<seen>* out;
    template <typename V>
    void operator()(V v) const {
        std::uint64_t sum = V::message_type::type;
        v.for_each_field([&](auto, const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_integral_v<T>) {
                sum = sum * 31 + static_cast<std::uint64_t>(x);
            } else if constexpr (std::is_same_v<T, std::string_view>) {
                for (char c : x)
                    sum = sum * 31 + static_cast<unsigned char>(c);
                sum = sum * 31 + x.size();
            }
        });
        out->emplace_back(static_cast<std::size_t>(v.data().data() - base), sum);
    }
    void on_unknown(exwire::bytes m) const {
        out->emplace_back(static_cast<std::size_t>(m.data() - base), ~std::uint64_t{0});
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const exwire::bytes in(reinterpret_cast<const std::byte*>(data), size);
    std::vector<seen> want, got, in_order;
    itch::framed_result ref;
    std::size_t pos = 0;
    while (pos < size) {
        if (size - pos < 2 || pos + 2 + (std::size_t{data[pos]} << 8 | data[pos + 1]) > size) {
            ref.status = nq::visit_status::truncated;
            break;
        }
        const std::size_t len = std::size_t{data[pos]} << 8 | data[pos + 1];
        ref.status = itch::visit(in.subspan(pos + 2, len), recorder{in.data(), &want});
        if (ref.status != nq::visit_status::ok) break;
        pos += 2 + len;
        ++ref.messages;
    }
    ref.consumed = pos;
    auto same = [&](const itch::framed_result& r) {
        if (r.status != ref.status || r.consumed != ref.consumed || r.messages != ref.messages)
            std::abort();
    };
    same(itch::visit_framed(in, recorder{in.data(), &in_order}));
    if (in_order != want) std::abort();
    // the default batch, and a batch small enough for many batch ends in a short input
    same(itch::visit_framed_grouped(in, recorder{in.data(), &got}));
    std::stable_sort(got.begin(), got.end());
    if (got != want) std::abort();
    got.clear();
    same(itch::visit_framed_grouped<3>(in, recorder{in.data(), &got}));
    std::stable_sort(got.begin(), got.end());
    if (got != want) std::abort();
    return 0;
}
