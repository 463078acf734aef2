#include "cli/common.hpp"

#include <fmt/format.h>

#include <tma/core/error.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/core/log.hpp>
#include <tma/core/text.hpp>

#include "cli/journal_access.hpp"

namespace tma::cli {

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

void add_selection(CLI::App& command, inventory::Selection& selection) {
  command.add_option("--site,-s", selection.sites, "Site name or glob (repeatable)")->type_name("NAME");
  command.add_option("--client,-c", selection.clients, "Client id (repeatable)")->type_name("NAME");
  command.add_option("--tag,-t", selection.tags, "Tag (repeatable)")->type_name("TAG");
  command.add_flag("--all,-a", selection.all, "Every site in the inventory");
  command.add_option("--env,-e", selection.env, "Only this environment (prod, preprod, ...)")->type_name("ENV");
}

void add_format(CLI::App& command, report::Format& format, bool markdown) {
  std::map<std::string, report::Format> choices{{"table", report::Format::table}, {"json", report::Format::json}};
  if (markdown) choices.emplace("markdown", report::Format::markdown);
  command.add_option("--format,-f", format, "Output format (default: table)")
      ->transform(CLI::CheckedTransformer(choices, CLI::ignore_case))
      ->option_text(markdown ? "table|json|markdown" : "table|json");
}

std::vector<const inventory::Site*> selected_sites(Context& context, const inventory::Selection& selection,
                                                   inventory::EmptySelection empty) {
  auto sites = inventory::select_sites(context.inventory(), selection, empty);
  if (!sites) throw core::UsageError(sites.error().message);
  return *sites;
}

} // namespace tma::cli
