#pragma once
// When a FIX session may be logged on: a daily window [start, end) in a fixed-offset time
// zone, on chosen weekdays (the weekday the window starts on). start > end crosses midnight;
// start == end is a 24-hour window rolling over at that time. A new window starting is a
// new session period: the machine resets the sequence numbers (QuickFIX's daily reset).
//
// Time zones are fixed UTC offsets ("UTC", "+02:00", "UTC-05:00"); named zones with
// daylight-saving rules are not supported. Pure values: any thread; no allocation after
// parse(); errors from parse() as exwire::result.

#include <cstdint>
#include <limits>
#include <string_view>

#include <exwire/core/result.hpp>

namespace exwire::engine::fix {

struct session_schedule {
    std::int32_t start_s = 0;  ///< seconds after local midnight
    std::int32_t end_s = 0;
    std::uint8_t days = 0x7f;  ///< bit d: a window starts on weekday d (0 Sunday ... 6 Saturday)
    std::int32_t utc_offset_s = 0;

    static constexpr std::int64_t none = std::numeric_limits<std::int64_t>::min();

    /// Parses "HH:MM:SS" times, days as "Mon,Tue,..." (empty: every day) and a time zone.
    [[nodiscard]] static result<session_schedule> parse(std::string_view start,
                                                        std::string_view end, std::string_view days,
                                                        std::string_view time_zone);

    /// Whether `now_ns` (UTC ns since the epoch) falls in a window.
    [[nodiscard]] bool in_session(std::int64_t now_ns) const noexcept;
    /// Start (UTC ns) of the latest window that started at or before `now_ns`, `none` if
    /// no weekday is enabled. Changes exactly when a new session period begins.
    [[nodiscard]] std::int64_t period_start(std::int64_t now_ns) const noexcept;
};

}  // namespace exwire::engine::fix
