// The pipeline's VisualCheck for a site with a `visual` block (docs/visual.md, "In tma update"):
// snapshots of one environment taken with one browser, started on first use and closed with the
// check, compared with visual::compare_snapshots. The pages are planned once, so that every
// snapshot of a run shows the same pages.
#pragma once

#include <memory>
#include <optional>

#include <tma/inventory/model.hpp>
#include <tma/transport/http.hpp>
#include <tma/update/pipeline.hpp>
#include <tma/visual/compare.hpp>
#include <tma/visual/pool.hpp>
#include <tma/visual/snapshot.hpp>
#include <tma/visual/store.hpp>

namespace tma::update {

class SnapshotVisualCheck : public VisualCheck {
public:
  SnapshotVisualCheck(visual::CapturerFactory start_browser, transport::HttpClient& http, visual::SnapshotStore store,
                      const inventory::Site& site, const inventory::Environment& env);
  SnapshotVisualCheck(const SnapshotVisualCheck&) = delete;
  SnapshotVisualCheck& operator=(const SnapshotVisualCheck&) = delete;
  /// Applies `visual.keep` once the run is over (never during it: the reference must stay).
  ~SnapshotVisualCheck() override;

  core::Result<void> baseline() override;
  core::Result<VisualResult> compare() override;
  void keep_last() override;

private:
  core::Result<visual::SnapshotManifest> snapshot();

  visual::CapturerFactory m_start_browser;
  transport::HttpClient& m_http;
  visual::SnapshotStore m_store;
  const inventory::Site& m_site;
  const inventory::Environment& m_env;
  std::unique_ptr<visual::Capturer> m_browser;
  std::optional<visual::PagePlan> m_pages;
  std::optional<visual::SnapshotManifest> m_reference;
  std::optional<visual::SnapshotManifest> m_last;
};

/// The verdict of a whole comparison (its worst page) and a one-line summary of it (pure): `18
/// captures the same`, `2 of 18 captures changed (largest 3.1 % of a page)`. A comparison with a
/// failed page is an error naming it.
core::Result<VisualResult> summarise(const visual::Comparison& comparison);

} // namespace tma::update
