// `tma health`: the smoke checks of the selected sites over HTTP (status, text, time, TLS expiry).
#include <fstream>
#include <fmt/format.h>
#include <mutex>

#include <tma/check/run_health.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/core/text.hpp>
#include <tma/incident/health_days.hpp>
#include <tma/incident/monitor.hpp>
#include <tma/journal/local_state.hpp>
#include <tma/notify/dispatch.hpp>
#include <tma/run/runner.hpp>

#include "cli/check_support.hpp"
#include "cli/commands.hpp"
#include "cli/failure_lines.hpp"
#include "cli/journal_access.hpp"
#include "cli/notify_support.hpp"

namespace tma::cli {

namespace {

// `--record`, daily aggregates: today's probes join the open days kept next to the journal; the days
// before today are complete and become `health.daily` events, committed before they leave the
// state file (a crash in between journals a day twice, which readers fold into one).
void record_days(Context& context, journal::Run& run, const core::TimeZone& zone,
                 const std::vector<check::HealthResult>& results) {
  const auto& inventory = context.inventory();
  auto samples = incident::samples_from_health(results, [&](const std::string& site) {
    const auto* s = inventory.site(site);
    return s != nullptr ? s->client : std::string();
  });
  auto directory = journal::local_state_directory(journal_options(context));
  if (!directory) throw core::TmaError(core::exit_code::site_failed, "journal: " + directory.error().message);
  auto today = zone.local_date(run.now());
  auto updated = journal::update_local_state(*directory, "health-days.json", [&](const std::string& text) -> core::Result<std::string> {
    auto days = incident::OpenDays::parse(text);
    if (!days) {
      // The open day is a convenience, not a record: start afresh rather than stop monitoring.
      report::eprint(fmt::format("tma: warning: {}/health-days.json: {}; today's response times start afresh\n",
                                 directory->string(), days.error().message));
      days = incident::OpenDays{};
    }
    days->add(samples, today);
    auto closed = days->close_before(today);
    if (!closed.empty()) {
      for (const auto& day : closed) {
        run.record(std::string(incident::k_health_daily), {day.site, day.env, day.client}, incident::daily_event_data(day));
      }
      if (auto flushed = run.flush(); !flushed) return tl::unexpected(flushed.error());
    }
    return days->serialise();
  });
  if (!updated) throw core::TmaError(core::exit_code::site_failed, "journal: " + updated.error().message);
}

// `--record`: the streak of failures and the incidents live in the journal (incident::record_probes).
void record_monitoring(Context& context, const std::vector<check::HealthResult>& results) {
  auto zone = agency_zone(context);
  auto& journal = context.journal();
  auto& run = context.start_run("health --record");
  auto outcomes = incident::record_probes(journal, run, context.inventory(), zone, incident::probes_from_health(results));
  if (!outcomes) throw core::TmaError(core::exit_code::site_failed, "journal: " + outcomes.error().message);
  for (const auto& outcome : *outcomes) {
    if (outcome.transition == incident::Transition::none || outcome.transition == incident::Transition::counted) continue;
    report::eprint(fmt::format("{} {}: {}{}\n", outcome.probe.site, outcome.probe.env, incident::to_string(outcome.transition),
                               outcome.incident ? " " + outcome.incident->id : ""));
  }
  notify_after(context, journal, run, notify::triggers_for(*outcomes));
  record_days(context, run, zone, results);
}

// Three targets of one server in a row without an answer: it is taken for silent, and its other
// targets are all probed at once (run::RunOptions::burst_unanswered_after).
constexpr int k_health_burst_after = 3;

// What the runner needs of a target's probes: unreachable when no request got an answer (that is
// what counts towards a silent server), ok otherwise; the verdicts themselves stay in the results.
run::SiteResult health_job_result(const std::vector<check::HealthResult>& results) {
  run::SiteResult result;
  bool answered = results.empty();
  for (const auto& r : results) answered = answered || !r.unreachable;
  if (!answered) {
    result.status = run::Status::unreachable;
    result.error = core::Error{core::ErrorKind::unreachable, results.front().url + ": no answer"};
  }
  return result;
}

} // namespace

void setup_health(CLI::App& app, Context& context) {
  auto* health = app.add_subcommand("health", "Run the sites' smoke checks over HTTP (status, text, time, TLS)");
  struct Options {
    inventory::Selection selection;
    report::Format format = report::Format::table;
    std::vector<std::string> fields;
    std::string junit;
    int jobs = 8;
    int per_host = k_read_only_per_host;
    bool record = false;
    bool due = false;
  };
  auto options = std::make_shared<Options>();
  add_selection(*health, options->selection);
  add_format(*health, options->format, false, true);
  add_fields(*health, options->fields);
  add_due_flag(*health, options->due);
  health->add_option("--junit", options->junit, "Also write a JUnit XML report to this file");
  health->add_option("--jobs,-j", options->jobs, "Targets checked at once")->check(CLI::Range(1, 1024))->default_str("8");
  health->add_option("--per-host", options->per_host, "Targets of one server checked at once")
      ->check(CLI::Range(1, k_max_per_host))
      ->default_str(std::to_string(k_read_only_per_host));
  health->add_flag("--record", options->record,
                   "Record the results in the journal: open, note and resolve monitoring incidents (docs/incidents.md)");
  health->callback([&context, options, health] {
    if (run_due_instead(context, *health,
                        {options->due, schedule::JobKind::health, options->selection, options->format, true, options->jobs,
                         options->per_host})) {
      return;
    }
    selected_columns(check::health_table({}), options->format, options->fields);
    auto sites = selected_sites(context, options->selection, inventory::EmptySelection::all_sites);
    auto targets = inventory::select_targets(sites, options->selection);
    if (!targets) throw core::UsageError(targets.error().message);
    context.print_warnings();

    transport::CurlHttpClient http;
    // Each job fills its own slot, so no locking is needed; the runner sorts its own results only.
    std::vector<std::vector<check::HealthResult>> slots(targets->size());
    std::vector<run::Job> jobs;
    for (std::size_t i = 0; i < targets->size(); ++i) {
      const auto& target = (*targets)[i];
      jobs.push_back(run::Job{target.site->name, target.env->name, run::url_host_key(target.env->url),
                              [&slots, &http, target, i] {
                                slots[i] = check::run_health(*target.site, *target.env, http);
                                return health_job_result(slots[i]);
                              },
                              nullptr});
    }
    auto run_options_health = run_options(context, options->jobs, options->per_host);
    run_options_health.burst_unanswered_after = k_health_burst_after;
    run::run_jobs(std::move(jobs), run_options_health);
    std::vector<check::HealthResult> results;
    for (auto& slot : slots) {
      for (auto& result : slot) {
        results.push_back(std::move(result));
      }
    }
    if (!options->junit.empty()) {
      write_report_file(options->junit, check::render_health_junit(results));
    }
    if (options->format == report::Format::json) {
      report::print_json(report::envelope(check::k_health_schema, check::render_health_json_payload(results)));
    } else if (options->format == report::Format::csv) {
      report::print(render_listing(check::health_table(results), options->format, options->fields, false));
    } else if (!options->fields.empty()) {
      report::print(render_listing(check::health_table(results), options->format, options->fields, context.colour()) +
                    check::render_health_footer(results, context.colour()));
    } else {
      report::print(check::render_health_table(results, context.colour()));
    }
    // Unreachable URLs are health's failures (exit bit 4); a wrong status or text is a finding.
    std::vector<FailureLine> failures;
    for (const auto& r : results) {
      if (!r.unreachable) continue;
      std::vector<std::string> messages;
      for (const auto& problem : r.problems) messages.push_back(problem.message);
      failures.push_back({r.site, r.env, messages.empty() ? r.url + ": unreachable" : core::join(messages, "; ")});
    }
    print_failures(failures);
    context.exit_code |= check::health_exit_bits(results);
    if (options->record) record_monitoring(context, results);
  });
}

} // namespace tma::cli
