#pragma once
// Item counts for stress tests: the default, unless EXWIRE_STRESS_ITEMS overrides it (the
// slow suite and .ci/run use 50 million; ThreadSanitizer runs use fewer).
#include <cstdint>
#include <cstdlib>
#include <string>

namespace exwire_test {

inline std::uint64_t stress_count(std::uint64_t fallback) {
    if (const char* s = std::getenv("EXWIRE_STRESS_ITEMS"); s != nullptr && *s != '\0')
        return std::stoull(s);
    return fallback;
}

}  // namespace exwire_test
