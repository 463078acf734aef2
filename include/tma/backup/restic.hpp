#pragma once
// Backups kept in a restic repository (`storage: {type: restic}`;
// docs/backup.md, "restic"). A backup is first written and verified in a local
// staging directory (the local store's rules), then each artifact is streamed
// from that file into `restic backup --stdin` as its own snapshot, tagged
// `tma`, `site=`, `env=`, `backup=`, `run=`, `kind=`, `artifact=`;
// `manifest.json` goes last, so, as in the local store, a backup exists only
// once its manifest snapshot does. The repository and its password reach restic
// through its environment (RESTIC_REPOSITORY, RESTIC_PASSWORD), never through
// argv or output.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tma/backup/store.hpp>
#include <tma/inventory/model.hpp>
#include <tma/transport/process.hpp>

namespace tma::backup {

/// One snapshot of `restic snapshots --json`.
struct ResticSnapshot {
  std::string id;   ///< full id
  std::string time; ///< as restic printed it (RFC 3339)
  std::vector<std::string> tags;
  std::vector<std::string> paths;
};

/// Parse the JSON array printed by `restic snapshots --json`; the message says
/// what is wrong.
tl::expected<std::vector<ResticSnapshot>, std::string> parse_restic_snapshots(std::string_view json);

/// What `restic backup --json` reported in its final `summary` line.
struct ResticSummary {
  std::string snapshot_id;
  std::uint64_t bytes = 0; ///< total_bytes_processed
};

/// Find the `summary` message among the JSON lines of `restic backup --json`
/// (status lines and anything else are skipped). Fails when there is none or it
/// has no snapshot id.
tl::expected<ResticSummary, std::string> parse_restic_summary(std::string_view json_lines);

/// The value of tag `key=value` in `tags`, if present.
std::optional<std::string> restic_tag(const std::vector<std::string> &tags, std::string_view key);

/// The tags of the snapshot holding `file` of the backup `manifest`. A value
/// restic cannot carry in a tag (a comma, which `--tag` splits on, or an empty
/// value) is an error.
core::Result<std::vector<std::string>> restic_tags(const Manifest &manifest, const std::string &file);

/// The snapshots of one backup id, by file (`artifact=` tag) -> snapshot id,
/// newest snapshot first when restic has two for the same file.
struct ResticGroup {
  std::string id;
  std::map<std::string, std::string> files;
};
/// Group tma's snapshots by their `backup=` tag (snapshots without one are
/// ignored), sorted by id.
std::vector<ResticGroup> group_restic_snapshots(const std::vector<ResticSnapshot> &snapshots);

/// A restic repository used as a backup store. Every restic command runs
/// through `transport::run_process` with the repository and password in its
/// environment.
class ResticStore : public Store {
public:
  /// `target` must have type restic; `staging_root` is the local directory for
  /// the site locks and the staged copies (docs/backup.md).
  ResticStore(inventory::StorageTarget target, std::string staging_root);

  std::string location() const override;
  std::string lock_dir(const std::string &site) const override { return m_staging + "/" + site; }
  const std::string &staging_root() const { return m_staging; }
  const std::string &name() const { return m_target.name; }

  /// Snapshots tagged site/env grouped by backup; a group with a
  /// `manifest.json` snapshot is a backup (its manifest is read with `restic
  /// dump`); one whose manifest lists a file with no snapshot is reported in
  /// `problems`. A restic failure (wrong password...) is an error.
  core::Result<StoreListing> list(const std::string &site, const std::string &env) const override;
  /// `restic forget` of every snapshot of `backup` (the manifest's first).
  core::Result<void> remove_backup(const StoredBackup &backup) override;
  /// `restic prune`.
  core::Result<void> compact() override;
  /// Download into a temporary directory beside the staging root, then
  /// `verify_backup`.
  std::vector<std::string> verify(const StoredBackup &backup) const override;
  /// `restic dump <snapshot> /<file>` of each artifact and the manifest into
  /// `scratch`.
  core::Result<std::string> materialize(const StoredBackup &backup, const std::string &scratch) const override;

  /// Send the verified local backup in `dir` (described by `manifest`): each
  /// artifact, then `manifest.json`, one snapshot each. Checks restic's exit
  /// status and that each snapshot received exactly the file's size. On failure
  /// the snapshots already made are forgotten. Returns file -> snapshot id.
  core::Result<std::map<std::string, std::string>> upload(const std::string &dir, const Manifest &manifest);

  /// Forget the snapshots of backups of site/env that have no manifest snapshot
  /// (an upload that was interrupted). Returns what was removed (`path` =
  /// `restic:<snapshot>`).
  core::Result<std::vector<Leftover>> clean_leftovers(const std::string &site, const std::string &env);

private:
  /// Run `restic <args>` with the repository and password in the environment;
  /// the error of a failure carries restic's (redacted) stderr.
  core::Result<transport::ProcessResult> restic(const std::vector<std::string> &args, transport::ProcessOptions options,
                                                const std::string &what) const;
  core::Result<std::vector<ResticSnapshot>> snapshots(const std::string &site, const std::string &env) const;
  core::Result<std::string> dump_text(const std::string &snapshot, const std::string &file) const;
  core::Result<void> forget(const std::vector<std::string> &ids);

  inventory::StorageTarget m_target;
  std::string m_staging;
  mutable std::optional<std::string> m_password;
};

} // namespace tma::backup
