// `tma connectors sync`: import issues and time entries from the ticketing tools of `connectors:`
// and push tma's incidents to them (docs/connectors.md).
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <tma/connectors/sync.hpp>
#include <tma/core/error.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/core/log.hpp>
#include <tma/core/text.hpp>
#include <tma/journal/sync.hpp>
#include <tma/report/output.hpp>
#include <tma/transport/http.hpp>

#include "cli/commands.hpp"
#include "cli/journal_access.hpp"

namespace tma::cli {
namespace {

constexpr int k_connectors_schema = 1;

struct ConnectorsOptions {
  std::vector<std::string> names;
  bool dry_run = false;
  bool full = false;
  bool due = false;
  report::Format format = report::Format::table;
};

std::string_view status_of(const connectors::SyncResult& r) {
  if (!r.error) return "ok";
  return r.error->kind == core::ErrorKind::unreachable || r.error->kind == core::ErrorKind::timeout ? "unreachable"
                                                                                                    : "failed";
}

nlohmann::json to_json(const connectors::SyncResult& r) {
  const auto& c = r.counts;
  nlohmann::json out{{"connector", r.connector},
                     {"type", r.type},
                     {"status", status_of(r)},
                     {"issues_read", c.issues_read},
                     {"requests_opened", c.requests_opened},
                     {"requests_updated", c.requests_updated},
                     {"time_entries_read", c.entries_read},
                     {"hours_added", c.entries_added},
                     {"hours_changed", c.entries_changed},
                     {"hours_withdrawn", c.entries_withdrawn},
                     {"issues_created", c.issues_created},
                     {"issues_changed", c.issues_changed},
                     {"found_by_marker", c.found_by_marker},
                     {"hours_pushed", c.hours_pushed},
                     {"http_requests", r.http_requests},
                     {"warnings", r.warnings},
                     {"planned", r.planned}};
  if (r.error) out["error"] = {{"message", r.error->message}, {"kind", std::string(core::to_string(r.error->kind))}};
  return out;
}

std::string summary_line(const connectors::SyncResult& r, bool dry_run) {
  const auto& c = r.counts;
  if (r.type == "trello") {
    // Trello is imported from (cards), not exported to, and has no time tracking.
    return fmt::format("{}{}: {} cards read: {} requests opened, {} updated ({} HTTP requests)\n", r.connector,
                       dry_run ? " (dry run)" : "", c.issues_read, c.requests_opened, c.requests_updated,
                       r.http_requests);
  }
  if (r.type == "jira") {
    // Jira's words: worklogs, not time entries.
    return fmt::format("{}{}: {} issues read: {} requests opened, {} updated; {} worklogs read: {} added, {} changed, "
                       "{} withdrawn; {} issues created, {} changed, {} worklogs pushed, {} found by marker ({} HTTP "
                       "requests)\n",
                       r.connector, dry_run ? " (dry run)" : "", c.issues_read, c.requests_opened, c.requests_updated,
                       c.entries_read, c.entries_added, c.entries_changed, c.entries_withdrawn, c.issues_created,
                       c.issues_changed, c.hours_pushed, c.found_by_marker, r.http_requests);
  }
  if (r.type == "zendesk") {
    // Zendesk is imported from, not exported to; its hours come from each ticket's time total.
    return fmt::format("{}{}: {} tickets read: {} requests opened, {} updated; {} time totals read: {} hours entries "
                       "added, {} changed, {} withdrawn ({} HTTP requests)\n",
                       r.connector, dry_run ? " (dry run)" : "", c.issues_read, c.requests_opened, c.requests_updated,
                       c.entries_read, c.entries_added, c.entries_changed, c.entries_withdrawn, r.http_requests);
  }
  return fmt::format("{}{}: {} issues read: {} requests opened, {} updated; {} time entries read: {} added, {} "
                     "changed, {} withdrawn; {} issues created, {} changed, {} time entries pushed in {}, {} found by "
                     "marker ({} HTTP requests)\n",
                     r.connector, dry_run ? " (dry run)" : "", c.issues_read, c.requests_opened, c.requests_updated,
                     c.entries_read, c.entries_added, c.entries_changed, c.entries_withdrawn, c.issues_created,
                     c.issues_changed, c.hours_pushed, r.type, c.found_by_marker, r.http_requests);
}

/// The kill -9 test (tests/integration/test_connectors_redmine.cpp) stops tma right after Redmine
/// created or changed an object and before the journal records it. Nothing else reads this.
std::function<void(const std::string&)> fault_injection() {
  const char* when = std::getenv("TMA_TEST_KILL_AFTER_REMOTE_WRITE");
  if (when == nullptr || *when == '\0') return {};
  std::string what = when;
  return [what](const std::string& done) {
    if (done == what) std::raise(SIGKILL);
  };
}

void run_connectors_sync(Context& context, const ConnectorsOptions& options) {
  const auto& inventory = context.inventory();
  std::vector<const inventory::Connector*> chosen;
  for (const auto& name : options.names) {
    bool found = false;
    for (const auto& c : inventory.connectors) {
      if (!core::glob_match(name, c.name)) continue;
      found = true;
      if (std::find(chosen.begin(), chosen.end(), &c) == chosen.end()) chosen.push_back(&c);
    }
    if (!found) throw core::UsageError(fmt::format("--connector {}: no such connector in {}", name, inventory.path));
  }
  if (options.names.empty()) {
    for (const auto& c : inventory.connectors) chosen.push_back(&c);
  }
  if (chosen.empty()) throw core::ConfigError(fmt::format("{}: no connectors: section", inventory.path));

  auto& journal = context.journal();
  // Two syncs at once would both open a request for the same new issue.
  auto lock = journal::RepositoryLock::acquire(journal_options(context).repository, "tma-connectors",
                                               std::chrono::milliseconds(0));
  if (!lock) throw core::LockedError("connectors sync: " + lock.error().message);
  const auto zone = agency_zone(context);
  transport::CurlHttpClient http;
  connectors::SyncOptions sync;
  sync.dry_run = options.dry_run;
  sync.full = options.full;
  sync.after_remote_write = fault_injection();
  // A dry run records into a scratch journal that is dropped: what it counts is what a sync would do.
  std::unique_ptr<journal::MemoryJournal> scratch;
  std::unique_ptr<journal::Run> scratch_run;
  journal::Run* run = nullptr;
  journal::Journal* store = &journal;
  if (options.dry_run) {
    scratch = std::make_unique<journal::MemoryJournal>(journal.actor(), journal.now());
    scratch_run = std::make_unique<journal::Run>(*scratch, "connectors sync --dry-run");
    run = scratch_run.get();
    store = scratch.get();
  } else {
    run = &context.start_run("connectors sync");
  }

  std::vector<connectors::SyncResult> results;
  for (const auto* connector : chosen) {
    results.push_back(connectors::sync_connector(inventory, *connector, journal, *run, *store, http, zone, sync));
    const auto& r = results.back();
    if (r.error) {
      context.exit_code |= status_of(r) == "unreachable" ? core::exit_code::unreachable
                                                         : core::exit_code::site_failed;
    }
  }
  if (options.format == report::Format::json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : results) list.push_back(to_json(r));
    report::print_json(report::envelope(k_connectors_schema, {{"dry_run", options.dry_run}, {"connectors", list}}));
    return;
  }
  for (const auto& r : results) {
    if (r.error) {
      core::log::error("{}: {}: {}", r.connector, status_of(r), r.error->message);
    }
    report::print(summary_line(r, options.dry_run));
    for (const auto& w : r.warnings) report::print(fmt::format("  warning: {}\n", w));
    for (const auto& p : r.planned) report::print(fmt::format("  would {}\n", p));
  }
}

} // namespace

void setup_connectors(CLI::App& app, Context& context) {
  auto options = std::make_shared<ConnectorsOptions>();
  auto* cmd = app.add_subcommand("connectors", "Sync with ticketing tools (Redmine, Jira, Zendesk): requests, hours, incidents");
  cmd->require_subcommand(1);
  auto* sync = cmd->add_subcommand("sync", "Import issues and time entries, push incidents (docs/connectors.md)");
  sync->add_option("--connector", options->names, "Only this connector (repeatable, globs)")->type_name("NAME");
  sync->add_flag("--dry-run", options->dry_run, "Read the tools and say what would change; record and push nothing");
  sync->add_flag("--full", options->full, "Ignore the cursors: list every issue and time entry again");
  add_format(*sync, options->format);
  add_due_flag(*sync, options->due);
  sync->callback([&context, options, sync] {
    if (run_due_instead(context, *sync, {options->due, schedule::JobKind::connectors_sync, {}, options->format, true, 4, 2})) {
      return;
    }
    run_connectors_sync(context, *options);
  });
}

} // namespace tma::cli
