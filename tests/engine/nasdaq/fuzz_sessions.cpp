// Fuzz target: arbitrary bytes into the SoupBinTCP client, the SoupBinTCP server connection
// and the MoldUDP64 receiver. The first byte picks the machine and the read size; time
// advances between reads. Invariants checked (abort on violation): the receiver delivers
// consecutive sequence numbers, a SoupBinTCP client's sequenced numbers are consecutive, a
// machine that reported a failure stays quiet.

#include <cstdint>
#include <cstdlib>

#include <exwire/engine/nasdaq/moldudp64_session.hpp>
#include <exwire/engine/nasdaq/soupbintcp_session.hpp>

using namespace exwire::engine::nasdaq;

namespace {

struct client_sink final : soup_client_handler {
    bool send(exwire::bytes) noexcept override { return true; }
    void on_login_accepted(std::string_view, std::uint64_t n) noexcept override { next = n; }
    void on_sequenced(std::uint64_t seq, exwire::bytes) noexcept override {
        if (seq != next) std::abort();
        ++next;
    }
    std::uint64_t next = 0;
};

struct server_sink final : soup_server_handler {
    bool send(exwire::bytes) noexcept override {
        if (failed) std::abort();  // nothing may be sent after the connection ended
        return true;
    }
    void on_failure(soup_close, std::string_view) noexcept override {
        if (failed) std::abort();  // reported once
        failed = true;
    }
    bool failed = false;
};

struct receiver_sink final : mold_receiver_handler {
    void on_message(std::uint64_t seq, exwire::bytes) noexcept override {
        if (last != 0 && seq != last + 1) std::abort();
        last = seq;
    }
    bool send_request(exwire::bytes r) noexcept override { return r.size() == 20; }
    std::uint64_t last = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const unsigned mode = data[0] % 3;
    const std::size_t chunk = 1 + (data[0] >> 2);
    exwire::bytes in(reinterpret_cast<const std::byte*>(data + 1), size - 1);
    std::int64_t now = 0;
    if (mode == 0) {
        client_sink h;
        soup_client c({"u", "p", "", 1, {}}, h);
        c.on_connected(now);
        while (!in.empty()) {
            const std::size_t n = in.size() < chunk ? in.size() : chunk;
            c.on_bytes(in.first(n), now);
            in = in.subspan(n);
            now += 100'000'000;
            (void)c.on_tick(now);
        }
    } else if (mode == 1) {
        memory_store store;
        for (int i = 0; i < 5; ++i)
            (void)store.append(store.next_sequence(), exwire::to_bytes("m"));
        static_authenticator auth("", "");
        soup_server_options opts;
        server_sink h;
        soup_server_connection c(opts, store, auth, h);
        c.on_connected(now);
        while (!in.empty()) {
            const std::size_t n = in.size() < chunk ? in.size() : chunk;
            c.on_bytes(in.first(n), now);
            in = in.subspan(n);
            now += 100'000'000;
            (void)c.on_tick(now);
        }
    } else {
        receiver_sink h;
        mold_receiver_options o;
        o.window = 64;
        o.first_expected = 0;
        mold_receiver r(o, h);
        // Datagrams: a length byte, then that many bytes.
        while (!in.empty()) {
            const std::size_t n = static_cast<std::uint8_t>(in[0]);
            in = in.subspan(1);
            const std::size_t take = in.size() < n ? in.size() : n;
            (void)r.on_packet(in.first(take), now);
            in = in.subspan(take);
            now += 10'000'000;
            (void)r.on_tick(now);
        }
    }
    return 0;
}
