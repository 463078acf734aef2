#pragma once
// The request block of `tma summary`: per client and period, how many requests were opened and
// closed, and the median times to first response and to resolution (wall-clock). Pure.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tma/request/request.hpp>

namespace tma::request {

struct PeriodStats {
  int opened = 0; ///< opened in the period
  int closed = 0; ///< became resolved or closed in the period (and still are)
  std::optional<Seconds> median_first_response; ///< over those opened in the period that got one
  std::optional<Seconds> median_resolution;     ///< over those opened in the period and resolved
  bool empty() const { return opened == 0 && closed == 0; }
};

/// The stats of `client`'s requests for [`from`, `to`), from `requests` (all of them).
PeriodStats period_stats(const std::vector<Request>& requests, const std::string& client, SysSeconds from,
                         SysSeconds to);

/// The median of `values` (the mean of the two middle ones for an even count); unset when empty.
std::optional<Seconds> median(std::vector<Seconds> values);

/// `{opened, closed, median_first_response_seconds, median_resolution_seconds}` (null medians when
/// nothing to measure).
nlohmann::json to_json(const PeriodStats& stats);

/// One indented line for the summary text: `  requests: 3 opened, 1 closed, median first response 2h, median resolution 1d`.
std::string render(const PeriodStats& stats);

} // namespace tma::request
