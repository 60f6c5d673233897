#pragma once
// Benchmark reports: results.json (machine-readable) and report.html (self-contained: inline
// SVG charts, no scripts, no external resources).
//
// A run_report holds the options of the run, the machine it ran on, counts and rates, and
// one entry per latency metric (its histogram and a description of what it measures).
// Cold path: everything here allocates; write_reports returns a result whose message names
// the file that could not be written. Any thread; no shared state.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <exwire/bench/histogram.hpp>
#include <exwire/core/result.hpp>

namespace exwire::bench {

struct machine_info {
    std::string cpu_model;  ///< /proc/cpuinfo "model name"
    unsigned cores = 0;     ///< logical cpus online
    unsigned allowed = 0;   ///< cpus this process may run on
    std::string kernel;     ///< uname: sysname release machine
    std::string hostname;
    std::string compiler;    ///< compiler name and version
    std::string build_type;  ///< meson build type of the bench library
    double tsc_ghz = 0;      ///< calibrated TSC rate (0 if not calibrated)
    bool tsc_invariant = false;
};
/// Reads the machine description (cold path; never fails: unknown fields stay empty).
[[nodiscard]] machine_info detect_machine();

struct metric_report {
    std::string name;         ///< key in results.json, e.g. "tick_to_trade"
    std::string title;        ///< short human title
    std::string description;  ///< what is measured, between which probe points
    latency_histogram histogram;
};

struct run_report {
    std::string title = "exwire bench";
    std::string started_utc;                                   ///< ISO 8601
    std::vector<std::pair<std::string, std::string>> options;  ///< as given / defaulted
    machine_info machine;
    std::vector<std::pair<std::string, std::uint64_t>> counts;  ///< orders sent, acks...
    std::vector<std::pair<std::string, double>> figures;  ///< throughput, ratios (units in key)
    std::vector<metric_report> metrics;
    std::vector<std::string> notes;  ///< warnings to show (e.g. unacknowledged orders)
    bool passed = true;              ///< every check of the run held
};

/// results.json text: {"title", "started_utc", "passed", "options": {...}, "machine": {...},
/// "counts": {...}, "figures": {...}, "metrics": {name: {"title", "description", "count",
/// "mean_ns", "min_ns", "p50_ns", "p90_ns", "p99_ns", "p99_9_ns", "p99_99_ns", "max_ns",
/// "histogram": [[upper_ns, count], ...]}}, "notes": [...]}.
[[nodiscard]] std::string to_json(const run_report& r);
/// report.html text: configuration, machine, counts, and for each metric a percentile
/// table, a latency histogram and a percentile plot as inline SVG.
[[nodiscard]] std::string to_html(const run_report& r);
/// Creates `dir` if needed and writes results.json and report.html there.
[[nodiscard]] result<void> write_reports(const run_report& r, const std::string& dir);

/// Escapes a string for a JSON string literal (without the quotes).
[[nodiscard]] std::string json_escape(std::string_view s);
/// Escapes text for HTML element content and attribute values.
[[nodiscard]] std::string html_escape(std::string_view s);
/// Formats nanoseconds for people: "812 ns", "12.3 us", "4.56 ms", "1.20 s".
[[nodiscard]] std::string format_ns(double ns);

}  // namespace exwire::bench
