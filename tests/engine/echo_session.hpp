#pragma once
// A loopback protocol session for runtime tests: every message the application sends comes
// back as an inbound message with the next sequence number. No sockets: it exercises the
// runtime (shard loop, rings, handles, dispatch) and nothing else.

#include <cstdint>
#include <memory>

#include <exwire/engine/engine.hpp>
#include <exwire/engine/session.hpp>

namespace exwire_test {

using namespace exwire::engine;

class echo_session final : public session {
  public:
    struct options {
        bool fail_start = false;
        bool emit_login_events = true;
    };
    echo_session() = default;
    explicit echo_session(options o) : options_(o) {}

    exwire::result<void> on_start(session_context& ctx, std::int64_t now_ns) override {
        if (options_.fail_start) return exwire::fail("cannot bind 127.0.0.1:1: permission denied");
        ctx_ = &ctx;
        if (options_.emit_login_events) {
            (void)ctx.emit(record_type::connected, now_ns);
            (void)ctx.emit(record_type::logged_in, now_ns, 1);
        }
        ctx.set_active(true);
        return {};
    }

    int do_work(std::int64_t now_ns) noexcept override {
        int work = 0;
        exwire::byte_ring_consumer& out = ctx_->outbound();
        // peek/release rather than read(): a message stays queued when the inbound ring
        // is full, so nothing is lost when the application stops reading for a while.
        for (int i = 0; i < 64; ++i) {
            const exwire::ring_record r = out.peek();
            if (!r.valid()) break;
            if (ctx_->deliver(r.payload, next_sequence_, now_ns) != exwire::ring_status::ok) break;
            ctx_->counters().add(counter::frames_in);
            ctx_->counters().add(counter::bytes_in, r.payload.size());
            ctx_->counters().add(counter::frames_out);
            ctx_->counters().add(counter::bytes_out, r.payload.size());
            ++next_sequence_;
            out.release();
            ++work;
        }
        return work;
    }

    void on_stop(close_reason reason, std::int64_t) noexcept override {
        stopped_with_ = reason;
        ++stops_;
    }

    close_reason stopped_with_{};
    int stops_ = 0;

  private:
    options options_;
    session_context* ctx_ = nullptr;
    std::uint64_t next_sequence_ = 1;
};

inline protocol_registry echo_registry(echo_session::options o = {}) {
    protocol_registry r;
    r.add(protocol_kind::soupbintcp, [o](const session_config&, const shard_config&) {
        return exwire::result<std::unique_ptr<session>>(std::make_unique<echo_session>(o));
    });
    return r;
}

/// One shard with a backoff idle strategy that sleeps quickly (never a busy spin in tests).
inline engine_config echo_config(int sessions = 1, std::size_t inbound_ring = 1u << 16) {
    engine_config c;
    c.name = "echo";
    shard_config sh;
    sh.name = "s0";
    sh.idle = "backoff:spins=10,yields=5,min=10us,max=200us";
    c.shards.push_back(sh);
    for (int i = 0; i < sessions; ++i) {
        session_config s;
        s.name = "echo" + std::to_string(i);
        s.role = session_role::client;
        s.connect = *parse_endpoint("127.0.0.1:15000");
        s.inbound_ring_size = inbound_ring;
        s.outbound_ring_size = 1u << 16;
        c.sessions.push_back(s);
    }
    return c;
}

}  // namespace exwire_test
