#include <tma/core/log.hpp>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

#include <tma/core/redact.hpp>
#include <tma/core/utf8.hpp>

namespace tma::core::log {
namespace {
std::atomic<Level> g_level{Level::warning};
std::mutex g_mutex; // whole lines, even from worker threads
} // namespace

void set_level(Level level) { g_level.store(level); }
Level level() { return g_level.load(); }

void write(Level lvl, std::string_view message) {
  static constexpr std::string_view k_names[] = {"error", "warning", "info", "debug", "trace"};
  auto line = std::string("tma: ") + std::string(k_names[static_cast<int>(lvl)]) + ": " + printable(redact(message)) + "\n";
  std::lock_guard lock(g_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

} // namespace tma::core::log
