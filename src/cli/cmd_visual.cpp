// `tma visual snapshot|compare`: screenshots of the selected sites' pages in headless Chromium and
// their comparison with an earlier snapshot (docs/visual.md).
#include <chrono>

#include <fmt/format.h>

#include <tma/core/clock.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/journal/git_journal.hpp>
#include <tma/run/runner.hpp>
#include <tma/visual/chromium.hpp>
#include <tma/visual/site_run.hpp>

#include "cli/commands.hpp"
#include "cli/failure_lines.hpp"
#include "cli/journal_access.hpp"

namespace tma::cli {
namespace {

struct VisualOptions {
  inventory::Selection selection;
  report::Format format = report::Format::table;
  int browsers = 2;
  std::string against = "latest";
  std::string fail_on = "broken";
  bool due = false;
};

// The browser every worker starts: Debian's chromium, its throwaway profile in the system's temp.
visual::CapturerFactory chromium_factory() {
  return [] { return visual::start_chromium(visual::ChromiumOptions{}); };
}

report::Style verdict_style(visual::Verdict verdict) {
  switch (verdict) {
  case visual::Verdict::same: return report::Style::good;
  case visual::Verdict::changed: return report::Style::warn;
  case visual::Verdict::broken: return report::Style::bad;
  }
  return report::Style::plain;
}

std::string render_table(const std::vector<visual::SiteRun>& runs, bool compare, bool colour) {
  if (!compare) {
    report::Table table({"Site", "Env", "Snapshot", "Pages", "Failed"});
    for (const auto& run : runs) {
      if (!run.snapshot) continue;
      int failed = 0;
      for (const auto& p : run.snapshot->pages) failed += p.error.empty() ? 0 : 1;
      table.add_row({run.site, run.env, run.snapshot->id, std::to_string(run.snapshot->pages.size()),
                     {std::to_string(failed), failed ? report::Style::bad : report::Style::plain}});
    }
    return table.render(colour);
  }
  report::Table table({"Site", "Env", "Page", "Width", "Verdict", "Changed", "Text +/-", "Report"});
  for (const auto& run : runs) {
    if (!run.comparison) continue;
    for (const auto& p : run.comparison->pages) {
      if (!p.error.empty()) {
        table.add_row({run.site, run.env, p.path, p.label(), {"failed", report::Style::bad}, "-", "-",
                       run.comparison->report.string()});
        continue;
      }
      table.add_row({run.site, run.env, p.path, p.label(),
                     {std::string(visual::to_string(p.verdict)), verdict_style(p.verdict)},
                     fmt::format("{:.2f} %", p.changed_share * 100),
                     fmt::format("+{} -{}", p.text_added.size(), p.text_removed.size()), run.comparison->report.string()});
    }
  }
  return table.render(colour);
}

// A `visual.snapshot` or `visual.compared` event per site and environment: the client report counts
// prod's pages compared and changes found (docs/report.md), and the journal keeps what tma looked
// at. Without a journal repository the command still runs: one warning, nothing recorded.
void record_runs(Context& context, const std::vector<visual::SiteRun>& runs, bool compare) {
  auto* started = start_run_or_warn(context, compare ? "visual compare" : "visual snapshot", "visual results");
  if (started == nullptr) return;
  auto& run = *started;
  for (const auto& site_run : runs) {
    const auto* site = context.inventory().site(site_run.site);
    auto data = visual::journal_data(site_run);
    run.record(site_run.comparison ? "visual.compared" : "visual.snapshot",
               {site_run.site, site_run.env, site != nullptr ? site->client : ""}, std::move(data));
  }
}

void run_visual(Context& context, const VisualOptions& options, bool compare) {
  // Without --env, prod: what visitors see (the monthly defacement check); `--env preprod` checks an
  // update where it is tested first.
  auto selection = options.selection;
  if (!selection.env) selection.env = "prod";
  auto sites = selected_sites(context, selection, inventory::EmptySelection::error);
  auto targets = inventory::select_targets(sites, selection);
  if (!targets) throw core::UsageError(targets.error().message);
  context.print_warnings();
  if (options.against != "latest" && !visual::is_snapshot_id(options.against)) {
    throw core::UsageError(fmt::format("--against: '{}' is neither latest nor a snapshot id (such as 20261205T081500Z)",
                                       options.against));
  }
  visual::SnapshotStore store(std::filesystem::path(context.inventory().directory) / "visual");
  transport::CurlHttpClient http;
  visual::CapturerPool pool(chromium_factory(), options.browsers);
  visual::SiteRunOptions run_options_visual;
  run_options_visual.compare = compare;
  run_options_visual.against = options.against;
  const auto now = core::wall_clock_now(); // the soak's simulated clock in test builds (core/clock.hpp)

  std::vector<visual::SiteRun> runs(targets->size());
  std::vector<run::Job> jobs;
  for (std::size_t i = 0; i < targets->size(); ++i) {
    const auto& target = (*targets)[i];
    runs[i].site = target.site->name;
    runs[i].env = target.env->name;
    jobs.push_back(run::Job{target.site->name, target.env->name, run::url_host_key(target.env->url),
                            [&runs, &pool, &http, &store, &run_options_visual, now, target, i] {
                              runs[i] = visual::run_site(pool, http, store, *target.site, *target.env,
                                                         run_options_visual, now);
                              return run::SiteResult{};
                            },
                            nullptr});
  }
  run::run_jobs(std::move(jobs), run_options(context, options.browsers, options.browsers));

  if (options.format == report::Format::json) {
    report::print_json(report::envelope(visual::k_visual_schema, visual::render_json(runs, compare)));
  } else {
    report::print(render_table(runs, compare, context.colour()));
    for (const auto& run : runs) {
      for (const auto& note : run.notes) report::eprint(fmt::format("{} {}: {}\n", run.site, run.env, note));
    }
  }
  std::vector<FailureLine> failures;
  for (const auto& run : runs) {
    if (run.error) failures.push_back({run.site, run.env, run.error->message});
    if (run.snapshot) {
      for (const auto& p : run.snapshot->pages) {
        if (!p.error.empty()) failures.push_back({run.site, run.env, fmt::format("{} at {}: {}", p.path, p.label(), p.error)});
      }
    }
  }
  print_failures(failures);
  record_runs(context, runs, compare);
  context.exit_code |= visual::exit_bits(runs, options.fail_on == "changed");
}

void add_common(CLI::App& cmd, VisualOptions& options) {
  add_selection(cmd, options.selection);
  add_format(cmd, options.format);
  cmd.add_option("--browsers", options.browsers, "Browsers at once (sites captured in parallel)")
      ->check(CLI::Range(1, 16))
      ->default_str("2");
}

} // namespace

void setup_visual(CLI::App& app, Context& context) {
  auto* visual_cmd = app.add_subcommand("visual", "Screenshots of the sites' pages in headless Chromium, and their comparison");
  visual_cmd->require_subcommand(1);

  auto snapshot_options = std::make_shared<VisualOptions>();
  auto* snapshot = visual_cmd->add_subcommand("snapshot", "Capture the pages of the selected sites and keep the snapshot");
  add_common(*snapshot, *snapshot_options);
  snapshot->callback([&context, snapshot_options] { run_visual(context, *snapshot_options, false); });

  auto compare_options = std::make_shared<VisualOptions>();
  auto* compare = visual_cmd->add_subcommand("compare", "Capture the pages now and compare them with an earlier snapshot");
  add_common(*compare, *compare_options);
  compare->add_option("--against", compare_options->against, "The snapshot to compare with: latest, or its id")
      ->default_str("latest");
  compare->add_option("--fail-on", compare_options->fail_on, "Verdicts that make the exit code 1")
      ->check(one_of({"broken", "changed"}))
      ->default_str("broken");
  add_due_flag(*compare, compare_options->due);
  compare->callback([&context, compare_options, compare] {
    const auto& o = *compare_options;
    if (run_due_instead(context, *compare, {o.due, schedule::JobKind::visual, o.selection, o.format, true, o.browsers, 1})) {
      return;
    }
    run_visual(context, o, true);
  });
}

} // namespace tma::cli
