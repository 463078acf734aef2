#include <tma/perf/render.hpp>

#include <fmt/format.h>

#include <tma/core/text.hpp>
#include <tma/core/units.hpp>
#include <tma/core/utf8.hpp>

namespace tma::perf {
namespace {

using json = nlohmann::json;

report::Style style_of(TargetStatus status) {
  switch (status) {
  case TargetStatus::ok: return report::Style::good;
  case TargetStatus::findings: return report::Style::warn;
  default: return report::Style::bad;
  }
}

json resource_json(const Resource& r) {
  json out = {{"url", r.url},
              {"kind", r.is_page ? "page" : std::string(to_string(r.kind))},
              {"third_party", r.third_party},
              {"status", r.status},
              {"content_type", r.content_type},
              {"encoding", r.encoding},
              {"bytes", r.bytes},
              {"transfer_bytes", r.transfer_bytes},
              {"cache_control", r.cache_control},
              {"etag", r.etag},
              {"expires", r.expires},
              {"last_modified", r.last_modified},
              {"cache_lifetime", has_cache_lifetime(r)},
              {"http_version", r.http_version},
              {"capped", r.capped},
              {"error", r.error ? json(*r.error) : json(nullptr)}};
  return out;
}

json page_json(const PageResult& page) {
  json hops = json::array();
  for (const auto& hop : page.redirects) hops.push_back({{"url", hop.url}, {"status", hop.status}, {"location", hop.location}});
  json resources = json::array();
  for (const auto& r : page.resources) resources.push_back(resource_json(r));
  json top = json::array();
  for (const auto* r : largest(page)) top.push_back({{"url", r->url}, {"transfer_bytes", r->transfer_bytes}, {"bytes", r->bytes}});
  json findings = json::array();
  for (const auto& f : page.findings) {
    findings.push_back({{"rule", f.rule}, {"message", f.message}, {"count", f.count}, {"urls", f.urls}});
  }
  auto w = weight(page);
  json trend = nullptr;
  if (page.trend) {
    const auto& t = *page.trend;
    trend = {{"samples", t.samples},
             {"median", {{"ttfb_ms", t.ttfb_ms}, {"total_ms", t.total_ms}, {"bytes", t.bytes}, {"requests", t.requests}}},
             {"delta",
              {{"ttfb_ms", t.ttfb_delta}, {"total_ms", t.total_delta}, {"bytes", t.bytes_delta}, {"requests", t.requests_delta}}},
             {"regressed", t.regressed}};
  }
  return {{"url", page.url},
          {"final_url", page.final_url},
          {"status", page.status},
          {"error", page.error ? json(page.error->message) : json(nullptr)},
          {"http_version", page.http_version},
          {"timings_ms",
           {{"dns", page.timings.dns.count()},
            {"connect", page.timings.connect.count()},
            {"tls", page.timings.tls.count()},
            {"ttfb", page.timings.first_byte.count()},
            {"total", page.timings.total.count()}}},
          {"redirects", hops},
          {"weight",
           {{"bytes", w.bytes},
            {"transfer_bytes", w.transfer_bytes},
            {"requests", w.requests},
            {"third_party_requests", w.third_party_requests}}},
          {"assets_found", page.assets_found},
          {"assets_skipped", page.assets_skipped},
          {"byte_cap_reached", page.byte_cap_reached},
          {"html_truncated", page.html_truncated},
          {"images_without_size", page.images_without_size},
          {"largest", top},
          {"resources", resources},
          {"findings", findings},
          {"trend", trend}};
}

// `+120 ms`, `-1.2 MiB`: a difference with its sign.
std::string signed_elapsed(std::int64_t delta) {
  return (delta < 0 ? "-" : "+") + core::format_elapsed(Milliseconds(delta < 0 ? -delta : delta));
}
std::string signed_size(std::int64_t delta) {
  return (delta < 0 ? "-" : "+") + core::format_size(static_cast<std::uint64_t>(delta < 0 ? -delta : delta));
}

// Text for an XML attribute or element: markup escaped, invalid UTF-8 made visible, control
// characters XML 1.0 refuses dropped.
std::string xml_text(std::string_view raw) {
  std::string text = core::escape_invalid_utf8(raw);
  std::string out;
  for (char ch : text) {
    switch (ch) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&apos;"; break;
    default:
      if (static_cast<unsigned char>(ch) >= 0x20 || ch == '\t' || ch == '\n') out.push_back(ch);
    }
  }
  return out;
}

json wordpress_json(const std::optional<WordPressFacts>& facts) {
  if (!facts) return nullptr;
  const auto& wp = *facts;
  json findings = json::array();
  for (const auto& f : wp.findings) findings.push_back({{"rule", f.rule}, {"message", f.message}, {"count", f.count}});
  json cron = nullptr;
  if (wp.cron) cron = {{"events", wp.cron->events}, {"overdue", wp.cron->overdue}, {"oldest_overdue_s", wp.cron->oldest_overdue_s}};
  return {{"object_cache", wp.object_cache ? json(*wp.object_cache) : json(nullptr)},
          {"persistent_object_cache", wp.object_cache ? json(*wp.object_cache != "Default") : json(nullptr)},
          {"autoload_bytes", wp.autoload_bytes ? json(*wp.autoload_bytes) : json(nullptr)},
          {"cron", cron},
          {"php_version", wp.php_version ? json(*wp.php_version) : json(nullptr)},
          {"opcache_cli", wp.opcache_cli ? json(*wp.opcache_cli) : json(nullptr)},
          {"notes", wp.notes},
          {"findings", findings}};
}

// `object cache Redis, autoload 1.2 MiB, cron 3 overdue of 25, PHP 8.2.36, OPcache (CLI) off`.
std::string wordpress_line(const WordPressFacts& wp) {
  std::vector<std::string> parts;
  if (wp.object_cache) parts.push_back(*wp.object_cache == "Default" ? "no persistent object cache" : "object cache " + *wp.object_cache);
  if (wp.autoload_bytes) parts.push_back("autoload " + core::format_size(*wp.autoload_bytes));
  if (wp.cron) parts.push_back(fmt::format("cron {} overdue of {}", wp.cron->overdue, wp.cron->events));
  if (wp.php_version) parts.push_back("PHP " + *wp.php_version);
  if (wp.opcache_cli) parts.push_back(std::string("OPcache (CLI) ") + (*wp.opcache_cli ? "on" : "off"));
  return core::join(parts, ", ");
}

} // namespace

std::string render_junit(const std::vector<TargetResult>& targets, bool fail_on_findings) {
  std::string suites;
  int all_tests = 0, all_failures = 0, all_errors = 0;
  for (const auto& t : targets) {
    int failures = 0, errors = 0;
    std::string cases;
    auto suite = t.site + "/" + t.env;
    for (const auto& page : t.pages) {
      cases += fmt::format("    <testcase classname=\"{}\" name=\"{}\">", xml_text(suite), xml_text(page.url));
      std::string lines;
      for (const auto& f : page.findings) lines += (lines.empty() ? "" : "\n") + f.rule + ": " + f.message;
      if (page.error) {
        ++errors;
        auto type = page.error->kind == core::ErrorKind::unreachable ? "unreachable" : "failed";
        cases += fmt::format("\n      <error type=\"{}\" message=\"{}\"/>\n    ", type, xml_text(page.error->message));
      } else if (!page.findings.empty() && fail_on_findings) {
        ++failures;
        cases += fmt::format("\n      <failure type=\"findings\" message=\"{}\">{}</failure>\n    ",
                             xml_text(page.findings.front().message), xml_text(lines));
      } else if (!lines.empty()) {
        cases += fmt::format("\n      <system-out>{}</system-out>\n    ", xml_text(lines));
      }
      cases += "</testcase>\n";
    }
    auto tests = static_cast<int>(t.pages.size());
    suites += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n{}  </testsuite>\n",
                          xml_text(suite), tests, failures, errors, cases);
    all_tests += tests;
    all_failures += failures;
    all_errors += errors;
  }
  return fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<testsuites name=\"tma perf\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n{}</testsuites>\n",
                     all_tests, all_failures, all_errors, suites);
}

report::Table pages_table(const std::vector<TargetResult>& targets, bool with_trend) {
  std::vector<std::string> headers{"SITE", "ENV", "URL", "RESULT", "HTTP", "TTFB", "TOTAL", "WEIGHT", "REQUESTS"};
  if (with_trend) headers.insert(headers.end(), {"TTFB VS MEDIAN", "WEIGHT VS MEDIAN"});
  headers.push_back("FINDINGS");
  report::Table table(headers);
  for (const auto& t : targets) {
    for (const auto& page : t.pages) {
      auto status = target_status({page});
      std::vector<std::string> rules;
      for (const auto& f : page.findings) rules.push_back(f.rule);
      auto w = weight(page);
      bool measured = page.status != 0;
      std::vector<report::Cell> row{
          t.site, t.env, page.url, report::Cell(std::string(to_string(status)), style_of(status)),
          measured ? fmt::format("{} {}", page.http_version.empty() ? "?" : page.http_version, page.status) : "-",
          measured ? core::format_elapsed(page.timings.first_byte) : "-",
          measured ? core::format_elapsed(page.timings.total) : "-",
          measured ? core::format_size(w.transfer_bytes) : "-", measured ? std::to_string(w.requests) : "-"};
      if (with_trend) {
        row.emplace_back(page.trend ? signed_elapsed(page.trend->ttfb_delta) : "-");
        row.emplace_back(page.trend ? signed_size(page.trend->bytes_delta) : "-");
      }
      row.emplace_back(rules.empty() ? "-" : core::join(rules, ","));
      table.add_row(std::move(row));
    }
  }
  return table;
}

std::string render_table(const std::vector<TargetResult>& targets, bool colour, bool with_trend) {
  auto table = pages_table(targets, with_trend);
  auto fields = table.fields();
  fields.pop_back(); // the findings have lines of their own below
  std::string out = table.select(fields)->render(colour);
  int counts[4] = {0, 0, 0, 0};
  for (const auto& t : targets) {
    ++counts[static_cast<int>(t.status)];
    for (const auto& page : t.pages) {
      if (page.error) out += fmt::format("{} ({}) {}: error: {}\n", t.site, t.env, page.url, page.error->message);
      for (const auto& f : page.findings) {
        out += fmt::format("{} ({}) {}: {}: {}{}\n", t.site, t.env, page.url, f.rule, f.message,
                           f.urls.empty() ? "" : fmt::format(" ({}{})", f.urls.front(), f.count > 1 ? ", ..." : ""));
      }
    }
    if (t.wordpress) {
      auto facts = wordpress_line(*t.wordpress);
      if (!facts.empty()) out += fmt::format("{} ({}) wordpress: {}\n", t.site, t.env, facts);
      for (const auto& f : t.wordpress->findings) out += fmt::format("{} ({}) wordpress: {}: {}\n", t.site, t.env, f.rule, f.message);
      for (const auto& note : t.wordpress->notes) out += fmt::format("{} ({}) wordpress: note: {}\n", t.site, t.env, note);
    }
  }
  return out + fmt::format("{} targets: {} ok, {} findings, {} failed, {} unreachable\n", targets.size(), counts[0],
                           counts[1], counts[2], counts[3]);
}

json render_json_payload(const std::vector<TargetResult>& targets) {
  json list = json::array();
  int counts[4] = {0, 0, 0, 0};
  for (const auto& t : targets) {
    ++counts[static_cast<int>(t.status)];
    json pages = json::array();
    for (const auto& page : t.pages) pages.push_back(page_json(page));
    list.push_back({{"site", t.site}, {"env", t.env}, {"status", to_string(t.status)}, {"pages", pages},
                    {"wordpress", wordpress_json(t.wordpress)}});
  }
  return {{"command", "perf"},
          {"summary",
           {{"targets", targets.size()},
            {"ok", counts[0]},
            {"findings", counts[1]},
            {"failed", counts[2]},
            {"unreachable", counts[3]}}},
          {"targets", list}};
}

} // namespace tma::perf
