#pragma once
// Run-time helpers the generated FIX message views and builders are built on.
//
// Generated code (tools/codegen/fix) wraps message_view and writer with one typed accessor
// per field; repeating groups are read through group_range, whose entries are views over
// the bytes of one entry (nested group fields included). Thread-safety and lifetimes as
// message_view: views live as long as the message bytes. Errors: std::nullopt for absent or
// badly formatted values, end() for absent groups; never exceptions, no allocation.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "exwire/codec/fix/reader.hpp"
#include "exwire/codec/fix/values.hpp"

namespace exwire::codec::fix {

/// Typed readers used by generated getters.
[[nodiscard]] inline std::optional<std::string_view> opt_string(std::string_view v) noexcept {
    if (v.data() == nullptr) return std::nullopt;
    return v;
}

/// The entries of one repeating group inside a message or an enclosing entry.
/// `members` holds every tag that may appear inside an entry (nested groups' tags included),
/// sorted ascending; an entry starts at `delimiter` and the group ends at the first field
/// that is not a member.
class group_range {
  public:
    class iterator {
      public:
        iterator() = default;
        iterator(message_view::iterator it, message_view::iterator end,
                 const group_range* g) noexcept
            : it_(it), end_(end), g_(g) {
            load();
        }
        /// The current entry as a view over its bytes.
        [[nodiscard]] message_view operator*() const noexcept { return entry_; }
        iterator& operator++() noexcept {
            it_ = next_;
            load();
            return *this;
        }
        bool operator==(const iterator& o) const noexcept { return it_ == o.it_; }

      private:
        void load() noexcept {
            if (it_ == end_ || it_->tag != g_->delimiter_) {
                it_ = end_;
                return;
            }
            const char* first = it_.position();
            next_ = it_;
            ++next_;
            while (next_ != end_ && next_->tag != g_->delimiter_ && g_->is_member(next_->tag))
                ++next_;
            const char* last = next_ == end_ ? g_->limit_ : next_.position();
            entry_ = message_view(std::string_view(first, static_cast<std::size_t>(last - first)));
        }
        message_view::iterator it_;
        message_view::iterator next_;
        message_view::iterator end_;
        const group_range* g_ = nullptr;
        message_view entry_;
    };

    group_range() = default;
    /// Finds NumInGroup `count_tag` in `scope` and prepares to walk its entries.
    group_range(const message_view& scope, int count_tag, int delimiter,
                std::span<const int> members) noexcept
        : delimiter_(delimiter), members_(members) {
        const auto e = scope.end();
        limit_ = scope.bytes().data() + scope.bytes().size();
        auto it = scope.find(count_tag);
        if (it == e) return;
        count_ = parse_uint(it->value).value_or(0);
        ++it;
        first_ = it;
        end_ = e;
    }

    /// NumInGroup as sent (0 when absent).
    [[nodiscard]] std::uint64_t declared_count() const noexcept { return count_; }
    [[nodiscard]] iterator begin() const noexcept { return iterator(first_, end_, this); }
    [[nodiscard]] iterator end() const noexcept { return iterator(end_, end_, this); }
    [[nodiscard]] bool is_member(int tag) const noexcept {
        return std::binary_search(members_.begin(), members_.end(), tag);
    }

  private:
    int delimiter_ = 0;
    std::span<const int> members_;
    std::uint64_t count_ = 0;
    message_view::iterator first_;
    message_view::iterator end_;
    const char* limit_ = nullptr;
};

}  // namespace exwire::codec::fix

namespace exwire::codec::fix {

/// A group_range whose entries are generated entry views (Entry constructible from a
/// message_view over the entry's bytes).
template <typename Entry>
class typed_group {
  public:
    class iterator {
      public:
        iterator() = default;
        explicit iterator(group_range::iterator it) noexcept : it_(it) {}
        [[nodiscard]] Entry operator*() const noexcept { return Entry(*it_); }
        iterator& operator++() noexcept {
            ++it_;
            return *this;
        }
        bool operator==(const iterator& o) const noexcept { return it_ == o.it_; }

      private:
        group_range::iterator it_;
    };

    explicit typed_group(group_range r) noexcept : r_(r) {}
    typed_group(const typed_group&) = delete;  // iterators point into r_
    typed_group& operator=(const typed_group&) = delete;
    [[nodiscard]] std::uint64_t declared_count() const noexcept { return r_.declared_count(); }
    [[nodiscard]] iterator begin() const noexcept { return iterator(r_.begin()); }
    [[nodiscard]] iterator end() const noexcept { return iterator(r_.end()); }

  private:
    group_range r_;
};

}  // namespace exwire::codec::fix
