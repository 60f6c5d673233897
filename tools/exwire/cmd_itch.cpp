// `exwire itch ...` subcommands.
#include "commands.hpp"

namespace exwire_tools {

void register_itch(CLI::App& app) {
    (void)app;
}

}  // namespace exwire_tools
