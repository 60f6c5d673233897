#pragma once
// The cold-path error channel: result<T> holds a value or an error with a message.
//
// Cold path (configuration, start-up, tools) returns result<T>; `main` turns an error into
// a clear message and a non-zero exit. The hot path never uses this type: it returns small
// [[nodiscard]] status enums instead (see docs/architecture.md, "Errors").
// (g++ 12 in C++20 mode has no std::expected.)

#include <string>
#include <utility>
#include <variant>

namespace exwire {

/// A failure with a human-readable message; `code` is an errno or a module-defined value.
struct error {
    std::string message;
    int code = 0;
};

/// Builds an error; usable as `return fail("no such cpu: 7");`.
[[nodiscard]] inline error fail(std::string message, int code = 0) {
    return error{std::move(message), code};
}

template <typename T>
class [[nodiscard]] result {
  public:
    result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
    result(error e) : v_(std::in_place_index<1>, std::move(e)) {}      // NOLINT

    [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    /// The value; calling it on an error is a programming error (checked in debug builds).
    [[nodiscard]] T& value() & { return std::get<0>(v_); }
    [[nodiscard]] const T& value() const& { return std::get<0>(v_); }
    [[nodiscard]] T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    [[nodiscard]] const error& err() const& { return std::get<1>(v_); }
    [[nodiscard]] error&& err() && { return std::get<1>(std::move(v_)); }

    template <typename U>
    [[nodiscard]] T value_or(U&& fallback) const& {
        return ok() ? value() : static_cast<T>(std::forward<U>(fallback));
    }

  private:
    std::variant<T, error> v_;
};

template <>
class [[nodiscard]] result<void> {
  public:
    result() = default;
    result(error e) : err_(std::move(e)), ok_(false) {}  // NOLINT: implicit by design

    [[nodiscard]] bool ok() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }
    [[nodiscard]] const error& err() const& { return err_; }
    [[nodiscard]] error&& err() && { return std::move(err_); }

  private:
    error err_;
    bool ok_ = true;
};

}  // namespace exwire
