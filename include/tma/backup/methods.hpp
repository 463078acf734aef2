#pragma once
// Backup methods (`backup.method`): each produces verified artifacts in a backup directory.
//   ssh:    the CMS's own dump tool streamed over the environment's transport, and a tar of the
//           configured paths; compressed on the server when the tool exists there.
//   http:   POST a trigger with a run id, poll a status URL, store the archive when one is returned.
//   custom: `commands:` (argv) run on the environment; each one's stdout is an artifact.
// Every artifact goes through `stream_artifact`: `.partial`, fsync, verify, rename.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <tma/backup/manifest.hpp>
#include <tma/core/error.hpp>
#include <tma/inventory/model.hpp>
#include <tma/run/progress.hpp>
#include <tma/transport/http.hpp>
#include <tma/transport/transport.hpp>

namespace tma::backup {

/// Produces an artifact's bytes into `sink`; returns an error when the producer failed.
using Producer = std::function<core::Result<std::vector<std::string>>(const transport::OutputSink& sink)>;

/// Where stream_artifact says what it is doing (the progress line of `tma backup` on a TTY).
struct ArtifactProgress {
  run::JobProgress* job = nullptr;       ///< null: nobody is watching
  std::string phase = "transfer";        ///< `dump` for a database, `transfer` otherwise; then `verify`
  std::optional<std::uint64_t> expected; ///< this artifact's size in the previous backup (the ETA)
};

/// Write the bytes of `produce` to `<dir>/<name>.partial`, fsync, verify its content, rename it.
/// The producer's returned strings are warnings kept in the artifact's record. `progress` gets the
/// phase `<phase> <name>` with the bytes as they arrive, then `verify <name>`.
core::Result<ArtifactInfo> stream_artifact(const std::string& dir, const std::string& name, ArtifactKind kind,
                                           const std::string& compression, const Producer& produce,
                                           const ArtifactProgress& progress = {});

/// Where the artifacts of a backup go as they are produced. Without one, `MethodContext::receive`
/// writes each to the backup directory with `stream_artifact`; a backup to restic storage with no
/// local store streams them into restic instead (ResticStream).
class ArtifactDestination {
public:
  virtual ~ArtifactDestination() = default;
  /// Store the bytes of `produce` as artifact `name`, checked: the same contract as
  /// `stream_artifact` (size, SHA-256, content check; a failure leaves nothing that counts).
  virtual core::Result<ArtifactInfo> receive(const std::string& name, ArtifactKind kind,
                                             const std::string& compression, const Producer& produce,
                                             const ArtifactProgress& progress) = 0;
};

/// Artifact kind and compression guessed from a name (`db.sql.gz` -> database, gzip).
ArtifactKind kind_from_name(const std::string& name);
std::string compression_from_name(const std::string& name);

/// Everything a method needs.
struct MethodContext {
  const inventory::Site* site = nullptr;
  const inventory::Environment* env = nullptr;
  transport::Transport* transport = nullptr;   ///< ssh and custom methods
  transport::HttpClient* http = nullptr;       ///< http method
  std::string dir;                             ///< the backup directory
  std::string run_id;
  Manifest* manifest = nullptr;                ///< methods fill `versions` and `remote_id`
  transport::Milliseconds poll_interval{2000}; ///< http method
  transport::Milliseconds poll_timeout{3600 * 1000};
  run::JobProgress* progress = nullptr;              ///< phases and bytes for the progress line
  std::map<std::string, std::uint64_t> previous_sizes; ///< artifact sizes of the previous backup, by name
  ArtifactDestination* destination = nullptr;        ///< null: files in `dir`
  /// Store artifact `name`: through `destination`, or `stream_artifact` into `dir`.
  core::Result<ArtifactInfo> receive(const std::string& name, ArtifactKind kind, const std::string& compression,
                                     const Producer& produce) const;
  /// The ArtifactProgress of artifact `name`: `dump` for a database, its previous size if any.
  ArtifactProgress progress_for(const std::string& name, ArtifactKind kind) const;
};

/// The remote POSIX shell script that runs `stage` piped into `compressor` (when not empty) and
/// reports each stage's exit status on stderr as `@tma-stage <name> <code>`, so that the failure
/// of the first command of a pipe is never hidden. Pure, golden-tested.
std::string staged_pipeline(const std::vector<std::string>& stage, const std::string& stage_name,
                            const std::vector<std::string>& compressor);

/// `pipeline` preceded, in the same remote session, by what a backup needs to know first (no
/// round trip of its own):
/// - when `version_argv` is not empty, the CMS version, run in `path` in the background so the
///   pipeline does not wait for it, printed on stderr as `@tma-version <text>` (best effort: its
///   failure prints nothing and is not an error); the script waits for it before it ends, at most
///   `version_timeout_s` seconds where the server has `timeout` (coreutils);
/// - when `compressor` is not empty, a check that it exists on the server: otherwise the session
///   prints `@tma-no-compressor <tool>` and ends before the pipeline runs.
/// Pure, tested by running it.
std::string with_session_prologue(const std::string& pipeline, const std::vector<std::string>& version_argv,
                                  const std::string& path, const std::vector<std::string>& compressor,
                                  int version_timeout_s = 60);

/// The `@tma-stage` statuses found in `stderr_text` (name -> exit code), and the text without them.
/// Also the prologue's lines (`with_session_prologue`).
struct StageReport {
  std::map<std::string, int> codes;
  std::string rest;
  std::string version;            ///< `@tma-version`, empty when unknown
  std::string missing_compressor; ///< `@tma-no-compressor`: the tool the server lacks
};
StageReport parse_stage_report(const std::string& stderr_text);

/// The dump argv for `site` in `env` (wp db export / drush sql:dump), or an error when the CMS
/// has no dump tool tma knows.
core::Result<std::vector<std::string>> dump_argv(const inventory::Site& site, const inventory::Environment& env);

/// `backup.database: {tool: mysqldump, ...}`: the MySQL option file tma sends on the SSH channel's
/// stdin (`[client]` user, password, host, port; values double-quoted and escaped). Pure, tested.
std::string mysql_option_file(const inventory::DatabaseDump& spec, const std::string& password);

/// The plain dump's password for `env`, resolved (a `password_command` runs); an error names the
/// key it came from: the environment's own `database`, else the site's `backup.database`.
core::Result<std::string> plain_dump_password(const inventory::Environment& env, const inventory::DatabaseDump& spec);

/// The remote shell prologue that stores exactly `size` bytes of stdin (the option file) in a fresh
/// temporary file `$f` created 0600 (umask 077, mktemp) and removed when the shell exits (trap).
/// What follows it in the script can use `--defaults-extra-file="$f"`. Pure, tested.
std::string option_file_prologue(std::size_t size);

/// The remote script that dumps `spec.name` with `spec.tool` reading its credentials from `$f`
/// (after `option_file_prologue`). Fails (config) on a database name starting with `-`.
core::Result<std::string> plain_dump_script(const inventory::DatabaseDump& spec, std::size_t option_file_size);

core::Result<std::vector<ArtifactInfo>> run_ssh_method(MethodContext& context);
core::Result<std::vector<ArtifactInfo>> run_custom_method(MethodContext& context);
core::Result<std::vector<ArtifactInfo>> run_http_method(MethodContext& context);

} // namespace tma::backup
