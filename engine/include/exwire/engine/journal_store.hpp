#pragma once
// Journal-backed session stores: the Nasdaq sequenced_store and the FIX message_store kept
// in an exwire::journal directory, so what a session sent (or received) survives a restart
// of the process and is read back from the journal.
//
// journal_sequenced_store: append(seq, msg) is a journal record (type 1, the configured
// direction, sequence `seq`), committed before append() returns; read(seq) is one index
// lookup, or the reader's next record when `seq` follows the one read last (sequential
// reads cost no lookup). open() recovers next_sequence() from the index
// (last_indexed_sequence + 1).
//
// journal_message_store (FIX): save() is a record of type 1, direction out, sequence =
// MsgSeqNum, payload the frame as sent. The next target number is a record of type 2
// (direction in, sequence = the number, empty payload) each time it changes; an explicit
// next sender number that does not follow the last saved message is a type-3 record; reset()
// is a type-4 record. open() replays those records in order, so the numbers and the
// messages since the last reset survive a restart.
//
// Threads: one thread (the session's shard) uses a store. Bytes returned by read() live
// until the next append(). Errors: open() returns exwire::result with a message; a record
// the journal refuses (no_space, io_error...) makes append() return store_status::failed
// and, for the FIX store, healthy() false with failure() saying why: the session must stop
// sending, since what it would send is not journaled.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <exwire/core/result.hpp>
#include <exwire/engine/config.hpp>
#include <exwire/engine/fix/message_store.hpp>
#include <exwire/engine/nasdaq/sequenced_store.hpp>
#include <exwire/journal/config.hpp>
#include <exwire/journal/reader.hpp>
#include <exwire/journal/writer.hpp>

namespace exwire::engine {

/// Record types written by the journal stores.
enum class store_record : std::uint16_t {
    message = 1,     ///< a sequenced message / FIX frame
    target_seq = 2,  ///< FIX: next target MsgSeqNum (in the sequence field)
    sender_seq = 3,  ///< FIX: next sender MsgSeqNum (in the sequence field)
    reset = 4,       ///< FIX: every number back to 1, stored messages forgotten
};

/// The journal writer configuration for a session's journal section.
[[nodiscard]] journal::config journal_config_from(const journal_config& j);
/// The journal folder of a session: `<journal.dir>/<session name>` (sessions sharing the
/// default "journal" folder each get their own), or empty when journal.dir is empty.
[[nodiscard]] std::string session_journal_dir(const session_config& s);

class journal_sequenced_store final : public nasdaq::sequenced_store {
  public:
    /// Opens (creating if needed) the journal in `dir`. `dir` is the direction the messages
    /// are recorded with: out for a server/publisher, in for a client/receiver sink.
    [[nodiscard]] static result<std::unique_ptr<journal_sequenced_store>> open(
        const std::string& dir, const journal::config& cfg,
        journal::direction d = journal::direction::out);

    [[nodiscard]] std::uint64_t next_sequence() const noexcept override { return next_; }
    nasdaq::store_status append(std::uint64_t sequence, bytes message) noexcept override;
    [[nodiscard]] bytes read(std::uint64_t sequence) const noexcept override;

    /// The status of the last refused append (ok when none).
    [[nodiscard]] journal::append_status last_status() const noexcept { return last_; }
    [[nodiscard]] journal::writer& writer() noexcept { return *writer_; }

  private:
    journal_sequenced_store(std::unique_ptr<journal::writer> w, journal::reader r,
                            journal::direction d, std::uint64_t next)
        : writer_(std::move(w)), reader_(std::move(r)), dir_(d), next_(next) {}

    std::unique_ptr<journal::writer> writer_;
    mutable journal::reader reader_;
    journal::direction dir_;
    std::uint64_t next_;
    mutable std::uint64_t read_after_ = 0;  ///< the reader stands after this sequence (0: unknown)
    journal::append_status last_ = journal::append_status::ok;
    bool sync_ = false;
};

class journal_message_store final : public fix::message_store {
  public:
    [[nodiscard]] static result<std::unique_ptr<journal_message_store>> open(
        const std::string& dir, const journal::config& cfg);

    void save(std::uint64_t seq, std::string_view frame) override;
    void load(std::uint64_t begin, std::uint64_t end, fix::store_visitor& v) const override;
    [[nodiscard]] std::uint64_t next_sender_seq() const noexcept override { return sender_; }
    [[nodiscard]] std::uint64_t next_target_seq() const noexcept override { return target_; }
    void set_next_sender_seq(std::uint64_t seq) override;
    void set_next_target_seq(std::uint64_t seq) override;
    void reset() override;
    [[nodiscard]] bool healthy() const noexcept override { return failure_ == nullptr; }
    [[nodiscard]] const char* failure() const noexcept override { return failure_; }
    /// Records written from now on carry `now_ns` as their timestamp (the session's time
    /// of the call in progress) instead of a clock read per record.
    void set_time(std::int64_t now_ns) noexcept override { now_ns_ = now_ns; }

    /// Messages held since the last reset.
    [[nodiscard]] std::size_t size() const noexcept;

  private:
    journal_message_store(std::unique_ptr<journal::writer> w, journal::reader r)
        : writer_(std::move(w)), reader_(std::move(r)) {}
    bool write(store_record type, journal::direction d, std::uint64_t seq,
               std::string_view payload) noexcept;

    std::unique_ptr<journal::writer> writer_;
    mutable journal::reader reader_;
    std::vector<std::uint64_t> positions_;  ///< [seq - 1]: journal position, or ~0 = none
    std::uint64_t sender_ = 1;
    std::uint64_t target_ = 1;
    std::uint64_t last_saved_ = 0;
    const char* failure_ = nullptr;
    std::int64_t now_ns_ = 0;  ///< from set_time(); 0: read the clock
    bool sync_ = false;
};

}  // namespace exwire::engine
