#include <tma/core/clock.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include <tma/core/text.hpp>
#include <tma/core/utf8.hpp>

namespace tma::core {
namespace {

// Set once by init_wall_clock, before threads start: the simulated start and the steady instant it
// was read at, so that the simulated time flows at the real rate within a run.
struct SimulatedStart {
  SysSeconds at;
  std::chrono::steady_clock::time_point read;
};
std::optional<SimulatedStart> g_simulated;

} // namespace

bool simulated_clock_supported() {
#ifdef TMA_SIMULATED_CLOCK
  return true;
#else
  return false;
#endif
}

Result<SysSeconds> parse_simulated_clock(std::string_view file_text) {
  auto text = trim(file_text);
  auto parsed = parse_rfc3339(text);
  if (!parsed) {
    return fail(ErrorKind::config, printable(fmt::format("TMA_SIMULATED_CLOCK: the file holds '{}', not an RFC 3339 "
                                                         "time (2026-12-01T02:00:00Z)",
                                                         text.substr(0, 64)),
                                             Newlines::escape));
  }
  return *parsed;
}

void init_wall_clock() {
  if (!simulated_clock_supported()) return;
  const char* path = std::getenv("TMA_SIMULATED_CLOCK");
  if (path == nullptr || *path == '\0') return;
  std::ifstream in(path);
  if (!in) throw ConfigError(fmt::format("TMA_SIMULATED_CLOCK: cannot read '{}'", path));
  std::ostringstream text;
  text << in.rdbuf();
  auto at = parse_simulated_clock(text.str());
  if (!at) throw ConfigError(at.error().message);
  g_simulated = SimulatedStart{*at, std::chrono::steady_clock::now()};
}

std::chrono::system_clock::time_point wall_clock_now() {
  if (!g_simulated) return std::chrono::system_clock::now();
  return std::chrono::system_clock::time_point(g_simulated->at) +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::steady_clock::now() -
                                                                          g_simulated->read);
}

Result<std::chrono::milliseconds> parse_simulated_pause(std::string_view text) {
  auto digits = trim(text);
  bool ok = !digits.empty() && digits.size() <= 6 &&
            digits.find_first_not_of("0123456789") == std::string_view::npos;
  long ms = ok ? std::stol(std::string(digits)) : -1;
  if (!ok || ms > 600000) {
    return fail(ErrorKind::config,
                printable(fmt::format("TMA_SIMULATED_PAUSE_BEFORE_PUSH: '{}' is not a pause in milliseconds "
                                      "(0 to 600000)",
                                      digits.substr(0, 64)),
                          Newlines::escape));
  }
  return std::chrono::milliseconds(ms);
}

std::optional<std::chrono::milliseconds> simulated_pause_before_push() {
#ifdef TMA_SIMULATED_CLOCK
  const char* text = std::getenv("TMA_SIMULATED_PAUSE_BEFORE_PUSH");
  if (text == nullptr || *text == '\0') return std::nullopt;
  auto pause = parse_simulated_pause(text);
  if (!pause) throw ConfigError(pause.error().message);
  return *pause;
#else
  // Compiled out: a production binary cannot be slowed down through its environment.
  return std::nullopt;
#endif
}

SysSeconds wall_now() { return std::chrono::floor<std::chrono::seconds>(wall_clock_now()); }

} // namespace tma::core
