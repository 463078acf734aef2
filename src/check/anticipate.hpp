#pragma once
// Private to check/: what run_check adds after the version findings (docs/check.md §2.1, §2.2).

#include <tma/check/finding.hpp>
#include <tma/check/run_check.hpp>

namespace tma::check::detail {

/// `eol`/`eol-soon` findings for the core and platform of `check` when `inputs.eol` is set.
void add_eol_findings(SiteCheck& check, const CheckInputs& inputs);

/// `closed`/`abandoned`/`untested` findings from WordPress.org when `inputs.plugin_directory` is set;
/// plugins it could not ask about leave one note. The answers' `last_updated` becomes the release date
/// of the directory's latest version (cms::Component::released); with `release_dates` (the site has
/// `updates.min_release_age`) plugins with an update are asked even when the directory pass is off.
void add_plugin_directory_findings(SiteCheck& check, const CheckInputs& inputs, bool release_dates);

/// `unsupported`/`insecure` findings of a Drupal site from drupal.org when `inputs.drupal_updates` is set.
/// Each release's `<date>` becomes a release date of the component; with `release_dates` and no
/// `drupal_updates`, the histories of components with an update are asked at `inputs.release_history_url`
/// for their dates alone.
void add_drupal_coverage_findings(SiteCheck& check, const CheckInputs& inputs, bool release_dates);

/// The `domain` finding of a prod environment when `inputs.rdap` is set (§2.4); an unknown expiry,
/// a registry that does not answer or does not know the name leaves a note.
void add_domain_findings(SiteCheck& check, const inventory::Site& site, const inventory::Environment& env,
                         const CheckInputs& inputs);

} // namespace tma::check::detail
