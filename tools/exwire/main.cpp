// exwire: one command with subcommands. Each family lives in its own cmd_*.cpp.
#include <cstdio>
#include <exception>

#include <fmt/format.h>

#include "commands.hpp"

int main(int argc, char** argv) {
    CLI::App app{
        "exwire: low-latency exchange connectivity (FIX, SoupBinTCP, OUCH 5.0, MoldUDP64, ITCH "
        "5.0)"};
    app.require_subcommand(1);
    app.set_version_flag("--version", EXWIRE_VERSION);
    exwire_tools::register_itch(app);
    exwire_tools::register_fix(app);
    exwire_tools::register_journal(app);
    exwire_tools::register_engine(app);
    exwire_tools::register_sim(app);
    exwire_tools::register_bench(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const exwire_tools::exit_error& e) {
        fmt::print(stderr, "exwire: {}\n", e.what());
        return e.status;
    } catch (const std::exception& e) {
        fmt::print(stderr, "exwire: {}\n", e.what());
        return 1;
    }
    return exwire_tools::exit_status();
}
