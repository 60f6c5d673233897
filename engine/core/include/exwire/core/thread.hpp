#pragma once
// Threads pinned to cores, named, optionally real-time, configured from text.
//
// Cold path: everything here may allocate and returns result<> with a message that names
// the offending cpu or setting. Any thread may call these functions.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <exwire/core/result.hpp>

namespace exwire {

/// Parses cpuset syntax ("2", "0-3", "2-3,6") into a sorted list without duplicates.
/// Checks that every cpu exists on this machine and is in this process's allowed set.
[[nodiscard]] result<std::vector<int>> parse_cpu_list(std::string_view text);
/// The same parse without the machine checks (for validating configuration elsewhere).
[[nodiscard]] result<std::vector<int>> parse_cpu_list_syntax(std::string_view text);
/// The cpus this process may run on (sched_getaffinity).
[[nodiscard]] std::vector<int> allowed_cpus();

struct thread_options {
    std::string name;                  ///< shown by top/ps; truncated to 15 characters
    std::vector<int> cpus;             ///< empty: no pinning
    std::optional<int> fifo_priority;  ///< SCHED_FIFO priority 1..99 if set
};

/// Pins the calling thread to `cpus`. Error names the cpu list and the reason.
[[nodiscard]] result<void> pin_current_thread(const std::vector<int>& cpus);
/// Applies name, affinity and priority to the calling thread.
[[nodiscard]] result<void> apply_to_current_thread(const thread_options& options);

/// Starts a thread, applies `options` inside it before `body` runs, and waits until it has:
/// on failure the thread does not run `body`, is joined, and the error comes back here.
[[nodiscard]] result<std::jthread> start_thread(thread_options options,
                                                std::function<void(std::stop_token)> body);

/// Locks current and future pages of the process in memory (mlockall); error says why.
[[nodiscard]] result<void> lock_memory();

}  // namespace exwire
