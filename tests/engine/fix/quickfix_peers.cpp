// QuickFIX side of the interop test (C++14; see quickfix_peers.hpp).
#include "quickfix_peers.hpp"

#include <atomic>
#include <exception>
#include <sstream>

#include <quickfix/Application.h>
#include <quickfix/MessageCracker.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>
#include <quickfix/SocketInitiator.h>
#include <quickfix/fix44/ExecutionReport.h>
#include <quickfix/fix44/NewOrderSingle.h>

namespace exwire_test {
namespace {

// QuickFIX 1.15's Application interface declares dynamic exception specifications.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated"
class app final : public FIX::Application {
  public:
    std::atomic<int> logons{0}, logouts{0}, orders{0}, rejects{0};

    void onCreate(const FIX::SessionID&) override {}
    void onLogon(const FIX::SessionID&) override { ++logons; }
    void onLogout(const FIX::SessionID&) override { ++logouts; }
    void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
    void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
    void fromAdmin(const FIX::Message& m,
                   const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                                FIX::IncorrectTagValue, FIX::RejectLogon) override {
        FIX::MsgType t;
        m.getHeader().getField(t);
        if (t == FIX::MsgType_Reject) ++rejects;
    }
    void fromApp(const FIX::Message& m,
                 const FIX::SessionID& id) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                                 FIX::IncorrectTagValue,
                                                 FIX::UnsupportedMessageType) override {
        FIX::MsgType t;
        m.getHeader().getField(t);
        if (t == FIX::MsgType_BusinessMessageReject) {
            ++rejects;
            return;
        }
        if (t != FIX::MsgType_NewOrderSingle) throw FIX::UnsupportedMessageType();
        ++orders;
        FIX::ClOrdID cl;
        m.getField(cl);
        FIX::Symbol sym;
        m.getField(sym);
        FIX::Side side;
        m.getField(side);
        // Built field by field so one peer serves FIX.4.4 and FIXT.1.1 sessions alike.
        FIX::Message r;
        r.getHeader().setField(FIX::MsgType(FIX::MsgType_ExecutionReport));
        r.setField(FIX::OrderID(cl.getValue()));
        r.setField(FIX::ExecID(cl.getValue()));
        r.setField(FIX::ExecType(FIX::ExecType_NEW));
        r.setField(FIX::OrdStatus(FIX::OrdStatus_NEW));
        r.setField(side);
        r.setField(FIX::LeavesQty(0));
        r.setField(FIX::CumQty(0));
        r.setField(FIX::AvgPx(0));
        r.setField(sym);
        r.setField(cl);
        FIX::Session::sendToTarget(r, id);
    }
};
class initiator_app final : public FIX::Application {
  public:
    std::atomic<int> logons{0}, logouts{0}, reports{0}, out_of_order{0}, rejects{0};
    std::atomic<bool> on{false};

    void onCreate(const FIX::SessionID&) override {}
    void onLogon(const FIX::SessionID&) override {
        ++logons;
        on = true;
    }
    void onLogout(const FIX::SessionID&) override {
        ++logouts;
        on = false;
    }
    void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
    void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
    void fromAdmin(const FIX::Message& m,
                   const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                                FIX::IncorrectTagValue, FIX::RejectLogon) override {
        FIX::MsgType t;
        m.getHeader().getField(t);
        if (t == FIX::MsgType_Reject) ++rejects;
    }
    void fromApp(const FIX::Message& m,
                 const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                              FIX::IncorrectTagValue,
                                              FIX::UnsupportedMessageType) override {
        FIX::MsgType t;
        m.getHeader().getField(t);
        if (t != FIX::MsgType_ExecutionReport) {
            ++rejects;
            return;
        }
        FIX::ClOrdID cl;
        m.getField(cl);
        if (cl.getValue() != "ORD" + std::to_string(reports.load())) ++out_of_order;
        ++reports;
    }
};
#pragma GCC diagnostic pop

class initiator_impl final : public quickfix_initiator {
  public:
    initiator_impl(const std::string& cfg, const std::string& begin)
        : id_(begin, "BANK", "EXCH"), settings_(stream(cfg)), initiator_(app_, store_, settings_) {
        initiator_.start();
    }
    ~initiator_impl() override { stop(); }
    int logons() const override { return app_.logons; }
    int logouts() const override { return app_.logouts; }
    int reports() const override { return app_.reports; }
    int out_of_order() const override { return app_.out_of_order; }
    int rejects() const override { return app_.rejects; }
    bool send_order(int k) override {
        if (!app_.on) return false;
        FIX44::NewOrderSingle o(FIX::ClOrdID("ORD" + std::to_string(k)), FIX::Side(FIX::Side_BUY),
                                FIX::TransactTime(), FIX::OrdType(FIX::OrdType_MARKET));
        o.setField(FIX::Symbol("INTC"));
        o.setField(FIX::OrderQty(100));
        try {
            return FIX::Session::sendToTarget(o, id_);
        } catch (const std::exception&) {
            return false;
        }
    }
    void stop() override {
        if (!stopped_) {
            stopped_ = true;
            initiator_.stop();
        }
    }

  private:
    static std::istringstream& stream(const std::string& s) {
        static thread_local std::istringstream in;
        in.clear();
        in.str(s);
        return in;
    }
    FIX::SessionID id_;
    initiator_app app_;
    FIX::MemoryStoreFactory store_;
    FIX::SessionSettings settings_;
    FIX::SocketInitiator initiator_;
    bool stopped_ = false;
};

class acceptor_impl final : public quickfix_acceptor {
  public:
    acceptor_impl(const std::string& cfg, const std::string& begin)
        : begin_(begin), settings_(stream(cfg)), acceptor_(app_, store_, settings_) {
        acceptor_.start();
    }
    ~acceptor_impl() override { stop(); }
    int logons() const override { return app_.logons; }
    int logouts() const override { return app_.logouts; }
    int orders() const override { return app_.orders; }
    int rejects() const override { return app_.rejects; }
    void skip_sender_seq(int k) override {
        FIX::Session* s = FIX::Session::lookupSession(FIX::SessionID(begin_, "EXCH", "BANK"));
        if (s != nullptr) s->setNextSenderMsgSeqNum(s->getExpectedSenderNum() + k);
    }
    void stop() override {
        if (!stopped_) {
            stopped_ = true;
            acceptor_.stop();
        }
    }

  private:
    static std::istringstream& stream(const std::string& s) {
        static thread_local std::istringstream in;
        in.clear();
        in.str(s);
        return in;
    }
    std::string begin_;
    app app_;
    FIX::MemoryStoreFactory store_;
    FIX::SessionSettings settings_;
    FIX::SocketAcceptor acceptor_;
    bool stopped_ = false;
};

}  // namespace

std::unique_ptr<quickfix_acceptor> quickfix_acceptor::start(int port,
                                                            const std::string& begin_string,
                                                            const std::string& dictionary_path,
                                                            std::string& error) {
    std::ostringstream cfg;
    cfg << "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptPort=" << port
        << "\nStartTime=00:00:00\nEndTime=00:00:00\nHeartBtInt=30\n";
    // FIXT.1.1: the build's FIX50SP2.xml holds transport and application in one file, which
    // QuickFIX cannot take as its transport dictionary, so QuickFIX validates FIX.4.4 only.
    if (begin_string == "FIXT.1.1")
        cfg << "UseDataDictionary=N\nDefaultApplVerID=FIX.5.0SP2\n";
    else
        cfg << "UseDataDictionary=Y\nDataDictionary=" << dictionary_path << "\n";
    cfg << "[SESSION]\nBeginString=" << begin_string << "\nSenderCompID=EXCH\nTargetCompID=BANK\n";
    try {
        return std::unique_ptr<quickfix_acceptor>(new acceptor_impl(cfg.str(), begin_string));
    } catch (const std::exception& e) {
        error = e.what();
        return nullptr;
    }
}

std::unique_ptr<quickfix_initiator> quickfix_initiator::start(int port,
                                                              const std::string& begin_string,
                                                              const std::string& dictionary_path,
                                                              std::string& error) {
    std::ostringstream cfg;
    cfg << "[DEFAULT]\nConnectionType=initiator\nSocketConnectHost=127.0.0.1\nSocketConnectPort="
        << port
        << "\nReconnectInterval=1\nStartTime=00:00:00\nEndTime=00:00:00\nHeartBtInt=30\n"
           "UseDataDictionary=Y\nDataDictionary="
        << dictionary_path << "\n[SESSION]\nBeginString=" << begin_string
        << "\nSenderCompID=BANK\nTargetCompID=EXCH\n";
    try {
        return std::unique_ptr<quickfix_initiator>(new initiator_impl(cfg.str(), begin_string));
    } catch (const std::exception& e) {
        error = e.what();
        return nullptr;
    }
}

}  // namespace exwire_test
