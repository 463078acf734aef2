// `tma summary --month`: per client, the hours block, the incidents and the requests of the month.
#include <memory>

#include <fmt/format.h>

#include <tma/contract/render.hpp>
#include <tma/contract/record.hpp>
#include <tma/contract/summary.hpp>
#include <tma/core/error.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/incident/stats.hpp>
#include <tma/report/output.hpp>
#include <tma/request/request.hpp>
#include <tma/request/stats.hpp>

#include "cli/commands.hpp"
#include "cli/hours_support.hpp"

namespace tma::cli {
namespace {

constexpr int k_summary_schema = 1;

struct MonthSummaryOptions {
  std::vector<std::string> clients;
  PeriodOptions period;
  report::Format format = report::Format::table;
};

void run_month_summary(Context& context, const MonthSummaryOptions& options) {
  const auto& inventory = context.inventory();
  std::vector<const inventory::Client*> clients;
  for (const auto& id : options.clients) {
    auto client = contract::find_client(inventory, id);
    if (!client) throw core::UsageError(client.error().message);
    clients.push_back(*client);
  }
  if (clients.empty()) {
    for (const auto& client : inventory.clients) clients.push_back(&client);
  }
  auto zone = agency_zone(context);
  auto journal = open_journal(context);
  auto period = resolve_period(options.period, zone, journal->now());
  auto hours = contract::hours_report(*journal, clients, period, zone);
  if (!hours) throw core::TmaError(core::exit_code::site_failed, "journal: " + hours.error().message);
  for (const auto& problem : hours->problems) report::eprint("tma: warning: " + problem + "\n");
  if (!hours->problems.empty()) context.exit_code |= core::exit_code::findings;

  auto all_incidents = incident::load_all(*journal);
  if (!all_incidents) throw core::TmaError(core::exit_code::site_failed, "journal: " + all_incidents.error().message);
  auto all_requests = request::load_all(*journal);
  if (!all_requests) throw core::TmaError(core::exit_code::site_failed, "journal: " + all_requests.error().message);
  auto from = zone.start_of_day(period.from);
  auto until = zone.start_of_day(contract::add_days(period.to, 1));
  std::vector<contract::ClientSummary> summaries;
  for (auto& client_hours : hours->clients) {
    auto incidents = contract::load_incidents(*journal, client_hours.client, period, zone);
    if (!incidents) throw core::TmaError(core::exit_code::site_failed, "journal: " + incidents.error().message);
    auto stats = incident::period_stats(*all_incidents, client_hours.client, inventory, zone, from, until, journal->now());
    auto requests = request::period_stats(*all_requests, client_hours.client, from, until);
    summaries.push_back(contract::ClientSummary{std::move(client_hours), std::move(*incidents), stats, requests});
  }

  if (options.format == report::Format::json) {
    auto list = nlohmann::json::array();
    for (const auto& summary : summaries) list.push_back(contract::client_summary_json(summary));
    report::print_json(report::envelope(k_summary_schema, {{"period", contract::period_json(period)},
                                                           {"timezone", zone.name()},
                                                           {"currency", inventory.agency.currency},
                                                           {"clients", std::move(list)},
                                                           {"problems", hours->problems}}));
    return;
  }
  std::string out = fmt::format("summary {} ({})\n", period.label, zone.name());
  for (const auto& summary : summaries) out += "\n" + contract::render_client_summary(summary, inventory.agency.currency);
  report::print(out);
}

} // namespace

void setup_summary(CLI::App& app, Context& context) {
  auto options = std::make_shared<MonthSummaryOptions>();
  auto* cmd = app.add_subcommand("summary", "Month-end view per client: hours against the contract, incidents, requests");
  add_period_options(*cmd, options->period, MonthRequired::no);
  cmd->add_option("--client,-c", options->clients, "Client id (repeatable; default every client)")->type_name("ID");
  add_format(*cmd, options->format);
  cmd->callback([&context, options] { run_month_summary(context, *options); });
}

} // namespace tma::cli
