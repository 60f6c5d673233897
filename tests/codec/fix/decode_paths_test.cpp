// The bitmask decode against the byte-by-byte reference: the SSE2 and scalar block scanners
// give the same masks everywhere, and decode_with<each scanner> gives the same verdict and
// the same fields as the reference walk, at every alignment, with SOH and '=' on block
// boundaries, for messages shorter than a block, on random mutations of the golden vectors
// and on the fuzz corpus. Buffers are heap copies of exactly the bytes under test, so an
// ASan build catches any read past the span.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "exwire/codec/fix/field_scan.hpp"
#include "exwire/codec/fix/reader.hpp"
#include "fix_test_util.hpp"
#include "reference_decode.hpp"

using namespace exwire::codec::fix;
using fix_test::from_bars;
using fix_test::read_golden;

namespace {

const char* const golden_files[] = {
    "logon_fix44.fix",         "heartbeat_fixt11.fix",  "new_order_single_fix44.fix",
    "news_raw_data_fix42.fix", "md_snapshot_fix44.fix", "execution_report_wikipedia_fix42.fix",
};

// Exactly `prefix` bytes of filler, then `bytes`, in an allocation of exactly that size.
struct exact_buffer {
    explicit exact_buffer(std::string_view bytes, std::size_t prefix = 0)
        : size_(prefix + bytes.size()), data_(new char[size_ == 0 ? 1 : size_]) {
        std::memset(data_.get(), 'z', prefix);
        if (!bytes.empty()) std::memcpy(data_.get() + prefix, bytes.data(), bytes.size());
        view_ = std::string_view(data_.get() + prefix, bytes.size());
    }
    [[nodiscard]] std::string_view view() const { return view_; }
    [[nodiscard]] const char* begin() const { return data_.get(); }
    [[nodiscard]] const char* end() const { return data_.get() + size_; }

  private:
    std::size_t size_;
    std::unique_ptr<char[]> data_;
    std::string_view view_;
};

struct outcome {
    frame_status status;
    malformed_reason reason;
    std::size_t length;
    std::vector<std::pair<int, std::string_view>> fields;
    friend bool operator==(const outcome&, const outcome&) = default;
};

std::string describe(const outcome& o) {
    std::string s = "status ";
    s += std::to_string(static_cast<int>(o.status));
    s += " reason ";
    s += to_string(o.reason);
    s += " length ";
    s += std::to_string(o.length);
    s += " fields";
    for (const auto& [tag, value] : o.fields) {
        s += ' ';
        s += std::to_string(tag);
        s += '=';
        s += fix_test::bar(std::string(value));
    }
    return s;
}

template <typename Scanner>
outcome run_fast(std::string_view buf, std::size_t max_body_length = default_max_body_length) {
    outcome o{};
    const frame_result r = detail::decode_with<Scanner>(
        buf, [&](const field& f) { o.fields.emplace_back(f.tag, f.value); }, max_body_length);
    o.status = r.status;
    o.reason = r.reason;
    o.length = r.length;
    return o;
}

outcome run_reference(std::string_view buf, std::size_t max_body_length = default_max_body_length) {
    outcome o{};
    const frame_result r = fix_test::reference_decode(
        buf, [&](const field& f) { o.fields.emplace_back(f.tag, f.value); }, max_body_length);
    o.status = r.status;
    o.reason = r.reason;
    o.length = r.length;
    return o;
}

// Every path on `buf`; returns the reference outcome. Also checks check_frame() and the
// public decode() agree with it.
outcome expect_paths_agree(std::string_view buf, const std::string& what) {
    const outcome ref = run_reference(buf);
    const outcome scalar = run_fast<detail::scalar_scanner>(buf);
    EXPECT_EQ(scalar, ref) << what << "\n scalar:    " << describe(scalar)
                           << "\n reference: " << describe(ref);
#if defined(__SSE2__)
    const outcome sse2 = run_fast<detail::sse2_scanner>(buf);
    EXPECT_EQ(sse2, ref) << what << "\n sse2:      " << describe(sse2)
                         << "\n reference: " << describe(ref);
#endif
    const outcome best = run_fast<detail::best_scanner>(buf);
    EXPECT_EQ(best, ref) << what;
    const frame_result cf = check_frame(buf);
    EXPECT_EQ(cf.status, ref.status) << what;
    EXPECT_EQ(cf.reason, ref.reason) << what;
    EXPECT_EQ(cf.length, ref.length) << what;
    return ref;
}

// A frame with correct BodyLength and CheckSum around `body` ('|' for SOH).
std::string framed(const std::string& body_bars) {
    const std::string body = from_bars(body_bars);
    std::string m =
        "8=FIX.4.4\x01"
        "9=" +
        std::to_string(body.size()) + "\x01" + body;
    char cs[8];
    std::snprintf(cs, sizeof cs, "%03u", checksum(m));
    return m + "10=" + cs + "\x01";
}

unsigned plain_sum(std::string_view s) {
    unsigned sum = 0;
    for (char c : s)
        sum += static_cast<unsigned char>(c);
    return sum & 0xFFu;
}

}  // namespace

TEST(fix_decode_paths, scanners_give_the_byte_by_byte_masks_at_every_offset_and_length) {
    std::mt19937 rng(7);
    const char alphabet[] = {'\x01', '=', 'a', '1', '\x01', '=', '\xff', '8'};
    std::string bytes(200, ' ');
    for (char& c : bytes)
        c = alphabet[rng() % sizeof alphabet];
    const exact_buffer buf(bytes);
    const char* const lo = buf.begin();
    const char* const hi = buf.end();
    for (std::size_t at = 0; at < bytes.size(); ++at) {
        for (std::size_t n = 1; n <= 64 && at + n <= bytes.size(); ++n) {
            const char* p = lo + at;
            detail::block_masks want;
            for (std::size_t i = 0; i < n; ++i) {
                if (p[i] == '\x01') want.soh |= std::uint64_t{1} << i;
                if (p[i] == '=') want.eq |= std::uint64_t{1} << i;
            }
            const detail::block_masks s = detail::scalar_scanner::scan(p, n, lo, hi);
            ASSERT_EQ(s.soh, want.soh) << at << "+" << n;
            ASSERT_EQ(s.eq, want.eq) << at << "+" << n;
#if defined(__SSE2__)
            // Whole buffer readable, then only exactly [p, p + n): the tail must then come
            // from the end of the span or, under 16 bytes, byte by byte.
            for (const auto& [l, h] : {std::pair{lo, hi}, std::pair{p, p + n}}) {
                const exact_buffer tight(std::string_view(l, static_cast<std::size_t>(h - l)));
                const char* tp = tight.begin() + (p - l);
                const detail::block_masks v =
                    detail::sse2_scanner::scan(tp, n, tight.begin(), tight.end());
                ASSERT_EQ(v.soh, want.soh) << at << "+" << n << " span " << (h - l);
                ASSERT_EQ(v.eq, want.eq) << at << "+" << n << " span " << (h - l);
            }
#endif
        }
    }
}

TEST(fix_decode_paths, checksum_matches_a_plain_byte_sum_for_every_length_and_alignment) {
    std::mt19937 rng(11);
    std::string bytes(300, ' ');
    for (char& c : bytes)
        c = static_cast<char>(rng());
    for (std::size_t at = 0; at < 32; ++at) {
        for (std::size_t n = 0; at + n <= bytes.size(); ++n) {
            const exact_buffer buf(std::string_view(bytes).substr(at, n));
            ASSERT_EQ(checksum(buf.view()), plain_sum(buf.view())) << at << "+" << n;
        }
    }
}

TEST(fix_decode_paths, short_tag_reads_one_to_four_digit_tags_and_rejects_other_bytes) {
    for (int v = 0; v < 10000; ++v) {
        const std::string digits = std::to_string(v);
        for (std::size_t width = digits.size(); width <= 4; ++width) {
            std::string text = std::string(width - digits.size(), '0') + digits + "=\x01\x01\x01";
            ASSERT_EQ(detail::short_tag(text.data(), static_cast<unsigned>(width)), v) << text;
        }
    }
    for (const char* bad : {"a", "1a", "/9", ":1", "12 4", "99x9", "\x01", "-1", "+1", "1.0"}) {
        std::string text = std::string(bad) + "====";
        EXPECT_EQ(detail::short_tag(text.data(), static_cast<unsigned>(std::strlen(bad))), -1)
            << bad;
    }
}

TEST(fix_decode_paths, fast_envelope_takes_every_valid_frame_without_the_general_check) {
    // The shortcut must not fall back on valid frames (the fallback is correct but slow).
    std::vector<std::string> frames;
    for (const char* name : golden_files)
        frames.push_back(read_golden(name));
    for (int checksum_digits = 0; checksum_digits < 256; ++checksum_digits)
        frames.push_back(framed("35=0|58=" + std::string(1 + checksum_digits % 40, 'x') + "|" +
                                std::string(1, static_cast<char>('A' + checksum_digits % 26)) +
                                "=" + std::to_string(checksum_digits) + "|"));
    std::size_t checksums_seen[256] = {};
    for (const std::string& m : frames) {
        std::size_t want_start = 0, want_end = 0;
        ASSERT_EQ(detail::check_envelope(m, default_max_body_length, want_start, want_end).status,
                  frame_status::complete);
        detail::block_masks masks;
        std::size_t start = 0, end = 0;
        ASSERT_TRUE(detail::fast_envelope<detail::best_scanner>(m, default_max_body_length, masks,
                                                                start, end))
            << fix_test::bar(m);
        EXPECT_EQ(start, want_start);
        EXPECT_EQ(end, want_end);
        ++checksums_seen[checksum(std::string_view(m).substr(0, end))];
    }
    std::size_t distinct = 0;
    for (std::size_t c : checksums_seen)
        distinct += c != 0 ? 1 : 0;
    EXPECT_GT(distinct, 100u);  // many CheckSum digit combinations, not a lucky few
}

TEST(fix_decode_paths, agree_on_begin_strings_on_and_beside_the_word_compares) {
    // fast_envelope compares `8=FIX.4.x<SOH>9=` (x a digit 0-7) and `8=FIXT.1.1<SOH>9=` as
    // words and takes every other BeginString from the masks: values on each side of those
    // compares give the same verdicts on every path, and every valid one takes the shortcut.
    const char* const begin_strings[] = {
        "FIX.4.4",
        "FIX.4.2",
        "FIX.4.0",
        "FIX.4.7",
        "FIX.4.8",
        "FIX.4.9",
        "FIX.4./",
        "FIX.4.:",
        "FIX.4.=",
        "FIX.4.",
        "FIX.4",
        "FIX.4.44",
        "FIX.4.4=",
        "FIX.5.0",
        "FIXT.1.1",
        "FIXT.1.2",
        "FIXT.1.",
        "FIXT.1.11",
        "FIXT.1.1=",
        "FIXT.1",
        "FIXT.2.1",
        "FIX",
        "FIX.4.4.4.4.4.4.4",
        "FIX.4.4.4.4.4.4.44",
        "FIY.4.4",
        "FIX\x01",
    };
    for (const char* bs : begin_strings) {
        for (const char* second : {"9=#", "9=x", "8=#", "9#", "99=#", "9=0", "9=1234567890",
                                   "9=0000000#", "9=00000000#"}) {
            const std::string body = from_bars("35=D|11=A|38=5|");
            std::string m = "8=";
            m += bs;
            m += '\x01';
            for (const char* c = second; *c != 0; ++c) {
                if (*c == '#')
                    m += std::to_string(body.size());  // the right BodyLength
                else
                    m += *c;
            }
            m += '\x01';
            m += body;
            char cs[8];
            std::snprintf(cs, sizeof cs, "%03u", checksum(m));
            m += std::string("10=") + cs + "\x01";
            const exact_buffer buf(m);
            const outcome o = expect_paths_agree(buf.view(), m);
            detail::block_masks masks;
            std::size_t start = 0, end = 0;
            const bool fast = detail::fast_envelope<detail::best_scanner>(
                buf.view(), default_max_body_length, masks, start, end);
            EXPECT_EQ(fast, o.status == frame_status::complete) << fix_test::bar(m);
        }
    }
}

TEST(fix_decode_paths, agree_on_every_change_to_the_trailer_word) {
    // The trailer `<SOH>10=NNN<SOH>` is one 8-byte compare in fast_envelope: every byte of it
    // changed, and BodyLength moved by one either way, give the general check's verdict.
    const char interesting[] = {'\x01', '=', '0', '1', '9', '/', ':', 'a', '\x7f', '\x80'};
    std::size_t complete = 0;
    for (const std::string& m : {read_golden("new_order_single_fix44.fix"),
                                 read_golden("heartbeat_fixt11.fix"), framed("35=0|")}) {
        const std::size_t t = m.size() - 8;  // the SOH before 10=
        for (std::size_t i = 0; i < 8; ++i) {
            for (char c : interesting) {
                std::string x = m;
                x[t + i] = c;
                const exact_buffer buf(x);
                const outcome o = expect_paths_agree(buf.view(), fix_test::bar(x));
                complete += o.status == frame_status::complete ? 1 : 0;
            }
        }
        // CheckSum off by one either way, and one more byte in the body (BodyLength short).
        for (int delta : {-1, 1}) {
            std::string x = m;
            x[t + 6] = static_cast<char>(x[t + 6] + delta);
            expect_paths_agree(exact_buffer(x).view(), "checksum " + std::to_string(delta));
        }
        std::string longer = m.substr(0, t);
        longer.push_back('x');
        longer.append(m, t, std::string::npos);
        expect_paths_agree(exact_buffer(longer).view(), "longer body");
    }
    EXPECT_GE(complete, 15u);  // the bytes replaced by themselves
}

TEST(fix_decode_paths, agree_on_every_golden_vector_at_every_alignment) {
    for (const char* name : golden_files) {
        const std::string m = read_golden(name);
        ASSERT_FALSE(m.empty()) << name;
        for (std::size_t prefix = 0; prefix < 64; ++prefix) {
            // The frame alone, and followed by the start of another message.
            const exact_buffer alone(m, prefix);
            const outcome o = expect_paths_agree(
                alone.view(), std::string(name) + " at " + std::to_string(prefix));
            EXPECT_EQ(o.status, frame_status::complete) << name;
            const std::string two = m + m.substr(0, 30);
            const exact_buffer followed(two, prefix);
            expect_paths_agree(followed.view(),
                               std::string(name) + " followed, at " + std::to_string(prefix));
        }
        // Every truncation: need_more on every path.
        for (std::size_t n = 0; n < m.size(); ++n) {
            const exact_buffer cut(std::string_view(m).substr(0, n));
            const outcome o = expect_paths_agree(cut.view(), std::string(name) + " cut");
            EXPECT_EQ(o.status, frame_status::need_more) << name << " cut at " << n;
        }
    }
}

TEST(fix_decode_paths, agree_with_soh_and_equals_on_block_boundaries) {
    // A padding field of every length moves the following fields (1-5 digit tags, values
    // with '=' in them, a data field holding SOH and '=') across the 64-byte boundaries.
    int complete = 0;
    for (std::size_t pad = 1; pad <= 140; ++pad) {
        const std::string body = "35=D|58=" + std::string(pad, 'p') +
                                 "|1=A|22=8|207=XNYS|9999=x=y|12345=5|95=6|96=a|b=c||11=ORD-" +
                                 std::to_string(pad) + "|38=100|44=1.5|";
        const std::string m = framed(body);
        for (std::size_t prefix : {0u, 1u, 15u, 33u}) {
            const exact_buffer buf(m, prefix);
            const outcome o = expect_paths_agree(buf.view(), "pad " + std::to_string(pad));
            complete += o.status == frame_status::complete ? 1 : 0;
            ASSERT_EQ(o.status, frame_status::complete) << "pad " << pad;
            ASSERT_EQ(o.fields.size(), 12u);
            EXPECT_EQ(o.fields[8].first, 96);
            EXPECT_EQ(o.fields[8].second, std::string_view("a\x01"
                                                           "b=c\x01",
                                                           6));
        }
    }
    EXPECT_EQ(complete, 140 * 4);
    // A field longer than a block, and one ending exactly on a block boundary.
    for (std::size_t len = 55; len <= 200; ++len) {
        const std::string m = framed("35=0|58=" + std::string(len, 'L') + "|112=T|");
        const exact_buffer buf(m);
        EXPECT_EQ(expect_paths_agree(buf.view(), "long " + std::to_string(len)).status,
                  frame_status::complete);
    }
}

TEST(fix_decode_paths, agree_on_messages_shorter_than_one_block) {
    for (std::size_t value = 1; value <= 30; ++value) {
        const std::string m = framed("35=" + std::string(value, '0') + "|");
        ASSERT_LT(m.size(), 64u + 7u);
        const exact_buffer buf(m);
        const outcome o = expect_paths_agree(buf.view(), "short " + std::to_string(value));
        EXPECT_EQ(o.status, frame_status::complete);
        ASSERT_EQ(o.fields.size(), 1u);
        EXPECT_EQ(o.fields[0].second.size(), value);
    }
    // The smallest frames (BeginString "FIX" alone) are shorter than the envelope shortcut
    // takes: the general check must accept them.
    std::string tiny = from_bars("8=FIX|9=5|35=0|");
    char cs[8];
    std::snprintf(cs, sizeof cs, "%03u", checksum(tiny));
    tiny += from_bars(std::string("10=") + cs + "|");
    ASSERT_EQ(tiny.size(), 22u);
    const exact_buffer tiny_buf(tiny);
    EXPECT_EQ(expect_paths_agree(tiny_buf.view(), "tiny").status, frame_status::complete);
    const std::string smallest = framed("35=0|");
    EXPECT_EQ(smallest.size(), 26u);
    for (std::size_t n = 0; n <= smallest.size(); ++n) {
        const exact_buffer buf(std::string_view(smallest).substr(0, n));
        expect_paths_agree(buf.view(), "smallest cut " + std::to_string(n));
    }
}

TEST(fix_decode_paths, agree_on_the_body_length_limit) {
    for (const char* name : golden_files) {
        const std::string m = read_golden(name);
        const exact_buffer buf(m);
        std::size_t limited = 0;
        for (std::size_t max : {std::size_t{0}, std::size_t{5}, std::size_t{50}, std::size_t{177},
                                std::size_t{178}, std::size_t{400}, default_max_body_length}) {
            const outcome ref = run_reference(buf.view(), max);
            EXPECT_EQ(run_fast<detail::scalar_scanner>(buf.view(), max), ref) << name << max;
            EXPECT_EQ(run_fast<detail::best_scanner>(buf.view(), max), ref) << name << max;
            limited += ref.reason == malformed_reason::body_too_long ? 1 : 0;
        }
        EXPECT_GE(limited, 2u) << name;  // the small limits do reject
    }
}

TEST(fix_decode_paths, agree_on_the_same_field_level_errors) {
    const char* const bodies[] = {
        "35=0|x=1|",          "35=0|=1|",          "35=0|0=1|",         "35=0|00=1|",
        "35=0|1234567890=1|", "35=0|123456789=1|", "35=0|58|",          "35=0|58=|",
        "35=0|95=9|96=abc|",  "35=0|95=x|96=abc|", "35=0|95=3|96=abc|", "35=0|95=2|96=abc|",
        "35=0|5a=1|",         "35=0|12345=|",      "35=0|1=2=3|",       "35=0|95=3|58=x|96=ab|",
    };
    for (const char* body : bodies) {
        const std::string m = framed(body);
        const exact_buffer buf(m);
        expect_paths_agree(buf.view(), body);
    }
}

TEST(fix_decode_paths, agree_on_the_edges_of_the_mask_walk_field_checks) {
    // The mask walk takes "two (or three) digits, '=', a non-empty value" from the bytes, checks
    // other tags' "'=' before the SOH and a non-empty value" in one compare, and "tag 0, or a tag
    // from 90 on (length fields)" in another: fields on each side of those edges, for every
    // tag width, placed in the first block and in later ones.
    const char* const fields[] = {
        "1=|",     "12=|",           "123=|",     "1234=|", "12345=|",      "1=x|",
        "12=x|",   "123=x|",         "1234=x|",   "0=x|",   "00=x|",        "000=x|",
        "0000=x|", "01=x|",          "001=x|",    "=x|",    "==|",          "12|",
        "1234|",   "12=|=|",         "88=x|",     "89=x|",  "90=3|91=a|b|", "90=x|",
        "91=x|",   "99=x|",          "100=x|",    "620=x|", "621=2|622=||", "622=x|",
        "9999=x|", "93=1|89=|",      "95=0|96=|", "1a=x|",  "a1=x|",        "1:=x|",
        "/1=x|",   "12==x|",         "12a=x|",    "a12=x|", "1:2=x|",       "123==|",
        "123|",    "269=0|270=1.5|", "12==|",     "1==x|",  "12=x=|",
    };
    std::size_t complete = 0, malformed = 0;
    for (const char* f : fields) {
        for (std::size_t pad : {1u, 20u, 60u, 70u, 130u}) {
            const std::string m =
                framed("35=D|58=" + std::string(pad, 'p') + "|" + f + "11=X|38=5|");
            const exact_buffer buf(m);
            const outcome o = expect_paths_agree(buf.view(), f + (" pad " + std::to_string(pad)));
            complete += o.status == frame_status::complete ? 1 : 0;
            malformed += o.status == frame_status::malformed ? 1 : 0;
        }
    }
    EXPECT_GT(complete, 50u);
    EXPECT_GT(malformed, 50u);
}

TEST(fix_decode_paths, agree_on_random_mutations_of_golden_vectors) {
    std::mt19937 rng(2026);
    const char interesting[] = {'\x01', '=', '0', '1', '9', '8', 'a', '.', '-', '\x7f'};
    std::size_t complete = 0, malformed = 0;
    for (int round = 0; round < 6000; ++round) {
        std::string m = read_golden(golden_files[rng() % std::size(golden_files)]);
        const int edits = 1 + static_cast<int>(rng() % 3);
        for (int k = 0; k < edits && !m.empty(); ++k) {
            const std::size_t at = rng() % m.size();
            switch (rng() % 3) {
                case 0:
                    m[at] = interesting[rng() % sizeof interesting];
                    break;
                case 1:
                    m.insert(m.begin() + static_cast<std::ptrdiff_t>(at),
                             interesting[rng() % sizeof interesting]);
                    break;
                default:
                    m.erase(at, 1);
                    break;
            }
        }
        // Half the time repair BodyLength and CheckSum so the field checks are reached.
        if (rng() % 2 == 0) {
            const std::size_t b = m.find(
                "\x01"
                "35=");
            const std::size_t t = m.rfind(
                "\x01"
                "10=");
            if (b != std::string::npos && t != std::string::npos && t > b)
                m = framed(fix_test::bar(m.substr(b + 1, t - b)));
        }
        const exact_buffer buf(m);
        const outcome o = expect_paths_agree(buf.view(), "mutation " + std::to_string(round));
        complete += o.status == frame_status::complete ? 1 : 0;
        malformed += o.status == frame_status::malformed ? 1 : 0;
        if (HasFailure()) return;
    }
    // The mutations reach both outcomes (not only early rejections).
    EXPECT_GT(complete, 100u);
    EXPECT_GT(malformed, 1000u);
}

TEST(fix_decode_paths, agree_on_the_fuzz_corpus) {
    const char* root = std::getenv("EXWIRE_SOURCE_ROOT");
    const std::filesystem::path dir =
        std::filesystem::path(root != nullptr ? root : ".") / "tests/codec/fix/corpus/reader";
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        std::string bytes;
        std::FILE* f = std::fopen(entry.path().c_str(), "rb");
        ASSERT_NE(f, nullptr);
        char chunk[4096];
        std::size_t n;
        while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0)
            bytes.append(chunk, n);
        std::fclose(f);
        ++files;
        // Frame by frame through the stream, as a session's reader would.
        std::size_t pos = 0;
        for (int guard = 0; guard < 1000 && pos < bytes.size(); ++guard) {
            const exact_buffer buf(std::string_view(bytes).substr(pos));
            const outcome o = expect_paths_agree(buf.view(), entry.path().filename().string());
            if (o.status == frame_status::need_more) break;
            pos += o.length;
        }
    }
    EXPECT_GE(files, 6u);
}
