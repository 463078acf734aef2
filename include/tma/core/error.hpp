#pragma once
// Two tiers of errors (ccache style): `Result<T>` values at the bottom, so that one site's failure
// is data the runner carries on with; `TmaError` exceptions at the top, caught once in the CLI and
// mapped to an exit code.

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace tma::core {

/// What went wrong, coarse enough to choose an exit bit and a JSON `error.kind`.
enum class ErrorKind {
  config,      ///< the inventory or a flag is wrong
  usage,       ///< the command line is wrong
  unreachable, ///< could not reach the site (ssh connect/auth/host key, DNS, TCP)
  timeout,     ///< a bounded operation ran out of time
  remote,      ///< a remote command ran and failed
  cms,         ///< the CMS tool answered something we cannot use
  http,        ///< an HTTP exchange failed or answered an error status
  io,          ///< local file system
  git,         ///< journal repository
  locked,      ///< another tma holds a lock
  interrupted, ///< SIGINT/SIGTERM
  internal,    ///< a bug in tma
};

/// Stable lowercase name used in JSON output (`error.kind`).
std::string_view to_string(ErrorKind kind);

/// A recoverable failure with its context already in `message` (site, env, command, file:line).
struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;
};

template <class T>
using Result = tl::expected<T, Error>;

/// Shorthand to return a failure from a function returning `Result<T>`.
inline tl::unexpected<Error> fail(ErrorKind kind, std::string message) {
  return tl::unexpected<Error>(Error{kind, std::move(message)});
}

/// Prefix `context` to an error message as it travels up ("site acme-www: prod: ...").
inline Error with_context(Error error, std::string_view context) {
  error.message = std::string(context) + ": " + error.message;
  return error;
}

/// Run-wide failure thrown to the CLI's single catch; carries the exit code to use.
class TmaError : public std::runtime_error {
public:
  TmaError(int exit_code, const std::string& message)
      : std::runtime_error(message), m_exit_code(exit_code) {}
  int exit_code() const noexcept { return m_exit_code; }

private:
  int m_exit_code;
};

/// Inventory or configuration error (exit 78).
class ConfigError : public TmaError {
public:
  explicit ConfigError(const std::string& message);
};

/// Command-line misuse (exit 64).
class UsageError : public TmaError {
public:
  explicit UsageError(const std::string& message);
};

/// Another tma holds a lock we need (exit 75).
class LockedError : public TmaError {
public:
  explicit LockedError(const std::string& message);
};

/// A sum or product of money or time too large to compute exactly (exit 65; core/checked.hpp).
class OverflowError : public TmaError {
public:
  explicit OverflowError(const std::string& message);
};

/// Return the value of `result` or throw a `TmaError` with `exit_code` and the error's message.
template <class T>
T value_or_throw(Result<T> result, int exit_code) {
  if (!result) throw TmaError(exit_code, result.error().message);
  return std::move(*result);
}

} // namespace tma::core
