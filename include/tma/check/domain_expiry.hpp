#pragma once
// Domain registrations in `tma check` (docs/check.md §2.4): which domain to ask the registry about
// for a site, and the `domain` finding its RDAP answer gives. Pure: rdap.hpp parses, anticipate.cpp
// fetches.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tma/check/finding.hpp>
#include <tma/check/rdap.hpp>
#include <tma/core/units.hpp>
#include <tma/inventory/model.hpp>

namespace tma::check {

/// What to ask for a site environment: a domain and the RDAP base URL of its registry, nothing
/// (`skip`: not prod, `domain: none`, an IP address, a reserved name such as `.test` or `localhost`),
/// or a note saying why it cannot be asked (no registry for the name in the bootstrap).
struct DomainQuery {
  enum class Kind { ask, skip, note };
  Kind kind = Kind::skip;
  std::string domain;   ///< ask: the registered domain (`client.example`)
  std::string base_url; ///< ask: the registry's RDAP base, ending in `/`
  std::string note;     ///< note: why not
};

/// Only `prod` is asked: preprod lives on the agency's names, and the client pays for prod's
/// domain. The site's `domain:` wins over the name derived from the environment's URL.
DomainQuery domain_query(const inventory::Site& site, const inventory::Environment& env, const RdapBootstrap& bootstrap);

/// Top-level names that never reach a registry (RFC 2606, RFC 6761, RFC 6762, RFC 8375): `test`,
/// `example`, `invalid`, `localhost`, `local`, `internal`, `home.arpa`...
bool reserved_domain(std::string_view host);

/// Horizons of `sources.rdap` in days: within `warn` a `minor` finding, within `critical` a `major`.
struct DomainHorizons {
  int warn_days = 60;
  int critical_days = 14;
};

/// The `domain` finding of a registration, nullopt when it is fine: expired or in an alarming status
/// (holds, redemption, pending delete) is major, expiring within `critical_days` major, within
/// `warn_days` minor. A registration without an expiry date gives no finding (the caller notes it).
std::optional<Finding> domain_finding(const std::string& site, const std::string& env, const DomainRegistration& registration,
                                      std::string_view asked, core::Date today, const DomainHorizons& horizons);

} // namespace tma::check
