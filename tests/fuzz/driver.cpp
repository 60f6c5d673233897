// Runs a fuzz target without libFuzzer: every file of the corpus folders given as arguments,
// then `--iterations=N` deterministic random mutations of them (seeded, so a failure
// reproduces). A crash or sanitizer report fails the test like a libFuzzer finding would.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
    std::vector<std::vector<std::uint8_t>> corpus;
    long iterations = 10000;
    std::uint64_t seed = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind("--iterations=", 0) == 0) {
            iterations = std::stol(arg.substr(13));
        } else if (arg.rfind("--seed=", 0) == 0) {
            seed = std::stoull(arg.substr(7));
        } else {
            std::error_code ec;
            const std::filesystem::path p(arg);
            auto add = [&](const std::filesystem::path& f) {
                std::ifstream in(f, std::ios::binary);
                corpus.emplace_back(std::istreambuf_iterator<char>(in),
                                    std::istreambuf_iterator<char>());
            };
            if (std::filesystem::is_directory(p, ec)) {
                for (const auto& e : std::filesystem::recursive_directory_iterator(p))
                    if (e.is_regular_file()) add(e.path());
            } else if (std::filesystem::is_regular_file(p, ec)) {
                add(p);
            }
        }
    }
    for (const auto& c : corpus)
        LLVMFuzzerTestOneInput(c.data(), c.size());
    if (corpus.empty()) corpus.emplace_back();

    std::mt19937_64 rng(seed);
    std::vector<std::uint8_t> buf;
    for (long i = 0; i < iterations; ++i) {
        buf = corpus[rng() % corpus.size()];
        const int edits = 1 + static_cast<int>(rng() % 8);
        for (int e = 0; e < edits; ++e) {
            switch (rng() % 5) {
                case 0:  // flip a byte
                    if (!buf.empty())
                        buf[rng() % buf.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
                    break;
                case 1:  // random byte
                    if (!buf.empty()) buf[rng() % buf.size()] = static_cast<std::uint8_t>(rng());
                    break;
                case 2:  // truncate
                    if (!buf.empty()) buf.resize(rng() % buf.size());
                    break;
                case 3:  // insert
                    buf.insert(
                        buf.begin() + static_cast<long>(buf.empty() ? 0 : rng() % (buf.size() + 1)),
                        static_cast<std::uint8_t>(rng()));
                    break;
                default:  // duplicate a slice
                    if (buf.size() > 1) {
                        const std::size_t a = rng() % buf.size(), n = 1 + rng() % (buf.size() - a);
                        std::vector<std::uint8_t> slice(buf.begin() + static_cast<long>(a),
                                                        buf.begin() + static_cast<long>(a + n));
                        buf.insert(buf.end(), slice.begin(), slice.end());
                    }
                    break;
            }
        }
        LLVMFuzzerTestOneInput(buf.data(), buf.size());
    }
    std::printf("fuzz driver: %zu corpus inputs, %ld mutations, seed %llu: no crash\n",
                corpus.size(), iterations, static_cast<unsigned long long>(seed));
    return 0;
}
