// `tma check`: installed versions, available updates and known vulnerabilities of the selected sites.
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include <tma/core/clock.hpp>
#include <tma/check/by_component.hpp>
#include <tma/check/render.hpp>
#include <tma/check/run_check.hpp>
#include <tma/check/snapshot.hpp>
#include <tma/core/log.hpp>
#include <tma/run/runner.hpp>
#include <tma/transport/ssh_transport.hpp>

#include "cli/check_support.hpp"
#include "cli/commands.hpp"
#include "cli/failure_lines.hpp"
#include "cli/journal_access.hpp"

namespace tma::cli {
namespace {

// A `check` event per site with its installed-versions snapshot. Without a journal repository
// (a plain inventory directory), the check still runs: one warning, nothing recorded.
void record_checks(Context& context, const std::vector<check::SiteCheck>& sites) {
  auto* started = start_run_or_warn(context, "check", "check results");
  if (started == nullptr) return;
  auto& run = *started;
  for (const auto& site : sites) {
    const auto* inventory_site = context.inventory().site(site.site);
    nlohmann::json data = {{"status", check::to_string(check::site_status(site))},
                           {"findings", site.findings.size()},
                           {"security_checked", site.security_checked},
                           {"snapshot", check::snapshot(site)}};
    if (site.error) data["error"] = site.error->message;
    // What is coming (end of life, domain, closed plugins...), for the client report's recommendations.
    nlohmann::json lifecycle = nlohmann::json::array();
    for (const auto& f : site.findings) {
      if (f.type == check::FindingType::update) continue;
      lifecycle.push_back({{"type", check::to_string(f.type)},
                           {"kind", cms::to_string(f.kind)},
                           {"name", f.name},
                           {"label", f.kind == cms::ComponentKind::core || f.kind == cms::ComponentKind::platform
                                         ? check::product_label(f.name)
                                         : f.name},
                           {"installed", f.installed},
                           {"latest", f.latest},
                           {"ends_on", f.ends_on},
                           {"severity", check::to_string(f.severity)}});
    }
    if (!lifecycle.empty()) data["lifecycle"] = std::move(lifecycle);
    // Security and major updates still to apply: the client report's open security and pending majors.
    nlohmann::json open = nlohmann::json::array();
    for (const auto& f : site.findings) {
      if (f.type != check::FindingType::update || f.severity < check::Severity::major) continue;
      nlohmann::json advisories = nlohmann::json::array();
      for (const auto& a : f.advisories) advisories.push_back(a.cve.empty() ? a.id : a.cve);
      open.push_back({{"component", f.kind == cms::ComponentKind::core ? std::string("core")
                                                                       : fmt::format("{}:{}", cms::to_string(f.kind), f.name)},
                      {"installed", f.installed},
                      {"latest", f.latest},
                      {"fixed_in", f.fixed_in},
                      {"severity", check::to_string(f.severity)},
                      {"advisories", std::move(advisories)}});
    }
    if (!open.empty()) data["open"] = std::move(open);
    run.record("check", {site.site, site.env, inventory_site != nullptr ? inventory_site->client : ""}, data);
  }
}

struct CheckOptions {
  inventory::Selection selection;
  report::Format format = report::Format::table;
  std::vector<std::string> fields;
  std::string by = "site";
  std::string fail_on = "security";
  bool security_only = false;
  std::string junit;
  int jobs = 8;
  int per_host = k_read_only_per_host;
  bool due = false;
};

// The report in the format and view asked for (docs/check.md, docs/cli.md "Output").
void print_check(Context& context, const CheckOptions& options, const check::CheckReport& report) {
  if (options.by == "component") {
    auto view = check::group_by_component(report);
    if (options.format == report::Format::json) {
      report::print_json(report::envelope(check::k_check_schema, check::components_json_payload(report, view)));
      return;
    }
    auto table = render_listing(check::components_table(view), options.format, options.fields, context.colour());
    report::print(options.format == report::Format::csv ? table : table + check::render_components_footer(view));
    return;
  }
  switch (options.format) {
  case report::Format::json: report::print_json(check::render_json_document(report)); break;
  case report::Format::markdown: report::print(check::render_markdown(report)); break;
  case report::Format::csv:
    report::print(render_listing(check::findings_table(report), options.format, options.fields, false));
    break;
  default:
    // --fields: the columns of the flat findings table (one row per finding, as csv has them).
    report::print(options.fields.empty()
                      ? check::render_table(report, context.colour())
                      : render_listing(check::findings_table(report), options.format, options.fields, context.colour()));
    break;
  }
}

} // namespace

void setup_check(CLI::App& app, Context& context) {
  auto* cmd = app.add_subcommand("check", "Installed versions, available updates and known vulnerabilities");
  auto options = std::make_shared<CheckOptions>();
  add_selection(*cmd, options->selection);
  add_format(*cmd, options->format, true, true);
  add_fields(*cmd, options->fields);
  add_due_flag(*cmd, options->due);
  cmd->add_option("--by", options->by, "site: one block per site; component: one line per component change with its sites")
      ->check(one_of({"site", "component"}))
      ->default_str("site")
      ->group("Output");
  cmd->add_flag("--security-only", options->security_only, "Show only security findings");
  cmd->add_option("--fail-on", options->fail_on, "Findings that make the exit code 1")
      ->check(one_of({"security", "any", "never"}))
      ->default_str("security");
  cmd->add_option("--junit", options->junit, "Also write a JUnit XML report to this file");
  cmd->add_option("--jobs,-j", options->jobs, "Targets checked at once")->check(CLI::Range(1, 1024))->default_str("8");
  cmd->add_option("--per-host", options->per_host, "Targets of one server checked at once")
      ->check(CLI::Range(1, k_max_per_host))
      ->default_str(std::to_string(k_read_only_per_host));
  cmd->callback([&context, options, cmd] {
    if (run_due_instead(context, *cmd,
                        {options->due, schedule::JobKind::check, options->selection, options->format, true, options->jobs,
                         options->per_host})) {
      return;
    }
    bool by_component = options->by == "component";
    if (by_component && options->format == report::Format::markdown) {
      throw core::UsageError("--by component has table, json and csv output, not markdown");
    }
    selected_columns(by_component ? check::components_table({}) : check::findings_table({}), options->format,
                     options->fields);
    auto sites = selected_sites(context, options->selection, inventory::EmptySelection::all_sites);
    auto targets = inventory::select_targets(sites, options->selection);
    if (!targets) throw core::UsageError(targets.error().message);
    context.print_warnings();
    const auto& inventory = context.inventory();

    transport::ControlMasters masters;
    transport::CurlHttpClient http;
    check::ResponseCache cache(cache_directory() / "http", inventory.sources.cache_ttl);
    check::CheckTransportFactory factory = [&masters](const inventory::Environment& env) {
      return transport::make_transport(env, &masters);
    };

    check::CheckReport report;
    report.fail_on = *check::parse_fail_on(options->fail_on);
    bool any_wordpress = false;
    for (const auto& target : *targets) {
      any_wordpress = any_wordpress || target.site->cms == inventory::Cms::wordpress;
    }
    auto feed = check::feed_for_run(any_wordpress, inventory.sources, http, &cache);
    report.feed = feed.status;

    check::CheckInputs inputs;
    inputs.transports = &factory;
    inputs.http = &http;
    inputs.cache = &cache;
    inputs.wordpress_api = inventory.sources.wordpress_api;
    inputs.wordfence = feed.db ? &*feed.db : nullptr;
    inputs.feed_note = check::feed_note(feed);
    auto now = core::wall_now();
    auto zone = agency_zone(context);
    auto today = zone.local_date(now);
    inputs.today = today;
    inputs.now = now;
    inputs.zone = zone;
    inputs.plugin_directory = inventory.sources.plugin_directory_enabled;
    inputs.abandoned_after_days = static_cast<int>(inventory.sources.plugin_abandoned_after.count() / 86400);
    if (inventory.sources.drupal_updates_enabled) inputs.drupal_updates = inventory.sources.drupal_updates_url;
    std::optional<check::RdapSource> rdap;
    if (inventory.sources.rdap_enabled) {
      rdap = check::load_rdap_bootstrap(inventory.sources, &http, &cache);
      for (const auto& note : rdap->notes) report::eprint("warning: " + note + "\n");
      inputs.rdap = &rdap->bootstrap;
      inputs.domain_horizons = {static_cast<int>(inventory.sources.domain_warn.count() / 86400),
                                static_cast<int>(inventory.sources.domain_critical.count() / 86400)};
    }
    std::optional<check::EolCatalog> eol;
    if (inventory.sources.eol_enabled) {
      eol = check::load_eol_catalog(inventory.sources, &http, &cache);
      for (const auto& note : eol->notes) report::eprint("warning: " + note + "\n");
      inputs.eol = &*eol;
      inputs.eol_horizon_days = static_cast<int>(inventory.sources.eol_horizon.count() / 86400);
    }

    // Each job fills its own slot; the order of `targets` (site, env) is the report's order.
    std::vector<check::SiteCheck> slots(targets->size());
    std::vector<run::Job> jobs;
    for (std::size_t i = 0; i < targets->size(); ++i) {
      const auto& target = (*targets)[i];
      jobs.push_back(run::Job{target.site->name, target.env->name, run::host_key(*target.env),
                              [&slots, &inputs, target, i] {
                                slots[i] = check::run_check(*target.site, *target.env, inputs);
                                return run::SiteResult{};
                              },
                              nullptr});
    }
    run::run_jobs(std::move(jobs), run_options(context, options->jobs, options->per_host));
    masters.stop_all();
    report.sites = std::move(slots);
    if (options->security_only) check::keep_security_only(report.sites);

    int bits = check::exit_bits(report.sites, report.fail_on);
    record_checks(context, report.sites);
    if (!options->junit.empty()) {
      write_report_file(options->junit, check::render_junit(report));
    }
    print_check(context, *options, report);
    std::vector<FailureLine> failures;
    for (const auto& site : report.sites) {
      if (site.error) failures.push_back({site.site, site.env, site.error->message});
    }
    print_failures(failures);
    context.exit_code |= bits;
  });
}

} // namespace tma::cli
