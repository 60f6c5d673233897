// The simulator's configuration: the embedded default and validation messages.
#include <gtest/gtest.h>

#include "sim_test_support.hpp"

namespace exwire::sim::testing {
namespace {

TEST(sim_config, embedded_default_is_valid_and_loads_uncrossed_books) {
    const sim_config& c = default_config();
    ASSERT_TRUE(validate(c).ok()) << validate(c).err().message;
    ASSERT_GE(c.symbols.size(), 3U);
    std::size_t adds = 0;
    std::size_t trades = 0;
    auto count = [&](const event& e) {
        adds += std::holds_alternative<book_add>(e);
        trades += std::holds_alternative<trade>(e);
    };
    auto e = matching_engine::create(c, count);
    ASSERT_TRUE(e.ok());
    e->load_starting_books();
    EXPECT_EQ(trades, 0U);
    EXPECT_EQ(adds, e->live_orders());
    for (symbol_id s = 0; s < e->symbol_count(); ++s) {
        ASSERT_TRUE(e->best(s, side::buy).has_value());
        ASSERT_TRUE(e->best(s, side::sell).has_value());
        EXPECT_EQ(e->best(s, side::sell)->px - e->best(s, side::buy)->px, c.symbols[s].tick);
        EXPECT_EQ(e->find_symbol(stock::from(c.symbols[s].name)), s);
    }
}

TEST(sim_config, band_edges_are_rounded_inwards_to_the_tick) {
    symbol_config s;
    s.name = "X";
    s.tick = 100;
    s.reference_price = 123'400;  // $12.34, 10% band: $11.106 .. $13.574
    s.band_bp = 1000;
    EXPECT_EQ(s.min_price(), 111'100);
    EXPECT_EQ(s.max_price(), 135'700);
}

sim_config with(void (*change)(sim_config&)) {
    sim_config c = small_config();
    change(c);
    return c;
}

std::string problem(const sim_config& c) {
    auto v = validate(c);
    return v.ok() ? std::string("ok") : v.err().message;
}

TEST(sim_config, validation_names_the_symbol_and_the_problem) {
    EXPECT_EQ(problem(small_config()), "ok");
    EXPECT_NE(problem(with([](sim_config& c) { c.symbols.clear(); })).find("no symbols"),
              std::string::npos);
    EXPECT_NE(
        problem(with([](sim_config& c) { c.symbols[0].name = "TOOLONGNAME"; })).find("1 to 8"),
        std::string::npos);
    EXPECT_NE(problem(with([](sim_config& c) { c.symbols[0].name = "A B"; })).find("printable"),
              std::string::npos);
    EXPECT_NE(problem(with([](sim_config& c) { c.symbols[0].tick = 0; })).find("'AAA': tick"),
              std::string::npos);
    EXPECT_NE(
        problem(with([](sim_config& c) { c.symbols[1].reference_price = 100'050; })).find("'BBB'"),
        std::string::npos);
    EXPECT_NE(problem(with([](sim_config& c) {
                  c.symbols[0].bids.push_back({100'100, 100, 1});
                  c.symbols[0].asks.push_back({100'000, 100, 1});
              })).find("crossed"),
              std::string::npos);
    EXPECT_NE(problem(with([](sim_config& c) {
                  c.symbols[0].bids.push_back({50'000, 100, 1});
              })).find("band"),
              std::string::npos);
    EXPECT_NE(
        problem(with([](sim_config& c) { c.flow.client = c.house_client; })).find("house_client"),
        std::string::npos);
}

}  // namespace
}  // namespace exwire::sim::testing
