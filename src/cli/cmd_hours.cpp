// `tma hours log|list|summary`: time against each client's contract (docs/contracts.md).
#include <memory>

#include <fmt/format.h>

#include <tma/contract/hours.hpp>
#include <tma/contract/record.hpp>
#include <tma/contract/render.hpp>
#include <tma/contract/summary.hpp>
#include <tma/core/error.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/core/text.hpp>
#include <tma/report/output.hpp>
#include <tma/request/request.hpp>

#include "cli/commands.hpp"
#include "cli/hours_support.hpp"

namespace tma::cli {
namespace {

// The JSON schema version of the `hours` documents (bumped on breaking change).
constexpr int k_hours_schema = 1;

struct LogOptions {
  std::optional<std::string> site;
  std::optional<std::string> client;
  std::string duration;
  std::string description;
  std::optional<std::string> date;
  std::string category = "support";
  std::optional<std::string> ticket;
  std::optional<std::string> request;
  bool non_billable = false;
  report::Format format = report::Format::table;
};

struct ListOptions {
  inventory::Selection selection;
  PeriodOptions period;
  report::Format format = report::Format::table;
  std::vector<std::string> fields;
};

struct SummaryOptions {
  std::vector<std::string> clients;
  PeriodOptions period;
  report::Format format = report::Format::table;
};

template <class T>
T usage_value(core::Result<T> result) {
  if (!result) throw core::UsageError(result.error().message);
  return std::move(*result);
}

// The request `id` names, when the entry is for one: it must be in the journal, and its client is
// the entry's (the default for --client when neither --site nor --client is given).
std::optional<request::Request> linked_request(Context& context, const std::optional<std::string>& id) {
  if (!id) return std::nullopt;
  auto all = request::load_all(context.journal());
  if (!all) throw core::TmaError(core::exit_code::site_failed, "journal: " + all.error().message);
  auto found = request::find(*all, core::trim(*id));
  if (!found) throw core::UsageError("--request: " + found.error().message);
  return *found;
}

void run_log(Context& context, const LogOptions& options) {
  const auto& inventory = context.inventory();
  contract::LogRequest request;
  // Everything is checked before the run starts, so a typo leaves no trace in the journal.
  auto duration = contract::parse_hours(options.duration);
  if (!duration) throw core::UsageError(duration.error());
  request.duration = *duration;
  auto linked = linked_request(context, options.request);
  auto client_option = options.client;
  auto site_option = options.site;
  if (linked && !client_option && !site_option) {
    client_option = linked->client;
    if (!linked->site.empty()) site_option = linked->site;
  }
  auto [client, site] = usage_value(contract::resolve_log_target(inventory, site_option, client_option));
  if (linked && linked->client != client) {
    throw core::UsageError(fmt::format("--request: {} is a request of client '{}', not '{}'", linked->id, linked->client, client));
  }
  if (linked) request.request = linked->number;
  request.client = client;
  request.site = site;
  request.description = options.description;
  if (options.date) {
    auto date = core::parse_date(*options.date);
    if (!date) throw core::UsageError("--date: " + date.error());
    request.date = *date;
  }
  auto category = contract::parse_category(options.category);
  if (!category) {
    auto guess = core::suggest(options.category, contract::category_names());
    throw core::UsageError(fmt::format("--category: unknown category '{}'{}; expected one of {}", options.category,
                                       guess ? fmt::format(" (did you mean '{}'?)", *guess) : "",
                                       core::join(contract::category_names(), ", ")));
  }
  request.category = *category;
  if (options.ticket) {
    if (core::trim(*options.ticket).empty()) throw core::UsageError("--ticket: empty reference");
    request.ticket = std::string(core::trim(*options.ticket));
  }
  request.billable = options.non_billable ? contract::Billable::no : contract::Billable::yes;

  auto zone = agency_zone(context);
  auto& journal = context.journal();
  auto now = journal.now();
  usage_value(contract::check_log_request(request, zone, now));

  auto& run = context.start_run("hours log");
  auto entry = contract::log_time(run, request, zone, now);
  if (!entry) throw core::UsageError(entry.error().message);
  // Committed with run.finished, in the run's one commit (app.cpp): a failure there is an error, exit 2.

  if (options.format == report::Format::json) {
    report::print_json(report::envelope(k_hours_schema, {{"entry", contract::entry_json(*entry)}}));
    return;
  }
  report::print(fmt::format("logged {} {} ({}) for {}{}{} on {}: {}\n", contract::format_hours(entry->duration),
                            entry->billable == contract::Billable::yes ? "billable" : "non-billable",
                            contract::to_string(entry->category), entry->client,
                            entry->site ? " / " + *entry->site : "", entry->request ? " (" + *entry->request + ")" : "",
                            core::format_date(entry->date), entry->description));
}

void run_list(Context& context, const ListOptions& options) {
  selected_columns(contract::entries_table({}), options.format, options.fields);
  const auto& inventory = context.inventory();
  // Time entries are per site, not per environment: refuse the flag rather than ignore it.
  if (options.selection.env) throw core::UsageError("--env does not apply to time entries");
  contract::EntryQuery query;
  for (const auto& id : options.selection.clients) query.clients.push_back(usage_value(contract::find_client(inventory, id))->id);
  if (!options.selection.sites.empty() || !options.selection.tags.empty()) {
    for (const auto* site : selected_sites(context, options.selection, inventory::EmptySelection::all_sites)) {
      query.sites.push_back(site->name);
    }
  }
  auto zone = agency_zone(context);
  auto journal = open_journal(context);
  auto period = resolve_period(options.period, zone, journal->now());
  query.earliest = period.from;
  auto loaded = contract::load_entries(*journal, query, zone);
  if (!loaded) throw core::TmaError(core::exit_code::site_failed, "journal: " + loaded.error().message);
  std::vector<contract::TimeEntry> entries;
  for (auto& entry : loaded->entries) {
    if (period.contains(entry.date)) entries.push_back(std::move(entry));
  }
  for (const auto& problem : loaded->problems) report::eprint("tma: warning: " + problem + "\n");
  if (!loaded->problems.empty()) context.exit_code |= core::exit_code::findings;

  if (options.format == report::Format::json) {
    auto list = nlohmann::json::array();
    for (const auto& entry : entries) list.push_back(contract::entry_json(entry));
    report::print_json(report::envelope(
        k_hours_schema, {{"period", contract::period_json(period)}, {"entries", std::move(list)}, {"problems", loaded->problems}}));
    return;
  }
  if (options.format == report::Format::csv) {
    report::print(render_listing(contract::entries_table(entries), options.format, options.fields, false));
    return;
  }
  auto heading = fmt::format("time entries {}\n", period.label);
  if (options.fields.empty() || entries.empty()) {
    report::print(heading + contract::render_entries_table(entries));
  } else {
    report::print(heading + render_listing(contract::entries_table(entries), options.format, options.fields, false) +
                  contract::entries_totals(entries));
  }
}

void run_summary(Context& context, const SummaryOptions& options) {
  const auto& inventory = context.inventory();
  std::vector<const inventory::Client*> clients;
  for (const auto& id : options.clients) clients.push_back(usage_value(contract::find_client(inventory, id)));
  if (clients.empty()) {
    for (const auto& client : inventory.clients) clients.push_back(&client);
  }
  auto zone = agency_zone(context);
  auto journal = open_journal(context);
  auto period = resolve_period(options.period, zone, journal->now());
  auto report_value = contract::hours_report(*journal, clients, period, zone);
  if (!report_value) throw core::TmaError(core::exit_code::site_failed, "journal: " + report_value.error().message);
  for (const auto& problem : report_value->problems) report::eprint("tma: warning: " + problem + "\n");
  if (!report_value->problems.empty()) context.exit_code |= core::exit_code::findings;

  if (options.format == report::Format::json) {
    auto list = nlohmann::json::array();
    for (const auto& hours : report_value->clients) list.push_back(contract::client_hours_json(hours));
    report::print_json(report::envelope(k_hours_schema, {{"period", contract::period_json(period)},
                                                         {"timezone", zone.name()},
                                                         {"currency", inventory.agency.currency},
                                                         {"clients", std::move(list)},
                                                         {"problems", report_value->problems}}));
    return;
  }
  std::string out;
  for (const auto& hours : report_value->clients) {
    if (!out.empty()) out += "\n";
    out += contract::render_client_hours(hours, inventory.agency.currency);
  }
  report::print(out.empty() ? "no clients\n" : out);
}

} // namespace

void setup_hours(CLI::App& app, Context& context) {
  auto* hours = app.add_subcommand("hours", "Log time against each client's contract and sum it up");
  hours->require_subcommand(1);

  auto log = std::make_shared<LogOptions>();
  auto* log_cmd = hours->add_subcommand("log", "Record time spent for a site or a client");
  log_cmd->add_option("--site,-s", log->site, "Site the work was for (implies its client)")->type_name("NAME");
  log_cmd->add_option("--client,-c", log->client, "Client the work was for")->type_name("ID");
  log_cmd->add_option("duration", log->duration, "Time spent: 2h, 90m, 1h30, 1h30m, 1.5h")->required()->type_name("DURATION");
  log_cmd->add_option("description", log->description, "What was done")->required()->type_name("TEXT");
  log_cmd->add_option("--date,-d", log->date, "Day the work was done (default: today in the agency's zone)")
      ->type_name("YYYY-MM-DD");
  log_cmd->add_option("--category", log->category, "update|security|bugfix|performance|support|backup|feature")
      ->default_str("support");
  log_cmd->add_option("--ticket", log->ticket, "Ticket reference")->type_name("REF");
  log_cmd->add_option("--request", log->request, "Client request worked on (its client is the default)")->type_name("REQ-YYYY-NNNN");
  log_cmd->add_flag("--non-billable", log->non_billable, "Never billed (shown separately)");
  add_format(*log_cmd, log->format);
  log_cmd->callback([&context, log] { run_log(context, *log); });

  auto list = std::make_shared<ListOptions>();
  auto* list_cmd = hours->add_subcommand("list", "List time entries of a period");
  add_selection(*list_cmd, list->selection);
  add_period_options(*list_cmd, list->period, MonthRequired::no);
  add_format(*list_cmd, list->format, false, true);
  add_fields(*list_cmd, list->fields);
  list_cmd->callback([&context, list] { run_list(context, *list); });

  auto summary = std::make_shared<SummaryOptions>();
  auto* summary_cmd = hours->add_subcommand("summary", "Hours per client and contract model for a period");
  summary_cmd->add_option("--client,-c", summary->clients, "Client id (repeatable; default every client)")
      ->type_name("ID");
  add_period_options(*summary_cmd, summary->period, MonthRequired::no);
  add_format(*summary_cmd, summary->format);
  summary_cmd->callback([&context, summary] { run_summary(context, *summary); });
}

} // namespace tma::cli
