// FIX writer: header template rendering and the out-of-line formatting helpers.
#include "exwire/codec/fix/writer.hpp"

#include <algorithm>
#include <limits>

namespace exwire::codec::fix {

session_header::session_header(std::string_view begin_string, std::string_view sender_comp_id,
                               std::string_view target_comp_id,
                               std::vector<std::pair<int, std::string>> extra)
    : begin_string_(begin_string) {
    extra.emplace_back(49, std::string(sender_comp_id));
    extra.emplace_back(56, std::string(target_comp_id));
    std::stable_sort(extra.begin(), extra.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::array<std::string, 5> chunks;
    for (const auto& [tag, value] : extra) {
        // The varying fields split the constant ones into five runs (see chunk()).
        const std::size_t i = tag < 34 ? 0 : tag < 43 ? 1 : tag < 52 ? 2 : tag < 122 ? 3 : 4;
        chunks[i] += std::to_string(tag);
        chunks[i] += '=';
        chunks[i] += value;
        chunks[i] += soh;
    }
    for (std::size_t i = 0; i < chunks.size(); ++i) {
        offset_[i] = text_.size();
        size_[i] = chunks[i].size();
        text_ += chunks[i];
        text_.append((16 - chunks[i].size() % 16) % 16, '\0');
    }
}

namespace {

constexpr std::uint64_t powers_of_10[19] = {1,
                                            10,
                                            100,
                                            1000,
                                            10000,
                                            100000,
                                            1000000,
                                            10000000,
                                            100000000,
                                            1000000000,
                                            10000000000,
                                            100000000000,
                                            1000000000000,
                                            10000000000000,
                                            100000000000000,
                                            1000000000000000,
                                            10000000000000000,
                                            100000000000000000,
                                            1000000000000000000};

// "YYYYMMDD-HH:MM:SS" of a second since the epoch (17 bytes at p).
void render_second(char* p, std::int64_t second) noexcept {
    constexpr std::int64_t s_per_day = 86'400;
    std::int64_t days = second / s_per_day;
    std::int64_t rem = second % s_per_day;
    if (rem < 0) {
        rem += s_per_day;
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
    const auto secs = static_cast<unsigned>(rem);
    detail::two_digits(p + 9, secs / 3600);
    p[11] = ':';
    detail::two_digits(p + 12, (secs / 60) % 60);
    p[14] = ':';
    detail::two_digits(p + 15, secs % 60);
}

// The last second rendered by this thread. Seconds before year 0 never match the initial key.
struct second_cache {
    std::int64_t second = std::numeric_limits<std::int64_t>::min();
    char text[17] = {};
};
thread_local second_cache last_second;

}  // namespace

char* format_utc_timestamp(char* p, std::int64_t nanos, unsigned digits) noexcept {
    std::int64_t second = nanos / 1'000'000'000;
    std::int64_t frac = nanos % 1'000'000'000;
    if (frac < 0) {
        frac += 1'000'000'000;
        --second;
    }
    second_cache& c = last_second;
    if (c.second != second) [[unlikely]] {
        render_second(c.text, second);
        c.second = second;
    }
    std::memcpy(p, c.text, 17);
    const auto f = static_cast<std::uint32_t>(frac);
    switch (digits) {
        case 3: {
            const std::uint32_t ms = f / 1'000'000;
            p[17] = '.';
            p[18] = static_cast<char>('0' + ms / 100);
            std::memcpy(p + 19, detail::digit_pairs + (ms % 100) * 2, 2);
            return p + 21;
        }
        case 6:
            // "00dddddd" shifted down two bytes; the two bytes after the end are scratch.
            p[17] = '.';
            detail::store_word(p + 18, detail::eight_digits(f / 1000) >> 16);
            return p + 24;
        case 9:
            p[17] = '.';
            p[18] = static_cast<char>('0' + f / 100'000'000);
            detail::store_word(p + 19, detail::eight_digits(f % 100'000'000));
            return p + 27;
        default:
            return p + 17;
    }
}

writer& writer::start(const session_header& h, std::string_view msg_type,
                      const header_values& v) noexcept {
    start_raw(h.begin_string(), msg_type);
    append_chunk(h, 0);
    add_uint(34, v.seq_num);
    append_chunk(h, 1);
    if (v.poss_dup) add(43, "Y");
    append_chunk(h, 2);
    add_timestamp(52, v.sending_time_ns, v.time_digits);
    append_chunk(h, 3);
    if (v.orig_sending_time_ns >= 0) add_timestamp(122, v.orig_sending_time_ns, v.time_digits);
    append_chunk(h, 4);
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
    std::uint64_t mag = d.mantissa < 0 ? 0 - static_cast<std::uint64_t>(d.mantissa)
                                       : static_cast<std::uint64_t>(d.mantissa);
    if (d.mantissa < 0) *p++ = '-';
    if (d.exponent < 0) {
        // Integer part, '.', then exactly `frac` fraction digits (leading zeros kept).
        const unsigned frac = d.exponent < -18 ? 18u : static_cast<unsigned>(-d.exponent);
        char* const point = p + detail::digit_count(mag / powers_of_10[frac]);
        char* const e = point + 1 + frac;
        char* q = e;
        for (unsigned k = 0; k < frac; ++k) {
            *--q = static_cast<char>('0' + mag % 10);
            mag /= 10;
        }
        *point = '.';
        (void)detail::format_uint_backwards(point, mag);
        p = e;
    } else {
        p += detail::digit_count(mag);
        (void)detail::format_uint_backwards(p, mag);
        if (d.exponent > 0 && mag != 0) {  // 0 * 10^n is "0"
            const int zeros = d.exponent > 18 ? 18 : d.exponent;
            std::memset(p, '0', static_cast<std::size_t>(zeros));
            p += zeros;
        }
    }
    *p = soh;
    pos_ = p + 1;
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
    detail::copy_short(h, begin_string_.data(), begin_string_.size());
    *--h = '=';
    *--h = '8';
    const unsigned sum = checksum(std::string_view(h, static_cast<std::size_t>(pos_ - h)));
    pos_[0] = '1';
    pos_[1] = '0';
    pos_[2] = '=';
    pos_[3] = static_cast<char>('0' + sum / 100);
    std::memcpy(pos_ + 4, detail::digit_pairs + (sum % 100) * 2, 2);
    pos_[6] = soh;
    out = exwire::bytes(reinterpret_cast<const std::byte*>(h),
                        static_cast<std::size_t>(pos_ + 7 - h));
    return write_status::ok;
}

}  // namespace exwire::codec::fix
