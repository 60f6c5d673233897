// `exwire engine ...` subcommands.
#include "commands.hpp"

namespace exwire_tools {

void register_engine(CLI::App& app) {
    (void)app;
}

}  // namespace exwire_tools
