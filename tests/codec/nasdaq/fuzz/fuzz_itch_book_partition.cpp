// itch_book::apply_framed(bytes, book_partition) on arbitrary input: the books of 1, 2 and
// 3 parts stop at the frame where one book fed everything stops, with the same status,
// consumed bytes and frame count, and their messages add up to its messages; nothing is
// read outside the input (run it under AddressSanitizer to check that).
#include <cstdlib>

#include <exwire/codec/nasdaq/itch_book.hpp>

namespace nq = exwire::codec::nasdaq;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const exwire::bytes in(reinterpret_cast<const std::byte*>(data), size);
    nq::itch_book single(64);
    const auto want = single.apply_framed(in);
    if (want.consumed > in.size() || want.frames != want.messages) std::abort();
    for (std::uint16_t count = 1; count <= 3; ++count) {
        std::size_t messages = 0;
        for (std::uint16_t k = 0; k < count; ++k) {
            nq::itch_book part(64);
            const auto got = part.apply_framed(in, nq::book_partition{count, k});
            if (got.status != want.status || got.consumed != want.consumed ||
                got.frames != want.frames)
                std::abort();
            messages += got.messages;
        }
        if (messages != want.messages) std::abort();
    }
    return 0;
}
