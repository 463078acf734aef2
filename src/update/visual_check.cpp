#include <tma/update/visual_check.hpp>

#include <algorithm>

#include <fmt/format.h>

#include <tma/core/clock.hpp>
#include <tma/core/log.hpp>

namespace tma::update {

namespace {

VisualVerdict to_pipeline(visual::Verdict verdict) {
  switch (verdict) {
  case visual::Verdict::same: return VisualVerdict::same;
  case visual::Verdict::changed: return VisualVerdict::changed;
  case visual::Verdict::broken: return VisualVerdict::broken;
  }
  return VisualVerdict::broken;
}

} // namespace

core::Result<VisualResult> summarise(const visual::Comparison& comparison) {
  for (const auto& page : comparison.pages) {
    if (!page.error.empty()) {
      return core::fail(core::ErrorKind::remote, fmt::format("{} at {}: {}", page.url, page.label(), page.error));
    }
  }
  if (comparison.pages.empty()) {
    return core::fail(core::ErrorKind::remote, "no page was captured in both snapshots");
  }
  VisualResult result;
  result.verdict = to_pipeline(comparison.worst());
  result.report = comparison.report.string();
  std::size_t differing = 0;
  double largest = 0;
  for (const auto& page : comparison.pages) {
    if (page.verdict == comparison.worst()) ++differing;
    if (page.verdict != visual::Verdict::same) ++result.flagged;
    largest = std::max(largest, page.changed_share);
  }
  result.pages = static_cast<int>(comparison.pages.size());
  if (result.verdict == VisualVerdict::same) {
    result.summary = fmt::format("{} captures the same", comparison.pages.size());
  } else {
    result.summary = fmt::format("{} of {} captures {} (largest {:.1f} % of a page)", differing,
                                 comparison.pages.size(), visual::to_string(comparison.worst()), largest * 100);
  }
  return result;
}

SnapshotVisualCheck::SnapshotVisualCheck(visual::CapturerFactory start_browser, transport::HttpClient& http,
                                         visual::SnapshotStore store, const inventory::Site& site,
                                         const inventory::Environment& env)
    : m_start_browser(std::move(start_browser)), m_http(http), m_store(std::move(store)), m_site(site), m_env(env) {}

SnapshotVisualCheck::~SnapshotVisualCheck() {
  if (!m_reference || !m_site.visual) return;
  auto removed = m_store.retain(m_site.name, m_env.name, m_site.visual->keep, core::wall_clock_now());
  if (!removed) {
    core::log::warning("{} {}: visual snapshots not pruned: {}", m_site.name, m_env.name, removed.error().message);
  }
}

core::Result<visual::SnapshotManifest> SnapshotVisualCheck::snapshot() {
  if (!m_site.visual) return core::fail(core::ErrorKind::config, m_site.name + " has no `visual:` block");
  if (!m_pages) {
    auto planned = visual::plan_pages(m_http, m_site, m_env, *m_site.visual);
    if (!planned) return tl::unexpected(planned.error());
    m_pages = std::move(*planned);
  }
  if (!m_browser) {
    if (!m_start_browser) return core::fail(core::ErrorKind::config, "no browser to capture pages with");
    auto started = m_start_browser();
    if (!started) return tl::unexpected(core::with_context(started.error(), "browser"));
    m_browser = std::move(*started);
  }
  return visual::take_snapshot(*m_browser, m_store, m_site, m_env, *m_site.visual, *m_pages, core::wall_clock_now());
}

core::Result<void> SnapshotVisualCheck::baseline() {
  auto taken = snapshot();
  if (!taken) return tl::unexpected(taken.error());
  m_reference = std::move(*taken);
  return {};
}

core::Result<VisualResult> SnapshotVisualCheck::compare() {
  if (!m_reference) return core::fail(core::ErrorKind::internal, "visual comparison without a reference");
  auto taken = snapshot();
  if (!taken) return tl::unexpected(taken.error());
  m_last = std::move(*taken);
  auto dir = visual::comparison_directory(m_store, *m_reference, *m_last);
  visual::Thresholds thresholds{m_site.visual->changed, m_site.visual->broken};
  auto comparison = visual::compare_snapshots(m_store, *m_reference, *m_last, thresholds, dir);
  if (!comparison) return tl::unexpected(comparison.error());
  if (auto written = visual::write_comparison_report(*comparison, dir); !written) {
    return tl::unexpected(written.error());
  }
  return summarise(*comparison);
}

void SnapshotVisualCheck::keep_last() {
  if (m_last) m_reference = std::move(m_last);
  m_last.reset();
}

} // namespace tma::update
