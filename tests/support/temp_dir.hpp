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

/// Read a whole file.
std::string read_file(const std::string& path);

} // namespace tma::test
