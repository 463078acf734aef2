#pragma once
// Job histories as text, one job a line, for comparing two folds in a test's failure message.

#include <map>
#include <string>

#include <fmt/format.h>

#include <tma/core/timezone.hpp>
#include <tma/schedule/jobs.hpp>

namespace tma::test {

inline std::string show_history(const std::map<std::string, schedule::JobHistory>& history) {
  std::string out;
  for (const auto& [key, h] : history) {
    out += fmt::format("{} slot={} at={} run={} exit={}\n", key,
                       h.last_slot ? core::format_rfc3339_utc(*h.last_slot) : "-",
                       h.last_claimed ? core::format_rfc3339_utc(*h.last_claimed) : "-", h.last_run,
                       h.last_exit_code ? std::to_string(*h.last_exit_code) : "-");
  }
  return out;
}

} // namespace tma::test
