#pragma once
// One setup function per subcommand (micromamba style), each in its own cmd_<name>.cpp:
// CLI11 wiring only, the work is done by the tma_core library.

#include <CLI/CLI.hpp>

#include "cli/common.hpp"

namespace tma::cli {

void setup_inventory(CLI::App& app, Context& context);
void setup_sites(CLI::App& app, Context& context);
void setup_ping(CLI::App& app, Context& context);
void setup_check(CLI::App& app, Context& context);
void setup_health(CLI::App& app, Context& context);
void setup_init(CLI::App& app, Context& context);
void setup_journal(CLI::App& app, Context& context);
void setup_sync(CLI::App& app, Context& context);
void setup_hours(CLI::App& app, Context& context);
void setup_summary(CLI::App& app, Context& context);
void setup_report(CLI::App& app, Context& context);
void setup_incident(CLI::App& app, Context& context);
void setup_notify(CLI::App& app, Context& context);
void setup_backup(CLI::App& app, Context& context);
void setup_backups(CLI::App& app, Context& context);
void setup_restore(CLI::App& app, Context& context);
void setup_update(CLI::App& app, Context& context);
void setup_completion(CLI::App& app, Context& context);
void setup_run(CLI::App& app, Context& context);

} // namespace tma::cli
