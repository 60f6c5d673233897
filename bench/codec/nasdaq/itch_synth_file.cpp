// Writes the benchmarks' synthetic ITCH 5.0 stream (itch_synth.hpp) to a file in Nasdaq's
// file layout, for measuring `exwire itch stats` and friends on it:
//   itch_synth_file MESSAGES OUT.itch
#include <cstdio>
#include <cstdlib>

#include "itch_synth.hpp"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s MESSAGES OUT.itch\n", argv[0]);
        return 2;
    }
    const auto s = itch_synth::generate(std::strtoull(argv[1], nullptr, 10));
    std::FILE* f = std::fopen(argv[2], "wb");
    if (!f || std::fwrite(s.bytes.data(), 1, s.bytes.size(), f) != s.bytes.size() ||
        std::fclose(f) != 0) {
        std::perror(argv[2]);
        return 1;
    }
    std::printf("%zu messages, %zu bytes\n", s.messages, s.bytes.size());
    return 0;
}
