#pragma once
// The FIX session layer as a pure state machine: (bytes in, clock tick, application command)
// in; (bytes out, events, store writes, disconnect) out. It does no I/O and reads no clock:
// every call carries `now`, wall-clock nanoseconds since the Unix epoch, used both for
// SendingTime and for the heartbeat, TestRequest, logon and logout timers. QuickFIX's
// session behaviour (Session.cpp, its FIX 4.4 acceptance suite) is the reference: message
// layouts, texts and the order of checks follow it.
//
// Versions: FIX.4.2, FIX.4.4, FIXT.1.1 (DefaultApplVerID on the Logon).
//
// Thread-safety: one machine belongs to one thread (a shard, or a test). Outputs go to a
// session_output synchronously from inside the call that caused them; the frame and text
// views handed to it live until that output call returns. Errors: protocol errors are
// answered on the wire (Reject, Logout) and reported as events; application commands
// return a status enum. Allocation: the receive buffer and the out-of-order queue grow on
// demand (a gap), nothing else allocates after construction except the store.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <exwire/codec/fix/dictionary.hpp>
#include <exwire/codec/fix/reader.hpp>
#include <exwire/codec/fix/writer.hpp>
#include <exwire/engine/fix/message_store.hpp>
#include <exwire/engine/fix/session_schedule.hpp>

namespace exwire::engine::fix {

enum class session_role : std::uint8_t { initiator, acceptor };

/// Connection states (the reachable subset of AsyncFIX's ConnectionState).
enum class session_state : std::uint8_t {
    disconnected,    ///< no connection
    awaiting_logon,  ///< acceptor: connected, waiting for the peer's Logon
    logon_sent,      ///< initiator: Logon sent, waiting for the answer
    logged_on,       ///< both Logons exchanged
    logout_sent,     ///< our Logout sent, waiting for the peer's (or the timeout)
};
[[nodiscard]] std::string_view to_string(session_state s) noexcept;

enum class event_kind : std::uint8_t {
    state_changed,      ///< `state` is the new state
    logon,              ///< logged on (after the Logon exchange)
    logout,             ///< Logout received or sent; text says which
    sequence_gap,       ///< inbound MsgSeqNum too high: ResendRequest [from, to] sent
    gap_filled,         ///< the requested range has arrived
    resend_served,      ///< peer's ResendRequest [from, to] answered
    sequence_reset,     ///< SequenceReset moved the expected target to `to`
    reject_sent,        ///< Reject or BusinessMessageReject sent; text is its reason
    reject_received,    ///< peer sent a Reject
    message_ignored,    ///< garbled frame or PossDup duplicate dropped; text says why
    test_request_sent,  ///< TestRequest after silence (or by command)
    timeout,            ///< logon, logout or heartbeat timeout; text says which
    disconnect,         ///< the machine asks for the connection to close; text says why
    error,              ///< other protocol error (text)
};
[[nodiscard]] std::string_view to_string(event_kind k) noexcept;

struct session_event {
    event_kind kind = event_kind::state_changed;
    session_state state = session_state::disconnected;
    std::uint64_t from = 0;
    std::uint64_t to = 0;
    std::string_view text;
};

/// What the application says about an inbound application message.
enum class app_verdict : std::uint8_t {
    accepted,
    unsupported_message_type,  ///< answered with BusinessMessageReject (380=3)
};

/// The machine's outputs. Called synchronously, on the machine's thread.
class session_output {
  public:
    /// One complete frame to write to the connection, in order.
    virtual void send(std::string_view frame) noexcept = 0;
    /// Close the connection (after the frames already sent).
    virtual void disconnect() noexcept = 0;
    virtual void on_event(const session_event& e) noexcept = 0;
    /// An in-sequence application message (already checked), delivered exactly once.
    virtual app_verdict on_app_message(const codec::fix::message_view& m) noexcept = 0;
    /// Whether a stored application message may be resent (else it is gap-filled).
    virtual bool should_replay(const codec::fix::message_view& m) noexcept {
        (void)m;
        return true;
    }

  protected:
    ~session_output() = default;
};

struct session_settings {
    session_role role = session_role::initiator;
    std::string begin_string = "FIX.4.4";
    std::string sender_comp_id;
    std::string target_comp_id;
    /// Optional parts of the identity, written in every outgoing header when set: ours are
    /// SenderSubID (50) and SenderLocationID (142), the peer's TargetSubID (57) and
    /// TargetLocationID (143). A set one must come back mirrored in every inbound message
    /// (the peer's 50 = our target_sub_id, its 57 = our sender_sub_id, likewise 142/143);
    /// a mismatch is handled as a CompID mismatch. Empty: not part of the identity.
    std::string sender_sub_id;
    std::string target_sub_id;
    std::string sender_location_id;
    std::string target_location_id;
    /// FIXT.1.1 only: DefaultApplVerID (1137) sent on the Logon, e.g. "9" for FIX 5.0 SP2.
    std::string default_appl_ver_id;
    /// Initiator's HeartBtInt (seconds); an acceptor adopts the peer's.
    std::uint32_t heartbeat_interval_s = 30;
    /// Initiator: reset both sequence numbers and send ResetSeqNumFlag=Y on Logon.
    bool reset_on_logon = false;
    std::int64_t logon_timeout_ns = 10'000'000'000;
    std::int64_t logout_timeout_ns = 2'000'000'000;
    /// SendingTime accuracy check: |SendingTime - now| above this → Reject(10) and Logout.
    bool check_latency = true;
    std::int64_t max_latency_ns = 120'000'000'000;
    /// Fraction digits of SendingTime/OrigSendingTime written (QuickFIX default: 3).
    std::uint8_t time_digits = 3;
    /// When set, inbound messages are validated against it (Reject with the reason).
    const codec::fix::dictionary* dictionary = nullptr;
    /// NextExpectedMsgSeqNum (789) on Logon: ours carries the MsgSeqNum we expect next; a
    /// peer's 789 below our next sender number is answered by resending from it (no
    /// ResendRequest needed), above it by Logout and disconnect. When both Logons carry 789,
    /// a too-high Logon waits for the peer's resend instead of sending a ResendRequest.
    bool next_expected_msg_seq_num = false;
    /// When set, an acceptor calls it with the peer's Logon before answering; false
    /// rejects the logon: Logout with `logon_reject_text` and disconnect (QuickFIX's
    /// RejectLogon). Runs on the machine's thread; must not call back into the machine.
    std::function<bool(const codec::fix::message_view& logon)> credentials;
    std::string logon_reject_text = "Logon rejected";
    /// Extra fields for our Logon, rendered `tag=value<SOH>...` (e.g. Username 553 and
    /// Password 554 for an acceptor's credentials check); written after the standard ones.
    std::string logon_fields;
    /// When set, the session is only up inside the schedule's windows: outside, a
    /// connection is closed (Logout first when logged on) and no Logon is sent or accepted;
    /// a new window (period) resets both sequence numbers and the store. Checked on
    /// on_connected, on_tick and each inbound Logon.
    std::optional<session_schedule> schedule;
};

/// Whether `m` was sent to the session with settings `s` by its peer: its SenderCompID (49)
/// and TargetCompID (56) are our target and sender CompIDs, and each sub/location ID the
/// settings name is mirrored (50 = target_sub_id, 57 = sender_sub_id, 142 =
/// target_location_id, 143 = sender_location_id). BeginString is not compared. Any thread.
[[nodiscard]] bool is_peer_identity(const session_settings& s,
                                    const codec::fix::message_view& m) noexcept;
/// How many optional identity parts (sub/location IDs) the settings name, 0 to 4: routing
/// prefers the session that names the most among those a Logon matches.
[[nodiscard]] int identity_specificity(const session_settings& s) noexcept;

/// Result of an application command.
enum class [[nodiscard]] command_status : std::uint8_t{ok, not_logged_on, too_large};

class session_machine {
  public:
    /// `store` and `out` must outlive the machine. Cold path (allocates its buffers).
    session_machine(session_settings settings, message_store& store, session_output& out);

    // ---- connection ------------------------------------------------------------------
    /// The transport connected: an initiator sends its Logon, an acceptor starts waiting.
    void on_connected(std::int64_t now) noexcept;
    /// The transport is gone (either side closed it).
    void on_disconnected(std::int64_t now) noexcept;
    /// Bytes received, any split; complete frames are processed at once.
    void on_bytes(std::string_view bytes, std::int64_t now) noexcept;
    /// Timers: heartbeat, TestRequest, heartbeat timeout, logon and logout timeouts.
    void on_tick(std::int64_t now) noexcept;

    // ---- application commands ---------------------------------------------------------
    /// Sends an application message: `body` is rendered `tag=value<SOH>...` without the
    /// standard header or trailer (the machine writes 8, 9, 35, 34, 49, 52, 56 and 10).
    command_status send_app(std::string_view msg_type, std::string_view body,
                            std::int64_t now) noexcept;
    /// Starts the logout handshake (Logout with optional Text).
    void logout(std::string_view text, std::int64_t now) noexcept;
    /// Sends a TestRequest with the given TestReqID.
    command_status send_test_request(std::string_view test_req_id, std::int64_t now) noexcept;

    // ---- inspection ---------------------------------------------------------------------
    [[nodiscard]] session_state state() const noexcept { return state_; }
    [[nodiscard]] bool logged_on() const noexcept { return state_ == session_state::logged_on; }
    [[nodiscard]] std::uint64_t next_sender_seq() const noexcept {
        return store_.next_sender_seq();
    }
    [[nodiscard]] std::uint64_t next_target_seq() const noexcept {
        return store_.next_target_seq();
    }
    /// Heartbeat interval in force (the acceptor's is the peer's HeartBtInt).
    [[nodiscard]] std::uint32_t heartbeat_interval_s() const noexcept { return heart_bt_int_; }
    [[nodiscard]] const session_settings& settings() const noexcept { return settings_; }
    /// MsgSeqNum of the inbound message being processed: valid inside
    /// session_output::on_app_message (and the other outputs a message causes).
    [[nodiscard]] std::uint64_t inbound_seq() const noexcept { return inbound_seq_; }

  private:
    struct replay;
    friend struct replay;

    /// One inbound frame and the fields the session's checks read, collected in the single
    /// walk that frames it (codec::fix::decode), so a check reads a slot instead of scanning
    /// the frame again. get() has message_view::get's meaning (the first field with the tag,
    /// empty when absent); a tag without a slot falls back to a scan.
    struct inbound {
        codec::fix::message_view view;
        std::string_view begin_string;
        std::string_view msg_type;
        std::string_view slots[15];
        /// Slot of a tag the session reads, or -1.
        static int slot_of(int tag) noexcept;
        void on_field(const codec::fix::field& f) noexcept {
            if (msg_type.empty() && f.tag == 35) {
                msg_type = f.value;
                return;
            }
            const int i = slot_of(f.tag);
            if (i >= 0 && slots[i].data() == nullptr) slots[i] = f.value;
        }
        [[nodiscard]] std::string_view get(int tag) const noexcept {
            const int i = slot_of(tag);
            return i >= 0 ? slots[i] : view.get(tag);
        }
        [[nodiscard]] std::string_view bytes() const noexcept { return view.bytes(); }
        /// Fills the view, BeginString and slots of a frame already framed as complete.
        void load(std::string_view frame) noexcept;
    };

    /// Frames and processes the complete frames at the start of `buf`; returns the bytes used.
    std::size_t consume(std::string_view buf, std::int64_t now) noexcept;

    void set_state(session_state s) noexcept;
    void emit(event_kind k, std::string_view text = {}, std::uint64_t from = 0,
              std::uint64_t to = 0) noexcept;
    void do_disconnect(std::string_view why) noexcept;
    void reset_session_flags() noexcept;
    bool check_schedule(std::int64_t now) noexcept;

    // inbound
    void process(const inbound& m, std::int64_t now, bool from_queue) noexcept;
    /// 14d: Reject(4) for the expected message with an empty field; false: not handled.
    bool reject_empty_value(std::string_view frame, std::int64_t now) noexcept;
    void next_queued(std::int64_t now) noexcept;
    bool valid_logon_state(std::string_view msg_type) const noexcept;
    bool verify(const inbound& m, std::string_view msg_type, std::uint64_t seq, bool check_too_high,
                bool check_too_low, std::int64_t now) noexcept;
    void do_target_too_high(const inbound& m, std::uint64_t seq, std::int64_t now) noexcept;
    void do_target_too_low(const inbound& m, std::string_view msg_type, std::uint64_t seq,
                           std::int64_t now) noexcept;
    void on_logon(const inbound& m, std::uint64_t seq, std::int64_t now) noexcept;
    void on_resend_request(const inbound& m, std::uint64_t seq, std::int64_t now) noexcept;
    void on_sequence_reset(const inbound& m, std::uint64_t seq, std::int64_t now) noexcept;
    void on_logout(const inbound& m, std::int64_t now) noexcept;
    void incr_target() noexcept;

    // outbound
    template <typename Body>
    void send_message(std::string_view msg_type, std::int64_t now, Body&& body) noexcept;
    void send_logon(std::int64_t now, bool reset, std::uint64_t next_expected) noexcept;
    void serve_resend(std::uint64_t begin, std::uint64_t end, std::int64_t now) noexcept;
    void send_logout(std::string_view text, std::int64_t now) noexcept;
    void send_heartbeat(std::string_view test_req_id, std::int64_t now) noexcept;
    void send_resend_request(std::uint64_t begin, std::uint64_t end, std::int64_t now) noexcept;
    void send_gap_fill(std::uint64_t seq, std::uint64_t new_seq, std::int64_t now) noexcept;
    void send_reject(const inbound& m, std::string_view msg_type, std::uint64_t seq, int reason,
                     int ref_tag, std::int64_t now) noexcept;
    void send_business_reject(const inbound& m, std::string_view msg_type, std::uint64_t seq,
                              int reason, std::string_view text, std::int64_t now) noexcept;
    void write_out(std::string_view frame, std::int64_t now) noexcept;

    session_settings settings_;
    message_store& store_;
    session_output& out_;
    codec::fix::session_header header_;
    std::vector<std::byte> out_buf_;
    std::string in_buf_;
    std::map<std::uint64_t, std::string> queue_;

    session_state state_ = session_state::disconnected;
    std::uint32_t heart_bt_int_;
    bool connected_ = false;
    bool sent_logon_ = false;
    bool received_logon_ = false;
    bool sent_logout_ = false;
    bool sent_reset_ = false;
    bool received_reset_ = false;
    std::uint64_t resend_from_ = 0;  ///< open ResendRequest range, 0 when none
    std::uint64_t resend_to_ = 0;
    int test_requests_ = 0;
    std::int64_t connected_time_ = 0;
    std::int64_t logon_sent_time_ = 0;
    std::int64_t logout_sent_time_ = 0;
    std::int64_t last_sent_ = 0;
    std::int64_t last_received_ = 0;
    std::int64_t period_ = session_schedule::none;  ///< schedule period last seen
    std::uint64_t inbound_seq_ = 0;                 ///< MsgSeqNum of the message in process()
    char last_sending_time_[32] = {};               ///< SendingTime last parsed, and its value
    std::size_t last_sending_time_len_ = 0;
    std::int64_t last_sending_time_ns_ = 0;
};

}  // namespace exwire::engine::fix
