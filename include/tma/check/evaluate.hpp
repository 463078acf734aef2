#pragma once
// From components to findings: the one place that decides what is a finding and how severe it is.
// Pure: the vulnerability data is passed in, already fetched (or absent).

#include <string>
#include <vector>

#include <tma/check/finding.hpp>
#include <tma/version/version.hpp>
#include <tma/check/vulnerabilities.hpp>
#include <tma/cms/drupal.hpp>

namespace tma::check {

/// Where vulnerability data for one site comes from; any pointer may be null.
struct SecuritySources {
  const VulnerabilityDb* wordfence = nullptr;                  ///< WordPress sites
  const cms::composer::Audit* composer_audit = nullptr;        ///< Drupal/composer sites
  const std::vector<cms::drush::InsecureProject>* drush_insecure = nullptr; ///< Drush 11 pm:security
};

/// Findings for `components` of `site`/`env`, one per component at most:
/// - `security` when a source says the installed version is affected (not for informational records):
///   advisories listed, highest CVSS kept, `fixed_in` = the smallest version fixing all of them
///   (or "" with note `no fixed version published` when one has no fix);
/// - otherwise, when a newer version exists (update available/unavailable), the distance under `scheme`
///   (`major|minor|patch`), with the component's note (e.g. `update package not available`);
/// - nothing for up-to-date, not-applicable or unknown-version components;
/// - a `major` finding with the component's note for a component refused for its shape (cms/names.hpp).
std::vector<Finding> findings_for(const std::string& site, const std::string& env, version::Scheme scheme,
                                  const std::vector<cms::Component>& components, const SecuritySources& sources);

/// Packages named in a composer audit that `components` lack, as extra package components (installed
/// version unknown) so that no advisory is dropped when `composer outdated --direct` omitted them.
std::vector<cms::Component> audit_only_components(const cms::composer::Audit& audit,
                                                  const std::vector<cms::Component>& components);

} // namespace tma::check
