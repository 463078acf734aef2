// `tma init [DIR]`: start an agency directory.

#include <memory>
#include <string>

#include <fmt/format.h>

#include <tma/core/error.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/journal/agency_init.hpp>
#include <tma/journal/git_journal.hpp>
#include <tma/journal/journal.hpp>
#include <tma/report/output.hpp>

#include "cli/commands.hpp"

namespace tma::cli {

namespace {

void run_init(Context& context, const std::string& directory) {
  auto report = journal::init_agency(directory);
  if (!report) throw core::TmaError(core::exit_code::site_failed, fmt::format("init: {}", report.error().message));
  const auto& r = *report;
  // The new agency's first journal event: who started it, when.
  auto journal = journal::open_git_journal({r.directory, "refs/heads/tma-journal"});
  if (!journal) throw core::TmaError(core::exit_code::site_failed, journal.error().message);
  auto& run = context.start_run(std::move(*journal), "init");
  run.record("agency.initialised", {},
             {{"directory", r.directory.string()},
              {"created_repository", r.created_repository},
              {"wrote_inventory", r.wrote_inventory}});
  // Committed once, with run.finished, by app.cpp (Context::finish_run): one journal commit per init.

  std::string dir = r.directory.string();
  report::print(fmt::format("{} {}\n", r.created_repository ? "created git repository" : "using git repository", dir));
  report::print(r.wrote_inventory ? fmt::format("wrote {}/sites.yaml (a commented example to edit)\n", dir)
                                  : fmt::format("kept existing {}/sites.yaml\n", dir));
  if (r.updated_gitignore) report::print(fmt::format("updated {}/.gitignore (backups/, .tma-cache/)\n", dir));
  report::print("journal ready on refs/heads/tma-journal\n");
  report::print(fmt::format("next: edit sites.yaml, run 'tma inventory check', then commit sites.yaml and "
                            ".gitignore; 'tma sync' shares the journal once a remote is added\n"));
}

} // namespace

void setup_init(CLI::App& app, Context& context) {
  auto directory = std::make_shared<std::string>(".");
  auto* cmd = app.add_subcommand("init", "Create an agency directory: git repository, sites.yaml, journal");
  cmd->add_option("directory", *directory, "Directory to initialise (default: the current one)")->type_name("DIR");
  cmd->callback([&context, directory] { run_init(context, *directory); });
}

} // namespace tma::cli
