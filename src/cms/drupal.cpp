#include <tma/cms/drupal.hpp>

#include <tma/cms/json_text.hpp>
#include <tma/core/text.hpp>
#include <tma/core/timezone.hpp>
#include <tma/version/constraint.hpp>

namespace tma::cms::drush {

core::Result<Status> parse_status(std::string_view output) {
  constexpr std::string_view what = "drush status --format=json";
  auto document = parse_tool_json(output, what);
  if (!document) {
    return tl::unexpected(document.error());
  }
  if (!document->is_object()) {
    return core::fail(core::ErrorKind::cms, std::string(what) + ": expected a JSON object");
  }
  Status s;
  s.drupal_version = loose_string(*document, "drupal-version");
  s.php_version = loose_string(*document, "php-version");
  s.drush_version = loose_string(*document, "drush-version");
  s.db_status = loose_string(*document, "db-status");
  s.bootstrap = loose_string(*document, "bootstrap");
  s.root = loose_string(*document, "root");
  if (s.drupal_version.empty()) {
    return core::fail(core::ErrorKind::cms,
                      std::string(what) + ": no \"drupal-version\" (is the path a Drupal root?)");
  }
  return s;
}

Component core_component(const Status& status) {
  Component c;
  c.kind = ComponentKind::core;
  c.name = "drupal";
  c.title = "Drupal core";
  c.installed = status.drupal_version;
  c.update = UpdateState::unknown;
  c.source = "drush";
  c.evidence = "drush status";
  return c;
}

core::Result<std::vector<InsecureProject>> parse_pm_security(std::string_view output) {
  constexpr std::string_view what = "drush pm:security --format=json";
  auto document = parse_tool_json(output, what);
  if (!document) {
    return tl::unexpected(document.error());
  }
  std::vector<InsecureProject> projects;
  if (document->is_array() && document->empty()) {
    return projects;
  }
  if (!document->is_object()) {
    return core::fail(core::ErrorKind::cms, std::string(what) + ": expected an object keyed by project");
  }
  for (const auto& [key, row] : document->items()) {
    if (!row.is_object()) {
      return core::fail(core::ErrorKind::cms, std::string(what) + ": entry \"" + key + "\" is not an object");
    }
    auto name = loose_string(row, "name");
    projects.push_back({name.empty() ? key : name, loose_string(row, "version")});
  }
  return projects;
}

bool pm_security_removed(std::string_view stderr_text) {
  return stderr_text.find("pm:security has been removed") != std::string_view::npos ||
         stderr_text.find("Command \"pm:security\" is not defined") != std::string_view::npos;
}

} // namespace tma::cms::drush

namespace tma::cms::composer {

core::Result<std::vector<Component>> parse_outdated(std::string_view output) {
  constexpr std::string_view what = "composer outdated --format=json";
  auto document = parse_tool_json(output, what);
  if (!document) {
    return tl::unexpected(document.error());
  }
  std::vector<Component> components;
  if (document->is_array() && document->empty()) {
    return components;
  }
  const nlohmann::json* rows = nullptr;
  if (document->is_object()) {
    for (const char* key : {"installed", "locked"}) {
      if (document->contains(key)) {
        rows = &(*document)[key];
      }
    }
  }
  if (!rows || !rows->is_array()) {
    return core::fail(core::ErrorKind::cms, std::string(what) + ": expected {\"installed\": [...]}");
  }
  for (const auto& row : *rows) {
    if (!row.is_object() || !row.contains("name") || !row.contains("version")) {
      return core::fail(core::ErrorKind::cms, std::string(what) + ": row without \"name\" and \"version\"");
    }
    Component c;
    c.kind = ComponentKind::package;
    c.name = loose_string(row, "name");
    c.installed = loose_string(row, "version");
    c.source = "composer";
    c.evidence = "composer outdated";
    auto latest = loose_string(row, "latest");
    auto status = loose_string(row, "latest-status");
    auto direct = row.find("direct-dependency");
    c.status = direct != row.end() && direct->is_boolean() && direct->get<bool>() ? "direct" : "transitive";
    if (latest == "[none matched]" || latest.empty()) {
      c.update = UpdateState::unknown;
      c.note = "no candidate version found in the repositories";
    } else if (status == "up-to-date") {
      c.update = UpdateState::none;
    } else if (status == "semver-safe-update" || status == "update-possible") {
      c.update = UpdateState::available;
      c.latest = latest;
      // Packagist's `time` of `latest`: ISO-8601 ATOM since Composer 2.8, "" when unknown, absent before.
      if (auto released = core::parse_rfc3339(loose_string(row, "latest-release-date"))) c.released[latest] = *released;
    } else {
      return core::fail(core::ErrorKind::cms,
                        std::string(what) + ": unknown latest-status \"" + status + "\" for " + c.name);
    }
    if (auto it = row.find("abandoned"); it != row.end() && !(it->is_boolean() && !it->get<bool>())) {
      auto replacement = it->is_string() ? it->get<std::string>() : std::string();
      c.note = replacement.empty() ? "abandoned" : "abandoned, use " + replacement;
    }
    components.push_back(std::move(c));
  }
  return components;
}

core::Result<Audit> parse_audit(std::string_view output) {
  constexpr std::string_view what = "composer audit --format=json";
  auto document = parse_tool_json(output, what);
  if (!document) {
    return tl::unexpected(document.error());
  }
  if (!document->is_object() || !document->contains("advisories")) {
    return core::fail(core::ErrorKind::cms, std::string(what) + ": no \"advisories\" key");
  }
  Audit audit;
  const auto& advisories = (*document)["advisories"];
  if (advisories.is_object()) {
    for (const auto& [package, list] : advisories.items()) {
      if (!list.is_array()) {
        return core::fail(core::ErrorKind::cms, std::string(what) + ": advisories of " + package + " not a list");
      }
      for (const auto& a : list) {
        Advisory adv;
        adv.package = package;
        adv.advisory_id = loose_string(a, "advisoryId");
        adv.title = loose_string(a, "title");
        adv.cve = loose_string(a, "cve");
        adv.link = loose_string(a, "link");
        adv.affected_versions = loose_string(a, "affectedVersions");
        adv.severity = loose_string(a, "severity");
        if (auto s = a.find("sources"); s != a.end() && s->is_array()) {
          for (const auto& src : *s) {
            auto id = loose_string(src, "remoteId");
            if (!id.empty()) {
              adv.remote_ids.push_back(id);
            }
          }
        }
        audit.advisories.push_back(std::move(adv));
      }
    }
  } else if (!(advisories.is_array() && advisories.empty())) {
    return core::fail(core::ErrorKind::cms, std::string(what) + ": \"advisories\" is neither a map nor []");
  }
  if (auto ab = document->find("abandoned"); ab != document->end() && ab->is_object()) {
    for (const auto& [package, replacement] : ab->items()) {
      audit.abandoned[package] = replacement.is_string() ? replacement.get<std::string>() : "";
    }
  }
  return audit;
}

core::Result<Audit> parse_packagist_advisories(std::string_view body, const std::map<std::string, std::string>& installed) {
  constexpr std::string_view what = "Packagist security advisories";
  auto document = parse_tool_json(body, what);
  if (!document) {
    return tl::unexpected(document.error());
  }
  if (!document->is_object() || !document->contains("advisories")) {
    return core::fail(core::ErrorKind::cms, std::string(what) + ": no \"advisories\" key");
  }
  // The API has the same advisory fields as `composer audit`, minus the filtering by installed version.
  auto all = parse_audit(body);
  if (!all) {
    return tl::unexpected(core::Error{all.error().kind,
                                      std::string(what) + all.error().message.substr(all.error().message.find(':'))});
  }
  Audit audit;
  for (auto& adv : all->advisories) {
    auto it = installed.find(adv.package);
    if (it == installed.end()) {
      continue;
    }
    auto affected = version::composer_constraint_matches(adv.affected_versions, it->second);
    if (!affected || *affected) {
      audit.advisories.push_back(std::move(adv));
    }
  }
  return audit;
}

} // namespace tma::cms::composer
