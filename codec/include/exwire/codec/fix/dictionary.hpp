#pragma once
// FIX data dictionary (QuickFIX XML format) and run-time validation against it.
//
// dictionary::load() reads a QuickFIX-format file (FIX 4.2 .. 5.0 SP2; the jspurefix
// FIX50SP2.xml carries the FIXT 1.1 header, trailer and session messages itself) and
// expands components, so every message, header, trailer and repeating group is a flat list
// of members. validate() then checks one framed message against it with QuickFIX's
// categories; the failure names the tag and a reason whose value is the FIX
// SessionRejectReason (373), so the session layer can send the right Reject.
//
// Thread-safety: load() is cold path (allocates, returns exwire::result); a loaded
// dictionary is immutable and may be shared by any number of threads. validate() is
// noexcept and allocates nothing. Names returned live as long as the dictionary.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exwire/codec/fix/reader.hpp"
#include "exwire/core/result.hpp"

namespace exwire::codec::fix {

/// Field types of the dictionary (the `type` attribute).
enum class field_type : std::uint8_t {
    string,
    char_,
    int_,
    length,
    num_in_group,
    seq_num,
    tag_num,
    day_of_month,
    float_,
    qty,
    price,
    price_offset,
    amt,
    percentage,
    boolean,
    utc_timestamp,
    utc_time_only,
    utc_date_only,
    local_mkt_date,
    month_year,
    data,
    multiple_value_string,
    multiple_char_value,
    other,
};

/// Why a message fails validation; the values are FIX SessionRejectReason (373) codes.
enum class reject_reason : std::uint8_t {
    invalid_tag_number = 0,  ///< tag unknown to the dictionary
    required_tag_missing = 1,
    tag_not_defined_for_message = 2,
    tag_without_value = 4,
    value_out_of_range = 5,  ///< not one of the field's enumerated values
    incorrect_data_format = 6,
    invalid_msg_type = 11,
    tag_appears_more_than_once = 13,
    tag_out_of_order = 14,           ///< header, body and trailer fields interleaved
    group_fields_out_of_order = 15,  ///< group entry does not start with its delimiter
    group_count_mismatch = 16,       ///< NumInGroup differs from the entries found
    none = 255,
};

[[nodiscard]] std::string_view to_string(reject_reason r) noexcept;

/// Outcome of validate(): ok, or the first failure with the tag it concerns.
struct validation_result {
    reject_reason reason = reject_reason::none;
    int tag = 0;
    [[nodiscard]] bool ok() const noexcept { return reason == reject_reason::none; }
};

struct field_def {
    int tag = 0;
    std::string name;
    field_type type = field_type::string;
    std::string type_name;
    /// Enumerated values sorted by value, with their descriptions.
    std::vector<std::pair<std::string, std::string>> values;
};

/// A member of a message, header, trailer or group entry (components expanded).
struct member_def {
    int tag = 0;
    bool required = false;
    int group = -1;  ///< index into dictionary::groups() when the member is a group
};

/// An ordered member list with a tag index for lookups.
struct scope_def {
    std::vector<member_def> members;
    std::vector<std::pair<int, int>> by_tag;  ///< (tag, member index) sorted by tag
    /// Member index of `tag`, or -1.
    [[nodiscard]] int find(int tag) const noexcept;
};

struct group_def {
    std::string name;
    int count_tag = 0;  ///< the NumInGroup field
    int delimiter = 0;  ///< first member, which starts every entry
    scope_def entry;
};

struct message_def {
    std::string name;
    std::string msg_type;
    bool admin = false;
    scope_def body;
};

class dictionary {
  public:
    /// Loads a QuickFIX-format XML file (cold path).
    [[nodiscard]] static exwire::result<dictionary> load(const std::string& path);
    /// Loads from XML text (cold path).
    [[nodiscard]] static exwire::result<dictionary> load_string(std::string_view xml);

    /// "FIX.4.4", or "FIXT.1.1" for FIX 5.x application versions.
    [[nodiscard]] std::string_view begin_string() const noexcept { return begin_string_; }
    /// e.g. "FIX.5.0SP2" (the application version).
    [[nodiscard]] std::string_view version() const noexcept { return version_; }

    [[nodiscard]] const field_def* field(int tag) const noexcept;
    [[nodiscard]] const field_def* field(std::string_view name) const noexcept;
    [[nodiscard]] const message_def* message(std::string_view msg_type) const noexcept;
    [[nodiscard]] const std::vector<message_def>& messages() const noexcept { return messages_; }
    [[nodiscard]] const std::vector<group_def>& groups() const noexcept { return groups_; }
    [[nodiscard]] const std::vector<field_def>& fields() const noexcept { return fields_; }
    [[nodiscard]] const scope_def& header() const noexcept { return header_; }
    [[nodiscard]] const scope_def& trailer() const noexcept { return trailer_; }
    /// Description of an enumerated value, or empty.
    [[nodiscard]] std::string_view value_name(int tag, std::string_view value) const noexcept;

    /// Checks a complete frame (check_frame() said complete) against the dictionary:
    /// BeginString, unknown tags, tags not in the message, required tags, enumerated values,
    /// data formats, repeated tags, header/body/trailer order, repeating groups (nested)
    /// with their counts. Returns the first failure. noexcept, no allocation.
    [[nodiscard]] validation_result validate(const message_view& m) const noexcept;

    /// Checks one value against a field's type and enumeration.
    [[nodiscard]] validation_result check_value(const field_def& f,
                                                std::string_view v) const noexcept;

  private:
    friend class dictionary_loader;
    std::string begin_string_;
    std::string version_;
    std::vector<field_def> fields_;
    std::vector<int> field_index_;  // tag -> index into fields_, -1 if none
    std::vector<std::pair<std::string, int>> field_by_name_;  // sorted
    std::vector<message_def> messages_;
    std::vector<std::pair<std::string, int>> message_by_type_;  // sorted
    std::vector<group_def> groups_;
    scope_def header_;
    scope_def trailer_;
};

}  // namespace exwire::codec::fix
