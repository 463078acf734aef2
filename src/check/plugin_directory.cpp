// Closed, abandoned and untested plugins from WordPress.org's answers.
#include <tma/check/plugin_directory.hpp>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include <tma/core/timezone.hpp>
#include <tma/version/version.hpp>

namespace tma::check {
namespace {

// `6.4.3` -> `6.4`: WordPress branches are the first two parts.
std::string branch_of(const std::string& version) {
  auto first = version.find('.');
  if (first == std::string::npos) return version;
  auto second = version.find('.', first + 1);
  return version.substr(0, second);
}

bool mentions_security(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text.find("security") != std::string::npos;
}

std::string core_version(const SiteCheck& check) {
  for (const auto& c : check.components) {
    if (c.kind == cms::ComponentKind::core) return c.installed;
  }
  return "";
}

} // namespace

std::vector<Finding> plugin_directory_findings(const SiteCheck& check,
                                               const std::map<std::string, cms::wordpress_http::PluginInfo>& infos,
                                               core::Date today, int abandoned_after_days) {
  using State = cms::wordpress_http::PluginInfo::State;
  std::vector<Finding> findings;
  auto core = core_version(check);
  for (const auto& plugin : check.components) {
    if (plugin.kind != cms::ComponentKind::plugin || plugin.refused || plugin.update == cms::UpdateState::not_applicable) continue;
    auto it = infos.find(plugin.name);
    if (it == infos.end() || it->second.state == State::not_found) continue;
    const auto& info = it->second;
    Finding finding;
    finding.site = check.site;
    finding.env = check.env;
    finding.kind = plugin.kind;
    finding.name = plugin.name;
    finding.installed = plugin.installed;
    finding.source = "wordpress.org";
    if (info.state == State::closed) {
      finding.type = FindingType::closed;
      finding.severity = mentions_security(info.closed_reason) ? Severity::security : Severity::major;
      finding.ends_on = info.closed_date;
      finding.note = fmt::format("closed on WordPress.org{}{}: no more updates; replace or remove it",
                                 info.closed_date.empty() ? "" : " on " + info.closed_date,
                                 info.closed_reason.empty() ? "" : " (" + info.closed_reason + ")");
      findings.push_back(std::move(finding));
      continue;
    }
    finding.latest = info.version;
    if (auto last = core::parse_date(info.last_updated)) {
      auto age = core::days_from_civil(today) - core::days_from_civil(*last);
      if (age > abandoned_after_days) {
        finding.type = FindingType::abandoned;
        finding.severity = Severity::minor;
        finding.note = fmt::format("no release on WordPress.org since {} ({} months)", info.last_updated, age * 12 / 365);
        findings.push_back(std::move(finding));
        continue;
      }
    }
    if (!info.tested.empty() && !core.empty() &&
        version::php_version_compare(branch_of(info.tested), branch_of(core)) < 0) {
      finding.type = FindingType::untested;
      finding.severity = Severity::patch;
      finding.note = fmt::format("tested up to WordPress {}; the site runs {}", info.tested, core);
      findings.push_back(std::move(finding));
    }
  }
  return findings;
}

} // namespace tma::check
