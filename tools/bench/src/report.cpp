#include <exwire/bench/report.hpp>

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include <exwire/core/clock.hpp>
#include <exwire/core/thread.hpp>

#ifndef EXWIRE_BUILD_TYPE
#define EXWIRE_BUILD_TYPE "unknown"
#endif

namespace exwire::bench {

namespace {

std::string trim(std::string s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    const auto e = s.find_last_not_of(" \t\r\n");
    return b == std::string::npos ? std::string{} : s.substr(b, e - b + 1);
}

std::string json_number(double v) {
    if (!std::isfinite(v)) return "null";
    if (v == std::floor(v) && std::fabs(v) < 1e15)
        return fmt::format("{}", static_cast<long long>(v));
    return fmt::format("{:.6g}", v);
}

std::string q(std::string_view s) {
    std::string out(1, '"');
    out.append(json_escape(s));
    out.push_back('"');
    return out;
}

}  // namespace

std::string json_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    for (char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20)
                    out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
                else
                    out += c;
        }
    }
    return out;
}

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string format_ns(double ns) {
    if (ns < 1e3) return fmt::format("{:.0f} ns", ns);
    if (ns < 1e6) return fmt::format("{:.3g} us", ns / 1e3);
    if (ns < 1e9) return fmt::format("{:.3g} ms", ns / 1e6);
    return fmt::format("{:.3g} s", ns / 1e9);
}

machine_info detect_machine() {
    machine_info m;
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);) {
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            if (colon != std::string::npos) m.cpu_model = trim(line.substr(colon + 1));
            break;
        }
    }
    const long online = ::sysconf(_SC_NPROCESSORS_ONLN);
    m.cores = online > 0 ? static_cast<unsigned>(online) : std::thread::hardware_concurrency();
    m.allowed = static_cast<unsigned>(allowed_cpus().size());
    utsname u{};
    if (::uname(&u) == 0) {
        m.kernel = fmt::format("{} {} {}", u.sysname, u.release, u.machine);
        m.hostname = u.nodename;
    }
#if defined(__clang__)
    m.compiler = fmt::format("clang {}", __clang_version__);
#elif defined(__GNUC__)
    m.compiler = fmt::format("g++ {}", __VERSION__);
#else
    m.compiler = "unknown";
#endif
    m.build_type = EXWIRE_BUILD_TYPE;
    if (tsc_clock::calibrated()) m.tsc_ghz = tsc_clock::ticks_per_ns();
    m.tsc_invariant = tsc_clock::invariant();
    return m;
}

// ---------------------------------------------------------------------------------------
// JSON

std::string to_json(const run_report& r) {
    std::string o = "{\n";
    o += fmt::format("  \"title\": {},\n  \"started_utc\": {},\n  \"passed\": {},\n", q(r.title),
                     q(r.started_utc), r.passed ? "true" : "false");
    o += "  \"options\": {";
    for (std::size_t i = 0; i < r.options.size(); ++i)
        o += fmt::format("{}\n    {}: {}", i == 0 ? "" : ",", q(r.options[i].first),
                         q(r.options[i].second));
    o += "\n  },\n";
    const machine_info& m = r.machine;
    o += fmt::format(
        "  \"machine\": {{\n    \"cpu_model\": {},\n    \"cores\": {},\n    \"allowed_cpus\": {},\n"
        "    \"kernel\": {},\n    \"hostname\": {},\n    \"compiler\": {},\n"
        "    \"build_type\": {},\n    \"tsc_ghz\": {},\n    \"tsc_invariant\": {}\n  }},\n",
        q(m.cpu_model), m.cores, m.allowed, q(m.kernel), q(m.hostname), q(m.compiler),
        q(m.build_type), json_number(m.tsc_ghz), m.tsc_invariant ? "true" : "false");
    o += "  \"counts\": {";
    for (std::size_t i = 0; i < r.counts.size(); ++i)
        o += fmt::format("{}\n    {}: {}", i == 0 ? "" : ",", q(r.counts[i].first),
                         r.counts[i].second);
    o += "\n  },\n  \"figures\": {";
    for (std::size_t i = 0; i < r.figures.size(); ++i)
        o += fmt::format("{}\n    {}: {}", i == 0 ? "" : ",", q(r.figures[i].first),
                         json_number(r.figures[i].second));
    o += "\n  },\n  \"metrics\": {";
    for (std::size_t i = 0; i < r.metrics.size(); ++i) {
        const metric_report& mr = r.metrics[i];
        const latency_summary s = summarize(mr.histogram);
        o += fmt::format(
            "{}\n    {}: {{\n      \"title\": {},\n      \"description\": {},\n"
            "      \"count\": {},\n      \"mean_ns\": {},\n      \"min_ns\": {},\n"
            "      \"p50_ns\": {},\n      \"p90_ns\": {},\n      \"p99_ns\": {},\n"
            "      \"p99_9_ns\": {},\n      \"p99_99_ns\": {},\n      \"max_ns\": {},\n"
            "      \"histogram\": [",
            i == 0 ? "" : ",", q(mr.name), q(mr.title), q(mr.description), s.count,
            json_number(s.mean), s.min, s.p50, s.p90, s.p99, s.p999, s.p9999, s.max);
        bool first = true;
        for (std::size_t b = 0; b < latency_histogram::buckets; ++b) {
            const std::uint64_t c = mr.histogram.count_at(b);
            if (c == 0) continue;
            o += fmt::format("{}[{}, {}]", first ? "" : ", ", latency_histogram::upper(b), c);
            first = false;
        }
        o += "]\n    }";
    }
    o += "\n  },\n  \"notes\": [";
    for (std::size_t i = 0; i < r.notes.size(); ++i)
        o += fmt::format("{}{}", i == 0 ? "" : ", ", q(r.notes[i]));
    o += "]\n}\n";
    return o;
}

// ---------------------------------------------------------------------------------------
// HTML with inline SVG

namespace {

constexpr int chart_w = 640, chart_h = 260, pad_l = 70, pad_r = 20, pad_t = 20, pad_b = 40;

double log10_safe(double v) {
    return std::log10(std::max(v, 1.0));
}

/// Histogram: log-spaced bins on x (latency), count on y.
std::string svg_histogram(const latency_histogram& h) {
    std::string s = fmt::format(
        "<svg class=\"histogram\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" "
        "height=\"{}\" viewBox=\"0 0 {} {}\">\n",
        chart_w, chart_h, chart_w, chart_h);
    const int pw = chart_w - pad_l - pad_r, ph = chart_h - pad_t - pad_b;
    s += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fafafa\" "
        "stroke=\"#999\"/>\n",
        pad_l, pad_t, pw, ph);
    if (h.count() == 0) {
        s += fmt::format("<text x=\"{}\" y=\"{}\">no samples</text>\n</svg>\n", pad_l + 10,
                         pad_t + 20);
        return s;
    }
    const double lo = std::floor(log10_safe(static_cast<double>(h.min())) * 10) / 10;
    double hi = std::ceil(log10_safe(static_cast<double>(h.max()) + 1) * 10) / 10;
    if (hi <= lo) hi = lo + 0.1;
    constexpr int bins = 80;
    std::vector<std::uint64_t> bin(bins, 0);
    for (std::size_t b = 0; b < latency_histogram::buckets; ++b) {
        const std::uint64_t c = h.count_at(b);
        if (c == 0) continue;
        const double mid = (static_cast<double>(latency_histogram::lower(b)) +
                            static_cast<double>(latency_histogram::upper(b))) /
                           2.0;
        int k = static_cast<int>((log10_safe(mid) - lo) / (hi - lo) * bins);
        k = std::clamp(k, 0, bins - 1);
        bin[static_cast<std::size_t>(k)] += c;
    }
    const double top = static_cast<double>(*std::max_element(bin.begin(), bin.end()));
    const double bw = static_cast<double>(pw) / bins;
    for (int k = 0; k < bins; ++k) {
        const std::uint64_t c = bin[static_cast<std::size_t>(k)];
        if (c == 0) continue;
        const double bh = static_cast<double>(c) / top * ph;
        const double from = std::pow(10.0, lo + (hi - lo) * k / bins);
        const double to = std::pow(10.0, lo + (hi - lo) * (k + 1) / bins);
        s += fmt::format(
            "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
            "fill=\"#3b6ea5\"><title>{} .. {}: {}</title></rect>\n",
            pad_l + k * bw, pad_t + ph - bh, std::max(bw - 0.5, 0.5), bh,
            html_escape(format_ns(from)), html_escape(format_ns(to)), c);
    }
    // x ticks at powers of ten
    for (int e = static_cast<int>(std::ceil(lo)); e <= static_cast<int>(std::floor(hi)); ++e) {
        const double x = pad_l + (e - lo) / (hi - lo) * pw;
        s += fmt::format(
            "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#ccc\"/>"
            "<text x=\"{0:.1f}\" y=\"{3}\" font-size=\"11\" text-anchor=\"middle\">{4}</text>\n",
            x, pad_t, pad_t + ph, pad_t + ph + 15, html_escape(format_ns(std::pow(10.0, e))));
    }
    s += fmt::format(
        "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">latency (log scale)"
        "</text>\n<text x=\"15\" y=\"{}\" font-size=\"12\" transform=\"rotate(-90 15 {})\" "
        "text-anchor=\"middle\">samples</text>\n<text x=\"{}\" y=\"{}\" font-size=\"11\" "
        "text-anchor=\"end\">{}</text>\n",
        pad_l + pw / 2, chart_h - 5, pad_t + ph / 2, pad_t + ph / 2, pad_l - 4, pad_t + 10,
        static_cast<std::uint64_t>(top));
    s += "</svg>\n";
    return s;
}

/// Percentile plot: x = number of nines (-log10(1 - p)), y = latency (log scale).
std::string svg_percentiles(const latency_histogram& h) {
    std::string s = fmt::format(
        "<svg class=\"percentiles\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" "
        "height=\"{}\" viewBox=\"0 0 {} {}\">\n",
        chart_w, chart_h, chart_w, chart_h);
    const int pw = chart_w - pad_l - pad_r, ph = chart_h - pad_t - pad_b;
    s += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#fafafa\" "
        "stroke=\"#999\"/>\n",
        pad_l, pad_t, pw, ph);
    if (h.count() == 0) {
        s += fmt::format("<text x=\"{}\" y=\"{}\">no samples</text>\n</svg>\n", pad_l + 10,
                         pad_t + 20);
        return s;
    }
    // Resolution ends where one sample is left in the tail.
    const double max_nines = std::clamp(std::log10(static_cast<double>(h.count())), 1.0, 6.0);
    const double ylo = std::floor(log10_safe(static_cast<double>(h.min())));
    double yhi = std::ceil(log10_safe(static_cast<double>(h.max()) + 1));
    if (yhi <= ylo) yhi = ylo + 1;
    std::string points;
    for (int k = 0; k <= 100; ++k) {
        const double nines = max_nines * k / 100.0;
        const double p = 100.0 * (1.0 - std::pow(10.0, -nines));
        const double v = static_cast<double>(h.percentile(p));
        const double x = pad_l + nines / max_nines * pw;
        const double y = pad_t + ph - (log10_safe(v) - ylo) / (yhi - ylo) * ph;
        points += fmt::format("{:.1f},{:.1f} ", x, y);
    }
    s += fmt::format(
        "<polyline fill=\"none\" stroke=\"#c0392b\" stroke-width=\"2\" "
        "points=\"{}\"/>\n",
        points);
    for (int n = 0; n <= static_cast<int>(max_nines); ++n) {
        const double x = pad_l + n / max_nines * pw;
        const std::string label =
            n == 0
                ? std::string("0%")
                : fmt::format("{:.{}f}%", 100.0 * (1.0 - std::pow(10.0, -n)), std::max(0, n - 2));
        s += fmt::format(
            "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#ccc\"/>"
            "<text x=\"{0:.1f}\" y=\"{3}\" font-size=\"11\" text-anchor=\"middle\">{4}</text>\n",
            x, pad_t, pad_t + ph, pad_t + ph + 15, label);
    }
    for (int e = static_cast<int>(ylo); e <= static_cast<int>(yhi); ++e) {
        const double y = pad_t + ph - (e - ylo) / (yhi - ylo) * ph;
        s += fmt::format(
            "<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#ddd\"/>"
            "<text x=\"{3}\" y=\"{4:.1f}\" font-size=\"11\" text-anchor=\"end\">{5}</text>\n",
            pad_l, y, pad_l + pw, pad_l - 4, y + 4, html_escape(format_ns(std::pow(10.0, e))));
    }
    s += fmt::format(
        "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">"
        "percentile</text>\n",
        pad_l + pw / 2, chart_h - 5);
    s += "</svg>\n";
    return s;
}

}  // namespace

std::string to_html(const run_report& r) {
    std::string o;
    o += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
         html_escape(r.title) + "</title>\n";
    o += "<style>body{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222}"
         "table{border-collapse:collapse;margin:0.5em 0}td,th{border:1px solid #ccc;"
         "padding:3px 8px;text-align:right}th{background:#eee}td.k,th.k{text-align:left}"
         ".fail{color:#b00;font-weight:bold}.ok{color:#070;font-weight:bold}</style>\n";
    o += "</head>\n<body>\n<h1>" + html_escape(r.title) + "</h1>\n";
    o += fmt::format("<p>Started {} UTC. Result: <span class=\"{}\">{}</span></p>\n",
                     html_escape(r.started_utc), r.passed ? "ok" : "fail",
                     r.passed ? "every check passed" : "a check failed (see notes)");
    if (!r.notes.empty()) {
        o += "<ul>\n";
        for (const auto& n : r.notes)
            o += "<li>" + html_escape(n) + "</li>\n";
        o += "</ul>\n";
    }

    o += "<h2>Latency</h2>\n<table>\n<tr><th class=\"k\">metric</th><th>count</th><th>p50</th>"
         "<th>p90</th><th>p99</th><th>p99.9</th><th>p99.99</th><th>max</th><th>mean</th></tr>\n";
    for (const auto& m : r.metrics) {
        const latency_summary s = summarize(m.histogram);
        o += fmt::format(
            "<tr><td class=\"k\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td><td>{}</td><td>{}</td></tr>\n",
            html_escape(m.title), s.count, format_ns(static_cast<double>(s.p50)),
            format_ns(static_cast<double>(s.p90)), format_ns(static_cast<double>(s.p99)),
            format_ns(static_cast<double>(s.p999)), format_ns(static_cast<double>(s.p9999)),
            format_ns(static_cast<double>(s.max)), format_ns(s.mean));
    }
    o += "</table>\n";

    if (!r.figures.empty() || !r.counts.empty()) {
        o += "<h2>Counts and rates</h2>\n<table>\n";
        for (const auto& [k, v] : r.counts)
            o += fmt::format("<tr><td class=\"k\">{}</td><td>{}</td></tr>\n", html_escape(k), v);
        for (const auto& [k, v] : r.figures)
            o +=
                fmt::format("<tr><td class=\"k\">{}</td><td>{:.4g}</td></tr>\n", html_escape(k), v);
        o += "</table>\n";
    }

    for (const auto& m : r.metrics) {
        o += "<h3 id=\"" + html_escape(m.name) + "\">" + html_escape(m.title) + "</h3>\n<p>" +
             html_escape(m.description) + "</p>\n";
        o += svg_histogram(m.histogram);
        o += svg_percentiles(m.histogram);
    }

    o += "<h2>Configuration</h2>\n<table>\n";
    for (const auto& [k, v] : r.options)
        o += "<tr><td class=\"k\">" + html_escape(k) + "</td><td class=\"k\">" + html_escape(v) +
             "</td></tr>\n";
    o += "</table>\n";
    const machine_info& mi = r.machine;
    o += "<h2>Machine</h2>\n<table>\n";
    const std::pair<const char*, std::string> rows[] = {
        {"cpu", mi.cpu_model},
        {"cpus online", std::to_string(mi.cores)},
        {"cpus allowed", std::to_string(mi.allowed)},
        {"kernel", mi.kernel},
        {"host", mi.hostname},
        {"compiler", mi.compiler},
        {"build type", mi.build_type},
        {"TSC", fmt::format("{:.3f} GHz{}", mi.tsc_ghz, mi.tsc_invariant ? ", invariant" : "")},
    };
    for (const auto& [k, v] : rows)
        o += fmt::format("<tr><td class=\"k\">{}</td><td class=\"k\">{}</td></tr>\n", k,
                         html_escape(v));
    o += "</table>\n</body>\n</html>\n";
    return o;
}

result<void> write_reports(const run_report& r, const std::string& dir) {
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
        return fail(fmt::format("cannot create {}: {}", dir, std::strerror(errno)));
    const std::pair<std::string, std::string> files[] = {
        {dir + "/results.json", to_json(r)},
        {dir + "/report.html", to_html(r)},
    };
    for (const auto& [path, text] : files) {
        std::ofstream f(path, std::ios::binary | std::ios::trunc);
        if (!f) return fail(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
        f << text;
        f.close();
        if (!f) return fail(fmt::format("cannot write {}", path));
    }
    return {};
}

}  // namespace exwire::bench
