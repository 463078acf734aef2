#include <tma/check/health.hpp>

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include <tma/check/render.hpp>
#include <tma/cms/json_text.hpp>
#include <tma/core/exit_code.hpp>
#include <tma/core/text.hpp>
#include <tma/core/units.hpp>
#include <tma/report/output.hpp>

namespace tma::check {
namespace {

using nlohmann::json;

void add(HealthResult& r, std::string check, HealthLevel level, std::string message) {
  r.level = std::max(r.level, level);
  r.problems.push_back({std::move(check), level, std::move(message)});
}

// Whole days, rounding towards minus infinity so that "expires in 20 hours" is 0 days left.
long days_until(std::chrono::system_clock::time_point when, std::chrono::system_clock::time_point now) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(when - now).count();
  return seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
}

std::string_view level_style(HealthLevel level) {
  switch (level) {
  case HealthLevel::ok: return "\033[32m";
  case HealthLevel::warning: return "\033[33m";
  case HealthLevel::critical: return "\033[1;31m";
  }
  return "";
}

} // namespace

std::string_view to_string(HealthLevel level) {
  switch (level) {
  case HealthLevel::ok: return "ok";
  case HealthLevel::warning: return "warning";
  case HealthLevel::critical: return "critical";
  }
  return "critical";
}

std::vector<std::string> fatal_markers(std::string_view body) {
  static const char* k_markers[] = {"There has been a critical error on", "Fatal error:", "<b>Fatal error</b>:",
                                    "Parse error:", "<b>Parse error</b>:"};
  std::vector<std::string> found;
  for (const char* marker : k_markers) {
    if (body.find(marker) != std::string_view::npos) {
      found.emplace_back(marker);
    }
  }
  return found;
}

std::optional<std::string> maintenance_page(std::string_view body) {
  constexpr std::string_view wordpress = "Briefly unavailable for scheduled maintenance";
  constexpr std::string_view drupal = "is currently under maintenance. We should be back shortly.";
  if (body.find(wordpress) != std::string_view::npos) return fmt::format("WordPress maintenance page (\"{}\")", wordpress);
  if (body.find(drupal) != std::string_view::npos) return fmt::format("Drupal maintenance page (\"{}\")", drupal);
  return std::nullopt;
}

HealthResult evaluate_health(const std::string& site, const std::string& env, const std::string& url,
                             const inventory::SmokeCheck& check, const inventory::HealthPolicy& policy,
                             const HttpObservation& observation, std::chrono::system_clock::time_point now) {
  HealthResult r;
  r.site = site;
  r.env = env;
  r.url = url;
  r.status = observation.status;
  r.time = observation.total_time;
  if (observation.error) {
    r.unreachable = true;
    add(r, "request", HealthLevel::critical, observation.error->message);
    return r;
  }
  if (observation.status != check.expect_status) {
    add(r, "status", HealthLevel::critical,
        fmt::format("expected status {}, got {}", check.expect_status, observation.status));
  }
  if (auto page = maintenance_page(observation.body)) add(r, "maintenance", HealthLevel::critical, *page);
  for (const auto& marker : fatal_markers(observation.body)) {
    add(r, "fatal", HealthLevel::critical, "PHP error marker in page: \"" + marker + "\"");
  }
  if (check.expect_text && observation.body.find(*check.expect_text) == std::string::npos) {
    add(r, "text", HealthLevel::critical, "expected text not found: \"" + *check.expect_text + "\"");
  }
  if (check.max_time && observation.total_time > *check.max_time) {
    add(r, "time", HealthLevel::warning,
        fmt::format("took {}, more than {}", core::format_elapsed(observation.total_time), core::format_elapsed(*check.max_time)));
  }
  if (observation.tls_not_after) {
    long days = days_until(*observation.tls_not_after, now);
    r.tls_days_left = days;
    auto left = *observation.tls_not_after - now;
    if (left <= std::chrono::seconds(0)) {
      add(r, "tls", HealthLevel::critical, fmt::format("TLS certificate expired {} day(s) ago", -days));
    } else if (left < policy.tls_critical) {
      add(r, "tls", HealthLevel::critical, fmt::format("TLS certificate expires in {} day(s)", days));
    } else if (left < policy.tls_warn) {
      add(r, "tls", HealthLevel::warning, fmt::format("TLS certificate expires in {} day(s)", days));
    }
  }
  return r;
}

std::vector<inventory::SmokeCheck> smoke_checks(const inventory::Site& site) {
  if (!site.checks.empty()) {
    return site.checks;
  }
  return {inventory::SmokeCheck{}};
}

int health_exit_bits(const std::vector<HealthResult>& results) {
  int bits = core::exit_code::ok;
  for (const auto& r : results) {
    if (r.unreachable) {
      bits |= core::exit_code::unreachable;
    } else if (r.level == HealthLevel::critical) {
      bits |= core::exit_code::findings;
    }
  }
  return bits;
}

report::Table health_table(const std::vector<HealthResult>& results) {
  report::Table table({"SITE", "ENV", "URL", "STATUS", "TIME", "TLS", "RESULT", "PROBLEMS"});
  for (const auto& r : results) {
    auto style = r.level == HealthLevel::ok ? report::Style::good
                                            : (r.level == HealthLevel::warning ? report::Style::warn : report::Style::bad);
    std::vector<std::string> problems;
    for (const auto& p : r.problems) problems.push_back(p.message);
    table.add_row({r.site, r.env, r.url, r.unreachable ? "-" : std::to_string(r.status),
                   r.unreachable ? "-" : core::format_elapsed(r.time),
                   r.tls_days_left ? fmt::format("{}d", *r.tls_days_left) : "-",
                   report::Cell(std::string(to_string(r.level)), style), core::join(problems, "; ")});
  }
  return table;
}

std::string render_health_footer(const std::vector<HealthResult>& results, bool colour) {
  std::string problems;
  int counts[3] = {0, 0, 0};
  for (const auto& r : results) {
    ++counts[static_cast<int>(r.level)];
    for (const auto& p : r.problems) {
      std::string line = fmt::format("{} ({}) {}: {}: {}", r.site, r.env, r.url, to_string(p.level), p.message);
      problems += colour ? std::string(level_style(p.level)) + line + "\033[0m\n" : line + "\n";
    }
  }
  return problems + fmt::format("{} checked: {} ok, {} warning, {} critical\n", results.size(), counts[0], counts[1], counts[2]);
}

std::string render_health_table(const std::vector<HealthResult>& results, bool colour) {
  auto table = health_table(results);
  // The problems have lines of their own under the table, with their level.
  auto fields = table.fields();
  fields.pop_back();
  return table.select(fields)->render(colour) + render_health_footer(results, colour);
}

json render_health_json_payload(const std::vector<HealthResult>& results) {
  json list = json::array();
  int counts[3] = {0, 0, 0};
  int unreachable = 0;
  for (const auto& r : results) {
    ++counts[static_cast<int>(r.level)];
    unreachable += r.unreachable ? 1 : 0;
    json problems = json::array();
    for (const auto& p : r.problems) {
      problems.push_back({{"check", p.check}, {"level", to_string(p.level)}, {"message", cms::valid_utf8(p.message)}});
    }
    list.push_back({{"site", r.site},
                    {"env", r.env},
                    {"url", cms::valid_utf8(r.url)},
                    {"level", to_string(r.level)},
                    {"status", r.unreachable ? json(nullptr) : json(r.status)},
                    {"time_ms", r.unreachable ? json(nullptr) : json(r.time.count())},
                    {"tls_days_left", r.tls_days_left ? json(*r.tls_days_left) : json(nullptr)},
                    {"unreachable", r.unreachable},
                    {"problems", problems}});
  }
  return {{"command", "health"},
          {"summary",
           {{"checked", results.size()},
            {"ok", counts[0]},
            {"warning", counts[1]},
            {"critical", counts[2]},
            {"unreachable", unreachable}}},
          {"results", list}};
}

std::string render_health_junit(const std::vector<HealthResult>& results) {
  // Group by site/env, keeping first-seen order.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const HealthResult*>> groups;
  for (const auto& r : results) {
    auto key = r.site + "/" + r.env;
    if (!groups.count(key)) {
      order.push_back(key);
    }
    groups[key].push_back(&r);
  }
  std::string suites;
  int all_tests = 0, all_failures = 0, all_errors = 0;
  for (const auto& key : order) {
    int failures = 0, errors = 0;
    std::string cases;
    for (const auto* r : groups[key]) {
      std::vector<std::string> messages;
      for (const auto& p : r->problems) {
        messages.push_back(std::string(to_string(p.level)) + ": " + p.message);
      }
      std::string text;
      for (const auto& m : messages) {
        text += (text.empty() ? "" : "\n") + m;
      }
      cases += fmt::format("    <testcase classname=\"{}\" name=\"{}\">", xml_escape(key), xml_escape(r->url));
      if (r->unreachable) {
        ++errors;
        cases += fmt::format("\n      <error type=\"unreachable\" message=\"{}\"/>\n    ", xml_escape(text));
      } else if (r->level == HealthLevel::critical) {
        ++failures;
        cases += fmt::format("\n      <failure type=\"critical\" message=\"{}\">{}</failure>\n    ",
                             xml_escape(r->problems.empty() ? "" : r->problems.front().message), xml_escape(text));
      } else if (!text.empty()) {
        cases += fmt::format("\n      <system-out>{}</system-out>\n    ", xml_escape(text));
      }
      cases += "</testcase>\n";
    }
    auto tests = static_cast<int>(groups[key].size());
    suites += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n{}  </testsuite>\n",
                          xml_escape(key), tests, failures, errors, cases);
    all_tests += tests;
    all_failures += failures;
    all_errors += errors;
  }
  return fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<testsuites name=\"tma health\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n{}</testsuites>\n",
                     all_tests, all_failures, all_errors, suites);
}

} // namespace tma::check
