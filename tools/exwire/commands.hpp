#pragma once
// Each subcommand family of the `exwire` command line registers itself here; one file per
// family (cmd_<family>.cpp). A registration adds a CLI11 subcommand whose callback does the
// work and throws exwire_tools::exit_error (or returns normally) so main() can report.

#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

namespace exwire_tools {

/// Ends a command with a message on stderr and a non-zero exit status.
struct exit_error : std::runtime_error {
    exit_error(const std::string& message, int code = 1)
        : std::runtime_error(message), status(code) {}
    int status;
};

/// Exit status a command asks main() to return (0 when unset).
inline int& exit_status() {
    static int status = 0;
    return status;
}

void register_itch(CLI::App& app);
void register_fix(CLI::App& app);
void register_journal(CLI::App& app);
void register_engine(CLI::App& app);
void register_sim(CLI::App& app);
void register_bench(CLI::App& app);

}  // namespace exwire_tools
