#pragma once
// Helpers shared by the tests that run sessions over loopback sockets: the example programs'
// own helpers (a port that was free a moment ago, a bounded wait), under the names the tests
// use.

#include <sys/socket.h>

#include <cstdint>

#include "../../docs/examples/loopback.hpp"

namespace exwire::test {

/// A loopback TCP port that was free a moment ago; 0 if a socket call failed (the test then
/// fails to listen with a clear error instead of using a fixed port that may be taken).
inline std::uint16_t free_port() {
    return example::free_port(SOCK_STREAM);
}

/// A loopback UDP port that was free a moment ago; 0 if a socket call failed.
inline std::uint16_t free_udp_port() {
    return example::free_port(SOCK_DGRAM);
}

/// Polls a predicate every millisecond until it holds or the limit passes (bounded waits).
using example::wait_until;

}  // namespace exwire::test
