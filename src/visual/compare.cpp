#include <tma/visual/compare.hpp>

#include <algorithm>

#include <fmt/format.h>

#include <tma/core/atomic_file.hpp>

#include "visual/files.hpp"

namespace tma::visual {
namespace fs = std::filesystem;

bool Comparison::failed() const {
  return std::any_of(pages.begin(), pages.end(), [](const PageComparison& p) { return !p.error.empty(); });
}

Verdict Comparison::worst() const {
  Verdict worst = Verdict::same;
  for (const auto& p : pages) {
    if (p.error.empty() && static_cast<int>(p.verdict) > static_cast<int>(worst)) worst = p.verdict;
  }
  return worst;
}

PageEvidence compare_capture(const Image& before, const PageText& before_text, const Image& after, const PageText& after_text,
                             const Thresholds& thresholds, const DiffOptions& options) {
  PageEvidence out;
  out.diff = diff_images(before, after, options);
  out.text = text_change(before_text.visible_text, after_text.visible_text);
  Evidence evidence;
  evidence.changed_share = out.diff.changed_share;
  evidence.blank_before = is_blank(before);
  evidence.blank_after = is_blank(after);
  evidence.main_gone = main_content_gone(before_text.main_text, after_text.visible_text);
  evidence.text_added = out.text.added.size();
  evidence.text_removed = out.text.removed.size();
  out.judgement = judge(evidence, thresholds);
  return out;
}

fs::path comparison_directory(const SnapshotStore& store, const SnapshotManifest& before, const SnapshotManifest& after) {
  return store.directory(after.site, after.env) / "comparisons" / fmt::format("{}-vs-{}", after.id, before.id);
}

namespace {

const SnapshotPage* find_page(const SnapshotManifest& manifest, const SnapshotPage& like) {
  for (const auto& p : manifest.pages) {
    if (p.path == like.path && p.width == like.width && p.mobile == like.mobile) return &p;
  }
  return nullptr;
}

struct Loaded {
  Image image;
  PageText text;
  std::string png;
};

core::Result<Loaded> load(const SnapshotStore& store, const SnapshotManifest& manifest, const SnapshotPage& page) {
  if (!page.error.empty()) return core::fail(core::ErrorKind::remote, page.error);
  auto png = store.read_image(manifest, page);
  if (!png) return tl::unexpected(png.error());
  auto image = decode_png(*png);
  if (!image) return tl::unexpected(image.error());
  auto text = store.read_text(manifest, page);
  if (!text) return tl::unexpected(text.error());
  return Loaded{std::move(*image), std::move(*text), std::move(*png)};
}

} // namespace

core::Result<Comparison> compare_snapshots(const SnapshotStore& store, const SnapshotManifest& before,
                                           const SnapshotManifest& after, const Thresholds& thresholds,
                                           const fs::path& report_dir, const DiffOptions& options) {
  Comparison comparison;
  comparison.site = after.site;
  comparison.env = after.env;
  comparison.before = before;
  comparison.after = after;
  comparison.thresholds = thresholds;
  std::error_code ec;
  fs::create_directories(report_dir, ec);
  if (ec) return core::fail(core::ErrorKind::io, fmt::format("cannot create {}: {}", report_dir.string(), ec.message()));
  for (std::size_t i = 0; i < after.pages.size(); ++i) {
    const auto& page = after.pages[i];
    const auto* old = find_page(before, page);
    if (old == nullptr) {
      comparison.notes.push_back(fmt::format("{} at {}: not in snapshot {}, nothing to compare with", page.path, page.label(), before.id));
      continue;
    }
    PageComparison result;
    result.path = page.path;
    result.url = page.url;
    result.width = page.width;
    result.mobile = page.mobile;
    auto was = load(store, before, *old);
    auto now = load(store, after, page);
    if (!was || !now) {
      result.error = !now ? fmt::format("after: {}", now.error().message) : fmt::format("before: {}", was.error().message);
      comparison.pages.push_back(std::move(result));
      continue;
    }
    auto evidence = compare_capture(was->image, was->text, now->image, now->text, thresholds, options);
    result.verdict = evidence.judgement.verdict;
    result.reasons = evidence.judgement.reasons;
    result.changed_share = evidence.diff.changed_share;
    result.text_added = evidence.text.added;
    result.text_removed = evidence.text.removed;
    auto stem = fmt::format("p{:02}-{}", i, page.label());
    auto diff_png = encode_png(evidence.diff.difference);
    if (!diff_png) return tl::unexpected(diff_png.error());
    result.before_image = "before-" + stem + ".png";
    result.after_image = "after-" + stem + ".png";
    result.diff_image = "diff-" + stem + ".png";
    for (const auto& [name, bytes] : {std::pair{result.before_image, &was->png}, std::pair{result.after_image, &now->png},
                                      std::pair{result.diff_image, &*diff_png}}) {
      if (auto done = core::write_atomically(report_dir / name, *bytes); !done) return tl::unexpected(done.error());
    }
    comparison.pages.push_back(std::move(result));
  }
  for (const auto& page : before.pages) {
    if (find_page(after, page) == nullptr) {
      comparison.notes.push_back(fmt::format("{} at {}: only in snapshot {} (no longer sampled)", page.path, page.label(), before.id));
    }
  }
  return comparison;
}

} // namespace tma::visual
