// MoldUDP64 packet decode and block iteration; a request decode on the same bytes.
#include <exwire/codec/nasdaq/moldudp64.hpp>

#include <cstdlib>

namespace nq = exwire::codec::nasdaq;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const exwire::bytes in(reinterpret_cast<const std::byte*>(data), size);
    nq::moldudp64::packet p;
    if (nq::moldudp64::packet::decode(in, p) == nq::frame_status::complete) {
        std::size_t total = 20, n = 0;
        for (const auto b : p) {
            if (b.message.data() < in.data() ||
                b.message.data() + b.message.size() > in.data() + in.size())
                std::abort();
            total += 2 + b.message.size();
            ++n;
        }
        if (p.kind() == nq::moldudp64::packet_kind::data && (n != p.count() || total != in.size()))
            std::abort();
    }
    nq::moldudp64::request r;
    (void)nq::moldudp64::decode_request(in, r);
    return 0;
}
