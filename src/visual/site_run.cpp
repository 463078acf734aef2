#include <tma/visual/site_run.hpp>

#include <fmt/format.h>

#include <tma/core/exit_code.hpp>

namespace tma::visual {
using nlohmann::json;

namespace {

// The reference snapshot of a comparison, chosen before anything is captured: a wrong id costs no
// capture. nullopt with `latest` when the site has no snapshot yet.
core::Result<std::optional<SnapshotManifest>> reference(const SnapshotStore& store, const inventory::Site& site,
                                                        const inventory::Environment& env, const std::string& against) {
  if (against != "latest") {
    auto found = store.read(site.name, env.name, against);
    if (!found) return tl::unexpected(found.error());
    return std::optional<SnapshotManifest>(std::move(*found));
  }
  auto all = store.list(site.name, env.name);
  if (!all) return tl::unexpected(all.error());
  if (all->empty()) return std::optional<SnapshotManifest>();
  return std::optional<SnapshotManifest>(all->back());
}

json page_json(const PageComparison& p, const std::string& report) {
  return {{"url", p.url},
          {"report", report},
          {"path", p.path},
          {"width", p.width},
          {"mobile", p.mobile},
          {"verdict", p.error.empty() ? json(std::string(to_string(p.verdict))) : json(nullptr)},
          {"changed_share", p.error.empty() ? json(p.changed_share) : json(nullptr)},
          {"reasons", p.reasons},
          {"text_added", p.text_added},
          {"text_removed", p.text_removed},
          {"error", p.error.empty() ? json(nullptr) : json(p.error)}};
}

json captured_json(const SnapshotPage& p) {
  return {{"url", p.url},
          {"path", p.path},
          {"width", p.width},
          {"mobile", p.mobile},
          {"image", p.image_file},
          {"http_status", p.http_status},
          {"network_idle", p.network_idle},
          {"error", p.error.empty() ? json(nullptr) : json(p.error)}};
}

} // namespace

SiteRun run_site(CapturerPool& pool, transport::HttpClient& http, const SnapshotStore& store, const inventory::Site& site,
                 const inventory::Environment& env, const SiteRunOptions& options,
                 std::chrono::system_clock::time_point now) {
  SiteRun run;
  run.site = site.name;
  run.env = env.name;
  if (!site.visual) {
    run.error = core::Error{core::ErrorKind::config, "no `visual:` block in the inventory (docs/visual.md)"};
    return run;
  }
  const auto& policy = *site.visual;
  std::optional<SnapshotManifest> before;
  if (options.compare) {
    auto found = reference(store, site, env, options.against);
    if (!found) {
      run.error = found.error();
      return run;
    }
    before = std::move(*found);
  }
  auto plan = plan_pages(http, site, env, policy, options.settings.sitemap);
  if (!plan) {
    run.error = plan.error();
    return run;
  }
  auto lease = pool.acquire();
  if (!lease) {
    run.error = core::with_context(lease.error(), "browser");
    return run;
  }
  auto snapshot = take_snapshot(**lease, store, site, env, policy, *plan, now, options.settings);
  if (!snapshot) {
    run.error = snapshot.error();
    return run;
  }
  run.snapshot = *snapshot;
  for (const auto& note : snapshot->notes) run.notes.push_back(note);
  if (options.compare) {
    if (!before) {
      run.notes.push_back(fmt::format("first snapshot ({}): nothing to compare with yet", snapshot->id));
    } else {
      auto dir = comparison_directory(store, *before, *snapshot);
      Thresholds thresholds{policy.changed, policy.broken};
      auto comparison = compare_snapshots(store, *before, *snapshot, thresholds, dir);
      if (!comparison) {
        run.error = comparison.error();
        return run;
      }
      if (auto written = write_comparison_report(*comparison, dir); !written) {
        run.error = written.error();
        return run;
      }
      for (const auto& note : comparison->notes) run.notes.push_back(note);
      run.comparison = std::move(*comparison);
    }
  }
  auto removed = store.retain(site.name, env.name, policy.keep, now);
  if (!removed) {
    run.notes.push_back(fmt::format("retention: {}", removed.error().message));
  } else if (!removed->empty()) {
    run.notes.push_back(fmt::format("retention: {} old snapshot(s) removed (visual.keep {})", removed->size(), policy.keep));
  }
  return run;
}

const char* status_of(const SiteRun& run) {
  if (!run.error) return "ok";
  return run.error->kind == core::ErrorKind::unreachable ? "unreachable" : "failed";
}

json render_json(const std::vector<SiteRun>& runs, bool compare) {
  json sites = json::array();
  for (const auto& run : runs) {
    json site{{"site", run.site},
              {"env", run.env},
              {"status", status_of(run)},
              // The per-site error of every command's JSON (docs/cli.md): its kind and its message.
              {"error", run.error ? json{{"kind", core::to_string(run.error->kind)}, {"message", run.error->message}}
                                  : json(nullptr)},
              {"snapshot", run.snapshot ? json(run.snapshot->id) : json(nullptr)},
              {"notes", run.notes}};
    if (compare) {
      site["against"] = run.comparison ? json(run.comparison->before.id) : json(nullptr);
      site["report"] = run.comparison ? json(run.comparison->report.string()) : json(nullptr);
      json pages = json::array();
      if (run.comparison) {
        for (const auto& p : run.comparison->pages) pages.push_back(page_json(p, run.comparison->report.string()));
      }
      site["pages"] = pages;
    } else {
      json pages = json::array();
      if (run.snapshot) {
        for (const auto& p : run.snapshot->pages) pages.push_back(captured_json(p));
      }
      site["pages"] = pages;
    }
    sites.push_back(site);
  }
  return {{"command", compare ? "compare" : "snapshot"}, {"sites", sites}};
}

json journal_data(const SiteRun& run) {
  json data{{"status", status_of(run)},
            {"snapshot", run.snapshot ? json(run.snapshot->id) : json(nullptr)},
            {"captured", run.snapshot ? run.snapshot->pages.size() : 0}};
  if (run.error) data["error"] = run.error->message;
  if (!run.comparison) return data;
  int same = 0, changed = 0, broken = 0, failed = 0;
  for (const auto& p : run.comparison->pages) {
    if (!p.error.empty()) {
      ++failed;
    } else if (p.verdict == Verdict::broken) {
      ++broken;
    } else if (p.verdict == Verdict::changed) {
      ++changed;
    } else {
      ++same;
    }
  }
  data["against"] = run.comparison->before.id;
  data["report"] = run.comparison->report.string();
  data["pages"] = same + changed + broken; // captures actually compared
  data["same"] = same;
  data["changed"] = changed;
  data["broken"] = broken;
  data["failed"] = failed;
  data["verdict"] = std::string(to_string(run.comparison->worst()));
  return data;
}

int exit_bits(const std::vector<SiteRun>& runs, bool fail_on_changed) {
  int bits = 0;
  for (const auto& run : runs) {
    if (run.error) {
      bits |= run.error->kind == core::ErrorKind::unreachable ? core::exit_code::unreachable : core::exit_code::site_failed;
      continue;
    }
    if (run.snapshot) {
      for (const auto& p : run.snapshot->pages) {
        if (!p.error.empty()) bits |= core::exit_code::site_failed;
      }
    }
    if (!run.comparison) continue;
    if (run.comparison->failed()) bits |= core::exit_code::site_failed;
    auto worst = run.comparison->worst();
    if (worst == Verdict::broken || (fail_on_changed && worst == Verdict::changed)) bits |= core::exit_code::findings;
  }
  return bits;
}

} // namespace tma::visual
