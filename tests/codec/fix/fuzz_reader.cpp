// Fuzz target: FIX framing, field iteration, typed getters and FIX 4.4 dictionary validation
// over arbitrary bytes. Any crash, sanitizer report or broken invariant aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "exwire/codec/fix/reader.hpp"
#include "exwire/codec/fix/values.hpp"
#ifdef EXWIRE_FUZZ_DICTIONARY
#include "exwire/codec/fix/dictionary.hpp"
#endif

using namespace exwire::codec::fix;

namespace {

#ifdef EXWIRE_FUZZ_DICTIONARY
const dictionary* fix44() {
    static const std::unique_ptr<dictionary> d = [] {
        const char* dir = std::getenv("EXWIRE_FIX_DICTIONARIES");
        if (dir == nullptr) return std::unique_ptr<dictionary>();
        auto r = dictionary::load(std::string(dir) + "/FIX44.xml");
        return r ? std::make_unique<dictionary>(std::move(*r)) : std::unique_ptr<dictionary>();
    }();
    return d.get();
}
#endif

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // Exactly `size` bytes on the heap so a read past the end is caught by ASan.
    const std::unique_ptr<char[]> copy(new char[size == 0 ? 1 : size]);
    for (std::size_t i = 0; i < size; ++i)
        copy[i] = static_cast<char>(data[i]);
    std::string_view buf(copy.get(), size);
    for (int guard = 0; guard < 10000 && !buf.empty(); ++guard) {
        const frame_result r = check_frame(buf);
        if (r.status == frame_status::need_more) break;
        check(r.length > 0 && r.length <= buf.size());
        if (r.status == frame_status::complete) {
            const std::string_view frame = buf.substr(0, r.length);
            const message_view m(frame);
            std::size_t fields = 0;
            for (const field& f : m) {
                check(f.tag > 0 && !f.value.empty());
                check(f.value.data() >= frame.data() &&
                      f.value.data() + f.value.size() <= frame.data() + frame.size());
                (void)parse_decimal(f.value);
                (void)parse_utc_timestamp(f.value);
                (void)parse_month_year(f.value);
                (void)parse_int(f.value);
                ++fields;
            }
            check(fields >= 4);  // 8, 9, 35 and 10 at least
            check(m.find(10) != m.end());
#ifdef EXWIRE_FUZZ_DICTIONARY
            if (const dictionary* d = fix44()) (void)d->validate(m);
#endif
        }
        buf.remove_prefix(r.length);
    }
    return 0;
}
