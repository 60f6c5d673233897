#pragma once
// The status every Nasdaq-family framer reports. Framers never throw and never read past
// the span they are given; `reason` is a static string (lives forever).

#include <cstdint>

namespace exwire::codec::nasdaq {

enum class [[nodiscard]] frame_status : std::uint8_t{
    complete,   ///< one whole frame is available
    need_more,  ///< the bytes end inside a frame: give more
    malformed,  ///< the bytes cannot be a valid frame; `reason` says why
};

[[nodiscard]] constexpr const char* to_string(frame_status s) noexcept {
    switch (s) {
        case frame_status::complete:
            return "complete";
        case frame_status::need_more:
            return "need more";
        case frame_status::malformed:
            return "malformed";
    }
    return "?";
}

}  // namespace exwire::codec::nasdaq
