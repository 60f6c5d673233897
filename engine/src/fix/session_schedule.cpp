#include <exwire/engine/fix/session_schedule.hpp>

#include <array>
#include <string>

namespace exwire::engine::fix {
namespace {

constexpr std::int64_t day_s = 86400;
constexpr std::int64_t ns = 1'000'000'000;

std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

int weekday(std::int64_t day) noexcept {  // day 0 (1970-01-01) was a Thursday
    return static_cast<int>(((day % 7) + 7 + 4) % 7);
}

bool two_digits(std::string_view s, std::size_t at, int max, int& out) noexcept {
    if (s.size() < at + 2 || s[at] < '0' || s[at] > '9' || s[at + 1] < '0' || s[at + 1] > '9')
        return false;
    out = (s[at] - '0') * 10 + (s[at + 1] - '0');
    return out <= max;
}

result<std::int32_t> parse_time(std::string_view t) {
    int h = 0, m = 0, s = 0;
    if (t.size() != 8 || t[2] != ':' || t[5] != ':' || !two_digits(t, 0, 23, h) ||
        !two_digits(t, 3, 59, m) || !two_digits(t, 6, 59, s))
        return fail("session time must be HH:MM:SS: " + std::string(t));
    return h * 3600 + m * 60 + s;
}

}  // namespace

result<session_schedule> session_schedule::parse(std::string_view start, std::string_view end,
                                                 std::string_view days,
                                                 std::string_view time_zone) {
    session_schedule s;
    auto b = parse_time(start);
    if (!b) return b.err();
    auto e = parse_time(end);
    if (!e) return e.err();
    s.start_s = *b;
    s.end_s = *e;
    if (!days.empty()) {
        static constexpr std::array<std::string_view, 7> names{"sun", "mon", "tue", "wed",
                                                               "thu", "fri", "sat"};
        s.days = 0;
        while (!days.empty()) {
            const auto comma = days.find(',');
            std::string_view d = days.substr(0, comma);
            days = comma == std::string_view::npos ? std::string_view{} : days.substr(comma + 1);
            while (!d.empty() && d.front() == ' ')
                d.remove_prefix(1);
            while (!d.empty() && d.back() == ' ')
                d.remove_suffix(1);
            std::string lower;
            for (char c : d.substr(0, 3))
                lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
            bool found = false;
            for (std::size_t i = 0; i < names.size(); ++i)
                if (d.size() >= 3 && lower == names[i]) {
                    s.days = static_cast<std::uint8_t>(s.days | (1u << i));
                    found = true;
                }
            if (!found) return fail("unknown weekday in session days: " + std::string(d));
        }
    }
    std::string_view tz = time_zone;
    if (tz.substr(0, 3) == "UTC" || tz.substr(0, 3) == "GMT") tz.remove_prefix(3);
    if (!tz.empty()) {
        int h = 0, m = 0;
        if ((tz[0] != '+' && tz[0] != '-') || !two_digits(tz, 1, 14, h) ||
            !(tz.size() == 3 || (tz.size() == 6 && tz[3] == ':' && two_digits(tz, 4, 59, m))))
            return fail("time zone must be UTC or a fixed offset such as +02:00: " +
                        std::string(time_zone));
        s.utc_offset_s = (tz[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
    }
    return s;
}

std::int64_t session_schedule::period_start(std::int64_t now_ns) const noexcept {
    const std::int64_t local = floor_div(now_ns, ns) + utc_offset_s;
    const std::int64_t today = floor_div(local, day_s);
    for (std::int64_t d = today; d >= today - 7; --d) {
        const std::int64_t begin = d * day_s + start_s;
        if (begin <= local && (days & (1u << weekday(d))) != 0) return (begin - utc_offset_s) * ns;
    }
    return none;
}

bool session_schedule::in_session(std::int64_t now_ns) const noexcept {
    const std::int64_t begin = period_start(now_ns);
    if (begin == none) return false;
    std::int64_t len = (std::int64_t{end_s} - start_s + day_s) % day_s;
    if (len == 0) len = day_s;
    return now_ns < begin + len * ns;
}

}  // namespace exwire::engine::fix
