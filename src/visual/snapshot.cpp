#include <tma/visual/snapshot.hpp>

#include <algorithm>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include <tma/transport/url.hpp>

namespace tma::visual {

core::Result<PagePlan> plan_pages(transport::HttpClient& http, const inventory::Site& site, const inventory::Environment& env,
                                  const inventory::VisualPolicy& policy, const SitemapLimits& limits) {
  PagePlan plan;
  // As `tma perf`: the inventory's paths are appended to the environment's URL.
  std::string root = env.url;
  while (!root.empty() && root.back() == '/') root.pop_back();
  plan.pages.push_back({"/", root + "/"});
  for (const auto& path : policy.paths) plan.pages.push_back({path, root + path});
  if (policy.sample > 0) {
    auto found = fetch_sitemap_paths(http, env.http, env.url, limits);
    if (!found) return tl::unexpected(core::with_context(found.error(), "sitemap"));
    plan.sitemap = found->source;
    plan.notes = found->notes;
    auto origin = transport::resolve_url(env.url, "/");
    for (const auto& path : sample_paths(found->paths, site.name, policy.sample, policy.paths)) {
      // Sitemap paths are of the origin (`https://host/`), whatever path the environment's URL has.
      plan.pages.push_back({path, origin->substr(0, origin->size() - 1) + path});
    }
  }
  return plan;
}

std::vector<CaptureRequest> capture_requests(const PlannedPage& page, const inventory::VisualPolicy& policy,
                                             const SnapshotSettings& settings) {
  std::vector<CaptureRequest> requests;
  for (int width : policy.widths) {
    CaptureRequest request;
    request.url = page.url;
    request.width = width;
    request.mobile = width <= inventory::k_visual_phone_width;
    request.masks = policy.mask;
    request.load_timeout = settings.load_timeout;
    request.idle_bound = settings.idle_bound;
    request.max_height = settings.max_height;
    requests.push_back(std::move(request));
  }
  return requests;
}

core::Result<SnapshotManifest> take_snapshot(Capturer& capturer, const SnapshotStore& store, const inventory::Site& site,
                                             const inventory::Environment& env, const inventory::VisualPolicy& policy,
                                             const PagePlan& plan, std::chrono::system_clock::time_point now,
                                             const SnapshotSettings& settings) {
  auto manifest = store.begin(site.name, env.name, now);
  if (!manifest) return manifest;
  manifest->sitemap = plan.sitemap;
  manifest->notes = plan.notes;
  std::optional<core::Error> first_error;
  bool any_captured = false;
  for (std::size_t i = 0; i < plan.pages.size(); ++i) {
    const auto& planned = plan.pages[i];
    for (const auto& request : capture_requests(planned, policy, settings)) {
      SnapshotPage page;
      page.path = planned.path;
      page.url = planned.url;
      page.width = request.width;
      page.mobile = request.mobile;
      auto capture = capturer.capture(request);
      if (capture) {
        page.image_width = capture->width;
        page.image_height = capture->height;
        page.network_idle = capture->network_idle;
        page.http_status = capture->http_status;
        auto stem = fmt::format("p{:02}-{}", i, page.label());
        if (auto written = store.write_capture(*manifest, stem, *capture, page); !written) {
          // A full disk is no page's fault: stop here.
          std::error_code ec;
          std::filesystem::remove_all(store.directory(site.name, env.name) / manifest->id, ec);
          return tl::unexpected(written.error());
        }
        any_captured = true;
      } else {
        page.error = capture.error().message;
        if (!first_error) first_error = capture.error();
      }
      manifest->pages.push_back(std::move(page));
    }
  }
  if (!any_captured) {
    std::error_code ec;
    std::filesystem::remove_all(store.directory(site.name, env.name) / manifest->id, ec);
    if (first_error) return tl::unexpected(*first_error);
    return core::fail(core::ErrorKind::config, "nothing to capture");
  }
  if (auto done = store.complete(*manifest); !done) return tl::unexpected(done.error());
  return manifest;
}

} // namespace tma::visual
