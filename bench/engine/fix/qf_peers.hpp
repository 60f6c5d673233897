#pragma once
// QuickFIX 1.15 peers for the FIX session benchmark, behind plain functions free of QuickFIX
// headers (those need C++14; qf_peers.cpp is built as a separate C++14 library).
// The acceptor (EXCH->BANK) counts NewOrderSingle and, when `answer`, replies to each with an
// ExecutionReport echoing ClOrdID. The initiator (BANK->EXCH) sends NewOrderSingle
// ClOrdID=<k> on request and calls `on_report(ctx, k)` on QuickFIX's thread for each
// ExecutionReport. Errors: a null pointer and `error` set.

#include <string>

namespace exwire_bench {

struct qf_acceptor;
struct qf_initiator;
using qf_report_fn = void (*)(void* ctx, long k);

qf_acceptor* qf_acceptor_start(int port, const std::string& begin_string, bool answer,
                               std::string& error);
long qf_acceptor_orders(const qf_acceptor* a);
int qf_acceptor_logons(const qf_acceptor* a);
void qf_acceptor_stop(qf_acceptor* a);  ///< stops and frees

qf_initiator* qf_initiator_start(int port, const std::string& begin_string, qf_report_fn on_report,
                                 void* ctx, std::string& error);
bool qf_initiator_logged_on(const qf_initiator* i);
/// NewOrderSingle with ClOrdID = k, written to the socket on the calling thread.
bool qf_send_order(qf_initiator* i, long k);
void qf_initiator_stop(qf_initiator* i);  ///< logs out, stops and frees

}  // namespace exwire_bench
