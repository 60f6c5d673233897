// visit_framed() and visit_framed_grouped() against a plain loop of itch50::visit() over the
// same length-prefixed frames: the same messages with the same field values, the same stop
// frame and status on cut or garbage input; the grouped order inside each batch.
#include <exwire/codec/nasdaq/itch50_framed.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace nq = exwire::codec::nasdaq;
namespace itch = exwire::codec::nasdaq::itch50;

namespace {

// One visited message: where it starts (offset of its type byte), and every field of its
// view, rendered by for_each_field.
struct seen {
    std::size_t at = 0;
    std::uint8_t type = 0;
    std::string fields;
    bool unknown = false;  // on_unknown() rather than a view
    bool operator==(const seen&) const = default;
};

void PrintTo(const seen& s, std::ostream* os) {
    *os << "{at " << s.at << ", type '" << static_cast<char>(s.type) << "'"
        << (s.unknown ? ", unknown" : "") << ", " << s.fields << "}";
}

struct field_text {
    std::string& out;
    template <typename T>
    void operator()(std::string_view name, const T& v) const {
        out += name;
        out += '=';
        if constexpr (std::is_same_v<T, char>) {
            out += v;
        } else if constexpr (std::is_integral_v<T>) {
            out += std::to_string(v);
        } else if constexpr (std::is_same_v<T, std::string_view>) {
            out += '"';
            out += v;
            out += '"';
        } else {
            static_assert(!sizeof(T), "an ITCH field type this test does not render");
        }
        out += ';';
    }
};

// Records every message it is shown, with its offset in `base`.
struct recorder {
    const std::byte* base;
    std::vector<seen>* out;
    template <typename V>
    void operator()(V v) const {
        seen s;
        s.at = static_cast<std::size_t>(v.data().data() - base);
        s.type = V::message_type::type;
        v.for_each_field(field_text{s.fields});
        if (v.data().size() != V::message_type::min_size) s.fields += "bad size";
        out->push_back(std::move(s));
    }
    void on_unknown(exwire::bytes m) const {
        seen s;
        s.at = static_cast<std::size_t>(m.data() - base);
        s.type = m.empty() ? 0 : static_cast<std::uint8_t>(m[0]);
        s.unknown = true;
        out->push_back(std::move(s));
    }
};

// Independent reference: one itch50::visit() per frame, stream order.
itch::framed_result reference(exwire::bytes in, std::vector<seen>& out) {
    itch::framed_result r;
    std::size_t pos = 0;
    while (pos < in.size()) {
        if (in.size() - pos < 2) {
            r.status = nq::visit_status::truncated;
            break;
        }
        const std::size_t len =
            (static_cast<std::size_t>(in[pos]) << 8) | static_cast<std::size_t>(in[pos + 1]);
        if (pos + 2 + len > in.size()) {
            r.status = nq::visit_status::truncated;
            break;
        }
        const auto s = itch::visit(in.subspan(pos + 2, len), recorder{in.data(), &out});
        if (s != nq::visit_status::ok) {
            r.status = s;
            break;
        }
        pos += 2 + len;
        ++r.messages;
    }
    r.consumed = pos;
    return r;
}

// A stream of n messages of every ITCH type (random lengths of runs of one type, random
// field bytes: views read whatever bytes are there), each with its 2-byte prefix.
std::vector<std::byte> stream_of_every_type(std::size_t n, std::uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<std::byte> out;
    std::size_t type_index = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (rng() % 3 != 0) type_index = rng() % std::size(itch::messages);
        const auto& m = itch::messages[type_index];
        out.push_back(static_cast<std::byte>(m.min_size >> 8));
        out.push_back(static_cast<std::byte>(m.min_size & 0xff));
        out.push_back(static_cast<std::byte>(m.type));
        for (std::size_t k = 1; k < m.min_size; ++k) {
            // mostly printable text and spaces (symbols, flags), some anything
            const std::uint32_t r = rng();
            out.push_back(static_cast<std::byte>(r % 4 == 0   ? ' '
                                                 : r % 4 == 1 ? 'A' + (r >> 8) % 26
                                                              : (r >> 8) & 0xff));
        }
    }
    return out;
}

struct run {
    itch::framed_result r;
    std::vector<seen> seen_in_order;
};

template <std::size_t Batch = itch::grouped_batch>
run grouped(exwire::bytes in) {
    run x;
    x.r = itch::visit_framed_grouped<Batch>(in, recorder{in.data(), &x.seen_in_order});
    return x;
}

std::vector<seen> by_offset(std::vector<seen> v) {
    std::stable_sort(v.begin(), v.end(), [](const seen& a, const seen& b) { return a.at < b.at; });
    return v;
}

void expect_same(const itch::framed_result& a, const itch::framed_result& b) {
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.consumed, b.consumed);
    EXPECT_EQ(a.messages, b.messages);
}

// Index of a type in messages[] (the grouped order).
std::size_t slot_of(std::uint8_t type) {
    for (std::size_t i = 0; i < std::size(itch::messages); ++i)
        if (itch::messages[i].type == type) return i;
    return std::size(itch::messages);
}

// The grouped visit (default batch, and small batches, so that a short input has many batch
// ends, with bad frames at every place in a batch) and the in-order one against the
// reference.
void expect_like_reference(exwire::bytes in, const char* what, std::size_t i) {
    std::vector<seen> want;
    const auto ref = reference(in, want);
    auto check = [&](const run& g, std::size_t batch) {
        expect_same(g.r, ref);
        ASSERT_EQ(by_offset(g.seen_in_order), want) << what << " " << i << ", batch " << batch;
    };
    check(grouped(in), itch::grouped_batch);
    check(grouped<7>(in), 7);
    check(grouped<1>(in), 1);
    std::vector<seen> in_order;
    expect_same(itch::visit_framed(in, recorder{in.data(), &in_order}), ref);
    ASSERT_EQ(in_order, want) << what << " " << i << ", in order";
}

TEST(itch50_framed, grouped_visits_every_field_of_every_message_exactly_as_visit_does) {
    const auto bytes = stream_of_every_type(20'000, 1);
    const exwire::bytes in(bytes);
    std::vector<seen> want;
    const auto ref = reference(in, want);
    ASSERT_EQ(ref.status, nq::visit_status::ok);
    ASSERT_EQ(ref.messages, 20'000u);
    std::vector<std::uint8_t> types;
    for (const auto& s : want)
        types.push_back(s.type);
    std::sort(types.begin(), types.end());
    types.erase(std::unique(types.begin(), types.end()), types.end());
    ASSERT_EQ(types.size(), std::size(itch::messages)) << "the stream must hold every type";

    const auto g = grouped(in);
    expect_same(g.r, ref);
    EXPECT_EQ(by_offset(g.seen_in_order), want);
    EXPECT_NE(g.seen_in_order, want) << "a shuffled mix is expected to come out grouped";

    std::vector<seen> in_order;
    expect_same(itch::visit_framed(in, recorder{in.data(), &in_order}), ref);
    EXPECT_EQ(in_order, want);
}

template <std::size_t Batch>
void expect_grouped_order() {
    const auto bytes = stream_of_every_type(3 * Batch + 77, 2);
    const exwire::bytes in(bytes);
    std::vector<seen> want;
    (void)reference(in, want);
    const auto g = grouped<Batch>(in);
    ASSERT_EQ(g.seen_in_order.size(), want.size());
    for (std::size_t b = 0; b < want.size(); b += Batch) {
        const std::size_t e = std::min(want.size(), b + Batch);
        // the batch holds exactly the batch's messages of the stream ...
        std::vector<seen> batch(g.seen_in_order.begin() + static_cast<std::ptrdiff_t>(b),
                                g.seen_in_order.begin() + static_cast<std::ptrdiff_t>(e));
        EXPECT_EQ(by_offset(batch),
                  std::vector<seen>(want.begin() + static_cast<std::ptrdiff_t>(b),
                                    want.begin() + static_cast<std::ptrdiff_t>(e)));
        // ... by type in messages[] order, stream order within a type
        for (std::size_t i = b + 1; i < e; ++i) {
            const auto& p = g.seen_in_order[i - 1];
            const auto& q = g.seen_in_order[i];
            const bool ordered =
                slot_of(p.type) < slot_of(q.type) || (p.type == q.type && p.at < q.at);
            EXPECT_TRUE(ordered) << "message " << i;
        }
    }
}

TEST(itch50_framed, grouped_order_is_by_type_within_each_batch_and_stream_order_otherwise) {
    expect_grouped_order<itch::grouped_batch>();
    expect_grouped_order<7>();
}

TEST(itch50_framed, empty_input_is_ok_and_a_lone_byte_is_truncated) {
    std::vector<seen> v;
    auto r = itch::visit_framed_grouped(exwire::bytes{}, recorder{nullptr, &v});
    EXPECT_EQ(r.status, nq::visit_status::ok);
    EXPECT_EQ(r.consumed, 0u);
    const std::byte one[1] = {std::byte{0}};
    r = itch::visit_framed_grouped(exwire::bytes(one, 1), recorder{one, &v});
    EXPECT_EQ(r.status, nq::visit_status::truncated);
    EXPECT_EQ(r.consumed, 0u);
    EXPECT_TRUE(v.empty());
}

TEST(itch50_framed, stops_where_visit_stops_with_the_same_status_on_every_cut) {
    const auto bytes = stream_of_every_type(300, 3);
    // every cut in the first frames, around the end of the first batch and in the last
    // frames, and a sample elsewhere
    std::vector<std::size_t> cuts;
    std::size_t batch_end = 0;
    for (std::size_t i = 0; i < itch::grouped_batch; ++i)
        batch_end += 2 + ((static_cast<std::size_t>(bytes[batch_end]) << 8) |
                          static_cast<std::size_t>(bytes[batch_end + 1]));
    for (std::size_t c = 0; c < 200; ++c) {
        cuts.push_back(c);
        cuts.push_back(batch_end - 100 + c);
        cuts.push_back(bytes.size() - c);
    }
    std::mt19937 rng(3);
    for (int i = 0; i < 300; ++i)
        cuts.push_back(rng() % bytes.size());
    for (const std::size_t cut : cuts)
        expect_like_reference(exwire::bytes(bytes.data(), cut), "cut at", cut);
}

TEST(itch50_framed, stops_where_visit_stops_with_the_same_status_on_garbage) {
    // a short stream (about one default batch) and a long one (many)
    const auto short_clean = stream_of_every_type(300, 4);
    const auto long_clean = stream_of_every_type(4'000, 9);
    std::mt19937 rng(5);
    std::size_t statuses[5] = {};
    for (int trial = 0; trial < 600; ++trial) {
        const auto& clean = trial % 6 == 0 ? long_clean : short_clean;
        auto bytes = clean;
        const int hits = 1 + static_cast<int>(rng() % 3);
        for (int h = 0; h < hits; ++h) {
            const std::size_t at = rng() % bytes.size();
            switch (rng() % 4) {
                case 0:  // any byte
                    bytes[at] = static_cast<std::byte>(rng());
                    break;
                case 1:  // a small change of a byte (a prefix off by a little)
                    bytes[at] = static_cast<std::byte>(static_cast<unsigned>(bytes[at]) + 1);
                    break;
                case 2:  // a zero byte (zero prefixes, type 0)
                    bytes[at] = std::byte{0};
                    break;
                default:  // drop a byte: every later frame shifts
                    bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(at));
                    break;
            }
        }
        const exwire::bytes in(bytes);
        std::vector<seen> want;
        ++statuses[static_cast<int>(reference(in, want).status)];
        expect_like_reference(in, "trial", static_cast<std::size_t>(trial));
        if (HasFatalFailure()) return;
    }
    // the trials reached every way to stop
    EXPECT_GT(statuses[static_cast<int>(nq::visit_status::truncated)], 0u);
    EXPECT_GT(statuses[static_cast<int>(nq::visit_status::oversized)], 0u);
    EXPECT_GT(statuses[static_cast<int>(nq::visit_status::unknown_type)], 0u);
}

TEST(itch50_framed, zero_length_frame_stops_as_truncated_where_it_starts) {
    auto bytes = stream_of_every_type(5, 6);
    const std::size_t at = bytes.size();
    bytes.push_back(std::byte{0});
    bytes.push_back(std::byte{0});
    const auto more = stream_of_every_type(3, 7);
    bytes.insert(bytes.end(), more.begin(), more.end());
    std::vector<seen> v;
    const auto r = itch::visit_framed_grouped(exwire::bytes(bytes), recorder{bytes.data(), &v});
    EXPECT_EQ(r.status, nq::visit_status::truncated);
    EXPECT_EQ(r.consumed, at);
    EXPECT_EQ(r.messages, 5u);
    EXPECT_EQ(v.size(), 5u);
}

// Only the types a visitor accepts are shown to it; on_unknown sees an unknown type.
struct adds_and_deletes {
    std::vector<seen>* out;
    const std::byte* base;
    void operator()(itch::add_order::view v) const { recorder{base, out}(v); }
    void operator()(itch::order_delete::view v) const { recorder{base, out}(v); }
    void on_unknown(exwire::bytes m) const { recorder{base, out}.on_unknown(m); }
};

TEST(itch50_framed, a_visitor_of_some_types_sees_those_as_visit_shows_them) {
    auto bytes = stream_of_every_type(5'000, 8);
    // end with an unknown type ('z', a plausible length)
    const std::size_t at = bytes.size();
    for (int b : {0, 20, int{'z'}})
        bytes.push_back(static_cast<std::byte>(b));
    bytes.resize(bytes.size() + 19, std::byte{'x'});
    const exwire::bytes in(bytes);
    std::vector<seen> want, got;
    std::size_t pos = 0;
    itch::framed_result ref;
    while (pos < in.size()) {
        const std::size_t len =
            (static_cast<std::size_t>(in[pos]) << 8) | static_cast<std::size_t>(in[pos + 1]);
        ref.status = itch::visit(in.subspan(pos + 2, len), adds_and_deletes{&want, in.data()});
        if (ref.status != nq::visit_status::ok) break;
        pos += 2 + len;
        ++ref.messages;
    }
    ref.consumed = pos;
    ASSERT_EQ(ref.status, nq::visit_status::unknown_type);
    ASSERT_EQ(ref.consumed, at);
    ASSERT_TRUE(!want.empty() && want.back().unknown);
    const auto r = itch::visit_framed_grouped(in, adds_and_deletes{&got, in.data()});
    expect_same(r, ref);
    EXPECT_EQ(by_offset(got), want);
    EXPECT_TRUE(got.back().unknown) << "on_unknown comes after the batch before it";
}

}  // namespace
