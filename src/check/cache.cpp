#include <tma/check/cache.hpp>

#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace tma::check {
namespace {

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

} // namespace

ResponseCache::ResponseCache(std::filesystem::path directory, core::Seconds ttl, Clock now)
    : m_directory(std::move(directory)), m_ttl(ttl), m_now(std::move(now)) {}

std::filesystem::path ResponseCache::path_for(std::string_view key) const {
  return m_directory / fmt::format("{:016x}.cache", fnv1a(key));
}

std::optional<ResponseCache::Entry> ResponseCache::get(std::string_view key) const {
  std::ifstream in(path_for(key), std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  // Layout: one JSON header line {"key", "stored_at"} then the body, so a hash collision or a
  // truncated header is detected rather than served.
  std::string header_line;
  if (!std::getline(in, header_line)) {
    return std::nullopt;
  }
  auto header = nlohmann::json::parse(header_line, nullptr, false);
  if (header.is_discarded() || !header.is_object() || !header.contains("key") || !header["key"].is_string() ||
      header["key"].get<std::string>() != key ||
      !header.contains("stored_at") || !header["stored_at"].is_number_integer() || !header.contains("size") ||
      !header["size"].is_number_unsigned()) {
    return std::nullopt;
  }
  std::ostringstream body;
  body << in.rdbuf();
  Entry entry;
  entry.body = body.str();
  if (entry.body.size() != header["size"].get<std::size_t>()) {
    return std::nullopt;
  }
  entry.stored_at = TimePoint(std::chrono::seconds(header["stored_at"].get<std::int64_t>()));
  entry.fresh = m_now() - entry.stored_at < m_ttl;
  return entry;
}

core::Result<void> ResponseCache::put(std::string_view key, std::string_view body) {
  std::error_code ec;
  std::filesystem::create_directories(m_directory, ec);
  if (ec) {
    return core::fail(core::ErrorKind::io, "cache " + m_directory.string() + ": " + ec.message());
  }
  auto target = path_for(key);
  auto temp = target;
  temp += fmt::format(".tmp.{}", getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    auto stored = std::chrono::duration_cast<std::chrono::seconds>(m_now().time_since_epoch()).count();
    nlohmann::json header = {{"key", std::string(key)}, {"stored_at", stored}, {"size", body.size()}};
    out << header.dump() << '\n';
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    out.flush();
    if (!out) {
      std::filesystem::remove(temp, ec);
      return core::fail(core::ErrorKind::io, "cache: cannot write " + temp.string());
    }
  }
  std::filesystem::rename(temp, target, ec);
  if (ec) {
    std::filesystem::remove(temp, ec);
    return core::fail(core::ErrorKind::io, "cache: cannot rename to " + target.string() + ": " + ec.message());
  }
  return {};
}

} // namespace tma::check
