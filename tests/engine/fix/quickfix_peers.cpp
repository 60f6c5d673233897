// QuickFIX side of the interop test (C++14; see quickfix_peers.hpp).
#include "quickfix_peers.hpp"

#include <atomic>
#include <exception>
#include <mutex>
#include <sstream>

#include <quickfix/Application.h>
#include <quickfix/FileStore.h>
#include <quickfix/Log.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/SocketAcceptor.h>
#include <quickfix/SocketInitiator.h>
#include <quickfix/Values.h>

namespace exwire_test {
namespace {

/// What QuickFIX's sessions logged, shared by the logs the factory creates.
struct log_book {
    mutable std::mutex mutex;
    quickfix_log log;
};

class memory_log final : public FIX::Log {
  public:
    explicit memory_log(log_book& b) : book_(b) {}
    void clear() override {}
    void backup() override {}
    void onIncoming(const std::string& s) override {
        std::lock_guard<std::mutex> lock(book_.mutex);
        book_.log.incoming.push_back(s);
    }
    void onOutgoing(const std::string& s) override {
        std::lock_guard<std::mutex> lock(book_.mutex);
        book_.log.outgoing.push_back(s);
    }
    void onEvent(const std::string& s) override {
        std::lock_guard<std::mutex> lock(book_.mutex);
        book_.log.events.push_back(s);
    }

  private:
    log_book& book_;
};

class memory_log_factory final : public FIX::LogFactory {
  public:
    explicit memory_log_factory(log_book& b) : book_(b) {}
    FIX::Log* create() override { return new memory_log(book_); }
    FIX::Log* create(const FIX::SessionID&) override { return new memory_log(book_); }
    void destroy(FIX::Log* l) override { delete l; }

  private:
    log_book& book_;
};

// QuickFIX 1.15's Application interface declares dynamic exception specifications.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated"
class app final : public FIX::Application {
  public:
    std::atomic<int> logons{0}, logouts{0}, orders{0}, rejects{0}, order_reports{0};
    std::atomic<bool> on{false};
    mutable std::mutex mutex;  // guards the sub IDs and the reports
    std::string sender_sub_id, target_sub_id;
    std::vector<std::string> reports;

    void onCreate(const FIX::SessionID&) override {}
    void onLogon(const FIX::SessionID&) override {
        ++logons;
        on = true;
    }
    void onLogout(const FIX::SessionID&) override {
        ++logouts;
        on = false;
    }
    void toAdmin(FIX::Message& m, const FIX::SessionID&) override { add_ids(m); }
    void toApp(FIX::Message& m, const FIX::SessionID&) throw(FIX::DoNotSend) override {
        add_ids(m);
    }
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
        FIX::ClOrdID cl;
        m.getField(cl);
        if (t == FIX::MsgType_ExecutionReport) {
            std::lock_guard<std::mutex> lock(mutex);
            reports.push_back(cl.getValue());
            if (cl.getValue().compare(0, 3, "ORD") == 0) ++order_reports;
            return;
        }
        if (t != FIX::MsgType_NewOrderSingle) throw FIX::UnsupportedMessageType();
        ++orders;
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

  private:
    void add_ids(FIX::Message& m) const {
        std::lock_guard<std::mutex> lock(mutex);
        if (!sender_sub_id.empty()) m.getHeader().setField(FIX::SenderSubID(sender_sub_id));
        if (!target_sub_id.empty()) m.getHeader().setField(FIX::TargetSubID(target_sub_id));
    }
};
#pragma GCC diagnostic pop

class peer_impl final : public quickfix_peer {
  public:
    peer_impl(bool acceptor, const std::string& cfg, const quickfix_options& o)
        : id_(o.begin_string, o.sender_comp_id, o.target_comp_id),
          settings_(stream(cfg)),
          logs_(book_) {
        if (o.file_store_path.empty())
            store_.reset(new FIX::MemoryStoreFactory());
        else
            store_.reset(new FIX::FileStoreFactory(o.file_store_path));
        app_.sender_sub_id = o.sender_sub_id;  // before QuickFIX's threads start
        app_.target_sub_id = o.target_sub_id;
        if (acceptor)
            acceptor_.reset(new FIX::SocketAcceptor(app_, *store_, settings_, logs_));
        else
            initiator_.reset(new FIX::SocketInitiator(app_, *store_, settings_, logs_));
        if (acceptor_) acceptor_->start();
        if (initiator_) initiator_->start();
    }
    ~peer_impl() override { stop(); }
    int logons() const override { return app_.logons; }
    int logouts() const override { return app_.logouts; }
    int orders() const override { return app_.orders; }
    int rejects() const override { return app_.rejects; }
    std::vector<std::string> reports() const override {
        std::lock_guard<std::mutex> lock(app_.mutex);
        return app_.reports;
    }
    std::size_t report_count() const override {
        std::lock_guard<std::mutex> lock(app_.mutex);
        return app_.reports.size();
    }
    int order_reports() const override { return app_.order_reports; }
    bool send_order(const std::string& cl_ord_id) override {
        if (!app_.on) return false;
        FIX::Message o;
        o.getHeader().setField(FIX::MsgType(FIX::MsgType_NewOrderSingle));
        o.setField(FIX::ClOrdID(cl_ord_id));
        o.setField(FIX::Side(FIX::Side_BUY));
        o.setField(FIX::TransactTime());
        o.setField(FIX::OrdType(FIX::OrdType_MARKET));
        o.setField(FIX::Symbol("INTC"));
        o.setField(FIX::OrderQty(100));
        try {
            return FIX::Session::sendToTarget(o, id_);
        } catch (const std::exception&) {
            return false;
        }
    }
    void skip_sender_seq(int k) override {
        FIX::Session* s = FIX::Session::lookupSession(id_);
        if (s != nullptr) s->setNextSenderMsgSeqNum(s->getExpectedSenderNum() + k);
    }
    int send_sequence_reset(int k) override {
        FIX::Session* s = FIX::Session::lookupSession(id_);
        if (s == nullptr) return 0;
        const int new_seq = s->getExpectedSenderNum() + 1 + k;
        FIX::Message r;
        r.getHeader().setField(FIX::MsgType(FIX::MsgType_SequenceReset));
        r.setField(FIX::GapFillFlag(false));
        r.setField(FIX::NewSeqNo(new_seq));
        try {
            if (!FIX::Session::sendToTarget(r, id_)) return 0;
        } catch (const std::exception&) {
            return 0;
        }
        s->setNextSenderMsgSeqNum(new_seq);
        return new_seq;
    }
    void set_sender_sub_id(const std::string& id) override {
        std::lock_guard<std::mutex> lock(app_.mutex);
        app_.sender_sub_id = id;
    }
    quickfix_log log() const override {
        std::lock_guard<std::mutex> lock(book_.mutex);
        return book_.log;
    }
    void stop() override {
        if (stopped_) return;
        stopped_ = true;
        if (initiator_) initiator_->stop();
        if (acceptor_) acceptor_->stop();
    }

  private:
    static std::istringstream& stream(const std::string& s) {
        static thread_local std::istringstream in;
        in.clear();
        in.str(s);
        return in;
    }
    FIX::SessionID id_;
    app app_;
    log_book book_;
    std::unique_ptr<FIX::MessageStoreFactory> store_;
    FIX::SessionSettings settings_;
    memory_log_factory logs_;
    std::unique_ptr<FIX::SocketAcceptor> acceptor_;
    std::unique_ptr<FIX::SocketInitiator> initiator_;
    bool stopped_ = false;
};

}  // namespace

std::unique_ptr<quickfix_peer> quickfix_peer::start(bool acceptor, const quickfix_options& o,
                                                    std::string& error) {
    std::ostringstream cfg;
    cfg << "[DEFAULT]\n";
    if (acceptor)
        cfg << "ConnectionType=acceptor\nSocketAcceptPort=" << o.port << "\n";
    else
        cfg << "ConnectionType=initiator\nSocketConnectHost=127.0.0.1\nSocketConnectPort=" << o.port
            << "\nReconnectInterval=1\n";
    cfg << "StartTime=00:00:00\nEndTime=00:00:00\nHeartBtInt=30\n";
    if (o.begin_string == "FIXT.1.1")
        cfg << "UseDataDictionary=N\nDefaultApplVerID=FIX.5.0SP2\n";
    else
        cfg << "UseDataDictionary=Y\nDataDictionary=" << o.dictionary_path << "\n";
    cfg << "[SESSION]\nBeginString=" << o.begin_string << "\nSenderCompID=" << o.sender_comp_id
        << "\nTargetCompID=" << o.target_comp_id << "\n";
    try {
        return std::unique_ptr<quickfix_peer>(new peer_impl(acceptor, cfg.str(), o));
    } catch (const std::exception& e) {
        error = e.what();
        return nullptr;
    }
}

}  // namespace exwire_test
