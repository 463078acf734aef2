// `tma incident open|ack|note|resolve|list|show`: incidents as journal events (docs/incidents.md).
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <tma/core/error.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/core/text.hpp>
#include <tma/incident/incident.hpp>
#include <tma/notify/dispatch.hpp>
#include <tma/report/output.hpp>
#include <tma/request/request.hpp>

#include "cli/commands.hpp"
#include "cli/journal_access.hpp"
#include "cli/notify_support.hpp"

namespace tma::cli {

namespace {

constexpr int k_incident_schema = 1;

struct IncidentOptions {
  // open
  std::string site;
  std::string env;
  std::string severity;
  std::string title;
  std::string ticket;
  std::optional<std::string> request;
  std::optional<std::string> at;
  // ack / note / resolve / show
  std::string id;
  std::string text;
  std::string cause;
  // list
  inventory::Selection selection;
  bool open_only = false;
  std::optional<std::string> month;
  report::Format format = report::Format::table;
  std::vector<std::string> fields;
};

report::Table incidents_table() {
  return report::Table({"ID", "SEVERITY", "SITE", "STATUS", "OPENED (UTC)", "TTA", "TTR", "SLA RESPOND", "SLA RESOLVE", "TITLE"});
}

template <typename T> T usage_value(core::Result<T> result) {
  if (!result) {
    if (result.error().kind == core::ErrorKind::usage) throw core::UsageError(result.error().message);
    throw core::TmaError(core::exit_code::site_failed, "journal: " + result.error().message);
  }
  return std::move(*result);
}

std::optional<core::SysSeconds> parse_at(const std::optional<std::string>& text, const journal::Journal& journal,
                                         const core::TimeZone& zone) {
  if (!text) return std::nullopt;
  auto parsed = journal::parse_time_arg(*text, journal.now(), zone);
  if (!parsed) throw core::UsageError("--at: " + parsed.error());
  if (*parsed > journal.now()) throw core::UsageError("--at: " + *text + " is in the future");
  return *parsed;
}

std::string duration_or_dash(const std::optional<core::Seconds>& seconds) {
  return seconds ? core::format_duration(*seconds) : "-";
}

std::string sla_cell(const std::optional<incident::SlaCheck>& check) {
  return check ? std::string(incident::to_string(check->status)) : "-";
}

incident::Incident find_incident(const journal::Journal& journal, const std::string& id) {
  auto all = usage_value(incident::load_all(journal));
  return usage_value(incident::find(all, id));
}

// Commit, then notify: the event is in the journal before anyone hears of it (the run is
// finished by app.cpp with the process's exit code).
void commit_and_notify(Context& context, journal::Journal& journal, journal::Run& run,
                       const std::vector<notify::Trigger>& triggers) {
  auto flushed = run.flush();
  if (!flushed) throw core::TmaError(core::exit_code::site_failed, "journal: " + flushed.error().message);
  // Messages describe the incident after the change (a resolution with its downtime).
  auto updated = triggers;
  if (auto all = incident::load_all(journal); all) {
    for (auto& trigger : updated) {
      for (const auto& i : *all) {
        if (trigger.incident && i.opened_event == trigger.incident->opened_event) trigger.incident = i;
      }
    }
  }
  notify_after(context, journal, run, updated);
}

void run_open(Context& context, const IncidentOptions& options) {
  const auto& inventory = context.inventory();
  const auto* site = inventory.site(options.site);
  if (site == nullptr) {
    inventory::Selection selection;
    selection.sites = {options.site};
    auto sites = selected_sites(context, selection, inventory::EmptySelection::error);
    site = sites.front();
  }
  auto severity = incident::parse_severity(options.severity);
  if (!severity) throw core::UsageError("--severity: expected critical, major or minor");
  auto zone = agency_zone(context);
  auto& journal = context.journal();
  incident::OpenRequest request;
  request.site = site->name;
  request.env = options.env.empty() ? (site->environments.empty() ? "" : site->environments.front().name) : options.env;
  if (!options.env.empty() && site->env(options.env) == nullptr) {
    throw core::UsageError(fmt::format("site '{}' has no environment '{}'", site->name, options.env));
  }
  request.client = site->client;
  request.severity = *severity;
  request.title = options.title;
  request.ticket = options.ticket;
  if (options.request) {
    // Linked by number, as hours are: the request must exist and be the site's client's.
    auto requests = usage_value(request::load_all(journal));
    auto linked = request::find(requests, core::trim(*options.request));
    if (!linked) throw core::UsageError("--request: " + linked.error().message);
    if (linked->client != site->client) {
      throw core::UsageError(fmt::format("--request: {} is a request of client '{}', not of '{}' (site {})", linked->id,
                                         linked->client, site->client, site->name));
    }
    request.request = linked->number;
  }
  request.at = parse_at(options.at, journal, zone);
  auto& run = context.start_run("incident open");
  auto opened = usage_value(incident::open(journal, run, request, zone));
  if (options.format == report::Format::json) {
    report::print_json(report::envelope(k_incident_schema,
                                        {{"incident", incident::to_json(opened, incident::timing(opened, inventory, zone, journal.now()))}}));
  } else {
    report::print(fmt::format("opened {} ({}) on {}: {}\n", opened.id, inventory::to_string(opened.severity),
                              opened.site, opened.title));
  }
  commit_and_notify(context, journal, run, {notify::incident_trigger(std::string(incident::k_opened), opened.opened_event, opened)});
}

void run_change(Context& context, const IncidentOptions& options, std::string_view what) {
  auto zone = agency_zone(context);
  auto& journal = context.journal();
  auto target = find_incident(journal, options.id);
  auto at = parse_at(options.at, journal, zone);
  auto& run = context.start_run(fmt::format("incident {}", what));
  journal::Event event;
  if (what == "ack") {
    event = usage_value(incident::acknowledge(run, target, at));
    report::print(fmt::format("acknowledged {}\n", target.id));
  } else if (what == "note") {
    event = usage_value(incident::note(run, target, options.text));
    report::print(fmt::format("noted on {}\n", target.id));
  } else {
    event = usage_value(incident::resolve(run, target, options.cause, at));
    auto resolved_at = event.data.contains("resolved_at") ? *core::parse_rfc3339(event.data["resolved_at"].get<std::string>()) : event.at;
    report::print(fmt::format("resolved {} after {}\n", target.id,
                              core::format_duration(incident::elapsed(target.opened, resolved_at))));
  }
  commit_and_notify(context, journal, run, {notify::incident_trigger(event.type, event.id, target)});
}

void run_list(Context& context, const IncidentOptions& options) {
  selected_columns(incidents_table(), options.format, options.fields);
  const auto& inventory = context.inventory();
  auto zone = agency_zone(context);
  auto journal = open_journal(context);
  auto all = usage_value(incident::load_all(*journal));
  std::vector<std::string> sites;
  bool filter_sites = options.selection.any() && !options.selection.all;
  if (filter_sites) {
    for (const auto* site : selected_sites(context, options.selection, inventory::EmptySelection::error)) sites.push_back(site->name);
  }
  std::optional<std::pair<core::SysSeconds, core::SysSeconds>> month;
  if (options.month) {
    auto start = journal::parse_time_arg(*options.month, journal->now(), zone);
    if (!start || options.month->size() != 7) throw core::UsageError("--month: expected YYYY-MM");
    auto date = zone.local_date(*start);
    month = {zone.start_of_month(date.year, date.month), zone.start_of_month(date.year, date.month + 1)};
  }
  auto now = journal->now();
  nlohmann::json list = nlohmann::json::array();
  auto table = incidents_table();
  for (const auto& i : all) {
    if (filter_sites && std::find(sites.begin(), sites.end(), i.site) == sites.end()) continue;
    if (options.open_only && !i.is_open()) continue;
    if (month && (i.opened < month->first || i.opened >= month->second)) continue;
    auto t = incident::timing(i, inventory, zone, now);
    list.push_back(incident::to_json(i, t));
    table.add_row({i.id, incident::priority_of(i), i.site, std::string(incident::status_of(i)),
                   core::format_rfc3339_utc(i.opened), duration_or_dash(t.to_acknowledge), duration_or_dash(t.to_resolve),
                   sla_cell(t.respond), sla_cell(t.resolve), i.title});
  }
  if (options.format == report::Format::json) {
    report::print_json(report::envelope(k_incident_schema, {{"incidents", std::move(list)}}));
    return;
  }
  print_listing(table, options.format, options.fields, context.colour(), "No incidents match.");
}

void run_show(Context& context, const IncidentOptions& options) {
  const auto& inventory = context.inventory();
  auto zone = agency_zone(context);
  auto journal = open_journal(context);
  auto i = find_incident(*journal, options.id);
  auto t = incident::timing(i, inventory, zone, journal->now());
  if (options.format == report::Format::json) {
    report::print_json(report::envelope(k_incident_schema, {{"incident", incident::to_json(i, t)}}));
    return;
  }
  auto when = [](const std::optional<core::SysSeconds>& at) { return at ? core::format_rfc3339_utc(*at) : std::string("-"); };
  auto sla_line = [&](const char* name, const std::optional<incident::SlaCheck>& check) {
    if (!check) {
      return fmt::format("  sla {}: {}\n", name, i.internal() ? "none (internal: not prod)" : "none in the contract");
    }
    return fmt::format("  sla {}: {} ({} of {} used, due {})\n", name, incident::to_string(check->status),
                       core::format_duration(check->used), core::format_duration(check->budget), when(check->deadline));
  };
  std::string out = fmt::format("{}  {}  {}\n", i.id,
                                i.internal() ? fmt::format("internal ({})", inventory::to_string(i.severity))
                                             : std::string(inventory::to_string(i.severity)),
                                i.title);
  out += fmt::format("  site: {} ({})  client: {}  source: {}{}\n", i.site, i.env.empty() ? "-" : i.env, i.client,
                     incident::to_string(i.source), i.run.empty() ? "" : "  run: " + i.run);
  if (!i.ticket.empty()) out += fmt::format("  ticket: {}\n", i.ticket);
  if (!i.request.empty()) out += fmt::format("  request: {}\n", i.request);
  out += fmt::format("  status: {}\n  opened: {}\n  acknowledged: {} (after {})\n  resolved: {} (after {})\n",
                     incident::status_of(i), when(i.opened), when(i.acknowledged), duration_or_dash(t.to_acknowledge),
                     when(i.resolved), duration_or_dash(t.to_resolve));
  if (!i.cause.empty()) out += fmt::format("  cause: {}\n", i.cause);
  if (i.downtime.count() > 0) out += fmt::format("  downtime: {}\n", core::format_duration(i.downtime));
  out += sla_line("respond", t.respond) + sla_line("resolve", t.resolve);
  for (const auto& n : i.notes) out += fmt::format("  note {} {}: {}\n", core::format_rfc3339_utc(n.at), n.actor, n.text);
  report::print(out);
}

} // namespace

void setup_incident(CLI::App& app, Context& context) {
  auto options = std::make_shared<IncidentOptions>();
  auto* cmd = app.add_subcommand("incident", "Incidents with severities and SLA clocks");
  cmd->require_subcommand(1);

  auto* open = cmd->add_subcommand("open", "Open an incident");
  open->add_option("--site", options->site, "Site concerned")->required()->type_name("NAME");
  open->add_option("--env", options->env, "Environment (default: the site's first, usually prod)")->type_name("ENV");
  open->add_option("--severity", options->severity, "critical, major or minor")->required()->type_name("LEVEL");
  open->add_option("title", options->title, "What is wrong")->required();
  open->add_option("--ticket", options->ticket, "Reference in the agency's ticket system")->type_name("REF");
  open->add_option("--request", options->request, "Client request this incident belongs to")->type_name("REQ-YYYY-NNNN");
  open->add_option("--at", options->at, "When it started: RFC 3339, YYYY-MM-DD, or 2h (ago); default now")->type_name("TIME");
  add_format(*open, options->format);
  open->callback([&context, options] { run_open(context, *options); });

  auto* ack = cmd->add_subcommand("ack", "Acknowledge an incident (first response)");
  ack->add_option("id", options->id, "Incident id (INC-YYYY-NNNN)")->required();
  ack->add_option("--at", options->at, "When (default now)")->type_name("TIME");
  ack->callback([&context, options] { run_change(context, *options, "ack"); });

  auto* note = cmd->add_subcommand("note", "Add a note to an incident");
  note->add_option("id", options->id, "Incident id")->required();
  note->add_option("text", options->text, "The note")->required();
  note->callback([&context, options] { run_change(context, *options, "note"); });

  auto* resolve = cmd->add_subcommand("resolve", "Resolve an incident");
  resolve->add_option("id", options->id, "Incident id")->required();
  resolve->add_option("--cause", options->cause, "Root cause")->type_name("TEXT");
  resolve->add_option("--at", options->at, "When (default now)")->type_name("TIME");
  resolve->callback([&context, options] { run_change(context, *options, "resolve"); });

  auto* list = cmd->add_subcommand("list", "List incidents with their times and SLA");
  add_selection(*list, options->selection);
  list->add_flag("--open", options->open_only, "Only incidents not resolved");
  list->add_option("--month", options->month, "Only incidents opened in this month (agency time zone)")->type_name("YYYY-MM");
  add_format(*list, options->format, false, true);
  add_fields(*list, options->fields);
  list->callback([&context, options] { run_list(context, *options); });

  auto* show = cmd->add_subcommand("show", "Show one incident with its notes and SLA");
  show->add_option("id", options->id, "Incident id")->required();
  add_format(*show, options->format);
  show->callback([&context, options] { run_show(context, *options); });
}

} // namespace tma::cli
