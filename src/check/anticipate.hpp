#pragma once
// Private to check/: what run_check adds after the version findings (docs/check.md §2.1, §2.2).

#include <tma/check/finding.hpp>
#include <tma/check/run_check.hpp>

namespace tma::check::detail {

/// `eol`/`eol-soon` findings for the core and platform of `check` when `inputs.eol` is set.
void add_eol_findings(SiteCheck& check, const CheckInputs& inputs);

/// `closed`/`abandoned`/`untested` findings from WordPress.org when `inputs.plugin_directory` is set;
/// plugins it could not ask about leave one note.
void add_plugin_directory_findings(SiteCheck& check, const CheckInputs& inputs);

/// `unsupported`/`insecure` findings of a Drupal site from drupal.org when `inputs.drupal_updates` is set.
void add_drupal_coverage_findings(SiteCheck& check, const CheckInputs& inputs);

/// The `domain` finding of a prod environment when `inputs.rdap` is set (§2.4); an unknown expiry,
/// a registry that does not answer or does not know the name leaves a note.
void add_domain_findings(SiteCheck& check, const inventory::Site& site, const inventory::Environment& env,
                         const CheckInputs& inputs);

} // namespace tma::check::detail
