#pragma once
// Drupal's release history feed (`https://updates.drupal.org/release-history/<project>/current`,
// formats.md section 5): which releases exist, which fix security issues, which branches are
// supported. Pure parsing and evaluation; fetching is the HTTP transport's job.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tma/core/error.hpp>

namespace tma::cms::drupal_releases {

struct Release {
  std::string name;
  std::string version;             ///< `3.0.2`, `8.x-1.11`, `10.3.2`
  std::string status;              ///< `published` / `unpublished`
  std::vector<std::string> types;  ///< `Release type` terms: `Security update`, `Insecure`, `Bug fixes`, ...
  bool security_covered = false;   ///< `<security covered="1">`
  std::optional<std::chrono::sys_seconds> date; ///< `<date>` (Unix timestamp); absent when missing or not a number
  bool has(std::string_view type) const;
};

struct ReleaseHistory {
  std::string short_name;
  std::string title;
  std::string project_status;                  ///< `published`, `insecure`, `revoked`, `unsupported`
  std::vector<std::string> supported_branches; ///< prefixes ending in `.` (`10.2.`, `8.x-1.`)
  std::vector<Release> releases;               ///< newest first, as the feed lists them
};

/// Parse the XML. `<error>No release history was found ...</error>` (unknown project, sent with
/// HTTP 200) and a document without `<short_name>` are `cms` errors quoting the feed.
core::Result<ReleaseHistory> parse_release_history(std::string_view xml);

/// What the feed says about an installed version.
struct Verdict {
  bool supported = false;        ///< installed version starts with a supported branch prefix
  bool insecure = false;         ///< installed release is marked Insecure, or a newer release of its
                                 ///< branch is a Security update
  std::string latest;            ///< newest published stable release of any branch
  std::string latest_in_branch;  ///< newest published stable release of the installed branch
  std::string fixed_in;          ///< newest Security update newer than installed in the branch ("" if none)
};

/// Evaluate `installed` (as composer.lock or drush prints it) against `history`.
Verdict evaluate(const ReleaseHistory& history, std::string_view installed);

} // namespace tma::cms::drupal_releases
