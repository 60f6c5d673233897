#include "exwire/sim/events.hpp"

namespace exwire::sim {

std::string_view to_string(reject_reason r) noexcept {
    switch (r) {
        case reject_reason::unknown_symbol:
            return "unknown symbol";
        case reject_reason::price_not_positive:
            return "price not positive";
        case reject_reason::price_not_on_tick:
            return "price not on tick";
        case reject_reason::price_out_of_band:
            return "price out of band";
        case reject_reason::bad_quantity:
            return "bad quantity";
        case reject_reason::duplicate_token:
            return "duplicate token";
        case reject_reason::unknown_order:
            return "unknown order";
    }
    return "?";
}

std::string_view to_string(cancel_reason r) noexcept {
    switch (r) {
        case cancel_reason::user_requested:
            return "user requested";
        case cancel_reason::immediate_or_cancel:
            return "immediate or cancel";
        case cancel_reason::system:
            return "system";
    }
    return "?";
}

}  // namespace exwire::sim
