#include <exwire/core/idle_strategy.hpp>

#include <sched.h>
#include <charconv>
#include <ctime>

#include <fmt/format.h>

#include <exwire/core/cache.hpp>

namespace exwire {

idle_strategy idle_strategy::backoff(std::uint32_t max_spins, std::uint32_t max_yields,
                                     std::int64_t min_park_ns, std::int64_t max_park_ns) noexcept {
    idle_strategy s(kind::backoff);
    s.max_spins_ = max_spins;
    s.max_yields_ = max_yields;
    s.min_park_ns_ = min_park_ns;
    s.max_park_ns_ = max_park_ns < min_park_ns ? min_park_ns : max_park_ns;
    s.park_ns_ = s.min_park_ns_;
    return s;
}

idle_strategy idle_strategy::sleeping(std::int64_t period_ns) noexcept {
    idle_strategy s(kind::sleep);
    s.min_park_ns_ = s.max_park_ns_ = s.park_ns_ = period_ns;
    return s;
}

namespace {
void sleep_ns(std::int64_t ns) noexcept {
    timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    nanosleep(&ts, nullptr);
}
}  // namespace

void idle_strategy::idle() noexcept {
    switch (kind_) {
        case kind::busy_spin:
            cpu_relax();
            return;
        case kind::yield:
            sched_yield();
            return;
        case kind::sleep:
            sleep_ns(park_ns_);
            return;
        case kind::backoff:
            if (spins_ < max_spins_) {
                ++spins_;
                cpu_relax();
            } else if (yields_ < max_yields_) {
                ++yields_;
                sched_yield();
            } else {
                sleep_ns(park_ns_);
                park_ns_ = park_ns_ * 2 > max_park_ns_ ? max_park_ns_ : park_ns_ * 2;
            }
            return;
    }
}

result<std::int64_t> parse_duration_ns(std::string_view text) {
    std::int64_t value = 0;
    const char* first = text.data();
    const char* last = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec != std::errc{} || ptr == first || value < 0)
        return fail(fmt::format("'{}' is not a duration (examples: 500ns, 10us, 5ms, 1s)", text));
    const std::string_view unit(ptr, static_cast<std::size_t>(last - ptr));
    std::int64_t scale = 0;
    if (unit.empty() || unit == "ns")
        scale = 1;
    else if (unit == "us")
        scale = 1'000;
    else if (unit == "ms")
        scale = 1'000'000;
    else if (unit == "s")
        scale = 1'000'000'000;
    else
        return fail(fmt::format("'{}' has unknown unit '{}' (use ns, us, ms or s)", text, unit));
    if (value > INT64_MAX / scale) return fail(fmt::format("duration '{}' is too large", text));
    return value * scale;
}

namespace {
result<std::uint32_t> parse_count(std::string_view key, std::string_view v) {
    std::uint32_t n = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || ptr != v.data() + v.size())
        return fail(
            fmt::format("idle strategy parameter '{}' needs a whole number, got '{}'", key, v));
    return n;
}
}  // namespace

result<idle_strategy> idle_strategy::parse(std::string_view text) {
    const auto colon = text.find(':');
    const std::string_view name = text.substr(0, colon);
    std::string_view params =
        colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);

    if (name == "busy-spin" || name == "yield") {
        if (!params.empty())
            return fail(fmt::format("idle strategy '{}' takes no parameters", name));
        return name == "busy-spin" ? busy_spin() : yielding();
    }
    if (name == "sleep") {
        if (params.empty()) return sleeping();
        auto d = parse_duration_ns(params);
        if (!d) return fail(fmt::format("idle strategy 'sleep': {}", d.err().message));
        if (*d <= 0) return fail("idle strategy 'sleep' needs a period above zero");
        return sleeping(*d);
    }
    if (name == "backoff") {
        idle_strategy s = backoff();
        while (!params.empty()) {
            const auto comma = params.find(',');
            const std::string_view item = params.substr(0, comma);
            params =
                comma == std::string_view::npos ? std::string_view{} : params.substr(comma + 1);
            const auto eq = item.find('=');
            if (eq == std::string_view::npos)
                return fail(fmt::format("idle strategy 'backoff': '{}' should be key=value", item));
            const std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
            if (key == "spins" || key == "yields") {
                auto n = parse_count(key, value);
                if (!n) return std::move(n).err();
                (key == "spins" ? s.max_spins_ : s.max_yields_) = *n;
            } else if (key == "min" || key == "max") {
                auto d = parse_duration_ns(value);
                if (!d)
                    return fail(
                        fmt::format("idle strategy 'backoff' {}: {}", key, d.err().message));
                (key == "min" ? s.min_park_ns_ : s.max_park_ns_) = *d;
            } else {
                return fail(fmt::format(
                    "idle strategy 'backoff' has no parameter '{}' (spins, yields, min, max)",
                    key));
            }
        }
        if (s.max_park_ns_ < s.min_park_ns_)
            return fail("idle strategy 'backoff': max must not be below min");
        s.park_ns_ = s.min_park_ns_;
        return s;
    }
    return fail(fmt::format("unknown idle strategy '{}' (busy-spin, yield, backoff, sleep)", name));
}

std::string idle_strategy::describe() const {
    switch (kind_) {
        case kind::busy_spin:
            return "busy-spin";
        case kind::yield:
            return "yield";
        case kind::sleep:
            return fmt::format("sleep:{}ns", min_park_ns_);
        case kind::backoff:
            return fmt::format("backoff:spins={},yields={},min={}ns,max={}ns", max_spins_,
                               max_yields_, min_park_ns_, max_park_ns_);
    }
    return "?";
}

}  // namespace exwire
