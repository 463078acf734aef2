#include <tma/request/stats.hpp>

#include <algorithm>

#include <fmt/format.h>

#include <tma/incident/sla.hpp>

namespace tma::request {

std::optional<Seconds> median(std::vector<Seconds> values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  auto middle = values.size() / 2;
  if (values.size() % 2 == 1) return values[middle];
  return (values[middle - 1] + values[middle]) / 2;
}

PeriodStats period_stats(const std::vector<Request>& requests, const std::string& client, SysSeconds from,
                         SysSeconds to) {
  PeriodStats stats;
  std::vector<Seconds> responses;
  std::vector<Seconds> resolutions;
  for (const auto& request : requests) {
    if (request.client != client) continue;
    if (request.resolved && *request.resolved >= from && *request.resolved < to) ++stats.closed;
    if (request.opened < from || request.opened >= to) continue;
    ++stats.opened;
    // incident::elapsed never goes negative, whatever order synced clocks recorded things in.
    if (request.first_response) responses.push_back(incident::elapsed(request.opened, *request.first_response));
    if (request.resolved) resolutions.push_back(incident::elapsed(request.opened, *request.resolved));
  }
  stats.median_first_response = median(std::move(responses));
  stats.median_resolution = median(std::move(resolutions));
  return stats;
}

nlohmann::json to_json(const PeriodStats& stats) {
  auto seconds_or_null = [](const std::optional<Seconds>& s) -> nlohmann::json {
    return s ? nlohmann::json(s->count()) : nlohmann::json(nullptr);
  };
  return {{"opened", stats.opened},
          {"closed", stats.closed},
          {"median_first_response_seconds", seconds_or_null(stats.median_first_response)},
          {"median_resolution_seconds", seconds_or_null(stats.median_resolution)}};
}

std::string render(const PeriodStats& stats) {
  auto duration_or_dash = [](const std::optional<Seconds>& s) { return s ? core::format_duration(*s) : std::string("-"); };
  return fmt::format("  requests: {} opened, {} closed, median first response {}, median resolution {}\n", stats.opened,
                     stats.closed, duration_or_dash(stats.median_first_response),
                     duration_or_dash(stats.median_resolution));
}

} // namespace tma::request
