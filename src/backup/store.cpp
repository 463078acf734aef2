#include <tma/backup/store.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include <tma/backup/verify.hpp>

namespace tma::backup {

namespace fs = std::filesystem;
using core::ErrorKind;

namespace {

std::string errno_text(int err) { return std::strerror(err); }

/// Write all of `data` to `fd`, retrying short writes and EINTR.
bool write_all(int fd, std::string_view data, int& err) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::uint64_t tree_bytes(const fs::path& path) {
  std::uint64_t total = 0;
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return fs::file_size(path, ec);
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

} // namespace

core::Result<FileDigest> digest_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return core::fail(ErrorKind::io, fmt::format("cannot open {}: {}", path, errno_text(errno)));
  Sha256 hash;
  FileDigest digest;
  std::string buffer(1 << 20, '\0');
  while (true) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return core::fail(ErrorKind::io, fmt::format("cannot read {}: {}", path, errno_text(err)));
    }
    if (n == 0) break;
    hash.update(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    digest.size += static_cast<std::uint64_t>(n);
  }
  ::close(fd);
  digest.sha256 = hash.hex();
  return digest;
}

core::Result<void> fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return core::fail(ErrorKind::io, fmt::format("cannot open directory {}: {}", dir, errno_text(errno)));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return core::fail(ErrorKind::io, fmt::format("cannot fsync {}: {}", dir, errno_text(err)));
  return {};
}

// ----- ArtifactWriter -----

ArtifactWriter::ArtifactWriter(std::string dir, std::string name, int fd)
    : m_dir(std::move(dir)), m_name(std::move(name)), m_partial(m_dir + "/" + m_name + ".partial"), m_fd(fd) {}

core::Result<std::unique_ptr<ArtifactWriter>> ArtifactWriter::create(const std::string& dir, const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos || name[0] == '.' || name == "manifest.json") {
    return core::fail(ErrorKind::config, fmt::format("bad artifact name '{}'", name));
  }
  std::string partial = dir + "/" + name + ".partial";
  int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return core::fail(ErrorKind::io, fmt::format("cannot create {}: {}", partial, errno_text(errno)));
  return std::unique_ptr<ArtifactWriter>(new ArtifactWriter(dir, name, fd));
}

ArtifactWriter::~ArtifactWriter() {
  if (m_fd >= 0) ::close(m_fd);
  if (!m_committed) ::unlink(m_partial.c_str());
}

bool ArtifactWriter::write(std::string_view chunk) {
  if (m_error || m_fd < 0) return false;
  int err = 0;
  m_hash.begin(chunk); // hashed on the hasher's thread while this one writes the same bytes
  bool written = write_all(m_fd, chunk, err);
  m_hash.end();
  if (!written) {
    m_error = fmt::format("cannot write {}: {}", m_partial, errno_text(err));
    return false;
  }
  m_size += chunk.size();
  // Start writing back each completed 8 MiB window now, while the stream goes on, so that the
  // fsync in finish() waits for the last window only instead of the whole file (and dirty pages
  // stay bounded). A hint: the fsync is what guarantees durability, so errors are ignored.
  constexpr std::uint64_t k_window = 8 << 20;
  if (m_size - m_flushed >= k_window) {
    std::uint64_t end = m_size - m_size % k_window;
    ::sync_file_range(m_fd, static_cast<off_t>(m_flushed), static_cast<off_t>(end - m_flushed),
                      SYNC_FILE_RANGE_WRITE);
    m_flushed = end;
  }
  return true;
}

core::Result<void> ArtifactWriter::finish() {
  if (m_fd < 0) return core::fail(ErrorKind::internal, "artifact already finished");
  int fd = std::exchange(m_fd, -1);
  if (m_error) {
    ::close(fd);
    return core::fail(ErrorKind::io, *m_error);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return core::fail(ErrorKind::io, fmt::format("cannot fsync {}: {}", m_partial, errno_text(err)));
  }
  if (::close(fd) != 0) return core::fail(ErrorKind::io, fmt::format("cannot close {}: {}", m_partial, errno_text(errno)));
  m_digest = m_hash.hex();
  return {};
}

core::Result<void> ArtifactWriter::commit() {
  if (m_fd >= 0 || m_digest.empty()) return core::fail(ErrorKind::internal, "artifact committed before finish()");
  std::string final_path = m_dir + "/" + m_name;
  if (::rename(m_partial.c_str(), final_path.c_str()) != 0) {
    return core::fail(ErrorKind::io, fmt::format("cannot rename {}: {}", m_partial, errno_text(errno)));
  }
  m_committed = true;
  return fsync_dir(m_dir);
}

// ----- ids -----

std::string backup_id(core::SysSeconds time) {
  auto text = core::format_rfc3339_utc(time); // 2026-11-29T01:02:03Z
  std::string id;
  for (char c : text) {
    if (c != '-' && c != ':') id += c;
  }
  return id; // 20261129T010203Z
}

std::optional<core::SysSeconds> parse_backup_id(std::string_view id) {
  auto base = id.substr(0, id.find('-'));
  if (base.size() != 16 || base[8] != 'T' || base[15] != 'Z') return std::nullopt;
  std::string text = fmt::format("{}-{}-{}T{}:{}:{}Z", base.substr(0, 4), base.substr(4, 2), base.substr(6, 2),
                                 base.substr(9, 2), base.substr(11, 2), base.substr(13, 2));
  auto parsed = core::parse_rfc3339(text);
  if (!parsed) return std::nullopt;
  return *parsed;
}

// ----- LocalStore -----

std::string LocalStore::site_dir(const std::string& site) const { return m_root + "/" + site; }
std::string LocalStore::env_dir(const std::string& site, const std::string& env) const {
  return m_root + "/" + site + "/" + env;
}

core::Result<LocalStore::Listing> LocalStore::list(const std::string& site, const std::string& env) const {
  Listing listing;
  std::error_code ec;
  fs::path dir = env_dir(site, env);
  if (!fs::exists(dir, ec)) return listing;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (!it->is_directory(ec)) continue;
    auto manifest_path = it->path() / "manifest.json";
    if (!fs::exists(manifest_path, ec)) continue; // an unfinished backup does not exist
    std::ifstream in(manifest_path);
    std::stringstream text;
    text << in.rdbuf();
    auto json = nlohmann::json::parse(text.str(), nullptr, false);
    auto manifest = json.is_discarded() ? tl::unexpected<std::string>("not JSON") : manifest_from_json(json);
    if (!manifest) {
      listing.problems.push_back(fmt::format("{}: {}", manifest_path.string(), manifest.error()));
      continue;
    }
    if (manifest->id != it->path().filename().string() || manifest->site != site || manifest->env != env) {
      listing.problems.push_back(fmt::format("{}: manifest does not describe this directory", manifest_path.string()));
      continue;
    }
    listing.backups.push_back(StoredBackup{std::move(*manifest), it->path().string(), {}});
  }
  if (ec) return core::fail(ErrorKind::io, fmt::format("cannot list {}: {}", dir.string(), ec.message()));
  std::sort(listing.backups.begin(), listing.backups.end(), [](const StoredBackup& a, const StoredBackup& b) {
    return a.manifest.time != b.manifest.time ? a.manifest.time > b.manifest.time : a.manifest.id > b.manifest.id;
  });
  return listing;
}

std::vector<std::string> LocalStore::verify(const StoredBackup& backup) const {
  return verify_backup(backup.dir, backup.manifest);
}

std::vector<std::string> LocalStore::envs(const std::string& site) const {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::directory_iterator(site_dir(site), ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) out.push_back(it->path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

core::Result<std::vector<Leftover>> LocalStore::clean_leftovers(const std::string& site, const std::string& env) {
  std::vector<Leftover> removed;
  std::error_code ec;
  fs::path dir = env_dir(site, env);
  if (!fs::exists(dir, ec)) return removed;
  std::vector<fs::path> doomed;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) {
      if (!fs::exists(it->path() / "manifest.json", ec)) {
        doomed.push_back(it->path());
        continue;
      }
      std::error_code inner;
      for (auto f = fs::directory_iterator(it->path(), inner); !inner && f != fs::directory_iterator(); f.increment(inner)) {
        if (f->path().extension() == ".partial") doomed.push_back(f->path());
      }
    } else if (it->path().extension() == ".partial") {
      doomed.push_back(it->path());
    }
  }
  for (const auto& path : doomed) {
    Leftover leftover{path.string(), tree_bytes(path)};
    fs::remove_all(path, ec);
    if (ec) return core::fail(ErrorKind::io, fmt::format("cannot remove leftover {}: {}", path.string(), ec.message()));
    removed.push_back(std::move(leftover));
  }
  if (!removed.empty()) {
    if (auto synced = fsync_dir(dir.string()); !synced) return tl::unexpected(synced.error());
  }
  return removed;
}

core::Result<std::string> LocalStore::create(const std::string& site, const std::string& env, core::SysSeconds time) {
  std::error_code ec;
  fs::path dir = env_dir(site, env);
  fs::create_directories(dir, ec);
  if (ec) return core::fail(ErrorKind::io, fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  std::string base = backup_id(time);
  for (int n = 1; n < 100; ++n) {
    std::string id = n == 1 ? base : fmt::format("{}-{}", base, n);
    fs::path path = dir / id;
    if (::mkdir(path.c_str(), 0700) == 0) {
      if (auto synced = fsync_dir(dir.string()); !synced) return tl::unexpected(synced.error());
      return id;
    }
    if (errno != EEXIST) {
      return core::fail(ErrorKind::io, fmt::format("cannot create {}: {}", path.string(), errno_text(errno)));
    }
  }
  return core::fail(ErrorKind::io, fmt::format("too many backups started at {} in {}", base, dir.string()));
}

core::Result<void> LocalStore::write_manifest(const std::string& site, const std::string& env, const Manifest& manifest) {
  std::string dir = env_dir(site, env) + "/" + manifest.id;
  auto writer = ArtifactWriter::create(dir, "manifest.json.tmp");
  if (!writer) return tl::unexpected(writer.error());
  (*writer)->write(to_json(manifest).dump(2) + "\n");
  if (auto done = (*writer)->finish(); !done) return done;
  std::string partial = (*writer)->partial_path();
  if (::rename(partial.c_str(), (dir + "/manifest.json").c_str()) != 0) {
    return core::fail(ErrorKind::io, fmt::format("cannot write manifest in {}: {}", dir, errno_text(errno)));
  }
  return fsync_dir(dir);
}

core::Result<void> LocalStore::remove(const std::string& site, const std::string& env, const std::string& id) {
  if (id.empty() || id.find('/') != std::string::npos || id[0] == '.') {
    return core::fail(ErrorKind::usage, fmt::format("bad backup id '{}'", id));
  }
  fs::path dir = fs::path(env_dir(site, env)) / id;
  // The manifest goes first: from then on the backup no longer exists, and an interruption leaves
  // a leftover that the next run removes.
  if (::unlink((dir / "manifest.json").c_str()) != 0 && errno != ENOENT) {
    return core::fail(ErrorKind::io, fmt::format("cannot remove {}/manifest.json: {}", dir.string(), errno_text(errno)));
  }
  if (auto synced = fsync_dir(dir.string()); !synced) return synced;
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) return core::fail(ErrorKind::io, fmt::format("cannot remove {}: {}", dir.string(), ec.message()));
  return fsync_dir(env_dir(site, env));
}

// ----- SiteLock -----

core::Result<SiteLock> SiteLock::acquire(const std::string& site_dir, const std::string& holder,
                                         std::chrono::milliseconds wait) {
  std::error_code ec;
  fs::create_directories(site_dir, ec);
  if (ec) return core::fail(ErrorKind::io, fmt::format("cannot create {}: {}", site_dir, ec.message()));
  std::string path = site_dir + "/.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return core::fail(ErrorKind::io, fmt::format("cannot open {}: {}", path, errno_text(errno)));
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int err = errno;
      ::close(fd);
      return core::fail(ErrorKind::io, fmt::format("cannot lock {}: {}", path, errno_text(err)));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string who(512, '\0');
      ssize_t n = ::pread(fd, who.data(), who.size(), 0);
      who.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
      while (!who.empty() && (who.back() == '\n' || who.back() == '\0')) who.pop_back();
      ::close(fd);
      return core::fail(ErrorKind::locked, fmt::format("{} is locked by {}", site_dir,
                                                       who.empty() ? std::string("another tma") : who));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Describe ourselves for whoever finds the lock taken.
  if (::ftruncate(fd, 0) == 0) {
    int err = 0;
    write_all(fd, holder + "\n", err);
  }
  return SiteLock(fd);
}

SiteLock::~SiteLock() {
  if (m_fd >= 0) ::close(m_fd); // closing releases the flock
}

} // namespace tma::backup
