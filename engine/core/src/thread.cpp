#include <exwire/core/thread.hpp>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <future>
#include <set>

#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace exwire {

namespace {

result<int> parse_cpu_number(std::string_view item, std::string_view whole) {
    int n = 0;
    auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
    if (item.empty() || ec != std::errc{} || ptr != item.data() + item.size() || n < 0)
        return fail(fmt::format("cpu list '{}': '{}' is not a cpu number", whole, item));
    if (n >= CPU_SETSIZE)
        return fail(fmt::format("cpu list '{}': cpu {} does not exist (above the limit {})", whole,
                                n, CPU_SETSIZE - 1));
    return n;
}

}  // namespace

result<std::vector<int>> parse_cpu_list_syntax(std::string_view text) {
    if (text.empty()) return fail("cpu list is empty (examples: \"2\", \"0-3\", \"2-3,6\")");
    std::set<int> cpus;
    std::string_view rest = text;
    while (true) {
        const auto comma = rest.find(',');
        const std::string_view item = rest.substr(0, comma);
        const auto dash = item.find('-');
        if (dash == std::string_view::npos) {
            auto n = parse_cpu_number(item, text);
            if (!n) return std::move(n).err();
            cpus.insert(*n);
        } else {
            auto lo = parse_cpu_number(item.substr(0, dash), text);
            if (!lo) return std::move(lo).err();
            auto hi = parse_cpu_number(item.substr(dash + 1), text);
            if (!hi) return std::move(hi).err();
            if (*hi < *lo)
                return fail(fmt::format("cpu list '{}': range '{}' runs backwards", text, item));
            for (int c = *lo; c <= *hi; ++c)
                cpus.insert(c);
        }
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
    }
    return std::vector<int>(cpus.begin(), cpus.end());
}

std::vector<int> allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> out;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return out;
    for (int c = 0; c < CPU_SETSIZE; ++c)
        if (CPU_ISSET(c, &set)) out.push_back(c);
    return out;
}

result<std::vector<int>> parse_cpu_list(std::string_view text) {
    auto cpus = parse_cpu_list_syntax(text);
    if (!cpus) return cpus;
    const long configured = sysconf(_SC_NPROCESSORS_CONF);
    const std::vector<int> allowed = allowed_cpus();
    for (int c : *cpus) {
        if (c >= configured)
            return fail(fmt::format("cpu {} (from '{}') does not exist: this machine has cpus 0-{}",
                                    c, text, configured - 1));
        bool ok = false;
        for (int a : allowed)
            ok = ok || a == c;
        if (!ok)
            return fail(
                fmt::format("cpu {} (from '{}') is not available to this process (allowed: {})", c,
                            text, fmt::join(allowed, ",")));
    }
    return cpus;
}

result<void> pin_current_thread(const std::vector<int>& cpus) {
    if (cpus.empty()) return {};
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int c : cpus) {
        if (c < 0 || c >= CPU_SETSIZE) return fail(fmt::format("cpu {} is out of range", c));
        CPU_SET(c, &set);
    }
    const int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    if (rc != 0)
        return fail(fmt::format("cannot pin thread to cpus {}: {}", fmt::join(cpus, ","),
                                std::strerror(rc)),
                    rc);
    return {};
}

result<void> apply_to_current_thread(const thread_options& options) {
    if (!options.name.empty()) {
        const std::string name = options.name.substr(0, 15);  // the kernel's limit
        pthread_setname_np(pthread_self(), name.c_str());
    }
    if (auto r = pin_current_thread(options.cpus); !r) return r;
    if (options.fifo_priority) {
        const int p = *options.fifo_priority;
        if (p < sched_get_priority_min(SCHED_FIFO) || p > sched_get_priority_max(SCHED_FIFO))
            return fail(fmt::format("SCHED_FIFO priority {} is out of range 1-99", p));
        sched_param sp{};
        sp.sched_priority = p;
        const int rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
        if (rc != 0)
            return fail(fmt::format("cannot set SCHED_FIFO priority {} for thread '{}': {}{}", p,
                                    options.name, std::strerror(rc),
                                    rc == EPERM ? " (needs CAP_SYS_NICE or root)" : ""),
                        rc);
    }
    return {};
}

result<std::jthread> start_thread(thread_options options,
                                  std::function<void(std::stop_token)> body) {
    std::promise<result<void>> started;
    auto ready = started.get_future();
    std::jthread t([&started, options = std::move(options),
                    body = std::move(body)](std::stop_token st) mutable {
        result<void> r = apply_to_current_thread(options);
        const bool ok = r.ok();
        started.set_value(std::move(r));
        if (ok) body(st);
    });
    result<void> r = ready.get();
    if (!r) {
        t.join();
        return std::move(r).err();
    }
    return t;
}

result<void> lock_memory() {
    if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
        const int e = errno;
        return fail(fmt::format("mlockall failed: {}{}", std::strerror(e),
                                e == EPERM || e == ENOMEM
                                    ? " (raise RLIMIT_MEMLOCK or run with CAP_IPC_LOCK)"
                                    : ""),
                    e);
    }
    return {};
}

}  // namespace exwire
