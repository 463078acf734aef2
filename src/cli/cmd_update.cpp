// `tma update`: preprod first, then exactly the validated versions on prod (docs/update.md).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include <tma/check/cache.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/core/log.hpp>
#include <tma/core/signals.hpp>
#include <tma/core/text.hpp>
#include <tma/core/units.hpp>
#include <tma/update/lock.hpp>
#include <tma/update/policy.hpp>
#include <tma/update/run_update.hpp>
#include <tma/visual/chromium.hpp>

#include "cli/backup_support.hpp"
#include "cli/check_support.hpp"
#include "cli/commands.hpp"
#include "cli/failure_lines.hpp"
#include "cli/journal_access.hpp"
#include "cli/notify_support.hpp"

namespace tma::cli {

namespace {

struct UpdateCli {
  inventory::Selection selection;
  report::Format format = report::Format::table;
  bool due = false;
  bool dry_run = false;
  bool yes = false;
  std::string only;
  bool security_only = false;
  bool minor = false;
  bool patch = false;
  bool skip_preprod = false;
  bool promote = false;
  bool accept_visual = false;
  bool stop_on_failure = false;
  bool break_lock = false;
  std::string stale_after = "6h";
  int jobs = 1;
  int max_fail = 0;
  std::string junit;
};

update::UpdateOptions options_from(const UpdateCli& cli) {
  update::UpdateOptions o;
  if (!cli.only.empty()) {
    auto only = update::parse_only(cli.only);
    if (!only) throw core::UsageError("--only: " + only.error().message);
    o.plan.only = *only;
  }
  o.plan.security_only = cli.security_only;
  o.plan.limit = cli.patch ? update::Limit::patch : (cli.minor ? update::Limit::minor : update::Limit::none);
  if (cli.selection.env) {
    if (*cli.selection.env == "preprod") {
      o.preprod_only = true;
    } else if (*cli.selection.env != "prod") {
      throw core::UsageError(fmt::format("--env {}: tma update runs on preprod then prod; --env takes preprod (the "
                                         "preprod stage only) or prod (the default)",
                                         *cli.selection.env));
    }
  }
  o.skip_preprod = cli.skip_preprod;
  o.promote = cli.promote;
  o.accept_visual = cli.accept_visual;
  o.stop_on_failure = cli.stop_on_failure;
  o.break_lock = cli.break_lock;
  auto stale = core::parse_duration(cli.stale_after);
  if (!stale) throw core::UsageError(fmt::format("--stale-after: {}", stale.error()));
  o.stale_after = std::chrono::duration_cast<std::chrono::seconds>(*stale);
  o.jobs = cli.jobs;
  o.max_fail = cli.max_fail;
  return o;
}

bool confirm(std::size_t sites) {
  report::eprint(fmt::format("Apply these updates to {} site(s)? [y/N] ", sites));
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

void run_update_command(Context& context, const UpdateCli& cli) {
  auto options = options_from(cli);
  auto sites = selected_sites(context, cli.selection, inventory::EmptySelection::error);
  if (auto ok = update::check_request(sites, options); !ok) throw core::UsageError(ok.error().message);
  context.print_warnings();
  const auto& inventory = context.inventory();

  transport::ControlMasters masters;
  transport::CurlHttpClient http;
  update::UpdateServices services;
  services.inventory = &inventory;
  services.make_transport = [&masters](const inventory::Environment& env) {
    return transport::make_transport(env, &masters);
  };
  services.http = &http;
  services.zone = agency_zone(context);
  services.host = update::host_name();
  services.start_browser = [] { return visual::start_chromium(visual::ChromiumOptions{}); };
  services.lock_dir = (std::filesystem::path(inventory.directory) / ".tma-cache" / "locks").string();
  bool any_wordpress = false;
  for (const auto* site : sites) any_wordpress = any_wordpress || site->cms == inventory::Cms::wordpress;
  check::ResponseCache cache(cache_directory() / "http", inventory.sources.cache_ttl);
  auto feed = check::feed_for_run(any_wordpress, inventory.sources, http, &cache);
  services.wordfence = feed.db ? &*feed.db : nullptr;
  services.cache = &cache; // release dates of updates (updates.min_release_age): what `tma check` fetched
  services.feed_note = check::feed_note(feed);

  // Only the apply path and --promote need the journal; a dry run of a fresh plan reads nothing.
  auto mode = update::apply_mode(cli.dry_run, cli.yes, ::isatty(STDIN_FILENO) != 0);
  bool plan_only = mode == update::ApplyMode::plan_only;
  if (!plan_only || options.promote) services.journal = &context.journal();

  std::map<std::string, update::Plan> confirmed;
  int plan_bits = 0; // sites that could not be planned before the confirmation
  if (mode != update::ApplyMode::apply) {
    auto plans = update::plan_sites(sites, options, services);
    plan_bits = update::plan_exit_bits(plans);
    if (cli.format == report::Format::json && plan_only) {
      report::print_json(report::envelope(1, {{"command", "update"},
                                              {"dry_run", true},
                                              {"applied", false},
                                              {"reason", cli.dry_run ? "--dry-run" : "no TTY and no --yes"},
                                              {"sites", update::plans_to_json(plans)}}));
    } else {
      report::print(update::render_plans(plans, context.colour()));
    }
    std::vector<FailureLine> unplanned;
    for (const auto& p : plans) {
      if (p.error) unplanned.push_back({p.site, "", p.error->message});
    }
    print_failures(unplanned);
    if (plan_only) {
      if (!cli.dry_run) {
        report::eprint("tma update: stdin is not a terminal and --yes was not given: plan only, nothing changed "
                       "(run again with --yes to apply it)\n");
      }
      context.exit_code |= plan_bits;
      return;
    }
    if (!update::any_step(plans)) {
      report::print("nothing to update\n");
      context.exit_code |= plan_bits;
      return;
    }
    if (!confirm(sites.size())) {
      report::eprint("tma update: not confirmed; nothing changed\n");
      context.exit_code |= plan_bits;
      return;
    }
    auto approved = update::approve(sites, plans);
    confirmed = std::move(approved.plans);
    sites = std::move(approved.sites);
  }

  auto& run = context.start_run("update");
  services.run = &run;
  auto runs = update::run_sites(sites, confirmed, options, services);
  masters.stop_all();
  // A prod rolled back at night must reach the on-call and the client like any incident.
  std::vector<notify::Trigger> opened;
  for (const auto& r : runs) {
    if (r.incident) opened.push_back(notify::incident_trigger(std::string(incident::k_opened), r.incident->opened_event, *r.incident));
  }
  if (!opened.empty()) notify_after(context, context.journal(), run, opened);

  auto exit = update::fold_exit(runs, plan_bits);
  if (!cli.junit.empty()) write_report_file(cli.junit, update::render_junit(runs));
  if (cli.format == report::Format::json) {
    report::print_json(
        report::envelope(1, {{"command", "update"}, {"dry_run", false}, {"applied", true}, {"sites", update::runs_to_json(runs)}}));
  } else {
    report::print(update::render_runs(runs, context.colour()));
    report::print(update::recap_line(runs) + "\n");
  }
  std::vector<FailureLine> failures;
  for (const auto& r : runs) {
    if (r.error) {
      failures.push_back({r.site, "", r.error->message});
    } else if (r.result && r.result->outcome == update::Outcome::failed) {
      failures.push_back({r.site, "", r.result->error.empty() ? std::string("update failed") : r.result->error});
    }
  }
  // Every site locked: the error line of exit 75 already names them.
  if (exit.all_locked()) throw core::LockedError(core::join(exit.locked, "\n"));
  print_failures(failures);
  context.exit_code |= exit.code;
}

} // namespace

void setup_update(CLI::App& app, Context& context) {
  auto cli = std::make_shared<UpdateCli>();
  auto* cmd = app.add_subcommand("update", "Update sites: preprod first, then exactly the validated versions on prod");
  add_selection(*cmd, cli->selection);
  add_format(*cmd, cli->format);
  cmd->add_flag("--dry-run,-n", cli->dry_run, "Print the plan and stop (nothing is changed or locked)");
  cmd->add_flag("--yes,-y", cli->yes, "Apply without asking (required when stdin is not a terminal)");
  cmd->add_option("--only", cli->only, "Only these components: core,plugin:akismet,theme:astra,package:vendor/name")
      ->type_name("LIST");
  cmd->add_flag("--security-only", cli->security_only, "Only updates that fix a known vulnerability");
  auto* minor = cmd->add_flag("--minor", cli->minor, "No major version jumps");
  auto* patch = cmd->add_flag("--patch", cli->patch, "Patch releases only");
  minor->excludes(patch);
  cmd->add_flag("--skip-preprod", cli->skip_preprod, "Update prod without a preprod stage (sites without preprod)");
  cmd->add_flag("--promote", cli->promote, "Apply the set last validated on preprod (--env preprod) to prod");
  cmd->add_flag("--accept-visual", cli->accept_visual,
                "With --promote: also apply the steps whose pages changed on preprod (review their report first)");
  cmd->add_flag("--stop-on-failure", cli->stop_on_failure, "Stop at the first component rejected on preprod");
  cmd->add_flag("--break-lock", cli->break_lock, "Remove a stale server lock (see --stale-after) and take it");
  cmd->add_option("--stale-after", cli->stale_after, "A server lock older than this is stale (default 6h)")
      ->type_name("DURATION");
  cmd->add_option("--jobs,-j", cli->jobs, "Sites updated in parallel (each site's pipeline is sequential)")
      ->type_name("N");
  cmd->add_option("--max-fail", cli->max_fail, "Start no new site after N failed sites (0: no limit)")->type_name("N");
  cmd->add_option("--junit", cli->junit, "Also write a JUnit XML report (one test case per site)")->type_name("FILE");
  add_due_flag(*cmd, cli->due);
  cmd->callback([&context, cli, cmd] {
    if (run_due_instead(context, *cmd, {cli->due, schedule::JobKind::update, cli->selection, cli->format, true, cli->jobs, 2})) {
      return;
    }
    run_update_command(context, *cli);
  });
}

} // namespace tma::cli
