// Journal-backed session stores (see journal_store.hpp).

#include <exwire/engine/journal_store.hpp>

#include <chrono>

#include <exwire/core/clock.hpp>

namespace exwire::engine {

namespace jn = exwire::journal;

jn::config journal_config_from(const journal_config& j) {
    jn::config c;
    c.segment_size = static_cast<std::size_t>(j.segment_size);
    switch (j.durability) {
        case durability_policy::none:
            c.mode = jn::durability::none;
            break;
        case durability_policy::periodic:
            c.mode = jn::durability::periodic;
            break;
        case durability_policy::sync:
            c.mode = jn::durability::sync;
            break;
    }
    c.sync_interval = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::nanoseconds(j.sync_interval_ns));
    if (c.sync_interval.count() <= 0) c.sync_interval = std::chrono::milliseconds(1);
    return c;
}

std::string session_journal_dir(const session_config& s) {
    if (s.journal.dir.empty()) return {};
    return s.journal.dir + "/" + s.name;
}

// ---- journal_sequenced_store --------------------------------------------------------------

result<std::unique_ptr<journal_sequenced_store>> journal_sequenced_store::open(
    const std::string& dir, const jn::config& cfg, jn::direction d) {
    auto w = jn::writer::open(dir, cfg);
    if (!w) return fail("journal " + dir + ": " + w.err().message);
    auto r = jn::reader::open(dir);
    if (!r) return fail("journal " + dir + ": " + r.err().message);
    std::uint64_t last = 0;
    (void)r->last_indexed_sequence(d, last);
    std::unique_ptr<journal_sequenced_store> s(
        new journal_sequenced_store(std::move(*w), std::move(*r), d, last + 1));
    s->sync_ = cfg.mode == jn::durability::sync;
    return result<std::unique_ptr<journal_sequenced_store>>(std::move(s));
}

nasdaq::store_status journal_sequenced_store::append(std::uint64_t sequence,
                                                     bytes message) noexcept {
    if (sequence != next_) return nasdaq::store_status::out_of_order;
    jn::record_meta m;
    m.type = static_cast<std::uint16_t>(store_record::message);
    m.dir = dir_;
    m.sequence = sequence;
    m.timestamp_ns = wall_ns();
    jn::append_status st = writer_->append(m, message);
    if (st == jn::append_status::ok && sync_) st = writer_->flush();
    if (st != jn::append_status::ok) {
        last_ = st;
        return nasdaq::store_status::failed;
    }
    ++next_;
    return nasdaq::store_status::ok;
}

bytes journal_sequenced_store::read(std::uint64_t sequence) const noexcept {
    if (sequence == 0 || sequence >= next_) return {};
    jn::record_view v;
    // Sequential reads (a server sending what it just stored, a resend range) continue
    // from where the reader stands: the index is built behind the writer by its helper
    // thread, and find() scans the part not indexed yet, on every call.
    const bool continued = read_after_ != 0 && sequence == read_after_ + 1 &&
                           reader_.next(v) == jn::read_status::ok && v.meta.dir == dir_ &&
                           v.meta.sequence == sequence;
    read_after_ = 0;
    if (!continued && reader_.find(dir_, sequence, v) != jn::read_status::ok) return {};
    if (v.meta.type != static_cast<std::uint16_t>(store_record::message)) return {};
    read_after_ = sequence;
    static constexpr std::byte empty{};
    return v.payload.data() == nullptr ? bytes(&empty, 0) : v.payload;
}

// ---- journal_message_store ----------------------------------------------------------------

namespace {
constexpr std::uint64_t none = ~std::uint64_t{0};
}

result<std::unique_ptr<journal_message_store>> journal_message_store::open(const std::string& dir,
                                                                           const jn::config& cfg) {
    auto w = jn::writer::open(dir, cfg);
    if (!w) return fail("journal " + dir + ": " + w.err().message);
    // Not populated: mapping the current segment whole would fault in (and zero) the pages
    // the writer has not reached yet; replay and resends read only what was written.
    jn::reader_options ro;
    ro.populate = false;
    auto r = jn::reader::open(dir, ro);
    if (!r) return fail("journal " + dir + ": " + r.err().message);
    std::unique_ptr<journal_message_store> s(
        new journal_message_store(std::move(*w), std::move(*r)));
    s->sync_ = cfg.mode == jn::durability::sync;
    // Replay: the records say, in order, what the numbers and the stored messages are.
    s->reader_.seek_start();
    jn::record_view v;
    for (;;) {
        const jn::read_status st = s->reader_.next(v);
        if (st == jn::read_status::end) break;
        if (st != jn::read_status::ok)
            return fail("journal " + dir + ": cannot replay the FIX store (" +
                        std::string(st == jn::read_status::corrupt ? s->reader_.corruption()
                                                                   : "segment missing") +
                        ")");
        switch (static_cast<store_record>(v.meta.type)) {
            case store_record::message:
                if (v.meta.dir != jn::direction::out || v.meta.sequence == 0) break;
                if (s->positions_.size() < v.meta.sequence)
                    s->positions_.resize(v.meta.sequence, none);
                s->positions_[v.meta.sequence - 1] = v.position;
                s->last_saved_ = v.meta.sequence;
                s->sender_ = v.meta.sequence + 1;
                break;
            case store_record::target_seq:
                s->target_ = v.meta.sequence;
                break;
            case store_record::sender_seq:
                s->sender_ = v.meta.sequence;
                break;
            case store_record::reset:
                s->positions_.clear();
                s->last_saved_ = 0;
                s->sender_ = 1;
                s->target_ = 1;
                break;
        }
    }
    return result<std::unique_ptr<journal_message_store>>(std::move(s));
}

bool journal_message_store::write(store_record type, jn::direction d, std::uint64_t seq,
                                  std::string_view payload) noexcept {
    if (failure_ != nullptr) return false;
    jn::record_meta m;
    m.type = static_cast<std::uint16_t>(type);
    m.dir = d;
    m.sequence = seq;
    m.timestamp_ns = now_ns_ != 0 ? now_ns_ : wall_ns();
    jn::append_status st = writer_->append(m, to_bytes(payload));
    if (st == jn::append_status::ok && sync_) st = writer_->flush();
    if (st != jn::append_status::ok) {
        failure_ = jn::to_string(st);
        return false;
    }
    return true;
}

void journal_message_store::save(std::uint64_t seq, std::string_view frame) {
    if (seq == 0) return;
    if (!write(store_record::message, jn::direction::out, seq, frame)) return;
    // Records are contiguous in their segment: this one ends at the writer's position.
    if (positions_.size() < seq) positions_.resize(seq, none);
    positions_[seq - 1] = writer_->position() - jn::record_span(frame.size());
    last_saved_ = seq;
    sender_ = seq + 1;
}

void journal_message_store::load(std::uint64_t begin, std::uint64_t end,
                                 fix::store_visitor& v) const {
    if (begin == 0) begin = 1;
    for (std::uint64_t seq = begin; seq <= end && seq <= positions_.size(); ++seq) {
        const std::uint64_t pos = positions_[seq - 1];
        if (pos == none) continue;
        jn::record_view rv;
        // The index is the fallback should a position not hold the record.
        reader_.seek(pos);
        jn::read_status st = reader_.next(rv);
        if (st != jn::read_status::ok || rv.meta.sequence != seq ||
            rv.meta.dir != jn::direction::out)
            st = reader_.find(jn::direction::out, seq, rv);
        if (st != jn::read_status::ok) continue;
        v.on_stored(seq, to_string_view(rv.payload));
    }
}

void journal_message_store::set_next_sender_seq(std::uint64_t seq) {
    if (seq == sender_) return;
    if (write(store_record::sender_seq, jn::direction::in, seq, {})) sender_ = seq;
}

void journal_message_store::set_next_target_seq(std::uint64_t seq) {
    if (seq == target_) return;
    if (write(store_record::target_seq, jn::direction::in, seq, {})) target_ = seq;
}

void journal_message_store::reset() {
    if (!write(store_record::reset, jn::direction::in, 0, {})) return;
    positions_.clear();
    last_saved_ = 0;
    sender_ = 1;
    target_ = 1;
}

std::size_t journal_message_store::size() const noexcept {
    std::size_t n = 0;
    for (const std::uint64_t p : positions_)
        if (p != none) ++n;
    return n;
}

}  // namespace exwire::engine
