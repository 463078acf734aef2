// Taking a snapshot of one site in one environment: the pages (`/`, `visual.paths`, the sitemap's
// sample), each captured at each width through a Capturer, written to the store.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>
#include <tma/transport/http.hpp>
#include <tma/visual/capture.hpp>
#include <tma/visual/sitemap.hpp>
#include <tma/visual/store.hpp>

namespace tma::visual {

struct SnapshotSettings {
  std::chrono::milliseconds load_timeout{30000}; ///< per capture: navigation until the load event
  std::chrono::milliseconds idle_bound{5000};    ///< then network idle, at most this long
  int max_height = 16384;                        ///< full-page captures clipped to this height
  SitemapLimits sitemap;
};

struct PlannedPage {
  std::string path;
  std::string url;
};

struct PagePlan {
  std::vector<PlannedPage> pages; ///< `/`, then `visual.paths`, then the sitemap's sample
  std::string sitemap;            ///< the sitemap sampled; "" when none
  std::vector<std::string> notes;
};

/// The pages of `site` in `env`: the sitemap is fetched through `http`. An unreachable site is an
/// error (kind unreachable or timeout); a site without sitemap is captured without a sample.
core::Result<PagePlan> plan_pages(transport::HttpClient& http, const inventory::Site& site, const inventory::Environment& env,
                                  const inventory::VisualPolicy& policy, const SitemapLimits& limits = {});

/// The capture requests of one page: one per width of `policy` (phone emulation up to
/// inventory::k_visual_phone_width), with its masks and `settings`' bounds.
std::vector<CaptureRequest> capture_requests(const PlannedPage& page, const inventory::VisualPolicy& policy,
                                             const SnapshotSettings& settings);

/// Capture every page of `plan` at every width with `capturer` into a new snapshot of the store, then
/// complete it (manifest last). A capture that fails is recorded in the manifest (`error`) and the
/// others go on; when every capture failed, the snapshot is removed and the first error returned.
core::Result<SnapshotManifest> take_snapshot(Capturer& capturer, const SnapshotStore& store, const inventory::Site& site,
                                             const inventory::Environment& env, const inventory::VisualPolicy& policy,
                                             const PagePlan& plan, std::chrono::system_clock::time_point now,
                                             const SnapshotSettings& settings = {});

} // namespace tma::visual
