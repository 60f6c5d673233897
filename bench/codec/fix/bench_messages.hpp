#pragma once
// The NewOrderSingle the FIX encode and decode benchmarks write, in one place so that the
// writer's tests can pin its bytes (tests/codec/fix/writer_test.cpp).
#include <cstdint>

#include "exwire/codec/fix/values.hpp"
#include "exwire/codec/fix/writer.hpp"

namespace fix_bench_messages {

using namespace exwire::codec::fix;

// 2026-11-21 19:30:02.123456 UTC
inline constexpr std::int64_t t0 = (20778LL * 86400 + 70202) * 1000000000LL + 123456000;

inline const session_header& session() {
    static const session_header h("FIX.4.4", "CLIENT12", "EXCH", {{50, "DESK7"}, {57, "ROUTER"}});
    return h;
}

inline header_values header(std::uint64_t seq) {
    header_values hv;
    hv.seq_num = seq;
    hv.sending_time_ns = t0;
    hv.time_digits = 3;
    return hv;
}

// The encode benchmarks' work: a NewOrderSingle with the session header; SendingTime and
// TransactTime are `now`.
inline write_status write_new_order(writer& w, std::uint64_t seq, exwire::bytes& out,
                                    std::int64_t now = t0) noexcept {
    header_values hv = header(seq);
    hv.sending_time_ns = now;
    w.start(session(), "D", hv)
        .add(1, "ACC-7")
        .add(11, "ORD-10001")
        .add_uint(38, 5000)
        .add_char(40, '2')
        .add_decimal(44, decimal{41225, -2})
        .add_char(54, '1')
        .add(55, "MSFT")
        .add_char(59, '0')
        .add_timestamp(60, now, 3)
        .add(58, "exwire benchmark order");
    return w.finish(out);
}

}  // namespace fix_bench_messages
