#include <tma/backup/restic_stream.hpp>

#include <fmt/format.h>

#include <tma/backup/sha256.hpp>
#include <tma/backup/verify.hpp>
#include <tma/core/log.hpp>

namespace tma::backup {

using core::ErrorKind;

ResticStream::ResticStream(std::vector<ResticStore*> stores, const Manifest& manifest)
    : m_stores(std::move(stores)), m_manifest(manifest) {}

ResticStream::~ResticStream() {
  if (!m_committed) abandon();
}

core::Result<ArtifactInfo> ResticStream::receive(const std::string& name, ArtifactKind kind,
                                                 const std::string& compression, const Producer& produce,
                                                 const ArtifactProgress& progress) {
  auto check = StreamingCheck::start(kind, compression, name);
  if (!check) return tl::unexpected(check.error());
  std::vector<std::unique_ptr<ResticUpload>> uploads;
  for (auto* store : m_stores) {
    auto upload = store->start_upload(m_manifest, name);
    if (!upload) return tl::unexpected(core::with_context(upload.error(), "storage " + store->name()));
    uploads.push_back(std::move(*upload));
  }
  if (m_manifest_uploads.empty()) {
    // Started now, fed last: restic opens the repository (a key derivation) while the artifacts
    // stream instead of after them.
    for (auto* store : m_stores) {
      auto upload = store->start_manifest_upload(m_manifest);
      if (!upload) return tl::unexpected(core::with_context(upload.error(), "storage " + store->name()));
      m_manifest_uploads.push_back(std::move(*upload));
    }
  }
  if (progress.job != nullptr) progress.job->start_phase(progress.phase + " " + name, progress.expected);
  OverlappedSha256 hash;
  std::uint64_t size = 0;
  bool refused = false; // a consumer stopped reading: its own error explains the stop best
  auto produced = produce([&](std::string_view chunk) {
    if (progress.job != nullptr) progress.job->add_bytes(chunk.size());
    hash.begin(chunk); // hashed on its thread while restic and the check take the same bytes
    bool ok = (*check)->push(chunk);
    for (auto& upload : uploads) ok = upload->push(chunk) && ok;
    hash.end();
    size += chunk.size();
    if (!ok) refused = true;
    return ok;
  });
  if (progress.job != nullptr) progress.job->start_phase("verify " + name);
  auto checked = (*check)->finish();
  std::optional<core::Error> upload_error;
  for (std::size_t i = 0; i < uploads.size(); ++i) {
    auto snapshot = uploads[i]->finish();
    if (auto made = uploads[i]->made()) m_made[m_stores[i]->name()][name] = *made;
    if (!snapshot && !upload_error) upload_error = core::with_context(snapshot.error(), "storage " + m_stores[i]->name());
  }
  // The first cause: a producer that failed on its own (the connection dropped) explains the
  // truncated content that follows; a consumer that refused the bytes explains the stop.
  if (!produced && !refused) return tl::unexpected(produced.error());
  if (upload_error) return tl::unexpected(*upload_error);
  if (!checked) return tl::unexpected(checked.error());
  if (!produced) return tl::unexpected(produced.error());
  return ArtifactInfo{name, kind, compression, size, hash.hex(), *produced};
}

core::Result<std::map<std::string, std::map<std::string, std::string>>> ResticStream::commit() {
  for (std::size_t i = 0; i < m_stores.size(); ++i) {
    auto* store = m_stores[i];
    auto snapshot = i < m_manifest_uploads.size()
                        ? store->finish_manifest_upload(*m_manifest_uploads[i], m_manifest)
                        : store->upload_manifest(m_manifest);
    // Ended either way (a refused manifest is forgotten by finish_manifest_upload): only the
    // later stores' early uploads are left for abandon() to end.
    if (i < m_manifest_uploads.size()) m_manifest_uploads[i].reset();
    if (!snapshot) {
      abandon();
      return tl::unexpected(core::with_context(snapshot.error(), "storage " + store->name()));
    }
    m_made[store->name()]["manifest.json"] = *snapshot;
  }
  m_manifest_uploads.clear();
  m_committed = true;
  return m_made;
}

void ResticStream::end_manifest_uploads() {
  for (std::size_t i = 0; i < m_manifest_uploads.size() && i < m_stores.size(); ++i) {
    if (!m_manifest_uploads[i]) continue;
    auto& upload = *m_manifest_uploads[i];
    // Without the text: restic refuses to save an empty snapshot ("snapshot is empty"). Should a
    // later restic save one, it is forgotten with the rest.
    (void)upload.finish();
    auto& made = m_made[m_stores[i]->name()];
    if (auto id = upload.made(); id && made.count("manifest.json") == 0) made["manifest.json"] = *id;
  }
  m_manifest_uploads.clear();
}

void ResticStream::abandon() {
  end_manifest_uploads();
  for (auto* store : m_stores) {
    auto made = m_made.find(store->name());
    if (made == m_made.end()) continue;
    if (auto gone = store->forget_backup(made->second); !gone) {
      core::log::warning("storage {}: cannot forget the snapshots of the failed backup {} (the next backup will): {}",
                         store->name(), m_manifest.id, gone.error().message);
    }
  }
  m_made.clear();
}

} // namespace tma::backup
