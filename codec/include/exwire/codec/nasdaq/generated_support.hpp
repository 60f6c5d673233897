#pragma once
// Types shared by every generated message set header (views, builders, visit()).
// Thread-safe: plain values. See message_set.hpp for the run-time descriptors.

#include <cstddef>
#include <cstdint>

#include <exwire/codec/nasdaq/field_types.hpp>
#include <exwire/codec/nasdaq/message_set.hpp>
#include <exwire/core/bytes.hpp>

namespace exwire::codec::nasdaq {

/// Outcome of checking or dispatching one message.
enum class [[nodiscard]] visit_status : std::uint8_t{
    ok,            ///< well-formed; the visitor was called (if it takes that view)
    truncated,     ///< fewer bytes than the type needs (or an empty span)
    oversized,     ///< more bytes than the type uses
    malformed,     ///< a length field is invalid (e.g. negative string length)
    unknown_type,  ///< the type byte names no message of the set
};

[[nodiscard]] constexpr const char* to_string(visit_status s) noexcept {
    switch (s) {
        case visit_status::ok:
            return "ok";
        case visit_status::truncated:
            return "truncated";
        case visit_status::oversized:
            return "oversized";
        case visit_status::malformed:
            return "malformed";
        case visit_status::unknown_type:
            return "unknown message type";
    }
    return "?";
}

/// Outcome of a builder.
enum class [[nodiscard]] encode_status : std::uint8_t{ok, too_small};

struct [[nodiscard]] encode_result {
    encode_status status;
    std::size_t size;  ///< bytes written when ok
    [[nodiscard]] bool ok() const noexcept { return status == encode_status::ok; }
};

/// A counted array of fixed-size elements inside a message; Elem is a field-type traits
/// struct (load()) or a record view (constructed over the element bytes).
template <typename Elem, std::size_t ElemSize>
class array_view {
  public:
    array_view(const std::byte* p, std::size_t count) noexcept : p_(p), count_(count) {}
    [[nodiscard]] std::size_t size() const noexcept { return count_; }
    [[nodiscard]] auto operator[](std::size_t i) const noexcept {
        if constexpr (requires { Elem::load(p_); }) {
            return Elem::load(p_ + i * ElemSize);
        } else {
            return Elem(exwire::bytes(p_ + i * ElemSize, ElemSize));
        }
    }

  private:
    const std::byte* p_;
    std::size_t count_;
};

}  // namespace exwire::codec::nasdaq
