#include "cli/journal_access.hpp"

#include <fmt/format.h>

#include <tma/core/error.hpp>
#include <tma/report/output.hpp>

namespace tma::cli {

journal::GitJournalOptions journal_options(Context& context) {
  const auto& inventory = context.inventory();
  std::filesystem::path repository = inventory.journal.repository.empty() ? "." : inventory.journal.repository;
  if (repository.is_relative()) {
    std::filesystem::path base = inventory.directory.empty() ? "." : inventory.directory;
    repository = (base / repository).lexically_normal();
  }
  return {repository, inventory.journal.ref};
}

std::unique_ptr<journal::Journal> open_journal(Context& context) {
  auto options = journal_options(context);
  auto opened = journal::open_git_journal(options);
  if (!opened) throw core::ConfigError(fmt::format("journal: {}", opened.error().message));
  return std::move(*opened);
}

journal::Run* start_run_or_warn(Context& context, std::string command, std::string_view what) {
  auto opened = journal::open_git_journal(journal_options(context));
  if (!opened) {
    report::eprint(fmt::format("warning: {} not recorded in the journal: {}\n", what, opened.error().message));
    return nullptr;
  }
  return &context.start_run(std::move(*opened), std::move(command));
}

core::TimeZone agency_zone(Context& context) {
  auto zone = core::TimeZone::load(context.inventory().agency.timezone);
  if (!zone) throw core::ConfigError(zone.error().message);
  return *zone;
}

} // namespace tma::cli
