#include "cli/common.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include <tma/core/error.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/core/log.hpp>
#include <tma/core/text.hpp>

#include "cli/journal_access.hpp"

namespace tma::cli {
namespace {

std::string lowered(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

} // namespace

const inventory::Loaded& Context::loaded() {
  if (!m_loaded) {
    auto path = inventory::inventory_path(global.inventory);
    auto result = inventory::load_inventory(path);
    if (!result) {
      std::string message;
      for (const auto& d : result.error()) message += d.str() + "\n";
      message += fmt::format("{} error{} in {}", result.error().size(), result.error().size() == 1 ? "" : "s", path);
      throw core::ConfigError(message);
    }
    m_loaded = std::move(*result);
    core::log::debug("inventory {}: {} clients, {} sites", path, m_loaded->inventory.clients.size(),
                     m_loaded->inventory.sites.size());
  }
  return *m_loaded;
}

bool Context::colour() const {
  return report::stdout_colour(global.no_color ? report::Colour::never : report::Colour::automatic);
}

void Context::print_warnings() {
  // Only `tma inventory check` shows warnings by default; elsewhere they would fill every cron mail.
  if (global.quiet || global.verbose == 0) return;
  for (const auto& w : loaded().warnings) report::eprint("tma: warning: " + w.str() + "\n");
}

journal::Journal& Context::journal() {
  if (!m_journal) m_journal = open_journal(*this);
  return *m_journal;
}

journal::Run& Context::start_run(std::string command) {
  auto& opened = journal();
  if (m_run) throw core::TmaError(core::exit_code::internal, "internal: a second journal run in one invocation");
  return m_run.emplace(opened, std::move(command));
}

journal::Run& Context::start_run(std::unique_ptr<journal::Journal> store, std::string command) {
  if (m_run) throw core::TmaError(core::exit_code::internal, "internal: a second journal run in one invocation");
  m_journal = std::move(store);
  return m_run.emplace(*m_journal, std::move(command));
}

int Context::finish_run(int code) {
  if (!m_run) return code;
  auto finished = m_run->finish(code);
  if (finished) return code;
  report::eprint(fmt::format("tma: error: journal: run {} not recorded: {}\n", m_run->id(), finished.error().message));
  // The bits (1, 2, 4) combine; the other codes already say that something went wrong.
  return code < 8 ? code | core::exit_code::site_failed : code;
}

run::RunOptions run_options(const Context& context, int jobs, int per_host) {
  return run::RunOptions{jobs, per_host, context.global.quiet ? run::Progress::never : run::Progress::automatic};
}

void add_selection(CLI::App& command, inventory::Selection& selection) {
  command.add_option("--site,-s", selection.sites, "Site name or glob (repeatable)")->type_name("NAME")->group("Selection");
  command.add_option("--client,-c", selection.clients, "Client id (repeatable)")->type_name("NAME")->group("Selection");
  command.add_option("--tag,-t", selection.tags, "Tag (repeatable)")->type_name("TAG")->group("Selection");
  command.add_flag("--all,-a", selection.all, "Every site in the inventory")->group("Selection");
  command.add_option("--env,-e", selection.env, "Only this environment (prod, preprod, ...)")->type_name("ENV")->group("Selection");
  command
      .add_option_function<std::string>(
          "--shard",
          [&selection](const std::string& text) {
            auto shard = inventory::parse_shard(text);
            if (!shard) throw CLI::ValidationError("--shard", shard.error());
            selection.shard = *shard;
          },
          "Only the sites of shard K of N (stable hash of the name; for N runners in CI)")
      ->type_name("K/N")
      ->group("Selection");
}

void add_format(CLI::App& command, report::Format& format, bool markdown, bool csv) {
  std::vector<std::pair<std::string, report::Format>> choices{{"table", report::Format::table},
                                                              {"json", report::Format::json}};
  if (markdown) choices.emplace_back("markdown", report::Format::markdown);
  if (csv) choices.emplace_back("csv", report::Format::csv);
  std::vector<std::string> names;
  for (const auto& [name, value] : choices) names.push_back(name);
  auto text = core::join(names, "|");
  command.add_option_function<std::string>(
             "--format,-f",
             [&format, choices](const std::string& value) {
               for (const auto& [name, choice] : choices) {
                 if (lowered(value) == name) format = choice;
               }
             },
             "Output format (default: table)")
      ->check(
          [choices, names](const std::string& value) {
            for (const auto& [name, choice] : choices) {
              if (lowered(value) == name) return std::string();
            }
            return fmt::format("'{}' is not a format of this command (it has {})", value, core::join(names, ", "));
          },
          text)
      ->option_text(text)
      ->group("Output");
}

CLI::Validator one_of(std::vector<std::string> names) {
  auto text = core::join(names, "|");
  return CLI::Validator(
      [names](std::string& value) {
        if (std::find(names.begin(), names.end(), value) != names.end()) return std::string();
        auto hint = core::suggest(value, names);
        return fmt::format("'{}' is not one of {}{}", value, core::join(names, ", "),
                           hint ? fmt::format(" (did you mean '{}'?)", *hint) : std::string());
      },
      text);
}

void add_fields(CLI::App& command, std::vector<std::string>& fields) {
  command.add_option("--fields", fields, "Only these columns, in this order (table and csv; names as the header, lower case)")
      ->delimiter(',')
      ->type_name("NAME,...")
      ->group("Output");
}

report::Table selected_columns(const report::Table& table, report::Format format, const std::vector<std::string>& fields) {
  if (fields.empty()) return table;
  if (format != report::Format::table && format != report::Format::csv) {
    // JSON items are nested documents with a schema of their own (docs/cli.md), not table rows.
    throw core::UsageError(fmt::format("--fields chooses the columns of table and csv output, not {} (pick JSON keys with jq)",
                                       format == report::Format::json ? "json" : "markdown"));
  }
  auto picked = table.select(fields);
  if (!picked) throw core::UsageError(picked.error().message);
  return std::move(*picked);
}

std::string render_listing(const report::Table& table, report::Format format, const std::vector<std::string>& fields,
                           bool colour) {
  auto picked = selected_columns(table, format, fields);
  return format == report::Format::csv ? picked.csv() : picked.render(colour);
}

void print_listing(const report::Table& table, report::Format format, const std::vector<std::string>& fields, bool colour,
                   std::string_view nothing) {
  if (format == report::Format::table && table.rows() == 0) {
    report::print(std::string(nothing) + "\n");
    return;
  }
  auto text = render_listing(table, format, fields, colour);
  if (!text.empty() && text.back() != '\n') text += '\n';
  report::print(text);
}

std::vector<const inventory::Site*> selected_sites(Context& context, const inventory::Selection& selection,
                                                   inventory::EmptySelection empty) {
  auto sites = inventory::select_sites(context.inventory(), selection, empty);
  if (!sites) throw core::UsageError(sites.error().message);
  return *sites;
}

} // namespace tma::cli
