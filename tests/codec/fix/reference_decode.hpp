#pragma once
// The reader's field walk as it was before the bitmask scanner: one field at a time, the tag
// digit by digit, the value's end with find_soh. Kept for the tests as the oracle the fast
// decode must agree with (same verdicts, same fields), and for the benchmark's comparison.
#include <string_view>

#include "exwire/codec/fix/reader.hpp"

namespace fix_test {

template <typename OnField>
[[nodiscard]] exwire::codec::fix::frame_result reference_decode(
    std::string_view buf, OnField&& on_field,
    std::size_t max_body_length = exwire::codec::fix::default_max_body_length) noexcept {
    using namespace exwire::codec::fix;
    std::size_t body_start = 0;
    std::size_t body_end = 0;
    const frame_result env = detail::check_envelope(buf, max_body_length, body_start, body_end);
    if (env.status != frame_status::complete) return env;
    const char* q = buf.data() + body_start;
    const char* const e = buf.data() + body_end;
    int pending_data_tag = 0;
    long pending_len = -1;
    while (q < e) {
        int tag = 0;
        const char* t = q;
        while (t < e && *t >= '0' && *t <= '9' && t - q < 9)
            tag = tag * 10 + (*t++ - '0');
        if (t == q || tag == 0 || (t < e && *t >= '0' && *t <= '9'))
            return detail::malformed_at(buf, malformed_reason::bad_tag);
        if (t >= e || *t != '=') return detail::malformed_at(buf, malformed_reason::missing_equals);
        const char* v = t + 1;
        const char* ve;
        if (pending_data_tag != 0 && tag == pending_data_tag) {
            if (e - v < pending_len + 1 || v[pending_len] != soh)
                return detail::malformed_at(buf, malformed_reason::bad_data_length);
            ve = v + pending_len;
        } else {
            ve = v;
            while (ve < e && *ve != soh)
                ++ve;
        }
        if (ve == v) return detail::malformed_at(buf, malformed_reason::empty_value);
        const field f{tag, std::string_view(v, static_cast<std::size_t>(ve - v))};
        pending_data_tag = data_tag_for_length(tag);
        if (pending_data_tag != 0) {
            pending_len = detail::length_value(f.value);
            if (pending_len < 0)
                return detail::malformed_at(buf, malformed_reason::bad_data_length);
        }
        on_field(f);
        q = ve + 1;
    }
    return env;
}

}  // namespace fix_test
