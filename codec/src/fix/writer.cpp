// FIX writer: header template rendering and the out-of-line formatting helpers.
#include "exwire/codec/fix/writer.hpp"

#include <algorithm>

namespace exwire::codec::fix {

session_header::session_header(std::string_view begin_string, std::string_view sender_comp_id,
                               std::string_view target_comp_id,
                               std::vector<std::pair<int, std::string>> extra)
    : begin_string_(begin_string) {
    extra.emplace_back(49, std::string(sender_comp_id));
    extra.emplace_back(56, std::string(target_comp_id));
    std::stable_sort(extra.begin(), extra.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [tag, value] : extra) {
        // The varying fields split the constant ones into five runs (see chunk()).
        const std::size_t i = tag < 34 ? 0 : tag < 43 ? 1 : tag < 52 ? 2 : tag < 122 ? 3 : 4;
        chunks_[i] += std::to_string(tag);
        chunks_[i] += '=';
        chunks_[i] += value;
        chunks_[i] += soh;
    }
}

char* format_utc_timestamp(char* p, std::int64_t nanos, unsigned digits) noexcept {
    constexpr std::int64_t ns_per_day = 86'400'000'000'000;
    std::int64_t days = nanos / ns_per_day;
    std::int64_t rem = nanos % ns_per_day;
    if (rem < 0) {
        rem += ns_per_day;
        --days;
    }
    // civil_from_days (H. Hinnant).
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    const auto y = static_cast<unsigned>(yoe + era * 400 + (m <= 2 ? 1 : 0));
    detail::two_digits(p, (y / 100) % 100);
    detail::two_digits(p + 2, y % 100);
    detail::two_digits(p + 4, m);
    detail::two_digits(p + 6, d);
    p[8] = '-';
    const auto secs = static_cast<unsigned>(rem / 1'000'000'000);
    detail::two_digits(p + 9, secs / 3600);
    p[11] = ':';
    detail::two_digits(p + 12, (secs / 60) % 60);
    p[14] = ':';
    detail::two_digits(p + 15, secs % 60);
    p += 17;
    if (digits == 3 || digits == 6 || digits == 9) {
        auto frac = static_cast<std::uint64_t>(rem % 1'000'000'000);
        for (unsigned k = digits; k < 9; ++k)
            frac /= 10;
        *p = '.';
        char* const e = p + 1 + digits;
        char* q = e;
        for (unsigned k = 0; k < digits; ++k) {
            *--q = static_cast<char>('0' + frac % 10);
            frac /= 10;
        }
        p = e;
    }
    return p;
}

writer& writer::start(const session_header& h, std::string_view msg_type,
                      const header_values& v) noexcept {
    start_raw(h.begin_string(), msg_type);
    append_raw(h.chunk(0));
    add_uint(34, v.seq_num);
    append_raw(h.chunk(1));
    if (v.poss_dup) add(43, "Y");
    append_raw(h.chunk(2));
    add_timestamp(52, v.sending_time_ns, v.time_digits);
    append_raw(h.chunk(3));
    if (v.orig_sending_time_ns >= 0) add_timestamp(122, v.orig_sending_time_ns, v.time_digits);
    append_raw(h.chunk(4));
    return *this;
}

writer& writer::start_raw(std::string_view begin_string, std::string_view msg_type) noexcept {
    reset();
    begin_string_ = begin_string;
    if (begin_string.size() + 14 > reserve) overflow_ = true;  // "8=" SOH "9=" 9 digits SOH
    return add(35, msg_type);
}

writer& writer::add_decimal(int tag, decimal d) noexcept {
    char* p = tag_eq(tag, 48);
    if (p == nullptr) return *this;
    char tmp[48];
    char* const e = tmp + sizeof tmp;
    char* f = e;
    std::uint64_t mag = d.mantissa < 0 ? 0 - static_cast<std::uint64_t>(d.mantissa)
                                       : static_cast<std::uint64_t>(d.mantissa);
    if (d.exponent > 0) {
        const int zeros = d.exponent > 18 ? 18 : d.exponent;
        for (int k = 0; k < zeros; ++k)
            *--f = '0';
        if (mag == 0) f = e;  // 0 * 10^n is "0"
        f = detail::format_uint_backwards(f, mag);
    } else if (d.exponent < 0) {
        const int frac = d.exponent < -18 ? 18 : -d.exponent;
        for (int k = 0; k < frac; ++k) {
            *--f = static_cast<char>('0' + mag % 10);
            mag /= 10;
        }
        *--f = '.';
        f = detail::format_uint_backwards(f, mag);
    } else {
        f = detail::format_uint_backwards(f, mag);
    }
    if (d.mantissa < 0) *--f = '-';
    const auto n = static_cast<std::size_t>(e - f);
    std::memcpy(p, f, n);
    p[n] = soh;
    pos_ = p + n + 1;
    return *this;
}

write_status writer::finish(exwire::bytes& out) noexcept {
    if (overflow_ || cap_ - pos_ < 7) {
        overflow_ = true;
        return write_status::too_small;
    }
    char* const body = begin_ + reserve;
    const auto body_len = static_cast<std::size_t>(pos_ - body);
    char* h = body;
    *--h = soh;
    h = detail::format_uint_backwards(h, body_len);
    *--h = '=';
    *--h = '9';
    *--h = soh;
    h -= begin_string_.size();
    std::memcpy(h, begin_string_.data(), begin_string_.size());
    *--h = '=';
    *--h = '8';
    const unsigned sum = checksum(std::string_view(h, static_cast<std::size_t>(pos_ - h)));
    pos_[0] = '1';
    pos_[1] = '0';
    pos_[2] = '=';
    pos_[3] = static_cast<char>('0' + sum / 100);
    pos_[4] = static_cast<char>('0' + (sum / 10) % 10);
    pos_[5] = static_cast<char>('0' + sum % 10);
    pos_[6] = soh;
    out = exwire::bytes(reinterpret_cast<const std::byte*>(h),
                        static_cast<std::size_t>(pos_ + 7 - h));
    return write_status::ok;
}

}  // namespace exwire::codec::fix
