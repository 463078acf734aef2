#pragma once
// Checks an artifact must pass before it is renamed from `.partial` (and again on `tma backup
// verify`): not empty; the compression stream decompresses completely (the real gzip/zstd programs
// through the process runner, so the format knowledge is theirs); a database dump ends with its
// completion trailer (`-- Dump completed`); a files archive lists completely with the real tar.

#include <string>
#include <string_view>
#include <vector>

#include <tma/backup/manifest.hpp>
#include <tma/core/error.hpp>

namespace tma::backup {

/// The argv that writes the decompressed content of `path` to stdout (`gzip -dc`, `zstd -dc`,
/// `cat` for none). Fails for an unknown compression.
core::Result<std::vector<std::string>> decompress_argv(const std::string& compression, const std::string& path);

/// True when the last non-empty line of `tail` starts with `-- Dump completed` (mysqldump and
/// mariadb-dump write it only after a complete dump).
bool has_dump_trailer(std::string_view tail);

/// Verify the artifact at `path` (its content, not the manifest's checksum). Warnings (none yet)
/// go to `warnings`. Errors are ErrorKind::io with the reason.
core::Result<void> verify_artifact(const std::string& path, ArtifactKind kind, const std::string& compression);

/// Re-read a stored backup's artifacts and compare size and SHA-256 with its manifest, then verify
/// their content. Returns one message per problem (empty: good).
std::vector<std::string> verify_backup(const std::string& dir, const Manifest& manifest);

} // namespace tma::backup
