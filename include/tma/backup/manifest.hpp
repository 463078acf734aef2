#pragma once
// `manifest.json`: the record that makes a backup exist (docs/backup.md, "Manifest"). It is written
// last, after every artifact was verified, fsynced and renamed; a directory without one is the
// leftover of an interrupted backup.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/core/error.hpp>
#include <tma/core/timezone.hpp>

namespace tma::backup {

inline constexpr int k_manifest_schema = 1;

enum class BackupKind { scheduled, pre_update, manual, safety };
std::string_view to_string(BackupKind kind);
tl::expected<BackupKind, std::string> parse_backup_kind(std::string_view text);

/// What an artifact holds, which decides how it is verified and restored.
enum class ArtifactKind { database, files, other };
std::string_view to_string(ArtifactKind kind);

struct ArtifactInfo {
  std::string name;          ///< file name in the backup directory (`database.sql.gz`)
  ArtifactKind kind = ArtifactKind::other;
  std::string compression;   ///< gzip | zstd | none
  std::uint64_t size = 0;
  std::string sha256;        ///< lowercase hex
  std::vector<std::string> warnings; ///< e.g. tar's "file changed as we read it"
};

struct Manifest {
  int schema = k_manifest_schema;
  std::string id;            ///< directory name: the UTC start time `YYYYMMDDTHHMMSSZ`
  std::string site;
  std::string env;
  core::SysSeconds time{};   ///< start of the backup
  std::chrono::milliseconds duration{0};
  std::string tma_version;
  BackupKind kind = BackupKind::manual;
  std::string method;        ///< ssh | http | custom
  std::string run;           ///< journal run id
  std::map<std::string, std::string> versions; ///< `core` -> `6.4.2`, ... when known
  std::string remote_id;     ///< http method: the id the remote side gave the backup
  /// pre-update only: `updated` once the update it protected ended with prod healthy on the new
  /// versions (written by `tma update`; retention keeps pre-update backups until a later one has it).
  std::string update_outcome;
  std::vector<ArtifactInfo> artifacts;
  std::uint64_t total_size() const;
};

nlohmann::json to_json(const Manifest& manifest);
/// Parse a manifest; the message names the bad field.
tl::expected<Manifest, std::string> manifest_from_json(const nlohmann::json& json);

} // namespace tma::backup
