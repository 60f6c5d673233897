#pragma once
// A progress bar on a stream (stderr by default) for long runs.
//
// On a terminal the bar is redrawn in place ("\r") at most `max_updates_per_second` times a
// second; on anything else (a pipe, a CI log) plain lines are printed instead, at most one
// per 10 % of progress and never more often than the terminal rate. Times are passed in
// (monotonic nanoseconds), so tests drive it with a fake clock. One thread; writing does
// not allocate after construction except inside stdio.

#include <cstdint>
#include <cstdio>
#include <string>

namespace exwire::bench {

class progress_bar {
  public:
    /// `total` 0 means unknown (a count is shown without a bar). `is_tty` is detected from
    /// the stream unless given.
    progress_bar(std::string label, std::uint64_t total, std::FILE* out = stderr);
    progress_bar(std::string label, std::uint64_t total, std::FILE* out, bool is_tty);

    /// Reports `done` of `total` at `now_ns`; draws only if enough time/progress passed.
    /// Returns true when something was written.
    bool update(std::uint64_t done, std::int64_t now_ns, std::string_view extra = {});
    /// Draws the final state and ends the line.
    void finish(std::uint64_t done, std::int64_t now_ns, std::string_view extra = {});

    static constexpr int max_updates_per_second = 10;

  private:
    void draw(std::uint64_t done, std::string_view extra, bool final);

    std::string label_;
    std::uint64_t total_;
    std::FILE* out_;
    bool tty_;
    bool drawn_ = false;
    std::int64_t last_ns_ = 0;
    int last_decile_ = -1;
};

}  // namespace exwire::bench
