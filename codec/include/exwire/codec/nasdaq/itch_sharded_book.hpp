#pragma once
// The order book of an ITCH 5.0 stream split by symbol over N itch_books, built on N threads.
//
// Shard k owns the stock locates with `locate % N == k`. Every ITCH 5.0 message carries its
// symbol's locate at offset 1 and every message about an order carries that order's symbol
// (a replace keeps it), so the shards' books are independent: apply_framed() hands the
// same span of length-prefixed frames to every shard, each on its own thread, and each
// shard checks every frame (so they all stop at the same frame) but applies, in stream
// order, only the messages of its locates (itch_book::apply_framed(bytes, book_partition)).
// The threads are started for the call and joined before it returns: nothing spins or
// stays behind between calls. Starting threads costs tens of microseconds, so this pays
// for large spans (a day's file, a large buffer of frames), not per packet. With a free
// core per shard the wall time falls towards 1/N of one itch_book's, but not to it: each
// shard also frames and checks the whole span (cheap next to the book updates), and the
// shards share the caches and the memory bandwidth (docs/benchmarks.md has the figures).
//
// Threads: one thread at a time calls any member; apply_framed() runs the shards on shard
// threads and returns once they are done, after which the calling thread reads the
// ladders (bids/asks, routed to the locate's shard) and counters (summed).
// Errors: a stream's bad frame stops every shard at that frame (run_result, as for
// itch_book). An exception in a shard (std::bad_alloc) or a thread that cannot be started
// (std::system_error; std::runtime_error naming the cpu when pinning fails) is rethrown on
// the calling thread once every started thread has been joined; the shards may then have
// applied different amounts of the span, so discard the book.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <exwire/codec/nasdaq/itch_book.hpp>
#include <exwire/core/thread.hpp>

namespace exwire::codec::nasdaq {

class sharded_itch_book {
  public:
    struct options {
        std::uint16_t shards = 2;  ///< >= 1; one core per shard is what makes it pay
        /// Live orders of the whole stream to make room for. Each shard reserves this many:
        /// a shard's order pages span every reference of the stream, its own sit between
        /// the other shards' gaps.
        std::size_t expected_orders = std::size_t{1} << 16;
        /// Empty: shard 0 runs on the calling thread, the others on unpinned threads.
        /// Otherwise every shard runs on a thread of its own pinned to cpus[k % size()]
        /// (the calling thread's affinity is left alone and it waits for them).
        std::vector<int> cpus;
    };

    /// Throws std::invalid_argument for 0 shards or a cpu this process may not run on.
    explicit sharded_itch_book(options o) : cpus_(std::move(o.cpus)) {
        if (o.shards == 0) throw std::invalid_argument("sharded_itch_book: 0 shards");
        if (!cpus_.empty()) {
            const std::vector<int> allowed = allowed_cpus();
            for (const int c : cpus_) {
                bool found = false;
                for (const int a : allowed)
                    found = found || a == c;
                if (!found)
                    throw std::invalid_argument("sharded_itch_book: cpu " + std::to_string(c) +
                                                " is not in this process's allowed set");
            }
        }
        shards_.reserve(o.shards);
        for (std::uint16_t k = 0; k < o.shards; ++k)
            shards_.push_back(std::make_unique<itch_book>(o.expected_orders));
    }

    /// Makes room in every shard for `orders` live orders of the whole stream.
    void reserve(std::size_t orders) {
        for (auto& s : shards_)
            s->reserve(orders);
    }

    /// Applies a run of length-prefixed frames (as itch_book::apply_framed()) with one
    /// thread per shard; returns when every shard is done. The result is what one
    /// itch_book fed the same bytes returns: `consumed`, `frames` and `status` (every shard
    /// stops at the same frame), `messages` summed over the shards.
    itch_book::run_result apply_framed(exwire::bytes framed) {
        const std::size_t n = shards_.size();
        std::vector<itch_book::run_result> results(n);
        std::vector<std::exception_ptr> errors(n);
        auto work = [&](std::size_t k) noexcept {
            try {
                results[k] = shards_[k]->apply_framed(
                    framed,
                    book_partition{static_cast<std::uint16_t>(n), static_cast<std::uint16_t>(k)});
            } catch (...) {
                errors[k] = std::current_exception();
            }
        };
        const std::size_t first_thread = cpus_.empty() ? 1 : 0;  // shard 0 on this thread?
        std::vector<std::jthread> threads;
        std::exception_ptr start_error;
        try {
            threads.reserve(n);
            for (std::size_t k = first_thread; k < n; ++k) {
                if (cpus_.empty()) {
                    threads.emplace_back([&work, k] { work(k); });
                    continue;
                }
                thread_options to;
                to.name = "itch-book-" + std::to_string(k);
                to.cpus = {cpus_[k % cpus_.size()]};
                auto t = start_thread(std::move(to), [&work, k](std::stop_token) { work(k); });
                if (!t) throw std::runtime_error("sharded_itch_book: " + t.err().message);
                threads.push_back(std::move(*t));
            }
        } catch (...) {
            start_error = std::current_exception();
        }
        if (!start_error && first_thread == 1) work(0);
        for (auto& t : threads)
            t.join();
        if (start_error) std::rethrow_exception(start_error);
        for (const auto& e : errors)
            if (e) std::rethrow_exception(e);
        itch_book::run_result r = results[0];
        for (std::size_t k = 1; k < n; ++k)
            r.messages += results[k].messages;
        return r;
    }

    /// Up to max_levels levels of one side of a symbol, best first (from its shard).
    [[nodiscard]] std::vector<itch_book::level> bids(std::uint16_t locate,
                                                     std::size_t max_levels = ~std::size_t{
                                                         0}) const {
        return shard_of(locate).bids(locate, max_levels);
    }
    [[nodiscard]] std::vector<itch_book::level> asks(std::uint16_t locate,
                                                     std::size_t max_levels = ~std::size_t{
                                                         0}) const {
        return shard_of(locate).asks(locate, max_levels);
    }

    /// Sums over the shards.
    [[nodiscard]] std::size_t live_orders() const noexcept {
        std::size_t sum = 0;
        for (const auto& s : shards_)
            sum += s->live_orders();
        return sum;
    }
    [[nodiscard]] std::size_t live_levels() const noexcept {
        std::size_t sum = 0;
        for (const auto& s : shards_)
            sum += s->live_levels();
        return sum;
    }
    [[nodiscard]] itch_book::counters stats() const noexcept {
        itch_book::counters sum;
        for (const auto& s : shards_) {
            const itch_book::counters& c = s->stats();
            sum.adds += c.adds;
            sum.executions += c.executions;
            sum.cancels += c.cancels;
            sum.deletes += c.deletes;
            sum.replaces += c.replaces;
            sum.unknown_orders += c.unknown_orders;
            sum.duplicate_adds += c.duplicate_adds;
        }
        return sum;
    }

    [[nodiscard]] std::size_t shard_count() const noexcept { return shards_.size(); }
    /// Shard k's book: the locates with `locate % shard_count() == k`.
    [[nodiscard]] const itch_book& shard(std::size_t k) const { return *shards_.at(k); }
    [[nodiscard]] const itch_book& shard_of(std::uint16_t locate) const noexcept {
        return *shards_[locate % shards_.size()];
    }

  private:
    std::vector<std::unique_ptr<itch_book>> shards_;
    std::vector<int> cpus_;
};

}  // namespace exwire::codec::nasdaq
