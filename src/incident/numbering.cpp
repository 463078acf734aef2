#include <tma/incident/numbering.hpp>

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

namespace tma::incident {

namespace {

long sequence_of(const std::string& event_id) {
  auto dash = event_id.rfind('-');
  if (dash == std::string::npos) return 0;
  try {
    return std::stol(event_id.substr(dash + 1));
  } catch (const std::exception&) {
    return 0;
  }
}

} // namespace

bool event_before(const journal::Event& a, const journal::Event& b) {
  return std::tie(a.at, a.run) < std::tie(b.at, b.run) ||
         (a.at == b.at && a.run == b.run && sequence_of(a.id) < sequence_of(b.id));
}

std::string next_number(std::string_view prefix, const std::vector<std::string>& taken, core::SysSeconds at,
                        const core::TimeZone& zone) {
  auto year_prefix = fmt::format("{}-{}-", prefix, zone.local_date(at).year);
  long highest = 0;
  for (const auto& number : taken) {
    if (number.rfind(year_prefix, 0) != 0) continue;
    try {
      highest = std::max(highest, std::stol(number.substr(year_prefix.size())));
    } catch (const std::exception&) {
    }
  }
  return fmt::format("{}{:04}", year_prefix, highest + 1);
}

std::string display_id(const std::string& number, bool first_with_number, const std::string& run) {
  // The run id's end: its random part (its start is a time, shared by the runs of a day).
  return first_with_number ? number : fmt::format("{}-{}", number, run.size() > 4 ? run.substr(run.size() - 4) : run);
}

} // namespace tma::incident
