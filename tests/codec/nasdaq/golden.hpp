#pragma once
// Test helpers: hex strings to bytes ("41 00 01" or "410001"; spaces and '|' ignored).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <exwire/core/bytes.hpp>

namespace exwire_test {

inline std::vector<std::byte> hex(std::string_view s) {
    std::vector<std::byte> out;
    int hi = -1;
    for (char c : s) {
        int v = -1;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            out.push_back(static_cast<std::byte>(hi * 16 + v));
            hi = -1;
        }
    }
    return out;
}

/// ASCII text as hex-free bytes appended: ascii("CVLT    ").
inline std::string ascii_hex(std::string_view s) {
    static const char* d = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
        out += d[c >> 4];
        out += d[c & 15];
        out += ' ';
    }
    return out;
}

inline std::string to_hex(exwire::bytes b) {
    static const char* d = "0123456789abcdef";
    std::string out;
    for (auto x : b) {
        out += d[static_cast<unsigned>(x) >> 4];
        out += d[static_cast<unsigned>(x) & 15];
    }
    return out;
}

}  // namespace exwire_test
