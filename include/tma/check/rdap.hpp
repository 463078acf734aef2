#pragma once
// Domain registrations through RDAP (RFC 9082/9083/9224): which server answers for a domain (the IANA
// bootstrap file, shipped and refreshable), and when the registration expires (the `expiration`
// event of the domain object). Pure: fetching and caching belong to the caller.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/core/timezone.hpp>

namespace tma::check {

/// `https://data.iana.org/rdap/dns.json`: `services` = pairs of (labels, base URLs).
struct RdapBootstrap {
  struct Service {
    std::vector<std::string> labels; ///< lower case, `com`, `fr`, `co.uk` (a registry may list several labels)
    std::vector<std::string> urls;   ///< base URLs ending in `/`, https first
  };
  std::string publication;
  std::vector<Service> services;
};

/// Parse the bootstrap file. Not an object with a `services` array of [[labels...], [urls...]] is an
/// error; URLs that are not http(s) are dropped, a missing trailing `/` is added.
core::Result<RdapBootstrap> parse_rdap_bootstrap(std::string_view json);

/// The base URL for `domain`: the service whose label matches the most labels of the domain, right to
/// left (RFC 9224 §4), its first https URL (else its first); nullopt when no service matches.
std::optional<std::string> rdap_base_for(const RdapBootstrap& bootstrap, std::string_view domain);

/// The registered domain of `host`: the matched bootstrap label plus one label (`www.shop.example.fr`
/// -> `example.fr`). Registries that sell second-level names under a TLD the bootstrap lists alone
/// (`co.uk` under `uk`) need the inventory's `domain:`; nullopt when no service matches.
std::optional<std::string> registered_domain(const RdapBootstrap& bootstrap, std::string_view host);

/// What tma reads of an RDAP domain object.
struct DomainRegistration {
  std::string domain;                         ///< `ldhName`
  std::optional<core::SysSeconds> expires;    ///< the `expiration` event, when published
  std::vector<std::string> statuses;          ///< `status[]` (`active`, `client hold`, `redemption period`...)
};

/// Parse an RDAP domain answer. An error object (`errorCode`) or a document without
/// `objectClassName: domain` is an error quoting its title.
core::Result<DomainRegistration> parse_rdap_domain(std::string_view json);

/// Statuses that mean the domain is in trouble whatever its date (holds, redemption, pending delete).
bool alarming_status(std::string_view status);

/// IANA's bootstrap shipped inside tma (data/rdap/dns.json, compiled in by cmake/TmaTemplates.cmake).
std::string_view shipped_rdap_bootstrap_document();

/// The publication date of the shipped bootstrap (data/rdap/README.md says how to refresh it).
inline constexpr std::string_view k_rdap_snapshot = "IANA dns.json of 2026-02-13";

} // namespace tma::check
