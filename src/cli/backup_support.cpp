#include "cli/backup_support.hpp"

#include <fmt/format.h>

#include <tma/core/units.hpp>

#include "cli/journal_access.hpp"

namespace tma::cli {

BackupServices::BackupServices(Context& context) {
  m_services.make_transport = [this](const inventory::Environment& env) {
    return transport::make_transport(env, &m_masters);
  };
  m_services.http = &m_http;
  m_services.zone = agency_zone(context);
}

std::vector<inventory::Target> backup_targets(Context& context, const inventory::Selection& selection,
                                              inventory::EmptySelection empty) {
  auto sites = selected_sites(context, selection, empty);
  if (selection.env) {
    auto targets = inventory::select_targets(sites, selection);
    if (!targets) throw core::UsageError(targets.error().message);
    return *targets;
  }
  std::vector<inventory::Target> out;
  for (const auto* site : sites) {
    if (!site->environments.empty()) out.push_back({site, &site->environments.front()});
  }
  return out;
}

std::string human_age(std::chrono::seconds age) {
  auto s = age.count();
  if (s < 0) return "future";
  // The style of every elapsed time (core::format_elapsed); an age shows no seconds past a minute.
  if (s >= 60) s -= s % 60;
  return core::format_elapsed(std::chrono::seconds(s));
}

} // namespace tma::cli
