#include <exwire/bench/progress.hpp>

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

namespace exwire::bench {

progress_bar::progress_bar(std::string label, std::uint64_t total, std::FILE* out)
    : progress_bar(std::move(label), total, out, ::isatty(::fileno(out)) == 1) {}

progress_bar::progress_bar(std::string label, std::uint64_t total, std::FILE* out, bool is_tty)
    : label_(std::move(label)), total_(total), out_(out), tty_(is_tty) {}

bool progress_bar::update(std::uint64_t done, std::int64_t now_ns, std::string_view extra) {
    constexpr std::int64_t min_gap_ns = 1'000'000'000 / max_updates_per_second;
    if (drawn_ && now_ns - last_ns_ < min_gap_ns) return false;
    if (!tty_) {
        // Plain lines: one per tenth of the work (or per second when the total is unknown).
        if (total_ != 0) {
            const int decile = static_cast<int>(std::min<std::uint64_t>(done * 10 / total_, 10));
            if (decile == last_decile_) return false;
            last_decile_ = decile;
        } else if (drawn_ && now_ns - last_ns_ < 1'000'000'000) {
            return false;
        }
    }
    last_ns_ = now_ns;
    draw(done, extra, false);
    drawn_ = true;
    return true;
}

void progress_bar::finish(std::uint64_t done, std::int64_t now_ns, std::string_view extra) {
    last_ns_ = now_ns;
    draw(done, extra, true);
    drawn_ = true;
}

void progress_bar::draw(std::uint64_t done, std::string_view extra, bool final) {
    std::string line;
    if (total_ != 0) {
        const double f = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
        constexpr int width = 30;
        const int filled = static_cast<int>(f * width);
        line = fmt::format("{} [{}{}] {:3.0f}% {}/{}", label_, std::string(filled, '#'),
                           std::string(width - filled, '.'), f * 100, done, total_);
    } else {
        line = fmt::format("{} {}", label_, done);
    }
    if (!extra.empty()) line += fmt::format(" {}", extra);
    if (tty_)
        fmt::print(out_, "\r{}\x1b[K{}", line, final ? "\n" : "");
    else
        fmt::print(out_, "{}\n", line);
    std::fflush(out_);
}

}  // namespace exwire::bench
