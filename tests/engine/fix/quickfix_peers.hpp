#pragma once
// A QuickFIX 1.15 peer (acceptor or initiator) for interop tests, behind an interface free
// of QuickFIX headers (they need C++14; quickfix_peers.cpp is built as a separate C++14
// library). Whichever role it plays, it answers every NewOrderSingle with an
// ExecutionReport (OrderID = ExecID = ClOrdID), records the ClOrdIDs of the
// ExecutionReports it receives, and logs every raw message its session read or wrote
// (a QuickFIX Log, fed by QuickFIX's SessionState::onIncoming/onOutgoing).
// Threads: QuickFIX runs its own threads; every accessor may be called from any thread.

#include <memory>
#include <string>
#include <vector>

namespace exwire_test {

struct quickfix_options {
    int port = 0;  ///< acceptor: listens on it (all interfaces); initiator: 127.0.0.1:port
    std::string begin_string = "FIX.4.4";
    /// FIX.4.x: the data dictionary QuickFIX validates with. FIXT.1.1: unused (validation
    /// off; DefaultApplVerID FIX.5.0SP2), since the build's FIX50SP2.xml holds transport and
    /// application in one file, which QuickFIX does not take as its transport dictionary.
    std::string dictionary_path;
    std::string sender_comp_id;  ///< QuickFIX's own CompID
    std::string target_comp_id;
    /// Written into every header QuickFIX sends (its toAdmin/toApp), when not empty.
    /// QuickFIX itself compares CompIDs only (Session::isCorrectCompID).
    std::string sender_sub_id;
    std::string target_sub_id;
    /// Empty: QuickFIX's MemoryStore. Else a FileStore in this (fresh) folder. They answer
    /// a ResendRequest that starts at a number QuickFIX skipped differently: MemoryStore's
    /// get() finds nothing when the range's first number is absent, so one gap fill covers
    /// everything; FileStore gap-fills the skipped numbers and resends the rest.
    std::string file_store_path;
};

/// Raw messages (SOH-separated) in the order QuickFIX logged them.
struct quickfix_log {
    std::vector<std::string> incoming;
    std::vector<std::string> outgoing;
    std::vector<std::string> events;
};

class quickfix_peer {
  public:
    virtual ~quickfix_peer() = default;
    /// Starts an acceptor or an initiator for one session; empty pointer and `error` set
    /// on failure.
    static std::unique_ptr<quickfix_peer> start(bool acceptor, const quickfix_options& options,
                                                std::string& error);
    virtual int logons() const = 0;
    virtual int logouts() const = 0;
    virtual int orders() const = 0;   ///< NewOrderSingle received (each answered)
    virtual int rejects() const = 0;  ///< Reject or BusinessMessageReject received
    /// ClOrdIDs of the ExecutionReports received, in order.
    virtual std::vector<std::string> reports() const = 0;
    virtual std::size_t report_count() const = 0;
    /// ExecutionReports received whose ClOrdID starts with "ORD".
    virtual int order_reports() const = 0;
    /// Sends a NewOrderSingle with this ClOrdID; false when not logged on.
    virtual bool send_order(const std::string& cl_ord_id) = 0;
    /// Advances QuickFIX's next outgoing MsgSeqNum by `k` without sending: the peer sees a
    /// gap that QuickFIX must then fill on its ResendRequest.
    virtual void skip_sender_seq(int k) = 0;
    /// Sends SequenceReset-Reset (GapFillFlag=N, NewSeqNo = its own MsgSeqNum + 1 + k) and
    /// moves QuickFIX's next outgoing MsgSeqNum to NewSeqNo. Returns NewSeqNo, 0 on failure.
    /// Call it while QuickFIX has nothing else to send.
    virtual int send_sequence_reset(int k) = 0;
    /// Changes the SenderSubID QuickFIX writes from now on (empty: none).
    virtual void set_sender_sub_id(const std::string& id) = 0;
    virtual quickfix_log log() const = 0;
    /// Logs out (when logged on, QuickFIX waits for the answer) and stops.
    virtual void stop() = 0;
};

}  // namespace exwire_test
