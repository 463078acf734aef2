// `tma backup`, `tma backup verify`, `tma backup prune` and `tma backups` (docs/backup.md).

#include <fmt/format.h>

#include <tma/core/clock.hpp>
#include <tma/backup/engine.hpp>
#include <tma/backup/run_many.hpp>
#include <tma/backup/verify.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/core/log.hpp>
#include <tma/core/text.hpp>
#include <tma/core/units.hpp>
#include <tma/report/output.hpp>

#include "cli/backup_support.hpp"
#include "cli/commands.hpp"
#include "cli/failure_lines.hpp"

namespace tma::cli {

namespace {

// The site's backup store and its listing for one environment (leftovers reported as warnings); a
// store that cannot be opened or listed stops the command.
std::pair<std::unique_ptr<backup::Store>, backup::StoreListing> open_listing(const inventory::Inventory& inventory,
                                                                            const inventory::Target& t) {
  auto store = backup::open_store(inventory, *t.site);
  if (!store) throw core::ConfigError(store.error().message);
  auto listing = (*store)->list(t.site->name, t.env->name);
  if (!listing) throw core::TmaError(core::exit_code::site_failed, listing.error().message);
  for (const auto& problem : listing->problems) core::log::warning("{}", problem);
  return {std::move(*store), std::move(*listing)};
}

struct BackupCli {
  inventory::Selection selection;
  bool due = false;
  int jobs = 1;
  int per_host = 2;
  std::string kind = "manual";
  std::string lock_wait = "0s";
  report::Format format = report::Format::table;
  std::vector<std::string> fields;
};

report::Table outcomes_table() {
  return report::Table({"SITE", "ENV", "OUTCOME", "BACKUP", "SIZE", "DURATION", "PRUNED", "NOTE"});
}

std::chrono::milliseconds parse_wait(const std::string& text) {
  auto wait = core::parse_duration(text);
  if (!wait) throw core::UsageError(fmt::format("--lock-wait: {}", wait.error()));
  return std::chrono::duration_cast<std::chrono::milliseconds>(*wait);
}

int exit_bits(const core::Error& error) {
  return error.kind == core::ErrorKind::unreachable ? core::exit_code::unreachable : core::exit_code::site_failed;
}

void run_backups(Context& context, const BackupCli& cli) {
  selected_columns(outcomes_table(), cli.format, cli.fields);
  auto kind = backup::parse_backup_kind(cli.due ? "scheduled" : cli.kind);
  if (!kind) throw core::UsageError(kind.error());
  auto targets = backup_targets(context, cli.selection, inventory::EmptySelection::error);
  context.print_warnings();
  const auto& inventory = context.inventory();
  BackupServices real(context);
  auto& services = real.services();
  auto& run = context.start_run("backup");
  real.attach(run);
  auto now = services.current_time();

  // --due: only the targets whose schedule has a slot since their last good backup.
  std::vector<inventory::Target> work;
  std::vector<std::string> not_due;
  for (const auto& t : targets) {
    if (!cli.due) {
      work.push_back(t);
      continue;
    }
    std::optional<core::SysSeconds> last;
    if (auto store = backup::open_store(inventory, *t.site)) {
      if (auto listing = (*store)->list(t.site->name, t.env->name); listing && !listing->backups.empty()) {
        last = listing->backups.front().manifest.time;
      }
    }
    if (core::is_due(t.site->backup.schedule, last, now, services.zone)) {
      work.push_back(t);
    } else {
      not_due.push_back(t.site->name + " " + t.env->name);
    }
  }

  backup::BackupOptions options;
  options.kind = *kind;
  options.lock_wait = parse_wait(cli.lock_wait);
  auto outcomes = backup::run_backups(inventory, work, options, services, run_options(context, cli.jobs, cli.per_host));

  int bits = 0;
  std::vector<std::string> locked;
  bool other_failure = false;
  nlohmann::json json = nlohmann::json::array();
  auto table = outcomes_table();
  for (const auto& o : outcomes) {
    std::string pruned = o.prune && !o.prune->removed.empty() ? std::to_string(o.prune->removed.size()) : "";
    std::string note;
    if (!o.leftovers.empty()) note = fmt::format("removed {} leftover(s)", o.leftovers.size());
    if (o.prune && o.prune->error) note += (note.empty() ? "" : "; ") + ("prune: " + o.prune->error->message);
    nlohmann::json item{{"site", o.site}, {"env", o.env}, {"ok", o.ok()}, {"leftovers_removed", o.leftovers.size()}};
    if (o.ok()) {
      const auto& m = *o.manifest;
      table.add_row({o.site, o.env, report::Cell("ok", report::Style::good), m.id, core::format_size(m.total_size()),
                     core::format_elapsed(m.duration), pruned, note});
      item["backup"] = backup::to_json(m);
      item["pruned"] = o.prune ? o.prune->removed : std::vector<std::string>{};
    } else {
      const auto& e = *o.error;
      if (e.kind == core::ErrorKind::locked) {
        locked.push_back(e.message);
      } else {
        other_failure = true;
        bits |= exit_bits(e);
      }
      table.add_row({o.site, o.env, report::Cell("FAILED", report::Style::bad), "", "", "", "", e.message});
      item["error"] = {{"kind", core::to_string(e.kind)}, {"message", e.message}};
    }
    json.push_back(item);
  }
  if (cli.format == report::Format::json) {
    report::print_json(report::envelope(1, {{"backups", json}, {"not_due", not_due}}));
  } else if (cli.format == report::Format::csv) {
    report::print(render_listing(table, cli.format, cli.fields, false));
  } else {
    if (!outcomes.empty()) report::print(render_listing(table, cli.format, cli.fields, context.colour()));
    if (cli.due && !not_due.empty() && context.global.verbose > 0) {
      report::print(fmt::format("not due: {}\n", fmt::join(not_due, ", ")));
    }
    if (outcomes.empty()) report::print("nothing to back up (no backup is due)\n");
  }
  std::vector<FailureLine> failures;
  for (const auto& o : outcomes) {
    if (o.error) failures.push_back({o.site, o.env, o.error->message});
  }
  int exit = bits;
  if (!locked.empty() && !other_failure) exit = core::exit_code::locked;
  else if (!locked.empty()) exit |= core::exit_code::site_failed;
  // Every target locked: the error line of exit 75 already names them.
  if (exit == core::exit_code::locked) throw core::LockedError(core::join(locked, "\n"));
  print_failures(failures);
  context.exit_code |= exit;
}

report::Table verify_table() { return report::Table({"SITE", "ENV", "BACKUP", "OUTCOME", "PROBLEMS"}); }

report::Table list_table() {
  return report::Table({"SITE", "ENV", "BACKUP", "TIME (UTC)", "AGE", "SIZE", "ARTIFACTS", "KIND"});
}

void run_verify(Context& context, const inventory::Selection& selection, const std::optional<std::string>& id,
                report::Format format, const std::vector<std::string>& fields) {
  selected_columns(verify_table(), format, fields);
  auto targets = backup_targets(context, selection, inventory::EmptySelection::all_sites);
  const auto& inventory = context.inventory();
  BackupServices real(context);
  auto& run = context.start_run("backup verify");
  real.attach(run);
  auto table = verify_table();
  nlohmann::json json = nlohmann::json::array();
  int bits = 0;
  for (const auto& t : targets) {
    auto [store, listing] = open_listing(inventory, t);
    for (const auto& b : listing.backups) {
      if (id && *id != "latest" && b.manifest.id != *id) continue;
      auto problems = store->verify(b);
      // An http backup without a local archive has only its remote id to show.
      if (b.manifest.artifacts.empty() && !b.manifest.remote_id.empty()) problems.clear();
      bool ok = problems.empty();
      if (!ok) bits |= core::exit_code::site_failed;
      table.add_row({t.site->name, t.env->name, b.manifest.id,
                     report::Cell(ok ? "ok" : "FAILED", ok ? report::Style::good : report::Style::bad),
                     fmt::format("{}", fmt::join(problems, "; "))});
      json.push_back({{"site", t.site->name}, {"env", t.env->name}, {"backup", b.manifest.id}, {"ok", ok},
                      {"problems", problems}});
      real.services().record("backup.verified", *t.site, t.env->name,
                             {{"id", b.manifest.id}, {"outcome", ok ? "ok" : "failed"}, {"problems", problems}});
      if (id && *id == "latest") break;
    }
  }
  if (id && json.empty()) throw core::UsageError(fmt::format("no backup '{}' in the selection", *id));
  if (format == report::Format::json) {
    report::print_json(report::envelope(1, {{"verified", json}}));
  } else if (format == report::Format::table && json.empty()) {
    report::print("no backups\n");
  } else {
    report::print(render_listing(table, format, fields, context.colour()));
  }
  context.exit_code |= bits;
}

void run_prune(Context& context, const inventory::Selection& selection, bool dry_run, report::Format format) {
  auto targets = backup_targets(context, selection, inventory::EmptySelection::error);
  const auto& inventory = context.inventory();
  BackupServices real(context);
  auto& run = context.start_run("backup prune");
  real.attach(run);
  nlohmann::json json = nlohmann::json::array();
  std::string text;
  int bits = 0;
  for (const auto& t : targets) {
    auto stores = backup::open_stores(inventory, *t.site);
    if (!stores) throw core::ConfigError(stores.error().message);
    auto lock = backup::SiteLock::acquire(stores->front()->lock_dir(t.site->name), "tma backup prune", {});
    if (!lock) throw core::LockedError(lock.error().message);
    // Every store of the site gets the same policy (a restic copy is pruned like the local one).
    for (auto& store : *stores) {
      auto outcome = backup::prune_backups(*store, *t.site, t.env->name, dry_run, {}, real.services());
      text += fmt::format("{} {} (keep {}){}{}\n", t.site->name, t.env->name,
                          backup::describe_policy(t.site->backup.keep),
                          stores->size() > 1 ? " in " + store->location() : std::string(), dry_run ? " [dry run]" : "");
      nlohmann::json decisions = nlohmann::json::array();
      if (outcome.plan) {
        for (const auto& d : outcome.plan->decisions) {
          text += fmt::format("  {:<8} {}  {}\n", d.keep ? "keep" : (dry_run ? "would remove" : "remove"), d.backup.id,
                              fmt::join(d.reasons, ", "));
          decisions.push_back({{"id", d.backup.id}, {"keep", d.keep}, {"reasons", d.reasons}});
        }
        if (outcome.plan->decisions.empty()) text += "  no backups\n";
      }
      if (outcome.error) {
        bits |= core::exit_code::site_failed;
        text += fmt::format("  error: {}\n", outcome.error->message);
      }
      json.push_back({{"site", t.site->name}, {"env", t.env->name}, {"dry_run", dry_run}, {"decisions", decisions},
                      {"removed", outcome.removed}, {"storage", store->location()},
                      {"error", outcome.error ? nlohmann::json(outcome.error->message) : nlohmann::json()}});
    }
  }
  if (format == report::Format::json) {
    report::print_json(report::envelope(1, {{"prune", json}}));
  } else {
    report::print(text);
  }
  context.exit_code |= bits;
}

void run_list(Context& context, const inventory::Selection& selection, report::Format format,
              const std::vector<std::string>& fields) {
  selected_columns(list_table(), format, fields);
  auto sites = selected_sites(context, selection, inventory::EmptySelection::all_sites);
  auto targets = inventory::select_targets(sites, selection);
  if (!targets) throw core::UsageError(targets.error().message);
  const auto& inventory = context.inventory();
  auto now = core::wall_now();
  auto table = list_table();
  nlohmann::json json = nlohmann::json::array();
  for (const auto& t : *targets) {
    auto [store, listing] = open_listing(inventory, t);
    for (const auto& b : listing.backups) {
      const auto& m = b.manifest;
      std::vector<std::string> names;
      for (const auto& a : m.artifacts) names.push_back(a.name);
      table.add_row({m.site, m.env, m.id, core::format_rfc3339_utc(m.time), human_age(now - m.time),
                     core::format_size(m.total_size()), fmt::format("{}", fmt::join(names, ", ")),
                     std::string(backup::to_string(m.kind))});
      auto item = backup::to_json(m);
      item["path"] = b.dir;
      item["storage"] = store->location();
      if (!b.snapshots.empty()) item["snapshots"] = b.snapshots;
      json.push_back(item);
    }
  }
  if (format == report::Format::json) {
    report::print_json(report::envelope(1, {{"backups", json}}));
  } else if (format == report::Format::table && json.empty()) {
    report::print("no backups\n");
  } else {
    report::print(render_listing(table, format, fields, context.colour()));
  }
}

} // namespace

void setup_backup(CLI::App& app, Context& context) {
  auto cli = std::make_shared<BackupCli>();
  auto* cmd = app.add_subcommand("backup", "Back up sites (database dump + files) into the local store");
  add_selection(*cmd, cli->selection);
  add_format(*cmd, cli->format, false, true);
  add_fields(*cmd, cli->fields);
  cmd->add_flag("--due", cli->due, "Only the sites whose backup.schedule has a slot since their last good backup");
  cmd->add_option("--jobs,-j", cli->jobs, "Sites backed up at once")->check(CLI::Range(1, 64))->default_str("1");
  cmd->add_option("--per-host", cli->per_host, "Sites of one server backed up at once")
      ->check(CLI::Range(1, 64))
      ->default_str("2");
  cmd->add_option("--kind", cli->kind, "Recorded kind: manual, scheduled, pre-update")->type_name("KIND");
  cmd->add_option("--lock-wait", cli->lock_wait, "Wait this long for a site locked by another tma (default 0s: exit 75)")
      ->type_name("DURATION");

  auto verify_selection = std::make_shared<inventory::Selection>();
  auto verify_id = std::make_shared<std::optional<std::string>>();
  auto verify_format = std::make_shared<report::Format>(report::Format::table);
  auto verify_fields = std::make_shared<std::vector<std::string>>();
  auto* verify = cmd->add_subcommand("verify", "Re-read stored backups: sizes, SHA-256, compression, dump trailer");
  add_selection(*verify, *verify_selection);
  add_format(*verify, *verify_format, false, true);
  add_fields(*verify, *verify_fields);
  verify->add_option("--backup", *verify_id, "Only this backup id (or latest)")->type_name("ID");
  verify->callback([&context, verify_selection, verify_id, verify_format, verify_fields] {
    run_verify(context, *verify_selection, *verify_id, *verify_format, *verify_fields);
  });

  auto prune_selection = std::make_shared<inventory::Selection>();
  auto dry_run = std::make_shared<bool>(false);
  auto prune_format = std::make_shared<report::Format>(report::Format::table);
  auto* prune = cmd->add_subcommand("prune", "Apply backup.keep: print what is kept and why, delete the rest");
  add_selection(*prune, *prune_selection);
  add_format(*prune, *prune_format);
  prune->add_flag("--dry-run,-n", *dry_run, "Only print the decisions");
  prune->callback([&context, prune_selection, dry_run, prune_format] {
    run_prune(context, *prune_selection, *dry_run, *prune_format);
  });

  cmd->require_subcommand(0, 1);
  cmd->callback([&context, cli, verify, prune] {
    if (verify->parsed() || prune->parsed()) return;
    run_backups(context, *cli);
  });
}

void setup_backups(CLI::App& app, Context& context) {
  auto selection = std::make_shared<inventory::Selection>();
  auto format = std::make_shared<report::Format>(report::Format::table);
  auto fields = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand("backups", "List stored backups: time, age, size, artifacts, kind");
  add_selection(*cmd, *selection);
  add_format(*cmd, *format, false, true);
  add_fields(*cmd, *fields);
  cmd->callback([&context, selection, format, fields] { run_list(context, *selection, *format, *fields); });
}

} // namespace tma::cli
