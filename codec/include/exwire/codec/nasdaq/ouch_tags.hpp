#pragma once
// OUCH 5.0 optional appendage: concatenated TagValue elements, each
// [Length uint8 = 1 + value size][OptionTag uint8][value]. Pure functions; views point into
// the appendage bytes.

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <exwire/codec/nasdaq/framing.hpp>
#include <exwire/core/bytes.hpp>

namespace exwire::codec::nasdaq::ouch_tags {

/// Option tag numbers (S-OUCH Appendix A).
enum tag : std::uint8_t {
    secondary_ord_ref_num = 1,
    firm = 2,
    min_qty = 3,
    customer_type = 4,
    max_floor = 5,
    price_type = 6,
    peg_offset = 7,
    discretion_price = 9,
    discretion_price_type = 10,
    discretion_peg_offset = 11,
    post_only = 12,
    random_reserves = 13,
    route = 14,
    expire_time = 15,
    trade_now = 16,
    handle_inst = 17,
    bbo_weight_indicator = 18,
    display_quantity = 22,
    display_price = 23,
    group_id = 24,
    shares_located = 25,
    locate_broker = 26,
    side = 27,
    user_ref_idx = 28,
};

/// Calls fn(tag, value) for each element. complete when the elements fill the appendage
/// exactly; malformed on a zero Length or an element running past the end (elements before
/// it were delivered).
template <typename Fn>
[[nodiscard]] frame_status for_each(exwire::bytes appendage, Fn&& fn) {
    std::size_t pos = 0;
    while (pos < appendage.size()) {
        const std::size_t len = static_cast<std::uint8_t>(appendage[pos]);
        if (len == 0 || pos + 1 + len > appendage.size()) return frame_status::malformed;
        fn(static_cast<std::uint8_t>(appendage[pos + 1]), appendage.subspan(pos + 2, len - 1));
        pos += 1 + len;
    }
    return frame_status::complete;
}

/// Appends one element at out[pos]; returns the new position, or 0 when it does not fit.
[[nodiscard]] inline std::size_t append(exwire::mutable_bytes out, std::size_t pos, std::uint8_t t,
                                        exwire::bytes value) noexcept {
    if (value.size() > 254 || pos + 2 + value.size() > out.size()) return 0;
    out[pos] = static_cast<std::byte>(value.size() + 1);
    out[pos + 1] = static_cast<std::byte>(t);
    if (!value.empty()) std::memcpy(out.data() + pos + 2, value.data(), value.size());
    return pos + 2 + value.size();
}

}  // namespace exwire::codec::nasdaq::ouch_tags
