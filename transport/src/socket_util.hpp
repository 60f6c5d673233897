#pragma once
// Socket setup helpers shared by the transports (cold path).

#include <netinet/in.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <exwire/core/result.hpp>
#include <exwire/transport/transport.hpp>

namespace exwire::transport::detail {

/// Parses an IPv4 endpoint ("" or "0.0.0.0" = any).
[[nodiscard]] result<sockaddr_in> to_sockaddr(const endpoint& ep);
[[nodiscard]] result<in_addr> to_in_addr(const std::string& address, const char* what);
/// Applies buffer sizes, busy polling and interface binding (and TCP_NODELAY when `tcp`).
[[nodiscard]] result<void> apply_socket_options(int fd, const socket_options& options, bool tcp);
/// A non-blocking listening TCP socket (SO_REUSEADDR) bound to `local`.
[[nodiscard]] result<int> open_listener(const endpoint& local, const socket_options& options,
                                        int backlog);
/// A non-blocking UDP socket set up as `options` says (bound, joined, connected).
[[nodiscard]] result<int> open_udp_socket(const udp_options& options);
/// The local port a socket is bound to (0 on error).
[[nodiscard]] std::uint16_t local_port_of(int fd) noexcept;
/// Rounds up to a power of two (at least 64).
[[nodiscard]] std::size_t round_capacity(std::size_t n) noexcept;
[[nodiscard]] std::string errno_text(const char* what, int err);

/// A non-blocking TCP socket (close-on-exec) with `options` applied, SO_REUSEADDR set when
/// `reuse_address`; not bound or connected.
[[nodiscard]] result<int> open_tcp_socket(const socket_options& options, bool reuse_address);
/// Takes a free connection slot from the back of `free_slots` for the socket `fd`; when every
/// slot is in use, closes `fd` and fails with an error naming `transport`.
[[nodiscard]] result<std::uint32_t> take_slot(std::vector<std::uint32_t>& free_slots, int fd,
                                              const char* transport);

}  // namespace exwire::transport::detail
