#include <exwire/journal/reader.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "index_file.hpp"
#include "internal.hpp"

namespace exwire::journal {

namespace detail {

result<std::vector<std::uint64_t>> list_segments(const std::string& dir) {
    std::vector<std::uint64_t> out;
    std::error_code ec;
    std::filesystem::directory_iterator it(dir, ec);
    if (ec) return fail(fmt::format("cannot list journal '{}': {}", dir, ec.message()), ec.value());
    for (const auto& e : it) {
        std::uint64_t idx;
        if (parse_segment_file_name(e.path().filename().string(), idx)) out.push_back(idx);
    }
    std::sort(out.begin(), out.end());
    return out;
}

result<segment_header> read_header_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(fmt::format("cannot open '{}': {}", path, std::strerror(errno)), errno);
    segment_header h{};
    const auto n = pread(fd, &h, sizeof h, 0);
    close(fd);
    if (n != static_cast<ssize_t>(sizeof h))
        return fail(fmt::format("'{}': short segment header", path));
    return h;
}

}  // namespace detail

struct reader::indexes {
    detail::index_file file[2];
    bool tried[2] = {false, false};
};

reader::reader(reader&&) noexcept = default;
reader& reader::operator=(reader&&) noexcept = default;
reader::~reader() = default;

result<reader> reader::open(const std::string& dir, reader_options options) {
    // Retention may remove the oldest segment between listing and opening it: list again.
    result<detail::segment_header> h = fail("");
    std::uint64_t first = 0;
    for (int attempt = 0;; ++attempt) {
        auto segs = detail::list_segments(dir);
        if (!segs) return std::move(segs).err();
        if (segs->empty()) return fail(fmt::format("'{}' holds no journal segments", dir));
        first = segs->front();
        h = detail::read_header_file(dir + "/" + segment_file_name(first));
        if (h || attempt == 10) break;
    }
    if (!h) return std::move(h).err();
    if (h->magic != segment_magic || !detail::header_valid(*h, h->segment_size))
        return fail(
            fmt::format("'{}': not a journal segment (bad header)", segment_file_name(first)));
    reader r;
    r.dir_ = dir;
    r.options_ = options;
    r.segment_size_ = h->segment_size;
    r.journal_id_ = h->journal_id;
    r.idx_ = std::make_unique<indexes>();
    r.path_buf_.reserve(dir.size() + 40);
    r.seg_index_ = first;
    return r;
}

bool reader::map_segment(std::uint64_t index) noexcept {
    if (mapped_index_ == index && base_ != nullptr) return true;
    cached* victim = &cache_[0];
    const std::size_t slots = std::clamp<std::size_t>(options_.mapped_segments, 1, cached_segments);
    for (std::size_t i = 0; i < slots; ++i) {
        auto& c = cache_[i];
        if (c.index == index && c.file.data().data() != nullptr) {
            // The file may have been recycled as a later segment since it was mapped.
            if (!detail::still_segment(c.file.data().data(), index)) {
                c.file = mapped_file{};
                c.used = 0;
                continue;
            }
            c.used = ++use_clock_;
            base_ = c.file.data().data();
            seed_ = detail::checksum_seed(detail::read_segment_header(base_));
            mapped_index_ = index;
            return true;
        }
        if (c.used < victim->used) victim = &c;
    }
    try {
        path_buf_.assign(dir_);
        path_buf_ += '/';
        path_buf_ += segment_file_name(index);
        auto m = mapped_file::open(path_buf_, false, options_.populate);
        if (!m) return false;
        const auto h = detail::read_segment_header(m->data().data());
        if (!detail::header_valid(h, m->size()) || h.segment_size != segment_size_ ||
            h.segment_index != index)
            return false;
        victim->file = std::move(*m);
        victim->index = index;
        victim->used = ++use_clock_;
        base_ = victim->file.data().data();
        seed_ = detail::checksum_seed(h);
        mapped_index_ = index;
        return true;
    } catch (...) {
        return false;
    }
}

void reader::seek_start() noexcept {
    try {
        auto segs = detail::list_segments(dir_);
        if (segs && !segs->empty()) seg_index_ = segs->front();
    } catch (...) {
    }
    off_ = segment_header_size;
}

void reader::seek(std::uint64_t position) noexcept {
    seg_index_ = position / segment_size_;
    off_ = position % segment_size_;
    if (off_ < segment_header_size) off_ = segment_header_size;
}

std::uint64_t reader::position() const noexcept {
    return seg_index_ * segment_size_ + off_;
}

read_status reader::next(record_view& out) noexcept {
    for (;;) {
        if (!map_segment(seg_index_)) {
            // A missing segment is normal while the writer has not rolled into it yet only
            // if nothing newer exists; otherwise it was removed.
            path_buf_.assign(dir_);
            path_buf_ += '/';
            path_buf_ += segment_file_name(seg_index_ + 1);
            return access(path_buf_.c_str(), F_OK) == 0 ? read_status::missing : read_status::end;
        }
        std::uint32_t len = 0;
        const auto s =
            detail::check_slot(base_, segment_size_, off_, options_.verify_checksums, len, seed_);
        switch (s) {
            case detail::slot::record:
                out = detail::make_view(base_ + off_, len, position());
                // A segment recycled under this reader (it lagged behind retention) changes
                // its header before its records: what was read may be from either life.
                if (!detail::still_segment(base_, seg_index_)) {
                    base_ = nullptr;
                    mapped_index_ = ~std::uint64_t{0};
                    return read_status::missing;
                }
                off_ += align_up(len, record_alignment);
                return read_status::ok;
            case detail::slot::empty:
                if (!detail::still_segment(base_, seg_index_)) {
                    base_ = nullptr;
                    mapped_index_ = ~std::uint64_t{0};
                    return read_status::missing;
                }
                return read_status::end;
            case detail::slot::end_marker:
            case detail::slot::segment_full: {
                // The writer only ends a segment once the next one exists, so it is there.
                path_buf_.assign(dir_);
                path_buf_ += '/';
                path_buf_ += segment_file_name(seg_index_ + 1);
                if (access(path_buf_.c_str(), F_OK) != 0) return read_status::end;
                ++seg_index_;
                off_ = segment_header_size;
                continue;
            }
            case detail::slot::bad_length:
            case detail::slot::bad_checksum:
                // A segment recycled under this reader looks corrupt to it: say what it is.
                if (!detail::still_segment(base_, seg_index_)) {
                    base_ = nullptr;
                    mapped_index_ = ~std::uint64_t{0};
                    return read_status::missing;
                }
                corruption_ =
                    s == detail::slot::bad_length ? "bad record length" : "checksum mismatch";
                return read_status::corrupt;
        }
    }
}

void reader::open_indexes() noexcept {
    for (int d = 0; d < 2; ++d) {
        auto& f = idx_->file[d];
        if (f.is_open() && f.journal_id() == journal_id_) continue;
        try {
            auto r = detail::index_file::open_ro(dir_ + "/" +
                                                 index_file_name(static_cast<direction>(d)));
            if (r && r->matches(journal_id_, segment_size_)) f = std::move(*r);
        } catch (...) {
        }
    }
}

bool reader::last_indexed_sequence(direction d, std::uint64_t& seq) noexcept {
    open_indexes();
    auto& f = idx_->file[static_cast<int>(d)];
    if (!f.is_open()) return false;
    (void)f.indexed_upto();
    seq = f.count() == 0 ? 0 : f.last_sequence();
    return true;
}

read_status reader::find(direction d, std::uint64_t sequence, record_view& out) noexcept {
    open_indexes();
    auto& f = idx_->file[static_cast<int>(d)];
    std::uint64_t scan_from = 0;
    bool from_start = true;
    if (f.is_open()) {
        const std::uint64_t upto = f.indexed_upto();
        if (const std::uint64_t pos = f.lookup(sequence); pos != 0) {
            seek(pos);
            if (next(out) == read_status::ok && out.meta.dir == d && out.meta.sequence == sequence)
                return read_status::ok;
        }
        if (f.count() != 0 && sequence >= f.base() && upto != 0) {
            scan_from = upto;
            from_start = false;
        }
    }
    if (from_start)
        seek_start();
    else
        seek(scan_from);
    for (;;) {
        const auto st = next(out);
        if (st == read_status::ok) {
            if (out.meta.dir == d && out.meta.sequence == sequence) return read_status::ok;
            continue;
        }
        if (st == read_status::missing) {
            seek((seg_index_ + 1) * segment_size_);
            continue;
        }
        return st == read_status::end ? read_status::not_found : st;
    }
}

}  // namespace exwire::journal
