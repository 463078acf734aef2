// `tma sync`: exchange the journal with the agency's shared remote.

#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include <tma/core/error.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/journal/sync.hpp>
#include <tma/report/output.hpp>

#include "cli/commands.hpp"
#include "cli/journal_access.hpp"

namespace tma::cli {

namespace {

struct SyncCliOptions {
  std::optional<std::string> remote;
  report::Format format = report::Format::table;
};

std::string short_id(const std::string& id) { return id.empty() ? "(none)" : id.substr(0, 12); }

void run_sync(Context& context, const SyncCliOptions& cli) {
  auto location = journal_options(context);
  journal::SyncOptions options;
  options.repository = location.repository;
  options.ref = location.ref;
  options.remote = cli.remote.value_or(context.inventory().journal.remote);
  auto result = journal::sync_journal(options);
  if (!result) {
    int code = result.error().kind == core::ErrorKind::config   ? core::exit_code::config
               : result.error().kind == core::ErrorKind::locked ? core::exit_code::locked
               : result.error().kind == core::ErrorKind::interrupted ? core::exit_code::interrupted
                                                                : core::exit_code::site_failed;
    throw core::TmaError(code, fmt::format("sync: {}", result.error().message));
  }
  const auto& r = *result;
  if (cli.format == report::Format::json) {
    report::print_json(report::envelope(1, {{"remote", options.remote},
                                            {"url", r.remote_url},
                                            {"ref", options.ref},
                                            {"local_before", r.local_before},
                                            {"remote_before", r.remote_before},
                                            {"local_after", r.local_after},
                                            {"merge", journal::to_string(r.merge)},
                                            {"pushed", r.pushed},
                                            {"attempts", r.attempts},
                                            {"fetched_objects", r.fetched_objects}}));
    return;
  }
  std::string pushed = r.pushed ? "pushed" : "nothing to push";
  report::print(fmt::format("journal synced with {} ({}): {} -> {}, merge: {}, {}\n", options.remote, r.remote_url,
                            short_id(r.local_before), short_id(r.local_after), journal::to_string(r.merge), pushed));
}

} // namespace

void setup_sync(CLI::App& app, Context& context) {
  auto options = std::make_shared<SyncCliOptions>();
  auto* cmd = app.add_subcommand("sync", "Fetch, merge and push the journal (journal.remote, default origin)");
  cmd->add_option("--remote", options->remote, "Git remote name (default: journal.remote from the inventory)")
      ->type_name("NAME");
  add_format(*cmd, options->format);
  cmd->callback([&context, options] { run_sync(context, *options); });
}

} // namespace tma::cli
