#pragma once
// Diagnostic messages on stderr, redacted, gated by -q / -v / -vv.

#include <string_view>

#include <fmt/format.h>

namespace tma::core::log {

enum class Level { error = 0, warning = 1, info = 2, debug = 3, trace = 4 };

/// Messages above `level` are dropped. Default: warning (info with -v, debug with -vv).
void set_level(Level level);
Level level();

/// Write `tma: <level>: message` to stderr after redaction.
void write(Level level, std::string_view message);

template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  write(Level::error, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warning(fmt::format_string<Args...> f, Args&&... args) {
  if (level() >= Level::warning) write(Level::warning, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (level() >= Level::info) write(Level::info, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (level() >= Level::debug) write(Level::debug, fmt::format(f, std::forward<Args>(args)...));
}

} // namespace tma::core::log
