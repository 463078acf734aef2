// Anticipation in `tma check`: end-of-life findings, the plugin directory's answers, and the run's
// end-of-life data (docs/check.md §2.1, §2.2).
#include "check/anticipate.hpp"

#include <map>

#include <fmt/format.h>

#include <tma/check/drupal_coverage.hpp>
#include <tma/check/plugin_directory.hpp>
#include <tma/core/redact.hpp>
#include "check/fetch.hpp"

namespace tma::check::detail {
namespace {

// WordPress.org's answer about one plugin. Closed plugins come with 200 or 404 (docs/check.md §2.2),
// so both bodies are parsed and cached; any other answer is an error and nothing is cached.
core::Result<cms::wordpress_http::PluginInfo> fetch_plugin_info(transport::HttpClient& http, ResponseCache* cache,
                                                                const std::string& api, const std::string& slug) {
  auto url = api + "/plugins/info/1.2/?action=plugin_information&request%5Bslug%5D=" + url_encode(slug);
  auto key = transport::url_for_display(url);
  std::optional<ResponseCache::Entry> entry;
  if (cache != nullptr) {
    entry = cache->get(key);
    if (entry && entry->fresh) return cms::wordpress_http::parse_plugin_info(entry->body);
  }
  inventory::HttpSettings settings; // the API's own defaults, not the site's TLS exceptions
  auto response = http.send(transport::request_for(settings, url));
  if (response && (response->status == 200 || response->status == 404)) {
    auto info = cms::wordpress_http::parse_plugin_info(response->body);
    if (info && cache != nullptr) (void)cache->put(key, response->body);
    return info;
  }
  if (entry) return cms::wordpress_http::parse_plugin_info(entry->body);
  if (!response) return tl::unexpected(response.error());
  return core::fail(core::ErrorKind::http, fmt::format("HTTP {} from {}", response->status, key));
}

} // namespace

void add_plugin_directory_findings(SiteCheck& check, const CheckInputs& inputs, bool release_dates) {
  if ((!inputs.plugin_directory && !release_dates) || inputs.http == nullptr) return;
  std::map<std::string, cms::wordpress_http::PluginInfo> infos;
  int unanswered = 0;
  std::string why;
  for (const auto& c : check.components) {
    if (c.kind != cms::ComponentKind::plugin || c.refused || c.update == cms::UpdateState::not_applicable) continue;
    if (!inputs.plugin_directory && c.update != cms::UpdateState::available) continue; // only dates are wanted
    if (infos.count(c.name) != 0) continue;
    auto info = fetch_plugin_info(*inputs.http, inputs.cache, base_url(inputs.wordpress_api), c.name);
    if (info) {
      infos.emplace(c.name, std::move(*info));
    } else {
      ++unanswered;
      why = info.error().message;
    }
  }
  if (unanswered > 0) {
    check.platform_notes.push_back(fmt::format("WordPress.org did not answer for {} plugin{}: {}", unanswered,
                                               unanswered == 1 ? "" : "s", core::redact(why)));
  }
  for (auto& c : check.components) {
    if (c.kind != cms::ComponentKind::plugin) continue;
    auto it = infos.find(c.name);
    // `last_updated` dates the directory's latest version only: other versions stay undated.
    if (it != infos.end() && it->second.released && !it->second.version.empty()) {
      c.released.emplace(it->second.version, *it->second.released);
    }
  }
  if (!inputs.plugin_directory) return;
  auto more = plugin_directory_findings(check, infos, inputs.today, inputs.abandoned_after_days);
  check.findings.insert(check.findings.end(), more.begin(), more.end());
  sort_findings(check.findings);
}

void add_eol_findings(SiteCheck& check, const CheckInputs& inputs) {
  if (inputs.eol == nullptr) return;
  auto more = eol_findings(check, *inputs.eol, inputs.today, inputs.eol_horizon_days);
  check.findings.insert(check.findings.end(), more.begin(), more.end());
  sort_findings(check.findings);
}

void add_drupal_coverage_findings(SiteCheck& check, const CheckInputs& inputs, bool release_dates) {
  bool coverage = !inputs.drupal_updates.empty();
  auto url = coverage ? inputs.drupal_updates : (release_dates ? inputs.release_history_url : std::string());
  if (url.empty() || inputs.http == nullptr) return;
  std::map<std::string, cms::drupal_releases::ReleaseHistory> histories;
  int unanswered = 0;
  std::string why;
  inventory::HttpSettings settings; // drupal.org's defaults, not the site's TLS exceptions
  for (const auto& c : check.components) {
    auto project = drupal_project(c);
    if (project.empty() || histories.count(project) != 0) continue;
    if (!coverage && c.update != cms::UpdateState::available) continue; // only dates are wanted
    auto body = cached_get(*inputs.http, inputs.cache, base_url(url) + "/" + url_encode(project) + "/current", settings);
    if (!body) {
      ++unanswered;
      why = body.error().message;
      continue;
    }
    // drupal.org answers an unknown project (a custom module) with 200 and <error>: nothing to say.
    if (auto history = cms::drupal_releases::parse_release_history(*body)) histories.emplace(project, std::move(*history));
  }
  if (unanswered > 0) {
    check.platform_notes.push_back(fmt::format("drupal.org did not answer for {} project{}: {}", unanswered,
                                               unanswered == 1 ? "" : "s", core::redact(why)));
  }
  for (auto& c : check.components) {
    auto project = drupal_project(c);
    auto it = project.empty() ? histories.end() : histories.find(project);
    if (it == histories.end()) continue;
    for (const auto& [version, date] : drupal_release_dates(it->second)) c.released.emplace(version, date);
  }
  if (!coverage) return;
  auto more = drupal_coverage_findings(check, histories);
  check.findings.insert(check.findings.end(), more.begin(), more.end());
  sort_findings(check.findings);
}

void add_domain_findings(SiteCheck& check, const inventory::Site& site, const inventory::Environment& env,
                         const CheckInputs& inputs) {
  if (inputs.rdap == nullptr || inputs.http == nullptr) return;
  auto query = domain_query(site, env, *inputs.rdap);
  if (query.kind == DomainQuery::Kind::note) check.platform_notes.push_back(query.note);
  if (query.kind != DomainQuery::Kind::ask) return;
  inventory::HttpSettings settings; // the registry's defaults, not the site's TLS exceptions
  // RFC 7480 §4.2: ask for RDAP's media type; registries answer plain JSON clients too, but not all.
  auto body = cached_get(*inputs.http, inputs.cache, query.base_url + "domain/" + query.domain, settings,
                         {{"Accept", "application/rdap+json, application/json;q=0.9"}});
  if (!body) {
    const auto& why = body.error().message;
    if (why.rfind("HTTP 404", 0) == 0) {
      check.platform_notes.push_back(fmt::format("domain expiry unknown: the registry does not know {} (HTTP 404); set the "
                                                 "site's `domain:` to the registered name",
                                                 query.domain));
    } else {
      check.platform_notes.push_back(
          fmt::format("domain expiry of {} unknown: the registry did not answer ({})", query.domain, core::redact(why)));
    }
    return;
  }
  auto registration = parse_rdap_domain(*body);
  if (!registration) {
    check.platform_notes.push_back(
        fmt::format("domain expiry of {} unknown: {}", query.domain, core::redact(registration.error().message)));
    return;
  }
  if (!registration->expires) {
    check.platform_notes.push_back(fmt::format("domain expiry of {} unknown: the registry publishes no expiration date", query.domain));
  }
  if (auto finding = domain_finding(check.site, check.env, *registration, query.domain, inputs.today, inputs.domain_horizons)) {
    check.findings.push_back(std::move(*finding));
    sort_findings(check.findings);
  }
}

} // namespace tma::check::detail

namespace tma::check {

RdapSource load_rdap_bootstrap(const inventory::Sources& sources, transport::HttpClient* http, ResponseCache* cache) {
  RdapSource source;
  auto shipped = parse_rdap_bootstrap(shipped_rdap_bootstrap_document());
  if (shipped) source.bootstrap = std::move(*shipped); // tests/unit/test_check_rdap.cpp proves it parses
  source.origin = std::string(k_rdap_snapshot);
  if (!sources.rdap_bootstrap_url || http == nullptr) return source;
  inventory::HttpSettings settings; // IANA's defaults, not a site's TLS exceptions
  auto body = detail::cached_get(*http, cache, *sources.rdap_bootstrap_url, settings);
  auto fresh = body ? parse_rdap_bootstrap(*body) : tl::unexpected(body.error());
  if (fresh && !fresh->services.empty()) {
    source.bootstrap = std::move(*fresh);
    source.origin = transport::url_for_display(*sources.rdap_bootstrap_url);
  } else {
    source.notes.push_back(fmt::format("RDAP bootstrap not refreshed ({}); using the one shipped with tma ({})",
                                       fresh ? std::string("no services") : core::redact(fresh.error().message), k_rdap_snapshot));
  }
  return source;
}

using detail::cached_get;

EolCatalog load_eol_catalog(const inventory::Sources& sources, transport::HttpClient* http, ResponseCache* cache) {
  auto catalog = shipped_eol_catalog();
  if (!sources.eol_url || http == nullptr) return catalog;
  inventory::HttpSettings settings; // the data source's defaults, not a site's TLS exceptions
  for (auto& [slug, product] : catalog.products) {
    auto url = *sources.eol_url;
    url.replace(url.find("{product}"), 9, slug);
    auto body = cached_get(*http, cache, url, settings);
    auto fresh = body ? parse_eol_product(slug, *body) : tl::unexpected(body.error());
    if (fresh) {
      product = std::move(*fresh);
      catalog.origin[slug] = transport::url_for_display(url);
    } else {
      catalog.notes.push_back(fmt::format("end-of-life data for {} not refreshed ({}); using the snapshot shipped with tma ({})",
                                          slug, core::redact(fresh.error().message), k_eol_snapshot));
    }
  }
  return catalog;
}

} // namespace tma::check
