#pragma once
// Backups kept in a restic repository (`storage: {type: restic}`;
// docs/backup.md, "restic"). Each artifact is its own snapshot made by `restic
// backup --stdin`, tagged `tma`, `site=`, `env=`, `backup=`, `run=`, `kind=`,
// `artifact=`. Without a local store the artifact streams from the server into
// restic while it is checked on the way (ResticStream, restic_stream.hpp); with
// one, restic reads the verified local copy. `manifest.json` goes last, so, as
// in the local store, a backup exists only once its manifest snapshot does.
// Manifests read back are cached by snapshot id (snapshots never change), so a
// listing costs one `restic snapshots`. The repository and its password reach
// restic through its environment (RESTIC_REPOSITORY, RESTIC_PASSWORD), never
// through argv or output.

#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tma/backup/pipe_feed.hpp>
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

/// True for a restic snapshot id, full (64 lowercase hex digits) or short (8, as `restic backup`
/// reports it): the only shapes used as a file name.
bool is_restic_snapshot_id(std::string_view id);

class ResticUpload;

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

  /// Start `restic backup --stdin` of `file` of backup `manifest`: the bytes are pushed as they
  /// come (ResticUpload). The password is resolved here, on the calling thread.
  core::Result<std::unique_ptr<ResticUpload>> start_upload(const Manifest &manifest, const std::string &file);
  /// The snapshot of `manifest.json` (after every artifact's): from then on the backup exists.
  /// The manifest is also cached, so listing it costs no `restic dump`.
  core::Result<std::string> upload_manifest(const Manifest &manifest);
  /// The same in two steps, so that restic opens the repository while the artifacts stream: start
  /// it (it waits for its stdin), then send `manifest` once every artifact is in. An upload ended
  /// without its text (a failed or killed backup) makes no snapshot: restic refuses an empty one.
  core::Result<std::unique_ptr<ResticUpload>> start_manifest_upload(const Manifest &manifest);
  core::Result<std::string> finish_manifest_upload(ResticUpload &upload, const Manifest &manifest);
  /// `restic forget` of snapshot ids (and their cached manifests).
  core::Result<void> forget(const std::vector<std::string> &ids);
  /// `restic forget` of one backup's snapshots (file name -> snapshot id), the manifest's first and
  /// on its own: should the second forget fail, what remains is a leftover, never a listed half backup.
  core::Result<void> forget_backup(const std::map<std::string, std::string> &snapshot_by_file);

  /// Start listing the snapshots of site/env on a thread of its own, so that the repository is
  /// opened (a key derivation, 0.4 s) while the backup streams instead of before it. The listing's
  /// readers (`list`, `clean_leftovers`) wait for it. Resolves the password on the calling thread.
  core::Result<void> prefetch(const std::string &site, const std::string &env);
  /// Forget the snapshots of backups of site/env that have no manifest snapshot
  /// (an upload that was interrupted), except those of backup `current` (in progress: its
  /// manifest comes last). Returns what was removed (`path` = `restic:<snapshot>`).
  core::Result<std::vector<Leftover>> clean_leftovers(const std::string &site, const std::string &env,
                                                      const std::string &current = {});

private:
  /// restic commands other than backup/dump of big files: listing, forget, prune.
  static constexpr transport::Milliseconds k_restic_timeout{30 * 60 * 1000};
  friend class ResticUpload;
  /// Resolve the password (once): it may run a `password_command`.
  core::Result<void> ensure_password() const;
  /// The cached manifest of snapshot `id`, if any; `remember_manifest` writes it.
  std::optional<std::string> cached_manifest(const std::string &snapshot) const;
  void remember_manifest(const std::string &snapshot, const std::string &text) const;
  std::string manifest_cache_dir() const { return m_staging + "/.restic-manifests"; }
  /// Run `restic <args>` with the repository and password in the environment;
  /// the error of a failure carries restic's (redacted) stderr.
  core::Result<transport::ProcessResult> restic(const std::vector<std::string> &args, transport::ProcessOptions options,
                                                const std::string &what) const;
  core::Result<std::vector<ResticSnapshot>> snapshots(const std::string &site, const std::string &env) const;
  /// `restic unlock` with the environment of `command_options`: removes the locks of dead restic
  /// processes, after a refusal. A failure is logged, not returned: the refusal is the error.
  void remove_stale_locks(const transport::ProcessOptions &command_options, const std::string &what) const;
  core::Result<std::string> dump_text(const std::string &snapshot, const std::string &file) const;
  void note_made(const std::string &site, const std::string &env, ResticSnapshot snapshot) const;
  void note_forgotten(const std::vector<std::string> &ids) const;

  inventory::StorageTarget m_target;
  std::string m_staging;
  mutable std::optional<std::string> m_password;
  /// The snapshots of site/env ("site/env") as this object last listed them, kept up to date with
  /// what it made and forgot since: a backup lists the repository once, for its leftovers, and its
  /// retention reuses that listing instead of starting restic again. A snapshot another machine
  /// made meanwhile is only missed until the next run; retention never removes what it did not list.
  mutable std::map<std::string, std::vector<ResticSnapshot>> m_known;
  /// A listing started by `prefetch` ("site/env" and its result to come). Only restic runs on its
  /// thread: every member is read and written on the caller's thread alone.
  mutable std::optional<std::pair<std::string, std::future<core::Result<std::vector<ResticSnapshot>>>>> m_prefetch;
  /// Snapshots made while a prefetched listing of their site/env was in flight: merged into it.
  mutable std::map<std::string, std::vector<ResticSnapshot>> m_made_meanwhile;
  core::Result<std::vector<ResticSnapshot>> list_snapshots(const std::string &site, const std::string &env) const;
};

/// One `restic backup --stdin` in progress, fed chunk by chunk from the caller's thread while
/// restic runs on a thread of its own (PipeFeed): memory stays bounded whatever the size.
class ResticUpload {
public:
  struct Key { explicit Key() = default; }; ///< only ResticStore::start_upload makes one
  explicit ResticUpload(Key) {}
  ~ResticUpload();
  ResticUpload(const ResticUpload &) = delete;
  ResticUpload &operator=(const ResticUpload &) = delete;

  /// The next bytes. False once restic stopped reading (it failed: `finish` says why).
  bool push(std::string_view chunk);
  /// End the stream and wait for restic. The snapshot id when restic ended well and its summary
  /// counts exactly the bytes pushed; `made()` has the id of any snapshot restic reported, even
  /// when the upload is refused, so that the caller can forget it.
  core::Result<std::string> finish();
  const std::optional<std::string> &made() const { return m_made; }
  std::uint64_t pushed() const { return m_pushed; }

private:
  friend class ResticStore;
  const ResticStore *m_store = nullptr;
  std::string m_file;
  std::string m_site;
  std::string m_env;
  std::string m_what;
  std::vector<std::string> m_tags;
  std::vector<std::string> m_args;
  std::unique_ptr<PipeFeed> m_feed;
  std::uint64_t m_pushed = 0;
  std::optional<std::string> m_made;
  std::optional<core::Result<std::string>> m_result;
  core::Result<transport::ProcessResult> m_ran = core::fail(core::ErrorKind::internal, "restic did not run");
  std::string m_output; ///< the end of restic's JSON lines (its summary is the last)
};

} // namespace tma::backup
