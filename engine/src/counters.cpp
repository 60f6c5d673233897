#include <exwire/engine/counters.hpp>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace exwire::engine {

std::string_view to_string(counter c) noexcept {
    switch (c) {
        case counter::frames_in:
            return "frames_in";
        case counter::bytes_in:
            return "bytes_in";
        case counter::frames_out:
            return "frames_out";
        case counter::bytes_out:
            return "bytes_out";
        case counter::heartbeats_in:
            return "heartbeats_in";
        case counter::heartbeats_out:
            return "heartbeats_out";
        case counter::heartbeats_missed:
            return "heartbeats_missed";
        case counter::gaps:
            return "gaps";
        case counter::retransmissions:
            return "retransmissions";
        case counter::reconnects:
            return "reconnects";
        case counter::records_dropped:
            return "records_dropped";
    }
    return "?";
}

namespace {

void copy_name(char (&dst)[32], std::string_view src) {
    std::memset(dst, 0, sizeof dst);
    std::memcpy(dst, src.data(), std::min(src.size(), sizeof dst - 1));
}

std::string read_name(const char (&src)[32]) {
    return std::string(src, strnlen(src, sizeof src));
}

}  // namespace

result<counters_table> counters_table::create(const std::string& path, std::string_view engine,
                                              const std::vector<entry>& entries) {
    using namespace counters_detail;
    counters_table t;
    t.count_ = entries.size();
    if (path.empty()) {
        t.heap_ = std::make_unique<slot[]>(std::max<std::size_t>(entries.size(), 1));
        t.slots_ = t.heap_.get();
    } else {
        const std::size_t size =
            sizeof(header) + std::max<std::size_t>(entries.size(), 1) * sizeof(slot);
        auto f = mapped_file::create(path, size);
        if (!f) return fail(fmt::format("counters file: {}", f.err().message));
        t.file_ = std::move(*f);
        // The mapping is page-aligned and the header is two cache lines, so slots are
        // cache-line aligned as their type requires.
        t.slots_ = reinterpret_cast<slot*>(t.file_.data().data() + sizeof(header));
    }
    for (std::size_t i = 0; i < entries.size(); ++i) {
        slot* s = new (&t.slots_[i]) slot{};
        copy_name(s->session, entries[i].session);
        copy_name(s->shard, entries[i].shard);
        for (auto& v : s->values)
            v.store(0, std::memory_order_relaxed);
    }
    if (!path.empty()) {
        auto* h = new (t.file_.data().data()) header{};
        h->magic = magic;
        h->version = version;
        h->slot_count = static_cast<std::uint32_t>(entries.size());
        h->slot_size = sizeof(slot);
        h->counter_count = static_cast<std::uint32_t>(counter_count);
        copy_name(h->engine, engine);
        // A reader that sees ready == 1 (acquire) sees every name and zero above.
        h->ready.store(1, std::memory_order_release);
    }
    return t;
}

session_counters counters_table::writer(std::size_t index) noexcept {
    return index < count_ ? session_counters(&slots_[index]) : session_counters();
}

result<counters_snapshot> counters_table::read(const std::string& path) {
    using namespace counters_detail;
    auto f = mapped_file::open(path, false);
    if (!f) return fail(f.err().message);
    const mutable_bytes m = f->data();
    if (m.size() < sizeof(header))
        return fail(fmt::format("{}: too small to be an exwire counters file", path));
    const auto* h = reinterpret_cast<const header*>(m.data());
    if (h->magic != magic) return fail(fmt::format("{}: not an exwire counters file", path));
    if (h->version != version)
        return fail(fmt::format("{}: counters file version {} (this exwire reads {})", path,
                                h->version, version));
    if (h->ready.load(std::memory_order_acquire) != 1)
        return fail(fmt::format("{}: not initialised yet", path));
    if (h->slot_size != sizeof(slot) ||
        sizeof(header) + std::size_t{h->slot_count} * h->slot_size > m.size())
        return fail(fmt::format("{}: inconsistent counters file (slots do not fit)", path));
    counters_snapshot snap;
    snap.engine = read_name(h->engine);
    const auto* slots = reinterpret_cast<const slot*>(m.data() + sizeof(header));
    const std::size_t n = std::min<std::size_t>(h->counter_count, counter_count);
    for (std::uint32_t i = 0; i < h->slot_count; ++i) {
        counters_row row;
        row.session = read_name(slots[i].session);
        row.shard = read_name(slots[i].shard);
        for (std::size_t c = 0; c < n; ++c)
            row.values[c] = slots[i].values[c].load(std::memory_order_relaxed);
        snap.rows.push_back(std::move(row));
    }
    return snap;
}

}  // namespace exwire::engine
