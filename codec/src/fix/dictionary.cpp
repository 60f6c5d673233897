// FIX dictionary: QuickFIX XML loading (cold path) and allocation-free validation.
#include "exwire/codec/fix/dictionary.hpp"

#include <algorithm>
#include <array>
#include <map>

#include <pugixml.hpp>

#include "exwire/codec/fix/values.hpp"

namespace exwire::codec::fix {

std::string_view to_string(reject_reason r) noexcept {
    switch (r) {
        case reject_reason::invalid_tag_number:
            return "invalid tag number";
        case reject_reason::required_tag_missing:
            return "required tag missing";
        case reject_reason::tag_not_defined_for_message:
            return "tag not defined for this message type";
        case reject_reason::tag_without_value:
            return "tag specified without a value";
        case reject_reason::value_out_of_range:
            return "value is incorrect (out of range) for this tag";
        case reject_reason::incorrect_data_format:
            return "incorrect data format for value";
        case reject_reason::invalid_msg_type:
            return "invalid MsgType";
        case reject_reason::tag_appears_more_than_once:
            return "tag appears more than once";
        case reject_reason::tag_out_of_order:
            return "tag specified out of required order";
        case reject_reason::group_fields_out_of_order:
            return "repeating group fields out of order";
        case reject_reason::group_count_mismatch:
            return "incorrect NumInGroup count for repeating group";
        case reject_reason::none:
            return "ok";
    }
    return "unknown";
}

int scope_def::find(int tag) const noexcept {
    const auto it =
        std::lower_bound(by_tag.begin(), by_tag.end(), tag,
                         [](const std::pair<int, int>& p, int t) { return p.first < t; });
    return it != by_tag.end() && it->first == tag ? it->second : -1;
}

namespace {

field_type parse_type(std::string_view t) {
    static const std::pair<std::string_view, field_type> table[] = {
        {"STRING", field_type::string},
        {"CHAR", field_type::char_},
        {"INT", field_type::int_},
        {"LENGTH", field_type::length},
        {"NUMINGROUP", field_type::num_in_group},
        {"SEQNUM", field_type::seq_num},
        {"TAGNUM", field_type::tag_num},
        {"DAYOFMONTH", field_type::day_of_month},
        {"FLOAT", field_type::float_},
        {"QTY", field_type::qty},
        {"QUANTITY", field_type::qty},
        {"PRICE", field_type::price},
        {"PRICEOFFSET", field_type::price_offset},
        {"AMT", field_type::amt},
        {"PERCENTAGE", field_type::percentage},
        {"BOOLEAN", field_type::boolean},
        {"UTCTIMESTAMP", field_type::utc_timestamp},
        {"UTCTIMEONLY", field_type::utc_time_only},
        {"UTCDATEONLY", field_type::utc_date_only},
        {"UTCDATE", field_type::utc_date_only},
        {"LOCALMKTDATE", field_type::local_mkt_date},
        {"MONTHYEAR", field_type::month_year},
        {"DATA", field_type::data},
        {"MULTIPLEVALUESTRING", field_type::multiple_value_string},
        {"MULTIPLESTRINGVALUE", field_type::multiple_value_string},
        {"MULTIPLECHARVALUE", field_type::multiple_char_value},
    };
    for (const auto& [name, type] : table)
        if (name == t) return type;
    return field_type::other;
}

void index_scope(scope_def& s) {
    s.by_tag.clear();
    for (std::size_t i = 0; i < s.members.size(); ++i)
        s.by_tag.emplace_back(s.members[i].tag, static_cast<int>(i));
    std::stable_sort(s.by_tag.begin(), s.by_tag.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    // A tag reached twice through components keeps its first position.
    s.by_tag.erase(std::unique(s.by_tag.begin(), s.by_tag.end(),
                               [](const auto& a, const auto& b) { return a.first == b.first; }),
                   s.by_tag.end());
}

}  // namespace

class dictionary_loader {
  public:
    explicit dictionary_loader(dictionary& d) : d_(d) {}

    exwire::result<void> run(const pugi::xml_document& doc) {
        const pugi::xml_node root = doc.child("fix");
        if (!root) return fail("not a QuickFIX dictionary: no <fix> root");
        const std::string type = root.attribute("type").as_string("FIX");
        const int major = root.attribute("major").as_int(-1);
        const int minor = root.attribute("minor").as_int(-1);
        const int sp = root.attribute("servicepack").as_int(0);
        if (major < 0 || minor < 0) return fail("<fix> lacks major/minor");
        d_.version_ = type + "." + std::to_string(major) + "." + std::to_string(minor);
        if (sp > 0) d_.version_ += "SP" + std::to_string(sp);
        d_.begin_string_ = (type == "FIXT" || major >= 5) ? "FIXT.1.1" : d_.version_;

        int max_tag = 0;
        for (const pugi::xml_node f : root.child("fields").children("field")) {
            field_def fd;
            fd.tag = f.attribute("number").as_int(0);
            fd.name = f.attribute("name").as_string();
            fd.type_name = f.attribute("type").as_string();
            fd.type = parse_type(fd.type_name);
            if (fd.tag <= 0 || fd.name.empty())
                return fail("field without number or name: " + fd.name);
            for (const pugi::xml_node v : f.children("value"))
                fd.values.emplace_back(v.attribute("enum").as_string(),
                                       v.attribute("description").as_string());
            std::sort(fd.values.begin(), fd.values.end());
            max_tag = std::max(max_tag, fd.tag);
            d_.fields_.push_back(std::move(fd));
        }
        d_.field_index_.assign(static_cast<std::size_t>(max_tag) + 1, -1);
        for (std::size_t i = 0; i < d_.fields_.size(); ++i) {
            d_.field_index_[static_cast<std::size_t>(d_.fields_[i].tag)] = static_cast<int>(i);
            d_.field_by_name_.emplace_back(d_.fields_[i].name, static_cast<int>(i));
        }
        std::sort(d_.field_by_name_.begin(), d_.field_by_name_.end());
        for (const pugi::xml_node c : root.child("components").children("component"))
            components_[c.attribute("name").as_string()] = c;

        if (auto r = expand(root.child("header"), d_.header_.members, true, 0); !r) return r;
        if (auto r = expand(root.child("trailer"), d_.trailer_.members, true, 0); !r) return r;
        if (major >= 5) {
            // FIXT 1.1 header fields the application dictionary may omit: ApplVerID,
            // CstmApplVerID, ApplExtID (FIXT 1.1 standard header, all optional).
            for (const int tag : {1128, 1129, 1156}) {
                const bool present =
                    std::any_of(d_.header_.members.begin(), d_.header_.members.end(),
                                [tag](const member_def& m) { return m.tag == tag; });
                if (!present && d_.field(tag) != nullptr)
                    d_.header_.members.push_back(member_def{tag, false, -1});
            }
        }
        index_scope(d_.header_);
        index_scope(d_.trailer_);
        for (const pugi::xml_node m : root.child("messages").children("message")) {
            message_def md;
            md.name = m.attribute("name").as_string();
            md.msg_type = m.attribute("msgtype").as_string();
            md.admin = std::string_view(m.attribute("msgcat").as_string()) == "admin";
            if (auto r = expand(m, md.body.members, true, 0); !r) return r;
            index_scope(md.body);
            d_.message_by_type_.emplace_back(md.msg_type, static_cast<int>(d_.messages_.size()));
            d_.messages_.push_back(std::move(md));
        }
        std::sort(d_.message_by_type_.begin(), d_.message_by_type_.end());
        return {};
    }

  private:
    exwire::result<void> expand(const pugi::xml_node node, std::vector<member_def>& out,
                                bool required, int depth) {
        if (depth > 32) return fail("components nested too deeply");
        for (const pugi::xml_node c : node.children()) {
            const std::string_view kind = c.name();
            const std::string name = c.attribute("name").as_string();
            const bool req =
                required && std::string_view(c.attribute("required").as_string("N")) == "Y";
            if (kind == "field") {
                const field_def* f = d_.field(name);
                if (f == nullptr) return fail("unknown field in member list: " + name);
                out.push_back(member_def{f->tag, req, -1});
            } else if (kind == "component") {
                const auto it = components_.find(name);
                if (it == components_.end()) return fail("unknown component: " + name);
                if (auto r = expand(it->second, out, req, depth + 1); !r) return r;
            } else if (kind == "group") {
                const field_def* f = d_.field(name);
                if (f == nullptr) return fail("unknown group count field: " + name);
                group_def g;
                g.name = name;
                g.count_tag = f->tag;
                // Entry members are required within an entry regardless of the group's own flag.
                if (auto r = expand(c, g.entry.members, true, depth + 1); !r) return r;
                if (g.entry.members.empty()) return fail("empty group: " + name);
                g.delimiter = g.entry.members.front().tag;
                index_scope(g.entry);
                out.push_back(member_def{f->tag, req, static_cast<int>(d_.groups_.size())});
                d_.groups_.push_back(std::move(g));
            }
        }
        return {};
    }

    dictionary& d_;
    std::map<std::string, pugi::xml_node> components_;
};

exwire::result<dictionary> dictionary::load(const std::string& path) {
    pugi::xml_document doc;
    const pugi::xml_parse_result pr = doc.load_file(path.c_str());
    if (!pr) return fail("cannot read FIX dictionary " + path + ": " + pr.description());
    dictionary d;
    if (auto r = dictionary_loader(d).run(doc); !r) return fail(path + ": " + r.err().message);
    return d;
}

exwire::result<dictionary> dictionary::load_string(std::string_view xml) {
    pugi::xml_document doc;
    const pugi::xml_parse_result pr = doc.load_buffer(xml.data(), xml.size());
    if (!pr) return fail(std::string("cannot parse FIX dictionary: ") + pr.description());
    dictionary d;
    if (auto r = dictionary_loader(d).run(doc); !r) return std::move(r).err();
    return d;
}

const field_def* dictionary::field(int tag) const noexcept {
    if (tag <= 0 || static_cast<std::size_t>(tag) >= field_index_.size()) return nullptr;
    const int i = field_index_[static_cast<std::size_t>(tag)];
    return i < 0 ? nullptr : &fields_[static_cast<std::size_t>(i)];
}

const field_def* dictionary::field(std::string_view name) const noexcept {
    const auto it = std::lower_bound(field_by_name_.begin(), field_by_name_.end(), name,
                                     [](const auto& p, std::string_view n) { return p.first < n; });
    return it != field_by_name_.end() && it->first == name
               ? &fields_[static_cast<std::size_t>(it->second)]
               : nullptr;
}

const message_def* dictionary::message(std::string_view msg_type) const noexcept {
    const auto it = std::lower_bound(message_by_type_.begin(), message_by_type_.end(), msg_type,
                                     [](const auto& p, std::string_view n) { return p.first < n; });
    return it != message_by_type_.end() && it->first == msg_type
               ? &messages_[static_cast<std::size_t>(it->second)]
               : nullptr;
}

namespace {
bool has_value(const field_def& f, std::string_view v) noexcept {
    const auto it = std::lower_bound(f.values.begin(), f.values.end(), v,
                                     [](const auto& p, std::string_view x) { return p.first < x; });
    return it != f.values.end() && it->first == v;
}
}  // namespace

std::string_view dictionary::value_name(int tag, std::string_view value) const noexcept {
    const field_def* f = field(tag);
    if (f == nullptr) return {};
    const auto it = std::lower_bound(f->values.begin(), f->values.end(), value,
                                     [](const auto& p, std::string_view x) { return p.first < x; });
    return it != f->values.end() && it->first == value ? std::string_view(it->second)
                                                       : std::string_view{};
}

validation_result dictionary::check_value(const field_def& f, std::string_view v) const noexcept {
    if (v.empty()) return {reject_reason::tag_without_value, f.tag};
    bool format_ok = true;
    switch (f.type) {
        case field_type::int_:
        case field_type::length:
        case field_type::num_in_group:
        case field_type::seq_num:
        case field_type::tag_num:
        case field_type::day_of_month:
            format_ok = parse_int(v).has_value();
            break;
        case field_type::float_:
        case field_type::qty:
        case field_type::price:
        case field_type::price_offset:
        case field_type::amt:
        case field_type::percentage:
            format_ok = parse_decimal(v).has_value();
            break;
        case field_type::char_:
            format_ok = v.size() == 1;
            break;
        case field_type::boolean:
            format_ok = parse_bool(v).has_value();
            break;
        case field_type::utc_timestamp:
            format_ok = parse_utc_timestamp(v).has_value();
            break;
        case field_type::utc_time_only:
            format_ok = parse_utc_time_only(v).has_value();
            break;
        case field_type::utc_date_only:
        case field_type::local_mkt_date:
            format_ok = parse_date(v).has_value();
            break;
        case field_type::month_year:
            format_ok = parse_month_year(v).has_value();
            break;
        default:
            break;
    }
    if (!format_ok) return {reject_reason::incorrect_data_format, f.tag};
    if (!f.values.empty()) {
        if (f.type == field_type::multiple_value_string ||
            f.type == field_type::multiple_char_value) {
            std::size_t start = 0;
            while (start <= v.size()) {
                std::size_t sp = v.find(' ', start);
                if (sp == std::string_view::npos) sp = v.size();
                if (!has_value(f, v.substr(start, sp - start)))
                    return {reject_reason::value_out_of_range, f.tag};
                start = sp + 1;
            }
        } else if (!has_value(f, v)) {
            return {reject_reason::value_out_of_range, f.tag};
        }
    }
    return {};
}

namespace {

// Seen-member flags for one scope; members past the capacity are not tracked.
struct seen_set {
    static constexpr int capacity = 2048;
    std::array<std::uint64_t, capacity / 64> w{};
    // Returns true if i was already set.
    bool test_set(int i) noexcept {
        if (i >= capacity) return false;
        const std::uint64_t bit = std::uint64_t{1} << (i & 63);
        const bool was = (w[static_cast<std::size_t>(i >> 6)] & bit) != 0;
        w[static_cast<std::size_t>(i >> 6)] |= bit;
        return was;
    }
    [[nodiscard]] bool test(int i) const noexcept {
        if (i >= capacity) return true;
        return (w[static_cast<std::size_t>(i >> 6)] >> (i & 63) & 1) != 0;
    }
    void clear() noexcept { w.fill(0); }
};

validation_result missing_required(const scope_def& s, const seen_set& seen) noexcept {
    for (std::size_t i = 0; i < s.members.size(); ++i)
        if (s.members[i].required && !seen.test(static_cast<int>(i)))
            return {reject_reason::required_tag_missing, s.members[i].tag};
    return {};
}

struct walker {
    const dictionary& d;
    message_view::iterator it;
    message_view::iterator end;

    validation_result field_value(const field& f) const noexcept {
        const field_def* fd = d.field(f.tag);
        if (fd == nullptr) return {reject_reason::invalid_tag_number, f.tag};
        return d.check_value(*fd, f.value);
    }

    // `it` is at the NumInGroup field of group g; leaves `it` after the group's last field.
    validation_result group(const group_def& g, int depth) noexcept {
        if (depth > 16) return {reject_reason::incorrect_data_format, g.count_tag};
        const auto n = parse_uint(it->value);
        if (!n) return {reject_reason::incorrect_data_format, g.count_tag};
        ++it;
        std::uint64_t entries = 0;
        seen_set seen;
        while (it != end) {
            const field f = *it;
            const int mi = g.entry.find(f.tag);
            if (mi < 0) break;
            if (f.tag == g.delimiter) {
                if (entries > 0)
                    if (auto r = missing_required(g.entry, seen); !r.ok()) return r;
                ++entries;
                seen.clear();
            } else if (entries == 0) {
                return {reject_reason::group_fields_out_of_order, f.tag};
            }
            if (auto r = field_value(f); !r.ok()) return r;
            if (seen.test_set(mi)) return {reject_reason::tag_appears_more_than_once, f.tag};
            const member_def& m = g.entry.members[static_cast<std::size_t>(mi)];
            if (m.group >= 0) {
                if (auto r = group(d.groups()[static_cast<std::size_t>(m.group)], depth + 1);
                    !r.ok())
                    return r;
            } else {
                ++it;
            }
        }
        if (entries > 0)
            if (auto r = missing_required(g.entry, seen); !r.ok()) return r;
        if (entries != *n) return {reject_reason::group_count_mismatch, g.count_tag};
        return {};
    }
};

}  // namespace

validation_result dictionary::validate(const message_view& m) const noexcept {
    walker w{*this, m.begin(), m.end()};
    if (w.it == w.end || w.it->tag != 8) return {reject_reason::required_tag_missing, 8};
    if (w.it->value != begin_string_) return {reject_reason::value_out_of_range, 8};
    ++w.it;  // 9 follows (framing checked it)
    if (w.it == w.end) return {reject_reason::required_tag_missing, 9};
    ++w.it;
    if (w.it == w.end || w.it->tag != 35) return {reject_reason::required_tag_missing, 35};
    const message_def* md = message(w.it->value);
    if (md == nullptr) return {reject_reason::invalid_msg_type, 35};
    seen_set header_seen, body_seen, trailer_seen;
    for (const int t : {8, 9, 35}) {
        const int i = header_.find(t);
        if (i >= 0) header_seen.test_set(i);
    }
    ++w.it;
    int phase = 0;  // 0 header, 1 body, 2 trailer
    while (w.it != w.end) {
        const fix::field f = *w.it;
        if (auto r = w.field_value(f); !r.ok()) return r;
        const scope_def* scope;
        seen_set* seen;
        if (const int hi = header_.find(f.tag); hi >= 0 && phase == 0) {
            scope = &header_;
            seen = &header_seen;
        } else if (hi >= 0 && md->body.find(f.tag) < 0) {
            return {reject_reason::tag_out_of_order, f.tag};
        } else if (trailer_.find(f.tag) >= 0) {
            phase = 2;
            scope = &trailer_;
            seen = &trailer_seen;
        } else {
            if (phase == 2) return {reject_reason::tag_out_of_order, f.tag};
            phase = 1;
            scope = &md->body;
            seen = &body_seen;
        }
        const int mi = scope->find(f.tag);
        if (mi < 0) return {reject_reason::tag_not_defined_for_message, f.tag};
        if (seen->test_set(mi)) return {reject_reason::tag_appears_more_than_once, f.tag};
        const member_def& mem = scope->members[static_cast<std::size_t>(mi)];
        if (mem.group >= 0) {
            if (auto r = w.group(groups_[static_cast<std::size_t>(mem.group)], 0); !r.ok())
                return r;
        } else {
            ++w.it;
        }
    }
    if (auto r = missing_required(header_, header_seen); !r.ok()) return r;
    if (auto r = missing_required(md->body, body_seen); !r.ok()) return r;
    return missing_required(trailer_, trailer_seen);
}

}  // namespace exwire::codec::fix
