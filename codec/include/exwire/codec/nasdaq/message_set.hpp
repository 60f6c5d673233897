#pragma once
// Run-time description of a message set (generated from its XML by
// tools/codegen/nasdaq/nasdaq_codegen.py) and the cold-path conversions that work on any set:
// one-line text `Type{field=value, ...}`, JSON, and text parsed back into bytes.
//
// The descriptor tables are constexpr data with static storage; any thread may read them.
// The conversions allocate (std::string) and report errors as exwire::result with a message
// naming the field or byte offset; they never read outside the bytes they are given.
// Hot-path decoding uses the generated views (compile-time offsets), not these functions.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <exwire/codec/nasdaq/field_types.hpp>
#include <exwire/core/bytes.hpp>
#include <exwire/core/result.hpp>

namespace exwire::codec::nasdaq {

/// Who sends a message (the XML `direction` attribute: `incoming` = to the exchange).
enum class direction : std::uint8_t { any, incoming, outgoing };

struct record_info;

/// One field of a message or record, in wire order.
struct field_info {
    std::string_view name;
    field_kind kind;
    std::uint16_t length = 0;             ///< fixed string length or record size; else 0
    bool right_justified = false;         ///< fixed strings: padding on the left
    bool optional = false;                ///< appendage: the message may end before this field
    bool array = false;                   ///< preceded by a uint16 element count
    bool count_big_endian = false;        ///< byte order of that count (XML endian="big")
    const record_info* record = nullptr;  ///< kind == record
};

/// A fixed-size group of fields (XML records-root/record).
struct record_info {
    std::string_view name;
    std::span<const field_info> fields;
    std::size_t size;
};

/// One message: the type byte (when the set has one) followed by its fields.
struct message_info {
    std::string_view name;
    std::uint8_t type;  ///< message-id
    direction dir;
    std::span<const field_info> fields;
    std::size_t min_size;  ///< smallest valid message, type byte included
};

/// A whole set: its messages and whether each message starts with a type byte.
struct message_set_info {
    std::string_view name;
    std::span<const message_info> messages;
};

/// The message of `set` with this type byte and direction (`any` matches every direction),
/// or nullptr.
[[nodiscard]] const message_info* find_message(const message_set_info& set, std::uint8_t type,
                                               direction dir = direction::any) noexcept;
/// The message of `set` with this name, or nullptr.
[[nodiscard]] const message_info* find_message(const message_set_info& set,
                                               std::string_view name) noexcept;

/// Bytes used by the message starting at msg[0], or an error naming the offset where the
/// bytes run out. Checks that every length and count stays inside msg.
[[nodiscard]] result<std::size_t> measure(const message_info& info, bytes msg);

/// `Name{Field=value, ...}`. Strings and chars are quoted; appendages are quoted hex.
[[nodiscard]] result<std::string> to_text(const message_info& info, bytes msg);
/// Same, looking the message up by its first byte.
[[nodiscard]] result<std::string> to_text(const message_set_info& set, bytes msg,
                                          direction dir = direction::any);
/// `{"type":"Name","Field":value,...}`.
[[nodiscard]] result<std::string> to_json(const message_info& info, bytes msg);
[[nodiscard]] result<std::string> to_json(const message_set_info& set, bytes msg,
                                          direction dir = direction::any);

/// Parses `Name{Field=value, ...}` (the to_text form; fields in any order, missing fields
/// become zero, spaces or empty) and writes the message into out. Returns the size written.
[[nodiscard]] result<std::size_t> from_text(const message_set_info& set, std::string_view text,
                                            mutable_bytes out, direction dir = direction::any);

/// Same for a record (no type byte): `{Field=value, ...}` or `Name{...}`.
[[nodiscard]] result<std::size_t> record_from_text(const record_info& rec, std::string_view text,
                                                   mutable_bytes out);
[[nodiscard]] result<std::string> record_to_text(const record_info& rec, bytes data);

}  // namespace exwire::codec::nasdaq
