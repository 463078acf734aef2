// `tma perf`: a performance audit of the selected sites' pages over HTTP (docs/perf.md).
#include <fmt/format.h>

#include <tma/core/clock.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/perf/audit.hpp>
#include <tma/perf/render.hpp>
#include <tma/perf/trend.hpp>
#include <tma/perf/wordpress.hpp>
#include <tma/run/runner.hpp>
#include <tma/transport/ssh_transport.hpp>

#include "cli/check_support.hpp"
#include "cli/commands.hpp"
#include "cli/failure_lines.hpp"
#include "cli/journal_access.hpp"

namespace tma::cli {
namespace {

// The WordPress checks in one session; a transport that cannot be made is a note, as a failed query.
perf::WordPressFacts wordpress_facts(const inventory::Site& site, const inventory::Environment& env,
                                     transport::ControlMasters& masters) {
  auto shell = transport::make_transport(env, &masters);
  if (!shell) {
    perf::WordPressFacts facts;
    facts.notes.push_back(shell.error().message);
    return facts;
  }
  auto now = core::wall_now();
  return perf::check_wordpress(**shell, env, site.perf, now);
}

} // namespace

void setup_perf(CLI::App& app, Context& context) {
  auto* cmd = app.add_subcommand("perf", "Audit the sites' pages: timings, weight, compression, caching, images, redirects");
  struct Options {
    inventory::Selection selection;
    report::Format format = report::Format::table;
    std::vector<std::string> fields;
    std::string fail_on = "any";
    std::string junit;
    int jobs = 4;
    int per_host = 2;
    int parallel = 8;
    bool record = false;
    std::optional<std::string> compare;
  };
  auto options = std::make_shared<Options>();
  add_selection(*cmd, options->selection);
  add_format(*cmd, options->format, false, true);
  add_fields(*cmd, options->fields);
  cmd->add_option("--fail-on", options->fail_on, "Findings that make the exit code 1")
      ->check(one_of({"any", "never"}))
      ->default_str("any");
  cmd->add_option("--junit", options->junit, "Also write a JUnit XML report to this file");
  cmd->add_option("--jobs,-j", options->jobs, "Targets audited at once")->check(CLI::Range(1, 256))->default_str("4");
  cmd->add_option("--per-host", options->per_host, "Targets of one web server audited at once")
      ->check(CLI::Range(1, 64))
      ->default_str("2");
  cmd->add_option("--parallel", options->parallel, "Asset requests of one page at once (at most 6 to one host)")
      ->check(CLI::Range(1, 32))
      ->default_str("8");
  cmd->add_flag("--record", options->record, "Record each target's figures in the journal (event perf.measured)");
  cmd->add_option("--compare", options->compare,
                  "Compare with the median of the recorded figures of PERIOD: 30d, 7d, 12h back from now, or a month 2026-11")
      ->type_name("PERIOD");
  cmd->callback([&context, options] {
    bool with_trend = options->compare.has_value();
    selected_columns(perf::pages_table({}, with_trend), options->format, options->fields);
    auto sites = selected_sites(context, options->selection, inventory::EmptySelection::all_sites);
    auto targets = inventory::select_targets(sites, options->selection);
    if (!targets) throw core::UsageError(targets.error().message);
    context.print_warnings();
    // The period is read before anything is measured: a mistake in it is a usage error, at once.
    std::optional<perf::Period> period;
    if (options->compare) {
      auto parsed = perf::parse_period(*options->compare, context.journal().now(), agency_zone(context));
      if (!parsed) throw core::UsageError(parsed.error().message);
      period = *parsed;
    }

    transport::CurlHttpClient http;
    transport::ControlMasters masters;
    perf::AuditOptions audit;
    audit.parallel = options->parallel;
    // Each job fills its own slot; the order of `targets` (site, env) is the report's order.
    std::vector<perf::TargetResult> slots(targets->size());
    std::vector<run::Job> jobs;
    for (std::size_t i = 0; i < targets->size(); ++i) {
      const auto& target = (*targets)[i];
      slots[i] = {target.site->name, target.env->name, {}, perf::TargetStatus::ok, std::nullopt};
      jobs.push_back(run::Job{target.site->name, target.env->name, run::url_host_key(target.env->url),
                              [&slots, &http, &audit, &masters, target, i] {
                                slots[i] = perf::audit_target(*target.site, *target.env, http, audit);
                                if (perf::wordpress_checked(target.site->cms, *target.env)) {
                                  slots[i].wordpress = wordpress_facts(*target.site, *target.env, masters);
                                  slots[i].status = perf::target_status(slots[i]);
                                }
                                return run::SiteResult{};
                              },
                              nullptr});
    }
    run::run_jobs(std::move(jobs), run_options(context, options->jobs, options->per_host));

    if (period) {
      std::vector<std::string> site_names;
      for (const auto& target : *targets) site_names.push_back(target.site->name);
      auto history = perf::read_history(context.journal(), *period, site_names);
      if (!history) throw core::TmaError(core::exit_code::site_failed, "journal: " + history.error().message);
      for (std::size_t i = 0; i < targets->size(); ++i) perf::apply_trends(slots[i], *history, (*targets)[i].site->perf.regression);
    }
    if (options->record) {
      auto& run = context.start_run("perf --record");
      for (std::size_t i = 0; i < targets->size(); ++i) {
        const auto& target = (*targets)[i];
        run.record(perf::k_measured_event, {target.site->name, target.env->name, target.site->client},
                   perf::measured_event_data(slots[i]));
      }
    }

    if (!options->junit.empty()) write_report_file(options->junit, perf::render_junit(slots, options->fail_on == "any"));
    if (options->format == report::Format::json) {
      report::print_json(report::envelope(perf::k_perf_schema, perf::render_json_payload(slots)));
    } else if (options->format == report::Format::csv || !options->fields.empty()) {
      report::print(render_listing(perf::pages_table(slots, with_trend), options->format, options->fields,
                                   options->format != report::Format::csv && context.colour()));
    } else {
      report::print(perf::render_table(slots, context.colour(), with_trend));
    }
    std::vector<FailureLine> failures;
    for (const auto& t : slots) {
      for (const auto& page : t.pages) {
        if (page.error) failures.push_back({t.site, t.env, page.error->message});
      }
    }
    print_failures(failures);
    context.exit_code |= perf::exit_bits(slots, options->fail_on == "any");
  });
}

} // namespace tma::cli
