// Comparing two snapshots of a site: per page and width the pixel difference, the shown text added
// and removed, and the verdict; the images of each comparison copied next to its HTML page.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/visual/diff.hpp>
#include <tma/visual/store.hpp>
#include <tma/visual/text.hpp>

namespace tma::visual {

struct PageComparison {
  std::string path;
  std::string url;
  int width = 0;
  bool mobile = false;
  Verdict verdict = Verdict::same;
  std::vector<std::string> reasons;
  double changed_share = 0;
  std::vector<std::string> text_added;
  std::vector<std::string> text_removed;
  std::string error;        ///< a capture failed or could not be read: no verdict (the site failed)
  std::string before_image; ///< relative to the report's directory; "" when none
  std::string after_image;
  std::string diff_image;
  std::string label() const { return width_label(width, mobile); }
};

struct Comparison {
  std::string site;
  std::string env;
  SnapshotManifest before;
  SnapshotManifest after;
  Thresholds thresholds;
  std::vector<PageComparison> pages;
  std::vector<std::string> notes; ///< pages only one of the snapshots has
  std::filesystem::path report;   ///< the HTML page; empty until written
  bool failed() const;            ///< a page has an error
  Verdict worst() const;
};

/// One page at one width (pure): the verdict of `after` against `before`.
struct PageEvidence {
  DiffResult diff;
  TextChange text;
  Judgement judgement;
};
PageEvidence compare_capture(const Image& before, const PageText& before_text, const Image& after, const PageText& after_text,
                             const Thresholds& thresholds, const DiffOptions& options = {});

/// Compare `after` with `before` page by page (matched by path and width), writing the before,
/// after and difference PNGs of each into `report_dir` (created). Pages only one snapshot has are
/// notes, not comparisons.
core::Result<Comparison> compare_snapshots(const SnapshotStore& store, const SnapshotManifest& before,
                                           const SnapshotManifest& after, const Thresholds& thresholds,
                                           const std::filesystem::path& report_dir, const DiffOptions& options = {});

/// The HTML page of `comparison` (kainjow mustache, templates/visual.html.mustache): before, after
/// and difference side by side per page and width, the verdict, its reasons and the text changes,
/// every text HTML-escaped, images referenced relatively.
core::Result<std::string> render_comparison_html(const Comparison& comparison);

/// `<root>/<site>/<env>/comparisons/<after id>-vs-<before id>`.
std::filesystem::path comparison_directory(const SnapshotStore& store, const SnapshotManifest& before,
                                           const SnapshotManifest& after);

/// Write the HTML page of `comparison` into `dir` (index.html, atomically) and set `report`.
core::Result<void> write_comparison_report(Comparison& comparison, const std::filesystem::path& dir);

} // namespace tma::visual
