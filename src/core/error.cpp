#include <tma/core/error.hpp>
#include <tma/core/exit_code.hpp>

namespace tma::core {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
  case ErrorKind::config: return "config";
  case ErrorKind::usage: return "usage";
  case ErrorKind::unreachable: return "unreachable";
  case ErrorKind::timeout: return "timeout";
  case ErrorKind::remote: return "remote";
  case ErrorKind::cms: return "cms";
  case ErrorKind::http: return "http";
  case ErrorKind::io: return "io";
  case ErrorKind::git: return "git";
  case ErrorKind::locked: return "locked";
  case ErrorKind::interrupted: return "interrupted";
  case ErrorKind::internal: return "internal";
  }
  return "internal";
}

ConfigError::ConfigError(const std::string& message) : TmaError(exit_code::config, message) {}
UsageError::UsageError(const std::string& message) : TmaError(exit_code::usage, message) {}
LockedError::LockedError(const std::string& message) : TmaError(exit_code::locked, message) {}
OverflowError::OverflowError(const std::string& message) : TmaError(exit_code::data, message) {}

} // namespace tma::core
