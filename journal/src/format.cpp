#include <exwire/journal/crc32c.hpp>
#include <exwire/journal/format.hpp>

#include <fmt/format.h>

namespace exwire::journal {

std::string segment_file_name(std::uint64_t index) {
    return fmt::format("{:020}.seg", index);
}

bool parse_segment_file_name(std::string_view name, std::uint64_t& index) noexcept {
    if (name.size() != 24 || name.substr(20) != ".seg") return false;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 20; ++i) {
        const char c = name[i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    index = v;
    return true;
}

std::string index_file_name(direction d) {
    return d == direction::in ? "index.in" : "index.out";
}

std::uint32_t record_checksum(std::uint32_t length, const std::byte* hdr,
                              std::uint32_t segment_seed) noexcept {
    const std::size_t payload = length - record_header_size;
    // Seeding with the length binds it to the checksum without hashing the word that is
    // published separately.
    // Header fields and payload are contiguous: one pass (the same value as two).
    return crc32c(length ^ segment_seed, {hdr + 8, record_header_size - 8 + payload});
}

}  // namespace exwire::journal
