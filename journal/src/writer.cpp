#include <exwire/journal/writer.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <thread>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fmt/format.h>

#include <exwire/core/clock.hpp>
#include <exwire/journal/reader.hpp>

#include "index_file.hpp"
#include "internal.hpp"

namespace exwire::journal {

namespace fs = std::filesystem;

const char* to_string(append_status s) noexcept {
    switch (s) {
        case append_status::ok:
            return "ok";
        case append_status::too_large:
            return "record too large";
        case append_status::no_space:
            return "no space for the next journal segment";
        case append_status::io_error:
            return "journal i/o error";
        case append_status::not_ready:
            return "next journal segment not ready";
        case append_status::no_claim:
            return "commit without claim";
    }
    return "?";
}

result<durability> parse_durability(std::string_view text) {
    if (text == "none") return durability::none;
    if (text == "periodic") return durability::periodic;
    if (text == "sync") return durability::sync;
    return fail(fmt::format("unknown durability '{}' (none, periodic, sync)", text));
}

std::string_view to_string(durability d) noexcept {
    switch (d) {
        case durability::none:
            return "none";
        case durability::periodic:
            return "periodic";
        case durability::sync:
            return "sync";
    }
    return "?";
}

namespace {

constexpr std::size_t page_size = 4096;

std::string seg_path(const std::string& dir, std::uint64_t idx) {
    return dir + "/" + segment_file_name(idx);
}

// Pre-faulting: the pages of a segment are faulted in writable before the appending thread
// stores to them (a first store to a page of a shared file mapping otherwise faults on that
// thread: the kernel allocates and zeroes the page-cache page and marks it dirty, and on a
// file with unwritten extents reads ahead by zeroing several MiB more). A new segment gets its
// first `prefault_first` bytes at creation (as much as the helper keeps ahead of the writer,
// so the writer starts a segment with the full lead rather than racing the helper to build
// it up); the helper thread then keeps the current segment faulted in `prefault_ahead` bytes
// past the writer's position, in steps of `prefault_step`, and tops it up between the steps
// of making the next segment. Only what is about to be written is faulted in, so a segment
// made ready in advance and never used (or the unused end of the last one) costs at most
// `prefault_first` bytes of page cache.
constexpr std::size_t prefault_first = std::size_t{32} << 20;
constexpr std::size_t prefault_ahead = std::size_t{32} << 20;
constexpr std::size_t prefault_step = std::size_t{4} << 20;

/// Faults [p, p + n) in writable (p page-aligned). Never changes a byte, so it may run while
/// the writer stores into the range: MADV_POPULATE_WRITE, else an atomic `or 0` per page.
/// (MAP_POPULATE maps the pages of a shared file read-only so the kernel can track dirty
/// pages: the first store to each would still fault on the appending thread.)
void prefault(std::byte* p, std::size_t n) noexcept {
#ifdef MADV_POPULATE_WRITE
    if (madvise(p, n, MADV_POPULATE_WRITE) == 0) return;
#endif
    for (std::size_t off = 0; off < n; off += page_size)
        __atomic_fetch_or(reinterpret_cast<unsigned char*>(p + off), 0, __ATOMIC_RELAXED);
}

/// Name of a segment dropped by retention and kept to be recycled as a later segment. Ends in
/// `.tmp`, so open() removes one left behind by a crash.
std::string spare_path(const std::string& dir) {
    return dir + "/recycle.seg.tmp";
}

/// Maps the spare segment and zeroes it (header first, so a reader that still has the old
/// segment mapped sees it change before its records vanish). Its blocks are allocated and its
/// pages are normally still in the page cache, so this costs neither new-page zeroing by the
/// kernel nor extent conversion, and it leaves every page mapped writable for the writer.
/// Consumes the spare whatever happens (a spare of the wrong size is deleted).
template <class Between>
std::optional<mapped_file> take_spare(const std::string& dir, std::size_t size, bool sync,
                                      Between&& between) {
    const std::string spare = spare_path(dir);
    auto m = mapped_file::open(spare, true, false);
    if (!m || m->size() != size) {
        ::unlink(spare.c_str());
        return std::nullopt;
    }
    std::byte* const base = m->data().data();
    std::memset(base, 0, segment_header_size);
    detail::memory_fence(std::memory_order_seq_cst);
    // In steps, mapping each step writable first (one call instead of a fault per page), with
    // the writer's current segment topped up between steps: the writer must not outrun it.
    for (std::size_t off = 0; off < size; off += prefault_step) {
        const std::size_t n = std::min(prefault_step, size - off);
        prefault(base + off, n);
        const std::size_t from = off == 0 ? segment_header_size : off;
        std::memset(base + from, 0, off + n - from);
        between();
    }
    // With a durability promise, the zeroes reach the disk before the file takes a segment's
    // name, so a power loss cannot bring back a previous life's records under the new name.
    if (sync && msync(base, size, MS_SYNC) != 0) {
        ::unlink(spare.c_str());
        return std::nullopt;
    }
    return std::move(*m);
}

/// Creates segment `idx` fully allocated (its first bytes pre-faulted) under a temporary name
/// and renames it into place once its header is written, so no reader ever sees a half-made
/// segment. A spare segment left by retention is recycled instead when there is one.
template <class Between>
result<mapped_file> create_segment(const std::string& dir, std::uint64_t idx, std::size_t size,
                                   std::uint64_t journal_id, bool use_spare, bool sync,
                                   Between&& between, std::size_t* faulted = nullptr) {
    const std::string final_path = seg_path(dir, idx);
    std::string tmp = final_path + ".tmp";
    std::optional<mapped_file> recycled;
    if (use_spare) recycled = take_spare(dir, size, sync, between);
    if (recycled) tmp = spare_path(dir);
    auto m = recycled ? result<mapped_file>(std::move(*recycled))
                      : mapped_file::create(tmp, size, false);
    if (!m) {
        ::unlink(tmp.c_str());
        return std::move(m).err();
    }
    std::byte* const base = m->data().data();
    if (!recycled) {
        for (std::size_t off = 0; off < std::min(size, prefault_first); off += prefault_step) {
            prefault(base + off, std::min(prefault_step, size - off));
            between();
        }
    }
    if (faulted != nullptr) *faulted = recycled ? size : std::min(size, prefault_first);
    detail::segment_header h{};
    h.magic = segment_magic;
    h.version = segment_version;
    h.header_size = segment_header_size;
    h.segment_size = size;
    h.segment_index = idx;
    h.created_ns = wall_ns();
    h.journal_id = journal_id;
    std::memcpy(base, &h, sizeof h);
    if (recycled && sync) msync(base, page_size, MS_SYNC);
    if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
        const int e = errno;
        ::unlink(tmp.c_str());
        return fail(fmt::format("cannot rename '{}': {}", tmp, std::strerror(e)), e);
    }
    return m;
}

bool is_space_error(int e) {
    return e == ENOSPC || e == EFBIG || e == EDQUOT;
}

}  // namespace

struct writer::helper_state {
    detail::index_file index[2];
    std::optional<reader> rd;
    std::int64_t next_sync_ns = 0;
    std::int64_t retry_at_ns = 0;
    bool index_failed = false;
    std::uint64_t prefault_index = ~std::uint64_t{0};  ///< segment being pre-faulted
    std::size_t prefaulted = 0;                        ///< faulted in up to here
    std::uint64_t next_index = ~std::uint64_t{0};      ///< segment last made ready
    std::size_t next_prefaulted = 0;  ///< how far it was faulted in when made ready
    bool spare = false;               ///< a segment dropped by retention waits to be recycled
};

void writer::set_error(const std::string& msg, int code) {
    std::lock_guard lock(error_mu_);
    last_error_ = msg;
    if (code != 0) helper_errno_.store(code, std::memory_order_relaxed);
}

std::string writer::last_error() const {
    std::lock_guard lock(error_mu_);
    return last_error_;
}

result<std::unique_ptr<writer>> writer::open(const std::string& dir, const config& cfg) {
    if (cfg.segment_size < min_segment_size || cfg.segment_size % page_size != 0 ||
        cfg.segment_size > (std::size_t{1} << 32))
        return fail(
            fmt::format("segment size {} must be a multiple of 4096 between 4 KiB and 4 GiB",
                        cfg.segment_size));
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        return fail(fmt::format("cannot create journal directory '{}': {}", dir, ec.message()),
                    ec.value());
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().extension() == ".tmp") fs::remove(e.path(), ec);

    std::unique_ptr<writer> w(new writer());
    w->dir_ = dir;
    w->cfg_ = cfg;
    auto& rep = w->recovery_;

    auto segs = detail::list_segments(dir);
    if (!segs) return std::move(segs).err();
    std::size_t seg_size = cfg.segment_size;
    bool fresh = false;  // the current segment was created just now: all zero
    if (segs->empty()) {
        fresh = true;
        w->journal_id_ =
            static_cast<std::uint64_t>(wall_ns()) ^ (static_cast<std::uint64_t>(getpid()) << 48);
        auto m = create_segment(dir, 0, seg_size, w->journal_id_, false, false, [] {});
        if (!m) return std::move(m).err();
        w->cur_ = std::move(*m);
        w->seg_index_ = 0;
        rep.created = true;
    } else {
        auto first = detail::read_header_file(seg_path(dir, segs->front()));
        if (!first) return std::move(first).err();
        if (!detail::header_valid(*first, first->segment_size))
            return fail(fmt::format("'{}': bad segment header", seg_path(dir, segs->front())));
        seg_size = first->segment_size;
        w->journal_id_ = first->journal_id;
        // The writer continues in the newest segment holding a record; newer ones were only
        // preallocated. A segment is started once its first length word is non-zero.
        std::optional<mapped_file> current;
        std::size_t chosen = 0;
        for (std::size_t i = segs->size(); i-- > 0;) {
            auto m = mapped_file::open(seg_path(dir, (*segs)[i]), true);
            if (!m) return std::move(m).err();
            const auto h = detail::read_segment_header(m->data().data());
            const bool valid = detail::header_valid(h, m->size()) && h.segment_size == seg_size &&
                               h.journal_id == w->journal_id_ && h.segment_index == (*segs)[i];
            if (!valid && i == 0) return fail(fmt::format("'{}': bad segment header", m->path()));
            if (valid &&
                (i == 0 || detail::load_length(m->data().data() + segment_header_size) != 0)) {
                current = std::move(*m);
                chosen = i;
                break;
            }
        }
        w->cur_ = std::move(*current);
        w->seg_index_ = (*segs)[chosen];
    }
    w->seg_size_ = seg_size;
    w->max_payload_ = max_payload(seg_size);

    // Find the committed end of the current segment.
    for (;;) {
        std::byte* base = w->cur_.data().data();
        const std::uint32_t seed = detail::checksum_seed(detail::read_segment_header(base));
        std::size_t off = segment_header_size;
        bool ended = false;
        for (;;) {
            std::uint32_t len = 0;
            const auto s = detail::check_slot(base, seg_size, off, true, len, seed);
            if (s == detail::slot::record) {
                off += align_up(len, record_alignment);
                ++rep.records_scanned;
                continue;
            }
            if (s == detail::slot::end_marker || s == detail::slot::segment_full) ended = true;
            if (s == detail::slot::bad_length || s == detail::slot::bad_checksum) {
                rep.torn_tail = true;
                rep.discard_reason =
                    s == detail::slot::bad_length ? "bad record length" : "checksum mismatch";
            }
            break;
        }
        if (ended) {
            // The segment was closed, so the next one exists unless a crash hit between
            // its creation and rename: continue in it (a tailing reader may already have
            // it mapped), or create it.
            const std::uint64_t next = w->seg_index_ + 1;
            auto m = mapped_file::open(seg_path(dir, next), true);
            bool usable = false;
            if (m) {
                const auto h = detail::read_segment_header(m->data().data());
                usable = detail::header_valid(h, m->size()) && h.segment_size == seg_size &&
                         h.journal_id == w->journal_id_ && h.segment_index == next;
            }
            if (!usable) {
                m = create_segment(dir, next, seg_size, w->journal_id_, false, false, [] {});
                if (!m) return std::move(m).err();
            }
            fresh = !usable;
            w->cur_ = std::move(*m);
            w->seg_index_ = next;
            rep.records_scanned = 0;
            continue;
        }
        // Clear everything after the committed end: a torn record, or bytes a crashed claim
        // wrote ahead, must never be mistaken for a length word later.
        std::size_t last_nonzero = off;
        for (std::size_t i = off; i < seg_size && !fresh; i += 8) {
            std::uint64_t v;
            std::memcpy(&v, base + i, 8);
            if (v != 0) last_nonzero = i + 8;
        }
        if (last_nonzero > off) {
            rep.discarded_position = w->seg_index_ * seg_size + off;
            rep.discarded_bytes = last_nonzero - off;
            if (!rep.torn_tail) {
                rep.torn_tail = true;
                rep.discard_reason = "unpublished bytes after the committed end";
            }
            std::memset(base + off, 0, last_nonzero - off);
            if (cfg.mode != durability::none) msync(base, seg_size, MS_SYNC);
        }
        w->pos_ = off;
        break;
    }
    // Newer segments were only preallocated: no record was ever published in them.
    if (auto all = detail::list_segments(dir); all) {
        for (auto idx : *all) {
            if (idx <= w->seg_index_) continue;
            fs::remove(seg_path(dir, idx), ec);
            ++rep.removed_segments;
        }
    }
    w->base_ = w->cur_.data().data();
    w->seed_ = detail::checksum_seed(detail::read_segment_header(w->base_));
    w->synced_pos_ = w->pos_;
    rep.segment = w->seg_index_;
    rep.end_position = w->position();
    w->cur_base_.store(w->base_, std::memory_order_relaxed);
    w->pos_pub_.store(w->pos_, std::memory_order_relaxed);
    w->cur_index_.store(w->seg_index_, std::memory_order_relaxed);

    // Index: reuse when it matches this journal and does not claim more than survived.
    w->helper_ = std::make_unique<helper_state>();
    auto& hs = *w->helper_;
    if (cfg.build_index) {
        std::uint64_t start = ~std::uint64_t{0};
        for (int d = 0; d < 2; ++d) {
            auto f =
                detail::index_file::open_rw(dir + "/" + index_file_name(static_cast<direction>(d)),
                                            static_cast<direction>(d), w->journal_id_, seg_size);
            if (!f) return std::move(f).err();
            if (f->indexed_upto() > w->position() || f->indexed_upto() == 0) {
                if (f->indexed_upto() != 0 || f->count() != 0) rep.index_rebuilt[d] = true;
                if (auto r = f->reset(static_cast<direction>(d), w->journal_id_, seg_size); !r)
                    return std::move(r).err();
            }
            if (f->was_reset()) rep.index_rebuilt[d] = true;
            start = std::min(start, f->indexed_upto());
            hs.index[d] = std::move(*f);
        }
        auto rd =
            reader::open(dir, {.verify_checksums = false, .mapped_segments = 1, .populate = false});
        if (!rd) return std::move(rd).err();
        hs.rd = std::move(*rd);
        if (start == 0)
            hs.rd->seek_start();
        else
            hs.rd->seek(start);
        // Catch up now, so lookups after open() are O(1) from the start.
        record_view v;
        while (hs.rd->next(v) == read_status::ok) {
            auto& f = hs.index[static_cast<int>(v.meta.dir) & 1];
            if (v.position >= f.indexed_upto()) (void)f.put(v.meta.sequence, v.position);
        }
        for (auto& f : hs.index)
            f.publish(hs.rd->position());
        w->indexed_upto_.store(hs.rd->position(), std::memory_order_release);
    }
    w->thread_ = std::thread([p = w.get()] { p->helper_loop(); });
    return w;
}

writer::~writer() {
    stop_.store(true, std::memory_order_release);
    if (thread_.joinable()) thread_.join();
    if (cfg_.mode != durability::none && base_ != nullptr) msync(base_, seg_size_, MS_SYNC);
    // A segment retention dropped and kept for recycling is not part of the journal.
    if (helper_ && helper_->spare) ::unlink(spare_path(dir_).c_str());
    // A preallocated segment that was never written is removed so the directory holds
    // only what was journaled.
    if (next_state_.load(std::memory_order_acquire) == next_ready &&
        next_.data().data() != nullptr) {
        const std::string p = seg_path(dir_, seg_index_ + 1);
        next_ = mapped_file{};
        ::unlink(p.c_str());
    }
}

append_status writer::claim(std::size_t max_len, mutable_bytes& out) noexcept {
    if (max_len > max_payload_) return append_status::too_large;
    if (pos_ + record_span(max_len) > seg_size_) {
        if (const auto s = roll(); s != append_status::ok) return s;
    }
    claimed_ = max_len;
    out = {base_ + pos_ + record_header_size, max_len};
    return append_status::ok;
}

append_status writer::commit(std::size_t len, const record_meta& meta) noexcept {
    if (claimed_ == no_claim_) return append_status::no_claim;
    if (len > claimed_) return append_status::too_large;
    std::byte* const p = base_ + pos_;
    const auto length = static_cast<std::uint32_t>(record_header_size + len);
    write_header(p, length, meta);
    const std::size_t next = pos_ + align_up(length, record_alignment);
    // A claim larger than the commit may have left payload bytes where the next records'
    // length words go; clear them before publishing, so readers stop at the next record.
    if (const std::size_t claimed_end = pos_ + record_span(claimed_); claimed_end > next)
        std::memset(base_ + next, 0, claimed_end - next);
    // Release: header, payload and the cleared word above become visible with the length.
    detail::store_length(p, length, std::memory_order_release);
    pos_ = next;
    pos_pub_.store(next, std::memory_order_relaxed);  // for the helper's pre-fault
    claimed_ = no_claim_;
    return append_status::ok;
}

void writer::abandon() noexcept {
    // Whatever was written into the claim must not later pass for a length word.
    if (claimed_ != no_claim_) std::memset(base_ + pos_ + record_header_size, 0, claimed_);
    claimed_ = no_claim_;
}

append_status writer::append_slow(const record_meta& meta, bytes payload) noexcept {
    mutable_bytes out;
    if (const auto s = claim(payload.size(), out); s != append_status::ok) return s;
    if (!payload.empty()) std::memcpy(out.data(), payload.data(), payload.size());
    return commit(payload.size(), meta);
}

append_status writer::flush() noexcept {
    if (pos_ <= synced_pos_) return append_status::ok;
    const std::size_t from = synced_pos_ & ~(page_size - 1);
    if (msync(base_ + from, pos_ - from, MS_SYNC) != 0) return append_status::io_error;
    synced_pos_ = pos_;
    return append_status::ok;
}

append_status writer::roll() noexcept {
    int st = next_state_.load(std::memory_order_acquire);
    if (st != next_ready) {
        if (st == next_failed) {
            const int e = helper_errno_.load(std::memory_order_relaxed);
            return is_space_error(e) ? append_status::no_space : append_status::io_error;
        }
        // The helper is still preparing it (appends outran preallocation): wait, yielding.
        roll_waiting_.store(true, std::memory_order_relaxed);
        const std::int64_t deadline =
            monotonic_ns() +
            std::chrono::duration_cast<std::chrono::nanoseconds>(cfg_.roll_timeout).count();
        // Sleep rather than spin after a short while: on a busy machine the helper needs
        // the cpu to finish the segment this thread is waiting for.
        for (int spins = 0; (st = next_state_.load(std::memory_order_acquire)) == next_empty;
             ++spins) {
            if (monotonic_ns() > deadline) return append_status::not_ready;
            if (spins < 64)
                std::this_thread::yield();
            else
                std::this_thread::sleep_for(std::chrono::microseconds(20));
        }
        if (st == next_failed) {
            const int e = helper_errno_.load(std::memory_order_relaxed);
            return is_space_error(e) ? append_status::no_space : append_status::io_error;
        }
    }
    // The helper unmaps the previous retired segment quickly; it must be gone first.
    while (retired_full_.load(std::memory_order_acquire))
        std::this_thread::yield();
    if (cfg_.mode == durability::sync) (void)flush();
    if (pos_ + 4 <= seg_size_)
        detail::store_length(base_ + pos_, end_of_segment, std::memory_order_release);
    retired_ = std::move(cur_);
    retired_full_.store(true, std::memory_order_release);
    cur_ = std::move(next_);
    base_ = cur_.data().data();
    seed_ = detail::checksum_seed(detail::read_segment_header(base_));
    ++seg_index_;
    pos_ = segment_header_size;
    synced_pos_ = pos_;
    cur_base_.store(base_, std::memory_order_relaxed);
    pos_pub_.store(pos_, std::memory_order_relaxed);
    cur_index_.store(seg_index_, std::memory_order_release);  // base and position first
    next_state_.store(next_empty, std::memory_order_release);
    return append_status::ok;
}

namespace {

/// Removes what the retention policy drops. When `spare` is set and no spare exists yet, the
/// first segment to delete is renamed to the spare name instead, to be recycled as the next
/// segment (archived segments are always moved).
void apply_retention(const std::string& dir, const retention_policy& rp, std::uint64_t current,
                     std::size_t seg_size, std::string& error, bool* spare = nullptr) {
    if (rp.max_segments == 0 && rp.max_bytes == 0 && rp.max_age.count() == 0) return;
    auto segs = detail::list_segments(dir);
    if (!segs) {
        error = segs.err().message;
        return;
    }
    std::vector<std::uint64_t> live;
    for (auto s : *segs)
        if (s <= current) live.push_back(s);
    const std::int64_t now = wall_ns();
    std::size_t remove = 0;
    while (remove + 1 < live.size()) {
        const std::size_t left = live.size() - remove;
        bool drop = false;
        if (rp.max_segments != 0 && left > rp.max_segments) drop = true;
        if (rp.max_bytes != 0 && left * seg_size > rp.max_bytes) drop = true;
        if (!drop && rp.max_age.count() != 0) {
            // A segment's newest record is older than its successor's creation time.
            auto h = detail::read_header_file(seg_path(dir, live[remove + 1]));
            if (h && now - h->created_ns >
                         std::chrono::duration_cast<std::chrono::nanoseconds>(rp.max_age).count())
                drop = true;
        }
        if (!drop) break;
        ++remove;
    }
    std::error_code ec;
    const std::string archive = rp.archive_dir.empty() ? dir + "/archive" : rp.archive_dir;
    if (rp.archive && remove > 0) fs::create_directories(archive, ec);
    for (std::size_t i = 0; i < remove; ++i) {
        const std::string p = seg_path(dir, live[i]);
        if (rp.archive) {
            fs::rename(p, archive + "/" + segment_file_name(live[i]), ec);
        } else if (spare != nullptr && !*spare) {
            fs::rename(p, spare_path(dir), ec);
            if (!ec) *spare = true;
        } else {
            fs::remove(p, ec);
        }
        if (ec) error = fmt::format("retention of '{}': {}", p, ec.message());
    }
}

}  // namespace

bool writer::keep_ahead() noexcept {
    auto& hs = *helper_;
    const std::uint64_t idx = cur_index_.load(std::memory_order_acquire);
    std::byte* const b = cur_base_.load(std::memory_order_relaxed);
    if (b == nullptr) return false;
    if (idx != hs.prefault_index) {
        hs.prefault_index = idx;
        hs.prefaulted = pos_pub_.load(std::memory_order_relaxed) & ~(page_size - 1);
        // What was faulted in while the segment was made ready need not be done again.
        if (idx == hs.next_index) hs.prefaulted = std::max(hs.prefaulted, hs.next_prefaulted);
    }
    bool any = false;
    // Until `prefault_ahead` past the writer, which moves meanwhile: catch up before anything
    // else, one step at a time (the writer is read again after each).
    for (;;) {
        const std::size_t at = pos_pub_.load(std::memory_order_relaxed);
        const std::size_t want =
            std::min(seg_size_, (at + prefault_ahead + page_size - 1) & ~(page_size - 1));
        if (hs.prefaulted >= want) return any;
        const std::size_t n = std::min(want - hs.prefaulted, prefault_step);
        prefault(b + hs.prefaulted, n);
        hs.prefaulted += n;
        any = true;
    }
}

void writer::helper_loop() {
    auto& hs = *helper_;
    const auto interval = cfg_.helper_interval;
    const std::int64_t sync_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(cfg_.sync_interval).count();
    const std::int64_t retry_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(cfg_.retry_interval).count();
    {
        std::string err;
        apply_retention(dir_, cfg_.retention, cur_index_.load(std::memory_order_relaxed), seg_size_,
                        err);
        if (!err.empty()) set_error(err, 0);
    }
    for (;;) {
        const bool stopping = stop_.load(std::memory_order_acquire);
        int work = 0;
        if (retired_full_.load(std::memory_order_acquire)) {
            std::byte* b = retired_.data().data();
            if (cfg_.mode != durability::none && msync(b, seg_size_, MS_SYNC) != 0)
                set_error(fmt::format("msync of a retired segment: {}", std::strerror(errno)), 0);
            retired_ = mapped_file{};
            retired_full_.store(false, std::memory_order_release);
            std::string err;
            apply_retention(dir_, cfg_.retention, cur_index_.load(std::memory_order_relaxed),
                            seg_size_, err, cfg_.recycle_segments ? &hs.spare : nullptr);
            if (!err.empty()) set_error(err, 0);
            ++work;
        }
        if (!stopping && keep_ahead()) ++work;
        const int st = next_state_.load(std::memory_order_acquire);
        if (!stopping &&
            (st == next_empty || (st == next_failed && monotonic_ns() >= hs.retry_at_ns))) {
            const std::uint64_t idx = cur_index_.load(std::memory_order_relaxed) + 1;
            // Between the steps of making the next segment, the current one is kept faulted in
            // ahead of the writer: making the next one takes longer than the writer needs to
            // pass the current one's pre-faulted part.
            auto m = create_segment(
                dir_, idx, seg_size_, journal_id_, hs.spare, cfg_.mode != durability::none,
                [this] { (void)keep_ahead(); }, &hs.next_prefaulted);
            hs.spare = false;
            if (m) {
                hs.next_index = idx;
                next_ = std::move(*m);
                next_state_.store(next_ready, std::memory_order_release);
            } else {
                set_error(m.err().message, m.err().code != 0 ? m.err().code : EIO);
                hs.retry_at_ns = monotonic_ns() + retry_ns;
                next_state_.store(next_failed, std::memory_order_release);
            }
            ++work;
        }
        if (hs.rd && !hs.index_failed) {
            record_view v;
            int n = 0;
            read_status rs = read_status::ok;
            while (n < 65536 && (rs = hs.rd->next(v)) == read_status::ok) {
                auto& f = hs.index[static_cast<int>(v.meta.dir) & 1];
                if (!f.put(v.meta.sequence, v.position) && f.grow_errno() != 0) {
                    set_error(fmt::format("index cannot grow: {}", std::strerror(f.grow_errno())),
                              0);
                    hs.index_failed = true;
                    break;
                }
                ++n;
            }
            if (n > 0) {
                for (auto& f : hs.index)
                    f.publish(hs.rd->position());
                indexed_upto_.store(hs.rd->position(), std::memory_order_release);
                ++work;
            }
        }
        if (cfg_.mode == durability::periodic && monotonic_ns() >= hs.next_sync_ns) {
            // The current base stays mapped until this thread itself unmaps it as retired.
            if (std::byte* b = cur_base_.load(std::memory_order_relaxed); b != nullptr)
                msync(b, seg_size_, MS_SYNC);
            hs.next_sync_ns = monotonic_ns() + sync_ns;
        }
        if (stopping && work == 0) break;
        if (work == 0) std::this_thread::sleep_for(interval);
    }
}

}  // namespace exwire::journal
