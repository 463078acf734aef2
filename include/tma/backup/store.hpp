#pragma once
// The local backup store (docs/backup.md, "Layout"):
//   <backups dir>/<site>/.lock                       per-site lock (flock), holder described inside
//   <backups dir>/<site>/<env>/<YYYYMMDDTHHMMSSZ>/   one backup: artifacts + manifest.json (last)
// Artifacts are written as `<name>.partial`, fsynced, verified, renamed, and the directory fsynced.
// A backup exists only once its manifest is there; removal deletes the manifest first, so a crash
// mid-removal leaves a leftover that the next run cleans up, never a half backup that lists.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tma/backup/manifest.hpp>
#include <tma/backup/sha256.hpp>
#include <tma/core/error.hpp>

namespace tma::backup {

/// SHA-256 and size of a file, read in 1 MiB chunks.
struct FileDigest {
  std::uint64_t size = 0;
  std::string sha256;
};
core::Result<FileDigest> digest_file(const std::string& path);

/// fsync a directory (after a rename or unlink in it).
core::Result<void> fsync_dir(const std::string& dir);

/// One artifact being written to `<dir>/<name>.partial`. The destructor removes the partial file
/// unless `commit()` succeeded.
class ArtifactWriter {
public:
  static core::Result<std::unique_ptr<ArtifactWriter>> create(const std::string& dir, const std::string& name);
  ~ArtifactWriter();
  ArtifactWriter(const ArtifactWriter&) = delete;
  ArtifactWriter& operator=(const ArtifactWriter&) = delete;

  /// Append `chunk` (hashing it). False after a write error (disk full...): see `error()`.
  bool write(std::string_view chunk);
  /// fsync and close; the first write error, if any, is returned here.
  core::Result<void> finish();
  /// Rename `<name>.partial` to `<name>` and fsync the directory. Only after `finish()`.
  core::Result<void> commit();

  const std::string& partial_path() const { return m_partial; }
  const std::string& name() const { return m_name; }
  std::uint64_t size() const { return m_size; }
  /// The digest of what was written (valid after `finish()`).
  const std::string& sha256() const { return m_digest; }
  const std::optional<std::string>& error() const { return m_error; }

private:
  ArtifactWriter(std::string dir, std::string name, int fd);
  std::string m_dir;
  std::string m_name;
  std::string m_partial;
  int m_fd = -1;
  OverlappedSha256 m_hash;
  std::string m_digest;
  std::uint64_t m_size = 0;
  std::uint64_t m_flushed = 0; ///< bytes whose writeback was started (sync_file_range)
  std::optional<std::string> m_error;
  bool m_committed = false;
};

/// A backup that exists (its manifest parsed).
struct StoredBackup {
  Manifest manifest;
  std::string dir;                              ///< local store: its directory; restic: empty
  std::map<std::string, std::string> snapshots; ///< restic: file name (artifacts, manifest.json) -> snapshot id
};

/// The backups of one site/env, newest first, and what could not be read.
struct StoreListing {
  std::vector<StoredBackup> backups;
  std::vector<std::string> problems;
};

/// Where backups are kept (`backup.storage`): the local directory tree or a restic repository.
/// Listing, verification, retention and restore go through this interface, so the commands and
/// the engine treat both the same way (docs/backup.md, "Storage").
class Store {
public:
  virtual ~Store() = default;
  /// For messages: the directory, or `restic <repository>` (credentials redacted).
  virtual std::string location() const = 0;
  /// The local directory holding `site`'s lock file (`.lock`).
  virtual std::string lock_dir(const std::string& site) const = 0;
  /// The complete backups of `site`/`env` (with a manifest), newest first.
  virtual core::Result<StoreListing> list(const std::string& site, const std::string& env) const = 0;
  /// Delete `backup` (retention). Call with the site lock.
  virtual core::Result<void> remove_backup(const StoredBackup& backup) = 0;
  /// After a series of `remove_backup`: reclaim space (restic prune); nothing for local.
  virtual core::Result<void> compact() { return {}; }
  /// Re-read `backup`: one message per problem (size, SHA-256, content), empty when good.
  virtual std::vector<std::string> verify(const StoredBackup& backup) const = 0;
  /// A local directory holding `backup`'s artifacts and manifest: its own directory (local), or
  /// the files downloaded into `scratch` (restic; `scratch` must exist and is left to the caller).
  virtual core::Result<std::string> materialize(const StoredBackup& backup, const std::string& scratch) const = 0;
};

/// What the cleanup of an interrupted backup removed.
struct Leftover {
  std::string path;
  std::uint64_t bytes = 0;
};

/// `YYYYMMDDTHHMMSSZ` for `time`, and back.
std::string backup_id(core::SysSeconds time);
std::optional<core::SysSeconds> parse_backup_id(std::string_view id);

class LocalStore : public Store {
public:
  explicit LocalStore(std::string root) : m_root(std::move(root)) {}
  std::string location() const override { return m_root; }
  std::string lock_dir(const std::string& site) const override { return site_dir(site); }
  core::Result<void> remove_backup(const StoredBackup& backup) override {
    return remove(backup.manifest.site, backup.manifest.env, backup.manifest.id);
  }
  std::vector<std::string> verify(const StoredBackup& backup) const override;
  core::Result<std::string> materialize(const StoredBackup& backup, const std::string&) const override {
    return backup.dir;
  }
  const std::string& root() const { return m_root; }
  std::string site_dir(const std::string& site) const;
  std::string env_dir(const std::string& site, const std::string& env) const;

  /// The backups of site/env with a valid manifest, newest first. Directories without a manifest
  /// are ignored (they are leftovers); unreadable manifests are reported in `problems`.
  using Listing = StoreListing;
  core::Result<Listing> list(const std::string& site, const std::string& env) const override;
  /// Environments that have a directory for `site`.
  std::vector<std::string> envs(const std::string& site) const;

  /// Remove directories without a manifest and stray `*.partial` files. Call with the site lock.
  core::Result<std::vector<Leftover>> clean_leftovers(const std::string& site, const std::string& env);

  /// Create the directory of a new backup started at `time`; returns its id (`-2`, `-3`... appended
  /// when one with the same second exists).
  core::Result<std::string> create(const std::string& site, const std::string& env, core::SysSeconds time);

  /// Write `manifest.json` (via a partial file, fsync, rename, fsync dir): the backup now exists.
  core::Result<void> write_manifest(const std::string& site, const std::string& env, const Manifest& manifest);

  /// Delete a backup: its manifest first (fsynced), then the rest.
  core::Result<void> remove(const std::string& site, const std::string& env, const std::string& id);

private:
  std::string m_root;
};

/// An exclusive per-site lock (flock on `<backups dir>/<site>/.lock`), released on destruction or
/// when the process dies. The file holds a description of the holder for the "locked" message.
class SiteLock {
public:
  /// Take the lock, waiting up to `wait` (0: try once). Fails with ErrorKind::locked naming the holder.
  static core::Result<SiteLock> acquire(const std::string& site_dir, const std::string& holder,
                                        std::chrono::milliseconds wait);
  SiteLock(SiteLock&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  SiteLock& operator=(SiteLock&&) = delete;
  SiteLock(const SiteLock&) = delete;
  ~SiteLock();

private:
  explicit SiteLock(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

} // namespace tma::backup
