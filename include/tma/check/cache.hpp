#pragma once
// An on-disk cache of HTTP answers (WordPress.org API, the vulnerability feed) with a TTL
// (`sources.cache_ttl`). Fresh entries save a request; stale ones are still returned, marked, so a
// failed fetch can fall back to them and say how old the data is.

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <tma/core/error.hpp>
#include <tma/core/units.hpp>

namespace tma::check {

class ResponseCache {
public:
  using TimePoint = std::chrono::system_clock::time_point;
  using Clock = std::function<TimePoint()>;

  /// A cache in `directory` (created on first put) whose entries are fresh for `ttl`; `now` is the clock
  /// (tests pass a fake one).
  ResponseCache(std::filesystem::path directory, core::Seconds ttl, Clock now = [] { return std::chrono::system_clock::now(); });

  struct Entry {
    std::string body;
    TimePoint stored_at;
    bool fresh = false; ///< younger than the TTL
  };

  /// The entry for `key` (usually the URL without credentials), fresh or stale; nullopt when absent or
  /// unreadable (a corrupt entry is treated as absent, never as data).
  std::optional<Entry> get(std::string_view key) const;

  /// Store `body` for `key` atomically (temp file + rename): readers see the old or the new entry.
  core::Result<void> put(std::string_view key, std::string_view body);

  /// The file holding `key` (FNV-1a 64 of the key, hex).
  std::filesystem::path path_for(std::string_view key) const;

private:
  std::filesystem::path m_directory;
  core::Seconds m_ttl;
  Clock m_now;
};

} // namespace tma::check
