#include <tma/inventory/select.hpp>

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include <tma/core/text.hpp>

namespace tma::inventory {
namespace {

std::string unknown(std::string_view what, const std::string& name, const std::vector<std::string>& candidates) {
  auto message = fmt::format("unknown {} '{}'", what, name);
  if (auto hint = core::suggest(name, candidates)) message += fmt::format(" (did you mean '{}'?)", *hint);
  return message;
}

} // namespace

core::Result<std::vector<const Site*>> select_sites(const Inventory& inventory, const Selection& selection,
                                                    EmptySelection empty) {
  if (!selection.any() && empty == EmptySelection::error) {
    return core::fail(core::ErrorKind::usage, "no sites selected: give --site NAME, --client NAME, --tag TAG or --all");
  }
  std::vector<std::string> site_names, client_ids, tags;
  for (const auto& s : inventory.sites) {
    site_names.push_back(s.name);
    tags.insert(tags.end(), s.tags.begin(), s.tags.end());
  }
  for (const auto& c : inventory.clients) client_ids.push_back(c.id);
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());

  // Every name given must mean something: a typo must not silently select nothing.
  for (const auto& pattern : selection.sites) {
    bool matched = std::any_of(site_names.begin(), site_names.end(),
                               [&](const std::string& n) { return core::glob_match(pattern, n); });
    if (!matched) {
      if (core::has_glob(pattern)) return core::fail(core::ErrorKind::usage, fmt::format("no site matches '{}'", pattern));
      return core::fail(core::ErrorKind::usage, unknown("site", pattern, site_names));
    }
  }
  for (const auto& id : selection.clients) {
    if (!inventory.client(id)) return core::fail(core::ErrorKind::usage, unknown("client", id, client_ids));
  }
  for (const auto& tag : selection.tags) {
    if (!std::binary_search(tags.begin(), tags.end(), tag)) return core::fail(core::ErrorKind::usage, unknown("tag", tag, tags));
  }

  std::vector<const Site*> out;
  for (const auto& site : inventory.sites) {
    bool keep = true;
    if (!selection.sites.empty()) {
      keep = keep && std::any_of(selection.sites.begin(), selection.sites.end(),
                                 [&](const std::string& p) { return core::glob_match(p, site.name); });
    }
    if (!selection.clients.empty()) {
      keep = keep && std::find(selection.clients.begin(), selection.clients.end(), site.client) != selection.clients.end();
    }
    if (!selection.tags.empty()) {
      keep = keep && std::any_of(selection.tags.begin(), selection.tags.end(), [&](const std::string& t) {
               return std::find(site.tags.begin(), site.tags.end(), t) != site.tags.end();
             });
    }
    if (keep) out.push_back(&site);
  }
  if (out.empty()) return core::fail(core::ErrorKind::usage, "the selection matches no site (filters combine with AND)");
  return out;
}

core::Result<std::vector<Target>> select_targets(const std::vector<const Site*>& sites, const Selection& selection) {
  std::vector<Target> out;
  std::set<std::string> env_names;
  for (const auto* site : sites) {
    for (const auto& env : site->environments) {
      env_names.insert(env.name);
      if (!selection.env || env.name == *selection.env) out.push_back(Target{site, &env});
    }
  }
  if (selection.env && out.empty()) {
    return core::fail(core::ErrorKind::usage,
                      unknown("environment", *selection.env, std::vector<std::string>(env_names.begin(), env_names.end())) +
                          " for the selected sites");
  }
  return out;
}

} // namespace tma::inventory
