#include <tma/run/progress.hpp>

#include <fmt/format.h>

#include <tma/core/units.hpp>

namespace tma::run {
namespace {

constexpr std::chrono::milliseconds k_too_early{500};

} // namespace

std::string format_rate(std::uint64_t bytes, std::chrono::milliseconds elapsed) {
  if (elapsed < k_too_early) return "";
  auto per_second = static_cast<std::uint64_t>(static_cast<double>(bytes) * 1000.0 / static_cast<double>(elapsed.count()));
  return core::format_size(per_second) + "/s";
}

std::string format_eta(std::uint64_t bytes, std::optional<std::uint64_t> expected, std::chrono::milliseconds elapsed) {
  if (!expected || bytes == 0 || bytes >= *expected || elapsed < k_too_early) return "";
  // Remaining bytes at the rate so far, in whole seconds rounded up: "ETA 0s" would be a lie.
  auto left_ms = static_cast<double>(*expected - bytes) * static_cast<double>(elapsed.count()) / static_cast<double>(bytes);
  auto seconds = static_cast<std::int64_t>((left_ms + 999.0) / 1000.0);
  return "ETA " + core::format_elapsed(core::Seconds(seconds));
}

std::string phase_line(const std::string& phase, std::uint64_t bytes, std::optional<std::uint64_t> expected,
                       std::chrono::milliseconds elapsed) {
  if (bytes == 0) return phase;
  auto line = fmt::format("{} {}", phase, core::format_size(bytes));
  if (auto rate = format_rate(bytes, elapsed); !rate.empty()) line += " at " + rate;
  if (auto eta = format_eta(bytes, expected, elapsed); !eta.empty()) line += ", " + eta;
  return line;
}

void JobProgress::start_phase(std::string phase, std::optional<std::uint64_t> expected) {
  std::lock_guard lock(m_mutex);
  m_phase = std::move(phase);
  m_expected = expected;
  m_started = Clock::now();
  m_bytes.store(0, std::memory_order_relaxed);
}

std::string JobProgress::describe(Clock::time_point now) const {
  std::lock_guard lock(m_mutex);
  if (m_phase.empty()) return "";
  return phase_line(m_phase, m_bytes.load(std::memory_order_relaxed), m_expected,
                    std::chrono::duration_cast<std::chrono::milliseconds>(now - m_started));
}

} // namespace tma::run
