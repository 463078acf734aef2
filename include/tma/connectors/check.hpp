#pragma once
// `tma inventory check --connectors` (docs/connectors.md, "Checking the mapping"): what the inventory
// names in each tool (projects, trackers, priorities, activities, issue types, the hours issue) is
// asked of the tool itself, read-only, so that a typo is found before a sync fails on it.

#include <optional>
#include <string>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/inventory/load.hpp>
#include <tma/inventory/model.hpp>
#include <tma/transport/http.hpp>

namespace tma::connectors {

struct MappingCheck {
  std::string connector;
  /// Names the tool does not know, at the inventory's line of the connector or project.
  std::vector<inventory::Diagnostic> problems;
  /// The tool could not be asked (unreachable, the secret refused): redacted.
  std::optional<core::Error> error;
  std::size_t http_requests = 0;
  /// Why the tool was not asked ("" when it was): for a type tma does not know how to ask.
  std::string not_checked;
};

/// Ask `connector`'s tool about every name its mapping uses. Only GETs (and Jira's read-only
/// searches); nothing is written, nothing recorded.
MappingCheck check_mapping(const inventory::Connector& connector, transport::HttpClient& http);

} // namespace tma::connectors
