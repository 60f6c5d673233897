#pragma once
// The QuickFIX side of the interop suite. QuickFIX 1.15's headers need C++14, so this header
// is plain C++14 (no QuickFIX types) and quickfix_peer.cpp is built with -std=c++14; the
// C++20 tests and benchmarks talk to QuickFIX only through these functions.
#include <string>
#include <utility>
#include <vector>

namespace qf_peer {

struct tag_value {
    int tag;
    std::string value;
};

/// A message built with QuickFIX's API: its wire form (toString) and every field QuickFIX
/// holds for it (header, body with groups flattened, trailer).
struct sample {
    std::string name;
    std::string wire;
    std::vector<tag_value> fields;
};

/// FIX 4.2 / 4.4 messages built with QuickFIX (NewOrderSingle, ExecutionReport, market data
/// snapshot with groups, Logon, News with RawData holding SOH).
std::vector<sample> build_samples();

/// Parses `wire` as QuickFIX does with the dictionary file and validation on (FIX::Message
/// from string, then DataDictionary::validate). Returns "" if accepted, else QuickFIX's error.
std::string validate(const std::string& dictionary_file, const std::string& wire);

/// QuickFIX's verdict as a SessionRejectReason code (-1 accepted, 99 other failure) and the
/// tag its exception names (0 if none).
struct verdict {
    int reason;
    int tag;
    std::string text;
};
verdict validate_detail(const std::string& dictionary_file, const std::string& wire);

/// Opaque QuickFIX state for the benchmarks.
struct bench_state;
bench_state* bench_open(const std::string& dictionary_file);
void bench_close(bench_state* s);
/// Parses `wire` (with the dictionary when use_dictionary) and reads ClOrdID, Symbol, Side,
/// OrderQty, Price and OrdType; returns a value derived from all six so the work is kept.
long bench_decode_new_order(bench_state* s, const std::string& wire, bool use_dictionary);
/// Builds a NewOrderSingle with session header and renders it with toString.
std::size_t bench_encode_new_order(bench_state* s, int seq);
/// Parses `wire` with the dictionary (groups resolved) and reads every group entry's
/// price; returns a value derived from them.
long bench_decode_with_groups(bench_state* s, const std::string& wire);

}  // namespace qf_peer
