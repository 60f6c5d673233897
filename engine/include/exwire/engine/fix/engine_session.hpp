#pragma once
// The FIX session machine run as an engine session over the plain-socket transport.
//
// One fix_engine_session owns a session_machine, a message store and a socket_transport
// (listening for an acceptor, connecting for an initiator). On its shard thread it feeds
// received bytes and the clock into the machine, writes the machine's frames to the socket,
// delivers in-sequence application messages to the inbound ring (record type `message`,
// sequence = MsgSeqNum, the whole FIX frame as body) and maps machine events to records
// (connected, logged_in, gap_detected, gap_filled, disconnected).
//
// Sending: the application puts the message *body* (`tag=value<SOH>...` without header or
// trailer) in the outbound ring with session_handle::send(body, fix_msg_type_tag("D")); the
// machine adds the header and trailer. Messages sent before logon wait in the ring until
// the session is logged on; one the machine refuses (too large) is counted as
// records_dropped. initiate_close() runs the logout handshake; the session finishes when
// the connection is gone. An initiator reconnects with the session's reconnect settings
// (it finishes on the peer's Logout or when reconnecting gives up); an acceptor keeps
// listening for the next connection.
//
// Receiving: an application message the inbound ring cannot take is held, in order, and
// the connection is not read until the application has taken every held one (no loss).
// Acceptors of one shard with the same `listen` address, built by one registry, share the
// port: a connection goes to the session whose identity (BeginString, SenderCompID,
// TargetCompID and the sub/location IDs the session sets) its first frame (the Logon)
// names, the one setting the most sub/location IDs when several match; unknown or already
// connected identities are closed unanswered.
//
// Threads: everything runs on the session's shard thread. Time: the shard's monotonic
// `now` shifted by the wall-clock offset read at start, so SendingTime is UTC.

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include <exwire/engine/engine.hpp>
#include <exwire/engine/fix/message_store.hpp>
#include <exwire/engine/fix/session_machine.hpp>
#include <exwire/engine/session.hpp>

namespace exwire::engine::fix {

/// Packs a MsgType of up to 4 characters into an outbound ring tag (first char lowest).
[[nodiscard]] constexpr std::uint32_t fix_msg_type_tag(std::string_view msg_type) noexcept {
    std::uint32_t t = 0;
    for (std::size_t i = 0; i < msg_type.size() && i < 4; ++i)
        t |= std::uint32_t{static_cast<unsigned char>(msg_type[i])} << (8 * i);
    return t;
}

/// Settings of the machine derived from an engine session_config (cold path): role from
/// initiator/acceptor, BeginString from fix_version (FIXT.1.1: DefaultApplVerID from
/// fix.default_appl_ver_id, else 9), CompIDs, HeartBtInt from heartbeat.interval_ns (whole
/// seconds, at least 1), and the [session.fix] table (timeouts, 789, schedule...). The
/// dictionary file is loaded by make_fix_session, not here.
[[nodiscard]] session_settings settings_from(const session_config& c);

/// What a program adds to a FIX engine session's configuration (session_config.fix).
struct fix_session_options {
    /// Builds the session's message store (cold path). Empty: a journal_message_store in
    /// `<journal.dir>/<session name>` when journal.dir is set, else a memory_store.
    std::function<std::unique_ptr<message_store>(const session_config&)> make_store;
    /// Validates inbound messages when set (must outlive the engine); takes precedence over
    /// the session's fix.dictionary file.
    const codec::fix::dictionary* dictionary = nullptr;
    /// Adjusts each session's machine settings after they are derived from its
    /// configuration (cold path, on the thread building the engine): schedule,
    /// next_expected_msg_seq_num, credentials, reset_on_logon... A credentials handler runs
    /// later on the shard thread.
    std::function<void(const session_config&, session_settings&)> customize;
};

/// Registers the FIX factory (socket transport) for protocol_kind::fix.
void register_fix_sessions(protocol_registry& registry, fix_session_options options = {});

/// Builds one FIX engine session (what the registered factory calls).
[[nodiscard]] result<std::unique_ptr<session>> make_fix_session(
    const session_config& c, const shard_config& shard, const fix_session_options& options = {});

}  // namespace exwire::engine::fix
