#pragma once
// Typed FIX field values parsed from their wire text, exactly and without allocation.
//
// Each parse_* takes the value view of a field and returns std::nullopt when the text is
// not of the type (the caller reports "incorrect data format" for that tag). Decimals stay
// decimal: mantissa and exponent, never floating point. Times are kept at the precision the
// sender used (0..9 fraction digits) and can be read at s/ms/us/ns.
// Thread-safety: pure functions. Errors: std::nullopt, never exceptions.

#include <cstdint>
#include <optional>
#include <string_view>

namespace exwire::codec::fix {

namespace detail {
[[nodiscard]] constexpr bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}
/// Parses exactly `n` digits at s[pos]; -1 if any is not a digit or s is too short.
[[nodiscard]] constexpr int fixed_digits(std::string_view s, std::size_t pos,
                                         std::size_t n) noexcept {
    if (s.size() < pos + n) return -1;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (!is_digit(s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}
/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
[[nodiscard]] constexpr std::int64_t days_from_civil(int y, unsigned m, unsigned d) noexcept {
    y -= m <= 2 ? 1 : 0;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return std::int64_t{era} * 146097 + static_cast<std::int64_t>(doe) - 719468;
}
[[nodiscard]] constexpr unsigned days_in_month(int y, unsigned m) noexcept {
    constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}
}  // namespace detail

/// Signed integer (int, NumInGroup, SeqNum, Length, TagNum): optional '-', then digits.
[[nodiscard]] constexpr std::optional<std::int64_t> parse_int(std::string_view s) noexcept {
    if (s.empty()) return std::nullopt;
    std::size_t i = 0;
    const bool negative = s[0] == '-';
    if (negative) i = 1;
    if (i == s.size() || s.size() - i > 18) return std::nullopt;
    std::int64_t v = 0;
    for (; i < s.size(); ++i) {
        if (!detail::is_digit(s[i])) return std::nullopt;
        v = v * 10 + (s[i] - '0');
    }
    return negative ? -v : v;
}

/// Unsigned integer (SeqNum, Length, NumInGroup): digits only.
[[nodiscard]] constexpr std::optional<std::uint64_t> parse_uint(std::string_view s) noexcept {
    if (s.empty() || s.size() > 19) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (!detail::is_digit(c)) return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
}

/// Sequence number (MsgSeqNum 34 and friends): positive, digits only.
[[nodiscard]] constexpr std::optional<std::uint64_t> parse_seqnum(std::string_view s) noexcept {
    const auto v = parse_uint(s);
    if (!v || *v == 0) return std::nullopt;
    return v;
}

/// char: exactly one byte.
[[nodiscard]] constexpr std::optional<char> parse_char(std::string_view s) noexcept {
    if (s.size() != 1) return std::nullopt;
    return s[0];
}

/// Boolean: 'Y' or 'N'.
[[nodiscard]] constexpr std::optional<bool> parse_bool(std::string_view s) noexcept {
    if (s == "Y") return true;
    if (s == "N") return false;
    return std::nullopt;
}

/// An exact decimal: value = mantissa * 10^exponent (exponent <= 0).
struct decimal {
    std::int64_t mantissa = 0;
    int exponent = 0;
    friend constexpr bool operator==(const decimal&, const decimal&) = default;
};

/// float/Qty/Price/PriceOffset/Amt/Percentage: optional '-', digits, optional '.' and
/// digits ("1.", ".5" accepted as FIX engines do). At most 18 significant digits.
[[nodiscard]] constexpr std::optional<decimal> parse_decimal(std::string_view s) noexcept {
    const std::size_t n = s.size();
    const bool negative = n != 0 && s[0] == '-';
    std::size_t i = negative ? 1 : 0;
    if (n - i > 19) return std::nullopt;  // more than 18 digits and a '.'
    // One branch per digit; the '.' position gives the exponent at the end. At most 19
    // digits are accumulated here, which fits in 64 unsigned bits.
    std::uint64_t m = 0;
    std::size_t dot = n;
    for (; i < n; ++i) {
        const unsigned d = static_cast<unsigned char>(s[i]) - unsigned{'0'};
        if (d <= 9) {
            m = m * 10 + d;
            continue;
        }
        if (s[i] != '.' || dot != n) return std::nullopt;
        dot = i;
    }
    const std::size_t digits = n - (negative ? 1 : 0) - (dot != n ? 1 : 0);
    if (digits == 0 || digits > 18) return std::nullopt;
    const int exponent = dot != n ? -static_cast<int>(n - 1 - dot) : 0;
    const auto v = static_cast<std::int64_t>(m);
    return decimal{negative ? -v : v, exponent};
}

/// A time with the number of fraction digits it was sent with.
struct time_value {
    std::int64_t nanos = 0;  ///< since the Unix epoch (timestamps) or midnight (time-only)
    std::uint8_t fraction_digits = 0;
    [[nodiscard]] constexpr std::int64_t seconds() const noexcept {
        return floor_div(1'000'000'000);
    }
    [[nodiscard]] constexpr std::int64_t millis() const noexcept { return floor_div(1'000'000); }
    [[nodiscard]] constexpr std::int64_t micros() const noexcept { return floor_div(1'000); }
    friend constexpr bool operator==(const time_value&, const time_value&) = default;

  private:
    [[nodiscard]] constexpr std::int64_t floor_div(std::int64_t d) const noexcept {
        return nanos >= 0 ? nanos / d : -((-nanos + d - 1) / d);
    }
};

namespace detail {
/// "HH:MM:SS[.f{1,9}]" starting at pos and running to the end of s; nanos since midnight.
[[nodiscard]] constexpr std::optional<time_value> parse_time_of_day(std::string_view s,
                                                                    std::size_t pos) noexcept {
    const int hh = fixed_digits(s, pos, 2);
    const int mm = fixed_digits(s, pos + 3, 2);
    const int ss = fixed_digits(s, pos + 6, 2);
    if (hh < 0 || mm < 0 || ss < 0 || s[pos + 2] != ':' || s[pos + 5] != ':') return std::nullopt;
    if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;  // 60: leap second
    std::int64_t ns = ((std::int64_t{hh} * 60 + mm) * 60 + ss) * 1'000'000'000;
    std::size_t i = pos + 8;
    std::uint8_t digits = 0;
    if (i < s.size()) {
        if (s[i] != '.') return std::nullopt;
        ++i;
        std::int64_t frac = 0;
        for (; i < s.size(); ++i) {
            if (!is_digit(s[i]) || digits == 9) return std::nullopt;
            frac = frac * 10 + (s[i] - '0');
            ++digits;
        }
        if (digits == 0) return std::nullopt;
        for (int k = digits; k < 9; ++k)
            frac *= 10;
        ns += frac;
    }
    return time_value{ns, digits};
}
}  // namespace detail

/// A calendar date.
struct date {
    int year = 0;
    unsigned month = 0;
    unsigned day = 0;
    [[nodiscard]] constexpr std::int64_t days_since_epoch() const noexcept {
        return detail::days_from_civil(year, month, day);
    }
    friend constexpr bool operator==(const date&, const date&) = default;
};

/// UTCDateOnly / LocalMktDate: YYYYMMDD.
[[nodiscard]] constexpr std::optional<date> parse_date(std::string_view s) noexcept {
    if (s.size() != 8) return std::nullopt;
    const int y = detail::fixed_digits(s, 0, 4);
    const int m = detail::fixed_digits(s, 4, 2);
    const int d = detail::fixed_digits(s, 6, 2);
    if (y < 0 || m < 1 || m > 12 || d < 1) return std::nullopt;
    if (static_cast<unsigned>(d) > detail::days_in_month(y, static_cast<unsigned>(m)))
        return std::nullopt;
    return date{y, static_cast<unsigned>(m), static_cast<unsigned>(d)};
}

/// UTCTimestamp: YYYYMMDD-HH:MM:SS[.f{1,9}] (usually 0, 3, 6 or 9 digits).
[[nodiscard]] constexpr std::optional<time_value> parse_utc_timestamp(std::string_view s) noexcept {
    if (s.size() < 17 || s[8] != '-') return std::nullopt;
    const auto d = parse_date(s.substr(0, 8));
    // Nanoseconds since 1970 in 64 bits reach from 1677-09-21 to 2262-04-11: outside whole
    // years 1678..2261 the value would not fit, so such a timestamp is refused.
    if (!d || d->year < 1678 || d->year > 2261) return std::nullopt;
    auto t = detail::parse_time_of_day(s, 9);
    if (!t) return std::nullopt;
    t->nanos += d->days_since_epoch() * 86'400'000'000'000;
    return t;
}

/// UTCTimeOnly: HH:MM:SS[.f{1,9}], nanos since midnight.
[[nodiscard]] constexpr std::optional<time_value> parse_utc_time_only(std::string_view s) noexcept {
    if (s.size() < 8) return std::nullopt;
    return detail::parse_time_of_day(s, 0);
}

/// MonthYear: YYYYMM, YYYYMMDD or YYYYMMwN (week 1..5).
struct month_year {
    int year = 0;
    unsigned month = 0;
    unsigned day = 0;   ///< 0 when absent
    unsigned week = 0;  ///< 0 when absent
    friend constexpr bool operator==(const month_year&, const month_year&) = default;
};

[[nodiscard]] constexpr std::optional<month_year> parse_month_year(std::string_view s) noexcept {
    if (s.size() != 6 && s.size() != 8) return std::nullopt;
    const int y = detail::fixed_digits(s, 0, 4);
    const int m = detail::fixed_digits(s, 4, 2);
    if (y < 0 || m < 1 || m > 12) return std::nullopt;
    month_year r{y, static_cast<unsigned>(m), 0, 0};
    if (s.size() == 8) {
        if (s[6] == 'w') {
            const int w = detail::fixed_digits(s, 7, 1);
            if (w < 1 || w > 5) return std::nullopt;
            r.week = static_cast<unsigned>(w);
        } else {
            const auto d = parse_date(s);
            if (!d) return std::nullopt;
            r.day = d->day;
        }
    }
    return r;
}

}  // namespace exwire::codec::fix
