// DPDK transport; see the header. DPDK headers are system headers of this file only.

#include <exwire/transport/dpdk_transport.hpp>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#include <fmt/format.h>

namespace exwire::transport {

namespace {

constexpr unsigned max_burst = 256;

struct subscription {
    bool open = false;
    std::uint32_t match_ip = 0;  // destination address to match (0: any)
    std::uint16_t match_port = 0;
    std::uint32_t remote_ip = 0;
    std::uint16_t remote_port = 0;
    mac_address remote_mac{};
};

std::atomic<bool> eal_started{false};

result<void> start_eal(const std::vector<std::string>& args) {
    if (eal_started.load()) return {};
    std::vector<std::string> storage;
    storage.reserve(args.size() + 1);
    storage.emplace_back("exwire");
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : storage)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = rte_eal_init(static_cast<int>(storage.size()), argv.data());
    if (rc < 0) {
        return fail(fmt::format("DPDK EAL initialisation failed: {} (arguments: {})",
                                rte_strerror(rte_errno), fmt::join(args, " ")),
                    rte_errno);
    }
    eal_started.store(true);
    return {};
}

}  // namespace

struct dpdk_transport::state {
    dpdk_options options;
    std::uint16_t port_id = 0;
    bool port_started = false;
    rte_mempool* pool = nullptr;
    mac_address local_mac{};
    std::uint32_t local_ip = 0;
    std::vector<subscription> subs;
    rte_mbuf* rx[max_burst] = {};
    std::uint16_t rx_count = 0;  // mbufs held by the batch being delivered
    std::vector<rte_mbuf*> tx;   // frames queued for the next tx burst
    counters stats;

    ~state() {
        if (port_started) {
            // Frames still queued would otherwise leak with the pool.
            for (rte_mbuf* m : tx)
                rte_pktmbuf_free(m);
            (void)rte_eth_dev_stop(port_id);
            (void)rte_eth_dev_close(port_id);
        }
        if (pool != nullptr) rte_mempool_free(pool);
    }
};

dpdk_transport::dpdk_transport(std::unique_ptr<state> s) noexcept : state_(std::move(s)) {}
dpdk_transport::dpdk_transport(dpdk_transport&&) noexcept = default;
dpdk_transport& dpdk_transport::operator=(dpdk_transport&&) noexcept = default;
dpdk_transport::~dpdk_transport() = default;

result<dpdk_transport> dpdk_transport::create(const dpdk_options& options) {
    if (options.burst == 0 || options.burst > max_burst) {
        return fail(fmt::format("dpdk transport: burst must be 1..{}", max_burst));
    }
    if (auto r = start_eal(options.eal_args); !r) return std::move(r).err();
    auto s = std::make_unique<state>();
    s->options = options;
    if (!options.local_ip.empty() && !parse_ipv4(options.local_ip.c_str(), s->local_ip)) {
        return fail(
            fmt::format("dpdk transport: local_ip '{}' is not an IPv4 address", options.local_ip));
    }
    if (options.port.empty()) {
        if (rte_eth_dev_count_avail() == 0)
            return fail("dpdk transport: no Ethernet port available");
        s->port_id = 0;
    } else if (rte_eth_dev_get_port_by_name(options.port.c_str(), &s->port_id) != 0) {
        return fail(fmt::format("dpdk transport: no port named '{}'", options.port));
    }
    static std::atomic<int> pool_serial{0};
    const std::string pool_name = fmt::format("exwire_pool_{}", pool_serial++);
    s->pool = rte_pktmbuf_pool_create(pool_name.c_str(), options.mbufs, options.mbuf_cache, 0,
                                      RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
    if (s->pool == nullptr) {
        return fail(fmt::format("dpdk transport: mempool of {} mbufs: {}", options.mbufs,
                                rte_strerror(rte_errno)));
    }
    rte_eth_conf conf{};
    const std::uint16_t port = s->port_id;
    if (int rc = rte_eth_dev_configure(port, 1, 1, &conf); rc != 0) {
        return fail(fmt::format("dpdk transport: configure port {}: {}", port, rte_strerror(-rc)));
    }
    std::uint16_t rxd = options.rx_descriptors;
    std::uint16_t txd = options.tx_descriptors;
    (void)rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
    const int socket = rte_eth_dev_socket_id(port);
    const unsigned socket_id = socket < 0 ? 0u : static_cast<unsigned>(socket);
    if (int rc = rte_eth_rx_queue_setup(port, 0, rxd, socket_id, nullptr, s->pool); rc != 0) {
        return fail(fmt::format("dpdk transport: rx queue: {}", rte_strerror(-rc)));
    }
    if (int rc = rte_eth_tx_queue_setup(port, 0, txd, socket_id, nullptr); rc != 0) {
        return fail(fmt::format("dpdk transport: tx queue: {}", rte_strerror(-rc)));
    }
    if (int rc = rte_eth_dev_start(port); rc != 0) {
        return fail(fmt::format("dpdk transport: start port {}: {}", port, rte_strerror(-rc)));
    }
    s->port_started = true;
    (void)rte_eth_promiscuous_enable(port);  // multicast groups without filter programming
    if (options.local_mac) {
        s->local_mac = *options.local_mac;
    } else {
        rte_ether_addr a{};
        (void)rte_eth_macaddr_get(port, &a);
        std::memcpy(s->local_mac.data(), a.addr_bytes, 6);
    }
    s->tx.reserve(options.burst * 4);
    dpdk_transport t(std::move(s));
    return t;
}

result<connection_id> dpdk_transport::listen(const endpoint&) {
    return fail("dpdk transport: TCP over DPDK is out of scope (use the io_uring transport)");
}

result<connection_id> dpdk_transport::connect(const endpoint&, std::int64_t) {
    return fail("dpdk transport: TCP over DPDK is out of scope (use the io_uring transport)");
}

result<connection_id> dpdk_transport::open_udp(const udp_options& options) {
    subscription sub;
    sub.open = true;
    const std::string& match = options.group.empty() ? options.local.address : options.group;
    if (!match.empty() && !parse_ipv4(match.c_str(), sub.match_ip)) {
        return fail(fmt::format("dpdk transport: '{}' is not an IPv4 address", match));
    }
    if (match == "0.0.0.0") sub.match_ip = 0;
    sub.match_port = options.local.port;
    if (options.remote.port != 0) {
        if (!parse_ipv4(options.remote.address.c_str(), sub.remote_ip)) {
            return fail(fmt::format("dpdk transport: remote '{}' is not an IPv4 address",
                                    options.remote.address));
        }
        sub.remote_port = options.remote.port;
        if ((sub.remote_ip >> 28) == 0xE) {
            // RFC 1112: 01:00:5e followed by the low 23 bits of the group.
            sub.remote_mac = {0x01,
                              0x00,
                              0x5e,
                              static_cast<std::uint8_t>((sub.remote_ip >> 16) & 0x7F),
                              static_cast<std::uint8_t>(sub.remote_ip >> 8),
                              static_cast<std::uint8_t>(sub.remote_ip)};
        } else {
            sub.remote_mac = state_->options.gateway_mac;
        }
    }
    auto& subs = state_->subs;
    std::size_t i = 0;
    while (i < subs.size() && subs[i].open)
        ++i;
    if (i == subs.size()) {
        subs.push_back(sub);
        batch_.generations.push_back(0);
    } else {
        subs[i] = sub;
    }
    batch_.items.reserve(max_burst);
    return make_connection_id(static_cast<std::uint32_t>(i), batch_.generations[i]);
}

void dpdk_transport::close(connection_id id) noexcept {
    if (!batch_.current(id)) return;
    state_->subs[slot_of(id)].open = false;
    ++batch_.generations[slot_of(id)];
}

std::size_t dpdk_transport::queued(connection_id) const noexcept {
    return state_->tx.size();
}

std::uint16_t dpdk_transport::local_port(connection_id id) const noexcept {
    return batch_.current(id) ? state_->subs[slot_of(id)].match_port : 0;
}

dpdk_transport::counters dpdk_transport::stats() const noexcept {
    return state_->stats;
}
mac_address dpdk_transport::mac() const noexcept {
    return state_->local_mac;
}

send_result dpdk_transport::send(connection_id id, bytes data) noexcept {
    if (!batch_.current(id)) return {send_status::closed, 0};
    state& st = *state_;
    const subscription& sub = st.subs[slot_of(id)];
    if (sub.remote_port == 0) return {send_status::error, 0};  // receive-only endpoint
    if (st.tx.size() == st.tx.capacity()) {
        (void)flush();
        if (st.tx.size() == st.tx.capacity()) return {send_status::would_block, 0};
    }
    const std::size_t size = udp_frame_overhead(st.options.vlan != 0) + data.size();
    rte_mbuf* m = rte_pktmbuf_alloc(st.pool);
    if (m == nullptr) return {send_status::would_block, 0};
    char* room =
        rte_pktmbuf_append(m, static_cast<std::uint16_t>(std::min<std::size_t>(size, 0xFFFF)));
    udp_frame_header h;
    h.dst_mac = sub.remote_mac;
    h.src_mac = st.local_mac;
    h.vlan = st.options.vlan;
    h.src_ip = st.local_ip;
    h.dst_ip = sub.remote_ip;
    h.src_port = sub.match_port;
    h.dst_port = sub.remote_port;
    if (room == nullptr ||
        build_udp_frame({reinterpret_cast<std::byte*>(room), size}, h, data) != size) {
        rte_pktmbuf_free(m);
        return {send_status::error, 0};  // larger than one mbuf: not a market-data request
    }
    st.tx.push_back(m);
    return {send_status::ok, data.size()};
}

int dpdk_transport::flush() noexcept {
    state& st = *state_;
    if (st.tx.empty()) return 0;
    const std::uint16_t sent =
        rte_eth_tx_burst(st.port_id, 0, st.tx.data(), static_cast<std::uint16_t>(st.tx.size()));
    st.stats.tx_packets += sent;
    st.tx.erase(st.tx.begin(), st.tx.begin() + sent);
    return sent > 0 ? 1 : 0;
}

int dpdk_transport::reap() noexcept {
    state& st = *state_;
    auto& items = batch_.items;
    items.clear();
    st.rx_count =
        rte_eth_rx_burst(st.port_id, 0, st.rx, static_cast<std::uint16_t>(st.options.burst));
    st.stats.rx_packets += st.rx_count;
    udp_frame frame;
    for (std::uint16_t k = 0; k < st.rx_count; ++k) {
        rte_mbuf* m = st.rx[k];
        if (m->nb_segs != 1) {
            ++st.stats.rx_malformed;
            continue;
        }
        const bytes raw{rte_pktmbuf_mtod(m, const std::byte*), rte_pktmbuf_data_len(m)};
        const frame_status fs = parse_udp_frame(raw, st.options.validate_checksums, frame);
        if (fs != frame_status::ok) {
            if (fs == frame_status::not_ipv4 || fs == frame_status::not_udp ||
                fs == frame_status::fragmented) {
                ++st.stats.rx_not_udp;
            } else {
                ++st.stats.rx_malformed;
            }
            continue;
        }
        bool matched = false;
        for (std::size_t i = 0; i < st.subs.size(); ++i) {
            const subscription& sub = st.subs[i];
            if (!sub.open || sub.match_port != frame.dst_port ||
                (sub.match_ip != 0 && sub.match_ip != frame.dst_ip)) {
                continue;
            }
            const auto id =
                make_connection_id(static_cast<std::uint32_t>(i), batch_.generations[i]);
            items.push_back(
                {{id, event_kind::connected, 0, invalid_connection}, frame.payload, true});
            matched = true;
        }
        if (matched) {
            ++st.stats.rx_delivered;
        } else {
            ++st.stats.rx_unmatched;
        }
    }
    return st.rx_count;
}

int dpdk_transport::end_poll() noexcept {
    state& st = *state_;
    if (st.rx_count > 0) {
        rte_pktmbuf_free_bulk(st.rx, st.rx_count);
        st.rx_count = 0;
    }
    return flush();
}

}  // namespace exwire::transport
