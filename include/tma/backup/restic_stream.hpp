#pragma once
// A backup to restic storage with no local store: each artifact goes from the server straight
// into one `restic backup --stdin` per restic store, while its size, SHA-256 and content (the real
// gzip/zstd/tar, as `verify_artifact` runs them) are checked on the way; nothing is written to the
// staging disk. The manifest snapshot is made only once every artifact is complete and checked, so
// a backup is listed only once verified (its restic is started with the first artifact, so that
// opening the repository overlaps the stream, and gets its text last); everything made before a failure is forgotten (an
// interrupted tma leaves snapshots without a manifest: never listed, removed by the next run).

#include <map>
#include <string>
#include <vector>

#include <tma/backup/methods.hpp>
#include <tma/backup/restic.hpp>

namespace tma::backup {

class ResticStream : public ArtifactDestination {
public:
  /// `manifest` (its id, site, env, run and kind: the snapshots' tags) must outlive this object.
  ResticStream(std::vector<ResticStore*> stores, const Manifest& manifest);
  /// Forgets what was made unless `commit` succeeded.
  ~ResticStream() override;
  ResticStream(const ResticStream&) = delete;
  ResticStream& operator=(const ResticStream&) = delete;

  core::Result<ArtifactInfo> receive(const std::string& name, ArtifactKind kind, const std::string& compression,
                                     const Producer& produce, const ArtifactProgress& progress) override;

  /// After the artifacts (now in the manifest): the manifest snapshot in every store. Returns
  /// store name -> file -> snapshot id. On failure everything made is forgotten.
  core::Result<std::map<std::string, std::map<std::string, std::string>>> commit();
  /// Forget every snapshot made so far (best effort; a failure is logged: the next run cleans up).
  void abandon();

private:
  /// End the manifest uploads started early without their text; note what restic made.
  void end_manifest_uploads();

  std::vector<ResticStore*> m_stores;
  std::vector<std::unique_ptr<ResticUpload>> m_manifest_uploads; ///< one per store, once started
  const Manifest& m_manifest;
  std::map<std::string, std::map<std::string, std::string>> m_made; ///< store name -> file -> snapshot
  bool m_committed = false;
};

} // namespace tma::backup
