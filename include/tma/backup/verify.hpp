#pragma once
// Checks an artifact must pass before it is renamed from `.partial` (and again on `tma backup
// verify`): not empty; the compression stream decompresses completely (the real gzip/zstd programs
// through the process runner, so the format knowledge is theirs); a database dump ends with its
// completion trailer (`-- Dump completed`); a files archive lists completely with the real tar.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <tma/backup/manifest.hpp>
#include <tma/backup/pipe_feed.hpp>
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

/// The content check of `verify_artifact` made while an artifact's bytes go by, for a backup
/// streamed to restic without a local copy: the same real tools, fed on their stdin from a thread
/// of their own (PipeFeed), so memory stays bounded. A plain database dump keeps only its tail.
class StreamingCheck {
public:
  /// `label` names the artifact in messages.
  static core::Result<std::unique_ptr<StreamingCheck>> start(ArtifactKind kind, const std::string& compression,
                                                             std::string label);
  struct Key { explicit Key() = default; }; ///< only `start` makes one
  explicit StreamingCheck(Key) {}
  ~StreamingCheck();
  StreamingCheck(const StreamingCheck&) = delete;
  StreamingCheck& operator=(const StreamingCheck&) = delete;

  /// The next bytes of the artifact. False when the checking tool has stopped reading (it failed:
  /// `finish` says why).
  bool push(std::string_view chunk);
  /// After the last byte: the verdict (empty, truncated, not decompressible, not a tar archive).
  core::Result<void> finish();

private:
  std::string m_label;
  std::uint64_t m_size = 0;
  std::function<bool(std::string_view)> m_inline; ///< no tool: the sink itself
  std::unique_ptr<PipeFeed> m_feed;
  core::Result<void> m_tool;                       ///< the tool's ending, set by the feed's thread
  std::function<core::Result<void>()> m_verdict;
};

/// Re-read a stored backup's artifacts and compare size and SHA-256 with its manifest, then verify
/// their content. Returns one message per problem (empty: good).
std::vector<std::string> verify_backup(const std::string& dir, const Manifest& manifest);

} // namespace tma::backup
