// The hot path allocates nothing: framing, decode, iteration, typed values, dictionary
// validation, generated views and the writer, counted through a replaced operator new.
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <string>

#include "../../support/alloc_counter.hpp"
#include "exwire/codec/fix/dictionary.hpp"
#include "exwire/codec/fix/fix44/market_data_snapshot_full_refresh.hpp"
#include "exwire/codec/fix/reader.hpp"
#include "exwire/codec/fix/values.hpp"
#include "exwire/codec/fix/writer.hpp"
#include "fix_test_util.hpp"

using namespace exwire::codec::fix;

TEST(fix_no_allocation, steady_state_read_validate_and_write_allocate_nothing) {
    const char* dir = std::getenv("EXWIRE_FIX_DICTIONARIES");
    const auto d = dictionary::load(std::string(dir != nullptr ? dir : "") + "/FIX44.xml");
    ASSERT_TRUE(d);
    const std::string md = fix_test::read_golden("md_snapshot_fix44.fix");
    const session_header h("FIX.4.4", "CLIENT12", "EXCH");
    std::array<std::byte, 1024> buf{};
    header_values hv;
    hv.sending_time_ns = 1795289402123456789;

    {  // the counter sees allocations (so the check below can fail)
        const auto a = exwire::test::allocations_everywhere();
        const std::string s(100, 'x');
        EXPECT_EQ(exwire::test::allocations_everywhere() - a, 1u);
    }
    const auto before = exwire::test::allocations_everywhere();
    std::int64_t sink = 0;
    for (std::uint64_t i = 1; i <= 1000; ++i) {
        const frame_result r = decode(md, [&](const field& f) { sink += f.tag; });
        sink += static_cast<std::int64_t>(r.length);
        const message_view m(md);
        for (const field& f : m)
            sink += parse_decimal(f.value).value_or(decimal{}).mantissa;
        sink += d->validate(m).ok() ? 1 : 0;
        const fix44::market_data_snapshot_full_refresh_view v{m};
        for (const auto& e : v.no_md_entries_entries())
            sink += e.md_entry_size().value_or(decimal{}).mantissa;
        writer w(buf);
        hv.seq_num = i;
        w.start(h, "D", hv)
            .add(11, "ORD")
            .add_decimal(44, decimal{41225, -2})
            .add_timestamp(60, hv.sending_time_ns, 9);
        exwire::bytes out;
        sink += w.finish(out) == write_status::ok ? static_cast<std::int64_t>(out.size()) : 0;
    }
    EXPECT_EQ(exwire::test::allocations_everywhere() - before, 0u);
    EXPECT_NE(sink, 0);
}

int main(int argc, char** argv) {
    const char* dir = std::getenv("EXWIRE_FIX_DICTIONARIES");
    if (dir == nullptr || !std::filesystem::exists(std::string(dir) + "/FIX44.xml")) {
        std::fprintf(stderr, "FIX dictionaries absent (EXWIRE_FIX_DICTIONARIES): skipped\n");
        return 77;
    }
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
