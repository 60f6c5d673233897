#pragma once
// Helpers shared by the FIX codec tests: golden files and '|' <-> SOH conversion.
#include <cstdio>
#include <cstdlib>
#include <string>

namespace fix_test {

inline std::string from_bars(std::string s) {
    for (char& c : s)
        if (c == '|') c = '\x01';
    return s;
}

inline std::string bar(std::string s) {
    for (char& c : s)
        if (c == '\x01') c = '|';
    return s;
}

inline std::string golden_dir() {
    const char* root = std::getenv("EXWIRE_SOURCE_ROOT");
    return std::string(root != nullptr ? root : ".") + "/tests/codec/fix/golden";
}

inline std::string read_golden(const std::string& name) {
    std::string out;
    std::FILE* f = std::fopen((golden_dir() + "/" + name).c_str(), "rb");
    if (f == nullptr) return out;
    char chunk[4096];
    std::size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0)
        out.append(chunk, n);
    std::fclose(f);
    return out;
}

}  // namespace fix_test
