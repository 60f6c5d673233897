// QuickFIX peer, compiled as C++14 (see quickfix_peer.hpp).
#include "quickfix_peer.hpp"

#include <quickfix/DataDictionary.h>
#include <quickfix/Message.h>
#include <quickfix/fix42/News.h>
#include <quickfix/fix44/ExecutionReport.h>
#include <quickfix/fix44/Logon.h>
#include <quickfix/fix44/MarketDataSnapshotFullRefresh.h>
#include <quickfix/fix44/NewOrderSingle.h>

#include <cstdlib>
#include <map>
#include <memory>

namespace qf_peer {

namespace {

void flatten(const FIX::FieldMap& map, std::vector<tag_value>& out) {
    for (FIX::FieldMap::const_iterator it = map.begin(); it != map.end(); ++it)
        out.push_back(tag_value{it->getTag(), it->getString()});
    for (FIX::FieldMap::g_const_iterator g = map.g_begin(); g != map.g_end(); ++g)
        for (const FIX::FieldMap* entry : g->second)
            flatten(*entry, out);
}

sample make_sample(const std::string& name, FIX::Message& m) {
    sample s;
    s.name = name;
    s.wire = m.toString();  // also sets BodyLength and CheckSum in the message
    flatten(m.getHeader(), s.fields);
    flatten(m, s.fields);
    flatten(m.getTrailer(), s.fields);
    return s;
}

void session_header(FIX::Message& m, int seq) {
    FIX::Header& h = m.getHeader();
    h.setField(49, "CLIENT12");
    h.setField(56, "EXCH");
    h.setField(34, std::to_string(seq));
    h.setField(52, "20261121-19:30:02.123");
}

}  // namespace

std::vector<sample> build_samples() {
    std::vector<sample> out;
    {
        FIX44::NewOrderSingle m(
            FIX::ClOrdID("ORD-10001"), FIX::Side(FIX::Side_BUY),
            FIX::TransactTime(FIX::UtcTimeStamp(19, 30, 2, 123, 21, 11, 2026), 3),
            FIX::OrdType(FIX::OrdType_LIMIT));
        session_header(m, 215);
        m.set(FIX::Symbol("MSFT"));
        m.set(FIX::OrderQty(5000));
        m.set(FIX::Price(412.25));
        m.set(FIX::TimeInForce(FIX::TimeInForce_DAY));
        m.set(FIX::Account("ACC-7"));
        out.push_back(make_sample("FIX44 NewOrderSingle", m));
    }
    {
        FIX44::ExecutionReport m(
            FIX::OrderID("EX-1"), FIX::ExecID("E-77"), FIX::ExecType(FIX::ExecType_TRADE),
            FIX::OrdStatus(FIX::OrdStatus_PARTIALLY_FILLED), FIX::Side(FIX::Side_SELL),
            FIX::LeavesQty(300), FIX::CumQty(200), FIX::AvgPx(99.5));
        session_header(m, 3);
        m.set(FIX::ClOrdID("ORD-9"));
        m.set(FIX::Symbol("IBM"));
        m.set(FIX::LastQty(200));
        m.set(FIX::LastPx(99.5));
        m.set(FIX::Text("partial fill"));
        out.push_back(make_sample("FIX44 ExecutionReport", m));
    }
    {
        FIX44::MarketDataSnapshotFullRefresh m;
        session_header(m, 4);
        m.set(FIX::Symbol("EUR/USD"));
        m.set(FIX::MDReqID("MD-1"));
        for (int i = 0; i < 10; ++i) {
            FIX44::MarketDataSnapshotFullRefresh::NoMDEntries e;
            e.set(FIX::MDEntryType(i % 2 == 0 ? FIX::MDEntryType_BID : FIX::MDEntryType_OFFER));
            e.set(FIX::MDEntryPx(1.1 + i * 0.0001));
            e.set(FIX::MDEntrySize(1000000 + i * 1000));
            m.addGroup(e);
        }
        out.push_back(make_sample("FIX44 MarketDataSnapshotFullRefresh", m));
    }
    {
        FIX44::Logon m(FIX::EncryptMethod(FIX::EncryptMethod_NONE), FIX::HeartBtInt(30));
        session_header(m, 1);
        m.set(FIX::ResetSeqNumFlag(true));
        out.push_back(make_sample("FIX44 Logon", m));
    }
    {
        FIX42::News m(FIX::Headline("Halt"));
        session_header(m, 9);
        FIX42::News::LinesOfText line;
        line.set(FIX::Text("trading halted"));
        m.addGroup(line);
        m.set(FIX::RawDataLength(7));
        m.set(FIX::RawData(std::string("ab\001cd=e", 7)));
        m.getHeader().setField(8, "FIX.4.2");
        out.push_back(make_sample("FIX42 News", m));
    }
    return out;
}

namespace {
const FIX::DataDictionary& dictionary(const std::string& file) {
    static std::map<std::string, std::unique_ptr<FIX::DataDictionary>> cache;
    std::unique_ptr<FIX::DataDictionary>& dd = cache[file];
    if (!dd) dd.reset(new FIX::DataDictionary(file));
    return *dd;
}
}  // namespace

std::string validate(const std::string& dictionary_file, const std::string& wire) {
    try {
        const FIX::DataDictionary& dd = dictionary(dictionary_file);
        FIX::Message m(wire, dd, true);
        FIX::DataDictionary::validate(m, &dd, &dd);
        return "";
    } catch (const std::exception& e) {
        std::string what = e.what();
        return what.empty() ? "rejected" : what;
    }
}

verdict validate_detail(const std::string& dictionary_file, const std::string& wire) {
    try {
        const FIX::DataDictionary& dd = dictionary(dictionary_file);
        FIX::Message m(wire, dd, true);
        FIX::DataDictionary::validate(m, &dd, &dd);
        return verdict{-1, 0, ""};
    } catch (const FIX::InvalidTagNumber& e) {
        return verdict{0, e.field, e.what()};
    } catch (const FIX::RequiredTagMissing& e) {
        return verdict{1, e.field, e.what()};
    } catch (const FIX::TagNotDefinedForMessage& e) {
        return verdict{2, e.field, e.what()};
    } catch (const FIX::NoTagValue& e) {
        return verdict{4, e.field, e.what()};
    } catch (const FIX::IncorrectTagValue& e) {
        return verdict{5, e.field, e.what()};
    } catch (const FIX::IncorrectDataFormat& e) {
        return verdict{6, e.field, e.what()};
    } catch (const FIX::InvalidMessageType& e) {
        return verdict{11, 35, e.what()};
    } catch (const FIX::RepeatedTag& e) {
        return verdict{13, e.field, e.what()};
    } catch (const FIX::TagOutOfOrder& e) {
        return verdict{14, e.field, e.what()};
    } catch (const FIX::RepeatingGroupCountMismatch& e) {
        return verdict{16, e.field, e.what()};
    } catch (const std::exception& e) {
        return verdict{99, 0, e.what()};
    }
}

struct bench_state {
    std::unique_ptr<FIX::DataDictionary> dd;
};

bench_state* bench_open(const std::string& dictionary_file) {
    bench_state* s = new bench_state;
    s->dd.reset(new FIX::DataDictionary(dictionary_file));
    return s;
}

void bench_close(bench_state* s) {
    delete s;
}

long bench_decode_new_order(bench_state* s, const std::string& wire, bool use_dictionary) {
    FIX::Message m;
    if (use_dictionary) {
        m.setString(wire, true, s->dd.get());
    } else {
        m.setString(wire, true);
    }
    FIX::ClOrdID id;
    FIX::Symbol sym;
    FIX::Side side;
    FIX::OrderQty qty;
    FIX::Price px;
    FIX::OrdType type;
    m.getField(id);
    m.getField(sym);
    m.getField(side);
    m.getField(qty);
    m.getField(px);
    m.getField(type);
    return static_cast<long>(id.getValue().size() + sym.getValue().size()) + side.getValue() +
           static_cast<long>(qty.getValue()) + static_cast<long>(px.getValue()) + type.getValue();
}

std::size_t bench_encode_new_order(bench_state*, int seq) {
    FIX44::NewOrderSingle m(FIX::ClOrdID("ORD-10001"), FIX::Side(FIX::Side_BUY),
                            FIX::TransactTime(FIX::UtcTimeStamp(19, 30, 2, 123, 21, 11, 2026), 3),
                            FIX::OrdType(FIX::OrdType_LIMIT));
    FIX::Header& h = m.getHeader();
    h.setField(FIX::SenderCompID("CLIENT12"));
    h.setField(FIX::TargetCompID("EXCH"));
    h.setField(FIX::MsgSeqNum(seq));
    h.setField(FIX::SendingTime(FIX::UtcTimeStamp(19, 30, 2, 123, 21, 11, 2026), 3));
    m.set(FIX::Symbol("MSFT"));
    m.set(FIX::OrderQty(5000));
    m.set(FIX::Price(412.25));
    m.set(FIX::TimeInForce(FIX::TimeInForce_DAY));
    m.set(FIX::Account("ACC-7"));
    std::string out;
    m.toString(out);
    return out.size();
}

long bench_decode_with_groups(bench_state* s, const std::string& wire) {
    FIX::Message m;
    m.setString(wire, true, s->dd.get());
    long sum = 0;
    FIX::MsgType type;
    m.getHeader().getField(type);
    if (type.getValue() == "W") {
        FIX::NoMDEntries n;
        m.getField(n);
        FIX44::MarketDataSnapshotFullRefresh::NoMDEntries e;
        for (int i = 1; i <= n.getValue(); ++i) {
            m.getGroup(static_cast<unsigned>(i), e);
            FIX::MDEntryPx px;
            e.get(px);
            sum += static_cast<long>(px.getValue() * 10000);
        }
    } else {
        FIX::ExecID id;
        FIX::CumQty cum;
        FIX::LastPx last;
        m.getField(id);
        m.getField(cum);
        m.getField(last);
        sum = static_cast<long>(id.getValue().size()) + static_cast<long>(cum.getValue()) +
              static_cast<long>(last.getValue());
    }
    return sum;
}

}  // namespace qf_peer
