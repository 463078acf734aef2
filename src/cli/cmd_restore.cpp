// `tma restore --site S --backup ID|latest --to ENV [--from ENV] [--db-only|--files-only] [--yes]`.

#include <fmt/format.h>

#include <tma/backup/restore.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/core/log.hpp>
#include <tma/report/output.hpp>

#include "cli/backup_support.hpp"
#include "cli/commands.hpp"

namespace tma::cli {

namespace {

struct RestoreCli {
  std::string site;
  std::string backup = "latest";
  std::string to;
  std::string from;
  bool db_only = false;
  bool files_only = false;
  bool yes = false;
  report::Format format = report::Format::table;
};

void run_restore_command(Context& context, const RestoreCli& cli) {
  const auto& inventory = context.inventory();
  const auto* site = inventory.site(cli.site);
  if (!site) throw core::UsageError(fmt::format("unknown site '{}'", cli.site));
  context.print_warnings();
  backup::RestoreOptions options;
  options.backup = cli.backup;
  options.to_env = cli.to;
  options.from_env = cli.from;
  options.database = !cli.files_only;
  options.files = !cli.db_only;
  options.confirmed = cli.yes;
  BackupServices real(context);
  auto& run = context.start_run("restore");
  real.attach(run);
  auto result = backup::run_restore(inventory, *site, options, real.services());
  if (!result) {
    auto& error = result.error();
    int exit = error.kind == core::ErrorKind::usage    ? core::exit_code::usage
               : error.kind == core::ErrorKind::locked ? core::exit_code::locked
               : error.kind == core::ErrorKind::unreachable ? core::exit_code::unreachable
                                                            : core::exit_code::site_failed;
    throw core::TmaError(exit, fmt::format("restore {} {}: {}", site->name, cli.to, error.message));
  }
  const auto& r = *result;
  if (cli.format == report::Format::json) {
    report::print_json(report::envelope(1, {{"site", site->name},
                                            {"from", cli.from.empty() ? cli.to : cli.from},
                                            {"to", cli.to},
                                            {"backup", r.backup_id},
                                            {"restored", r.restored},
                                            {"bytes", r.bytes},
                                            {"safety_backup", r.safety_backup.value_or("")}}));
  } else {
    if (r.safety_backup) report::print(fmt::format("safety backup of {} {}: {}\n", site->name, cli.to, *r.safety_backup));
    report::print(fmt::format("restored {} of {} {} backup {} into {}\n", fmt::join(r.restored, " and "), site->name,
                              cli.from.empty() ? cli.to : cli.from, r.backup_id, cli.to));
  }
}

} // namespace

void setup_restore(CLI::App& app, Context& context) {
  auto cli = std::make_shared<RestoreCli>();
  auto* cmd = app.add_subcommand("restore", "Restore a stored backup into an environment (prod needs --yes)");
  cmd->add_option("--site,-s", cli->site, "Site to restore")->required()->type_name("NAME");
  cmd->add_option("--backup,-b", cli->backup, "Backup id, or latest (default)")->type_name("ID");
  cmd->add_option("--to", cli->to, "Environment to restore into (prod, preprod, ...)")->required()->type_name("ENV");
  cmd->add_option("--from", cli->from, "Environment whose backup to use (default: --to)")->type_name("ENV");
  auto* db = cmd->add_flag("--db-only", cli->db_only, "Only the database");
  auto* files = cmd->add_flag("--files-only", cli->files_only, "Only the files");
  db->excludes(files);
  cmd->add_flag("--yes,-y", cli->yes, "Confirm overwriting prod (a safety backup is taken first)");
  add_format(*cmd, cli->format);
  cmd->callback([&context, cli] { run_restore_command(context, *cli); });
}

} // namespace tma::cli
