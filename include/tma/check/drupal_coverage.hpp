#pragma once
// Drupal security coverage from drupal.org's release history (docs/check.md §2.3): an installed
// branch drupal.org no longer supports, or a release marked insecure (or with a security release
// after it in its branch). Pure: the histories are fetched (and cached) by run_check.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <tma/check/finding.hpp>
#include <tma/cms/drupal_releases.hpp>

namespace tma::check {

/// The drupal.org project of a component of a Drupal site: `drupal` for the core (and the
/// `drupal/core*` packages), `X` for a `drupal/X` package; "" for the others (not on drupal.org).
std::string drupal_project(const cms::Component& component);

/// `installed` as the release history writes it: composer's `1.11.0` is `8.x-1.11` for a project whose
/// releases use the legacy `8.x-` scheme; other versions are kept.
std::string release_history_version(const cms::drupal_releases::ReleaseHistory& history, const std::string& installed);

/// When each release of `history` came out (`<date>`), by version as composer writes it too: a legacy
/// `8.x-1.11` is also listed as `1.11.0` (composer.lock's spelling). Releases without a date are left out.
std::map<std::string, std::chrono::sys_seconds> drupal_release_dates(const cms::drupal_releases::ReleaseHistory& history);

/// Findings for the core and `drupal/*` packages of `check` from `histories` (project -> history):
/// - `unsupported` (`major`): the installed branch is not among `supported_branches`;
/// - `insecure` (`security`): the release is marked Insecure or a newer release of its branch is a
///   Security update, unless the component already has a `security` finding (composer audit).
/// Only the core and direct packages the check listed; one finding per component at most, insecure first.
std::vector<Finding> drupal_coverage_findings(const SiteCheck& check,
                                              const std::map<std::string, cms::drupal_releases::ReleaseHistory>& histories);

} // namespace tma::check
