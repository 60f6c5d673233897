// DPDK receive path without a NIC: frames go round a net_ring virtual device (its rx and tx
// queues share one ring), and the timed part is poll() alone: rx burst, Ethernet/IPv4/UDP
// parsing, subscription match and delivery to a handler that reads the MoldUDP64 header
// (session, sequence number, message count) of each datagram. The tx side that refills the
// ring is outside the timed region. Single thread, no sleeping.

#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include <exwire/core/bytes.hpp>
#include <exwire/core/clock.hpp>
#include <exwire/transport/dpdk_transport.hpp>

namespace exwire::transport {
namespace {

struct mold_header_reader {
    std::uint64_t datagrams = 0;
    std::uint64_t last_sequence = 0;
    std::uint64_t messages = 0;
    void on_data(connection_id, bytes d) noexcept {
        if (d.size() < 20) return;
        last_sequence = load_be<std::uint64_t>(d.data() + 10);  // after the 10-byte session
        messages += load_be<std::uint16_t>(d.data() + 18);
        ++datagrams;
    }
    void on_event(const connection_event&) noexcept {}
};

void dpdk_net_ring_rx_udp_delivery(benchmark::State& state) {
    tsc_clock::calibrate();
    dpdk_options o;
    o.eal_args = {"--no-huge",       "-m", "512", "--no-pci", "-l", "0", "--log-level=error",
                  "--vdev=net_ring0"};
    o.port = "net_ring0";
    o.mbufs = 4095;
    o.burst = 32;
    o.local_ip = "10.0.0.2";
    auto t = dpdk_transport::create(o);
    if (!t) {
        state.SkipWithError(t.err().message.c_str());
        return;
    }
    udp_options feed;
    feed.group = "239.1.1.1";
    feed.local.port = 30001;
    feed.remote = {"239.1.1.1", 30001};  // sends loop back through the ring to this endpoint
    const auto id = std::move(t->open_udp(feed)).value();
    // A MoldUDP64 downstream packet: session, sequence, count 1, one 32-byte message.
    std::byte packet[20 + 2 + 32] = {};
    store_be<std::uint16_t>(packet + 18, 1);
    store_be<std::uint16_t>(packet + 20, 32);
    mold_header_reader reader;
    std::uint64_t rx_ticks = 0;
    std::uint64_t sequence = 1;
    for (auto _ : state) {
        for (int k = 0; k < 32; ++k) {
            store_be<std::uint64_t>(packet + 10, sequence++);
            if (t->send(id, packet).status != send_status::ok) break;
        }
        (void)t->flush();
        const std::uint64_t t0 = tsc_clock::now();
        while (t->poll(reader) > 0) {
        }
        rx_ticks += tsc_clock::now() - t0;
    }
    const double seconds = tsc_clock::to_ns(rx_ticks) / 1e9;
    state.counters["rx_packets_per_s"] = static_cast<double>(reader.datagrams) / seconds;
    state.counters["delivered"] = static_cast<double>(reader.datagrams);
    state.counters["rx_ns_per_packet"] =
        tsc_clock::to_ns(rx_ticks) / static_cast<double>(reader.datagrams);
    const auto st = t->stats();
    if (st.rx_delivered != reader.datagrams || st.rx_malformed != 0) {
        state.SkipWithError("frames lost or malformed on the way round the ring");
    }
}
BENCHMARK(dpdk_net_ring_rx_udp_delivery)->Iterations(100'000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace exwire::transport

BENCHMARK_MAIN();
