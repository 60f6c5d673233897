// Journal replay as an engine session, stepped by hand on a shard with a fake clock: the
// application pulls exactly the recorded frames, in order, with their recorded sequence
// numbers and timestamps, the same on every run; a tiny ring delays records but never drops
// one; recorded pace follows the clock passed to do_work.
#include <exwire/engine/replay_session.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include <exwire/engine/dispatcher.hpp>
#include <exwire/engine/engine.hpp>
#include <exwire/engine/session_handle.hpp>
#include <exwire/engine/shard.hpp>
#include <exwire/journal/writer.hpp>

#include "echo_session.hpp"

using namespace exwire::engine;
namespace jn = exwire::journal;

namespace {

class temp_dir {
  public:
    temp_dir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "exwire-replay-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) std::abort();
        path_ = pattern;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    [[nodiscard]] const std::string& path() const { return path_; }

  private:
    std::string path_;
};

struct frame {
    jn::direction dir;
    std::uint64_t sequence;
    std::int64_t time_ns;
    std::string body;
    bool operator==(const frame&) const = default;
};

/// Writes `n` inbound frames (sequence 1..n, 1 ms apart, bodies of varying length) with an
/// outbound frame after every third one. Returns what was written.
std::vector<frame> write_journal(const std::string& dir, int n) {
    jn::config c;
    c.segment_size = 1 << 16;  // small segments: the replay crosses several
    auto w = jn::writer::open(dir, c);
    EXPECT_TRUE(w.ok());
    std::vector<frame> all;
    std::uint64_t out_seq = 0;
    for (int i = 1; i <= n; ++i) {
        frame f{jn::direction::in, static_cast<std::uint64_t>(i),
                1'700'000'000'000'000'000 + std::int64_t{i} * 1'000'000,
                "in-" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 37), 'x')};
        all.push_back(f);
        if (i % 3 == 0)
            all.push_back(
                {jn::direction::out, ++out_seq, f.time_ns + 10, "out-" + std::to_string(i)});
    }
    for (const frame& f : all) {
        const jn::record_meta m{
            .type = 0, .dir = f.dir, .sequence = f.sequence, .timestamp_ns = f.time_ns};
        EXPECT_EQ((*w)->append(m, exwire::to_bytes(f.body)), jn::append_status::ok);
    }
    return all;
}

std::vector<frame> only(const std::vector<frame>& all, jn::direction d) {
    std::vector<frame> v;
    for (const frame& f : all)
        if (f.dir == d) v.push_back(f);
    return v;
}

/// One session channel on a hand-stepped shard, replaying with `opt`.
struct rig {
    rig(replay_options opt, std::size_t ring)
        : table(counters_table::create("", "t", {{"replay", "s"}}).value()),
          ch(make_config(ring), table.writer(0)) {
        auto impl = std::make_unique<replay_session>(std::move(opt));
        s = impl.get();
        ch.impl = std::move(impl);
        sh.add_session(ch);
    }
    static session_config make_config(std::size_t ring) {
        session_config c;
        c.name = "replay";
        c.inbound_ring_size = ring;
        c.outbound_ring_size = 4096;
        return c;
    }
    counters_table table;
    detail::session_channel ch;
    shard sh{shard_config{}};
    replay_session* s = nullptr;
    session_handle h{&ch};
};

struct outcome {
    std::vector<frame> frames;  // dir is the replayed direction
    close_reason reason{};
    std::string text;
    bool operator==(const outcome&) const = default;
};

/// Steps the shard and pulls with poll() until the end of the queue; `per_pass` records at
/// most per pass. Bounded in passes.
outcome run(rig& r, jn::direction dir, std::size_t per_pass, std::int64_t step_ns = 1) {
    outcome o;
    std::int64_t now = 0;
    r.sh.begin(now);
    bool done = false;
    for (int pass = 0; pass < 200000 && !done; ++pass) {
        (void)r.sh.do_work(now += step_ns);
        const polled p = r.h.poll(
            [&](const inbound_record& rec) {
                if (rec.type == record_type::message) {
                    o.frames.push_back({dir, rec.sequence, rec.time_ns, std::string(rec.text())});
                } else if (rec.type == record_type::closed) {
                    o.reason = rec.reason();
                    o.text = std::string(rec.text());
                }
            },
            per_pass);
        done = p.status == receive_status::end_of_queue;
    }
    r.sh.end(now + 1);
    EXPECT_TRUE(done) << "replay did not finish";
    return o;
}

}  // namespace

TEST(replay_session, delivers_exactly_the_recorded_inbound_frames_in_order_then_closes) {
    temp_dir t;
    const auto all = write_journal(t.path(), 500);
    rig r({.directory = t.path()}, 1 << 16);
    const outcome o = run(r, jn::direction::in, 256);
    EXPECT_EQ(o.frames, only(all, jn::direction::in));
    EXPECT_EQ(o.reason, close_reason::end_of_session);
    EXPECT_EQ(o.text, "end of journal");
    EXPECT_EQ(r.s->delivered(), 500u);
    EXPECT_EQ(r.table.writer(0).get(counter::frames_in), 500u);
    EXPECT_EQ(r.table.writer(0).get(counter::records_dropped), 0u);
}

TEST(replay_session, replays_the_chosen_direction) {
    temp_dir t;
    const auto all = write_journal(t.path(), 90);
    rig r({.directory = t.path(), .direction = jn::direction::out}, 1 << 16);
    const outcome o = run(r, jn::direction::out, 256);
    EXPECT_EQ(o.frames, only(all, jn::direction::out));
    EXPECT_EQ(o.frames.size(), 30u);
}

TEST(replay_session, two_runs_of_the_same_journal_are_identical) {
    temp_dir t;
    const auto all = write_journal(t.path(), 300);
    outcome first, second;
    {
        rig r({.directory = t.path()}, 1 << 16);
        first = run(r, jn::direction::in, 256);
    }
    {
        // A different ring size and consumption rate: the application sees the same thing.
        rig r({.directory = t.path()}, 4096);
        second = run(r, jn::direction::in, 3);
    }
    EXPECT_EQ(first.frames, only(all, jn::direction::in));
    EXPECT_EQ(first, second);
}

TEST(replay_session, a_full_ring_delays_records_and_never_drops_one) {
    temp_dir t;
    const auto all = write_journal(t.path(), 400);
    // 512 bytes hold only a handful of records; the application takes one per pass.
    rig r({.directory = t.path()}, 512);
    const outcome o = run(r, jn::direction::in, 1);
    EXPECT_EQ(o.frames, only(all, jn::direction::in));
    EXPECT_EQ(o.reason, close_reason::end_of_session);
    EXPECT_GT(r.s->ring_full_retries(), 100u);  // back-pressure really happened
    EXPECT_EQ(r.table.writer(0).get(counter::records_dropped), 0u);
}

TEST(replay_session, recorded_pace_follows_the_clock_given_to_do_work) {
    temp_dir t;
    (void)write_journal(t.path(), 10);  // inbound frames 1 ms apart
    rig r({.directory = t.path(), .pace = replay_pace::recorded}, 1 << 16);
    r.sh.begin(0);
    (void)r.sh.do_work(1'000);  // first record: due at once
    EXPECT_EQ(r.s->delivered(), 1u);
    (void)r.sh.do_work(1'000 + 999'999);  // the second is due 1 ms after the first
    EXPECT_EQ(r.s->delivered(), 1u);
    (void)r.sh.do_work(1'000 + 1'000'000);
    EXPECT_EQ(r.s->delivered(), 2u);
    (void)r.sh.do_work(1'000 + 5'500'000);  // records 3..6 are due by now
    EXPECT_EQ(r.s->delivered(), 6u);
    (void)r.sh.do_work(1'000 + 9'000'000);
    EXPECT_EQ(r.s->delivered(), 10u);
    (void)r.sh.do_work(1'000 + 9'000'001);
    EXPECT_TRUE(r.h.is_closed());
    r.sh.end(1'000 + 9'000'002);
}

TEST(replay_session, twice_the_speed_halves_the_gaps) {
    temp_dir t;
    (void)write_journal(t.path(), 5);
    rig r({.directory = t.path(), .pace = replay_pace::recorded, .speed = 2.0}, 1 << 16);
    r.sh.begin(0);
    (void)r.sh.do_work(0);
    (void)r.sh.do_work(500'000);
    EXPECT_EQ(r.s->delivered(), 2u);
    r.sh.end(1);
}

TEST(replay_session, a_missing_journal_fails_the_start_with_the_reason) {
    temp_dir t;
    rig r({.directory = t.path() + "/nope"}, 4096);
    const outcome o = run(r, jn::direction::in, 16);
    EXPECT_TRUE(o.frames.empty());
    EXPECT_EQ(o.reason, close_reason::start_failed);
    EXPECT_NE(o.text.find("journal replay"), std::string::npos) << o.text;
}

TEST(replay_session, a_running_engine_hands_the_frames_to_a_dispatcher_like_live_traffic) {
    temp_dir t;
    const auto all = write_journal(t.path(), 2000);
    protocol_registry reg;
    reg.add(protocol_kind::soupbintcp, [&](const session_config&, const shard_config&) {
        return exwire::result<std::unique_ptr<session>>(
            std::make_unique<replay_session>(replay_options{.directory = t.path()}));
    });
    // A 4 KiB ring: the shard thread outruns the dispatcher and must wait for room.
    auto e = engine::create(exwire_test::echo_config(1, 4096), std::move(reg));
    ASSERT_TRUE(e.ok()) << e.err().message;
    session_handle h = (*e)->sessions().at(0);
    dispatcher d;
    std::vector<frame> got;
    close_reason reason{};
    std::string text;
    ASSERT_TRUE(d.start_dispatching(h, [&](session_handle, const inbound_record& rec) {
                     if (rec.type == record_type::message)
                         got.push_back({jn::direction::in, rec.sequence, rec.time_ns,
                                        std::string(rec.text())});
                     if (rec.type == record_type::closed) {
                         reason = rec.reason();
                         text = std::string(rec.text());
                     }
                 }).ok());
    ASSERT_TRUE((*e)->start().ok());
    // The dispatcher lets go of the session by itself at the end of its queue.
    for (int spins = 0; d.attached() > 0 && spins < 200000; ++spins)
        if (d.poll(16) == 0) std::this_thread::sleep_for(std::chrono::microseconds(20));
    EXPECT_EQ(d.attached(), 0u);
    (*e)->stop();
    EXPECT_EQ(got, only(all, jn::direction::in));
    EXPECT_EQ(reason, close_reason::end_of_session);
    EXPECT_EQ(text, "end of journal");
}
