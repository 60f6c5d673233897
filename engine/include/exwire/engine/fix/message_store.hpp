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

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

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
    [[nodiscard]] virtual bool healthy() const noexcept { return true; }
    [[nodiscard]] virtual const char* failure() const noexcept { return nullptr; }
};

/// A message_store in memory (allocates per saved message).
class memory_store final : public message_store {
  public:
    void save(std::uint64_t seq, std::string_view frame) override {
        messages_[seq] = std::string(frame);
    }
    void load(std::uint64_t begin, std::uint64_t end, store_visitor& v) const override {
        for (auto it = messages_.lower_bound(begin); it != messages_.end() && it->first <= end;
             ++it)
            v.on_stored(it->first, it->second);
    }
    [[nodiscard]] std::uint64_t next_sender_seq() const noexcept override { return sender_; }
    [[nodiscard]] std::uint64_t next_target_seq() const noexcept override { return target_; }
    void set_next_sender_seq(std::uint64_t seq) override { sender_ = seq; }
    void set_next_target_seq(std::uint64_t seq) override { target_ = seq; }
    void reset() override {
        messages_.clear();
        sender_ = 1;
        target_ = 1;
    }
    [[nodiscard]] std::size_t size() const noexcept { return messages_.size(); }
    [[nodiscard]] std::int64_t creation_time_ns() const noexcept override { return created_; }
    void set_creation_time_ns(std::int64_t t) override { created_ = t; }

  private:
    std::int64_t created_ = 0;
    std::map<std::uint64_t, std::string> messages_;
    std::uint64_t sender_ = 1;
    std::uint64_t target_ = 1;
};

}  // namespace exwire::engine::fix
