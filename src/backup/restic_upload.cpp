// Writing to a restic storage: streamed uploads (ResticUpload), the manifest snapshot, the upload
// of a verified local backup, forgetting, and the cache of manifests read back.
#include <tma/core/clock.hpp>
#include <tma/backup/restic.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include <tma/core/text.hpp>
#include <tma/core/timezone.hpp>

namespace tma::backup {

namespace fs = std::filesystem;
using core::ErrorKind;

namespace {

constexpr std::size_t k_summary_keep = 64 * 1024; // restic's last JSON lines: the summary is the last
constexpr std::size_t k_read_chunk = 1 << 16;

} // namespace

bool is_restic_snapshot_id(std::string_view id) {
  if (id.size() != 64 && id.size() != 8) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// ----- the manifest cache -----

std::optional<std::string> ResticStore::cached_manifest(const std::string &snapshot) const {
  if (!is_restic_snapshot_id(snapshot)) return std::nullopt;
  // `restic backup` names the snapshot it made by its short id: an upload caches under that one,
  // the first listing (full ids) under the full one. The listing checks the manifest against the
  // snapshot's tags either way.
  for (const auto &key : {snapshot, snapshot.substr(0, 8)}) {
    std::ifstream in(manifest_cache_dir() + "/" + key + ".json", std::ios::binary);
    if (!in) continue;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  return std::nullopt;
}

void ResticStore::remember_manifest(const std::string &snapshot, const std::string &text) const {
  // Best effort: without the cache, a listing reads the manifest with `restic dump` again.
  if (!is_restic_snapshot_id(snapshot)) return;
  std::error_code ec;
  fs::create_directories(manifest_cache_dir(), ec);
  std::string path = manifest_cache_dir() + "/" + snapshot + ".json";
  if (fs::exists(path, ec)) return;
  std::string partial = path + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) {
      fs::remove(partial, ec);
      return;
    }
  }
  fs::rename(partial, path, ec);
}

// ----- ResticUpload -----

core::Result<std::unique_ptr<ResticUpload>> ResticStore::start_upload(const Manifest &manifest,
                                                                      const std::string &file) {
  auto tags = restic_tags(manifest, file);
  if (!tags) return tl::unexpected(tags.error());
  if (auto password = ensure_password(); !password) return tl::unexpected(password.error());
  auto upload = std::make_unique<ResticUpload>(ResticUpload::Key{});
  upload->m_store = this;
  upload->m_file = file;
  upload->m_site = manifest.site;
  upload->m_env = manifest.env;
  upload->m_what = fmt::format("restic backup of {} {} {}", manifest.site, manifest.env, file);
  upload->m_args = {"backup", "--json", "--stdin", "--stdin-filename", file};
  for (const auto &tag : *tags) {
    upload->m_args.push_back("--tag");
    upload->m_args.push_back(tag);
  }
  upload->m_tags = std::move(*tags);
  auto *self = upload.get();
  auto feed = PipeFeed::start([self](const PipeFeed::Input &input) {
    transport::TailBuffer output(k_summary_keep);
    transport::ProcessOptions options; // no timeout: restic takes what the repository needs
    options.on_stdout = [&output](std::string_view chunk) {
      output.append(chunk);
      return true;
    };
    options.stdin_fd = input.fd; // restic reads tma's pipe itself
    self->m_ran = self->m_store->restic(self->m_args, options, self->m_what);
    self->m_output = output.str();
  });
  if (!feed) return tl::unexpected(feed.error());
  upload->m_feed = std::move(*feed);
  return upload;
}

ResticUpload::~ResticUpload() = default; // the feed ends the stream and waits for restic

bool ResticUpload::push(std::string_view chunk) {
  if (!m_feed->push(chunk)) return false;
  m_pushed += chunk.size();
  return true;
}

core::Result<std::string> ResticUpload::finish() {
  if (m_result) return *m_result;
  m_feed->finish();
  auto summary = parse_restic_summary(m_output);
  if (summary) {
    m_made = summary->snapshot_id;
    m_store->note_made(m_site, m_env,
                       ResticSnapshot{summary->snapshot_id,
                                      core::format_rfc3339_utc(core::wall_now()),
                                      m_tags, {"/" + m_file}});
  }
  if (!m_ran) {
    m_result = tl::unexpected(m_ran.error());
  } else if (!summary) {
    m_result = core::fail(ErrorKind::io, fmt::format("{}: {}", m_what, summary.error()));
  } else if (summary->bytes != m_pushed) {
    m_result = core::fail(ErrorKind::io,
                          fmt::format("{}: restic read {} bytes, tma sent {}", m_what, summary->bytes, m_pushed));
  } else {
    m_result = summary->snapshot_id;
  }
  return *m_result;
}

core::Result<std::unique_ptr<ResticUpload>> ResticStore::start_manifest_upload(const Manifest &manifest) {
  return start_upload(manifest, "manifest.json");
}

core::Result<std::string> ResticStore::finish_manifest_upload(ResticUpload &upload, const Manifest &manifest) {
  std::string text = to_json(manifest).dump(2) + "\n";
  upload.push(text);
  auto snapshot = upload.finish();
  if (!snapshot) {
    if (auto made = upload.made()) (void)forget({*made}); // a refused manifest must not list the backup
    return snapshot;
  }
  remember_manifest(*snapshot, text);
  return snapshot;
}

core::Result<std::string> ResticStore::upload_manifest(const Manifest &manifest) {
  auto upload = start_manifest_upload(manifest);
  if (!upload) return tl::unexpected(upload.error());
  return finish_manifest_upload(**upload, manifest);
}

// ----- from a verified local backup -----

core::Result<std::map<std::string, std::string>> ResticStore::upload(const std::string &dir, const Manifest &manifest) {
  std::map<std::string, std::string> made;
  auto undo = [&](core::Error error) -> core::Result<std::map<std::string, std::string>> {
    if (auto gone = forget_backup(made); !gone) {
      error.message += fmt::format(" (and forgetting the partial snapshots failed: {})", gone.error().message);
    }
    return tl::unexpected(std::move(error));
  };
  for (const auto &artifact : manifest.artifacts) {
    auto path = dir + "/" + artifact.name;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return undo(core::Error{ErrorKind::io, fmt::format("cannot read {}: {}", path, std::strerror(errno))});
    auto upload = start_upload(manifest, artifact.name);
    if (!upload) {
      ::close(fd);
      return undo(upload.error());
    }
    std::string buffer(k_read_chunk, '\0');
    std::optional<std::string> read_error;
    for (;;) {
      ssize_t n = ::read(fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) read_error = fmt::format("cannot read {}: {}", path, std::strerror(errno));
      if (n <= 0 || !(*upload)->push(std::string_view(buffer.data(), static_cast<std::size_t>(n)))) break;
    }
    ::close(fd);
    auto snapshot = (*upload)->finish();
    if (auto id = (*upload)->made()) made[artifact.name] = *id;
    if (read_error) return undo(core::Error{ErrorKind::io, *read_error});
    if (!snapshot) return undo(snapshot.error());
    if ((*upload)->pushed() != artifact.size) {
      return undo(core::Error{ErrorKind::io, fmt::format("restic backup of {}: {} bytes sent, the manifest says {}",
                                                         artifact.name, (*upload)->pushed(), artifact.size)});
    }
  }
  auto manifest_snapshot = upload_manifest(manifest); // last: the backup exists once it is there
  if (!manifest_snapshot) return undo(manifest_snapshot.error());
  made["manifest.json"] = *manifest_snapshot;
  return made;
}

core::Result<void> ResticStore::forget_backup(const std::map<std::string, std::string> &snapshot_by_file) {
  // As the local store deletes manifest.json first.
  auto manifest = snapshot_by_file.find("manifest.json");
  if (manifest != snapshot_by_file.end()) {
    if (auto gone = forget({manifest->second}); !gone) return gone;
  }
  std::vector<std::string> rest;
  for (const auto &[file, id] : snapshot_by_file) {
    if (file != "manifest.json") rest.push_back(id);
  }
  return forget(rest);
}

core::Result<void> ResticStore::forget(const std::vector<std::string> &ids) {
  if (ids.empty()) return {};
  std::vector<std::string> args{"forget"};
  args.insert(args.end(), ids.begin(), ids.end());
  transport::ProcessOptions options;
  options.timeout = k_restic_timeout;
  auto ran = restic(args, options, "forgetting snapshots");
  if (!ran) return tl::unexpected(ran.error());
  note_forgotten(ids);
  std::error_code ec;
  for (const auto &id : ids) {
    if (!is_restic_snapshot_id(id)) continue;
    fs::remove(manifest_cache_dir() + "/" + id + ".json", ec);
    fs::remove(manifest_cache_dir() + "/" + id.substr(0, 8) + ".json", ec);
  }
  return {};
}

} // namespace tma::backup
