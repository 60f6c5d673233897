#pragma once
// The DPDK transport for market data: kernel bypass for UDP (MoldUDP64 feeds and their
// retransmission requests). Models `exwire::transport::transport` with UDP endpoints only:
// listen() and connect() fail with "TCP over DPDK is out of scope" (order entry stays on
// the kernel TCP stack with io_uring). DPDK headers stay out of this header (pimpl).
//
// Receive: one rx queue of one port, rx bursts parsed as Ethernet/VLAN/IPv4/UDP (see
// udp_frame.hpp, checksum validation optional); a datagram whose (destination address,
// destination port) matches an endpoint opened with open_udp() is delivered through
// on_data; the payload points into the mbuf and lives until on_data returns. Everything else
// is counted (stats()) and dropped: ARP is not answered, the next hop's MAC is configured.
// Send: send(id, bytes) builds one frame to the endpoint's `remote` (multicast groups get
// their 01:00:5e MAC, unicast goes to `gateway_mac`), queues it and flush() (called by
// poll()) transmits queued frames in one tx burst. A full tx queue reports would_block.
//
// The EAL is initialised once per process, by the first create(), from `eal_args`; later
// create() calls reuse it (their eal_args are ignored). Threads: one owner thread per
// transport (the EAL's own threads stay idle). Errors: create() returns result<> with
// DPDK's reason (e.g. "EAL initialisation failed: ..."), the hot path returns send_status.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <exwire/core/result.hpp>
#include <exwire/transport/poll_batch.hpp>
#include <exwire/transport/transport.hpp>
#include <exwire/transport/udp_frame.hpp>

namespace exwire::transport {

struct dpdk_options {
    /// [eal_args] EAL arguments without the program name, e.g. {"--no-huge", "-m", "1024",
    /// "--no-pci", "--vdev=net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap"}.
    std::vector<std::string> eal_args;
    std::string port;           ///< [port] device name ("net_pcap0", a PCI address); empty: port 0
    unsigned mbufs = 8191;      ///< [mbufs] mempool size (2^n - 1 is most efficient)
    unsigned mbuf_cache = 256;  ///< [mbuf_cache] per-lcore cache
    std::uint16_t rx_descriptors = 1024;   ///< [rx_descriptors]
    std::uint16_t tx_descriptors = 1024;   ///< [tx_descriptors]
    unsigned burst = 32;                   ///< [burst] packets per rx/tx burst (at most 256)
    bool validate_checksums = false;       ///< [validate_checksums] IPv4 header and UDP
    std::string local_ip;                  ///< [local_ip] source address of sent datagrams
    std::optional<mac_address> local_mac;  ///< [local_mac] default: the port's own MAC
    mac_address gateway_mac{};             ///< [gateway_mac] destination MAC for unicast sends
    std::uint16_t vlan = 0;                ///< [vlan] tag sent frames with this VLAN id (0: none)
};

class dpdk_transport {
  public:
    struct counters {
        std::uint64_t rx_packets = 0;    ///< frames taken from the port
        std::uint64_t rx_delivered = 0;  ///< datagrams handed to on_data
        std::uint64_t rx_unmatched = 0;  ///< UDP datagrams for no open endpoint
        std::uint64_t rx_not_udp = 0;    ///< ARP, IPv6, TCP, fragments...
        std::uint64_t rx_malformed = 0;  ///< truncated, multi-segment, bad checksum
        std::uint64_t tx_packets = 0;    ///< frames the port accepted
    };

    /// Cold path: EAL (first call), mempool, port configuration and start.
    [[nodiscard]] static result<dpdk_transport> create(const dpdk_options& options);

    dpdk_transport(dpdk_transport&&) noexcept;
    dpdk_transport& operator=(dpdk_transport&&) noexcept;
    /// Stops and closes the port (a net_pcap tx file is complete afterwards).
    ~dpdk_transport();

    [[nodiscard]] result<connection_id> listen(const endpoint& local);
    [[nodiscard]] result<connection_id> connect(const endpoint& remote, std::int64_t timeout_ns);
    /// Delivers datagrams for (group or local.address, local.port); sends go to `remote`.
    [[nodiscard]] result<connection_id> open_udp(const udp_options& options);

    [[nodiscard]] send_result send(connection_id id, bytes data) noexcept;
    int flush() noexcept;
    void close(connection_id id) noexcept;
    [[nodiscard]] std::size_t queued(connection_id id) const noexcept;
    [[nodiscard]] std::uint16_t local_port(connection_id id) const noexcept;
    [[nodiscard]] counters stats() const noexcept;
    [[nodiscard]] mac_address mac() const noexcept;

    template <transport_handler Handler>
    int poll(Handler& handler) noexcept {
        const int work = reap();
        batch_.dispatch(handler);
        return work + end_poll();
    }

  private:
    struct state;
    explicit dpdk_transport(std::unique_ptr<state> s) noexcept;
    int reap() noexcept;
    int end_poll() noexcept;

    std::unique_ptr<state> state_;
    detail::poll_batch batch_;
};

}  // namespace exwire::transport
