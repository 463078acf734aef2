// `tma journal`: list journal events, newest first.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <tma/core/error.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/journal/journal.hpp>
#include <tma/journal/line.hpp>
#include <tma/report/output.hpp>

#include "cli/commands.hpp"
#include "cli/journal_access.hpp"

namespace tma::cli {

namespace {

struct JournalOptions {
  inventory::Selection selection;
  std::optional<std::string> since;
  std::optional<std::string> until;
  std::vector<std::string> types;
  std::optional<std::size_t> limit;
  report::Format format = report::Format::table;
  std::vector<std::string> fields;
};

report::Table events_table() { return report::Table({"AT (UTC)", "TYPE", "SITE", "ENV", "CLIENT", "ACTOR", "DATA"}); }

std::string short_data(const nlohmann::json& data) {
  if (data.empty()) return "";
  std::string text = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  constexpr std::size_t k_width = 72;
  if (text.size() > k_width) text = text.substr(0, k_width - 3) + "...";
  return text;
}

void run_journal(Context& context, const JournalOptions& options) {
  selected_columns(events_table(), options.format, options.fields);
  auto journal = open_journal(context);
  auto zone = agency_zone(context);
  journal::Filter filter;
  auto time_arg = [&](const std::optional<std::string>& text, const char* flag) -> std::optional<journal::SysSeconds> {
    if (!text) return std::nullopt;
    auto parsed = journal::parse_time_arg(*text, journal->now(), zone);
    if (!parsed) throw core::UsageError(fmt::format("{}: {}", flag, parsed.error()));
    return *parsed;
  };
  filter.since = time_arg(options.since, "--since");
  filter.until = time_arg(options.until, "--until");
  filter.types = options.types;
  const auto& selection = options.selection;
  if (selection.any() && !selection.all) {
    // Validates every name (with "did you mean"); a client selection also keeps the events
    // recorded against the client alone (hours logged with --client).
    auto sites = selected_sites(context, selection, inventory::EmptySelection::error);
    if (!selection.sites.empty() || !selection.tags.empty()) {
      for (const auto* site : sites) filter.sites.push_back(site->name);
      if (filter.sites.empty()) filter.sites.push_back(std::string(1, '\0')); // matches nothing
    }
    filter.clients = selection.clients;
  }
  if (selection.env) filter.envs.push_back(*selection.env);

  // Stream: events go out as the scan finds them (newest first), so memory stays flat however
  // many match; only the table needs every row before printing, for its column widths.
  std::size_t count = 0;
  auto limited = [&] { return options.limit && count >= *options.limit; };
  if (options.format == report::Format::json) {
    auto head = report::envelope(1, nlohmann::json::object()).dump(2);
    head.erase(head.find_last_not_of("}\n") + 1);
    std::string buffer = head + ",\n  \"events\": [";
    auto scanned = journal->scan(filter, [&](const journal::Event& e) {
      if (limited()) return false;
      // One compact event per line: greppable, and half the cost of pretty-printing.
      buffer += count++ == 0 ? "\n    " : ",\n    ";
      journal::append_line(buffer, e);
      if (buffer.size() > (1U << 16)) {
        report::print(buffer);
        buffer.clear();
      }
      return !limited();
    });
    if (!scanned) throw core::TmaError(core::exit_code::site_failed, scanned.error().message);
    report::print(buffer + (count == 0 ? "]\n}\n" : "\n  ]\n}\n"));
    return;
  }
  auto table = events_table();
  auto scanned = journal->scan(filter, [&](const journal::Event& e) {
    if (limited()) return false;
    table.add_row({core::format_rfc3339_utc(e.at), e.type, e.site, e.env, e.client, e.actor, short_data(e.data)});
    ++count;
    return !limited();
  });
  if (!scanned) throw core::TmaError(core::exit_code::site_failed, scanned.error().message);
  print_listing(table, options.format, options.fields, context.colour(), "No journal events match.");
}

} // namespace

void setup_journal(CLI::App& app, Context& context) {
  auto options = std::make_shared<JournalOptions>();
  auto* cmd = app.add_subcommand("journal", "List journal events, newest first");
  add_selection(*cmd, options->selection);
  cmd->add_option("--since", options->since, "Only events at or after: YYYY-MM-DD, YYYY-MM, RFC 3339, or 7d/12h ago")
      ->type_name("WHEN");
  cmd->add_option("--until", options->until, "Only events before (same forms as --since)")->type_name("WHEN");
  cmd->add_option("--type", options->types, "Event type, or prefix like backup.* (repeatable)")->type_name("TYPE");
  cmd->add_option("--limit,-n", options->limit, "At most N events")->type_name("N")->check(CLI::PositiveNumber);
  add_format(*cmd, options->format, false, true);
  add_fields(*cmd, options->fields);
  cmd->callback([&context, options] { run_journal(context, *options); });
}

} // namespace tma::cli
