#pragma once
// The installed-versions snapshot `tma check` records per site in the journal (a `check` event), and
// the difference between two snapshots, so later reports can say what changed and when. Pure.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/check/finding.hpp>
#include <tma/core/error.hpp>

namespace tma::check {

/// `{"site", "env", "cms", "components": [{"kind", "name", "version"}...]}` sorted by kind then name;
/// only components with a known installed version. Stable across runs for the same versions.
nlohmann::json snapshot(const SiteCheck& check);

/// One difference between two snapshots of the same site environment.
struct VersionChange {
  cms::ComponentKind kind = cms::ComponentKind::plugin;
  std::string name;
  std::string before; ///< "" when the component appeared
  std::string after;  ///< "" when it disappeared
};

/// What changed from `before` to `after` (both produced by snapshot()), sorted like the snapshots.
/// A document that is not a snapshot is an error.
core::Result<std::vector<VersionChange>> diff_snapshots(const nlohmann::json& before, const nlohmann::json& after);

} // namespace tma::check
