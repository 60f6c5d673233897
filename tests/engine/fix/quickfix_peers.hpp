#pragma once
// A QuickFIX 1.15 acceptor for interop tests, behind an interface free of QuickFIX headers
// (they need C++14; quickfix_peers.cpp is built as a separate C++14 library). It answers
// every NewOrderSingle with an ExecutionReport (OrderID = ClOrdID) and counts what it saw.
// Threads: QuickFIX runs its own threads; the counters are atomics.

#include <memory>
#include <string>

namespace exwire_test {

class quickfix_acceptor {
  public:
    virtual ~quickfix_acceptor() = default;
    /// Starts listening on `port` (QuickFIX binds all interfaces) for one session
    /// EXCH->BANK with `begin_string`, validating against `dictionary_path`
    /// (for FIXT.1.1 the same file serves transport and application). Empty pointer and
    /// `error` set on failure.
    static std::unique_ptr<quickfix_acceptor> start(int port, const std::string& begin_string,
                                                    const std::string& dictionary_path,
                                                    std::string& error);
    virtual int logons() const = 0;
    virtual int logouts() const = 0;
    virtual int orders() const = 0;
    virtual int rejects() const = 0;  ///< Reject or BusinessMessageReject seen by QuickFIX
    /// Advances QuickFIX's next outgoing MsgSeqNum by `k` without sending, so the peer
    /// sees a gap that QuickFIX must then fill on its ResendRequest.
    virtual void skip_sender_seq(int k) = 0;
    virtual void stop() = 0;
};

/// A QuickFIX 1.15 initiator BANK->EXCH connecting to 127.0.0.1:`port`; it counts the
/// ExecutionReports it receives and sends NewOrderSingle on request.
class quickfix_initiator {
  public:
    virtual ~quickfix_initiator() = default;
    static std::unique_ptr<quickfix_initiator> start(int port, const std::string& begin_string,
                                                     const std::string& dictionary_path,
                                                     std::string& error);
    virtual int logons() const = 0;
    virtual int logouts() const = 0;
    virtual int reports() const = 0;       ///< ExecutionReports, counted in ClOrdID order
    virtual int out_of_order() const = 0;  ///< reports whose ClOrdID was not the next one
    virtual int rejects() const = 0;
    /// Sends NewOrderSingle ClOrdID "ORD<k>"; false when the session is not logged on.
    virtual bool send_order(int k) = 0;
    /// Logs out (QuickFIX waits for the answer) and stops.
    virtual void stop() = 0;
};

}  // namespace exwire_test
