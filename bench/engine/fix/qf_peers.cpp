// QuickFIX side of the FIX session benchmark (C++14; see qf_peers.hpp).
#include "qf_peers.hpp"

#include <atomic>
#include <cstdlib>
#include <exception>
#include <memory>
#include <sstream>

#include <quickfix/Application.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>
#include <quickfix/SocketInitiator.h>
#include <quickfix/fix44/NewOrderSingle.h>

namespace exwire_bench {
namespace {

// QuickFIX 1.15's Application interface declares dynamic exception specifications.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated"
class acceptor_app final : public FIX::Application {
  public:
    bool answer = true;
    std::atomic<long> orders{0};
    std::atomic<int> logons{0};

    void onCreate(const FIX::SessionID&) override {}
    void onLogon(const FIX::SessionID&) override { ++logons; }
    void onLogout(const FIX::SessionID&) override {}
    void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
    void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
    void fromAdmin(const FIX::Message&,
                   const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                                FIX::IncorrectTagValue, FIX::RejectLogon) override {
    }
    void fromApp(const FIX::Message& m,
                 const FIX::SessionID& id) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                                 FIX::IncorrectTagValue,
                                                 FIX::UnsupportedMessageType) override {
        FIX::MsgType t;
        m.getHeader().getField(t);
        if (t != FIX::MsgType_NewOrderSingle) throw FIX::UnsupportedMessageType();
        ++orders;
        if (!answer) return;
        FIX::ClOrdID cl;
        m.getField(cl);
        FIX::Symbol sym;
        m.getField(sym);
        FIX::Side side;
        m.getField(side);
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
    qf_report_fn on_report = nullptr;
    void* ctx = nullptr;
    std::atomic<bool> on{false};

    void onCreate(const FIX::SessionID&) override {}
    void onLogon(const FIX::SessionID&) override { on = true; }
    void onLogout(const FIX::SessionID&) override { on = false; }
    void toAdmin(FIX::Message&, const FIX::SessionID&) override {}
    void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
    void fromAdmin(const FIX::Message&,
                   const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                                FIX::IncorrectTagValue, FIX::RejectLogon) override {
    }
    void fromApp(const FIX::Message& m,
                 const FIX::SessionID&) throw(FIX::FieldNotFound, FIX::IncorrectDataFormat,
                                              FIX::IncorrectTagValue,
                                              FIX::UnsupportedMessageType) override {
        FIX::MsgType t;
        m.getHeader().getField(t);
        if (t != FIX::MsgType_ExecutionReport) return;
        FIX::ClOrdID cl;
        m.getField(cl);
        on_report(ctx, std::strtol(cl.getValue().c_str(), nullptr, 10));
    }
};
#pragma GCC diagnostic pop

std::istringstream& stream(const std::string& s) {
    static thread_local std::istringstream in;
    in.clear();
    in.str(s);
    return in;
}

std::string common(const std::string& begin_string) {
    // Validation off on both QuickFIX sides: the exwire sessions validate nothing either.
    std::string s =
        "StartTime=00:00:00\nEndTime=00:00:00\nHeartBtInt=30\nUseDataDictionary=N\n"
        "SocketNodelay=Y\n";
    if (begin_string == "FIXT.1.1") s += "DefaultApplVerID=FIX.5.0SP2\n";
    return s;
}

}  // namespace

struct qf_acceptor {
    acceptor_app app;
    FIX::MemoryStoreFactory store;
    std::unique_ptr<FIX::SessionSettings> settings;
    std::unique_ptr<FIX::SocketAcceptor> acceptor;
};

struct qf_initiator {
    FIX::SessionID id;
    initiator_app app;
    FIX::MemoryStoreFactory store;
    std::unique_ptr<FIX::SessionSettings> settings;
    std::unique_ptr<FIX::SocketInitiator> initiator;
};

qf_acceptor* qf_acceptor_start(int port, const std::string& begin_string, bool answer,
                               std::string& error) {
    std::ostringstream cfg;
    cfg << "[DEFAULT]\nConnectionType=acceptor\nSocketAcceptPort=" << port << "\n"
        << common(begin_string) << "[SESSION]\nBeginString=" << begin_string
        << "\nSenderCompID=EXCH\nTargetCompID=BANK\n";
    std::unique_ptr<qf_acceptor> a(new qf_acceptor);
    a->app.answer = answer;
    try {
        a->settings.reset(new FIX::SessionSettings(stream(cfg.str())));
        a->acceptor.reset(new FIX::SocketAcceptor(a->app, a->store, *a->settings));
        a->acceptor->start();
    } catch (const std::exception& e) {
        error = e.what();
        return nullptr;
    }
    return a.release();
}

long qf_acceptor_orders(const qf_acceptor* a) {
    return a->app.orders;
}
int qf_acceptor_logons(const qf_acceptor* a) {
    return a->app.logons;
}
void qf_acceptor_stop(qf_acceptor* a) {
    a->acceptor->stop();
    delete a;
}

qf_initiator* qf_initiator_start(int port, const std::string& begin_string, qf_report_fn on_report,
                                 void* ctx, std::string& error) {
    std::ostringstream cfg;
    cfg << "[DEFAULT]\nConnectionType=initiator\nSocketConnectHost=127.0.0.1\nSocketConnectPort="
        << port << "\nReconnectInterval=1\n"
        << common(begin_string) << "[SESSION]\nBeginString=" << begin_string
        << "\nSenderCompID=BANK\nTargetCompID=EXCH\n";
    std::unique_ptr<qf_initiator> i(new qf_initiator);
    i->id = FIX::SessionID(begin_string, "BANK", "EXCH");
    i->app.on_report = on_report;
    i->app.ctx = ctx;
    try {
        i->settings.reset(new FIX::SessionSettings(stream(cfg.str())));
        i->initiator.reset(new FIX::SocketInitiator(i->app, i->store, *i->settings));
        i->initiator->start();
    } catch (const std::exception& e) {
        error = e.what();
        return nullptr;
    }
    return i.release();
}

bool qf_initiator_logged_on(const qf_initiator* i) {
    return i->app.on;
}

bool qf_send_order(qf_initiator* i, long k) {
    FIX44::NewOrderSingle o(FIX::ClOrdID(std::to_string(k)), FIX::Side(FIX::Side_BUY),
                            FIX::TransactTime(), FIX::OrdType(FIX::OrdType_MARKET));
    o.setField(FIX::HandlInst('1'));
    o.setField(FIX::Symbol("INTC"));
    o.setField(FIX::OrderQty(100));
    try {
        return FIX::Session::sendToTarget(o, i->id);
    } catch (const std::exception&) {
        return false;
    }
}

void qf_initiator_stop(qf_initiator* i) {
    i->initiator->stop();
    delete i;
}

}  // namespace exwire_bench
