// `exwire sim`'s FIX 4.4 acceptor against a QuickFIX 1.15 initiator that validates every
// message with the FIX44 data dictionary: market orders that fill and market orders that
// find an empty side must give ExecutionReports QuickFIX accepts (an invalid one would be
// rejected before the application sees it, so the count would fall short).

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include <exwire/sim/server.hpp>

#include "../../engine/fix/quickfix_peers.hpp"
#include "../../support/loopback.hpp"

using namespace std::chrono_literals;

namespace {

using exwire::test::wait_until;

}  // namespace

TEST(sim_fix_interop, quickfix_initiator_accepts_every_execution_report) {
    const char* dir = std::getenv("EXWIRE_FIX_DICTIONARIES");
    const std::string dictionary = dir != nullptr ? std::string(dir) + "/FIX44.xml" : "";
    struct stat st {};
    if (dictionary.empty() || ::stat(dictionary.c_str(), &st) != 0)
        GTEST_SKIP() << "no FIX44.xml (EXWIRE_FIX_DICTIONARIES)";

    // INTC with 5 resting asks of 100: the initiator's market buys of 100 fill the first
    // five (New + Trade reports) and find an empty side after that (New + Canceled).
    exwire::sim::server_options o;
    exwire::sim::symbol_config intc;
    intc.name = "INTC";
    intc.reference_price = 300'000;
    intc.asks.push_back({300'000, 100, 5});
    intc.bids.push_back({299'900, 100, 1});
    o.market.symbols = {intc};
    o.market.flow.orders_per_second = 0;
    o.background_flow = false;
    o.fix_sender_comp_id = "EXCH";
    o.fix_target_comp_id = "BANK";
    o.idle = "backoff:spins=10,yields=5,min=20us,max=500us";
    auto srv = exwire::sim::server::create(o);
    ASSERT_TRUE(srv.ok()) << srv.err().message;
    ASSERT_TRUE((*srv)->start().ok());

    std::string error;
    exwire_test::quickfix_options qo;
    qo.port = (*srv)->ports().fix;
    qo.begin_string = "FIX.4.4";
    qo.dictionary_path = dictionary;
    qo.sender_comp_id = "BANK";
    qo.target_comp_id = "EXCH";
    auto qf = exwire_test::quickfix_peer::start(false, qo, error);
    ASSERT_TRUE(qf) << error;
    ASSERT_TRUE(wait_until([&] { return qf->logons() == 1; }, 10s)) << "no logon";
    constexpr int orders = 8;
    for (int k = 0; k < orders; ++k) {
        ASSERT_TRUE(qf->send_order("ORD" + std::to_string(k)));
        // One order at a time: each gets its two reports before the next.
        ASSERT_TRUE(
            wait_until([&] { return qf->report_count() == 2u * static_cast<unsigned>(k + 1); }, 5s))
            << "order " << k << ": " << qf->report_count() << " reports accepted";
    }
    EXPECT_EQ(qf->rejects(), 0);
    const auto s = (*srv)->statistics();
    EXPECT_EQ(s.orders, static_cast<std::uint64_t>(orders));
    EXPECT_EQ(s.trades, 5u);
    qf->stop();
    EXPECT_EQ(qf->logouts(), 1);
    (*srv)->stop();
}
