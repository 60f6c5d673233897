#pragma once
// Where a FIX session keeps what must survive a reconnect: the outbound messages by
// sequence number (to serve ResendRequest) and the next sender/target sequence numbers.
//
// message_store is the interface the session machine writes through; a journal-backed
// implementation plugs in here. memory_store keeps everything in memory (tests, sessions
// that reset every logon).
//
// Thread-safety: a store belongs to the one thread stepping its session. Errors: save()
// and the setters cannot fail from the session's point of view (an implementation that
// can fail reports it through its own channel); load() visits what it has and skips
// sequence numbers it does not hold. Frames handed to a visitor live until it returns.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace exwire::engine::fix {

/// Receives stored messages in ascending sequence order.
class store_visitor {
  public:
    virtual void on_stored(std::uint64_t seq, std::string_view frame) noexcept = 0;

  protected:
    ~store_visitor() = default;
};

class message_store {
  public:
    virtual ~message_store() = default;
    /// Persists one outbound frame, exactly as sent, under its MsgSeqNum.
    virtual void save(std::uint64_t seq, std::string_view frame) = 0;
    /// Visits the stored frames with begin <= seq <= end, in order.
    virtual void load(std::uint64_t begin, std::uint64_t end, store_visitor& v) const = 0;
    [[nodiscard]] virtual std::uint64_t next_sender_seq() const noexcept = 0;
    [[nodiscard]] virtual std::uint64_t next_target_seq() const noexcept = 0;
    virtual void set_next_sender_seq(std::uint64_t seq) = 0;
    virtual void set_next_target_seq(std::uint64_t seq) = 0;
    /// Forgets every message and sets both sequence numbers to 1 (ResetSeqNumFlag).
    virtual void reset() = 0;
    /// When the sequence numbers were last reset (ns since the epoch; 0 unknown). A
    /// scheduled session resets the store when this is before the current period. A store
    /// that does not keep it is reset the first time a scheduled machine checks it.
    [[nodiscard]] virtual std::int64_t creation_time_ns() const noexcept { return 0; }
    virtual void set_creation_time_ns(std::int64_t t) { (void)t; }
    /// False once the store failed to record something (a journal out of space): the
    /// session must not send what it could not store. failure() says why (nullptr if healthy).
    /// The machine passes the wall-clock time (ns since the epoch) of each call it is
    /// handling before it writes to the store: a store that timestamps what it writes may
    /// use it instead of reading the clock for every record.
    virtual void set_time(std::int64_t now_ns) noexcept { (void)now_ns; }
    [[nodiscard]] virtual bool healthy() const noexcept { return true; }
    [[nodiscard]] virtual const char* failure() const noexcept { return nullptr; }
};

/// A message_store in memory. Frames are copied into an arena of 1 MiB chunks (a frame
/// larger than that gets a chunk of its own) with a sorted index of (seq, where) slots, so
/// saving a message allocates nothing but a new chunk every few thousand messages and the
/// index's amortized growth. Saving ascending sequence numbers (what a session does)
/// appends; a number saved again replaces the frame (the old bytes stay unused in the
/// arena until reset()). Everything is kept until reset().
class memory_store final : public message_store {
  public:
    static constexpr std::size_t chunk_size = std::size_t{1} << 20;

    void save(std::uint64_t seq, std::string_view frame) override {
        const char* const p = copy_in(frame);
        const slot s{seq, p, frame.size()};
        if (slots_.empty() || slots_.back().seq < seq) {
            slots_.push_back(s);
            return;
        }
        auto it = std::lower_bound(slots_.begin(), slots_.end(), seq,
                                   [](const slot& a, std::uint64_t q) { return a.seq < q; });
        if (it != slots_.end() && it->seq == seq)
            *it = s;
        else
            slots_.insert(it, s);
    }
    void load(std::uint64_t begin, std::uint64_t end, store_visitor& v) const override {
        auto it = std::lower_bound(slots_.begin(), slots_.end(), begin,
                                   [](const slot& a, std::uint64_t q) { return a.seq < q; });
        for (; it != slots_.end() && it->seq <= end; ++it)
            v.on_stored(it->seq, std::string_view(it->data, it->size));
    }
    [[nodiscard]] std::uint64_t next_sender_seq() const noexcept override { return sender_; }
    [[nodiscard]] std::uint64_t next_target_seq() const noexcept override { return target_; }
    void set_next_sender_seq(std::uint64_t seq) override { sender_ = seq; }
    void set_next_target_seq(std::uint64_t seq) override { target_ = seq; }
    void reset() override {
        slots_.clear();
        chunks_.clear();
        chunk_cap_ = used_ = 0;
        sender_ = 1;
        target_ = 1;
    }
    [[nodiscard]] std::size_t size() const noexcept { return slots_.size(); }
    [[nodiscard]] std::int64_t creation_time_ns() const noexcept override { return created_; }
    void set_creation_time_ns(std::int64_t t) override { created_ = t; }

  private:
    struct slot {
        std::uint64_t seq;
        const char* data;
        std::size_t size;
    };
    /// Copies `frame` into the arena (a new chunk when the current one is full).
    const char* copy_in(std::string_view frame) {
        if (chunks_.empty() || chunk_cap_ - used_ < frame.size()) {
            const std::size_t cap = std::max(chunk_size, frame.size());
            chunks_.push_back(std::make_unique<char[]>(cap));
            chunk_cap_ = cap;
            used_ = 0;
        }
        char* const p = chunks_.back().get() + used_;
        if (!frame.empty()) std::memcpy(p, frame.data(), frame.size());
        used_ += frame.size();
        return p;
    }

    std::int64_t created_ = 0;
    std::vector<std::unique_ptr<char[]>> chunks_;
    std::size_t chunk_cap_ = 0;  ///< capacity of the newest chunk
    std::size_t used_ = 0;       ///< bytes used in the newest chunk
    std::vector<slot> slots_;    ///< ascending seq
    std::uint64_t sender_ = 1;
    std::uint64_t target_ = 1;
};

}  // namespace exwire::engine::fix
