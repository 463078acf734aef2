#pragma once
// The shapes names and versions reported by a server may have before tma passes them back to a
// tool's argv. WP-CLI has no `--` (it reads `--` as a slug), so a plugin reported as `--exec=<php>`
// would be run as an option: names are checked against what the CMS itself allows, and a component
// whose name or versions do not fit is refused (a finding, never an update).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tma/cms/component.hpp>

namespace tma::cms {

/// A WordPress plugin or theme as WP-CLI names it: its directory (`akismet`), a single file's base
/// name (`hello`, `object-cache.php`), or `dir/file` when two share a slug. Segments of
/// `[A-Za-z0-9_][A-Za-z0-9._-]*` separated by `/`, at most 200 characters.
bool is_wordpress_slug(std::string_view name);

/// A composer package name as composer.json's schema allows it:
/// `[a-z0-9]([_.-]?[a-z0-9]+)*/[a-z0-9](([_.]|-{1,2})?[a-z0-9]+)*`.
bool is_composer_package(std::string_view name);

/// A version as CMS tools print them: `[A-Za-z0-9][A-Za-z0-9.+_~/-]*`, optionally followed by one
/// space and a commit hash (composer's `dev-main 1a2b3c4`), at most 100 characters.
bool is_version_text(std::string_view version);

/// Why `component` may not be acted on (its name or a version has an unexpected shape), or nullopt.
std::optional<std::string> refusal_reason(const Component& component);

/// Mark every component with an unexpected shape `refused`: its update state becomes unavailable
/// and its note says why, so `tma check` reports it and `tma update` skips it.
void refuse_unexpected_names(std::vector<Component>& components);

} // namespace tma::cms
