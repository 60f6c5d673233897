// SoupBinTCP stream framer: the input is split into reads whose sizes come from its first
// bytes; every packet must lie inside the bytes given, and decode_packet must agree.
#include <exwire/codec/nasdaq/soupbintcp.hpp>

#include <cstdlib>

namespace nq = exwire::codec::nasdaq;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::size_t step = 1 + data[0] % 64;
    const exwire::bytes in(reinterpret_cast<const std::byte*>(data + 1), size - 1);
    nq::soupbintcp::stream_framer f;
    std::size_t delivered = 0;
    for (std::size_t pos = 0; pos < in.size(); pos += step) {
        const auto chunk = in.subspan(pos, std::min(step, in.size() - pos));
        const auto s = f.feed(chunk, [&](const nq::soupbintcp::packet& p) {
            if (p.status != nq::frame_status::complete || p.size != 2 + p.message.size())
                std::abort();
            delivered += p.size;
        });
        if (s == nq::frame_status::malformed) return 0;
    }
    if (delivered + f.buffered() != in.size()) std::abort();
    // the one-shot decoder over the same bytes
    std::size_t pos = 0;
    while (pos < in.size()) {
        const auto p = nq::soupbintcp::decode_packet(in.subspan(pos));
        if (p.status != nq::frame_status::complete) break;
        pos += p.size;
    }
    return 0;
}
