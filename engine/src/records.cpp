#include <exwire/engine/records.hpp>

namespace exwire::engine {

std::string_view to_string(record_type t) noexcept {
    switch (t) {
        case record_type::message:
            return "message";
        case record_type::connected:
            return "connected";
        case record_type::logged_in:
            return "logged_in";
        case record_type::login_rejected:
            return "login_rejected";
        case record_type::heartbeat_missed:
            return "heartbeat_missed";
        case record_type::gap_detected:
            return "gap_detected";
        case record_type::gap_filled:
            return "gap_filled";
        case record_type::disconnected:
            return "disconnected";
        case record_type::closed:
            return "closed";
        case record_type::journal_error:
            return "journal_error";
    }
    return "unknown";
}

std::string_view to_string(close_reason r) noexcept {
    switch (r) {
        case close_reason::requested:
            return "requested";
        case close_reason::peer_logout:
            return "peer_logout";
        case close_reason::end_of_session:
            return "end_of_session";
        case close_reason::heartbeat_timeout:
            return "heartbeat_timeout";
        case close_reason::login_rejected:
            return "login_rejected";
        case close_reason::transport_error:
            return "transport_error";
        case close_reason::protocol_error:
            return "protocol_error";
        case close_reason::start_failed:
            return "start_failed";
        case close_reason::engine_stopped:
            return "engine_stopped";
    }
    return "unknown";
}

}  // namespace exwire::engine
