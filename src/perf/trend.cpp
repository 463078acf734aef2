// `perf.measured` events and the comparison of a run with the median of the recorded ones.
#include <tma/perf/trend.hpp>

#include <algorithm>

#include <fmt/format.h>

#include <tma/core/units.hpp>

namespace tma::perf {
namespace {

// Below these, a change is noise on a small figure rather than a regression.
constexpr std::int64_t k_time_floor_ms = 100;
constexpr std::int64_t k_bytes_floor = 10 * 1024;
constexpr std::int64_t k_requests_floor = 5;

// A non-negative integer of an event's page, as a recorded event holds it.
std::optional<std::int64_t> figure(const nlohmann::json& page, const char* key) {
  auto it = page.find(key);
  if (it == page.end() || !it->is_number_integer()) return std::nullopt;
  auto value = it->get<std::int64_t>();
  if (value < 0) return std::nullopt;
  return value;
}

bool regressed(std::int64_t now, std::int64_t median_value, std::int64_t floor, double ratio) {
  if (median_value <= 0) return false;
  return static_cast<double>(now) > static_cast<double>(median_value) * ratio && now - median_value >= floor;
}

} // namespace

std::optional<PageFigures> figures_of(const PageResult& page) {
  if (page.error) return std::nullopt;
  auto w = weight(page);
  return PageFigures{page.timings.first_byte.count(), page.timings.total.count(),
                     static_cast<std::int64_t>(w.transfer_bytes), static_cast<std::int64_t>(w.requests)};
}

nlohmann::json measured_event_data(const TargetResult& target) {
  auto pages = nlohmann::json::array();
  for (const auto& page : target.pages) {
    nlohmann::json entry{{"path", page.path}, {"url", page.url}};
    if (auto f = figures_of(page)) {
      entry["ttfb_ms"] = f->ttfb_ms;
      entry["total_ms"] = f->total_ms;
      entry["bytes"] = f->bytes;
      entry["requests"] = f->requests;
      entry["http"] = page.http_version;
      entry["findings"] = page.findings.size();
    } else {
      entry["error"] = std::string(core::to_string(page.error->kind));
    }
    pages.push_back(std::move(entry));
  }
  nlohmann::json data{{"status", std::string(to_string(target.status))}, {"pages", std::move(pages)}};
  if (target.wordpress) {
    const auto& wp = *target.wordpress;
    nlohmann::json facts = nlohmann::json::object();
    if (wp.object_cache) facts["object_cache"] = *wp.object_cache;
    if (wp.autoload_bytes) facts["autoload_bytes"] = *wp.autoload_bytes;
    if (wp.cron) facts["cron_overdue"] = wp.cron->overdue;
    if (wp.php_version) facts["php_version"] = *wp.php_version;
    if (wp.opcache_cli) facts["opcache_cli"] = *wp.opcache_cli;
    facts["findings"] = wp.findings.size();
    data["wordpress"] = std::move(facts);
  }
  return data;
}

core::Result<Period> parse_period(std::string_view text, core::SysSeconds now, const core::TimeZone& zone) {
  if (text.size() == 7) {
    if (auto date = core::parse_date(std::string(text) + "-01")) {
      return Period{zone.start_of_month(date->year, date->month), zone.start_of_month(date->year, date->month + 1)};
    }
  }
  if (auto duration = core::parse_duration(text); duration && duration->count() > 0) return Period{now - *duration, std::nullopt};
  return core::fail(core::ErrorKind::usage,
                    fmt::format("--compare '{}': use a duration back from now (30d, 7d, 12h) or a month (2026-11)", text));
}

void add_to_history(History& history, const journal::Event& event) {
  auto pages = event.data.find("pages");
  if (pages == event.data.end() || !pages->is_array()) return;
  for (const auto& page : *pages) {
    if (!page.is_object()) continue;
    auto path = page.find("path");
    if (path == page.end() || !path->is_string()) continue;
    auto ttfb = figure(page, "ttfb_ms"), total = figure(page, "total_ms"), bytes = figure(page, "bytes"),
         requests = figure(page, "requests");
    if (!ttfb || !total || !bytes || !requests) continue;
    history[{event.site, event.env, path->get<std::string>()}].push_back({*ttfb, *total, *bytes, *requests});
  }
}

core::Result<History> read_history(const journal::Journal& journal, const Period& period,
                                   const std::vector<std::string>& sites) {
  journal::Filter filter;
  filter.since = period.since;
  filter.until = period.until;
  filter.types = {k_measured_event};
  filter.sites = sites;
  History history;
  auto scanned = journal.scan(filter, [&history](const journal::Event& event) {
    add_to_history(history, event);
    return true;
  });
  if (!scanned) return tl::unexpected(scanned.error());
  return history;
}

std::int64_t median(std::vector<std::int64_t> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto middle = values.size() / 2;
  if (values.size() % 2 == 1) return values[middle];
  return values[middle - 1] + (values[middle] - values[middle - 1]) / 2;
}

Trend judge(const std::vector<PageFigures>& past, const PageFigures& now, double ratio) {
  Trend trend;
  trend.samples = past.size();
  std::vector<std::int64_t> ttfb, total, bytes, requests;
  for (const auto& f : past) {
    ttfb.push_back(f.ttfb_ms);
    total.push_back(f.total_ms);
    bytes.push_back(f.bytes);
    requests.push_back(f.requests);
  }
  trend.ttfb_ms = median(std::move(ttfb));
  trend.total_ms = median(std::move(total));
  trend.bytes = median(std::move(bytes));
  trend.requests = median(std::move(requests));
  trend.ttfb_delta = now.ttfb_ms - trend.ttfb_ms;
  trend.total_delta = now.total_ms - trend.total_ms;
  trend.bytes_delta = now.bytes - trend.bytes;
  trend.requests_delta = now.requests - trend.requests;
  if (regressed(now.ttfb_ms, trend.ttfb_ms, k_time_floor_ms, ratio)) trend.regressed.push_back("ttfb");
  if (regressed(now.total_ms, trend.total_ms, k_time_floor_ms, ratio)) trend.regressed.push_back("total");
  if (regressed(now.bytes, trend.bytes, k_bytes_floor, ratio)) trend.regressed.push_back("bytes");
  if (regressed(now.requests, trend.requests, k_requests_floor, ratio)) trend.regressed.push_back("requests");
  return trend;
}

void apply_trends(TargetResult& target, const History& history, double ratio) {
  for (auto& page : target.pages) {
    auto figures = figures_of(page);
    auto past = history.find({target.site, target.env, page.path});
    if (!figures || past == history.end() || past->second.empty()) continue;
    page.trend = judge(past->second, *figures, ratio);
    const auto& t = *page.trend;
    if (t.regressed.empty()) continue;
    std::vector<std::string> parts;
    for (const auto& metric : t.regressed) {
      if (metric == "ttfb") {
        parts.push_back(fmt::format("ttfb {} vs {}", core::format_elapsed(Milliseconds(figures->ttfb_ms)),
                                    core::format_elapsed(Milliseconds(t.ttfb_ms))));
      } else if (metric == "total") {
        parts.push_back(fmt::format("total {} vs {}", core::format_elapsed(Milliseconds(figures->total_ms)),
                                    core::format_elapsed(Milliseconds(t.total_ms))));
      } else if (metric == "bytes") {
        parts.push_back(fmt::format("weight {} vs {}", core::format_size(static_cast<std::uint64_t>(figures->bytes)),
                                    core::format_size(static_cast<std::uint64_t>(t.bytes))));
      } else {
        parts.push_back(fmt::format("requests {} vs {}", figures->requests, t.requests));
      }
    }
    std::string joined;
    for (const auto& part : parts) joined += (joined.empty() ? "" : ", ") + part;
    page.findings.push_back(Finding{"regression",
                                    fmt::format("{} (median of {} recorded measurement(s), ratio {})", joined, t.samples,
                                                ratio),
                                    {page.final_url.empty() ? page.url : page.final_url},
                                    1});
  }
  target.status = target_status(target);
}

} // namespace tma::perf
