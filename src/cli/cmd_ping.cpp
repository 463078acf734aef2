// `tma ping`: reachability of the selected sites over SSH (or locally) and HTTP.
#include <chrono>

#include <tma/check/run_check.hpp>
#include <tma/run/ping.hpp>
#include <tma/transport/ssh_transport.hpp>

#include "cli/commands.hpp"
#include "cli/check_support.hpp"
#include "cli/failure_lines.hpp"
#include "cli/journal_access.hpp"

namespace tma::cli {

void setup_ping(CLI::App& app, Context& context) {
  auto* ping = app.add_subcommand("ping", "Check that sites answer: SSH (system, PHP) and HTTP (status, time, TLS)");
  struct Options {
    inventory::Selection selection;
    report::Format format = report::Format::table;
    std::vector<std::string> fields;
    int jobs = 8;
    int per_host = k_read_only_per_host;
  };
  auto options = std::make_shared<Options>();
  add_selection(*ping, options->selection);
  add_format(*ping, options->format, false, true);
  add_fields(*ping, options->fields);
  ping->add_option("--jobs,-j", options->jobs, "Targets pinged at once")->check(CLI::Range(1, 1024))->default_str("8");
  ping->add_option("--per-host", options->per_host, "Targets of one server pinged at once")
      ->check(CLI::Range(1, k_max_per_host))
      ->default_str(std::to_string(k_read_only_per_host));
  ping->callback([&context, options] {
    selected_columns(run::ping_table({}), options->format, options->fields);
    auto sites = selected_sites(context, options->selection, inventory::EmptySelection::all_sites);
    auto targets = inventory::select_targets(sites, options->selection);
    if (!targets) throw core::UsageError(targets.error().message);
    context.print_warnings();

    transport::ControlMasters masters;
    transport::CurlHttpClient http;
    run::TransportFactory factory = [&masters](const inventory::Environment& env) {
      return transport::make_transport(env, &masters);
    };
    auto started = std::chrono::steady_clock::now();
    run::PingOptions ping_options;
    check::EolCatalog eol;
    core::Date today;
    int horizon = 0;
    const auto& sources = context.inventory().sources;
    if (sources.eol_enabled) {
      check::ResponseCache cache(cache_directory() / "http", sources.cache_ttl);
      eol = check::load_eol_catalog(sources, &http, &cache);
      today = agency_zone(context).local_date(std::chrono::time_point_cast<std::chrono::seconds>(ping_options.now));
      horizon = static_cast<int>(sources.eol_horizon.count() / 86400);
      ping_options.php_note = [&eol, &today, horizon](const std::string& php) { return check::eol_note(eol, "php", php, today, horizon); };
    }
    auto jobs = run::ping_jobs(*targets, factory, http, ping_options);
    auto results = run::run_jobs(std::move(jobs), run_options(context, options->jobs, options->per_host));
    masters.stop_all();
    auto summary = run::summarize(results, std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::steady_clock::now() - started));
    if (options->format == report::Format::json) {
      report::print_json(report::envelope(1, run::ping_json(results, summary)));
    } else {
      report::print(render_listing(run::ping_table(results), options->format, options->fields, context.colour()));
      if (options->format == report::Format::table) report::print(summary.str() + "\n");
    }
    std::vector<FailureLine> failures;
    for (const auto& r : results) {
      if ((r.status == run::Status::failed || r.status == run::Status::unreachable) && r.error) {
        failures.push_back({r.site, r.env, r.error->message});
      }
    }
    print_failures(failures);
    context.exit_code |= summary.exit_bits();
  });
}

} // namespace tma::cli
