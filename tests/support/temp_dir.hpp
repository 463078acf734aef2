#pragma once
// A temporary directory removed at scope exit, and an environment-variable guard.

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace tma::test {

class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }
  /// `path() / name` as a string.
  std::string file(const std::string& name) const { return (m_path / name).string(); }
  /// Write `content` to `name` (creating parent directories); returns the full path.
  std::string write(const std::string& name, const std::string& content) const;

private:
  std::filesystem::path m_path;
};

/// Sets (or unsets, with nullopt) an environment variable and restores it at scope exit.
class EnvGuard {
public:
  EnvGuard(std::string name, const std::optional<std::string>& value);
  ~EnvGuard();
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

private:
  std::string m_name;
  std::optional<std::string> m_old;
};

/// Unsets the proxy variables for its lifetime: requests to 127.0.0.1 must not go through a proxy
/// the CI machine may define.
struct NoProxy {
  EnvGuard http{"http_proxy", std::nullopt};
  EnvGuard https{"https_proxy", std::nullopt};
  EnvGuard https_upper{"HTTPS_PROXY", std::nullopt};
  EnvGuard all_upper{"ALL_PROXY", std::nullopt};
  EnvGuard all{"all_proxy", std::nullopt};
};

/// Read a whole file.
std::string read_file(const std::string& path);

} // namespace tma::test
