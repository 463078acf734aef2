#include <tma/visual/store.hpp>

#include <algorithm>
#include <set>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <tma/core/atomic_file.hpp>
#include <tma/core/json.hpp>

#include "visual/files.hpp"

namespace tma::visual {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::uintmax_t k_max_manifest_bytes = 4 * 1024 * 1024;
constexpr std::uintmax_t k_max_png_bytes = 256 * 1024 * 1024;
constexpr std::uintmax_t k_max_text_bytes = 16 * 1024 * 1024;
const char* const k_manifest = "manifest.json";

// Readers that never throw: a manifest is a file on disk a user may have edited.
long long_of(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<long>() : 0;
}
bool bool_of(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

// A file name the manifest may point to: `[A-Za-z0-9._-]+` without a leading dot, so that a manifest
// never leads a read outside its snapshot.
bool is_plain_file_name(const std::string& name) {
  if (name.empty() || name.front() == '.' || name.size() > 100) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

} // namespace

bool is_snapshot_id(const std::string& id) {
  // YYYYMMDDTHHMMSSZ[-N]
  if (id.size() < 16 || id.size() > 22 || id[8] != 'T' || id[15] != 'Z') return false;
  for (std::size_t i = 0; i < 15; ++i) {
    if (i != 8 && (id[i] < '0' || id[i] > '9')) return false;
  }
  if (id.size() == 16) return true;
  if (id[16] != '-' || id.size() == 17) return false;
  return std::all_of(id.begin() + 17, id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string manifest_json(const SnapshotManifest& manifest) {
  json pages = json::array();
  for (const auto& p : manifest.pages) {
    pages.push_back({{"path", p.path}, {"url", p.url}, {"width", p.width}, {"mobile", p.mobile},
                     {"image", p.image_file}, {"text", p.text_file}, {"image_width", p.image_width},
                     {"image_height", p.image_height}, {"network_idle", p.network_idle},
                     {"http_status", p.http_status}, {"error", p.error}});
  }
  json doc{{"schema", "tma.visual.snapshot/1"}, {"id", manifest.id},     {"site", manifest.site},
           {"env", manifest.env},               {"taken_at", manifest.taken_at}, {"sitemap", manifest.sitemap},
           {"pages", pages},                    {"notes", manifest.notes}};
  return doc.dump(2) + "\n";
}

core::Result<SnapshotManifest> parse_manifest(const std::string& text) {
  auto doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return core::fail(core::ErrorKind::io, "manifest is not a JSON object");
  if (core::json_string(doc, "schema") != "tma.visual.snapshot/1") {
    return core::fail(core::ErrorKind::io, "manifest has an unknown schema");
  }
  SnapshotManifest m;
  m.id = core::json_string(doc, "id");
  m.site = core::json_string(doc, "site");
  m.env = core::json_string(doc, "env");
  m.taken_at = core::json_string(doc, "taken_at");
  m.sitemap = core::json_string(doc, "sitemap");
  if (!is_snapshot_id(m.id)) return core::fail(core::ErrorKind::io, fmt::format("manifest has a malformed id '{}'", m.id));
  auto notes = doc.find("notes");
  if (notes != doc.end() && notes->is_array()) {
    for (const auto& n : *notes) {
      if (n.is_string()) m.notes.push_back(n.get<std::string>());
    }
  }
  auto pages = doc.find("pages");
  if (pages == doc.end() || !pages->is_array()) return core::fail(core::ErrorKind::io, "manifest has no pages");
  for (const auto& p : *pages) {
    SnapshotPage page;
    page.path = core::json_string(p, "path");
    page.url = core::json_string(p, "url");
    page.width = static_cast<int>(long_of(p, "width"));
    page.mobile = bool_of(p, "mobile");
    page.image_file = core::json_string(p, "image");
    page.text_file = core::json_string(p, "text");
    page.image_width = static_cast<int>(long_of(p, "image_width"));
    page.image_height = static_cast<int>(long_of(p, "image_height"));
    page.network_idle = bool_of(p, "network_idle");
    page.http_status = long_of(p, "http_status");
    page.error = core::json_string(p, "error");
    for (const auto* name : {&page.image_file, &page.text_file}) {
      if (!name->empty() && !is_plain_file_name(*name)) {
        return core::fail(core::ErrorKind::io, fmt::format("manifest names a file outside its snapshot: '{}'", *name));
      }
    }
    m.pages.push_back(std::move(page));
  }
  return m;
}

core::Result<SnapshotManifest> SnapshotStore::begin(const std::string& site, const std::string& env,
                                                    std::chrono::system_clock::time_point now) const {
  // UTC, whatever the machine's zone (fmt's time_point formatting uses the local zone in fmt 9).
  auto utc = fmt::gmtime(std::chrono::system_clock::to_time_t(now));
  SnapshotManifest m;
  m.site = site;
  m.env = env;
  m.taken_at = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", utc);
  auto base = fmt::format("{:%Y%m%dT%H%M%SZ}", utc);
  auto dir = directory(site, env);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return core::fail(core::ErrorKind::io, fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  // create_directory answers false when the directory exists: the next suffix is tried, so two runs
  // in the same second get two snapshots.
  for (int n = 1; n <= 1000; ++n) {
    auto id = n == 1 ? base : fmt::format("{}-{}", base, n);
    if (fs::create_directory(dir / id, ec)) {
      m.id = id;
      return m;
    }
    if (ec) return core::fail(core::ErrorKind::io, fmt::format("cannot create {}: {}", (dir / id).string(), ec.message()));
  }
  return core::fail(core::ErrorKind::io, fmt::format("too many snapshots in {} within one second", dir.string()));
}

core::Result<void> SnapshotStore::write_capture(const SnapshotManifest& manifest, const std::string& stem,
                                                const Capture& capture, SnapshotPage& page) const {
  if (!is_plain_file_name(stem + ".png")) return core::fail(core::ErrorKind::internal, fmt::format("bad file stem '{}'", stem));
  auto image = stem + ".png";
  auto text = stem + ".json";
  if (auto done = core::write_atomically(file(manifest, image), capture.png); !done) return done;
  json doc{{"visible_text", capture.visible_text}, {"main_text", capture.main_text}};
  // Text from a page may be invalid UTF-8: replaced rather than refused.
  if (auto done = core::write_atomically(file(manifest, text), doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n"); !done) {
    return done;
  }
  page.image_file = image;
  page.text_file = text;
  return {};
}

core::Result<void> SnapshotStore::complete(const SnapshotManifest& manifest) const {
  return core::write_atomically(file(manifest, k_manifest), manifest_json(manifest));
}

core::Result<std::vector<SnapshotManifest>> SnapshotStore::list(const std::string& site, const std::string& env) const {
  std::vector<SnapshotManifest> found;
  auto dir = directory(site, env);
  std::error_code ec;
  if (!fs::exists(dir, ec)) return found;
  std::vector<std::string> ids;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    auto id = entry.path().filename().string();
    if (is_snapshot_id(id) && entry.is_directory(ec) && fs::exists(entry.path() / k_manifest, ec)) ids.push_back(id);
  }
  if (ec) return core::fail(core::ErrorKind::io, fmt::format("cannot list {}: {}", dir.string(), ec.message()));
  // Ids sort as their times; `-10` after `-9` needs the numeric suffix.
  std::sort(ids.begin(), ids.end(), [](const std::string& a, const std::string& b) {
    if (a.substr(0, 16) != b.substr(0, 16)) return a < b;
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  for (const auto& id : ids) {
    auto m = read(site, env, id);
    if (!m) return tl::unexpected(m.error());
    found.push_back(std::move(*m));
  }
  return found;
}

core::Result<SnapshotManifest> SnapshotStore::read(const std::string& site, const std::string& env, const std::string& id) const {
  if (!is_snapshot_id(id)) return core::fail(core::ErrorKind::usage, fmt::format("'{}' is not a snapshot id (such as 20261205T081500Z)", id));
  auto path = directory(site, env) / id / k_manifest;
  auto text = detail::read_file(path, k_max_manifest_bytes);
  if (!text) return core::fail(core::ErrorKind::io, fmt::format("no complete snapshot {} of {} {}", id, site, env));
  auto m = parse_manifest(*text);
  if (!m) return core::fail(core::ErrorKind::io, fmt::format("{}: {}", path.string(), m.error().message));
  if (m->id != id || m->site != site || m->env != env) {
    return core::fail(core::ErrorKind::io, fmt::format("{}: the manifest is of another snapshot", path.string()));
  }
  return m;
}

core::Result<std::string> SnapshotStore::read_image(const SnapshotManifest& manifest, const SnapshotPage& page) const {
  if (page.image_file.empty()) return core::fail(core::ErrorKind::io, "no image: the capture failed");
  return detail::read_file(file(manifest, page.image_file), k_max_png_bytes);
}

core::Result<PageText> SnapshotStore::read_text(const SnapshotManifest& manifest, const SnapshotPage& page) const {
  if (page.text_file.empty()) return core::fail(core::ErrorKind::io, "no text: the capture failed");
  auto text = detail::read_file(file(manifest, page.text_file), k_max_text_bytes);
  if (!text) return tl::unexpected(text.error());
  auto doc = json::parse(*text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return core::fail(core::ErrorKind::io, fmt::format("{}: not a JSON object", file(manifest, page.text_file).string()));
  }
  return PageText{core::json_string(doc, "visible_text"), core::json_string(doc, "main_text")};
}

core::Result<std::vector<std::string>> SnapshotStore::retain(const std::string& site, const std::string& env, int keep,
                                                             std::chrono::system_clock::time_point now,
                                                             std::chrono::seconds stale) const {
  std::vector<std::string> removed;
  auto complete_ones = list(site, env);
  if (!complete_ones) return tl::unexpected(complete_ones.error());
  auto dir = directory(site, env);
  std::error_code ec;
  auto drop = [&](const std::string& id) -> core::Result<void> {
    fs::remove_all(dir / id, ec);
    if (ec) return core::fail(core::ErrorKind::io, fmt::format("cannot remove {}: {}", (dir / id).string(), ec.message()));
    removed.push_back(id);
    return {};
  };
  const auto count = static_cast<int>(complete_ones->size());
  for (int i = 0; i + keep < count; ++i) {
    if (auto done = drop((*complete_ones)[static_cast<std::size_t>(i)].id); !done) return tl::unexpected(done.error());
  }
  // Incomplete snapshots: a directory without a manifest, untouched for `stale`.
  std::vector<std::string> incomplete;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    auto id = entry.path().filename().string();
    if (!is_snapshot_id(id) || !entry.is_directory(ec) || fs::exists(entry.path() / k_manifest, ec)) continue;
    auto written = fs::last_write_time(entry.path(), ec);
    if (ec) continue;
    auto age = now - std::chrono::file_clock::to_sys(written);
    if (age >= stale) incomplete.push_back(id);
  }
  for (const auto& id : incomplete) {
    if (auto done = drop(id); !done) return tl::unexpected(done.error());
  }
  // A comparison (`comparisons/<after>-vs-<before>`) goes with its after snapshot.
  std::set<std::string> kept;
  for (int i = std::max(0, count - keep); i < count; ++i) kept.insert((*complete_ones)[static_cast<std::size_t>(i)].id);
  auto comparisons = dir / "comparisons";
  if (fs::exists(comparisons, ec)) {
    std::vector<fs::path> stale_reports;
    for (const auto& entry : fs::directory_iterator(comparisons, ec)) {
      auto name = entry.path().filename().string();
      auto cut = name.find("-vs-");
      if (cut != std::string::npos && is_snapshot_id(name.substr(0, cut)) && !kept.count(name.substr(0, cut))) {
        stale_reports.push_back(entry.path());
      }
    }
    for (const auto& path : stale_reports) {
      fs::remove_all(path, ec);
      if (ec) return core::fail(core::ErrorKind::io, fmt::format("cannot remove {}: {}", path.string(), ec.message()));
    }
  }
  return removed;
}

} // namespace tma::visual
