#pragma once
// Schedules written by tests that run `--due` against the real clock.
#include <chrono>
#include <ctime>
#include <string>

#include <fmt/format.h>

namespace tma::test {

/// `daily HH:MM` two hours ago in UTC: due now, its next slot 22 hours away, so that no slot
/// passes while the test runs.
inline std::string daily_two_hours_ago() {
  auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - std::chrono::hours(2));
  std::tm utc{};
  gmtime_r(&t, &utc);
  return fmt::format("daily {:02}:{:02}", utc.tm_hour, utc.tm_min);
}

} // namespace tma::test
