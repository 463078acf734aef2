// `tma request open|list|show|note|assign|status`: client requests as journal events (docs/requests.md).
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <tma/contract/record.hpp>
#include <tma/core/error.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/core/text.hpp>
#include <tma/incident/incident.hpp>
#include <tma/report/output.hpp>
#include <tma/request/request.hpp>
#include <tma/request/targets.hpp>

#include "cli/commands.hpp"
#include "cli/journal_access.hpp"

namespace tma::cli {

namespace {

// The JSON schema version of the `request` documents (bumped on breaking change).
constexpr int k_request_schema = 1;

struct RequestOptions {
  // open
  std::optional<std::string> client;
  std::optional<std::string> site;
  std::string title;
  std::string priority = "normal";
  std::string category = "question";
  std::string assignee;
  std::optional<std::string> due;
  std::optional<std::string> at;
  // note / assign / status / show
  std::string id;
  std::string text;
  // list
  std::optional<std::string> status;
  std::optional<std::string> priority_filter;
  std::optional<std::string> assignee_filter;
  report::Format format = report::Format::table;
  std::vector<std::string> fields;
};

report::Table requests_table() {
  return report::Table({"ID", "PRIORITY", "CLIENT", "SITE", "STATUS", "ASSIGNEE", "OPENED (UTC)", "DUE", "TARGET",
                        "RESPONSE", "TITLE"});
}

template <typename T> T usage_value(core::Result<T> result) {
  if (!result) {
    if (result.error().kind == core::ErrorKind::usage) throw core::UsageError(result.error().message);
    throw core::TmaError(core::exit_code::site_failed, "journal: " + result.error().message);
  }
  return std::move(*result);
}

// An enum-valued option: the message lists the accepted names and suggests the closest one.
template <typename Parse>
auto parse_choice(const std::string& option, const std::string& text, const std::vector<std::string>& names, Parse parse) {
  auto value = parse(text);
  if (!value) {
    auto guess = core::suggest(text, names);
    throw core::UsageError(fmt::format("{}: unknown value '{}'{}; expected one of {}", option, text,
                                       guess ? fmt::format(" (did you mean '{}'?)", *guess) : "", core::join(names, ", ")));
  }
  return *value;
}

std::optional<core::SysSeconds> parse_at(const std::optional<std::string>& text, const journal::Journal& journal,
                                         const core::TimeZone& zone) {
  if (!text) return std::nullopt;
  auto parsed = journal::parse_time_arg(*text, journal.now(), zone);
  if (!parsed) throw core::UsageError("--at: " + parsed.error());
  if (*parsed > journal.now()) throw core::UsageError("--at: " + *text + " is in the future");
  return *parsed;
}

request::Request find_request(const journal::Journal& journal, const std::string& id) {
  auto all = usage_value(request::load_all(journal));
  return usage_value(request::find(all, id));
}

/// Time logged against each request (`tma hours log --request`), by request id.
std::map<std::string, core::Seconds> time_spent(const journal::Journal& journal, const core::TimeZone& zone) {
  auto loaded = contract::load_entries(journal, {}, zone);
  if (!loaded) throw core::TmaError(core::exit_code::site_failed, "journal: " + loaded.error().message);
  std::map<std::string, core::Seconds> spent;
  for (const auto& entry : loaded->entries) {
    if (entry.request) spent[*entry.request] += entry.duration;
  }
  return spent;
}

core::Seconds spent_on(const std::map<std::string, core::Seconds>& spent, const request::Request& r) {
  auto it = spent.find(r.number);
  return it == spent.end() ? core::Seconds{0} : it->second;
}

std::string target_cell(const std::optional<request::ResponseCheck>& check) {
  return check ? core::format_duration(check->target) : "-";
}

void run_open(Context& context, const RequestOptions& options) {
  const auto& inventory = context.inventory();
  if (!options.client) throw core::UsageError("--client: say which client asks");
  auto [client, site] = usage_value(contract::resolve_log_target(inventory, options.site, options.client));
  request::NewRequest wanted;
  wanted.client = client;
  wanted.site = site.value_or("");
  wanted.title = std::string(core::trim(options.title));
  // Checked before the run starts, so that a blank title leaves no trace in the journal.
  if (wanted.title.empty()) throw core::UsageError("a request needs a title");
  wanted.priority = parse_choice("--priority", options.priority, request::priority_names(), request::parse_priority);
  wanted.category = parse_choice("--category", options.category, request::category_names(), request::parse_category);
  wanted.assignee = std::string(core::trim(options.assignee));
  if (options.due) {
    auto due = core::parse_date(*options.due);
    if (!due) throw core::UsageError("--due: " + due.error());
    wanted.due = *due;
  }
  auto zone = agency_zone(context);
  auto& journal = context.journal();
  wanted.at = parse_at(options.at, journal, zone);
  auto& run = context.start_run("request open");
  auto opened = usage_value(request::open(journal, run, wanted, zone));
  if (options.format == report::Format::json) {
    auto check = request::check_response(opened, inventory, zone, journal.now());
    report::print_json(report::envelope(k_request_schema, {{"request", request::to_json(opened, check)}}));
    return;
  }
  report::print(fmt::format("opened {} ({}, {}) for {}{}: {}\n", opened.id, request::to_string(opened.priority),
                            request::to_string(opened.category), opened.client,
                            opened.site.empty() ? "" : " / " + opened.site, opened.title));
}

enum class Change { note, assign, status };

void run_change(Context& context, const RequestOptions& options, Change change) {
  auto zone = agency_zone(context);
  auto& journal = context.journal();
  auto target = find_request(journal, options.id);
  std::optional<request::Status> status;
  if (change == Change::status) {
    status = parse_choice("status", options.text, request::status_names(), request::parse_status);
  }
  auto at = parse_at(options.at, journal, zone);
  auto text = std::string(core::trim(options.text));
  switch (change) {
  case Change::note: {
    auto& run = context.start_run("request note");
    usage_value(request::note(run, target, text, at));
    report::print(fmt::format("noted on {}\n", target.id));
    break;
  }
  case Change::assign: {
    auto& run = context.start_run("request assign");
    usage_value(request::assign(run, target, text, at));
    report::print(fmt::format("assigned {} to {}\n", target.id, text));
    break;
  }
  case Change::status: {
    auto& run = context.start_run("request status");
    usage_value(request::set_status(run, target, *status, at));
    report::print(fmt::format("{}: {} -> {}\n", target.id, request::to_string(target.status), request::to_string(*status)));
    break;
  }
  }
}

void run_list(Context& context, const RequestOptions& options) {
  selected_columns(requests_table(), options.format, options.fields);
  const auto& inventory = context.inventory();
  request::ListFilter filter;
  if (options.client) filter.client = usage_value(contract::find_client(inventory, *options.client))->id;
  // Same checks as `open`: a known site, and the client's when both are given.
  if (options.site) filter.site = usage_value(contract::resolve_log_target(inventory, options.site, options.client)).second;
  if (options.status) filter.status = parse_choice("--status", *options.status, request::status_names(), request::parse_status);
  if (options.priority_filter) {
    filter.priority = parse_choice("--priority", *options.priority_filter, request::priority_names(), request::parse_priority);
  }
  filter.assignee = options.assignee_filter;
  auto zone = agency_zone(context);
  auto journal = open_journal(context);
  auto all = usage_value(request::load_all(*journal));
  auto spent = time_spent(*journal, zone);
  auto now = journal->now();
  nlohmann::json list = nlohmann::json::array();
  auto table = requests_table();
  for (const auto& r : all) {
    if (!filter.matches(r)) continue;
    auto check = request::check_response(r, inventory, zone, now);
    auto json = request::to_json(r, check);
    json["time_spent_seconds"] = spent_on(spent, r).count();
    list.push_back(std::move(json));
    table.add_row({r.id, std::string(request::to_string(r.priority)), r.client, r.site.empty() ? "-" : r.site,
                   std::string(request::to_string(r.status)), r.assignee.empty() ? "-" : r.assignee,
                   core::format_rfc3339_utc(r.opened), r.due ? core::format_date(*r.due) : "-", target_cell(check),
                   request::response_cell(check), r.title});
  }
  if (options.format == report::Format::json) {
    report::print_json(report::envelope(k_request_schema, {{"requests", std::move(list)}}));
    return;
  }
  print_listing(table, options.format, options.fields, context.colour(), "No requests match.");
}

void run_show(Context& context, const RequestOptions& options) {
  const auto& inventory = context.inventory();
  auto zone = agency_zone(context);
  auto journal = open_journal(context);
  auto r = find_request(*journal, options.id);
  auto check = request::check_response(r, inventory, zone, journal->now());
  auto spent = spent_on(time_spent(*journal, zone), r);
  std::vector<std::string> incidents;
  for (const auto& i : usage_value(incident::load_all(*journal))) {
    if (i.request == r.number) incidents.push_back(i.id);
  }
  if (options.format == report::Format::json) {
    auto json = request::to_json(r, check);
    json["time_spent_seconds"] = spent.count();
    json["incidents"] = incidents;
    report::print_json(report::envelope(k_request_schema, {{"request", std::move(json)}}));
    return;
  }
  auto when = [](const std::optional<core::SysSeconds>& at) { return at ? core::format_rfc3339_utc(*at) : std::string("-"); };
  std::string out = fmt::format("{}  {}  {}  {}\n", r.id, request::to_string(r.priority), request::to_string(r.category), r.title);
  out += fmt::format("  client: {}  site: {}\n", r.client, r.site.empty() ? "-" : r.site);
  out += fmt::format("  status: {}  assignee: {}  due: {}\n", request::to_string(r.status),
                     r.assignee.empty() ? "-" : r.assignee, r.due ? core::format_date(*r.due) : "-");
  out += fmt::format("  opened: {} by {}\n  first response: {}\n  resolved: {}\n", when(r.opened), r.opened_by,
                     when(r.first_response), when(r.resolved));
  if (r.external) {
    out += fmt::format("  imported from {} (issue {}): {}\n", r.external->connector, r.external->id, r.external->url);
  }
  if (check) {
    out += fmt::format("  response target: {} ({} used, due {}): {}\n", core::format_duration(check->target),
                       core::format_duration(check->used), when(check->deadline), request::response_cell(check));
  } else {
    out += "  response target: none in the contract\n";
  }
  out += fmt::format("  time spent: {}\n", core::format_duration(spent));
  if (!incidents.empty()) out += fmt::format("  incidents: {}\n", core::join(incidents, ", "));
  for (const auto& change : r.history) {
    out += fmt::format("  {} {} {}{}\n", core::format_rfc3339_utc(change.at), change.actor, change.what,
                       change.text.empty() ? "" : ": " + change.text);
  }
  report::print(out);
}

} // namespace

void setup_request(CLI::App& app, Context& context) {
  auto options = std::make_shared<RequestOptions>();
  auto* cmd = app.add_subcommand("request", "Client requests with priorities, assignees and response targets");
  cmd->require_subcommand(1);

  auto* open = cmd->add_subcommand("open", "Open a client request");
  open->add_option("--client,-c", options->client, "Client who asks (required)")->required()->type_name("ID");
  open->add_option("--site,-s", options->site, "Site concerned (must be the client's)")->type_name("NAME");
  open->add_option("title", options->title, "What is asked")->required();
  open->add_option("--priority", options->priority, "low, normal, high or urgent")->default_str("normal");
  open->add_option("--category", options->category, "bug, change, question, security or performance")->default_str("question");
  open->add_option("--assignee", options->assignee, "Who handles it")->type_name("NAME");
  open->add_option("--due", options->due, "Due date")->type_name("YYYY-MM-DD");
  open->add_option("--at", options->at, "When the client asked: RFC 3339, YYYY-MM-DD, or 2h (ago); default now")->type_name("TIME");
  add_format(*open, options->format);
  open->callback([&context, options] { run_open(context, *options); });

  auto* note = cmd->add_subcommand("note", "Add a note to a request's history");
  note->add_option("id", options->id, "Request id (REQ-YYYY-NNNN)")->required();
  note->add_option("text", options->text, "The note")->required();
  note->add_option("--at", options->at, "When (default now)")->type_name("TIME");
  note->callback([&context, options] { run_change(context, *options, Change::note); });

  auto* assign = cmd->add_subcommand("assign", "Assign a request to someone");
  assign->add_option("id", options->id, "Request id")->required();
  assign->add_option("name", options->text, "Who handles it")->required();
  assign->add_option("--at", options->at, "When (default now)")->type_name("TIME");
  assign->callback([&context, options] { run_change(context, *options, Change::assign); });

  auto* status = cmd->add_subcommand("status", "Change a request's status");
  status->add_option("id", options->id, "Request id")->required();
  status->add_option("status", options->text, "new, in_progress, waiting_client, resolved or closed")->required();
  status->add_option("--at", options->at, "When (default now)")->type_name("TIME");
  status->callback([&context, options] { run_change(context, *options, Change::status); });

  auto* list = cmd->add_subcommand("list", "List requests with their first-response target");
  list->add_option("--client,-c", options->client, "Only this client's requests")->type_name("ID");
  list->add_option("--site,-s", options->site, "Only requests about this site")->type_name("NAME");
  list->add_option("--status", options->status, "Only requests with this status")->type_name("STATUS");
  list->add_option("--priority", options->priority_filter, "Only requests of this priority")->type_name("PRIORITY");
  list->add_option("--assignee", options->assignee_filter, "Only requests assigned to this name")->type_name("NAME");
  add_format(*list, options->format, false, true);
  add_fields(*list, options->fields);
  list->callback([&context, options] { run_list(context, *options); });

  auto* show = cmd->add_subcommand("show", "Show one request with its history, time spent and incidents");
  show->add_option("id", options->id, "Request id")->required();
  add_format(*show, options->format);
  show->callback([&context, options] { run_show(context, *options); });
}

} // namespace tma::cli
