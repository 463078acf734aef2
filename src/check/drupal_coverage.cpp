// Unsupported branches and insecure releases of Drupal projects, from drupal.org's release history.
#include <tma/check/drupal_coverage.hpp>

#include <algorithm>

#include <fmt/format.h>

#include <tma/core/text.hpp>

namespace tma::check {

std::string drupal_project(const cms::Component& component) {
  if (component.kind == cms::ComponentKind::core) return component.name == "drupal" ? "drupal" : "";
  if (component.kind != cms::ComponentKind::package || component.name.rfind("drupal/", 0) != 0) return "";
  auto project = component.name.substr(7);
  if (project.rfind("core", 0) == 0) return ""; // drupal/core-recommended & co: the core's own finding
  return project;
}

std::string release_history_version(const cms::drupal_releases::ReleaseHistory& history, const std::string& installed) {
  bool legacy = std::any_of(history.releases.begin(), history.releases.end(),
                            [](const auto& r) { return r.version.rfind("8.x-", 0) == 0; });
  if (!legacy || installed.rfind("8.x-", 0) == 0) return installed;
  // composer.lock turns `8.x-1.11` into `1.11.0`: the first two parts are the release.
  auto first = installed.find('.');
  if (first == std::string::npos) return installed;
  auto second = installed.find('.', first + 1);
  auto candidate = "8.x-" + installed.substr(0, second);
  bool known = std::any_of(history.releases.begin(), history.releases.end(),
                           [&](const auto& r) { return r.version == candidate; });
  return known ? candidate : installed;
}

std::map<std::string, std::chrono::sys_seconds> drupal_release_dates(const cms::drupal_releases::ReleaseHistory& history) {
  std::map<std::string, std::chrono::sys_seconds> dates;
  for (const auto& release : history.releases) {
    if (!release.date) continue;
    dates.emplace(release.version, *release.date);
    if (release.version.rfind("8.x-", 0) == 0) {
      auto composer = release.version.substr(4);
      // `8.x-1.11` -> `1.11.0`; `8.x-1.0-beta2` keeps its suffix after the two parts (`1.0.0-beta2`).
      auto dash = composer.find('-');
      auto numbers = composer.substr(0, dash);
      if (std::count(numbers.begin(), numbers.end(), '.') == 1) {
        dates.emplace(numbers + ".0" + (dash == std::string::npos ? std::string() : composer.substr(dash)), *release.date);
      }
    }
  }
  return dates;
}

std::vector<Finding> drupal_coverage_findings(const SiteCheck& check,
                                              const std::map<std::string, cms::drupal_releases::ReleaseHistory>& histories) {
  std::vector<Finding> findings;
  for (const auto& component : check.components) {
    if (component.refused || component.installed.empty()) continue;
    auto project = drupal_project(component);
    auto it = project.empty() ? histories.end() : histories.find(project);
    if (it == histories.end()) continue;
    const auto& history = it->second;
    auto installed = release_history_version(history, component.installed);
    auto verdict = cms::drupal_releases::evaluate(history, installed);
    Finding finding;
    finding.site = check.site;
    finding.env = check.env;
    finding.kind = component.kind;
    finding.name = component.name;
    finding.installed = component.installed;
    finding.latest = verdict.latest;
    finding.source = "drupal.org";
    bool already_security = std::any_of(check.findings.begin(), check.findings.end(), [&](const Finding& f) {
      return f.kind == component.kind && f.name == component.name && f.severity == Severity::security;
    });
    if (verdict.insecure && !already_security) {
      finding.type = FindingType::insecure;
      finding.severity = Severity::security;
      finding.fixed_in = verdict.fixed_in;
      finding.note = verdict.fixed_in.empty()
                         ? fmt::format("drupal.org marks {} {} insecure", history.short_name, installed)
                         : fmt::format("drupal.org: {} {} has a security release after it ({})", history.short_name,
                                       installed, verdict.fixed_in);
      findings.push_back(std::move(finding));
      continue;
    }
    if (!verdict.supported && !history.supported_branches.empty()) {
      finding.type = FindingType::unsupported;
      finding.severity = Severity::major;
      finding.note = fmt::format("drupal.org no longer supports the branch of {} {} (supported: {})", history.short_name,
                                 installed, core::join(history.supported_branches, ", "));
      findings.push_back(std::move(finding));
    }
  }
  return findings;
}

} // namespace tma::check
