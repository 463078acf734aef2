// Which domain a site's registry is asked about, and what its answer means (docs/check.md §2.4).
#include <tma/check/domain_expiry.hpp>

#include <array>

#include <fmt/format.h>

#include <tma/core/text.hpp>
#include <tma/core/timezone.hpp>
#include <tma/transport/url.hpp>

namespace tma::check {
namespace {

std::string_view last_label(std::string_view host) {
  auto dot = host.rfind('.');
  return dot == std::string_view::npos ? host : host.substr(dot + 1);
}

bool ends_with_labels(std::string_view host, std::string_view suffix) {
  if (host == suffix) return true;
  return host.size() > suffix.size() && host.substr(host.size() - suffix.size()) == suffix &&
         host[host.size() - suffix.size() - 1] == '.';
}

// An IPv4 address (all digits and dots) or an IPv6 one (a colon): no registry to ask.
bool ip_address(std::string_view host) {
  if (host.find(':') != std::string_view::npos || host.find('[') != std::string_view::npos) return true;
  for (char c : host) {
    if (!(c >= '0' && c <= '9') && c != '.') return false;
  }
  return !host.empty();
}

} // namespace

bool reserved_domain(std::string_view host) {
  static constexpr std::array<std::string_view, 6> k_reserved_tlds = {"test", "example", "invalid", "localhost", "local",
                                                                      "internal"};
  auto tld = last_label(host);
  for (auto reserved : k_reserved_tlds) {
    if (tld == reserved) return true;
  }
  return ends_with_labels(host, "home.arpa") || host.find('.') == std::string_view::npos;
}

DomainQuery domain_query(const inventory::Site& site, const inventory::Environment& env, const RdapBootstrap& bootstrap) {
  DomainQuery query;
  if (env.name != "prod" || site.domain_none) return query;
  std::string domain = site.domain;
  if (domain.empty()) {
    auto host = transport::url_host(env.url);
    if (host.empty() || ip_address(host) || reserved_domain(host) || !core::is_domain_name(host)) return query;
    auto registered = registered_domain(bootstrap, host);
    if (!registered) {
      query.kind = DomainQuery::Kind::note;
      query.note = fmt::format("domain expiry unknown: no RDAP server for .{} in the bootstrap; set the site's "
                               "`domain: none` to stop asking",
                               last_label(host));
      return query;
    }
    domain = *registered;
  } else if (reserved_domain(domain)) {
    return query; // a lab or test name given on purpose: nothing to ask
  }
  auto base = rdap_base_for(bootstrap, domain);
  if (!base) {
    query.kind = DomainQuery::Kind::note;
    query.note = fmt::format("domain expiry of {} unknown: no RDAP server for .{} in the bootstrap", domain, last_label(domain));
    return query;
  }
  query.kind = DomainQuery::Kind::ask;
  query.domain = std::move(domain);
  query.base_url = std::move(*base);
  return query;
}

std::optional<Finding> domain_finding(const std::string& site, const std::string& env, const DomainRegistration& registration,
                                      std::string_view asked, core::Date today, const DomainHorizons& horizons) {
  Finding finding;
  finding.type = FindingType::domain;
  finding.site = site;
  finding.env = env;
  finding.kind = cms::ComponentKind::domain;
  finding.name = registration.domain.empty() ? std::string(asked) : registration.domain;
  finding.source = "rdap";
  std::string alarming;
  for (const auto& status : registration.statuses) {
    if (alarming_status(status)) alarming = status;
  }
  long long days_left = 0;
  if (registration.expires) {
    auto expiry = core::TimeZone::utc().local_date(*registration.expires);
    finding.ends_on = core::format_date(expiry);
    days_left = core::days_from_civil(expiry) - core::days_from_civil(today);
  }
  if (!alarming.empty()) {
    finding.severity = Severity::major;
    finding.note = fmt::format("the registry reports the domain as `{}`", alarming);
    if (!finding.ends_on.empty()) finding.note += fmt::format(" (registration ends {})", finding.ends_on);
    return finding;
  }
  if (!registration.expires) return std::nullopt;
  if (days_left < 0) {
    finding.severity = Severity::major;
    finding.note = fmt::format("registration expired on {}", finding.ends_on);
  } else if (days_left <= horizons.warn_days) {
    finding.severity = days_left <= horizons.critical_days ? Severity::major : Severity::minor;
    finding.note = fmt::format("registration expires on {} (in {} day{}); check that it renews", finding.ends_on, days_left,
                               days_left == 1 ? "" : "s");
  } else {
    return std::nullopt;
  }
  return finding;
}

} // namespace tma::check
