// The work of `tma visual snapshot` and `tma visual compare` for one site in one environment, and
// what the CLI prints of it (JSON payload, exit bits). docs/visual.md.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>
#include <tma/transport/http.hpp>
#include <tma/visual/compare.hpp>
#include <tma/visual/pool.hpp>
#include <tma/visual/snapshot.hpp>
#include <tma/visual/store.hpp>

namespace tma::visual {

/// Version of the JSON payload; wrapped by report::envelope.
inline constexpr int k_visual_schema = 1;

struct SiteRunOptions {
  bool compare = false;           ///< compare the new snapshot with `against`
  std::string against = "latest"; ///< `latest` (newest complete snapshot before the new one) or an id
  SnapshotSettings settings;
};

struct SiteRun {
  std::string site;
  std::string env;
  std::optional<core::Error> error;         ///< the site failed (kind unreachable: exit bit 4, else 2)
  std::optional<SnapshotManifest> snapshot; ///< the snapshot taken
  std::optional<Comparison> comparison;     ///< compare, when there was a snapshot to compare with
  std::vector<std::string> notes;           ///< first snapshot, sitemap notes, retention
};

/// Plan the pages, capture them with a browser of `pool`, keep the snapshot, compare it when asked,
/// write the comparison's HTML page, then apply the retention (`visual.keep`). Never throws; a site
/// without a `visual:` block is an error (config).
SiteRun run_site(CapturerPool& pool, transport::HttpClient& http, const SnapshotStore& store, const inventory::Site& site,
                 const inventory::Environment& env, const SiteRunOptions& options,
                 std::chrono::system_clock::time_point now);

/// "ok", "unreachable" or "failed": the site's status in the JSON output and in the journal.
const char* status_of(const SiteRun& run);

/// The JSON payload: `{"command": ..., "sites": [...]}` (docs/visual.md, "JSON").
nlohmann::json render_json(const std::vector<SiteRun>& runs, bool compare);

/// The data of the run's journal event (`visual.snapshot` or `visual.compared`, docs/journal.md):
/// status, error, snapshot, pages captured, and for a comparison the reference, the report and the
/// count of page captures compared, the same, changed, broken and failed.
nlohmann::json journal_data(const SiteRun& run);

/// Exit bits: 1 when a page is broken (or changed, with `fail_on_changed`), 2 when a site failed or
/// one of its captures did, 4 when a site was unreachable.
int exit_bits(const std::vector<SiteRun>& runs, bool fail_on_changed);

} // namespace tma::visual
