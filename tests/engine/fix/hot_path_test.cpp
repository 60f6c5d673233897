// The session machine's per-message path: inbound frames split across reads in every way,
// application bodies copied whole, the SendingTime parse reused, and memory_store's arena.
#include <string>
#include <vector>

#include "scenario.hpp"

namespace exwire::engine::fix::test {
namespace {

using hot_path = scenario;

std::string order(int seq, int k, std::int64_t now) {
    return wire("8=FIX.4.4|35=D|34=" + std::to_string(seq) + "|49=TW|52=<T>|56=ISLD|11=ID" +
                    std::to_string(k) + "|21=1|38=100|40=1|54=1|55=INTC|60=<T>|",
                now);
}

TEST_F(hot_path, frames_split_at_every_position_arrive_whole_and_in_order) {
    start_acceptor();
    log_on();
    // Six orders in one stream, cut into reads of every length from 1 byte to the stream.
    std::string stream;
    std::vector<std::string> frames;
    for (int k = 0; k < 6; ++k) {
        frames.push_back(order(2 + k, k, now));
        stream += frames.back();
    }
    int next_seq = 2;
    for (std::size_t step = 1; step <= stream.size(); step += step < 40 ? 1 : 37) {
        // The same orders again with the next sequence numbers.
        std::string s;
        std::vector<std::string> want;
        for (int k = 0; k < 6; ++k) {
            want.push_back(order(next_seq + k, k, now));
            s += want.back();
        }
        next_seq += 6;
        out.app.clear();
        for (std::size_t at = 0; at < s.size(); at += step)
            in_raw(std::string_view(s).substr(at, step));
        ASSERT_EQ(out.app, want) << "reads of " << step << " bytes";
    }
    EXPECT_EQ(machine->next_target_seq(), static_cast<std::uint64_t>(next_seq));
    EXPECT_FALSE(out.saw(event_kind::message_ignored));
    EXPECT_EQ(out.disconnects, 0);
}

TEST_F(hot_path, garbled_frame_split_across_reads_is_dropped_and_the_next_one_read) {
    start_acceptor();
    log_on();
    std::string bad = order(2, 0, now);
    bad[bad.size() - 2] = bad[bad.size() - 2] == '0' ? '1' : '0';  // CheckSum off by one
    const std::string good = order(2, 1, now);
    const std::string s = "junk" + bad + good;
    for (std::size_t at = 0; at < s.size(); at += 7)
        in_raw(std::string_view(s).substr(at, 7));
    ASSERT_EQ(out.app.size(), 1u);
    EXPECT_EQ(out.app[0], good);
    EXPECT_TRUE(out.saw(event_kind::message_ignored));
    EXPECT_EQ(machine->next_target_seq(), 3u);
}

TEST_F(hot_path, application_body_is_sent_as_written) {
    start_acceptor();
    log_on();
    ASSERT_EQ(machine->send_app("8",
                                "37=1\x01"
                                "17=E1\x01"
                                "150=0\x01"
                                "39=0\x01",
                                now),
              command_status::ok);
    expect_sent({"35=8|34=2|49=ISLD|52=<T>|56=TW|37=1|17=E1|150=0|39=0|"});
    // A data field (taken by its length, SOH inside) is copied whole too.
    ASSERT_EQ(machine->send_app("B",
                                "148=x\x01"
                                "95=3\x01"
                                "96=a\x01"
                                "b\x01",
                                now),
              command_status::ok);
    expect_sent({"35=B|34=3|49=ISLD|52=<T>|56=TW|148=x|95=3|96=a|b|"});
}

TEST_F(hot_path, application_body_ends_at_its_first_malformed_field) {
    start_acceptor();
    log_on();
    ASSERT_EQ(machine->send_app("8",
                                "37=1\x01"
                                "17=E1\x01"
                                "x=2\x01"
                                "39=0\x01",
                                now),
              command_status::ok);
    expect_sent({"35=8|34=2|49=ISLD|52=<T>|56=TW|37=1|17=E1|"});
    ASSERT_EQ(machine->send_app("0", "", now), command_status::ok);
    expect_sent({"35=0|34=3|49=ISLD|52=<T>|56=TW|"});
}

TEST_F(hot_path, repeated_sending_time_is_still_checked_against_the_clock) {
    start_acceptor();
    log_on();
    const std::string st = timestamp(now);
    in("35=D|34=2|49=TW|52=" + st + "|56=ISLD|11=A|21=1|55=X|54=1|60=" + st + "|40=1|");
    ASSERT_EQ(out.app.size(), 1u);
    // The same SendingTime three minutes later is out of the 120 s tolerance.
    now += 180 * sec;
    in("35=D|34=3|49=TW|52=" + st + "|56=ISLD|11=B|21=1|55=X|54=1|60=" + st + "|40=1|");
    EXPECT_EQ(out.app.size(), 1u);
    EXPECT_TRUE(out.saw(event_kind::reject_sent, "SendingTime accuracy problem"));
    // A malformed SendingTime after a valid one is rejected, not taken from the last one.
    in("35=D|34=4|49=TW|52=2026112|56=ISLD|11=C|21=1|55=X|54=1|60=" + st + "|40=1|");
    EXPECT_TRUE(out.saw(event_kind::reject_sent, "Incorrect data format for value"));
}

struct collect final : store_visitor {
    std::vector<std::pair<std::uint64_t, std::string>> got;
    void on_stored(std::uint64_t seq, std::string_view frame) noexcept override {
        got.emplace_back(seq, std::string(frame));
    }
};

TEST(memory_store_arena, keeps_frames_across_chunks_and_loads_ranges_in_order) {
    memory_store s;
    std::vector<std::string> frames;
    // Enough bytes for several 1 MiB chunks, and one frame larger than a chunk.
    for (std::uint64_t seq = 1; seq <= 30'000; ++seq) {
        std::string f(seq == 15'000 ? memory_store::chunk_size + 10 : 100 + seq % 50,
                      static_cast<char>('a' + seq % 26));
        f += std::to_string(seq);
        s.save(seq, f);
        frames.push_back(f);
    }
    EXPECT_EQ(s.size(), 30'000u);
    collect c;
    s.load(14'999, 15'002, c);
    ASSERT_EQ(c.got.size(), 4u);
    for (std::size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(c.got[i].first, 14'999 + i);
        EXPECT_EQ(c.got[i].second, frames[14'998 + i]);
    }
    collect all;
    s.load(1, 1'000'000, all);
    ASSERT_EQ(all.got.size(), 30'000u);
    for (std::size_t i = 0; i < frames.size(); ++i)
        ASSERT_EQ(all.got[i].second, frames[i]) << i;
}

TEST(memory_store_arena, saving_a_number_again_replaces_and_gaps_are_skipped) {
    memory_store s;
    s.save(5, "five");
    s.save(7, "seven");
    s.save(3, "three");  // before the others: inserted in order
    s.save(5, "FIVE");   // replaced
    collect c;
    s.load(1, 10, c);
    ASSERT_EQ(c.got.size(), 3u);
    EXPECT_EQ(c.got[0], (std::pair<std::uint64_t, std::string>{3, "three"}));
    EXPECT_EQ(c.got[1], (std::pair<std::uint64_t, std::string>{5, "FIVE"}));
    EXPECT_EQ(c.got[2], (std::pair<std::uint64_t, std::string>{7, "seven"}));
    collect mid;
    s.load(6, 6, mid);
    EXPECT_TRUE(mid.got.empty());
}

TEST(memory_store_arena, reset_forgets_everything_and_numbers_restart_at_one) {
    memory_store s;
    s.save(1, "a");
    s.save(2, "b");
    s.set_next_sender_seq(3);
    s.set_next_target_seq(9);
    s.reset();
    EXPECT_EQ(s.size(), 0u);
    EXPECT_EQ(s.next_sender_seq(), 1u);
    EXPECT_EQ(s.next_target_seq(), 1u);
    collect c;
    s.load(1, 10, c);
    EXPECT_TRUE(c.got.empty());
    s.save(1, "again");
    s.load(1, 10, c);
    ASSERT_EQ(c.got.size(), 1u);
    EXPECT_EQ(c.got[0].second, "again");
}

}  // namespace
}  // namespace exwire::engine::fix::test
