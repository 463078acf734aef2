#pragma once
// What WordPress.org's plugin directory says about the plugins a site runs, beyond their versions:
// closed (with the reason and date), no release for a long time, not tested with the installed core
// (docs/check.md §2.2). Pure: the answers are fetched (and cached) by run_check.

#include <map>
#include <string>
#include <vector>

#include <tma/check/finding.hpp>
#include <tma/cms/wordpress_http.hpp>
#include <tma/core/units.hpp>

namespace tma::check {

/// Findings for the plugins of `check` (not must-use plugins or drop-ins, not refused names) from
/// `infos` (slug -> the directory's answer; a slug absent from the map was not listed or not asked):
/// - `closed`: severity `security` when the reason says security, else `major`;
/// - `abandoned` (`minor`): the last release is more than `abandoned_after_days` before `today`;
/// - `untested` (`patch`): `tested` is a branch older than the installed core's (`6.4` vs `6.6.1`).
/// At most one per plugin, in that order of precedence.
std::vector<Finding> plugin_directory_findings(const SiteCheck& check,
                                               const std::map<std::string, cms::wordpress_http::PluginInfo>& infos,
                                               core::Date today, int abandoned_after_days);

} // namespace tma::check
