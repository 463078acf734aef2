#pragma once
// One setup function per subcommand (micromamba style), each in its own cmd_<name>.cpp:
// CLI11 wiring only, the work is done by the tma_core library.

#include <CLI/CLI.hpp>

#include <tma/schedule/jobs.hpp>

#include "cli/common.hpp"

namespace tma::cli {

void setup_inventory(CLI::App& app, Context& context);
void setup_sites(CLI::App& app, Context& context);
void setup_ping(CLI::App& app, Context& context);
void setup_check(CLI::App& app, Context& context);
void setup_health(CLI::App& app, Context& context);
void setup_perf(CLI::App& app, Context& context);
void setup_visual(CLI::App& app, Context& context);
void setup_init(CLI::App& app, Context& context);
void setup_journal(CLI::App& app, Context& context);
void setup_sync(CLI::App& app, Context& context);
void setup_hours(CLI::App& app, Context& context);
void setup_summary(CLI::App& app, Context& context);
void setup_report(CLI::App& app, Context& context);
void setup_incident(CLI::App& app, Context& context);
void setup_request(CLI::App& app, Context& context);
void setup_connectors(CLI::App& app, Context& context);
void setup_notify(CLI::App& app, Context& context);
void setup_backup(CLI::App& app, Context& context);
void setup_backups(CLI::App& app, Context& context);
void setup_restore(CLI::App& app, Context& context);
void setup_update(CLI::App& app, Context& context);
void setup_completion(CLI::App& app, Context& context);
void setup_run(CLI::App& app, Context& context);

/// `--due` on check, health, update, report and notify flush: the command runs its scheduled jobs
/// that are due, exactly as `tma run --due --job KIND` (claims and all).
/// `--per-host` of the read-only commands (check, health, ping): one session each on the host's
/// single ControlMaster connection, and a stock OpenSSH server accepts 10 sessions on one
/// connection (`MaxSessions 10`); 8 leaves room for an operator's own. Commands that load the
/// server (backup, update) keep 2. docs/transport.md, "Runner".
inline constexpr int k_read_only_per_host = 8;
/// The largest `--per-host`: what a server raised to `MaxSessions 256` accepts.
inline constexpr int k_max_per_host = 256;

struct DueRequest {
  bool due = false;
  schedule::JobKind kind = schedule::JobKind::check;
  inventory::Selection selection;
  report::Format format = report::Format::table;
  bool format_allowed = true; ///< false where the command's --format is not a listing's (report)
  int jobs = 4;
  int per_host = 2;
};
void add_due_flag(CLI::App& cmd, bool& due);
/// When `request.due`, run the due jobs and return true (the command's own work is skipped); a usage
/// error when another option of `cmd` was given with --due.
bool run_due_instead(Context& context, const CLI::App& cmd, const DueRequest& request);

} // namespace tma::cli
