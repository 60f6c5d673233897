// `exwire journal ...` subcommands.
#include "commands.hpp"

namespace exwire_tools {

void register_journal(CLI::App& app) {
    (void)app;
}

}  // namespace exwire_tools
