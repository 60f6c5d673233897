// Journal-backed session stores: round trips, recovery on reopen, refused records.

#include <exwire/engine/journal_store.hpp>
#include <exwire/journal/reader.hpp>

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "../journal/temp_dir.hpp"

namespace {

namespace en = exwire::engine;
namespace jn = exwire::journal;
using exwire::journal::testing::temp_dir;

jn::config small_segments() {
    jn::config c;
    c.segment_size = 64 * 1024;  // forces rolls within a few hundred messages
    return c;
}

std::string message(std::uint64_t i) {
    return "order-" + std::to_string(i) + std::string(i % 97, static_cast<char>('a' + i % 26));
}

TEST(journal_sequenced_store, appends_and_reads_back_across_segments) {
    temp_dir d("exwire-store");
    auto s = en::journal_sequenced_store::open(d.sub("j"), small_segments());
    ASSERT_TRUE(s.ok()) << s.err().message;
    auto& st = **s;
    EXPECT_EQ(st.next_sequence(), 1u);
    for (std::uint64_t i = 1; i <= 2000; ++i)
        ASSERT_EQ(st.append(i, exwire::to_bytes(message(i))),
                  exwire::engine::nasdaq::store_status::ok);
    EXPECT_EQ(st.next_sequence(), 2001u);
    for (std::uint64_t i : {1ull, 2ull, 777ull, 1999ull, 2000ull})
        EXPECT_EQ(exwire::to_string_view(st.read(i)), message(i)) << i;
    EXPECT_EQ(st.read(0).data(), nullptr);
    EXPECT_EQ(st.read(2001).data(), nullptr);
}

TEST(journal_sequenced_store, rejects_a_sequence_that_is_not_next) {
    temp_dir d("exwire-store");
    auto s = en::journal_sequenced_store::open(d.sub("j"), {});
    ASSERT_TRUE(s.ok());
    EXPECT_EQ((*s)->append(2, exwire::to_bytes("x")), en::nasdaq::store_status::out_of_order);
    EXPECT_EQ((*s)->next_sequence(), 1u);
}

TEST(journal_sequenced_store, empty_message_reads_as_held) {
    temp_dir d("exwire-store");
    auto s = en::journal_sequenced_store::open(d.sub("j"), {});
    ASSERT_TRUE(s.ok());
    ASSERT_EQ((*s)->append(1, {}), en::nasdaq::store_status::ok);
    const exwire::bytes b = (*s)->read(1);
    EXPECT_NE(b.data(), nullptr);
    EXPECT_EQ(b.size(), 0u);
}

TEST(journal_sequenced_store, reopen_recovers_next_sequence_and_messages) {
    temp_dir d("exwire-store");
    {
        auto s = en::journal_sequenced_store::open(d.sub("j"), small_segments());
        ASSERT_TRUE(s.ok());
        for (std::uint64_t i = 1; i <= 1234; ++i)
            ASSERT_EQ((*s)->append(i, exwire::to_bytes(message(i))), en::nasdaq::store_status::ok);
    }
    auto s = en::journal_sequenced_store::open(d.sub("j"), small_segments());
    ASSERT_TRUE(s.ok()) << s.err().message;
    EXPECT_EQ((*s)->next_sequence(), 1235u);
    EXPECT_EQ(exwire::to_string_view((*s)->read(1)), message(1));
    EXPECT_EQ(exwire::to_string_view((*s)->read(1234)), message(1234));
    ASSERT_EQ((*s)->append(1235, exwire::to_bytes(message(1235))), en::nasdaq::store_status::ok);
    EXPECT_EQ(exwire::to_string_view((*s)->read(1235)), message(1235));
}

TEST(journal_sequenced_store, inbound_sink_and_outbound_store_are_separate_directions) {
    temp_dir d("exwire-store");
    {
        auto s = en::journal_sequenced_store::open(d.sub("j"), {}, jn::direction::in);
        ASSERT_TRUE(s.ok());
        for (std::uint64_t i = 1; i <= 5; ++i)
            ASSERT_EQ((*s)->append(i, exwire::to_bytes(message(i))), en::nasdaq::store_status::ok);
    }
    {
        auto in = en::journal_sequenced_store::open(d.sub("j"), {}, jn::direction::in);
        ASSERT_TRUE(in.ok());
        EXPECT_EQ((*in)->next_sequence(), 6u);
    }
    auto out = en::journal_sequenced_store::open(d.sub("j"), {}, jn::direction::out);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ((*out)->next_sequence(), 1u);
}

TEST(journal_sequenced_store, refused_record_fails_and_keeps_the_sequence) {
    temp_dir d("exwire-store");
    auto s = en::journal_sequenced_store::open(d.sub("j"), small_segments());
    ASSERT_TRUE(s.ok());
    const std::string huge(70 * 1024, 'x');  // above the segment's max payload
    EXPECT_EQ((*s)->append(1, exwire::to_bytes(huge)), en::nasdaq::store_status::failed);
    EXPECT_EQ((*s)->last_status(), jn::append_status::too_large);
    EXPECT_EQ((*s)->next_sequence(), 1u);
    EXPECT_EQ((*s)->read(1).data(), nullptr);
}

struct collect final : en::fix::store_visitor {
    std::vector<std::pair<std::uint64_t, std::string>> got;
    void on_stored(std::uint64_t seq, std::string_view frame) noexcept override {
        got.emplace_back(seq, std::string(frame));
    }
};

TEST(journal_message_store, saves_loads_and_tracks_numbers) {
    temp_dir d("exwire-store");
    auto s = en::journal_message_store::open(d.sub("fix"), small_segments());
    ASSERT_TRUE(s.ok()) << s.err().message;
    auto& st = **s;
    EXPECT_EQ(st.next_sender_seq(), 1u);
    EXPECT_EQ(st.next_target_seq(), 1u);
    for (std::uint64_t i = 1; i <= 500; ++i) {
        st.save(i, message(i));
        st.set_next_sender_seq(i + 1);
        st.set_next_target_seq(i + 1);
    }
    EXPECT_TRUE(st.healthy());
    EXPECT_EQ(st.next_sender_seq(), 501u);
    EXPECT_EQ(st.next_target_seq(), 501u);
    collect c;
    st.load(498, 1000, c);
    ASSERT_EQ(c.got.size(), 3u);
    EXPECT_EQ(c.got[0], std::make_pair(std::uint64_t{498}, message(498)));
    EXPECT_EQ(c.got[2], std::make_pair(std::uint64_t{500}, message(500)));
}

TEST(journal_message_store, reopen_recovers_numbers_messages_and_gaps) {
    temp_dir d("exwire-store");
    {
        auto s = en::journal_message_store::open(d.sub("fix"), small_segments());
        ASSERT_TRUE(s.ok());
        for (std::uint64_t i = 1; i <= 300; ++i)
            (*s)->save(i, message(i));
        (*s)->set_next_sender_seq(400);  // a SequenceReset past what was saved
        (*s)->save(400, message(400));
        (*s)->set_next_target_seq(77);
    }
    auto s = en::journal_message_store::open(d.sub("fix"), small_segments());
    ASSERT_TRUE(s.ok()) << s.err().message;
    EXPECT_EQ((*s)->next_sender_seq(), 401u);
    EXPECT_EQ((*s)->next_target_seq(), 77u);
    EXPECT_EQ((*s)->size(), 301u);
    collect c;
    (*s)->load(299, 400, c);
    ASSERT_EQ(c.got.size(), 3u);
    EXPECT_EQ(c.got[1].first, 300u);
    EXPECT_EQ(c.got[2], std::make_pair(std::uint64_t{400}, message(400)));
}

TEST(journal_message_store, reset_survives_a_reopen) {
    temp_dir d("exwire-store");
    {
        auto s = en::journal_message_store::open(d.sub("fix"), {});
        ASSERT_TRUE(s.ok());
        for (std::uint64_t i = 1; i <= 10; ++i)
            (*s)->save(i, message(i));
        (*s)->set_next_target_seq(11);
        (*s)->reset();
        (*s)->save(1, "after reset");
    }
    auto s = en::journal_message_store::open(d.sub("fix"), {});
    ASSERT_TRUE(s.ok());
    EXPECT_EQ((*s)->next_sender_seq(), 2u);
    EXPECT_EQ((*s)->next_target_seq(), 1u);
    collect c;
    (*s)->load(1, 10, c);
    ASSERT_EQ(c.got.size(), 1u);
    EXPECT_EQ(c.got[0].second, "after reset");
}

TEST(journal_message_store, refused_frame_marks_the_store_unhealthy) {
    temp_dir d("exwire-store");
    auto s = en::journal_message_store::open(d.sub("fix"), small_segments());
    ASSERT_TRUE(s.ok());
    (*s)->save(1, message(1));
    EXPECT_TRUE((*s)->healthy());
    (*s)->save(2, std::string(70 * 1024, 'x'));
    EXPECT_FALSE((*s)->healthy());
    ASSERT_NE((*s)->failure(), nullptr);
    EXPECT_EQ((*s)->next_sender_seq(), 2u);
    collect c;
    (*s)->load(1, 5, c);
    EXPECT_EQ(c.got.size(), 1u);
}

TEST(journal_message_store, records_carry_the_time_the_session_passed) {
    temp_dir d("exwire-store");
    constexpr std::int64_t t = 1'790'000'000'123'456'789;
    {
        auto s = en::journal_message_store::open(d.sub("fix"), {});
        ASSERT_TRUE(s.ok());
        (*s)->save(1, message(1));  // no time passed yet: the clock's
        (*s)->set_time(t);
        (*s)->save(2, message(2));
        (*s)->set_next_target_seq(5);
        (*s)->set_time(t + 7);
        (*s)->save(3, message(3));
    }
    auto r = jn::reader::open(d.sub("fix"));
    ASSERT_TRUE(r.ok()) << r.err().message;
    r->seek_start();
    std::vector<std::int64_t> stamps;
    jn::record_view v;
    while (r->next(v) == jn::read_status::ok)
        stamps.push_back(v.meta.timestamp_ns);
    ASSERT_EQ(stamps.size(), 4u);
    EXPECT_NE(stamps[0], t);
    EXPECT_GT(stamps[0], 0);
    EXPECT_EQ(stamps[1], t);
    EXPECT_EQ(stamps[2], t);  // the target number's record
    EXPECT_EQ(stamps[3], t + 7);
}

}  // namespace
