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
#include "reference_decode.hpp"
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

struct walk {
    frame_result result{};
    std::size_t fields = 0;
    std::uint64_t digest = 0;  // order-sensitive over tags and value positions and sizes
    void add(const field& f, std::string_view buf) {
        ++fields;
        digest = digest * 1000003u + static_cast<std::uint64_t>(f.tag);
        digest = digest * 1000003u + static_cast<std::uint64_t>(f.value.data() - buf.data());
        digest = digest * 1000003u + f.value.size();
    }
};

template <typename Scanner>
walk fast_walk(std::string_view buf) {
    walk w;
    w.result = detail::decode_with<Scanner>(
        buf, [&](const field& f) noexcept { w.add(f, buf); }, default_max_body_length);
    return w;
}

// The bitmask decode (each scanner) and the byte-by-byte reference walk must agree exactly.
void check_paths_agree(std::string_view buf) {
    walk ref;
    ref.result = fix_test::reference_decode(buf, [&](const field& f) noexcept { ref.add(f, buf); });
    const walk scalar = fast_walk<detail::scalar_scanner>(buf);
    const walk best = fast_walk<detail::best_scanner>(buf);
    for (const walk* w : {&scalar, &best}) {
        check(w->result.status == ref.result.status && w->result.reason == ref.result.reason &&
              w->result.length == ref.result.length);
        check(w->fields == ref.fields && w->digest == ref.digest);
    }
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
        check_paths_agree(buf);
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
