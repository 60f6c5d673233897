#pragma once
// Helpers shared by the example programs: a free loopback port, and a bounded wait.
// Examples only: a real deployment writes its ports in its configuration.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <thread>

namespace example {

/// A port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
/// `type`: SOCK_STREAM for TCP, SOCK_DGRAM for UDP. Returns 0 on failure.
inline std::uint16_t free_port(int type) {
    const int fd = ::socket(AF_INET, type, 0);
    if (fd < 0) return 0;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
    ::close(fd);
    return ok ? ntohs(a.sin_port) : 0;
}

/// Calls `done()` every millisecond until it is true or `limit` passed; true if it became true.
template <typename Predicate>
bool wait_until(Predicate done, std::chrono::milliseconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

}  // namespace example
