// Snapshots on disk (docs/visual.md "Files"): `<root>/<site>/<env>/<id>/`, one PNG and one text file
// per page and width, and `manifest.json` written last and atomically. A directory without its
// manifest is an incomplete snapshot: never listed, never compared, removed by the retention.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <tma/core/error.hpp>
#include <tma/visual/capture.hpp>

namespace tma::visual {

/// One page at one width in a snapshot.
struct SnapshotPage {
  std::string path;       ///< of the site, `/about/`
  std::string url;        ///< as captured
  int width = 0;          ///< viewport width
  bool mobile = false;
  std::string image_file; ///< PNG, relative to the snapshot's directory; "" when the capture failed
  std::string text_file;  ///< JSON {visible_text, main_text}, likewise
  int image_width = 0;
  int image_height = 0;
  bool network_idle = false;
  long http_status = 0;
  std::string error;      ///< why the capture failed; "" when it did not
  std::string label() const { return width_label(width, mobile); }
};

struct SnapshotManifest {
  std::string id;      ///< `20261205T081500Z`, with `-2`, `-3`... when taken in the same second
  std::string site;
  std::string env;
  std::string taken_at; ///< ISO 8601 UTC
  std::string sitemap;  ///< the sitemap sampled; "" when none
  std::vector<SnapshotPage> pages;
  std::vector<std::string> notes;
};

/// The shown text of a capture, as stored next to its PNG.
struct PageText {
  std::string visible_text;
  std::string main_text;
};

/// Snapshots of all sites under `root` (`<agency directory>/visual`).
class SnapshotStore {
public:
  explicit SnapshotStore(std::filesystem::path root) : m_root(std::move(root)) {}
  const std::filesystem::path& root() const { return m_root; }
  std::filesystem::path directory(const std::string& site, const std::string& env) const { return m_root / site / env; }

  /// A new, empty snapshot directory for `site`/`env`; its id from `now` (UTC, to the second).
  core::Result<SnapshotManifest> begin(const std::string& site, const std::string& env,
                                       std::chrono::system_clock::time_point now) const;
  /// Write one capture's PNG and text into the snapshot `manifest` (not yet complete) and fill
  /// `page`'s file names. `stem` names the files (`p03-390m`).
  core::Result<void> write_capture(const SnapshotManifest& manifest, const std::string& stem, const Capture& capture,
                                   SnapshotPage& page) const;
  /// Write `manifest.json` (temp file, fsync, rename): the snapshot is complete from then on.
  core::Result<void> complete(const SnapshotManifest& manifest) const;

  /// The complete snapshots of `site`/`env`, oldest first.
  core::Result<std::vector<SnapshotManifest>> list(const std::string& site, const std::string& env) const;
  /// The complete snapshot `id`; an io error when it is missing or incomplete.
  core::Result<SnapshotManifest> read(const std::string& site, const std::string& env, const std::string& id) const;

  std::filesystem::path file(const SnapshotManifest& manifest, const std::string& name) const {
    return directory(manifest.site, manifest.env) / manifest.id / name;
  }
  core::Result<std::string> read_image(const SnapshotManifest& manifest, const SnapshotPage& page) const;
  core::Result<PageText> read_text(const SnapshotManifest& manifest, const SnapshotPage& page) const;

  /// Keep the newest `keep` complete snapshots of `site`/`env`; remove the older ones, and the
  /// incomplete ones not touched for `stale` (a crashed run's; a running one's stays). Returns the
  /// ids removed. A comparison whose after snapshot is removed is removed too.
  core::Result<std::vector<std::string>> retain(const std::string& site, const std::string& env, int keep,
                                                std::chrono::system_clock::time_point now,
                                                std::chrono::seconds stale = std::chrono::hours(1)) const;

private:
  std::filesystem::path m_root;
};

/// `manifest` as JSON, and back (pure; a malformed manifest is an io error naming what is wrong).
std::string manifest_json(const SnapshotManifest& manifest);
core::Result<SnapshotManifest> parse_manifest(const std::string& text);

/// A snapshot id tma writes: `YYYYMMDDTHHMMSSZ` with an optional `-N`; anything else under the
/// store (a file a user dropped there) is not a snapshot.
bool is_snapshot_id(const std::string& id);

} // namespace tma::visual
