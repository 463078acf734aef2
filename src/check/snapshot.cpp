#include <tma/check/snapshot.hpp>

#include <algorithm>
#include <map>

namespace tma::check {
namespace {

using Key = std::pair<int, std::string>;

core::Result<std::map<Key, std::string>> versions_of(const nlohmann::json& doc, std::string_view which) {
  if (!doc.is_object() || !doc.contains("components") || !doc["components"].is_array()) {
    return core::fail(core::ErrorKind::internal, std::string(which) + " is not a check snapshot");
  }
  std::map<Key, std::string> out;
  for (const auto& c : doc["components"]) {
    if (!c.is_object() || !c.contains("kind") || !c["kind"].is_string() || !c.contains("name") || !c["name"].is_string() ||
        !c.contains("version") || !c["version"].is_string()) {
      return core::fail(core::ErrorKind::internal, std::string(which) + ": component without kind/name/version");
    }
    auto kind = cms::parse_component_kind(c["kind"].get<std::string>());
    if (!kind) {
      return core::fail(core::ErrorKind::internal, std::string(which) + ": unknown kind " + c["kind"].dump());
    }
    out[{static_cast<int>(*kind), c["name"].get<std::string>()}] = c["version"].get<std::string>();
  }
  return out;
}

} // namespace

nlohmann::json snapshot(const SiteCheck& check) {
  std::vector<const cms::Component*> known;
  for (const auto& c : check.components) {
    if (!c.installed.empty()) {
      known.push_back(&c);
    }
  }
  std::sort(known.begin(), known.end(), [](const cms::Component* a, const cms::Component* b) {
    return a->kind != b->kind ? a->kind < b->kind : a->name < b->name;
  });
  auto list = nlohmann::json::array();
  for (const auto* c : known) {
    list.push_back({{"kind", cms::to_string(c->kind)}, {"name", c->name}, {"version", c->installed}});
  }
  return {{"site", check.site}, {"env", check.env}, {"cms", check.cms}, {"components", list}};
}

core::Result<std::vector<VersionChange>> diff_snapshots(const nlohmann::json& before, const nlohmann::json& after) {
  auto a = versions_of(before, "previous snapshot");
  if (!a) {
    return tl::unexpected(a.error());
  }
  auto b = versions_of(after, "current snapshot");
  if (!b) {
    return tl::unexpected(b.error());
  }
  std::map<Key, std::pair<std::string, std::string>> merged;
  for (const auto& [key, version] : *a) {
    merged[key].first = version;
  }
  for (const auto& [key, version] : *b) {
    merged[key].second = version;
  }
  std::vector<VersionChange> changes;
  for (const auto& [key, versions] : merged) {
    if (versions.first != versions.second) {
      changes.push_back({static_cast<cms::ComponentKind>(key.first), key.second, versions.first, versions.second});
    }
  }
  return changes;
}

} // namespace tma::check
