#include <tma/backup/manifest.hpp>

#include <fmt/format.h>

namespace tma::backup {

std::string_view to_string(BackupKind kind) {
  switch (kind) {
    case BackupKind::scheduled: return "scheduled";
    case BackupKind::pre_update: return "pre-update";
    case BackupKind::manual: return "manual";
    case BackupKind::safety: return "safety";
  }
  return "manual";
}

tl::expected<BackupKind, std::string> parse_backup_kind(std::string_view text) {
  for (auto kind : {BackupKind::scheduled, BackupKind::pre_update, BackupKind::manual, BackupKind::safety}) {
    if (to_string(kind) == text) return kind;
  }
  return tl::unexpected(fmt::format("unknown backup kind '{}' (scheduled, pre-update, manual, safety)", text));
}

std::string_view to_string(ArtifactKind kind) {
  switch (kind) {
    case ArtifactKind::database: return "database";
    case ArtifactKind::files: return "files";
    case ArtifactKind::other: return "other";
  }
  return "other";
}

std::uint64_t Manifest::total_size() const {
  std::uint64_t total = 0;
  for (const auto& a : artifacts) total += a.size;
  return total;
}

nlohmann::json to_json(const Manifest& m) {
  nlohmann::json artifacts = nlohmann::json::array();
  for (const auto& a : m.artifacts) {
    artifacts.push_back({{"name", a.name},
                         {"kind", to_string(a.kind)},
                         {"compression", a.compression},
                         {"size", a.size},
                         {"sha256", a.sha256},
                         {"warnings", a.warnings}});
  }
  return {{"schema", m.schema},
          {"id", m.id},
          {"site", m.site},
          {"env", m.env},
          {"time", core::format_rfc3339_utc(m.time)},
          {"duration_ms", m.duration.count()},
          {"tma_version", m.tma_version},
          {"kind", to_string(m.kind)},
          {"method", m.method},
          {"run", m.run},
          {"versions", m.versions},
          {"remote_id", m.remote_id},
          {"update_outcome", m.update_outcome},
          {"artifacts", artifacts}};
}

tl::expected<Manifest, std::string> manifest_from_json(const nlohmann::json& j) {
  try {
    Manifest m;
    m.schema = j.at("schema").get<int>();
    if (m.schema != k_manifest_schema) return tl::unexpected(fmt::format("unsupported manifest schema {}", m.schema));
    m.id = j.at("id").get<std::string>();
    m.site = j.at("site").get<std::string>();
    m.env = j.at("env").get<std::string>();
    auto time = core::parse_rfc3339(j.at("time").get<std::string>());
    if (!time) return tl::unexpected("bad time: " + time.error());
    m.time = *time;
    m.duration = std::chrono::milliseconds(j.at("duration_ms").get<long long>());
    m.tma_version = j.at("tma_version").get<std::string>();
    auto kind = parse_backup_kind(j.at("kind").get<std::string>());
    if (!kind) return tl::unexpected(kind.error());
    m.kind = *kind;
    m.method = j.at("method").get<std::string>();
    m.run = j.value("run", "");
    m.versions = j.value("versions", std::map<std::string, std::string>{});
    m.remote_id = j.value("remote_id", "");
    m.update_outcome = j.value("update_outcome", "");
    for (const auto& a : j.at("artifacts")) {
      ArtifactInfo info;
      info.name = a.at("name").get<std::string>();
      auto k = a.at("kind").get<std::string>();
      info.kind = k == "database" ? ArtifactKind::database : k == "files" ? ArtifactKind::files : ArtifactKind::other;
      info.compression = a.value("compression", "none");
      info.size = a.at("size").get<std::uint64_t>();
      info.sha256 = a.at("sha256").get<std::string>();
      info.warnings = a.value("warnings", std::vector<std::string>{});
      if (info.name.empty() || info.name.find('/') != std::string::npos || info.name[0] == '.') {
        return tl::unexpected(fmt::format("bad artifact name '{}'", info.name));
      }
      m.artifacts.push_back(std::move(info));
    }
    return m;
  } catch (const nlohmann::json::exception& e) {
    return tl::unexpected(std::string("malformed manifest: ") + e.what());
  }
}

} // namespace tma::backup
