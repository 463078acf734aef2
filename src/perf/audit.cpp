#include <tma/perf/audit.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include <tma/core/exit_code.hpp>
#include <tma/core/signals.hpp>
#include <tma/transport/url.hpp>

namespace tma::perf {
namespace {

using SteadyClock = std::chrono::steady_clock;

/// Of a stylesheet, what is kept to find its `url(...)` references.
constexpr std::size_t k_max_css_bytes = 1 << 20;

std::string media_type(const std::optional<std::string>& header) {
  if (!header) return "";
  auto type = header->substr(0, header->find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  return type;
}

// Fill a resource from a response's headers and counters.
void describe(Resource& r, const transport::HttpResponse& response) {
  r.status = response.status;
  r.content_type = media_type(response.header("Content-Type"));
  r.encoding = response.header("Content-Encoding").value_or("");
  std::transform(r.encoding.begin(), r.encoding.end(), r.encoding.begin(), [](unsigned char c) { return std::tolower(c); });
  if (r.encoding == "identity") r.encoding.clear();
  r.bytes = response.body_bytes;
  r.transfer_bytes = response.transfer_bytes;
  r.cache_control = response.header("Cache-Control").value_or("");
  r.etag = response.header("ETag").value_or("");
  r.expires = response.header("Expires").value_or("");
  r.last_modified = response.header("Last-Modified").value_or("");
  r.http_version = response.http_version;
}

Timings timings_of(const transport::HttpTimings& t) { return {t.dns, t.connect, t.tls, t.first_byte, t.total}; }

transport::HttpRequest base_request(const inventory::Environment& env, std::string url, const AuditOptions& options) {
  auto request = transport::request_for(env.http, std::move(url));
  request.timeout = std::min(request.timeout, options.request_timeout);
  request.connect_timeout = std::min(request.connect_timeout, request.timeout);
  request.max_attempts = 1; // a measurement, not a delivery: no retries
  return request;
}

// Every asset of the page fetched by at most `parallel` threads, `per_host` to one host, the
// decoded bytes of the whole page counted against `cap` as they arrive.
class AssetFetcher {
public:
  AssetFetcher(transport::HttpClient& http, const inventory::Environment& env, const AuditOptions& options,
               std::vector<Resource>& resources, std::uint64_t already, std::uint64_t cap, SteadyClock::time_point deadline)
      : m_http(http), m_env(env), m_options(options), m_resources(resources), m_total(already), m_cap(cap),
        m_deadline(deadline), m_started(resources.size(), false), m_css(resources.size()) {
    for (const auto& r : resources) m_hosts.push_back(transport::url_host(r.url));
  }

  /// Fetch them all; returns how many were not fetched (deadline, byte cap, interruption).
  std::size_t run() {
    auto workers = std::min<std::size_t>(static_cast<std::size_t>(std::max(1, m_options.parallel)), m_resources.size());
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < workers; ++i) threads.emplace_back([this] { work(); });
    for (auto& t : threads) t.join();
    return m_skipped;
  }
  bool cap_reached() const { return m_cap_reached; }
  /// Decoded bytes of the page so far (the page and every asset fetched).
  std::uint64_t total() const { return m_total.load(); }
  /// The body of resource `i` when it is a stylesheet (its first k_max_css_bytes).
  const std::string& css(std::size_t i) const { return m_css[i]; }

private:
  // The next resource whose host has room, or npos when none is left (after marking the rest
  // skipped when the page must stop).
  std::size_t take() {
    std::unique_lock lock(m_mutex);
    for (;;) {
      bool stop = core::interrupted() || SteadyClock::now() > m_deadline || m_total.load() >= m_cap;
      if (stop) m_cap_reached = m_cap_reached || m_total.load() >= m_cap;
      bool pending = false;
      for (std::size_t i = 0; i < m_resources.size(); ++i) {
        if (m_started[i]) continue;
        if (stop) {
          m_started[i] = true;
          ++m_skipped;
          continue;
        }
        pending = true;
        if (m_running[m_hosts[i]] < std::max(1, m_options.per_host)) {
          m_started[i] = true;
          ++m_running[m_hosts[i]];
          return i;
        }
      }
      if (!pending) return std::string::npos;
      m_changed.wait(lock);
    }
  }

  void work() {
    for (std::size_t i = take(); i != std::string::npos; i = take()) {
      fetch(i);
      std::lock_guard lock(m_mutex);
      --m_running[m_hosts[i]];
      m_changed.notify_all();
    }
  }

  void fetch(std::size_t index) {
    auto& r = m_resources[index];
    auto* css = r.kind == AssetKind::stylesheet ? &m_css[index] : nullptr;
    auto request = base_request(m_env, r.url, m_options);
    request.max_redirects = 3;
    // The page's byte cap is the sink's: counted across every asset as chunks arrive.
    request.max_bytes = std::numeric_limits<std::size_t>::max();
    std::uint64_t received = 0;
    bool refused = false;
    // Streamed and counted, never kept: only sizes and headers matter for an asset.
    request.on_body = [this, &received, &refused, css](std::string_view chunk) {
      if (m_total.fetch_add(chunk.size()) + chunk.size() > m_cap) {
        refused = true;
        return false;
      }
      received += chunk.size();
      if (css && css->size() < k_max_css_bytes) css->append(chunk.substr(0, k_max_css_bytes - css->size()));
      return true;
    };
    auto response = m_http.send(request);
    if (!response) {
      r.capped = refused;
      r.error = refused ? fmt::format("byte cap reached after {} bytes of this asset", received) : response.error().message;
      r.bytes = r.transfer_bytes = received;
      if (refused) {
        std::lock_guard lock(m_mutex);
        m_cap_reached = true;
      }
      return;
    }
    describe(r, *response);
    if (r.bytes == 0) r.bytes = received;
  }

  transport::HttpClient& m_http;
  const inventory::Environment& m_env;
  const AuditOptions& m_options;
  std::vector<Resource>& m_resources;
  std::atomic<std::uint64_t> m_total;
  std::uint64_t m_cap;
  SteadyClock::time_point m_deadline;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::vector<bool> m_started;
  std::vector<std::string> m_hosts;
  std::map<std::string, int> m_running;
  std::vector<std::string> m_css;
  std::size_t m_skipped = 0;
  bool m_cap_reached = false;
};

bool is_redirect(long status) { return status == 301 || status == 302 || status == 303 || status == 307 || status == 308; }

} // namespace

std::string_view to_string(TargetStatus status) {
  switch (status) {
  case TargetStatus::ok: return "ok";
  case TargetStatus::findings: return "findings";
  case TargetStatus::failed: return "failed";
  case TargetStatus::unreachable: return "unreachable";
  }
  return "ok";
}

PageResult audit_page(transport::HttpClient& http, const inventory::Environment& env, const inventory::PerfPolicy& policy,
                      const std::string& page_url, const AuditOptions& options) {
  PageResult page;
  page.url = page_url;
  auto started = SteadyClock::now();
  std::string url = page_url;
  std::optional<transport::HttpResponse> final;
  // Redirects one by one, so each hop is seen (status, Location) and bounded.
  for (int hop = 0;; ++hop) {
    auto request = base_request(env, url, options);
    request.max_redirects = 0;
    request.max_bytes = std::min<std::uint64_t>(options.max_html_bytes, policy.max_bytes);
    auto response = http.send(request);
    if (!response) {
      page.error = response.error();
      page.final_url = url;
      return page;
    }
    auto location = response->header("Location");
    if (!is_redirect(response->status) || !location) {
      final = std::move(*response);
      break;
    }
    auto next = transport::resolve_url(url, *location);
    page.redirects.push_back({url, response->status, *location});
    if (!next) {
      page.error = core::Error{core::ErrorKind::http, fmt::format("{}: redirect to '{}', not an http(s) URL", url, *location)};
      page.final_url = url;
      return page;
    }
    if (hop + 1 >= options.max_hops) {
      page.error = core::Error{core::ErrorKind::http, fmt::format("{}: more than {} redirects", page_url, options.max_hops)};
      page.final_url = *next;
      return page;
    }
    url = *next;
  }
  page.final_url = url;
  page.status = final->status;
  page.http_version = final->http_version;
  page.timings = timings_of(final->timings);
  Resource self;
  self.url = url;
  self.is_page = true;
  describe(self, *final);
  if (self.bytes == 0) self.bytes = final->body.size();
  page.resources.push_back(self);
  if (page.status < 200 || page.status >= 300) {
    page.error = core::Error{core::ErrorKind::http, fmt::format("{}: HTTP {}", url, page.status)};
    return page;
  }

  auto assets = extract_assets(final->body, url);
  page.images_without_size = std::move(assets.images_without_size);
  page.html_truncated = assets.truncated;
  page.assets_found = assets.assets.size();
  auto page_host = transport::url_host(url);
  auto limit = static_cast<std::size_t>(std::max(0, policy.max_assets));
  for (std::size_t i = 0; i < assets.assets.size() && i < limit; ++i) {
    Resource r;
    r.url = std::move(assets.assets[i].url);
    r.kind = assets.assets[i].kind;
    r.third_party = transport::url_host(r.url) != page_host;
    page.resources.push_back(std::move(r));
  }
  page.assets_skipped = assets.assets.size() > limit ? assets.assets.size() - limit : 0;

  // Assets live in their own vector while threads write them; the page stays first.
  std::vector<Resource> pending(std::make_move_iterator(page.resources.begin() + 1), std::make_move_iterator(page.resources.end()));
  page.resources.resize(1);
  std::vector<Resource> from_css;
  if (!pending.empty()) {
    AssetFetcher fetcher(http, env, options, pending, self.bytes, policy.max_bytes, started + options.page_deadline);
    page.assets_skipped += fetcher.run();
    page.byte_cap_reached = fetcher.cap_reached();
    // Second round: what the stylesheets load (fonts, backgrounds), within the same caps.
    std::set<std::string> known{url};
    for (const auto& r : pending) known.insert(r.url);
    std::size_t room = limit > pending.size() ? limit - pending.size() : 0;
    std::size_t found = 0;
    for (std::size_t i = 0; i < pending.size(); ++i) {
      if (pending[i].kind != AssetKind::stylesheet || pending[i].status < 200 || pending[i].status >= 300) continue;
      for (auto& ref : extract_css_urls(fetcher.css(i), pending[i].url)) {
        if (!known.insert(ref.url).second) continue;
        ++found;
        if (from_css.size() >= room) continue;
        Resource r;
        r.url = std::move(ref.url);
        r.kind = ref.kind;
        r.third_party = transport::url_host(r.url) != page_host;
        from_css.push_back(std::move(r));
      }
    }
    page.assets_found += found;
    page.assets_skipped += found - from_css.size();
    if (!from_css.empty()) {
      AssetFetcher second(http, env, options, from_css, fetcher.total(), policy.max_bytes, started + options.page_deadline);
      page.assets_skipped += second.run();
      page.byte_cap_reached = page.byte_cap_reached || second.cap_reached();
    }
  }
  for (auto& r : pending) page.resources.push_back(std::move(r));
  for (auto& r : from_css) page.resources.push_back(std::move(r));
  page.findings = evaluate(page, policy);
  return page;
}

std::vector<std::string> page_urls(const inventory::Environment& env, const inventory::PerfPolicy& policy) {
  std::string root = env.url;
  while (!root.empty() && root.back() == '/') root.pop_back();
  std::vector<std::string> urls{root + "/"};
  for (const auto& path : policy.paths) urls.push_back(root + path);
  return urls;
}

TargetStatus target_status(const std::vector<PageResult>& pages) {
  auto status = TargetStatus::ok;
  for (const auto& page : pages) {
    if (page.error) {
      if (page.error->kind == core::ErrorKind::unreachable) return TargetStatus::unreachable;
      status = TargetStatus::failed;
    } else if (!page.findings.empty() && status == TargetStatus::ok) {
      status = TargetStatus::findings;
    }
  }
  return status;
}

TargetStatus target_status(const TargetResult& target) {
  auto status = target_status(target.pages);
  if (status == TargetStatus::ok && target.wordpress && !target.wordpress->findings.empty()) return TargetStatus::findings;
  return status;
}

TargetResult audit_target(const inventory::Site& site, const inventory::Environment& env, transport::HttpClient& http,
                          const AuditOptions& options) {
  TargetResult result{site.name, env.name, {}, TargetStatus::ok, std::nullopt};
  auto urls = page_urls(env, site.perf);
  for (std::size_t i = 0; i < urls.size(); ++i) {
    if (core::interrupted()) break;
    result.pages.push_back(audit_page(http, env, site.perf, urls[i], options));
    result.pages.back().path = i == 0 ? "/" : site.perf.paths[i - 1];
  }
  result.status = target_status(result.pages);
  return result;
}

int exit_bits(const std::vector<TargetResult>& targets, bool fail_on_findings) {
  int bits = core::exit_code::ok;
  for (const auto& t : targets) {
    if (fail_on_findings && t.wordpress && !t.wordpress->findings.empty()) bits |= core::exit_code::findings;
    for (const auto& page : t.pages) {
      if (page.error) {
        bits |= page.error->kind == core::ErrorKind::unreachable ? core::exit_code::unreachable : core::exit_code::site_failed;
      } else if (fail_on_findings && !page.findings.empty()) {
        bits |= core::exit_code::findings;
      }
    }
  }
  return bits;
}

} // namespace tma::perf
