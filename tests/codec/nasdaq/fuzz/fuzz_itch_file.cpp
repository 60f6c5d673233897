// ITCH file framer (both prefix modes) over the input, and the gzip reader over it.
#include <exwire/codec/nasdaq/gzip_reader.hpp>
#include <exwire/codec/nasdaq/itch_file.hpp>

#include <array>
#include <cstdlib>

namespace nq = exwire::codec::nasdaq;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const exwire::bytes in(reinterpret_cast<const std::byte*>(data), size);
    for (bool zero : {false, true}) {
        std::size_t pos = 0;
        while (pos < in.size()) {
            const auto f = nq::itch_file::next_frame(in.subspan(pos), {.allow_zero_prefix = zero});
            if (f.status != nq::frame_status::complete) break;
            if (f.size < 2 || pos + f.size > in.size()) std::abort();
            pos += f.size;
        }
    }
    nq::gzip_reader gz;
    std::array<std::byte, 4096> out{};
    std::size_t pos = 0;
    for (int i = 0; i < 64 && pos < in.size() && !gz.finished(); ++i) {
        std::size_t used = 0;
        auto r = gz.inflate(in.subspan(pos), out, used);
        if (!r.ok()) break;
        if (used == 0 && *r == 0) break;
        pos += used;
    }
    return 0;
}
