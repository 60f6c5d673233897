// `exwire fix ...` subcommands.
#include "commands.hpp"

namespace exwire_tools {

void register_fix(CLI::App& app) {
    (void)app;
}

}  // namespace exwire_tools
