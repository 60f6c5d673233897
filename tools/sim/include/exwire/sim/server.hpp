#pragma once
// `exwire sim`'s server: the matching engine behind real protocols on loopback, built on
// the exwire engine itself. One shard thread runs everything:
//   - one SoupBinTCP server session carrying OUCH 5.0 per order-entry client (one port
//     each, ports ouch_first, ouch_first + 1, ...),
//   - a FIX 4.4 acceptor (SenderCompID "EXWSIM"),
//   - a MoldUDP64 publisher of ITCH 5.0 (with its retransmission request port) and a
//     SoupBinTCP server session carrying the same ITCH stream,
//   - and an engine agent, stepped first in every pass, that pulls the order-entry
//     sessions' inbound records, submits them to the matching engine, and writes the
//     events back as OUCH / FIX messages and as ITCH on both feeds.
// See docs/simulator.md, "Running `exwire sim`".
//
// Timestamps: every OUCH and ITCH Timestamp is CLOCK_MONOTONIC nanoseconds modulo one day
// (exwire::monotonic_ns() % 86'400'000'000'000), not wall-clock time since midnight, so a
// client on the same machine can subtract it from its own monotonic_ns(). ITCH messages
// caused by inject() carry the order's intended time; all others the time the agent
// handled the request.
//
// Threads: create/start/stop/destroy from one controlling thread; inject() and
// statistics() from any thread. Errors: cold-path calls return exwire::result with a
// message naming the problem (bad configuration, port in use...).

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <exwire/core/result.hpp>
#include <exwire/sim/config.hpp>
#include <exwire/sim/types.hpp>

namespace exwire::sim {

struct server_options {
    sim_config market = default_config();  ///< symbols, starting books, background flow
    std::string host = "127.0.0.1";        ///< address every listener binds
    std::uint16_t ouch_port = 0;           ///< first OUCH SoupBinTCP port; 0 = ephemeral
    std::uint32_t ouch_clients = 1;        ///< one SoupBinTCP/OUCH session (port) per client, 1..64
    std::uint16_t fix_port = 0;        ///< FIX 4.4 acceptor (SenderCompID EXWSIM); 0 = ephemeral
    std::uint16_t itch_soup_port = 0;  ///< SoupBinTCP ITCH feed; 0 = ephemeral
    /// Where MoldUDP64 datagrams go (unicast host:port or multicast group:port); port 0 =
    /// no MoldUDP64 publisher at all.
    std::string mold_destination = "127.0.0.1:0";
    std::uint16_t mold_retransmit_port =
        0;                         ///< UDP port for retransmission requests; 0 = ephemeral
    std::string idle = "backoff";  ///< the shard's idle strategy
    std::string cpus;              ///< optional pinning ("" = none)
    bool background_flow = true;   ///< the synthetic flow at market.flow rate
    // ---- additions beyond the first contract --------------------------------------------
    bool fix = true;  ///< run the FIX acceptor
    std::string fix_sender_comp_id = "EXWSIM";
    std::string fix_target_comp_id = "EXWCLI";  ///< the client's SenderCompID the acceptor expects
    std::string fix_version = "FIX.4.4";
    /// Cancel a client's resting orders when its (last) connection drops.
    bool cancel_on_disconnect = true;
    std::size_t feed_ring_size = 1u << 22;   ///< outbound ring of each ITCH feed session, bytes
    std::size_t order_ring_size = 1u << 22;  ///< each ring of each OUCH / FIX session, bytes
    /// Shared-memory file of the sessions' counters for `exwire stat FILE`; "" = private.
    std::string counters_file;
};

/// The ports actually bound (after create()); 0 for what does not run.
struct server_ports {
    std::uint16_t ouch_first, fix, itch_soup, mold_retransmit;
    std::uint16_t mold_destination = 0;  ///< port of the MoldUDP64 destination (0: off)
};

class server {
  public:
    /// Validates the options and the market configuration, chooses the ports (port 0: a
    /// port the kernel reports free, bound by the sessions at start()) and builds the
    /// engine. Nothing runs yet.
    [[nodiscard]] static result<std::unique_ptr<server>> create(server_options o);
    server(const server&) = delete;
    server& operator=(const server&) = delete;
    ~server();  ///< stop()s

    /// Starts the shard thread; the sessions listen once this returns. The ITCH stream
    /// begins with System Event 'O', one Stock Directory per symbol (Stock Locate =
    /// symbol_id + 1) and the starting books as Add Orders.
    [[nodiscard]] result<void> start();
    /// Publishes System Event 'C', ends the sessions (SoupBinTCP End of Session, MoldUDP64
    /// End of Session, FIX Logout), waits for that (bounded: about 3 s at most) and joins.
    /// Idempotent; also run by the destructor.
    void stop();
    [[nodiscard]] server_ports ports() const;
    /// Ports of every OUCH client session, in client order.
    [[nodiscard]] std::vector<std::uint16_t> ouch_ports() const;

    /// Injects a background order as if from another participant (client and token are
    /// replaced by the simulator's own). Thread-safe (a short spin lock in front of an SPSC
    /// ring into the agent); false when the ring (65536 orders) is full or the server is
    /// not running. `intended_ns` (monotonic_ns clock) is the time the order was meant to
    /// arrive: the ITCH messages it causes carry it (modulo one day) as their Timestamp.
    bool inject(const new_order& o, std::int64_t intended_ns);

    struct stats {
        std::uint64_t orders;         ///< new-order requests from every source
        std::uint64_t trades;         ///< trades (match numbers)
        std::uint64_t itch_messages;  ///< ITCH messages published
        std::uint64_t rejects;        ///< requests rejected
        /// Messages lost: an outbound ring was full (a client far behind) or an inbound
        /// message was malformed or of a type the simulator does not take.
        std::uint64_t dropped = 0;
    };
    /// Relaxed atomics, readable from any thread.
    [[nodiscard]] stats statistics() const;

    struct impl;

  private:
    explicit server(std::unique_ptr<impl> p) noexcept;
    std::unique_ptr<impl> p_;
};

/// Reads a simulator configuration (symbols, starting books, flow; the keys of
/// docs/simulator.md "Configuration") from TOML text, starting from no symbols and the
/// documented defaults; `file` names it in messages ("FILE: symbols[1].tick: ..."). The
/// result passed validate().
[[nodiscard]] result<sim_config> parse_sim_config(std::string_view toml_text,
                                                  std::string_view file = "<config>");
/// Reads and parses a TOML file.
[[nodiscard]] result<sim_config> load_sim_config(const std::string& path);

}  // namespace exwire::sim
