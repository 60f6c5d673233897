#pragma once
// Engine configuration: shards and sessions, from a TOML file or built in code.
//
// Every key has a default (docs/config.md lists them all). Loading checks keys, types and
// values and reports every problem it finds, one per line, as
//     FILE:LINE:COLUMN: KEY.PATH: what is wrong
// (without FILE:LINE:COLUMN for a configuration built in code). An engine is only ever
// built from a configuration that passed validate(); a failed load means "refuse to start".
//
// Cold path: everything here may allocate; errors come back as exwire::result with the
// message above. Thread-safe in the sense that functions share no state.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <exwire/core/idle_strategy.hpp>
#include <exwire/core/result.hpp>

namespace exwire::engine {

enum class transport_kind : std::uint8_t { io_uring, socket, dpdk };
enum class protocol_kind : std::uint8_t { soupbintcp, ouch, moldudp64, itch, fix };
enum class session_role : std::uint8_t { client, server, publisher, receiver, initiator, acceptor };
enum class durability_policy : std::uint8_t { none, periodic, sync };
/// What a heartbeat monitor does when the peer stays silent too long.
enum class silence_action : std::uint8_t { close, notify };

[[nodiscard]] std::string_view to_string(transport_kind k) noexcept;
[[nodiscard]] std::string_view to_string(protocol_kind k) noexcept;
[[nodiscard]] std::string_view to_string(session_role r) noexcept;
[[nodiscard]] std::string_view to_string(durability_policy d) noexcept;
[[nodiscard]] std::string_view to_string(silence_action a) noexcept;

/// A host and port as written in configuration: "127.0.0.1:15000", "[::1]:15000", "name:80".
struct endpoint {
    std::string host;
    std::uint16_t port = 0;
    [[nodiscard]] bool empty() const noexcept { return host.empty() && port == 0; }
    [[nodiscard]] std::string to_string() const;
};
/// Parses "host:port" (IPv6 literals in brackets). Port 0 is allowed (any free port).
[[nodiscard]] result<endpoint> parse_endpoint(std::string_view text);

struct shard_config {
    std::string name = "main";
    std::string cpus;              ///< cpuset syntax; empty: not pinned
    std::string idle = "backoff";  ///< exwire::idle_strategy::parse syntax
    transport_kind transport = transport_kind::socket;
    std::vector<std::string> dpdk_eal_args;  ///< only for transport dpdk
    int fifo_priority = 0;                   ///< SCHED_FIFO priority 1..99; 0: normal scheduling
};

struct heartbeat_config {
    std::int64_t interval_ns = 1'000'000'000;  ///< our heartbeats and the peer-silence check period
    std::uint32_t tolerated_misses = 15;       ///< trips at this many consecutive silent checks
    silence_action on_silence = silence_action::close;
    bool stop_on_trip = true;  ///< stop monitoring after the first trip
};

struct journal_config {
    std::string dir = "journal";  ///< folder for the journal; empty: no journal
    durability_policy durability = durability_policy::none;
    std::int64_t sync_interval_ns = 100'000'000;  ///< for durability "periodic"
    std::uint64_t segment_size = 64ull << 20;
};

struct reconnect_config {
    bool enabled = true;
    std::int64_t delay_ns = 100'000'000;
    std::int64_t max_delay_ns = 5'000'000'000;
    std::uint32_t attempts = 0;  ///< 0: unlimited
};

/// FIX session layer settings ([session.fix]; docs/config.md). Identity (CompIDs, version)
/// and HeartBtInt (heartbeat.interval) are session keys of their own.
struct fix_session_config {
    bool reset_on_logon = false;             ///< initiator: ResetSeqNumFlag=Y on every Logon
    bool next_expected_msg_seq_num = false;  ///< send and honour NextExpectedMsgSeqNum (789)
    std::string default_appl_ver_id;         ///< FIXT.1.1 DefaultApplVerID; empty: "9" (5.0 SP2)
    // Optional identity parts (empty: not used), written in our headers and required back.
    std::string sender_sub_id;       ///< our SenderSubID (50); the peer's TargetSubID (57)
    std::string target_sub_id;       ///< our TargetSubID (57); the peer's SenderSubID (50)
    std::string sender_location_id;  ///< our SenderLocationID (142)
    std::string target_location_id;  ///< our TargetLocationID (143)
    std::int64_t logon_timeout_ns = 10'000'000'000;
    std::int64_t logout_timeout_ns = 2'000'000'000;
    bool check_latency = true;                      ///< SendingTime accuracy check
    std::int64_t max_latency_ns = 120'000'000'000;  ///< allowed |SendingTime - now|
    std::uint32_t time_digits = 3;                  ///< SendingTime fraction digits, 0-9
    std::string dictionary;  ///< data dictionary (QuickFIX XML) validating inbound; empty: none
    // Session schedule: both times set, or neither (always up).
    std::string start_time;  ///< "HH:MM:SS" in time_zone
    std::string end_time;    ///< "HH:MM:SS"; before start_time: the window crosses midnight
    std::string days;        ///< weekdays a window starts on, "Mon,Tue,..."; empty: every day
    std::string time_zone = "UTC";  ///< "UTC" or a fixed offset such as "+02:00"

    bool operator==(const fix_session_config&) const = default;
};

struct session_config {
    std::string name;
    protocol_kind protocol = protocol_kind::soupbintcp;
    session_role role = session_role::client;
    std::string shard;  ///< empty: the first shard
    // Addresses (which ones a role needs: docs/config.md).
    endpoint connect;         ///< client, initiator
    endpoint listen;          ///< server, acceptor; publisher's retransmission responder
    endpoint group;           ///< publisher (destination), receiver (to join)
    endpoint request_server;  ///< receiver: where retransmission requests go
    std::string interface;    ///< local address to bind or join multicast on; empty: any
    // Credentials and session identity.
    std::string username;
    std::string password;
    std::string requested_session;         ///< SoupBinTCP; empty: the current session
    std::uint64_t requested_sequence = 0;  ///< 0: the next one the journal expects
    std::string sender_comp_id;            ///< FIX
    std::string target_comp_id;            ///< FIX
    std::string fix_version = "FIX.4.4";   ///< FIX.4.2, FIX.4.4, FIXT.1.1
    heartbeat_config heartbeat;
    journal_config journal;
    reconnect_config reconnect;
    fix_session_config fix;                     ///< protocol fix only
    std::size_t inbound_ring_size = 1u << 20;   ///< bytes, power of two
    std::size_t outbound_ring_size = 1u << 20;  ///< bytes, power of two
};

struct engine_config {
    std::string name = "exwire";
    std::string counters_file;  ///< shared-memory counters for `exwire stat`; empty: private
    bool lock_memory = false;
    std::vector<shard_config> shards;  ///< empty: one default shard "main"
    std::vector<session_config> sessions;
};

/// Where a key was written: file, line and column (1-based), for error messages.
struct source_position {
    std::string file;
    std::uint32_t line = 0;
    std::uint32_t column = 0;
};
/// Key path ("session[1].listen") to where its value was written.
using source_map = std::map<std::string, source_position, std::less<>>;

/// Checks every value and cross-reference (cpus exist, shard names resolve, no two sessions
/// listen on one port, role fits protocol...). `where` adds file:line:column to messages.
/// Fills defaults that depend on other keys (an empty session shard becomes the first shard;
/// no shard at all becomes one default shard). Error: every problem, one per line.
[[nodiscard]] result<void> validate(engine_config& config, const source_map& where = {});

/// Parses TOML text (`file` names it in messages) and validates it.
[[nodiscard]] result<engine_config> parse_config(std::string_view toml_text,
                                                 std::string_view file = "<config>");
/// Reads and parses a TOML file.
[[nodiscard]] result<engine_config> load_config(const std::string& path);

/// The configuration of the loopback end-to-end demo (OUCH client and SoupBinTCP server,
/// MoldUDP64 publisher and receiver, all on 127.0.0.1, backoff idle strategies).
extern const std::string_view default_config_toml;

}  // namespace exwire::engine
